/*
 * Suite mmu_gather (DESIGN MG-2, MG-5, RT-1, RT-2): batches that cannot grow (every
 * never-sleep allocation failed), the batch cap, the need_resched break with a real-time
 * task waking on the same CPU, and page tables freed through RCU or, without a batch page,
 * through the IPI fallback. Every case counts every frame back.
 */
#include <mica/arch.h>
#include <mica/gup.h>
#include <mica/preempt.h>
#include <mica/timer.h>
#include <mica/tlb.h>
#include <mica/tlb_model.h>

#include "mm_test.h"
#include "rt_probe.h"

/* Maps n pages at a, writes i into page i, checks a sample, unmaps, checks everything came
 * back. Returns false (after recording the failure) if a step failed. */
static bool map_touch_unmap(struct ktest *t, unsigned long a, unsigned long n)
{
	unsigned long free_before = mmt_free_pages(), v;
	struct mm_struct *mm = mmt_enter();
	bool ok = mm != NULL;

	if (!ok)
		return KTEST_EXPECT(t, mm != NULL);
	ok &= KTEST_EXPECT_EQ(t, mmt_map(mm, a, PGS(n), RW), 0);
	for (unsigned long i = 0; ok && i < n; i++)
		ok &= KTEST_EXPECT_EQ(t, mmt_put(a + PGS(i), i), 0);
	for (unsigned long i = 0; ok && i < n; i += 61) {
		ok &= KTEST_EXPECT_EQ(t, mmt_get(a + PGS(i), &v), 0);
		ok &= KTEST_EXPECT_EQ(t, v, i);
	}
	ok &= KTEST_EXPECT_EQ(t, mmt_unmap(mm, a, PGS(n)), 0);
	ok &= KTEST_EXPECT_EQ(t, mm_nr_pgtables(mm), 0);
	mmt_leave(mm);
	ok &= KTEST_EXPECT_EQ(t, mmt_free_pages(), free_before);
	return ok;
}

/* MG-2, RT-2: with every never-sleep allocation failing, no batch can be added and no table
 * batch page can be had: the zap flushes each time the built-in batch fills, and every table
 * goes through the IPI fallback. Nothing is lost or freed twice. */
static void unmap_progresses_on_the_builtin_batch_alone(struct ktest *t)
{
	unsigned long n = 5 * TLB_LOCAL_BATCH + 3, a = UB + PMD_SIZE - PGS(9);
	unsigned long failed = mmt_stat(&gather_stats.batch_alloc_failed),
		      ipi = mmt_stat(&gather_stats.tables_ipi);

	mmt_warm_caches();
	fault_inject_set(FAULT_EVERY, 1, true, 0); /* every GFP_NOWAIT allocation fails */
	map_touch_unmap(t, a, n);
	fault_inject_clear();
	ktest_log(t, "%lu forced flushes, %lu tables freed by IPI",
		  mmt_stat(&gather_stats.batch_alloc_failed) - failed,
		  mmt_stat(&gather_stats.tables_ipi) - ipi);
	KTEST_EXPECT(t, mmt_stat(&gather_stats.batch_alloc_failed) - failed >= n / TLB_LOCAL_BATCH);
	KTEST_EXPECT(t,
		     mmt_stat(&gather_stats.tables_ipi) - ipi >= 2); /* two PTE tables at least */
}

/* MG-2: more pages than TLB_MAX_BATCHES batches hold: the cap forces a flush in the middle
 * of the zap, which resumes exactly there. Normal allocations meanwhile: batches are added
 * (and counted), and tables go through RCU. */
static void batch_cap_is_hit_and_the_zap_resumes(struct ktest *t)
{
	unsigned long n = TLB_LOCAL_BATCH + TLB_MAX_BATCHES * TLB_BATCH_PAGES + 100;
	unsigned long cap = mmt_stat(&gather_stats.batch_cap_hit),
		      added = mmt_stat(&gather_stats.batches_allocated),
		      rcu = mmt_stat(&gather_stats.tables_rcu);

	mmt_warm_caches();
	map_touch_unmap(t, UB + PGS(3), n);
	ktest_log(t, "%lu pages, %lu batches added, cap hit %lu times, %lu tables by RCU", n,
		  mmt_stat(&gather_stats.batches_allocated) - added,
		  mmt_stat(&gather_stats.batch_cap_hit) - cap,
		  mmt_stat(&gather_stats.tables_rcu) - rcu);
	KTEST_EXPECT(t, mmt_stat(&gather_stats.batch_cap_hit) - cap >= 1);
	KTEST_EXPECT_EQ(t, mmt_stat(&gather_stats.batches_allocated) - added, TLB_MAX_BATCHES);
	KTEST_EXPECT(t, mmt_stat(&gather_stats.tables_rcu) - rcu >= n / PTRS_PER_PTE);
}

/* MG-5: unmapping 16 MiB while a real-time task keeps being woken on the same CPU: the zap
 * loop breaks for it (counted), and still frees every page exactly once. With zap_break off
 * it never breaks. */
static void zap_breaks_for_a_waking_rt_task(struct ktest *t)
{
	unsigned long n = (16UL << 20) >> PAGE_SHIFT, breaks;
	int was_pinned = current->pinned_cpu; /* the ktest thread lives on CPU 0: put it back */
	struct rt_probe w;

	if (num_online_cpus() < 2)
		KTEST_SKIP(t, "needs two CPUs");
	mmt_warm_caches();
	sched_pin_current((int)smp_processor_id());
	if (!rt_probe_start(&w, smp_processor_id(), 10, 20000)) {
		sched_pin_current(was_pinned);
		KTEST_ASSERT(t, false);
	}

	/* Most wake-ups land while pages are touched; a few rounds make one during a zap sure. */
	breaks = mmt_stat(&gather_stats.resched_breaks);
	for (int round = 0; round < 10 && mmt_stat(&gather_stats.resched_breaks) == breaks; round++)
		map_touch_unmap(t, UB, n);
	breaks = mmt_stat(&gather_stats.resched_breaks) - breaks;
	ktest_log(t, "break on: %lu breaks, %lu wake-ups", breaks, w.wakeups);
	KTEST_EXPECT(t, breaks > 0);

	zap_break_enabled = false;
	breaks = mmt_stat(&gather_stats.resched_breaks);
	map_touch_unmap(t, UB, n);
	breaks = mmt_stat(&gather_stats.resched_breaks) - breaks;
	zap_break_enabled = true;
	ktest_log(t, "break off: %lu breaks", breaks);
	KTEST_EXPECT_EQ(t, breaks, 0);

	rt_probe_stop(&w);
	sched_pin_current(was_pinned);
}

/* ---- MG-7: two zaps of one mm at once ---- */

#define RACE_BIG (1024 * PAGE_SIZE) /* what the slow zap clears before it flushes */

struct zap_race {
	struct mm_struct *mm;
	unsigned long a;    /* the page both zaps cover; the slow zap then covers RACE_BIG */
	volatile int phase; /* 0 go, 1 the slow zap cleared a, 2 the quick zap returned, 3 read */
	unsigned long seen; /* what the reader read after phase 2 */
	volatile bool stop;
	pte_t orig;		     /* a's PTE before the zaps */
	unsigned long model_pending; /* TLB-model records of a left when the quick zap returned */
};

/* On its own CPU: reads a all the time (so this CPU's TLB holds it); once the quick zap has
 * returned, one more read, which must not see the old page. */
static void race_reader(void *arg)
{
	struct zap_race *r = arg;
	unsigned long v;

	use_mm(r->mm);
	while (!r->stop) {
		int ph = r->phase;

		mmt_get(r->a, &v);
		if (ph == 2) {
			r->seen = v;
			r->phase = 3;
		}
	}
	unuse_mm(r->mm);
}

static void race_slow_zap(void *arg)
{
	struct zap_race *r = arg;

	use_mm(r->mm);
	while (r->phase != 0)
		arch_cpu_relax();
	zap_page_range(r->mm, r->a, RACE_BIG); /* clears a first, flushes only at its end */
	unuse_mm(r->mm);
}

/* Zaps a alone as soon as the slow zap has cleared it: its own gather finds nothing to clear,
 * yet it must not return before the TLBs are clean (MG-7: the other gather is in flight). */
static void race_quick_zap(void *arg)
{
	struct zap_race *r = arg;
	pte_t *ptep;

	use_mm(r->mm);
	/* Until the slow zap has cleared a (the reader may fault a new page in at once). */
	do {
		ptep = walk(r->mm, r->a, false);
	} while (ptep && ptep_get(ptep).val == r->orig.val && !r->stop);
	zap_page_range(r->mm, r->a, PAGE_SIZE);
	r->model_pending += tlb_model_pending(r->mm, r->a, r->a + PAGE_SIZE);
	r->phase = 2;
	while (r->phase != 3 && !r->stop)
		arch_cpu_relax();
	unuse_mm(r->mm);
}

static void concurrent_zaps_return_with_the_tlb_clean(struct ktest *t)
{
	unsigned long forced = mmt_stat(&gather_stats.forced_full_flushes), old = 0x5eed;
	struct zap_race r = { 0 };
	unsigned bad = 0, rounds = 30, c0 = smp_processor_id();

	if (num_online_cpus() < 4)
		KTEST_SKIP(t, "needs four CPUs");
	r.mm = mm_create();
	KTEST_ASSERT(t, r.mm);
	r.a = UB + PMD_SIZE;
	KTEST_ASSERT_EQ(t, mmt_map(r.mm, r.a, RACE_BIG, RW), 0);
	use_mm(r.mm);
	for (unsigned round = 0; round < rounds; round++) {
		struct task *th[3];

		for (unsigned long i = 0; i < RACE_BIG; i += PAGE_SIZE)
			KTEST_ASSERT_EQ(t, mmt_put(r.a + i, old), 0);
		r.orig = mmt_pte(r.mm, r.a);
		r.phase = 0;
		r.stop = false;
		r.seen = old;
		th[0] = kthread_create(race_reader, &r, "race-read");
		th[1] = kthread_create(race_quick_zap, &r, "race-quick");
		th[2] = kthread_create(race_slow_zap, &r, "race-slow");
		KTEST_ASSERT(t, th[0] && th[1] && th[2]);
		for (unsigned i = 0; i < 3; i++) {
			kthread_bind(th[i], (c0 + 1 + i) % num_online_cpus());
			kthread_start(th[i]);
		}
		while (r.phase != 3)
			cond_resched();
		r.stop = true;
		for (unsigned i = 0; i < 3; i++)
			kthread_join(th[i]);
		bad += r.seen == old;
	}
	unuse_mm(r.mm);
	mm_put(r.mm);
	ktest_log(t, "%u rounds, %lu forced full flushes, %u stale reads, %lu stale per the model",
		  rounds, mmt_stat(&gather_stats.forced_full_flushes) - forced, bad,
		  r.model_pending);
	KTEST_EXPECT_EQ(t, bad, 0);
	KTEST_EXPECT_EQ(t, r.model_pending, 0);
	KTEST_EXPECT(t, mmt_stat(&gather_stats.forced_full_flushes) > forced);
}

/* ---- RT-2 against a lockless walker ---- */

#define WALK_TABLES 4 /* PTE tables per round, one touched page in each */

struct walk_race {
	struct mm_struct *mm;
	volatile bool stop;
	volatile unsigned long calls, pins;
	unsigned long bad, bad_value;
};

static unsigned long walk_addr(unsigned i)
{
	return UB + i * PMD_SIZE + PGS(i + 1);
}

static unsigned long walk_pattern(unsigned long a)
{
	return a ^ 0x7ab1e5UL;
}

/* On another CPU: pins each page again and again through get_user_pages_fast(), which walks
 * the tables with interrupts off (held longer by gup_fast_race_window_ns). A pinned page
 * holds the value written there or, when the walk faulted it in before the writer came, 0;
 * anything else is a frame reached through a table that was freed under the walk. */
static void walk_racer(void *arg)
{
	struct walk_race *r = arg;
	struct page *pg;
	unsigned long v;

	use_mm(r->mm);
	while (!r->stop)
		for (unsigned i = 0; i < WALK_TABLES; i++) {
			r->calls++;
			if (get_user_pages_fast(walk_addr(i), 1, false, &pg) != 1)
				continue;
			v = *(unsigned long *)page_address(pg);
			if (v != 0 && v != walk_pattern(walk_addr(i))) {
				r->bad++;
				r->bad_value = v;
			}
			r->pins++;
			put_user_pages(&pg, 1);
		}
	unuse_mm(r->mm);
}

static void table_ipi_fallback_waits_for_a_lockless_walker(struct ktest *t)
{
	unsigned long ipi = mmt_stat(&gather_stats.tables_ipi),
		      fast = mmt_stat(&gup_stats.fast_pinned);
	unsigned long free_before, window = gup_fast_race_window_ns;
	const unsigned long len = WALK_TABLES * PMD_SIZE;
	struct walk_race r = { 0 };
	struct task *th;
	unsigned rounds;

	if (num_online_cpus() < 2)
		KTEST_SKIP(t, "needs two CPUs");
	mmt_warm_caches();
	free_before = mmt_free_pages();
	r.mm = mm_create();
	KTEST_ASSERT(t, r.mm);
	use_mm(r.mm);
	th = kthread_create(walk_racer, &r, "walk-race");
	KTEST_ASSERT(t, th);
	kthread_bind(th, (smp_processor_id() + 1) % num_online_cpus());
	gup_fast_race_window_ns = 20000; /* 20 us with interrupts off per page pinned */
	kthread_start(th);
	while (!r.calls) /* the walker is walking before the first unmap */
		cond_resched();
	/* At least 60 rounds, and on until the walker has pinned a few pages (a loaded host may
	 * give its CPU little time). */
	for (rounds = 0; (rounds < 60 || r.pins < 20) && rounds < 3000; rounds++) {
		KTEST_EXPECT_EQ(t, mmt_map(r.mm, UB, len, RW), 0);
		for (unsigned i = 0; i < WALK_TABLES; i++)
			KTEST_EXPECT_EQ(t, mmt_put(walk_addr(i), walk_pattern(walk_addr(i))), 0);
		fault_inject_set(FAULT_EVERY, 1, true, 0); /* no table batch: the IPI path */
		KTEST_EXPECT_EQ(t, mmt_unmap(r.mm, UB, len), 0);
		fault_inject_clear();
	}
	r.stop = true;
	kthread_join(th);
	gup_fast_race_window_ns = window;
	unuse_mm(r.mm);
	mm_put(r.mm);
	ipi = mmt_stat(&gather_stats.tables_ipi) - ipi;
	fast = mmt_stat(&gup_stats.fast_pinned) - fast;
	ktest_log(t, "%u rounds: %lu tables freed by IPI, %lu pins (%lu lockless), %lu bad", rounds,
		  ipi, r.pins, fast, r.bad);
	if (!KTEST_EXPECT_EQ(t, r.bad, 0))
		ktest_log(t, "a pinned page held 0x%lx", r.bad_value);
	KTEST_EXPECT(t, ipi >= rounds * WALK_TABLES);
	KTEST_EXPECT(t, fast > 0);
	KTEST_EXPECT_EQ(t, mmt_free_pages(), free_before);
}

KTEST_SUITE(mmu_gather, 0, KTEST_CASE(unmap_progresses_on_the_builtin_batch_alone),
	    KTEST_CASE(batch_cap_is_hit_and_the_zap_resumes),
	    KTEST_CASE(zap_breaks_for_a_waking_rt_task),
	    KTEST_CASE(concurrent_zaps_return_with_the_tlb_clean),
	    KTEST_CASE(table_ipi_fallback_waits_for_a_lockless_walker));
