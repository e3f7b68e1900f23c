/*
 * What the port takes from ACPI: RSDP -> RSDT or XSDT -> the MADT ("APIC"), whose Processor
 * Local APIC entries list every CPU by APIC id, and the HPET table, which says where the HPET
 * is. Section numbers: ACPI specification 6.4. Tables are read in place through the identity
 * map (QEMU puts them below 4 GiB).
 */
#include <asm/boot.h>
#include <asm/lapic.h>
#include <mica/bootinfo.h>
#include <mica/printk.h>
#include <mica/string.h>

/* 5.2.5.3 Root System Description Pointer structure. */
struct acpi_rsdp {
	char signature[8]; /* "RSD PTR " */
	u8 checksum;	   /* over the first 20 bytes (the ACPI 1.0 part) */
	char oem_id[6];
	u8 revision; /* 0: ACPI 1.0, RSDT only; >= 2: XSDT too */
	u32 rsdt_address;
	u32 length;
	u64 xsdt_address;
	u8 extended_checksum; /* over all `length` bytes */
	u8 reserved[3];
} __packed;

/* 5.2.6 System Description Table header, common to every table. */
struct acpi_sdt_header {
	char signature[4];
	u32 length; /* of the whole table, header included */
	u8 revision;
	u8 checksum; /* all `length` bytes sum to 0 */
	char oem_id[6];
	char oem_table_id[8];
	u32 oem_revision;
	u32 creator_id;
	u32 creator_revision;
} __packed;

/* 5.2.12 Multiple APIC Description Table: header, then variable-length entries. */
struct acpi_madt {
	struct acpi_sdt_header h;
	u32 lapic_address;
	u32 flags;
} __packed;

struct acpi_madt_entry {
	u8 type;
	u8 length; /* of the whole entry, >= 2 */
} __packed;

/* 5.2.12.2 Processor Local APIC structure (type 0). */
struct acpi_madt_lapic {
	struct acpi_madt_entry e;
	u8 processor_uid;
	u8 apic_id;
	u32 flags;
} __packed;

#define ACPI_MADT_LAPIC 0
#define ACPI_MADT_LAPIC_ENABLED (1 << 0)

/* The HPET description table (IA-PC HPET specification 1.0a, 3.2.4). */
struct acpi_hpet {
	struct acpi_sdt_header h;
	u32 event_timer_block_id;
	struct {	     /* Generic Address Structure, ACPI 5.2.3.2 */
		u8 space_id; /* 0: system memory */
		u8 bit_width;
		u8 bit_offset;
		u8 access_size;
		u64 address;
	} __packed base;
	u8 hpet_number;
	u16 min_tick;
	u8 page_protection;
} __packed;

static const struct acpi_rsdp *acpi_rsdp;

static bool acpi_checksum_ok(const void *p, size_t len)
{
	const u8 *b = p;
	u8 sum = 0;

	while (len--)
		sum += *b++;
	return sum == 0;
}

/* The RSDP the loader passed, else the one in the BIOS area (5.2.5.1: 0xe0000-0xfffff, on a
 * 16-byte boundary). Returns NULL if there is none. */
static const struct acpi_rsdp *acpi_find_rsdp(u64 rsdp_pa)
{
	if (rsdp_pa)
		return (const struct acpi_rsdp *)rsdp_pa;
	for (unsigned long a = 0xe0000; a < 0x100000; a += 16) {
		const struct acpi_rsdp *r = (const struct acpi_rsdp *)a;

		if (!memcmp(r->signature, "RSD PTR ", 8) && acpi_checksum_ok(r, 20))
			return r;
	}
	return NULL;
}

/* A table at physical `pa` if its signature is `sig` and its checksum holds, else NULL. */
static const struct acpi_sdt_header *acpi_table(u64 pa, const char *sig)
{
	const struct acpi_sdt_header *h = (const struct acpi_sdt_header *)pa;

	if (!pa || pa >= (4ULL << 30)) /* outside head.S's identity map */
		return NULL;
	if (memcmp(h->signature, sig, 4) || !acpi_checksum_ok(h, h->length))
		return NULL;
	return h;
}

/* Looks `sig` up in the XSDT (64-bit entries, 5.2.8) or else the RSDT (32-bit, 5.2.7). */
static const struct acpi_sdt_header *acpi_find_table(const struct acpi_rsdp *rsdp, const char *sig)
{
	const struct acpi_sdt_header *root = NULL;
	size_t entry_size = 4;

	if (rsdp->revision >= 2 && acpi_checksum_ok(rsdp, rsdp->length)) {
		root = acpi_table(rsdp->xsdt_address, "XSDT");
		entry_size = 8;
	}
	if (!root) {
		root = acpi_table(rsdp->rsdt_address, "RSDT");
		entry_size = 4;
	}
	if (!root)
		return NULL;
	for (size_t off = sizeof(*root); off + entry_size <= root->length; off += entry_size) {
		const struct acpi_sdt_header *t;
		u64 pa = 0;

		memcpy(&pa, (const u8 *)root + off, entry_size); /* XSDT entries are unaligned */
		t = acpi_table(pa, sig);
		if (t)
			return t;
	}
	return NULL;
}

void x86_acpi_init(u64 rsdp_pa)
{
	acpi_rsdp = acpi_find_rsdp(rsdp_pa);
	if (!acpi_rsdp)
		pr_warn("x86_acpi: no RSDP: no ACPI tables");
}

void x86_acpi_find_cpus(struct boot_info *bi)
{
	const struct acpi_sdt_header *madt = acpi_rsdp ? acpi_find_table(acpi_rsdp, "APIC") : NULL;
	u32 boot_id = x86_lapic_id();

	boot_add_cpu(bi, boot_id);
	if (!madt) {
		pr_warn("x86_acpi: no MADT; running on the boot CPU only");
		return;
	}
	for (u32 off = sizeof(struct acpi_madt); off + 2 <= madt->length;) {
		const struct acpi_madt_entry *e = (const void *)((const u8 *)madt + off);
		const struct acpi_madt_lapic *l = (const void *)e;

		if (e->length < sizeof(*e))
			break; /* a malformed table: stop rather than loop */
		if (e->type == ACPI_MADT_LAPIC && e->length >= sizeof(*l) &&
		    (l->flags & ACPI_MADT_LAPIC_ENABLED) && l->apic_id != boot_id)
			boot_add_cpu(bi, l->apic_id);
		off += e->length;
	}
}

u64 x86_acpi_hpet_address(void)
{
	const struct acpi_hpet *t;

	t = (const void *)(acpi_rsdp ? acpi_find_table(acpi_rsdp, "HPET") : NULL);
	if (!t || t->h.length < sizeof(*t) || t->base.space_id != 0)
		return 0;
	return t->base.address;
}
