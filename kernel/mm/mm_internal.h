/* What kernel/mm's files share and nobody else needs. */
#ifndef MICA_MM_INTERNAL_H
#define MICA_MM_INTERNAL_H

#include <mica/mm.h>

/* True if fault injection picks this allocation to fail (fault_inject.c). Any context. */
bool fault_should_fail(gfp_t gfp);
/* Reads fail_alloc= from the command line (fault_inject.c). */
void fault_inject_boot(void);
/* Creates the kmalloc caches (slab.c). */
void kmalloc_init(void);

/* Frees a page-table page the mmu_gather held until after the flush (pgtable.c). */
void pgtable_free_gathered(struct page *p);

/* Sets the TLB model up and reads tlb_model= (tlb_model.c). */
void tlb_model_init(void);

/* Adds n to one of the statistics counters (fault_stats, tlb_stats, gather_stats,
 * gup_stats): they are read without locks, so updates are atomic, never ordered. */
static inline void stat_add(unsigned long *counter, unsigned long n)
{
	__atomic_add_fetch(counter, n, __ATOMIC_RELAXED);
}

#endif
