/*
 * mmu_gather (DESIGN MG-1..4, MG-7, RT-1, RT-2): the invariant and the API are in
 * <mica/tlb.h>. Good breakpoints: tlb_flush_mmu_tlbonly (the invalidation), tlb_flush_mmu_free
 * (the frees that must come after it), tlb_next_batch (a batch added, or "flush now"),
 * tlb_table_free_ipi (the fallback when no table batch can be had).
 */
#include <mica/mm_types.h>
#include <mica/panic.h>
#include <mica/smp_call.h>
#include <mica/tlb.h>
#include <mica/tlbflush.h>

#include "mm_internal.h"

struct gather_stats gather_stats;
bool zap_break_enabled = true;

void tlb_gather_mmu(struct mmu_gather *tlb, struct mm_struct *mm, bool fullmm)
{
	tlb->mm = mm;
	tlb->fullmm = fullmm;
	tlb->freed_tables = false;
	tlb->start = tlb->end = 0;
	tlb->batch_count = 0;
	tlb->tables = NULL;
	tlb->local.next = NULL;
	tlb->local.nr = 0;
	tlb->local.max = TLB_LOCAL_BATCH;
	tlb->active = &tlb->local;
	/* MG-7: other gathers on this mm see us, and we them, at finish. */
	__atomic_add_fetch(&mm->gathers_in_flight, 1, __ATOMIC_SEQ_CST);
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

static void table_batch_free_rcu(struct rcu_head *head)
{
	struct mmu_table_batch *b = (struct mmu_table_batch *)head;

	for (unsigned i = 0; i < b->nr; i++)
		pgtable_free_gathered(b->tables[i]);
	free_page(virt_to_page(b));
}

/* Step 3 of MG-4: frees what the flush made unreachable. Only after tlb_flush_mmu_tlbonly().
 * Pages go now; tables after a grace period (RT-1). Batches stay for reuse. */
void tlb_flush_mmu_free(struct mmu_gather *tlb)
{
	BUG_ON(tlb->start != tlb->end || tlb->freed_tables);
	for (struct mmu_gather_batch *b = &tlb->local; b && b->nr; b = b->next) {
		for (unsigned i = 0; i < b->nr; i++)
			put_page(b->pages[i]);
		b->nr = 0;
	}
	tlb->active = &tlb->local;
	if (tlb->tables) {
		stat_add(&gather_stats.tables_rcu, tlb->tables->nr);
		call_rcu(&tlb->tables->rcu, table_batch_free_rcu);
		tlb->tables = NULL;
	}
}

void tlb_flush_mmu(struct mmu_gather *tlb)
{
	tlb_flush_mmu_tlbonly(tlb);
	tlb_flush_mmu_free(tlb);
}

void tlb_finish_mmu(struct mmu_gather *tlb)
{
	struct mmu_gather_batch *b, *next;

	/*
	 * MG-7: another gather on this mm may have cleared entries we saw as already empty and
	 * skipped; it may not have flushed them yet. Returning now could leave a stale entry
	 * behind for our caller, so flush everything, walk caches included.
	 */
	if (__atomic_load_n(&tlb->mm->gathers_in_flight, __ATOMIC_SEQ_CST) > 1) {
		stat_add(&gather_stats.forced_full_flushes, 1);
		tlb->freed_tables = true;
	}
	tlb_flush_mmu(tlb);
	for (b = tlb->local.next; b; b = next) {
		next = b->next;
		free_page(virt_to_page(b));
	}
	__atomic_sub_fetch(&tlb->mm->gathers_in_flight, 1, __ATOMIC_SEQ_CST);
	tlb->mm = NULL;
}

/* Makes room after a full active batch: the next one (kept from an earlier flush), or a new
 * page if the cap allows and the allocator has one without sleeping. False: flush now. */
static bool tlb_next_batch(struct mmu_gather *tlb)
{
	struct mmu_gather_batch *b;
	struct page *p;

	if (tlb->active->next) {
		tlb->active = tlb->active->next;
		return true;
	}
	if (tlb->batch_count == TLB_MAX_BATCHES) {
		stat_add(&gather_stats.batch_cap_hit, 1);
		return false;
	}
	p = alloc_page(GFP_NOWAIT | __GFP_NOWARN);
	if (!p) {
		stat_add(&gather_stats.batch_alloc_failed, 1);
		return false;
	}
	stat_add(&gather_stats.batches_allocated, 1);
	b = page_address(p);
	b->next = NULL;
	b->nr = 0;
	b->max = TLB_BATCH_PAGES;
	tlb->active->next = b;
	tlb->active = b;
	tlb->batch_count++;
	return true;
}

/* The caller cleared the PTE that mapped page and recorded it with tlb_remove_tlb_entry(). */
bool tlb_remove_page(struct mmu_gather *tlb, struct page *page)
{
	struct mmu_gather_batch *b = tlb->active;

	BUG_ON(b->nr >= b->max); /* the caller ignored "full" */
	b->pages[b->nr++] = page;
	return b->nr == b->max && !tlb_next_batch(tlb);
}

/*
 * RT-2: no page for a table batch. Make sure no CPU still walks through the (already
 * unhooked) table: invalidate every TLB and walk cache, then interrupt every CPU and wait,
 * which cannot complete while a lockless walker holds its interrupts off; then free at once.
 */
static void ipi_nothing(void *arg)
{
	(void)arg;
}

static void tlb_table_free_ipi(struct mmu_gather *tlb, struct page *table)
{
	stat_add(&gather_stats.tables_ipi, 1);
	flush_tlb_mm(tlb->mm);
	smp_call_function(ipi_nothing, NULL, true);
	pgtable_free_gathered(table);
}

/* The caller unhooked table from its parent entry. Tables come from free_pgtables(), which
 * holds no PTE lock, so a full table batch is simply flushed here. */
void tlb_remove_table(struct mmu_gather *tlb, struct page *table)
{
	tlb->freed_tables = true;
	if (!tlb->tables) {
		struct page *p = alloc_page(GFP_NOWAIT | __GFP_NOWARN);

		if (!p) {
			tlb_table_free_ipi(tlb, table);
			return;
		}
		tlb->tables = page_address(p);
		tlb->tables->nr = 0;
	}
	tlb->tables->tables[tlb->tables->nr++] = table;
	if (tlb->tables->nr == TLB_TABLE_BATCH)
		tlb_flush_mmu(tlb);
}
