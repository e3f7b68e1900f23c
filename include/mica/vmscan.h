/*
 * Page reclaim (issue 6, AV-9's policy; kernel/mm/vmscan.c, book chapter docs/mm-rmap.md,
 * "Reclaim"): when free memory runs low, anonymous pages are swapped out to make room.
 *
 * Every anonymous page in memory is on one LRU list: new pages go on at the head, reclaim
 * takes from the tail (the page that has been there longest). A page whose PTEs were used
 * since the last look - page_referenced() finds a young bit, and clears it - gets a second
 * chance: back to the head. The others go to swap together, up to 16 at a time, with one TLB
 * invalidation per mm (swap_batch_add(), swap_batch_flush()). This is the CLOCK
 * approximation of LRU: only the young bits' hardware (or, ARM, software) support is needed.
 *
 * Who reclaims: the allocating task itself (direct reclaim), in alloc_pages() for a sleeping
 * allocation, when free pages fall below the low watermark (so allocations that cannot sleep
 * still find frames) or when none is left. Never a task holding a sleeping mutex: reclaim
 * sleeps on anon_vma mutexes, which such a task may hold (it uses the reserve instead), and
 * never reclaim from inside reclaim.
 *
 * Locking: the LRU lock is a leaf (interrupts masked). A page on the list has PG_lru and no
 * reference from the list. Reclaim takes pages off (clearing PG_lru) in groups under one hold
 * of the lock, keeping those it can get a reference on; one whose refcount is already zero is
 * being freed and just stays off. The allocator takes a freed page off the list.
 */
#ifndef MICA_VMSCAN_H
#define MICA_VMSCAN_H

#include <mica/types.h>

struct page;

/* page (anonymous, in memory, referenced by the caller) joins the LRU's head; nothing if it
 * is on it already. */
void lru_add(struct page *page);
/* The allocator is freeing a PG_lru page. */
void lru_page_freed(struct page *page);
/* Tries to free want pages by swapping out anonymous ones from the LRU's tail. Returns the
 * pages freed (frames back in the allocator). May sleep; a no-op for a task already
 * reclaiming or holding a mutex. */
unsigned long reclaim_pages(unsigned long want);
/* The low watermark: a sleeping allocation below it reclaims first. */
unsigned long reclaim_low_watermark(void);

struct reclaim_stats {
	unsigned long lru_pages;	  /* on the LRU now */
	unsigned long runs;		  /* reclaim_pages() calls that scanned */
	unsigned long scanned, rotated;	  /* pages looked at; given a second chance */
	unsigned long freed;		  /* frames given back */
	unsigned long alloc_stalls;	  /* allocations that found nothing and reclaimed */
	unsigned long skipped_mutex_held; /* reclaim refused: the caller held a mutex */
};
extern struct reclaim_stats reclaim_stats;

#endif
