/*
 * Suite swap (issue 6; issue 8's dirty tracking): a page shared copy-on-write by six
 * processes goes to a swap slot and comes back as ONE page for all of them (the swap cache);
 * swap entries survive fork, munmap and exit and give their slots back; a write after
 * swap-in copies as copy-on-write must; a page swapped in and not written goes out again
 * without a slot write, a written one is written (the PTE's dirty bit, hardware or software,
 * decides); reclaim gives pages used since its last look a second chance. Every case ends
 * with rmap_verify() clean, no slot in use and every frame back. Also booted with
 * riscv_ad=trap on RISC-V (young and dirty set by faults).
 */
#include <mica/rmap.h>
#include <mica/swap.h>
#include <mica/tlbflush.h>
#include <mica/vmscan.h>

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
	/* Their last entries came back: each slot stays as the page's clean copy, no more. */
	KTEST_EXPECT_EQ(t, swap_stats.slots_used - used, 2);
	KTEST_EXPECT_EQ(t, rmap_verify(), 0);
	mm_put(child); /* freeing the pages frees their slots */
	KTEST_EXPECT_EQ(t, swap_stats.slots_used, used);
	KTEST_EXPECT_EQ(t, mmt_free_pages(), free_before);
}

/* Swaps out the page mapped at addr in the current mm; 0 or swap_out_page()'s error. */
static int swap_out_at(struct mm_struct *mm, unsigned long addr)
{
	struct page *pg = mmt_page_at(mm, addr);
	int ret = pg ? swap_out_page(pg) : -EFAULT;

	if (pg)
		put_page(pg);
	return ret;
}

static void a_clean_page_goes_out_without_a_write_and_a_dirty_one_is_written(struct ktest *t)
{
	unsigned long free_before, used = swap_stats.slots_used, v, w0, s0, s1;
	struct mm_struct *mm;

	if (!swap_stats.slots)
		KTEST_SKIP(t, "booted with swap=0");
	mmt_warm_caches();
	free_before = mmt_free_pages();
	mm = mmt_enter();
	KTEST_ASSERT(t, mm);
	KTEST_EXPECT_EQ(t, mmt_map(mm, UB, PGS(2), RW), 0);
	KTEST_EXPECT_EQ(t, mmt_put(UB, 0xc1ea), 0);
	KTEST_EXPECT_EQ(t, mmt_put(UB + PGS(1), 0xd1e7), 0);
	w0 = mmt_stat(&swap_stats.writes);
	KTEST_EXPECT_EQ(t, swap_out_at(mm, UB), 0);
	KTEST_EXPECT_EQ(t, swap_out_at(mm, UB + PGS(1)), 0);
	KTEST_EXPECT_EQ(t, mmt_stat(&swap_stats.writes) - w0, 2); /* new pages: always written */
	s0 = swap_pte_slot(mmt_pte(mm, UB));
	s1 = swap_pte_slot(mmt_pte(mm, UB + PGS(1)));
	/* Both back by a read: ours alone, so mapped writable (the VMA is) but clean. */
	KTEST_EXPECT_EQ(t, mmt_get(UB, &v), 0);
	KTEST_EXPECT_EQ(t, v, 0xc1ea);
	KTEST_EXPECT_EQ(t, mmt_get(UB + PGS(1), &v), 0);
	KTEST_EXPECT_EQ(t, v, 0xd1e7);
	KTEST_EXPECT(t, pte_write(mmt_pte(mm, UB)) && !pte_dirty(mmt_pte(mm, UB)));
	KTEST_EXPECT_EQ(t, swap_stats.slots_used - used, 2); /* kept: the clean copies */
	/* A write to page 1 only: the hardware (x86, RISC-V) or a fault (ARM, riscv_ad=trap)
	 * sets its dirty bit, without a copy-on-write (the page is ours alone). */
	KTEST_EXPECT_EQ(t, mmt_put(UB + PGS(1), 0xbeef), 0);
	KTEST_EXPECT(t, pte_dirty(mmt_pte(mm, UB + PGS(1))));
	KTEST_EXPECT(t, !pte_dirty(mmt_pte(mm, UB)));
	w0 = mmt_stat(&swap_stats.writes);
	v = mmt_stat(&swap_stats.writes_skipped);
	KTEST_EXPECT_EQ(t, swap_out_at(mm, UB), 0);
	KTEST_EXPECT_EQ(t, mmt_stat(&swap_stats.writes_skipped) - v, 1); /* clean: no write */
	KTEST_EXPECT_EQ(t, mmt_stat(&swap_stats.writes) - w0, 0);
	KTEST_EXPECT_EQ(t, swap_out_at(mm, UB + PGS(1)), 0);
	KTEST_EXPECT_EQ(t, mmt_stat(&swap_stats.writes) - w0, 1); /* dirty: written */
	KTEST_EXPECT_EQ(t, swap_pte_slot(mmt_pte(mm, UB)), s0);	  /* the same slots again */
	KTEST_EXPECT_EQ(t, swap_pte_slot(mmt_pte(mm, UB + PGS(1))), s1);
	KTEST_EXPECT_EQ(t, mmt_get(UB, &v), 0);
	KTEST_EXPECT_EQ(t, v, 0xc1ea);
	KTEST_EXPECT_EQ(t, mmt_get(UB + PGS(1), &v), 0);
	KTEST_EXPECT_EQ(t, v, 0xbeef); /* skipping the write would read 0xd1e7 here */
	KTEST_EXPECT_EQ(t, rmap_verify(), 0);
	mmt_leave(mm);
	KTEST_EXPECT_EQ(t, swap_stats.slots_used, used);
	KTEST_EXPECT_EQ(t, mmt_free_pages(), free_before);
}

#define HOT 16
#define COLD 16

static void reclaim_gives_pages_used_since_its_last_look_a_second_chance(struct ktest *t)
{
	unsigned long free_before, used = swap_stats.slots_used, v, rotated, freed;
	struct mm_struct *mm;

	if (!swap_stats.slots)
		KTEST_SKIP(t, "booted with swap=0");
	mmt_warm_caches();
	free_before = mmt_free_pages();
	/* The LRU must hold only this case's pages (nothing else runs in a ktest boot). */
	KTEST_ASSERT(t, mmt_stat(&reclaim_stats.lru_pages) == 0);
	mm = mmt_enter();
	KTEST_ASSERT(t, mm);
	KTEST_EXPECT_EQ(t, mmt_map(mm, UB, PGS(HOT + COLD), RW), 0);
	for (unsigned p = 0; p < HOT + COLD; p++) /* page 0 first: the oldest */
		KTEST_EXPECT_EQ(t, mmt_put(UB + PGS(p), 0x1000 + p), 0);
	KTEST_EXPECT_EQ(t, mmt_stat(&reclaim_stats.lru_pages), HOT + COLD);
	/* One look at every page clears its young bits (what reclaim's first pass does); the
	 * flush makes the next touch set them again (a cached entry would not). */
	for (unsigned p = 0; p < HOT + COLD; p++) {
		struct page *pg = mmt_page_at(mm, UB + PGS(p));

		KTEST_ASSERT(t, pg);
		KTEST_EXPECT_EQ(t, page_referenced(pg), 1);
		KTEST_EXPECT_EQ(t, page_referenced(pg), 0);
		put_page(pg);
	}
	flush_tlb_mm(mm);
	for (unsigned p = 0; p < HOT; p++) /* the older half is used again */
		KTEST_EXPECT_EQ(t, mmt_get(UB + PGS(p), &v), 0);
	rotated = mmt_stat(&reclaim_stats.rotated);
	freed = reclaim_pages(COLD);
	KTEST_EXPECT_EQ(t, freed, COLD);
	KTEST_EXPECT_EQ(t, mmt_stat(&reclaim_stats.rotated) - rotated, HOT);
	for (unsigned p = 0; p < HOT + COLD; p++) {
		pte_t pte = mmt_pte(mm, UB + PGS(p));

		if (!KTEST_EXPECT(t, p < HOT ? pte_present(pte) : is_swap_pte(pte)))
			ktest_log(t, "page %u: PTE 0x%llx", p, (unsigned long long)pte.val);
	}
	for (unsigned p = 0; p < HOT + COLD; p++) {
		KTEST_EXPECT_EQ(t, mmt_get(UB + PGS(p), &v), 0);
		KTEST_EXPECT_EQ(t, v, 0x1000 + p);
	}
	KTEST_EXPECT_EQ(t, rmap_verify(), 0);
	mmt_leave(mm);
	KTEST_EXPECT_EQ(t, mmt_stat(&reclaim_stats.lru_pages), 0);
	KTEST_EXPECT_EQ(t, swap_stats.slots_used, used);
	KTEST_EXPECT_EQ(t, mmt_free_pages(), free_before);
}

KTEST_SUITE(swap, 0, KTEST_CASE(a_page_shared_by_six_comes_back_as_one_page),
	    KTEST_CASE(swap_entries_survive_fork_munmap_and_exit),
	    KTEST_CASE(a_clean_page_goes_out_without_a_write_and_a_dirty_one_is_written),
	    KTEST_CASE(reclaim_gives_pages_used_since_its_last_look_a_second_chance));
