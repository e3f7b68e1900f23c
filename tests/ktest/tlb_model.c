/*
 * Suite tlb_model (DESIGN TLB-6): the model's bookkeeping, rule by rule (a leaf record stays
 * until every CPU of the mask flushed it; a table needs a full flush; a switch flushes unless
 * entries are tagged or the CPU stays lazy on the mm),
 * real unmaps leave nothing pending, and the number of flushes per munmap of N pages stays
 * within ceil(N / batch) + 1.
 *
 * And two suites that must panic (run by name; tests/run checks the reports): one TLB flush
 * request is dropped with the test-only hook, and the model must catch the free that follows,
 * of a page (panic_tlb_missed_flush) and of a page table (panic_tlb_missed_table_flush).
 */
#include <mica/arch.h>
#include <mica/asid.h>
#include <mica/cpu.h>
#include <mica/tlb.h>
#include <mica/tlb_model.h>

#include "mm_test.h"

#ifndef ARCH_TLB_BROADCAST
#define ARCH_TLB_BROADCAST 0
#endif

static unsigned other_cpu(void)
{
	return (smp_processor_id() + 1) % num_online_cpus();
}

/* The bits the model starts a record with: the mm's CPU mask (<mica/tlb_model.h>). */
static unsigned long mask_of(struct mm_struct *mm)
{
	return __atomic_load_n(&mm->cpumask, __ATOMIC_RELAXED);
}

/* The records below are made by hand for a stand-in frame (the model keys records by frame
 * only), so each rule can be watched alone; real unmaps come after. */
static void leaf_record_stays_until_every_cpu_in_the_mask_flushed(struct ktest *t)
{
	unsigned me = smp_processor_id(), other = other_cpu();
	struct mm_struct *mm;
	struct mmt_holder h;
	struct page *p;
	unsigned long flags, mask;

	if (!tlb_model_enabled)
		KTEST_SKIP(t, "booted with tlb_model=0");
	if (num_online_cpus() < 2)
		KTEST_SKIP(t, "needs two CPUs");
	mm = mmt_enter();
	KTEST_ASSERT(t, mm);
	KTEST_ASSERT_EQ(t, mmt_map(mm, UB, PGS(2), RW), 0);
	KTEST_ASSERT_EQ(t, mmt_put(UB, 1), 0);
	KTEST_ASSERT(t, mmt_holder_start(&h, mm, UB, other));
	p = alloc_page(GFP_KERNEL);
	KTEST_ASSERT(t, p);
	mask = mask_of(mm);
	KTEST_EXPECT(t, (mask & (1UL << me)) && (mask & (1UL << other)));

	tlb_model_clear(mm, UB, p);
	KTEST_EXPECT_EQ(t, tlb_model_stale_cpus(p), mask);
	flags = arch_irq_save(); /* this CPU's own invalidation */
	local_flush_tlb_range(mm, UB, UB + PAGE_SIZE);
	arch_irq_restore(flags);
	KTEST_EXPECT_EQ(t, tlb_model_stale_cpus(p), ARCH_TLB_BROADCAST ? 0 : mask & ~(1UL << me));
	if (!ARCH_TLB_BROADCAST) {
		flush_tlb_range(mm, UB + PAGE_SIZE, UB + PGS(2)); /* another page: covers nothing */
		KTEST_EXPECT_EQ(t, tlb_model_stale_cpus(p), mask & ~(1UL << me));
	}
	flush_tlb_range(mm, UB, UB + PAGE_SIZE);
	KTEST_EXPECT_EQ(t, tlb_model_stale_cpus(p), 0);
	KTEST_EXPECT_EQ(t, tlb_model_pending(mm, 0, ~0UL), 0);

	free_page(p);
	mmt_holder_leave(&h);
	mmt_leave(mm);
}

static void unhooked_table_needs_a_full_flush_not_a_range_flush(struct ktest *t)
{
	struct mm_struct *mm;
	struct page *p;
	unsigned long mask;

	if (!tlb_model_enabled)
		KTEST_SKIP(t, "booted with tlb_model=0");
	mm = mmt_enter();
	KTEST_ASSERT(t, mm);
	p = alloc_page(GFP_KERNEL);
	KTEST_ASSERT(t, p);
	mask = mask_of(mm);
	tlb_model_unhook(mm, UB, p);
	KTEST_EXPECT_EQ(t, tlb_model_stale_cpus(p), mask);
	flush_tlb_range(mm, UB, UB + PAGE_SIZE); /* leaf entries only: the walk caches stay */
	KTEST_EXPECT_EQ(t, tlb_model_stale_cpus(p), mask);
	flush_tlb_mm(mm);
	KTEST_EXPECT_EQ(t, tlb_model_stale_cpus(p), 0);
	free_page(p);
	mmt_leave(mm);
}

static void switching_away_flushes_unless_tagged_or_lazy(struct ktest *t)
{
	unsigned other = other_cpu();
	struct mm_struct *mm;
	struct mmt_holder h;
	struct page *p;
	unsigned long mask;

	if (!tlb_model_enabled)
		KTEST_SKIP(t, "booted with tlb_model=0");
	if (num_online_cpus() < 2)
		KTEST_SKIP(t, "needs two CPUs");
	mm = mmt_enter();
	KTEST_ASSERT(t, mm);
	KTEST_ASSERT_EQ(t, mmt_map(mm, UB, PGS(1), RW), 0);
	KTEST_ASSERT_EQ(t, mmt_put(UB, 1), 0);
	KTEST_ASSERT(t, mmt_holder_start(&h, mm, UB, other));
	p = alloc_page(GFP_KERNEL);
	KTEST_ASSERT(t, p);
	mask = mask_of(mm);
	tlb_model_clear(mm, UB, p);
	mmt_holder_leave(&h); /* the other CPU switches to init_mm */
	/* Without ASIDs its TLB is emptied; with them the mm's entries stay, tagged; on a port
	 * with lazy TLB (x86) the kernel thread it switched to keeps the mm loaded. (This CPU
	 * may have switched too, while it waited: only the other one is certain.) */
	KTEST_EXPECT_EQ(t, tlb_model_stale_cpus(p) & (1UL << other),
			asid_bits() || tlb_cpu_is_lazy(other) ? 1UL << other : 0);
	KTEST_EXPECT_EQ(t, tlb_model_stale_cpus(p) & ~mask, 0);
	flush_tlb_mm(mm);
	KTEST_EXPECT_EQ(t, tlb_model_stale_cpus(p), 0);
	free_page(p);
	mmt_leave(mm);
}

/* Real unmaps, from two CPUs' worth of cached translations: every clear is recorded and every
 * record is gone when munmap returns; the frames are freed under the model's check. */
static void munmap_and_exit_leave_no_translation_pending(struct ktest *t)
{
	unsigned long n = 600, recorded = mmt_stat(&tlb_model_stats.recorded), v;
	struct mm_struct *mm;
	struct mmt_holder h;

	if (!tlb_model_enabled)
		KTEST_SKIP(t, "booted with tlb_model=0");
	if (num_online_cpus() < 2)
		KTEST_SKIP(t, "needs two CPUs");
	mm = mmt_enter();
	KTEST_ASSERT(t, mm);
	KTEST_ASSERT_EQ(t, mmt_map(mm, UB + PMD_SIZE - PGS(100), PGS(2 * n), RW), 0);
	for (unsigned long i = 0; i < 2 * n; i++)
		KTEST_ASSERT_EQ(t, mmt_put(UB + PMD_SIZE - PGS(100) + PGS(i), i), 0);
	KTEST_ASSERT(t, mmt_holder_start(&h, mm, UB + PMD_SIZE, other_cpu()));
	KTEST_EXPECT_EQ(t, mmt_unmap(mm, UB + PMD_SIZE - PGS(100), PGS(n)), 0);
	KTEST_EXPECT_EQ(t, tlb_model_pending(mm, 0, ~0UL), 0);
	KTEST_EXPECT(t, mmt_stat(&tlb_model_stats.recorded) - recorded >= n);
	KTEST_EXPECT_EQ(t, mmt_get(UB + PMD_SIZE - PGS(100) + PGS(n), &v), 0);
	KTEST_EXPECT_EQ(t, v, n);
	mmt_holder_leave(&h);
	recorded = mmt_stat(&tlb_model_stats.recorded);
	mmt_leave(mm); /* exit_mmap: the full-mm gather, then the mm check */
	KTEST_EXPECT(t, mmt_stat(&tlb_model_stats.recorded) - recorded >= n);
	KTEST_EXPECT_EQ(t, mmt_stat(&tlb_model_stats.overflows), 0);
	ktest_log(t, "%lu records made so far, at most %lu alive at once",
		  mmt_stat(&tlb_model_stats.recorded), mmt_stat(&tlb_model_stats.max_pending));
}

/* Issue 7's bound: munmap of N touched pages flushes at most ceil(N / B) + 1 times, B the
 * pages one gather holds (built-in batch plus the capped extra batches), plus one per
 * need_resched() break (MG-5), which flushes early on purpose. */
static void tlb_flushes_per_munmap_at_most_n_over_batch_plus_one(struct ktest *t)
{
	const unsigned long b = TLB_LOCAL_BATCH + TLB_MAX_BATCHES * TLB_BATCH_PAGES;
	const unsigned long sizes[] = { 1, 100, b - 1, b, b + 1, 2 * b + 7 };
	int was_pinned = current->pinned_cpu;

	mmt_warm_caches();
	sched_pin_current((int)smp_processor_id());
	for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		unsigned long n = sizes[i], flushes, breaks, bound;
		struct mm_struct *mm = mmt_enter();

		KTEST_ASSERT(t, mm);
		KTEST_ASSERT_EQ(t, mmt_map(mm, UB, PGS(n), RW), 0);
		for (unsigned long p = 0; p < n; p++)
			KTEST_ASSERT_EQ(t, mmt_put(UB + PGS(p), p), 0);
		flushes = mmt_stat(&tlb_stats.flushes);
		breaks = mmt_stat(&gather_stats.resched_breaks);
		KTEST_EXPECT_EQ(t, mmt_unmap(mm, UB, PGS(n)), 0);
		flushes = mmt_stat(&tlb_stats.flushes) - flushes;
		breaks = mmt_stat(&gather_stats.resched_breaks) - breaks;
		bound = (n + b - 1) / b + 1 + breaks;
		ktest_log(t, "munmap of %lu pages: %lu flushes (bound %lu, %lu resched breaks)", n,
			  flushes, bound, breaks);
		KTEST_EXPECT(t, flushes >= 1 && flushes <= bound);
		mmt_leave(mm);
	}
	sched_pin_current(was_pinned);
}

KTEST_SUITE(tlb_model, 0, KTEST_CASE(leaf_record_stays_until_every_cpu_in_the_mask_flushed),
	    KTEST_CASE(unhooked_table_needs_a_full_flush_not_a_range_flush),
	    KTEST_CASE(switching_away_flushes_unless_tagged_or_lazy),
	    KTEST_CASE(munmap_and_exit_leave_no_translation_pending),
	    KTEST_CASE(tlb_flushes_per_munmap_at_most_n_over_batch_plus_one));

/* ---- the must-panic suites ---- */

/* A page mapped and cached on two CPUs, then unmapped with its flush dropped: the free of the
 * page must panic, naming it, a CPU, the address and the missing flush. */
static void skipped_flush_is_caught_when_the_page_is_freed(struct ktest *t)
{
	struct mm_struct *mm = mmt_enter();
	struct mmt_holder h;

	KTEST_ASSERT(t, mm && tlb_model_enabled);
	KTEST_ASSERT_EQ(t, mmt_map(mm, UB, PGS(1), RW), 0);
	KTEST_ASSERT_EQ(t, mmt_put(UB, 1), 0);
	if (num_online_cpus() > 1)
		KTEST_ASSERT(t, mmt_holder_start(&h, mm, UB, other_cpu()));
	ktest_log(t, "expecting a panic now: the TLB model must catch the dropped flush");
	tlb_test_skip_flushes = 1;
	mmt_unmap(mm, UB, PGS(1));
	KTEST_EXPECT(t, false); /* not reached */
}

/* The same for a page table: the leaf pages are zapped and flushed properly first (madvise's
 * zap), then the munmap that unhooks the table loses its flush. The table's free, after the
 * grace period, must panic. */
static void skipped_flush_is_caught_when_the_table_is_freed(struct ktest *t)
{
	struct mm_struct *mm = mmt_enter();
	struct mmt_holder h;

	/* The other CPU keeps the table reachable: ours empties its TLB when rcu_barrier()
	 * sleeps (a switch), which the model rightly counts as a flush. */
	KTEST_ASSERT(t, mm && tlb_model_enabled && num_online_cpus() > 1);
	KTEST_ASSERT_EQ(t, mmt_map(mm, UB, PGS(4), RW), 0);
	for (int i = 0; i < 4; i++)
		KTEST_ASSERT_EQ(t, mmt_put(UB + PGS(i), i), 0);
	KTEST_ASSERT(t, mmt_holder_start(&h, mm, UB, other_cpu()));
	KTEST_ASSERT_EQ(t, zap_page_range(mm, UB, PGS(4)), 0);
	KTEST_ASSERT_EQ(t, tlb_model_pending(mm, 0, ~0UL), 0);
	ktest_log(t, "expecting a panic now: the TLB model must catch the dropped flush");
	tlb_test_skip_flushes = 1;
	mmt_unmap(mm, UB, PGS(4));
	rcu_barrier();		/* the table batch is freed after a grace period */
	KTEST_EXPECT(t, false); /* not reached */
}

KTEST_SUITE(panic_tlb_missed_flush, KTEST_MANUAL,
	    KTEST_CASE(skipped_flush_is_caught_when_the_page_is_freed));
KTEST_SUITE(panic_tlb_missed_table_flush, KTEST_MANUAL,
	    KTEST_CASE(skipped_flush_is_caught_when_the_table_is_freed));
