/*
 * Suite swap (issue 6, first version of swap): a page shared copy-on-write by six processes
 * goes to a swap slot and comes back as ONE page for all of them (the swap cache); swap
 * entries survive fork, munmap and exit and give their slots back; a write after swap-in
 * copies as copy-on-write must. Every case ends with rmap_verify() clean, no slot in use and
 * every frame back.
 */
#include <mica/rmap.h>
#include <mica/swap.h>

#include "mm_test.h"

#define SHARERS 6

/* Six processes forked one from another share pages 0..3; each page is swapped out. */
static bool six_sharers(struct ktest *t, struct mm_struct **mm)
{
	mm[0] = mmt_enter();
	if (!KTEST_EXPECT(t, mm[0] != NULL))
		return false;
	KTEST_EXPECT_EQ(t, mmt_map(mm[0], UB, PGS(4), RW), 0);
	for (unsigned p = 0; p < 4; p++)
		KTEST_EXPECT_EQ(t, mmt_put(UB + PGS(p), 0x5000 + p), 0);
	mm_get(mm[0]); /* ours, for after mmt_leave() drops use_mm's */
	mmt_leave(mm[0]);
	for (int i = 1; i < SHARERS; i++)
		if (!KTEST_EXPECT(t, (mm[i] = mmt_fork(mm[i - 1])) != NULL))
			return false;
	for (unsigned p = 0; p < 4; p++) {
		struct page *pg = mmt_page_at(mm[0], UB + PGS(p));

		if (!KTEST_EXPECT(t, pg != NULL))
			return false;
		KTEST_EXPECT_EQ(t, atomic_read(&pg->mapcount), SHARERS);
		KTEST_EXPECT_EQ(t, swap_out_page(pg), 0);
		KTEST_EXPECT_EQ(t, atomic_read(&pg->mapcount), 0);
		KTEST_EXPECT_EQ(t, page_count(pg), 1); /* ours alone: out of the cache */
		put_page(pg);
	}
	return true;
}

static void a_page_shared_by_six_comes_back_as_one_page(struct ktest *t)
{
	unsigned long free_before, used = swap_stats.slots_used, in = swap_stats.swapped_in,
				   hits = swap_stats.cache_hits, v, pfn0 = 0;
	struct mm_struct *mm[SHARERS];

	if (!swap_stats.slots)
		KTEST_SKIP(t, "booted with swap=0");
	mmt_warm_caches();
	free_before = mmt_free_pages();
	KTEST_ASSERT(t, six_sharers(t, mm));
	KTEST_EXPECT_EQ(t, swap_stats.slots_used - used, 4);
	for (int i = 0; i < SHARERS; i++) {
		KTEST_EXPECT(t, is_swap_pte(mmt_pte(mm[i], UB)));
		KTEST_EXPECT_EQ(t, mmt_get_in(mm[i], UB, &v), 0);
		KTEST_EXPECT_EQ(t, v, 0x5000);
		if (i == 0)
			pfn0 = pte_pfn(mmt_pte(mm[0], UB));
		KTEST_EXPECT_EQ(t, pte_pfn(mmt_pte(mm[i], UB)), pfn0); /* the same page for all */
	}
	KTEST_EXPECT_EQ(t, swap_stats.swapped_in - in, 1);
	KTEST_EXPECT_EQ(t, swap_stats.cache_hits - hits, SHARERS - 1);
	KTEST_EXPECT_EQ(t, atomic_read(&pfn_to_page(pfn0)->mapcount), SHARERS);
	/* A write in one copies (copy-on-write survives the round trip); the others keep it. */
	KTEST_EXPECT_EQ(t, mmt_put_in(mm[2], UB, 0x77), 0);
	KTEST_EXPECT_EQ(t, mmt_get_in(mm[3], UB, &v), 0);
	KTEST_EXPECT_EQ(t, v, 0x5000);
	KTEST_EXPECT_EQ(t, mmt_get_in(mm[2], UB, &v), 0);
	KTEST_EXPECT_EQ(t, v, 0x77);
	KTEST_EXPECT_EQ(t, rmap_verify(), 0);
	for (int i = 0; i < SHARERS; i++)
		mm_put(mm[i]); /* pages 1..3 are still swapped: exit frees their slots */
	KTEST_EXPECT_EQ(t, swap_stats.slots_used, used);
	KTEST_EXPECT_EQ(t, mmt_free_pages(), free_before);
}

static void swap_entries_survive_fork_munmap_and_exit(struct ktest *t)
{
	unsigned long free_before, used = swap_stats.slots_used, v;
	struct mm_struct *mm[SHARERS], *child;

	if (!swap_stats.slots)
		KTEST_SKIP(t, "booted with swap=0");
	mmt_warm_caches();
	free_before = mmt_free_pages();
	KTEST_ASSERT(t, six_sharers(t, mm));
	child = mmt_fork(mm[5]); /* copies swap entries: each slot counts one more */
	KTEST_ASSERT(t, child);
	for (int i = 0; i < SHARERS; i++)
		mm_put(mm[i]); /* the six go first */
	KTEST_EXPECT_EQ(t, swap_stats.slots_used - used, 4);
	use_mm(child);
	KTEST_EXPECT_EQ(t, mmt_unmap(child, UB + PGS(2), PGS(2)), 0); /* frees two slots */
	unuse_mm(child);
	KTEST_EXPECT_EQ(t, swap_stats.slots_used - used, 2);
	for (unsigned p = 0; p < 2; p++) {
		KTEST_EXPECT_EQ(t, mmt_get_in(child, UB + PGS(p), &v), 0);
		KTEST_EXPECT_EQ(t, v, 0x5000 + p);
	}
	KTEST_EXPECT_EQ(t, swap_stats.slots_used, used); /* their last entries came back */
	KTEST_EXPECT_EQ(t, rmap_verify(), 0);
	mm_put(child);
	KTEST_EXPECT_EQ(t, mmt_free_pages(), free_before);
}

KTEST_SUITE(swap, 0, KTEST_CASE(a_page_shared_by_six_comes_back_as_one_page),
	    KTEST_CASE(swap_entries_survive_fork_munmap_and_exit));
