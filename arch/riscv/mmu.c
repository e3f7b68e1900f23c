/*
 * The kernel page table: Sv39 (RISC-V privileged spec v1.12, 4.4), one table shared by every
 * hart. For now it is an identity map (virtual = physical), built once at boot:
 *   - every RAM region the device tree lists, with 2 MiB megapages, read/write/execute;
 *   - the two devices the kernel touches, with 4 KiB pages, read/write: the UART
 *     (0x10000000) and the sifive_test exit device (0x100000).
 * Nothing else is mapped, so a stray pointer into another device or past RAM page-faults.
 * Every kernel entry is global (G), so no hart keeps a copy per ASID.
 *
 * Also here: the boot parameter riscv_ad=, which picks who sets A/D in user PTEs
 * (<asm/pgtable.h>, riscv_pte_hw()). TLB maintenance is in tlb.c.
 */
#include <asm/riscv.h>
#include <mica/arch.h>
#include <mica/bootinfo.h>
#include <mica/cmdline.h>
#include <mica/errno.h>
#include <mica/mm_types.h>
#include <mica/panic.h>
#include <mica/printk.h>
#include <mica/string.h>

/* Page-table entry bits (4.3.1, Figure 4.18 for Sv32; Sv39 keeps them, 4.4.1) */
#define PTE_V (1UL << 0)
#define PTE_R (1UL << 1)
#define PTE_W (1UL << 2)
#define PTE_X (1UL << 3)
#define PTE_G (1UL << 5) /* global: in every address space */
#define PTE_A (1UL << 6)
#define PTE_D (1UL << 7)
#define PTE_PPN_SHIFT 10
/*
 * A and D set up front: 4.3.1 lets a hart either set them in hardware or fault when they are
 * clear, and the kernel's own mappings should never fault for that.
 */
#define PTE_KERNEL_RW (PTE_V | PTE_R | PTE_W | PTE_G | PTE_A | PTE_D)
#define PTE_KERNEL_RWX (PTE_KERNEL_RW | PTE_X)

#define PAGE_SHIFT 12
#define PT_ENTRIES 512
/* Sv39 level sizes: level 0 = 4 KiB page, 1 = 2 MiB megapage, 2 = 1 GiB gigapage. */
#define LEVEL_SHIFT(l) (PAGE_SHIFT + 9 * (l))
#define LEVEL_MEGAPAGE 1
#define LEVEL_PAGE 0

#define UART_BASE 0x10000000UL
#define SIFIVE_TEST_BASE 0x100000UL

/* Root plus one table per GiB of RAM and the few for the devices: 16 covers 12 GiB of RAM. */
#define NR_TABLES 16
static u64 page_tables[NR_TABLES][PT_ENTRIES] __aligned(1 << PAGE_SHIFT);
static unsigned tables_used = 1; /* page_tables[0] is the root */
static unsigned long kernel_satp;

static u64 *table_alloc(void)
{
	if (tables_used == NR_TABLES)
		panic("riscv_mmu: more than %d page tables needed", NR_TABLES);
	return page_tables[tables_used++]; /* zeroed: it is in .bss */
}

static u64 pte_make(unsigned long pa, u64 flags)
{
	return (u64)(pa >> PAGE_SHIFT) << PTE_PPN_SHIFT | flags;
}

static u64 *pte_table(u64 pte)
{
	return (u64 *)(unsigned long)((pte >> PTE_PPN_SHIFT) << PAGE_SHIFT);
}

/*
 * Returns the entry that maps va at `level`, creating the tables above it (the walk of 4.3.2,
 * three levels for Sv39). Panics if a larger page already covers va.
 */
static u64 *pte_walk(unsigned long va, int level)
{
	u64 *table = page_tables[0];

	for (int l = 2; l > level; l--) {
		u64 *pte = &table[(va >> LEVEL_SHIFT(l)) & (PT_ENTRIES - 1)];

		/* V, no RWX: a table. G: everything below is the kernel's, in every address
		 * space (4.3.1: G on a non-leaf entry makes the whole subtree global), so a
		 * hart need not cache it once per ASID. */
		if (!(*pte & PTE_V))
			*pte = pte_make((unsigned long)table_alloc(), PTE_V | PTE_G);
		else if (*pte & (PTE_R | PTE_W | PTE_X))
			panic("riscv_mmu: 0x%lx is inside a larger page already", va);
		table = pte_table(*pte);
	}
	return &table[(va >> LEVEL_SHIFT(level)) & (PT_ENTRIES - 1)];
}

/* Identity-maps [base, base + size), rounded out to pages of `level`, with `flags`. */
static void map_identity(unsigned long base, u64 size, int level, u64 flags)
{
	unsigned long step = 1UL << LEVEL_SHIFT(level);

	for (unsigned long a = ALIGN_DOWN(base, step); a < base + size; a += step) {
		u64 *pte = pte_walk(a, level);

		if ((*pte & PTE_V) && !(*pte & (PTE_R | PTE_W | PTE_X)))
			panic("riscv_mmu: 0x%lx would replace a page table", a);
		*pte = pte_make(a, flags);
	}
}

void riscv_mmu_init(const struct boot_info *bi)
{
	for (unsigned i = 0; i < bi->nmem; i++)
		map_identity(bi->mem[i].base, bi->mem[i].size, LEVEL_MEGAPAGE, PTE_KERNEL_RWX);
	map_identity(UART_BASE, 1UL << PAGE_SHIFT, LEVEL_PAGE, PTE_KERNEL_RW);
	map_identity(SIFIVE_TEST_BASE, 1UL << PAGE_SHIFT, LEVEL_PAGE, PTE_KERNEL_RW);
	/* satp (4.1.11): Sv39, ASID 0 (the kernel's; processes get their own later). */
	kernel_satp = SATP_MODE_SV39 | (unsigned long)page_tables[0] >> PAGE_SHIFT;
}

/* Turns translation on for this hart. Runs from an identity-mapped pc, so it just continues. */
void riscv_mmu_enable(void)
{
	/*
	 * 4.2.1: page-table stores are ordered before the walks that read them only by an
	 * sfence.vma; writing satp does not flush stale translations either, hence one before
	 * and one after. (The boot hart wrote the tables; a secondary reaches here after the
	 * HSM ecall, and its own sfence.vma orders its walks after that.)
	 */
	__asm__ __volatile__("sfence.vma zero, zero" ::: "memory");
	csr_write(satp, kernel_satp);
	__asm__ __volatile__("sfence.vma zero, zero" ::: "memory");
}

pgd_t *arch_kernel_pgd(void)
{
	return (pgd_t *)page_tables[0];
}

/* ---- user PTEs: who sets A and D (<asm/pgtable.h>, riscv_pte_hw()) ---- */

bool riscv_ad_trap;

/* Reads riscv_ad=hw|trap (default hw) once, on the boot hart before any user PTE exists. */
void riscv_ad_init(void)
{
	char mode[8];
	int n = cmdline_get("riscv_ad", mode, sizeof(mode));

	if (n >= 0 && !strcmp(mode, "trap"))
		riscv_ad_trap = true;
	else if (n != -ENOENT && strcmp(mode, "hw"))
		pr_warn("riscv: riscv_ad=%s is neither hw nor trap; using hw", mode);
	pr_info("riscv: A/D bits %s",
		riscv_ad_trap ? "set by the kernel on page faults (riscv_ad=trap)"
			      : "left to the hart, which sets them or faults (riscv_ad=hw)");
}
