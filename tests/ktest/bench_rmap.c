/*
 * Suite bench_rmap (manual: `make bench` boots it with swap=32): issue 6's figures, as
 * "# <case>: bench: <figure>" lines like suite bench - the rmap walk against the number of
 * sharers, and swap-out and swap-in rates. The swap area is RAM, so those are the kernel's own
 * cost (rmap walk, PTE changes, flushes, a 4 KiB copy, the fault) with no device behind it.
 * Fails only if a measurement is absurd or data came back wrong.
 */
#include <mica/arch.h>
#include <mica/rmap.h>
#include <mica/swap.h>
#include <mica/vmscan.h>

#include "mm_test.h"

#define BENCH_PAGES 4096 /* 16 MiB */

/* The time of one rmap walk (page_referenced(): lock the family, visit each chained VMA, check
 * its PTE) against the number of processes sharing the page, forked one from another (so the
 * walk also passes through each generation's chains). */
static void rmap_walk_vs_sharers(struct ktest *t)
{
	static const unsigned sharers[] = { 1, 8, 64 };
	static struct mm_struct *mms[64];

	for (unsigned s = 0; s < ARRAY_SIZE(sharers); s++) {
		unsigned n = sharers[s], made;
		struct page *page;
		u64 t0, ns;

		mms[0] = mmt_enter();
		if (!KTEST_EXPECT(t, mms[0] != NULL))
			return;
		mmt_map(mms[0], UB, PGS(4), RW);
		for (unsigned p = 0; p < 4; p++)
			mmt_put(UB + PGS(p), 1);
		mm_get(mms[0]); /* ours, for after mmt_leave() drops use_mm's */
		mmt_leave(mms[0]);
		for (made = 1; made < n && (mms[made] = mmt_fork(mms[made - 1])); made++)
			;
		page = mmt_page_at(mms[0], UB);
		if (KTEST_EXPECT_EQ(t, made, n) && KTEST_EXPECT(t, page != NULL)) {
			t0 = arch_clock_ns();
			for (int i = 0; i < 100; i++)
				page_referenced(page);
			ns = (arch_clock_ns() - t0) / 100;
			ktest_log(
			    t,
			    "bench: rmap walk (page_referenced) over %u sharers: %llu ns, %llu "
			    "ns per sharer",
			    n, (unsigned long long)ns, (unsigned long long)(ns / n));
		}
		if (page)
			put_page(page);
		while (made--)
			mm_put(mms[made]);
	}
}

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

KTEST_SUITE(bench_rmap, KTEST_MANUAL, KTEST_CASE(rmap_walk_vs_sharers),
	    KTEST_CASE(swap_out_and_swap_in_rates));
