/*
 * Page reclaim: the LRU of anonymous pages and second-chance (CLOCK) reclaim into swap. The
 * rules are in <mica/vmscan.h>. Good breakpoints: reclaim_pages (someone ran low), the
 * `rotated` line (a young page's second chance), and swap_out_page below it.
 */
#include <mica/errno.h>
#include <mica/mm_types.h>
#include <mica/panic.h>
#include <mica/rmap.h>
#include <mica/sched.h>
#include <mica/spinlock.h>
#include <mica/swap.h>
#include <mica/vmscan.h>

#include "mm_internal.h"

static DEFINE_SPINLOCK(lru_lock);
static struct list_head anon_lru =
    LIST_HEAD_INIT(anon_lru); /* page.lru: head newest, tail oldest */
struct reclaim_stats reclaim_stats;

void lru_add(struct page *page)
{
	unsigned long flags = spin_lock_irqsave(&lru_lock);

	if (!(page->flags & PG_lru)) {
		page_set_flags(page, PG_lru);
		list_add(&page->lru, &anon_lru);
		reclaim_stats.lru_pages++;
	}
	spin_unlock_irqrestore(&lru_lock, flags);
}

void lru_page_freed(struct page *page)
{
	unsigned long flags = spin_lock_irqsave(&lru_lock);

	if (page->flags & PG_lru) {
		list_del_init(&page->lru);
		page_clear_flags(page, PG_lru);
		reclaim_stats.lru_pages--;
	}
	spin_unlock_irqrestore(&lru_lock, flags);
}

/* Takes up to n of the oldest pages off the LRU, each with a reference, in one hold of the
 * lock (one per page made four reclaiming CPUs queue on it). A page found with refcount 0 is
 * being freed: it just leaves the list (its free finds PG_lru clear). Returns how many. */
static unsigned lru_isolate_oldest(struct page **pages, unsigned n)
{
	unsigned long flags = spin_lock_irqsave(&lru_lock);
	unsigned got = 0;

	while (got < n && !list_empty(&anon_lru)) {
		struct page *page = list_entry(anon_lru.prev, struct page, lru);

		list_del_init(&page->lru);
		page_clear_flags(page, PG_lru);
		reclaim_stats.lru_pages--;
		if (atomic_inc_not_zero(&page->refcount))
			pages[got++] = page;
	}
	spin_unlock_irqrestore(&lru_lock, flags);
	return got;
}

/* Puts pages back at the LRU's head (one hold of the lock), except those ours is the last
 * reference of; then drops our references (a last one frees the page, after the lock). */
static void lru_putback(struct page **pages, unsigned n)
{
	unsigned long flags = spin_lock_irqsave(&lru_lock);

	for (unsigned i = 0; i < n; i++)
		if (page_count(pages[i]) > 1 && !(pages[i]->flags & PG_lru)) {
			page_set_flags(pages[i], PG_lru);
			list_add(&pages[i]->lru, &anon_lru);
			reclaim_stats.lru_pages++;
		}
	spin_unlock_irqrestore(&lru_lock, flags);
	for (unsigned i = 0; i < n; i++)
		put_page(pages[i]);
}

unsigned long reclaim_low_watermark(void)
{
	return MAX(64UL, nr_managed_pages() / 64);
}

/* One round over up to SWAP_BATCH of the oldest pages: second chances for the young, the
 * others swapped out as one batch (one invalidation per mm), the freed counted, the rest back
 * on the LRU. Returns the pages freed; *scanned how many were looked at (0: the LRU is
 * empty); *full set when swap has no slot left. */
static unsigned long reclaim_round(unsigned long want, unsigned *scanned, bool *full)
{
	struct page *pages[SWAP_BATCH], *keep[SWAP_BATCH];
	struct swap_batch b = { 0 };
	unsigned n = lru_isolate_oldest(pages, (unsigned)MIN(want, (unsigned long)SWAP_BATCH));
	unsigned nkeep = 0;
	unsigned long freed = 0;

	*scanned = n;
	stat_add(&reclaim_stats.scanned, n);
	for (unsigned i = 0; i < n; i++) {
		int ret = -EBUSY;

		if (page_referenced(pages[i]))
			stat_add(&reclaim_stats.rotated, 1); /* used lately: a second chance */
		else if (!*full)
			ret = swap_batch_add(&b, pages[i]);
		if (ret == -ENOSPC)
			*full = true; /* swap is full: nothing else will go either */
		if (ret)
			keep[nkeep++] = pages[i];
	}
	/* Entries now, one invalidation per mm for the whole batch: a remote flush costs as
	 * much for one page as for sixteen (an IPI or SBI round to every CPU). */
	if (b.nr)
		swap_batch_flush(&b);
	for (unsigned i = 0; i < b.nr; i++) {
		if (page_count(b.page[i]) == 1) {
			put_page(b.page[i]); /* it left every process: the frame is free */
			freed++;
		} else {
			keep[nkeep++] = b.page[i];
		}
	}
	lru_putback(keep, nkeep);
	return freed;
}

unsigned long reclaim_pages(unsigned long want)
{
	struct task *me = current;
	unsigned long freed = 0, budget;
	unsigned scanned;
	bool full = false;

	if (me->reclaiming)
		return 0;
	if (me->mutexes_held) {
		stat_add(&reclaim_stats.skipped_mutex_held, 1);
		return 0;
	}
	me->reclaiming = true;
	stat_add(&reclaim_stats.runs, 1);
	/* Every page twice at most (once to clear its young bits, once to swap it), and a few
	 * more than asked for: some pages stay (pinned, shared with a busy process). */
	budget = 2 * READ_ONCE(reclaim_stats.lru_pages) + 32;
	while (freed < want && !full) {
		freed += reclaim_round(want - freed, &scanned, &full);
		if (!scanned || scanned >= budget)
			break;
		budget -= scanned;
	}
	stat_add(&reclaim_stats.freed, freed);
	me->reclaiming = false;
	return freed;
}
