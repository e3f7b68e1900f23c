/*
 * Swap (issue 6, AV-9's first consumer; kernel/mm/swap.c, book chapter docs/mm-rmap.md,
 * "Swap"): an anonymous page leaves memory for a slot of the swap area, every PTE that mapped
 * it becomes a *swap entry* naming the slot, and the first touch through any of them brings
 * it back.
 *
 * A swap entry is a PTE that is neither none nor present: (slot + 1) << PAGE_SHIFT. Every
 * port keeps its present and PROT_NONE bits below bit 12, and a non-present entry is ignored
 * by all three MMUs, so one encoding serves them all.
 *
 * The swap cache: while a slot is referenced by swap entries, the page read back for one of
 * them stays attached to the slot, so every process that swaps the same slot in gets the SAME
 * page (a page shared copy-on-write before swap-out is still shared after). A slot counts its
 * swap entries; the last one gone frees the slot and drops the cached page's slot reference.
 *
 * This first version: a RAM-backed area of swap= MiB (default 8) taken from the page
 * allocator at boot (so swapping moves data but does not yet relieve memory), pages swapped
 * out by swap_out_page() on request (tests, later reclaim). No LRU, no reclaim yet.
 */
#ifndef MICA_SWAP_H
#define MICA_SWAP_H

#include <mica/pgtable.h>
#include <mica/types.h>

struct page;
struct vm_area_struct;

void swap_init(void);

static inline bool is_swap_pte(pte_t p)
{
	return !pte_none(p) && !pte_present(p);
}
static inline unsigned long swap_pte_slot(pte_t p)
{
	return (p.val >> PAGE_SHIFT) - 1;
}
static inline pte_t swap_slot_pte(unsigned long slot)
{
	return (pte_t){ (pteval_t)(slot + 1) << PAGE_SHIFT };
}

/* Moves page (anonymous, mapped; the caller holds a reference) to a swap slot: each PTE that
 * maps it becomes a swap entry. 0, -ENOSPC (no slot), -EAGAIN (a foreign reference: pinned),
 * -EINVAL (not a mapped anonymous page). May sleep. */
int swap_out_page(struct page *page);
/* A fault on swap entry orig at addr (PTE lock not held): the page back, from the swap cache
 * or read from the slot. 0, -EAGAIN (the entry changed: fault again), -ENOMEM. */
int do_swap_page(struct vm_area_struct *vma, pmd_t *pmd, unsigned long addr, pte_t orig);
/* A swap entry was copied (fork) or dropped (unmap, exit). */
void swap_dup(unsigned long slot);
void swap_free_entry(unsigned long slot);

struct swap_stats {
	unsigned long slots, slots_used; /* the area's size, and slots holding a page */
	unsigned long swapped_out, swapped_in, cache_hits;
};
extern struct swap_stats swap_stats;

#endif
