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
		__atomic_fetch_or(&page->flags, PG_lru, __ATOMIC_RELAXED);
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
		__atomic_fetch_and(&page->flags, ~PG_lru, __ATOMIC_RELAXED);
		reclaim_stats.lru_pages--;
	}
	spin_unlock_irqrestore(&lru_lock, flags);
}

/* Takes the oldest page off the LRU with a reference; NULL if the list is empty. A page found
 * with refcount 0 is being freed: it just leaves the list (its free finds PG_lru clear). */
static struct page *lru_isolate_oldest(bool *dying)
{
	unsigned long flags = spin_lock_irqsave(&lru_lock);
	struct page *page = NULL;

	if (!list_empty(&anon_lru)) {
		page = list_entry(anon_lru.prev, struct page, lru);
		list_del_init(&page->lru);
		__atomic_fetch_and(&page->flags, ~PG_lru, __ATOMIC_RELAXED);
		reclaim_stats.lru_pages--;
		*dying = !atomic_inc_not_zero(&page->refcount);
	}
	spin_unlock_irqrestore(&lru_lock, flags);
	return page;
}

/* Back on the LRU's head unless ours is the last reference; then drops ours. */
static void lru_putback(struct page *page)
{
	if (page_count(page) > 1)
		lru_add(page);
	put_page(page);
}

unsigned long reclaim_low_watermark(void)
{
	return MAX(64UL, nr_managed_pages() / 64);
}

/* Flushes the batch; each page that left memory is freed (ours was its last reference), the
 * others go back on the LRU. Returns the pages freed. */
static unsigned long reclaim_batch(struct swap_batch *b)
{
	unsigned long freed = 0;

	swap_batch_flush(b);
	for (unsigned i = 0; i < b->nr; i++) {
		if (page_count(b->page[i]) == 1) {
			put_page(b->page[i]); /* the frame is free */
			freed++;
		} else {
			lru_putback(b->page[i]);
		}
	}
	b->nr = 0;
	return freed;
}

unsigned long reclaim_pages(unsigned long want)
{
	struct task *me = current;
	struct swap_batch b = { 0 };
	unsigned long freed = 0, budget;

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
	while (freed + b.nr < want && budget--) {
		bool dying;
		struct page *page = lru_isolate_oldest(&dying);
		int ret;

		if (!page)
			break;
		if (dying)
			continue;
		stat_add(&reclaim_stats.scanned, 1);
		if (page_referenced(page)) {
			stat_add(&reclaim_stats.rotated, 1); /* used lately: a second chance */
			lru_putback(page);
			continue;
		}
		/* Entries now, one invalidation per mm for the whole batch later: a remote flush
		 * costs as much for one page as for sixteen (an IPI or SBI round to every CPU). */
		ret = swap_batch_add(&b, page);
		if (ret)
			lru_putback(page);
		if (ret == -ENOSPC)
			break; /* swap is full: nothing else will go either */
		if (b.nr == SWAP_BATCH)
			freed += reclaim_batch(&b);
	}
	if (b.nr)
		freed += reclaim_batch(&b);
	stat_add(&reclaim_stats.freed, freed);
	me->reclaiming = false;
	return freed;
}
