/*
 * The kernel's translation table and the TLB hooks.
 *
 * arm_kernel_pgd is an identity map made only of 1 MiB sections (ARM ARM B3.5.1,
 * short-descriptor first-level entries): RAM as Normal write-back cacheable memory, the
 * devices the port uses as Device memory, everything else unmapped (a translation fault).
 * Kernel threads run on it (init_mm); every user address space starts as a copy of it
 * (pgd_alloc()) and adds second-level tables in [USER_BASE, USER_TOP) (<asm/pgtable.h>).
 * Its entries are all global sections, which arch_switch_mm() relies on.
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

/* ---- TLB maintenance (<mica/tlbflush.h>; docs/port-arm.md, "TLB rules") ----
 *
 * ARM ARM B4.2.2, "TLB maintenance operations": the *IS forms act on every CPU in the
 * inner-shareable domain (all of them here), hence ARCH_TLB_BROADCAST and no shootdown IPI.
 * The DSB ISHST before an invalidation completes the table stores it is for; an invalidation
 * is complete only after a DSB (ISH for the broadcast forms: it waits for every CPU), and the
 * ISB makes this CPU's next instructions translate afresh (B3.10.1, "TLB maintenance
 * operations and the memory order model").
 *
 * User entries are non-global (nG, <asm/pgtable.h>): they match only under the ASID in
 * CONTEXTIDR when they were loaded. The kernel's sections are global (nG clear, mmu.h) and
 * match under every ASID, so the kernel never needs invalidating at a switch.
 */

/*
 * TLBIMVAAIS, by address for ALL ASIDs (the Multiprocessing Extensions' form, B4.2.2), rather
 * than TLBIMVAIS with asid_of(mm). After a rollover an mm may hold a new number while a CPU
 * that has not yet flushed (it will, at its next switch: <mica/asid.h>) still caches entries
 * of it, and walks through its tables, under the OLD number; TLBIMVAIS with the new number
 * would leave those. They could not be used before that CPU's own flush, but the TLB model
 * counts a broadcast range flush as done on every CPU, and with all ASIDs it is: what the
 * model calls gone is gone. Invalidation by MVA also drops the walk-cache entries for the
 * address (intermediate table walks, Cortex-A15 TRM 5.6). The price: other mms' entries for
 * the same addresses go too, and are walked again on their next use.
 */
void arch_local_flush_tlb_range(struct mm_struct *mm, unsigned long start, unsigned long end)
{
	(void)mm;
	arm_pgtable_sync();
	/* The MVA in bits[31:12], bits[11:0] SBZ. */
	for (unsigned long a = start & PAGE_MASK; a < end; a += PAGE_SIZE)
		__asm__ __volatile__("mcr p15, 0, %0, c8, c3, 3" : : "r"(a) : "memory");
	__asm__ __volatile__("dsb ish\n\tisb" : : : "memory");
}

/*
 * TLBIALLIS: every entry of every ASID on every CPU, walk caches too. The hook has no mm, and
 * flush_tlb_mm() uses it after freeing page tables (the walk caches must go: Cortex-A15 TRM
 * 5.6) as well as for big ranges; TLBIASIDIS(asid_of(mm)) would do for the latter but, like
 * TLBIMVAIS above, would miss an unflushed CPU's entries under the mm's old number, and the
 * TLB model counts this as a full flush of every CPU (it is).
 */
void arch_local_flush_tlb_all(void)
{
	arm_pgtable_sync();
	__asm__ __volatile__("mcr p15, 0, %0, c8, c3, 0\n\t"
			     "dsb ish\n\t"
			     "isb"
			     :
			     : "r"(0)
			     : "memory");
}

/* Context synchronization: the CP15 writes and TLB maintenance before it are seen by every
 * instruction after it, walks included (ARM ARM A3.8.3, "Instruction Synchronization
 * Barrier"). */
static inline void arm_isb(void)
{
	__asm__ __volatile__("isb" : : : "memory");
}

/*
 * Loads next's table with ASID asid on this CPU (<mica/tlbflush.h>). The ASID (CONTEXTIDR)
 * and the table (TTBR0) are two registers, written one after the other; between the two, a
 * walk (a speculative one too) could put an entry of the OLD table in the TLB tagged with the
 * NEW ASID, or the reverse, and that entry would outlive the switch. ARM ARM B3.10.4,
 * "Synchronization of changes of ASID and TTBR", gives two ways out; Mica takes the one with a
 * table holding only global entries, and the kernel's own table is exactly that (sections,
 * no second-level tables, so no walk-cache entries either):
 *
 *     TTBR0 = arm_kernel_pgd, ISB      from here, a walk can only allocate global entries
 *     [flush: TLBIALL, DSB]            this CPU's entries of every ASID, walk caches too
 *     CONTEXTIDR = asid, ISB           the new ASID, still on the global-only table
 *     TTBR0 = next->pgd, ISB           from here, walks allocate entries tagged asid
 *
 * The other way, a reserved ASID (0) during the change, is not safe here: ASID 0 is init_mm's,
 * and entries (walk-cache ones included, Cortex-A15 TRM 5.6) tagged 0 from the old or the new
 * table would stay in the TLB and need a flush before their tables could be freed.
 *
 * flush is true after a rollover (and always without ASIDs): this CPU must lose every entry of
 * every ASID before it loads a recycled number. The local TLBIALL is enough: entries tagged
 * with a number live only in the TLB of a CPU that loaded it, every CPU was told by the
 * rollover to flush before its own next switch, and an entry on one CPU is never used by
 * another. A broadcast would only empty the other CPUs' TLBs again, once per CPU.
 * The first DSB completes the stores that built next's tables (pgd_alloc()'s copy, say).
 */
void arch_switch_mm(struct mm_struct *next, unsigned long asid, bool flush)
{
	BUG_ON(asid & ~ARM_CONTEXTIDR_ASID_MASK);
	arm_pgtable_sync();
	arm_write_ttbr0((u32)(unsigned long)arm_kernel_pgd | ARM_TTBR_WALK_WBWA);
	arm_isb();
	if (flush)
		__asm__ __volatile__("mcr p15, 0, %0, c8, c7, 0\n\t" /* TLBIALL */
				     "dsb nsh"
				     :
				     : "r"(0)
				     : "memory");
	arm_write_contextidr((u32)asid); /* PROCID (bits[31:8]) 0: Mica sets no trace id */
	arm_isb();
	arm_write_ttbr0((u32)(unsigned long)next->pgd | ARM_TTBR_WALK_WBWA);
	arm_isb();
}
