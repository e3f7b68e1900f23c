/*
 * mmu_gather: tearing down user mappings in batches (DESIGN MG-1..7, RT-1, RT-2;
 * kernel/mm/mmu_gather.c, book chapter docs/mm-pagetables.md, "Unmapping").
 *
 * The invariant, before the API: a page or page-table page that was reachable through a PTE
 * (or a table entry) is freed only after
 *     1. the entry was cleared,
 *     2. the TLB of every CPU that may cache a translation through it was invalidated,
 *     3. (page-table pages) an RCU grace period passed, so a lockless walker (gup_fast,
 *        interrupts off) that read the old entry has finished with the table.
 * Never the other way round, not even on one CPU: between a free and a late flush another CPU
 * (or this one, after an interrupt) could write through a stale translation into a page that
 * now belongs to someone else.
 *
 * So unmapping code clears entries and hands the pages to a gather; the gather records the
 * range it must invalidate; tlb_flush_mmu() invalidates, then frees. The gather lives on the
 * caller's stack (MG-1) and preemption stays on: the caller may sleep (take mutexes,
 * cond_resched()) with a gather open.
 *
 * Batches (MG-2): TLB_LOCAL_BATCH pages fit in the gather itself; more batches, one page
 * each, are allocated never-sleeping and without a warning, chained, kept and reused after a
 * flush, at most TLB_MAX_BATCHES of them. When none can be added, tlb_remove_page() says
 * "full" and the caller flushes now (tlb_flush_mmu) before it removes another page.
 *
 *   tlb_gather_mmu(&tlb, mm, fullmm)     start; fullmm: the whole mm is going (exit)
 *   tlb_remove_tlb_entry(&tlb, addr)     a PTE for addr was cleared: it must be invalidated
 *   tlb_remove_page(&tlb, page)          free page after the flush; true = no room left,
 *                                        call tlb_flush_mmu() before removing another
 *   tlb_remove_table(&tlb, table_page)   free a page-table page after the flush and a grace
 *                                        period (it was unhooked from its parent first)
 *   tlb_flush_mmu(&tlb)                  invalidate what was gathered, then free it
 *   tlb_finish_mmu(&tlb)                 last flush; frees the batches; the gather is dead
 */
#ifndef MICA_TLB_H
#define MICA_TLB_H

#include <mica/mm.h>
#include <mica/rcu.h>

struct mm_struct;
struct vm_area_struct;

/* One chained batch: a page holding the header and as many page pointers as fit. */
struct mmu_gather_batch {
	struct mmu_gather_batch *next;
	unsigned nr, max;
	struct page *pages[];
};
#define TLB_BATCH_PAGES ((PAGE_SIZE - sizeof(struct mmu_gather_batch)) / sizeof(void *))
#define TLB_LOCAL_BATCH 8 /* pages held in the gather itself */
#define TLB_MAX_BATCHES 8 /* extra batch pages per gather: ~4000 pages before a flush */

/* Page-table pages waiting for their grace period (RT-1): one page, freed by RCU. */
struct mmu_table_batch {
	struct rcu_head rcu;
	unsigned nr;
	struct page *tables[];
};
#define TLB_TABLE_BATCH ((PAGE_SIZE - sizeof(struct mmu_table_batch)) / sizeof(void *))

struct mmu_gather {
	struct mm_struct *mm;
	bool fullmm;			 /* the whole address space goes: flush all */
	bool freed_tables;		 /* a table was unhooked: walk caches must go too */
	unsigned long start;		 /* [start, end): cleared PTEs not yet invalidated */
	unsigned long end;		 /* start == end: nothing to invalidate */
	unsigned batch_count;		 /* extra batches allocated */
	struct mmu_gather_batch *active; /* the batch being filled */
	struct mmu_table_batch *tables;	 /* tables to free after the flush and a grace period */
	struct mmu_gather_batch local;	 /* the built-in batch ... */
	struct page *local_pages[TLB_LOCAL_BATCH]; /* ... and its room */
};

void tlb_gather_mmu(struct mmu_gather *tlb, struct mm_struct *mm, bool fullmm);
void tlb_flush_mmu(struct mmu_gather *tlb);
/* tlb_flush_mmu() in its two steps, for callers that must invalidate under a PTE lock and
 * free after dropping it (the zap loop). */
void tlb_flush_mmu_tlbonly(struct mmu_gather *tlb);
void tlb_flush_mmu_free(struct mmu_gather *tlb);
void tlb_finish_mmu(struct mmu_gather *tlb);
bool tlb_remove_page(struct mmu_gather *tlb, struct page *page);
void tlb_remove_table(struct mmu_gather *tlb, struct page *table);

/* Records that the PTE for addr was cleared (or changed) and must be invalidated. */
static inline void tlb_remove_tlb_entry(struct mmu_gather *tlb, unsigned long addr)
{
	if (tlb->start == tlb->end) {
		tlb->start = addr;
		tlb->end = addr + PAGE_SIZE;
		return;
	}
	if (addr < tlb->start)
		tlb->start = addr;
	if (addr + PAGE_SIZE > tlb->end)
		tlb->end = addr + PAGE_SIZE;
}

/* Counters since boot (the stats call reads them). */
struct gather_stats {
	unsigned long batches_allocated;   /* extra batch pages taken from the allocator */
	unsigned long batch_alloc_failed;  /* flushes forced because none could be had */
	unsigned long batch_cap_hit;	   /* flushes forced by TLB_MAX_BATCHES */
	unsigned long resched_breaks;	   /* zap loops stopped for need_resched() (MG-5) */
	unsigned long tables_rcu;	   /* page-table pages freed after a grace period */
	unsigned long tables_ipi;	   /* ... freed at once after an IPI to every CPU (RT-2) */
	unsigned long forced_full_flushes; /* finishes that saw another gather in flight */
};
extern struct gather_stats gather_stats;

/* The zap loop's need_resched() break (MG-5); boot parameter zap_break=0 turns it off, only
 * to measure the difference. */
extern bool zap_break_enabled;

/*
 * Unmapping (kernel/mm/memory.c and pgtable.c), the callers of the gather:
 *   unmap_vmas()     clears every PTE of [start, end) in the VMAs from vma on (they are
 *                    sorted and end where [start, end) ends), pages into the gather
 *   free_pgtables()  unhooks and gathers the tables of [start, end) that no mapping in
 *                    [floor, ceiling) still needs (the neighbouring VMAs' ends)
 */
void unmap_vmas(struct mmu_gather *tlb, struct vm_area_struct *vma, unsigned long start,
		unsigned long end);
void free_pgtables(struct mmu_gather *tlb, unsigned long start, unsigned long end,
		   unsigned long floor, unsigned long ceiling);

#endif
