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
 * swap entries; when the last one goes, a page still in memory keeps the slot as a clean copy
 * (below), else the slot is free.
 *
 * The area: swap= MiB (default 8) at the top of RAM, reserved at boot like firmware memory,
 * so the page allocator never sees it and a page swapped out is a frame given back (an
 * emulated disk: slots are copied with memcpy, which keeps the chapter about policy, not I/O).
 *
 * A slot is in one of three states (swap_lock):
 *   free;
 *   ENTRIES: count > 0 swap entries name it; if a page for it is in memory (slot->page), the
 *     slot holds a reference on it, and that page is mapped read-only everywhere: it is also
 *     the other entries' data, so a write must copy it;
 *   CLEAN COPY: count == 0, slot->page is a page in memory, mapped normally, that still
 *     matches the slot (no reference held: freeing the page frees the slot). Swapping it out
 *     again needs no copy unless a PTE mapping it is dirty - the hardware's dirty bit (x86,
 *     RISC-V with A/D in hardware) or the software one (ARM, RISC-V riscv_ad=trap) is what
 *     says so. This is the dirty tracking of issue 8.
 * A page with a slot carries PG_swapcache and its slot number in page->private. PG_dirty
 * marks a page that may differ from its slot although no PTE is dirty (it was pinned when its
 * entries were made: the pin may have written it after the copy).
 *
 * Policy (kernel/mm/vmscan.c): anonymous pages sit on an LRU; reclaim takes the oldest,
 * gives a page page_referenced() finds young a second chance, swaps the others out.
 */
#ifndef MICA_SWAP_H
#define MICA_SWAP_H

#include <mica/bootinfo.h>
#include <mica/pgtable.h>
#include <mica/types.h>

struct mm_struct;
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

/* Finds room for the area at the top of RAM (mm_init, before any frame is freed): its
 * physical start, 0 if there is none, and its size in pages in *pages. */
phys_addr_t swap_reserve(const struct boot_info *bi, unsigned long *pages);

/* Moves page (anonymous, mapped; the caller holds a reference) to a swap slot: each PTE that
 * maps it becomes a swap entry; the slot is written unless it already holds the page's data
 * (CLEAN COPY, no dirty PTE). The page leaves memory when the caller's reference is the last
 * one (a pinned page stays, still serving swap-ins). 0, -ENOSPC (no free slot), -EINVAL (not
 * a mapped anonymous page), -EAGAIN (being migrated). May sleep. */
int swap_out_page(struct page *page);
/*
 * Reclaim's batches: swap_batch_add() makes a page's PTEs swap entries without invalidating
 * anything; swap_batch_flush() sends one invalidation per mm for the whole batch, then copies
 * each page out. The pages stay the caller's (it holds a reference on each, as for
 * swap_out_page()); after the flush a page whose reference is the caller's alone has left
 * every process and may be freed. Between the two calls a page's entries exist but CPUs may
 * still reach it through cached translations: it is not copied, so nothing is lost. Starts
 * zeroed (`struct swap_batch b = { 0 };`); may sleep.
 */
#define SWAP_BATCH 16
#define SWAP_BATCH_MMS 8
struct swap_out {
	unsigned long slot;
	bool dirty; /* a PTE made into an entry was dirty */
	bool fresh; /* a new slot: it must be written */
};
struct swap_batch {
	unsigned nr, nr_mms;
	struct page *page[SWAP_BATCH];
	struct swap_out so[SWAP_BATCH];
	struct mm_struct *mm[SWAP_BATCH_MMS]; /* each held (mm_grab), until the flush */
};
/* 0 (page added: the batch has one more), or swap_out_page()'s errors. b->nr < SWAP_BATCH. */
int swap_batch_add(struct swap_batch *b, struct page *page);
/* Flushes and writes the batch; b->nr pages stay in b->page for the caller to check. */
void swap_batch_flush(struct swap_batch *b);

/* True while swap entries name page's slot: its contents are someone else's too, so no PTE
 * may map it writable (copy-on-write). */
bool page_swap_shared(struct page *page);
/* The page allocator is freeing a PG_swapcache page: its slot association goes. */
void swap_cache_page_freed(struct page *page);
/* A fault on swap entry orig at addr (PTE lock not held): the page back, from the swap cache
 * or read from the slot. 0, -EAGAIN (the entry changed: fault again), -ENOMEM. */
int do_swap_page(struct vm_area_struct *vma, pmd_t *pmd, unsigned long addr, pte_t orig);
/* A swap entry was copied (fork) or dropped (unmap, exit). */
void swap_dup(unsigned long slot);
void swap_free_entry(unsigned long slot);

struct swap_stats {
	unsigned long slots, slots_used; /* the area's size, and slots not free */
	unsigned long swapped_out;	 /* pages that left memory */
	unsigned long swapped_in;	 /* pages read back from a slot */
	unsigned long cache_hits;	 /* swap-ins that found the page in memory */
	unsigned long writes;		 /* pages copied to a slot */
	unsigned long writes_skipped;	 /* swap-outs of a clean copy: no copy needed */
	unsigned long copies_stolen;	 /* clean copies dropped for want of a free slot */
	unsigned long batches;		 /* swap_batch_flush() calls (reclaim) */
};
extern struct swap_stats swap_stats;

#endif
