/*
 * Suite tlb_arm (DESIGN TLB-2, TLB-4; docs/port-arm.md, "TLB rules"): the ARM port's TLB rules
 * seen from inside, by reading the hardware descriptors and CP15 registers themselves.
 *
 *  - Young and dirty are software bits: a page gets no hardware descriptor until it is
 *    touched, a read-only one on a read and a read/write one only once it is dirty, and each
 *    step that is not a demand-zero fault is one young/dirty fault.
 *  - The kernel's sections are global and user pages not, so an ASID tags only user entries.
 *  - Two address spaces switched on one CPU run under different ASIDs (CONTEXTIDR), with no
 *    flush at the switch, and each reads its own data at the same address (booted with
 *    asid_bits=0: both as ASID 0, and every switch flushes).
 *  - A switch asked to flush empties this CPU's TLB even when the ASID stays the same, which
 *    is the case QEMU cannot hide: its own TLB ignores ASIDs and is emptied at every change of
 *    CONTEXTIDR (target/arm/helper.c, contextidr_write), so only with an unchanged ASID does a
 *    missing TLBIALL show as the previous mm's data.
 *
 * And the must-panic suite panic_arm_break_before_make, at the end.
 *
 * ARM only: on the other ports the file is empty.
 */
#ifdef __arm__

#include <asm/cp15.h>
#include <asm/mmu.h>
#include <mica/arch.h>
#include <mica/asid.h>
#include <mica/cpu.h>

#include "mm_test.h"

#define ASID_ROUNDS 200

/* The software PTE and the hardware descriptor behind it for addr in mm (both 0 if no table
 * reaches addr). */
static void read_entries(struct mm_struct *mm, unsigned long addr, pte_t *sw, u32 *hw)
{
	pte_t *p;

	sw->val = 0;
	*hw = 0;
	down_read(&mm->mmap_lock);
	p = walk(mm, addr, false);
	if (p) {
		*sw = ptep_get(p);
		*hw = READ_ONCE(*arm_pte_hwp(p));
	}
	up_read(&mm->mmap_lock);
}

/* What an aging pass does: the PTE at addr made old (and clean, if clean), then invalidated
 * everywhere, so the next access must fault. 0, or -EFAULT if nothing is mapped there. */
static int make_old(struct mm_struct *mm, unsigned long addr, bool clean)
{
	spinlock_t *ptl;
	pmd_t *pmd;
	pte_t *p, e;

	down_read(&mm->mmap_lock);
	p = walk_pmd(mm, addr, false, &pmd);
	if (!p) {
		up_read(&mm->mmap_lock);
		return -EFAULT;
	}
	p = pte_offset_map_lock(pmd, addr, &ptl);
	e = pte_mkold(ptep_get(p));
	set_pte_at(mm, addr, p, clean ? pte_mkclean(e) : e);
	spin_unlock(ptl);
	flush_tlb_range(mm, addr, addr + PAGE_SIZE);
	up_read(&mm->mmap_lock);
	return 0;
}

/* A small-page descriptor for the frame of sw, with access permissions ap, not global. */
static bool hw_is(u32 hw, pte_t sw, u32 ap)
{
	const u32 ap_mask = ARM_PTE_AP2 | ARM_PTE_AP1 | ARM_PTE_AP0;

	return (hw & ARM_PTE_TYPE_SMALL) && (hw & PAGE_MASK) == (sw.val & PAGE_MASK) &&
	       (hw & ap_mask) == ap && (hw & ARM_PTE_NG);
}

static void young_and_dirty_come_from_faults_into_the_hardware_entry(struct ktest *t)
{
	unsigned long yd = fault_stats.young_dirty, dz = fault_stats.demand_zero, v = 0;
	struct mm_struct *mm = mmt_enter();
	pte_t sw;
	u32 hw;

	KTEST_ASSERT(t, mm);
	KTEST_EXPECT_EQ(t, mmt_map(mm, UB, PGS(2), RW), 0);

	/* Untouched: nothing in either table. */
	read_entries(mm, UB, &sw, &hw);
	KTEST_EXPECT(t, pte_none(sw) && hw == 0);

	/* Read first: demand-zero, born young and clean, so read-only in hardware. */
	KTEST_EXPECT_EQ(t, mmt_get(UB, &v), 0);
	KTEST_EXPECT_EQ(t, v, 0);
	read_entries(mm, UB, &sw, &hw);
	KTEST_EXPECT(t, pte_young(sw) && !pte_dirty(sw) && pte_write(sw));
	KTEST_EXPECT(t, hw_is(hw, sw, ARM_PTE_AP_USER_RO));
	KTEST_EXPECT_EQ(t, fault_stats.demand_zero - dz, 1);
	KTEST_EXPECT_EQ(t, fault_stats.young_dirty - yd, 0);

	/* Then a write: a permission fault sets dirty, and only now the hardware may write. */
	KTEST_EXPECT_EQ(t, mmt_put(UB, 0x5a5a), 0);
	read_entries(mm, UB, &sw, &hw);
	KTEST_EXPECT(t, pte_dirty(sw));
	KTEST_EXPECT(t, hw_is(hw, sw, ARM_PTE_AP_USER_RW));
	KTEST_EXPECT_EQ(t, fault_stats.young_dirty - yd, 1);

	/* Written first: born dirty, read/write at once, one fault in all. */
	KTEST_EXPECT_EQ(t, mmt_put(UB + PGS(1), 7), 0);
	read_entries(mm, UB + PGS(1), &sw, &hw);
	KTEST_EXPECT(t, hw_is(hw, sw, ARM_PTE_AP_USER_RW));
	KTEST_EXPECT_EQ(t, fault_stats.demand_zero - dz, 2);
	KTEST_EXPECT_EQ(t, fault_stats.young_dirty - yd, 1);

	/* Made old (still dirty): no hardware entry, the software PTE keeps the frame; a read
	 * faults it young again, straight to read/write since it is dirty. */
	KTEST_EXPECT_EQ(t, make_old(mm, UB, false), 0);
	read_entries(mm, UB, &sw, &hw);
	KTEST_EXPECT(t, pte_present(sw) && !pte_young(sw) && hw == 0);
	KTEST_EXPECT_EQ(t, mmt_get(UB, &v), 0);
	KTEST_EXPECT_EQ(t, v, 0x5a5a);
	read_entries(mm, UB, &sw, &hw);
	KTEST_EXPECT(t, hw_is(hw, sw, ARM_PTE_AP_USER_RW));
	KTEST_EXPECT_EQ(t, fault_stats.young_dirty - yd, 2);

	/* Made old and clean: a read gives read-only again, the write after it read/write. */
	KTEST_EXPECT_EQ(t, make_old(mm, UB, true), 0);
	KTEST_EXPECT_EQ(t, mmt_get(UB, &v), 0);
	KTEST_EXPECT_EQ(t, v, 0x5a5a);
	read_entries(mm, UB, &sw, &hw);
	KTEST_EXPECT(t, hw_is(hw, sw, ARM_PTE_AP_USER_RO));
	KTEST_EXPECT_EQ(t, mmt_put(UB, 0xa5a5), 0);
	read_entries(mm, UB, &sw, &hw);
	KTEST_EXPECT(t, hw_is(hw, sw, ARM_PTE_AP_USER_RW));
	KTEST_EXPECT_EQ(t, fault_stats.young_dirty - yd, 4);
	KTEST_EXPECT_EQ(t, fault_stats.demand_zero - dz, 2);
	mmt_leave(mm);
}

static void kernel_sections_are_global_user_pages_are_not(struct ktest *t)
{
	const u32 *l1 = (const u32 *)arch_kernel_pgd();
	unsigned long sections = 0, global = 0, v = 0;
	struct mm_struct *mm = mmt_enter();
	pte_t sw;
	u32 hw;

	for (unsigned i = 0; i < ARM_PGD_ENTRIES; i++)
		if ((l1[i] & ARM_PDE_TYPE_MASK) == ARM_SECT_TYPE) {
			sections++;
			global += !(l1[i] & ARM_SECT_NG);
		}
	KTEST_EXPECT(t, sections > 0);
	KTEST_EXPECT_EQ(t, global, sections);
	KTEST_ASSERT(t, mm);
	KTEST_EXPECT_EQ(t, mmt_map(mm, UB, PGS(1), RW), 0);
	KTEST_EXPECT_EQ(t, mmt_get(UB, &v), 0);
	read_entries(mm, UB, &sw, &hw);
	KTEST_EXPECT(t, (hw & ARM_PTE_TYPE_SMALL) && (hw & ARM_PTE_NG));
	mmt_leave(mm);
}

/* The same address in a and b, one page each, with different data written (0xaaaa in a,
 * 0xbbbb in b): young and dirty, so later loads of it do not fault. */
static void map_same_address_in_both(struct ktest *t, struct mm_struct *a, struct mm_struct *b)
{
	use_mm(a);
	KTEST_EXPECT_EQ(t, mmt_map(a, UB, PGS(1), RW), 0);
	KTEST_EXPECT_EQ(t, mmt_put(UB, 0xaaaa), 0);
	unuse_mm(a);
	use_mm(b);
	KTEST_EXPECT_EQ(t, mmt_map(b, UB, PGS(1), RW), 0);
	KTEST_EXPECT_EQ(t, mmt_put(UB, 0xbbbb), 0);
	unuse_mm(b);
}

/* This CPU's ASID as the hardware has it, and the number the allocator gave mm; *hw is
 * ~0UL if TTBR0 does not hold mm's table. */
static void loaded_asid(struct mm_struct *mm, unsigned long *hw, unsigned long *given)
{
	unsigned long flags = arch_irq_save();

	*hw = arm_read_contextidr() & ARM_CONTEXTIDR_ASID_MASK;
	if ((arm_read_ttbr0() & ~(ARM_PGD_ALIGN - 1)) != (u32)(unsigned long)mm->pgd)
		*hw = ~0UL;
	*given = asid_of(mm);
	arch_irq_restore(flags);
}

/* Switches to mm, reads the word at UB, switches back to the kernel's mm. True if the word
 * was want, TTBR0 held mm's table and CONTEXTIDR the number mm was given, which is stored in
 * *asid. */
static bool visit(struct mm_struct *mm, unsigned long want, unsigned long *asid)
{
	unsigned long given, v = 0;
	int err;

	use_mm(mm);
	loaded_asid(mm, asid, &given);
	err = mmt_get(UB, &v);
	unuse_mm(mm);
	return !err && v == want && *asid == given;
}

/*
 * With ASIDs: a and b run under two different, nonzero numbers that do not change, and no
 * switch flushes. Without (asid_bits=0): both run as ASID 0 and every switch flushes. Either
 * way each reads its own word at the same address after every switch.
 */
static void
two_mms_on_one_cpu_keep_their_data_under_their_own_asids_without_a_flush(struct ktest *t)
{
	struct mm_struct *a = mm_create(), *b = mm_create();
	unsigned long flushes, rollovers, bad = 0, asid_a = 0, asid_b = 0, hw, given;
	bool asids = asid_bits() != 0;
	u64 t0;

	if (!KTEST_EXPECT(t, a && b))
		goto out;
	sched_pin_current(0); /* every switch below on one CPU (the ktest task's already) */
	/* The same address in both, different data; the first switches also give the numbers
	 * (a rollover then, if earlier suites used up the generation, flushes once). */
	map_same_address_in_both(t, a, b);
	loaded_asid(&init_mm, &hw, &given);
	KTEST_EXPECT_EQ(t, hw, 0); /* the kernel's own */

	flushes = asid_stats.switch_flushes;
	rollovers = asid_stats.rollovers;
	t0 = arch_clock_ns();
	for (unsigned i = 0; i < ASID_ROUNDS; i++) {
		unsigned long ha, hb;
		bool ok = visit(a, 0xaaaa, &ha) & visit(b, 0xbbbb, &hb);

		if (asids)
			ok &= ha && hb && ha != hb && (!i || (ha == asid_a && hb == asid_b));
		else
			ok &= !ha && !hb;
		bad += !ok;
		asid_a = ha;
		asid_b = hb;
	}
	t0 = arch_clock_ns() - t0;
	flushes = asid_stats.switch_flushes - flushes;
	ktest_log(t,
		  "ASIDs %lu and %lu, %d rounds: %lu bad, %lu switches flushed; %llu ns per round "
		  "(4 mm switches)",
		  asid_a, asid_b, ASID_ROUNDS, bad, flushes,
		  (unsigned long long)(t0 / ASID_ROUNDS));
	KTEST_EXPECT_EQ(t, bad, 0);
	KTEST_EXPECT_EQ(t, asid_stats.rollovers - rollovers, 0);
	KTEST_EXPECT_EQ(t, flushes, asids ? 0 : 4 * ASID_ROUNDS);
out:
	if (a)
		mm_put(a);
	if (b)
		mm_put(b);
}

/* The word at UB through whatever translation this CPU has: a plain kernel load (the AP bits
 * give PL1 what they give PL0), so it neither faults nor sleeps on a young page. */
static unsigned long read_ub(void)
{
	return READ_ONCE(*(volatile unsigned long *)UB);
}

static void a_flushing_switch_empties_this_cpu_even_under_the_same_asid(struct ktest *t)
{
	struct mm_struct *a = mm_create(), *b = mm_create();
	unsigned long flags, n, cached, flushed;

	if (!KTEST_EXPECT(t, a && b))
		goto out;
	/* Both pages young and dirty first, so the loads below cannot fault. */
	map_same_address_in_both(t, a, b);

	/* The port's hook by hand, interrupts masked, so nothing else runs here meanwhile; the
	 * generic code believes this CPU is on init_mm throughout, and it is again at the end,
	 * after a flush that leaves nothing of a or b behind. */
	n = asid_bits() ? asid_of(a) : 0;
	flags = arch_irq_save();
	arch_switch_mm(a, n, true);
	(void)read_ub(); /* a's translation, tagged n, into this CPU's TLB */
	arch_switch_mm(b, n, false);
	cached = read_ub(); /* the architecture allows a's entry here: same ASID, no flush */
	arch_switch_mm(b, n, true);
	flushed = read_ub();
	arch_switch_mm(&init_mm, 0, true);
	arch_irq_restore(flags);

	ktest_log(
	    t, "same ASID %lu, table changed: read 0x%lx without a flush (%s), 0x%lx with one", n,
	    cached, cached == 0xaaaa ? "the previous mm's, from the TLB" : "a fresh walk", flushed);
	KTEST_EXPECT_EQ(t, flushed, 0xbbbb);
out:
	if (a)
		mm_put(a);
	if (b)
		mm_put(b);
}

KTEST_SUITE(tlb_arm, 0, KTEST_CASE(young_and_dirty_come_from_faults_into_the_hardware_entry),
	    KTEST_CASE(kernel_sections_are_global_user_pages_are_not),
	    KTEST_CASE(two_mms_on_one_cpu_keep_their_data_under_their_own_asids_without_a_flush),
	    KTEST_CASE(a_flushing_switch_empties_this_cpu_even_under_the_same_asid));

/*
 * Must-panic suite panic_arm_break_before_make (KTEST_MANUAL): a PTE that maps one frame is
 * rewritten to map another with no clear and flush between, which set_pte_at() refuses
 * (<asm/pgtable.h>, ARM ARM B3.10.1).
 */
static void a_new_frame_over_a_mapped_pte_is_caught(struct ktest *t)
{
	struct mm_struct *mm = mmt_enter();
	spinlock_t *ptl;
	pmd_t *pmd;
	pte_t *p, other;

	KTEST_ASSERT(t, mm);
	KTEST_EXPECT_EQ(t, mmt_map(mm, UB, PGS(2), RW), 0);
	KTEST_EXPECT_EQ(t, mmt_put(UB, 1), 0);
	KTEST_EXPECT_EQ(t, mmt_put(UB + PGS(1), 2), 0);
	down_read(&mm->mmap_lock);
	p = walk_pmd(mm, UB, false, &pmd);
	if (KTEST_EXPECT(t, p)) {
		p = pte_offset_map_lock(pmd, UB, &ptl);
		other = ptep_get(p + 1);
		ktest_log(t, "expecting a panic now: frame 0x%lx written over 0x%lx, no break",
			  pte_pfn(other), pte_pfn(ptep_get(p)));
		set_pte_at(mm, UB, p, other);
		spin_unlock(ptl);
		KTEST_EXPECT(t, false); /* not reached */
	}
	up_read(&mm->mmap_lock);
	mmt_leave(mm);
}

KTEST_SUITE(panic_arm_break_before_make, KTEST_MANUAL,
	    KTEST_CASE(a_new_frame_over_a_mapped_pte_is_caught));

#endif /* __arm__ */
