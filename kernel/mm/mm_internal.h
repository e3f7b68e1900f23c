/* What kernel/mm's files share and nobody else needs. */
#ifndef MICA_MM_INTERNAL_H
#define MICA_MM_INTERNAL_H

#include <mica/mm.h>
#include <mica/pgtable.h>
#include <mica/spinlock.h>

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
/* Reads lazy_mmu= (lazy_mmu.c). */
void lazy_mmu_init(void);
/* The lazy-MMU hooks of flush_tlb_range() and of the context switch (lazy_mmu.c): queue
 * returns false if no section is open (flush now). */
bool lazy_mmu_queue(struct mm_struct *mm, unsigned long start, unsigned long end);
void lazy_mmu_switch(void);

struct vm_area_struct;

/* The PTE mapping page at addr in vma's mm, locked (*ptlp), or NULL (rmap.c). The caller
 * holds the rmap lock that keeps vma's tables alive. */
pte_t *page_check_address(struct page *page, struct vm_area_struct *vma, unsigned long addr,
			  spinlock_t **ptlp);

/* Adds n to one of the statistics counters (fault_stats, tlb_stats, gather_stats,
 * gup_stats): they are read without locks, so updates are atomic, never ordered. */
static inline void stat_add(unsigned long *counter, unsigned long n)
{
	__atomic_add_fetch(counter, n, __ATOMIC_RELAXED);
}

#endif
