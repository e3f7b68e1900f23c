/*
 * Suite lazy_mmu (DESIGN TLB-5): with lazy_mmu=1 (tests/run boots it so on the ports that
 * offer it: RISC-V and ARM), mprotect's one-invalidation-per-PTE becomes one flush request,
 * and a section preempted with invalidations queued has them flushed at the context switch.
 * In the ordinary boot (lazy_mmu off) the cases skip.
 *
 * Must-panic suite panic_lazy_mmu_switch: the same preempted section, with the test-only
 * omission that drops the batch at the switch instead of flushing it: the TLB model must
 * catch the free of the page whose invalidation was lost.
 */
#include <mica/timer.h>
#include <mica/tlb_model.h>
#include <mica/tlbflush.h>

#include "mm_test.h"

static unsigned other_cpu(void)
{
	return (smp_processor_id() + 1) % num_online_cpus();
}

static void mprotect_of_64_pages_sends_one_flush_request(struct ktest *t)
{
	unsigned long flushes, queued, n = 64;
	struct mm_struct *mm;
	struct mmt_holder h;

	if (!lazy_mmu_enabled)
		KTEST_SKIP(t, "booted without lazy_mmu=1");
	if (num_online_cpus() < 2)
		KTEST_SKIP(t, "needs two CPUs");
	mm = mmt_enter();
	KTEST_ASSERT(t, mm);
	KTEST_ASSERT_EQ(t, mmt_map(mm, UB, PGS(n), RW), 0);
	for (unsigned long i = 0; i < n; i++)
		KTEST_ASSERT_EQ(t, mmt_put(UB + PGS(i), i), 0);
	KTEST_ASSERT(t, mmt_holder_start(&h, mm, UB, other_cpu()));
	flushes = mmt_stat(&tlb_stats.flushes);
	queued = mmt_stat(&lazy_mmu_stats.queued);
	KTEST_EXPECT_EQ(t, mmt_protect(mm, UB, PGS(n), VM_READ), 0);
	flushes = mmt_stat(&tlb_stats.flushes) - flushes;
	queued = mmt_stat(&lazy_mmu_stats.queued) - queued;
	ktest_log(t, "%lu PTEs write-protected: %lu invalidations queued, %lu flush request(s)", n,
		  queued, flushes);
	KTEST_EXPECT_EQ(t, queued, n);
	KTEST_EXPECT_EQ(t, flushes, 1);
	KTEST_EXPECT_EQ(t, mmt_put(UB, 1), -EFAULT);
	mmt_holder_leave(&h);
	mmt_leave(mm);
}

/* Clears the PTE of the page at a (the page keeps the mapping's reference, now ours) and asks
 * for its invalidation inside a lazy-MMU section, then sleeps: the switch must flush it. */
static struct page *clear_and_sleep_in_a_section(struct ktest *t, struct mm_struct *mm,
						 unsigned long a)
{
	spinlock_t *ptl;
	pmd_t *pmd;
	pte_t *ptep = walk_pmd(mm, a, false, &pmd);
	struct page *page;

	if (!KTEST_EXPECT(t, ptep != NULL))
		return NULL;
	lazy_mmu_enter();
	ptep = pte_offset_map_lock(pmd, a, &ptl);
	page = pfn_to_page(pte_pfn(ptep_get_and_clear(mm, a, ptep)));
	atomic_add_return(&page->mapcount, -1);
	tlb_model_clear(mm, a, page);
	spin_unlock(ptl);
	flush_tlb_range(mm, a, a + PAGE_SIZE); /* queued, not done */
	KTEST_EXPECT(t, !tlb_model_enabled || tlb_model_stale_cpus(page) != 0);
	msleep(1); /* a context switch, with the invalidation still queued */
	return page;
}

static void a_section_preempted_is_flushed_at_the_switch(struct ktest *t)
{
	unsigned long switches = mmt_stat(&lazy_mmu_stats.switch_flushes);
	struct mm_struct *mm;
	struct mmt_holder h;
	struct page *page;

	if (!lazy_mmu_enabled)
		KTEST_SKIP(t, "booted without lazy_mmu=1");
	if (num_online_cpus() < 2)
		KTEST_SKIP(t, "needs two CPUs");
	mm = mmt_enter();
	KTEST_ASSERT(t, mm);
	KTEST_ASSERT_EQ(t, mmt_map(mm, UB, PGS(2), RW), 0);
	KTEST_ASSERT_EQ(t, mmt_put(UB, 7), 0);
	KTEST_ASSERT(t, mmt_holder_start(&h, mm, UB, other_cpu()));
	page = clear_and_sleep_in_a_section(t, mm, UB);
	KTEST_ASSERT(t, page);
	KTEST_EXPECT(t, mmt_stat(&lazy_mmu_stats.switch_flushes) > switches);
	if (tlb_model_enabled)
		KTEST_EXPECT_EQ(t, tlb_model_stale_cpus(page), 0);
	lazy_mmu_leave();
	put_page(page); /* freed: the switch's flush made it unreachable */
	mmt_holder_leave(&h);
	mmt_leave(mm);
}

KTEST_SUITE(lazy_mmu, 0, KTEST_CASE(mprotect_of_64_pages_sends_one_flush_request),
	    KTEST_CASE(a_section_preempted_is_flushed_at_the_switch));

static void lazy_section_dropped_at_a_switch_is_caught(struct ktest *t)
{
	struct mm_struct *mm = mmt_enter();
	struct mmt_holder h;
	struct page *page;

	KTEST_ASSERT(t, mm && lazy_mmu_enabled && tlb_model_enabled && num_online_cpus() > 1);
	KTEST_ASSERT_EQ(t, mmt_map(mm, UB, PGS(2), RW), 0);
	KTEST_ASSERT_EQ(t, mmt_put(UB, 7), 0);
	KTEST_ASSERT(t, mmt_holder_start(&h, mm, UB, other_cpu()));
	ktest_log(t, "expecting a panic now: the TLB model must catch the lost invalidation");
	tlb_test_omit = TLB_OMIT_LAZY_MMU_SWITCH_FLUSH;
	page = clear_and_sleep_in_a_section(t, mm, UB);
	tlb_test_omit = TLB_OMIT_NONE;
	lazy_mmu_leave();
	put_page(page);
	KTEST_EXPECT(t, false); /* not reached */
}

KTEST_SUITE(panic_lazy_mmu_switch, KTEST_MANUAL,
	    KTEST_CASE(lazy_section_dropped_at_a_switch_is_caught));
