/*
 * The kernel's translation table and the TLB hooks.
 *
 * arm_kernel_pgd is an identity map made only of 1 MiB sections (ARM ARM B3.5.1,
 * short-descriptor first-level entries): RAM as Normal write-back cacheable memory, the
 * devices the port uses as Device memory, everything else unmapped (a translation fault).
 * Kernel threads run on it (init_mm); every user address space starts as a copy of it
 * (pgd_alloc()) and adds second-level tables in [USER_BASE, USER_TOP) (<asm/pgtable.h>).
 * Good breakpoints: arch_switch_mm, arch_local_flush_tlb_range.
 */
#include <asm/cp15.h>
#include <asm/mmu.h>
#include <asm/virt.h>
#include <mica/bootinfo.h>
#include <mica/mm_types.h>
#include <mica/panic.h>
#include <mica/pgtable.h>
#include <mica/printk.h>
#include <mica/sections.h>
#include <mica/tlbflush.h>

#include "arm.h"

#define SECTION_SIZE (1UL << ARM_SECTION_SHIFT)

u32 arm_kernel_pgd[ARM_PGD_ENTRIES] __aligned(ARM_PGD_ALIGN);

/* The generic view of the same table: pgd pairs, allocated with PGD_ORDER (<asm/pgtable.h>). */
BUILD_BUG_ON(PTRS_PER_PGD * sizeof(pgd_t) != ARM_PGD_ENTRIES * sizeof(u32));
BUILD_BUG_ON((PAGE_SIZE << PGD_ORDER) != ARM_PGD_ALIGN);
/* One PTE-table page: the software PTEs, then one hardware table per MiB. */
BUILD_BUG_ON(ARM_PTE_HW_OFFSET + 2 * ARM_L2_TABLE_SIZE != PAGE_SIZE);
BUILD_BUG_ON(PTRS_PER_PTE != 2 * ARM_L2_TABLE_SIZE / sizeof(u32));

/* ID_MMFR0.VMSA (bits[3:0], ARM ARM B4.1, "ID_MMFR0"): 4 or more means PXN is implemented. */
#define ID_MMFR0_VMSA_PXN 4

/* Maps [base, base + size) onto itself with section attributes attr, rounded out to whole
 * sections; whatever lies above 4 GiB (beyond a 32-bit address) is reported and left out. */
static void map_identity(u64 base, u64 size, u32 attr)
{
	u64 first = base >> ARM_SECTION_SHIFT,
	    end = (base + size + SECTION_SIZE - 1) >> ARM_SECTION_SHIFT;

	if (end > ARM_PGD_ENTRIES) {
		pr_warn("arm_mmu: [0x%llx-0x%llx) is above 4 GiB, not mapped",
			(unsigned long long)MAX(base, 1ULL << 32),
			(unsigned long long)(base + size));
		end = ARM_PGD_ENTRIES;
	}
	for (u64 i = first; i < end; i++)
		arm_kernel_pgd[i] = (u32)(i << ARM_SECTION_SHIFT) | attr;
}

/* True if the section holding addr maps RAM. */
static bool mapped_as_ram(unsigned long addr)
{
	return arm_kernel_pgd[addr >> ARM_SECTION_SHIFT] ==
	       (ALIGN_DOWN(addr, SECTION_SIZE) | ARM_SECT_NORMAL);
}

void arm_mmu_init(const struct boot_info *bi)
{
	/* User page tables set PXN (<asm/pgtable.h>); without it the bit would be SBZ. */
	if ((arm_read_id_mmfr0() & 0xf) < ID_MMFR0_VMSA_PXN)
		panic("arm_mmu_init: this CPU has no PXN (ID_MMFR0 0x%lx); Mica needs a Cortex-A15",
		      (unsigned long)arm_read_id_mmfr0());
	for (unsigned i = 0; i < bi->nmem; i++)
		map_identity(bi->mem[i].base, bi->mem[i].size, ARM_SECT_NORMAL);
	/* Otherwise the MMU would come on under our feet with nothing to fetch from. */
	if (!mapped_as_ram((unsigned long)__kernel_start) ||
	    !mapped_as_ram((unsigned long)__kernel_end - 1))
		panic("arm_mmu_init: the kernel image is not in the RAM the DTB reports");
	map_identity(VIRT_GICD_BASE, VIRT_GICC_BASE + 0x2000 - VIRT_GICD_BASE, ARM_SECT_DEVICE);
	map_identity(VIRT_UART_BASE, 0x1000, ARM_SECT_DEVICE);
	arm_mmu_enable(arm_kernel_pgd);
}

pgd_t *arch_kernel_pgd(void)
{
	return (pgd_t *)arm_kernel_pgd;
}

/* ---- TLB maintenance (<mica/tlbflush.h>) ----
 * ARM ARM B4.2.2, "TLB maintenance operations": the *IS forms act on every CPU in the
 * inner-shareable domain (all of them here), hence ARCH_TLB_BROADCAST. The DSB ISHST before
 * an invalidation completes the table stores it is for; the DSB ISH after waits until every
 * CPU has done it; the ISB makes this CPU's next instructions translate afresh (B3.10.1).
 * No ASIDs yet: every address space runs with CONTEXTIDR.ASID = 0, so the ASID field of an
 * MVA operation is 0. */

void arch_local_flush_tlb_range(struct mm_struct *mm, unsigned long start, unsigned long end)
{
	(void)mm;
	arm_pgtable_sync();
	/* TLBIMVAIS: the entries for one page (MVA in bits[31:12], ASID 0 in bits[7:0]). */
	for (unsigned long a = start & PAGE_MASK; a < end; a += PAGE_SIZE)
		__asm__ __volatile__("mcr p15, 0, %0, c8, c3, 1" : : "r"(a) : "memory");
	__asm__ __volatile__("dsb ish\n\tisb" : : : "memory");
}

void arch_local_flush_tlb_all(void)
{
	arm_pgtable_sync();
	__asm__ __volatile__("mcr p15, 0, %0, c8, c3, 0\n\t" /* TLBIALLIS: walk caches too */
			     "dsb ish\n\t"
			     "isb"
			     :
			     : "r"(0)
			     : "memory");
}

/*
 * TTBR0 = next's table (physical = virtual) with the walk attributes head.S uses. Without
 * ASIDs the previous mm's non-global entries would still match, so this CPU's TLB is emptied
 * after the switch (TLBIALL, local: the other CPUs keep their own mms' entries). The DSB
 * first completes the stores that built next's tables (pgd_alloc()'s copy, say).
 */
void arch_switch_mm(struct mm_struct *next, unsigned long asid, bool flush)
{
	(void)asid; /* no ASIDs yet (asid_init() not called): always 0, and flush always true */
	(void)flush;
	arm_pgtable_sync();
	arm_write_ttbr0((u32)(unsigned long)next->pgd | ARM_TTBR_WALK_WBWA);
	__asm__ __volatile__("isb\n\t"
			     "mcr p15, 0, %0, c8, c7, 0\n\t" /* TLBIALL */
			     "dsb nsh\n\t"
			     "isb"
			     :
			     : "r"(0)
			     : "memory");
}
