/*
 * A flattened device tree reader (riscv and arm firmware hand the kernel one). It takes what
 * the foundation needs: RAM (/memory reg), reserved RAM (the header's memory reservation block
 * and /reserved-memory/<node> reg), CPUs (/cpus/cpu@* reg) and /chosen/bootargs.
 * Format: Devicetree Specification v0.4, chapter 5 (big-endian structure block of tokens).
 */
#include <mica/bootinfo.h>
#include <mica/errno.h>
#include <mica/printk.h>
#include <mica/string.h>

#define FDT_MAGIC 0xd00dfeed
#define FDT_BEGIN_NODE 1
#define FDT_END_NODE 2
#define FDT_PROP 3
#define FDT_NOP 4
#define FDT_END 9

struct fdt_header {
	u32 magic, totalsize, off_dt_struct, off_dt_strings, off_mem_rsvmap, version,
	    last_comp_version, boot_cpuid_phys, size_dt_strings, size_dt_struct;
};

static u32 be32(const void *p)
{
	const u8 *b = p;

	return (u32)b[0] << 24 | (u32)b[1] << 16 | (u32)b[2] << 8 | b[3];
}

/* Reads a number of `cells` 32-bit cells (1 or 2) and advances *p. */
static u64 read_cells(const u8 **p, u32 cells)
{
	u64 v = 0;

	while (cells--) {
		v = v << 32 | be32(*p);
		*p += 4;
	}
	return v;
}

/* What we know of the node being read, one per depth we care about (root = 0). */
struct node {
	char name[32];
	u32 addr_cells, size_cells; /* for this node's children */
	const u8 *reg;
	u32 reg_len;
	bool is_cpu, is_memory, disabled;
};

/* Passes each (address, size) pair of n's reg property, sized by its parent's cells, to add. */
static void add_reg_ranges(struct boot_info *bi, const struct node *n, const struct node *parent,
			   void (*add)(struct boot_info *, phys_addr_t, u64))
{
	u32 step = 4 * (parent->addr_cells + parent->size_cells);
	const u8 *p = n->reg;

	for (u32 off = 0; step && off + step <= n->reg_len; off += step) {
		u64 base = read_cells(&p, parent->addr_cells);

		add(bi, base, read_cells(&p, parent->size_cells));
	}
}

static void node_done(struct boot_info *bi, const struct node *n, const struct node *parent,
		      int depth)
{
	const u8 *p = n->reg;

	if (!p || n->disabled)
		return;
	if (depth == 2 && !strcmp(parent->name, "cpus") && n->is_cpu) {
		unsigned long hwid = (unsigned long)read_cells(&p, parent->addr_cells);

		if (bi->ncpus == 0 || hwid != bi->cpu_hwid[0])
			boot_add_cpu(bi, hwid);
	} else if (depth == 2 && !strcmp(parent->name, "reserved-memory")) {
		add_reg_ranges(bi, n, parent, boot_add_reserved);
	} else if (depth == 1 && n->is_memory) {
		add_reg_ranges(bi, n, parent, boot_add_mem);
	}
}

int fdt_parse(const void *fdt, struct boot_info *bi)
{
	const struct fdt_header *h = fdt;
	const u8 *base = fdt, *p, *strings;
	struct node stack[4];
	int depth = -1;

	if (!fdt || be32(&h->magic) != FDT_MAGIC)
		return -EINVAL;
	/* The blob itself (its address is physical: every port reads the blob before, or
	 * through an identity map), and the header's reservation block: {u64 address, u64 size}
	 * pairs ending with a zero size (DT spec 5.3). */
	boot_add_reserved(bi, (phys_addr_t)(unsigned long)fdt, be32(&h->totalsize));
	for (p = base + be32(&h->off_mem_rsvmap);; p += 16) {
		const u8 *q = p;
		u64 rbase = read_cells(&q, 2), rsize = read_cells(&q, 2);

		if (!rsize)
			break;
		boot_add_reserved(bi, rbase, rsize);
	}
	p = base + be32(&h->off_dt_struct);
	strings = (const u8 *)base + be32(&h->off_dt_strings);

	for (;;) {
		u32 tok = be32(p);

		p += 4;
		if (tok == FDT_BEGIN_NODE) {
			const char *name = (const char *)p;

			p += ALIGN_UP(strlen(name) + 1, 4);
			if (++depth < (int)ARRAY_SIZE(stack)) {
				struct node *n = &stack[depth];

				memset(n, 0, sizeof(*n));
				strscpy(n->name, name, sizeof(n->name));
				n->addr_cells = 2; /* defaults, DT spec 2.3.5 */
				n->size_cells = 1;
				n->is_memory = !strncmp(name, "memory@", 7);
				n->is_cpu = !strncmp(name, "cpu@", 4);
			}
		} else if (tok == FDT_END_NODE) {
			if (depth > 0 && depth < (int)ARRAY_SIZE(stack))
				node_done(bi, &stack[depth], &stack[depth - 1], depth);
			if (--depth < 0)
				break; /* the root closed */
		} else if (tok == FDT_PROP) {
			u32 len = be32(p), nameoff = be32(p + 4);
			const u8 *val = p + 8;
			const char *pname = (const char *)strings + nameoff;

			p += 8 + ALIGN_UP(len, 4);
			if (depth < 0 || depth >= (int)ARRAY_SIZE(stack))
				continue;
			struct node *n = &stack[depth];
			if (!strcmp(pname, "#address-cells"))
				n->addr_cells = be32(val);
			else if (!strcmp(pname, "#size-cells"))
				n->size_cells = be32(val);
			else if (!strcmp(pname, "reg")) {
				n->reg = val;
				n->reg_len = len;
			} else if (!strcmp(pname, "device_type")) {
				n->is_memory |= !strcmp((const char *)val, "memory");
				n->is_cpu &= !strcmp((const char *)val, "cpu");
			} else if (!strcmp(pname, "status"))
				n->disabled = !strcmp((const char *)val, "disabled");
			else if (depth == 1 && !strcmp(n->name, "chosen") &&
				 !strcmp(pname, "bootargs"))
				boot_set_cmdline(bi, (const char *)val);
		} else if (tok == FDT_NOP) {
			continue;
		} else if (tok == FDT_END) {
			break;
		} else {
			pr_err("fdt: bad token 0x%x at offset %ld", tok, (long)(p - 4 - base));
			return -EINVAL;
		}
	}
	return 0;
}
