/*
 * mmu_gather: tearing down user mappings in batches (DESIGN MG-1..4; kernel/mm/mmu_gather.c,
 * book chapter docs/mm-pagetables.md, "Unmapping").
 *
 * The invariant, before the API: a page or page-table page that was reachable through a PTE
 * (or a table entry) is freed only after
 *     1. the entry was cleared,
 *     2. the TLB of every CPU that may cache a translation through it was invalidated.
 * Never the other way round, not even on one CPU: between a free and a late flush another CPU
 * (or this one, after an interrupt) could write through a stale translation into a page that
 * now belongs to someone else.
 *
 * So unmapping code clears entries and hands the pages to a gather; the gather records the
 * range it must invalidate; tlb_flush_mmu() invalidates, then frees. The gather lives on the
 * caller's stack (MG-1) and preemption stays on. This first version has fixed batches inside
 * the gather; the mmu_gather issue adds batches that grow without sleeping (MG-2).
 *
 *   tlb_gather_mmu(&tlb, mm, fullmm)     start; fullmm: the whole mm is going (exit)
 *   tlb_remove_tlb_entry(&tlb, addr)     a PTE for addr was cleared: it must be invalidated
 *   tlb_remove_page(&tlb, page)          free page after the flush; true = batch now full,
 *                                        call tlb_flush_mmu() before removing another
 *   tlb_remove_table(&tlb, table_page)   free a page-table page after the flush (it was
 *                                        unhooked from its parent entry first)
 *   tlb_flush_mmu(&tlb)                  invalidate what was gathered, then free it
 *   tlb_finish_mmu(&tlb)                 last flush; the gather is dead afterwards
 */
#ifndef MICA_TLB_H
#define MICA_TLB_H

#include <mica/mm.h>

struct mm_struct;
struct vm_area_struct;

#define TLB_PAGE_BATCH 64  /* pages freed per flush */
#define TLB_TABLE_BATCH 16 /* page-table pages freed per flush */

struct mmu_gather {
	struct mm_struct *mm;
	bool fullmm;	     /* the whole address space goes: flush all, once */
	bool freed_tables;   /* a table was unhooked: walk caches must go too */
	unsigned long start; /* [start, end): cleared PTEs not yet invalidated */
	unsigned long end;   /* start == end: nothing to invalidate */
	unsigned nr_pages, nr_tables;
	struct page *pages[TLB_PAGE_BATCH];
	struct page *tables[TLB_TABLE_BATCH];
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
