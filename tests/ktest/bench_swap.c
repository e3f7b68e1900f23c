/*
 * Suite bench_swap (manual: `make bench` boots it with swap=32): swap-out and swap-in rates
 * (issue 6), as "# <case>: bench: <figure>" lines like suite bench. The area is RAM, so the
 * figures are the kernel's own cost (rmap walk, PTE changes, flushes, a 4 KiB copy, the fault)
 * with no device behind it. Fails only if a measurement is absurd or data came back wrong.
 */
#include <mica/arch.h>
#include <mica/rmap.h>
#include <mica/swap.h>
#include <mica/vmscan.h>

#include "mm_test.h"

#define BENCH_PAGES 4096 /* 16 MiB */

/* Swaps out every page of [UB, UB + n pages) in the current mm; how many went. */
static unsigned long swap_out_all(struct mm_struct *mm, unsigned long n)
{
	unsigned long done = 0;

	for (unsigned long p = 0; p < n; p++) {
		struct page *pg = mmt_page_at(mm, UB + PGS(p));

		if (pg && !swap_out_page(pg))
			done++;
		if (pg)
			put_page(pg);
	}
	return done;
}

/* Reads every page back (one fault each); how many read right. */
static unsigned long swap_in_all(unsigned long n)
{
	unsigned long good = 0, v;

	for (unsigned long p = 0; p < n; p++)
		good += !mmt_get(UB + PGS(p), &v) && v == 0xb0000 + p;
	return good;
}

static void rate(struct ktest *t, const char *what, unsigned long pages, u64 ns)
{
	ktest_log(t, "bench: %s: %lu pages in %llu ms, %llu pages/s, %llu ns per page", what, pages,
		  (unsigned long long)(ns / 1000000),
		  (unsigned long long)(ns ? pages * 1000000000ULL / ns : 0),
		  (unsigned long long)(pages ? ns / pages : 0));
}

static void swap_out_and_swap_in_rates(struct ktest *t)
{
	unsigned long n = BENCH_PAGES, skipped;
	struct mm_struct *mm;
	u64 t0;

	if (swap_stats.slots < n)
		KTEST_SKIP(t, "needs swap= of 16 MiB or more");
	mm = mmt_enter();
	KTEST_ASSERT(t, mm);
	KTEST_ASSERT(t, mmt_map(mm, UB, PGS(n), RW) == 0);
	for (unsigned long p = 0; p < n; p++)
		mmt_put(UB + PGS(p), 0xb0000 + p);

	t0 = arch_clock_ns();
	KTEST_EXPECT_EQ(t, swap_out_all(mm, n), n);
	rate(t, "swap-out, dirty pages (slot written)", n, arch_clock_ns() - t0);

	t0 = arch_clock_ns();
	KTEST_EXPECT_EQ(t, swap_in_all(n), n);
	rate(t, "swap-in by read fault (slot copied)", n, arch_clock_ns() - t0);

	skipped = mmt_stat(&swap_stats.writes_skipped);
	t0 = arch_clock_ns();
	KTEST_EXPECT_EQ(t, swap_out_all(mm, n), n);
	rate(t, "swap-out, clean pages (no write)", n, arch_clock_ns() - t0);
	KTEST_EXPECT_EQ(t, mmt_stat(&swap_stats.writes_skipped) - skipped, n);

	KTEST_EXPECT_EQ(t, swap_in_all(n), n);
	t0 = arch_clock_ns();
	KTEST_EXPECT_EQ(t, reclaim_pages(n), n); /* two passes: young bits, then swap */
	rate(t, "reclaim from the LRU (second chance, then swap-out)", n, arch_clock_ns() - t0);

	KTEST_EXPECT_EQ(t, swap_in_all(n), n);
	mmt_leave(mm);
}

KTEST_SUITE(bench_swap, KTEST_MANUAL, KTEST_CASE(swap_out_and_swap_in_rates));
