/*
 * Swap (issue 6): the scheme is in <mica/swap.h>, the policy in vmscan.c. Good breakpoints:
 * swap_out_page, swap_out_one (one PTE becomes a swap entry), do_swap_page (a fault brings a
 * page back), swap_free_entry, and the `writes_skipped` line of swap_out_page (a clean copy).
 */
#include <mica/cmdline.h>
#include <mica/errno.h>
#include <mica/mm_types.h>
#include <mica/panic.h>
#include <mica/printk.h>
#include <mica/rmap.h>
#include <mica/slab.h>
#include <mica/spinlock.h>
#include <mica/string.h>
#include <mica/swap.h>
#include <mica/tlb_model.h>
#include <mica/tlbflush.h>
#include <mica/vmscan.h>

#include "mm_internal.h"

struct swap_slot {
	bool used;	     /* not free */
	bool held;	     /* holds a reference on page (ENTRIES state with a page) */
	bool busy;	     /* a swap-out is between its entries and its copy: no state change */
	unsigned count;	     /* swap entries naming it */
	struct page *page;   /* the page in memory for it, or NULL */
	void *mapping;	     /* the swapped page's anon_vma (tagged), given back on the way in */
	unsigned long index; /* ... and its index */
};

static DEFINE_SPINLOCK(swap_lock); /* a leaf: slots' fields; taken under PTE locks */
static struct swap_slot *slots;
static unsigned long next_slot;	 /* where the search for a free slot starts (next fit) */
static unsigned long next_steal; /* ... and for a clean copy to take, when none is free */
static phys_addr_t area;	 /* the area's first byte: slot s is the frame at area + s pages */
static unsigned long area_pages;
struct swap_stats swap_stats;

#define SWAP_MIN_RAM (16ULL << 20) /* what the area must leave of its RAM region */

/* The end of a reserved range (or the kernel) overlapping [start, end) lowered to its start,
 * or end itself if nothing overlaps. */
static phys_addr_t below_reserved(const struct boot_info *bi, phys_addr_t start, phys_addr_t end)
{
	if (start < bi->kernel_end && bi->kernel_start < end)
		return bi->kernel_start;
	for (unsigned i = 0; i < bi->nreserved; i++)
		if (start < bi->reserved[i].base + bi->reserved[i].size &&
		    bi->reserved[i].base < end)
			return bi->reserved[i].base;
	return end;
}

phys_addr_t swap_reserve(const struct boot_info *bi, unsigned long *pages)
{
	u64 want = (u64)cmdline_get_ulong("swap", 8) << 20;
	const struct mem_region *top = NULL;
	phys_addr_t end, lowered;

	*pages = 0;
	for (unsigned i = 0; i < bi->nmem; i++)
		if (bi->mem[i].base < MM_PHYS_LIMIT &&
		    (!top || bi->mem[i].base + bi->mem[i].size > top->base + top->size))
			top = &bi->mem[i];
	if (!want || !top)
		return 0;
	end = ALIGN_DOWN(MIN(top->base + top->size, MM_PHYS_LIMIT), (phys_addr_t)PAGE_SIZE);
	/* Below anything reserved near the top (QEMU's RISC-V board puts the device tree
	 * there), leaving the kernel SWAP_MIN_RAM of the region at least. */
	while (end - top->base >= want + SWAP_MIN_RAM &&
	       (lowered = below_reserved(bi, end - want, end)) != end)
		end = ALIGN_DOWN(lowered, (phys_addr_t)PAGE_SIZE);
	if (end - top->base < want + SWAP_MIN_RAM) {
		pr_warn("swap: %llu MiB do not fit in RAM with %llu MiB left for the kernel; no "
			"swap",
			(unsigned long long)(want >> 20), (unsigned long long)(SWAP_MIN_RAM >> 20));
		return 0;
	}
	area = end - want;
	area_pages = *pages = (unsigned long)(want >> PAGE_SHIFT);
	return area;
}

void swap_init(void)
{
	unsigned long n = area_pages;

	slots = n ? kmalloc(n * sizeof(*slots), GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN) : NULL;
	if (n && !slots)
		pr_warn("swap: no memory for %lu slots; no swap", n);
	swap_stats.slots = slots ? n : 0;
	if (swap_stats.slots)
		pr_info("swap: %lu slots (%lu KiB) at 0x%llx, RAM outside the page allocator", n,
			n * (PAGE_SIZE / 1024), (unsigned long long)area);
}

static void *slot_address(unsigned long s)
{
	return (void *)(unsigned long)(area + ((phys_addr_t)s << PAGE_SHIFT)); /* identity map */
}

/* page becomes slot s's page, held: the ENTRIES state's reference. */
static void slot_attach_locked(unsigned long s, struct page *page)
{
	slots[s].page = page;
	slots[s].held = true;
	get_page(page);
	page->private = s;
	page_set_flags(page, PG_swapcache);
}

/* slot s and its page part (the page has no copy any more). Returns the page if the slot held
 * a reference on it: the caller puts it once swap_lock is dropped. */
static struct page *slot_detach_locked(unsigned long s)
{
	struct page *page = slots[s].page;
	bool held = slots[s].held;

	slots[s].page = NULL;
	slots[s].held = false;
	if (page)
		page_clear_flags(page, PG_swapcache);
	return held ? page : NULL;
}

static void slot_free_locked(unsigned long s)
{
	BUG_ON(slots[s].count || slots[s].page);
	slots[s].used = false;
	swap_stats.slots_used--;
}

/* A free slot, or failing that one holding a clean copy, whose page loses it (it will be
 * written again when it next goes out). -ENOSPC if every slot names swapped data. */
static long slot_alloc_locked(void)
{
	unsigned long n = swap_stats.slots;

	for (unsigned long i = 0; swap_stats.slots_used < n && i < n; i++) {
		unsigned long s = (next_slot + i) % n;

		if (!slots[s].used) {
			slots[s] = (struct swap_slot){ .used = true };
			swap_stats.slots_used++;
			next_slot = s + 1;
			return (long)s;
		}
	}
	for (unsigned long i = 0; i < n; i++) {
		unsigned long s = (next_steal + i) % n;

		if (!slots[s].count && slots[s].page && !slots[s].held) { /* a clean copy */
			slot_detach_locked(s);
			slots[s] = (struct swap_slot){ .used = true };
			swap_stats.copies_stolen++;
			next_steal = s + 1;
			return (long)s;
		}
	}
	return -ENOSPC;
}

/* Slot s's last entry went (or none was made). With no page it is free again; a page it
 * holds becomes a CLEAN COPY (its reference is returned for the caller to put), unless the
 * page may have been written behind the PTEs' backs (PG_dirty): then they part. */
static struct page *slot_settle_locked(unsigned long s)
{
	struct page *put = NULL;

	/* Busy: the copy is still to come, so the slot holds nothing yet - it must not pass
	 * for a clean copy (and be stolen, or skipped); the swap-out settles it after. */
	if (slots[s].count || slots[s].busy)
		return NULL;
	if (slots[s].page && (slots[s].page->flags & PG_dirty)) {
		page_clear_flags(slots[s].page, PG_dirty);
		put = slot_detach_locked(s);
	} else if (slots[s].page) {
		put = slots[s].held ? slots[s].page : NULL;
		slots[s].held = false;
	}
	if (!slots[s].page)
		slot_free_locked(s);
	return put;
}

/* One more swap entry names slot s; first (a swap-out's) or not (fork copies one). */
static void slot_add_entry(unsigned long s, bool first)
{
	unsigned long flags = spin_lock_irqsave(&swap_lock);

	BUG_ON(!slots[s].used || (!first && !slots[s].count));
	slots[s].count++;
	spin_unlock_irqrestore(&swap_lock, flags);
}

void swap_dup(unsigned long s)
{
	slot_add_entry(s, false);
}

void swap_free_entry(unsigned long s)
{
	unsigned long flags = spin_lock_irqsave(&swap_lock);
	struct page *put;

	BUG_ON(!slots[s].used || !slots[s].count);
	slots[s].count--;
	put = slot_settle_locked(s);
	spin_unlock_irqrestore(&swap_lock, flags);
	if (put)
		put_page(put); /* may be the last reference: swap_cache_page_freed() then */
}

void swap_cache_page_freed(struct page *page)
{
	unsigned long flags = spin_lock_irqsave(&swap_lock);
	unsigned long s = page->private;

	if ((page->flags & PG_swapcache) && s < swap_stats.slots && slots[s].page == page) {
		BUG_ON(slots[s].held); /* a held page is not freed */
		slot_detach_locked(s);
		if (!slots[s].count)
			slot_free_locked(s);
	}
	page_clear_flags(page, PG_swapcache | PG_dirty);
	spin_unlock_irqrestore(&swap_lock, flags);
}

bool page_swap_shared(struct page *page)
{
	unsigned long flags;
	bool shared;

	if (!(READ_ONCE(page->flags) & PG_swapcache))
		return false;
	flags = spin_lock_irqsave(&swap_lock);
	shared = (page->flags & PG_swapcache) && slots[page->private].page == page &&
		 slots[page->private].count;
	spin_unlock_irqrestore(&swap_lock, flags);
	return shared;
}

/* Notes mm as owing an invalidation for the batch; false if the batch has no room for one
 * more mm (the caller then flushes at once). Holds the struct: the process may exit before
 * the batch is flushed (then the flush is merely late, and harmless). */
static bool batch_note_mm(struct swap_batch *b, struct mm_struct *mm)
{
	for (unsigned i = 0; i < b->nr_mms; i++)
		if (b->mm[i] == mm)
			return true;
	if (b->nr_mms == SWAP_BATCH_MMS)
		return false;
	mm_grab(mm);
	b->mm[b->nr_mms++] = mm;
	return true;
}

struct swap_walk {
	struct swap_out *so;
	struct swap_batch *batch; /* NULL: flush each PTE at once */
};

/* One mapping of the page being swapped out: its PTE becomes a swap entry. */
static bool swap_out_one(struct page *page, struct vm_area_struct *vma, unsigned long addr,
			 void *arg)
{
	struct swap_walk *w = arg;
	struct mm_struct *mm = vma->vm_mm;
	spinlock_t *ptl;
	pte_t *ptep = page_check_address(page, vma, addr, &ptl), old;

	if (!ptep)
		return true;
	if (pte_accessible(ptep_get(ptep))) {
		old = ptep_get_and_clear(mm, addr, ptep);
		tlb_model_clear(mm, addr, page);
		/* The invalidation must come before the copy (MG-4); a batch sends one per mm for
		 * all its pages. The dirty bit read here is final even while a CPU still caches
		 * the entry: a cached dirty entry means the PTE was dirty, and a CPU that has yet
		 * to set the bit does it with a locked update that finds the PTE gone (x86: SDM
		 * vol. 3A, 4.8; RISC-V privileged spec, 4.3.1: the update atomically checks the PTE
		 * is valid; ARM: software dirty, the hardware entry is read-only until it is set).
		 */
		if (!w->batch || !batch_note_mm(w->batch, mm))
			flush_tlb_range(mm, addr, addr + PAGE_SIZE);
		w->so->dirty |= pte_dirty(old);
		set_pte_at(mm, addr, ptep, swap_slot_pte(w->so->slot));
		slot_add_entry(w->so->slot, true);
		atomic_add_return(&page->mapcount, -1);
		put_page(page); /* the PTE's reference: never the last, the caller holds one */
	}
	spin_unlock(ptl);
	return true;
}

/* Steps 1 and 2 of a swap-out: a slot for page (its own again if it has one: a clean copy),
 * then every PTE becomes a swap entry. 0, -ENOSPC, -EINVAL, -EAGAIN (<mica/swap.h>). */
static int swap_unmap(struct page *page, struct swap_out *so, struct swap_batch *batch)
{
	struct swap_walk w = { .so = so, .batch = batch };
	struct anon_vma *av;
	unsigned long flags;
	long got = 0;

	if (page_migrating(page))
		return -EAGAIN;
	av = page_get_anon_vma(page);
	if (!av)
		return -EINVAL;
	flags = spin_lock_irqsave(&swap_lock);
	so->dirty = false;
	so->fresh = !(page->flags & PG_swapcache);
	if (!so->fresh) {
		so->slot = page->private;
		BUG_ON(slots[so->slot].page != page);
		if (slots[so->slot].busy)
			got = -EAGAIN; /* another swap-out of it is under way */
		else if (!slots[so->slot].held) {
			slots[so->slot].held = true;
			get_page(page);
		}
	} else if ((got = slot_alloc_locked()) >= 0) {
		so->slot = (unsigned long)got;
		slot_attach_locked(so->slot, page); /* a fault racing the copy finds this page */
	}
	if (got >= 0) {
		slots[so->slot].busy = true;
		slots[so->slot].mapping = page->mapping;
		slots[so->slot].index = page->index;
	}
	spin_unlock_irqrestore(&swap_lock, flags);
	if (got >= 0)
		rmap_walk(page, swap_out_one, &w);
	put_anon_vma(av);
	return (int)MIN(got, 0L);
}

/* Steps 3 and 4, once no CPU can reach the page through an old entry: the copy (unless the
 * slot holds the page's data already), then the page leaves memory if ours and the slot's
 * are its only references. */
static void swap_write(struct page *page, struct swap_out *so)
{
	unsigned long flags;
	struct page *put;
	/* Ours and the slot's references only, and no PTE: nobody can reach the page to write it
	 * now (a new pin needs a PTE, a swap-in takes a reference), so the copy below is exact.
	 * Otherwise a pin may write it after the copy: PG_dirty keeps the slot from claiming it
	 * holds the page's data once the entries are gone. */
	bool alone = page_count(page) == 2 && !atomic_read(&page->mapcount);

	if (so->fresh || so->dirty || (page->flags & PG_dirty)) {
		if (alone)
			page_clear_flags(page, PG_dirty);
		memcpy(slot_address(so->slot), page_address(page), PAGE_SIZE);
		stat_add(&swap_stats.writes, 1);
	} else {
		stat_add(&swap_stats.writes_skipped, 1);
	}
	flags = spin_lock_irqsave(&swap_lock);
	slots[so->slot].busy = false;
	/* Again under the lock: a swap-in takes its reference under it. */
	alone = alone && page_count(page) == 2 && !atomic_read(&page->mapcount);
	if (!alone && page_count(page) != 2 + atomic_read(&page->mapcount))
		page_set_flags(page, PG_dirty);
	if (alone && slots[so->slot].count) {
		put = slot_detach_locked(so->slot); /* it leaves memory with our reference */
		swap_stats.swapped_out++;
	} else {
		/* The page stays: a clean copy if no entry is left. */
		put = slot_settle_locked(so->slot);
	}
	spin_unlock_irqrestore(&swap_lock, flags);
	if (put)
		put_page(put);
}

int swap_out_page(struct page *page)
{
	struct swap_out so;
	int ret = swap_unmap(page, &so, NULL);

	if (!ret)
		swap_write(page, &so);
	return ret;
}

int swap_batch_add(struct swap_batch *b, struct page *page)
{
	int ret;

	BUG_ON(b->nr == SWAP_BATCH);
	ret = swap_unmap(page, &b->so[b->nr], b);
	if (!ret)
		b->page[b->nr++] = page;
	return ret;
}

void swap_batch_flush(struct swap_batch *b)
{
	for (unsigned i = 0; i < b->nr_mms; i++) {
		flush_tlb_mm(b->mm[i]);
		mm_drop(b->mm[i]);
	}
	b->nr_mms = 0;
	for (unsigned i = 0; i < b->nr; i++)
		swap_write(b->page[i], &b->so[i]);
	stat_add(&swap_stats.batches, 1);
}

int do_swap_page(struct vm_area_struct *vma, pmd_t *pmd, unsigned long addr, pte_t orig)
{
	unsigned long s = swap_pte_slot(orig), flags, vm_flags;
	struct page *page, *fresh = NULL;
	bool exclusive;
	spinlock_t *ptl;
	pte_t *ptep;

	flags = spin_lock_irqsave(&swap_lock);
	page = slots[s].used ? slots[s].page : NULL;
	if (page)
		get_page(page); /* held by the slot (ENTRIES): never a dying page */
	spin_unlock_irqrestore(&swap_lock, flags);
	if (page) {
		stat_add(&swap_stats.cache_hits, 1);
	} else {
		fresh = alloc_page(GFP_KERNEL | __GFP_NOWARN);
		if (!fresh)
			return -ENOMEM;
		memcpy(page_address(fresh), slot_address(s), PAGE_SIZE);
		fresh->mapping = slots[s].mapping;
		fresh->index = slots[s].index;
		flags = spin_lock_irqsave(&swap_lock);
		if (slots[s].used && slots[s].count && slots[s].page) { /* a fault was quicker */
			page = slots[s].page;
			get_page(page);
		} else if (slots[s].used && slots[s].count) {
			page = fresh;
			fresh = NULL;
			slot_attach_locked(s, page); /* ours becomes the PTE's reference */
			stat_add(&swap_stats.swapped_in, 1);
		}
		spin_unlock_irqrestore(&swap_lock, flags);
		if (fresh) {
			fresh->mapping = NULL;
			put_page(fresh);
		}
		if (!page)
			return -EAGAIN; /* the slot went: the entry did too, fault again */
		lru_add(page);		/* new in memory (a no-op for a quicker fault's page) */
	}
	ptep = pte_offset_map_lock(pmd, addr, &ptl);
	if (!pte_same(ptep_get(ptep), orig)) {
		spin_unlock(ptl);
		put_page(page);
		return -EAGAIN;
	}
	/* Our entry the slot's last, and no other user (ours + the slot's references): the page
	 * is ours alone and may be mapped as the VMA says, writable but clean - the slot keeps a
	 * clean copy, and the dirty bit will say whether a write came. Otherwise read-only: the
	 * other entries share it, so the first write copies it. */
	flags = spin_lock_irqsave(&swap_lock);
	exclusive = slots[s].count == 1 && page_count(page) == 2 && !atomic_read(&page->mapcount);
	spin_unlock_irqrestore(&swap_lock, flags);
	vm_flags = READ_ONCE(vma->vm_flags);
	set_pte_at(vma->vm_mm, addr, ptep,
		   exclusive ? pfn_pte(page_to_pfn(page), vm_flags)
			     : pte_wrprotect(pfn_pte(page_to_pfn(page), vm_flags)));
	atomic_add_return(&page->mapcount, 1);
	spin_unlock(ptl);
	swap_free_entry(s);
	return 0;
}
