/*
 * mmu_gather, first version (DESIGN MG-1..4): the invariant and the API are in <mica/tlb.h>.
 * Fixed batches inside the on-stack gather; when one fills, the caller flushes early. The
 * mmu_gather issue grows the batches without sleeping (MG-2) and frees tables after an RCU
 * grace period (RT-1). Good breakpoints: tlb_flush_mmu_tlbonly (the invalidation) and
 * tlb_flush_mmu_free (the frees that must come after it).
 */
#include <mica/mm_types.h>
#include <mica/panic.h>
#include <mica/tlb.h>
#include <mica/tlbflush.h>

void pgtable_free_gathered(struct page *p); /* pgtable.c */

void tlb_gather_mmu(struct mmu_gather *tlb, struct mm_struct *mm, bool fullmm)
{
	tlb->mm = mm;
	tlb->fullmm = fullmm;
	tlb->freed_tables = false;
	tlb->start = tlb->end = 0;
	tlb->nr_pages = tlb->nr_tables = 0;
}

/* Step 2 of MG-4: invalidates what was gathered on every CPU that may cache it. */
void tlb_flush_mmu_tlbonly(struct mmu_gather *tlb)
{
	if (tlb->fullmm || tlb->freed_tables)
		flush_tlb_mm(tlb->mm); /* walk caches may hold the unhooked tables */
	else if (tlb->start != tlb->end)
		flush_tlb_range(tlb->mm, tlb->start, tlb->end);
	tlb->start = tlb->end = 0;
	tlb->freed_tables = false;
}

/* Step 3 of MG-4: frees what the flush made unreachable. Only after tlb_flush_mmu_tlbonly(). */
void tlb_flush_mmu_free(struct mmu_gather *tlb)
{
	BUG_ON(tlb->start != tlb->end || tlb->freed_tables);
	for (unsigned i = 0; i < tlb->nr_pages; i++)
		put_page(tlb->pages[i]);
	for (unsigned i = 0; i < tlb->nr_tables; i++)
		pgtable_free_gathered(tlb->tables[i]);
	tlb->nr_pages = tlb->nr_tables = 0;
}

void tlb_flush_mmu(struct mmu_gather *tlb)
{
	tlb_flush_mmu_tlbonly(tlb);
	tlb_flush_mmu_free(tlb);
}

void tlb_finish_mmu(struct mmu_gather *tlb)
{
	tlb_flush_mmu(tlb);
	tlb->mm = NULL;
}

/* The caller cleared the PTE that mapped page and recorded it with tlb_remove_tlb_entry(). */
bool tlb_remove_page(struct mmu_gather *tlb, struct page *page)
{
	BUG_ON(tlb->nr_pages >= TLB_PAGE_BATCH); /* the caller ignored "full" */
	tlb->pages[tlb->nr_pages++] = page;
	return tlb->nr_pages == TLB_PAGE_BATCH;
}

/* The caller unhooked table from its parent entry. Tables come from free_pgtables(), which
 * holds no PTE lock, so a full batch is simply flushed here. */
void tlb_remove_table(struct mmu_gather *tlb, struct page *table)
{
	tlb->freed_tables = true;
	tlb->tables[tlb->nr_tables++] = table;
	if (tlb->nr_tables == TLB_TABLE_BATCH)
		tlb_flush_mmu(tlb);
}
