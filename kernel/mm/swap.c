/*
 * Swap, first version (issue 6): the scheme is in <mica/swap.h>. Good breakpoints:
 * swap_out_page, swap_out_one (one PTE becomes a swap entry), do_swap_page (a fault brings a
 * page back), swap_free_entry.
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

#include "mm_internal.h"

struct swap_slot {
	bool used;	     /* given to a page (its entries may still be being made) */
	unsigned count;	     /* swap entries naming it */
	struct page *frame;  /* its contents: a frame of the RAM-backed area */
	struct page *cache;  /* the page in memory for it, holding a reference, or NULL */
	void *mapping;	     /* the swapped page's anon_vma (tagged), given back on the way in */
	unsigned long index; /* ... and its index */
};

static DEFINE_SPINLOCK(swap_lock); /* a leaf: slots' fields; taken under PTE locks */
static struct swap_slot *slots;
struct swap_stats swap_stats;

void swap_init(void)
{
	unsigned long n = (cmdline_get_ulong("swap", 8) << 20) >> PAGE_SHIFT;

	slots = n ? kmalloc(n * sizeof(*slots), GFP_KERNEL | __GFP_ZERO) : NULL;
	for (unsigned long i = 0; slots && i < n; i++) {
		slots[i].frame = alloc_page(GFP_KERNEL);
		if (!slots[i].frame) {
			pr_warn("swap: only %lu of %lu slots could be had\n", i, n);
			n = i;
			break;
		}
	}
	swap_stats.slots = slots ? n : 0;
	if (swap_stats.slots)
		pr_info("swap: %lu slots (%lu KiB), RAM-backed\n", n, n * (PAGE_SIZE / 1024));
}

static long slot_alloc(void)
{
	unsigned long flags = spin_lock_irqsave(&swap_lock);

	for (unsigned long i = 0; i < swap_stats.slots; i++)
		if (!slots[i].used) {
			slots[i].used = true;
			slots[i].count = 0;
			swap_stats.slots_used++;
			spin_unlock_irqrestore(&swap_lock, flags);
			return (long)i;
		}
	spin_unlock_irqrestore(&swap_lock, flags);
	return -ENOSPC;
}

/* The slot's last entry went (or none was made): it is free again, and its cached page loses
 * the slot's reference. */
static struct page *slot_release_locked(unsigned long s)
{
	struct page *cached = slots[s].cache;

	slots[s].cache = NULL;
	slots[s].used = false;
	swap_stats.slots_used--;
	return cached;
}

void swap_dup(unsigned long s)
{
	unsigned long flags = spin_lock_irqsave(&swap_lock);

	BUG_ON(!slots[s].used);
	slots[s].count++;
	spin_unlock_irqrestore(&swap_lock, flags);
}

void swap_free_entry(unsigned long s)
{
	unsigned long flags = spin_lock_irqsave(&swap_lock);
	struct page *cached = NULL;

	BUG_ON(!slots[s].used || !slots[s].count);
	if (--slots[s].count == 0)
		cached = slot_release_locked(s);
	spin_unlock_irqrestore(&swap_lock, flags);
	if (cached)
		put_page(cached); /* mapped by nobody any more: may be freed now */
}

/* One mapping of the page being swapped out: its PTE becomes a swap entry, flushed. */
static bool swap_out_one(struct page *page, struct vm_area_struct *vma, unsigned long addr,
			 void *arg)
{
	unsigned long s = *(unsigned long *)arg;
	struct mm_struct *mm = vma->vm_mm;
	spinlock_t *ptl;
	pte_t *ptep = page_check_address(page, vma, addr, &ptl);

	if (!ptep)
		return true;
	if (pte_accessible(ptep_get(ptep))) {
		ptep_get_and_clear(mm, addr, ptep);
		tlb_model_clear(mm, addr, page);
		flush_tlb_range(mm, addr, addr + PAGE_SIZE); /* before the copy (MG-4) */
		set_pte_at(mm, addr, ptep, swap_slot_pte(s));
		swap_dup(s);
		atomic_add_return(&page->mapcount, -1);
		put_page(page); /* the PTE's reference: never the last, the caller holds one */
	}
	spin_unlock(ptl);
	return true;
}

int swap_out_page(struct page *page)
{
	struct anon_vma *av = page_get_anon_vma(page);
	unsigned long flags, s;
	struct page *cached;
	long got;

	if (!av)
		return -EINVAL;
	got = slot_alloc();
	if (got < 0) {
		put_anon_vma(av);
		return (int)got;
	}
	s = (unsigned long)got;
	/* In the swap cache from the start: a fault racing the copy below finds this page. */
	get_page(page);
	slots[s].cache = page;
	slots[s].mapping = page->mapping;
	slots[s].index = page->index;
	rmap_walk(page, swap_out_one, &s);
	/* No PTE maps it now (entries were made under each PTE lock and flushed), so only a pin
	 * taken before could still write it: then it stays cached, and swap-ins use it. */
	memcpy(page_address(slots[s].frame), page_address(page), PAGE_SIZE);
	flags = spin_lock_irqsave(&swap_lock);
	cached = NULL;
	if (!slots[s].count) {
		cached = slot_release_locked(s); /* nothing mapped it any more */
	} else if (page_count(page) == 2 && !atomic_read(&page->mapcount)) {
		cached = page; /* ours and the cache's only: it may leave memory */
		slots[s].cache = NULL;
		swap_stats.swapped_out++;
	}
	spin_unlock_irqrestore(&swap_lock, flags);
	if (cached)
		put_page(cached);
	put_anon_vma(av);
	return 0;
}

int do_swap_page(struct vm_area_struct *vma, pmd_t *pmd, unsigned long addr, pte_t orig)
{
	unsigned long s = swap_pte_slot(orig), flags;
	struct page *page, *fresh = NULL;
	spinlock_t *ptl;
	pte_t *ptep;

	flags = spin_lock_irqsave(&swap_lock);
	page = slots[s].used ? slots[s].cache : NULL;
	if (page)
		get_page(page);
	spin_unlock_irqrestore(&swap_lock, flags);
	if (page) {
		stat_add(&swap_stats.cache_hits, 1);
	} else {
		fresh = alloc_page(GFP_KERNEL | __GFP_NOWARN);
		if (!fresh)
			return -ENOMEM;
		memcpy(page_address(fresh), page_address(slots[s].frame), PAGE_SIZE);
		fresh->mapping = slots[s].mapping;
		fresh->index = slots[s].index;
		flags = spin_lock_irqsave(&swap_lock);
		if (slots[s].used && slots[s].cache) { /* another fault was quicker */
			page = slots[s].cache;
			get_page(page);
		} else if (slots[s].used) {
			page = fresh;
			fresh = NULL;
			get_page(page); /* the cache's reference; ours becomes the PTE's */
			slots[s].cache = page;
			stat_add(&swap_stats.swapped_in, 1);
		}
		spin_unlock_irqrestore(&swap_lock, flags);
		if (fresh) {
			fresh->mapping = NULL;
			put_page(fresh);
		}
		if (!page)
			return -EAGAIN; /* the slot went: the entry did too, fault again */
	}
	ptep = pte_offset_map_lock(pmd, addr, &ptl);
	if (!pte_same(ptep_get(ptep), orig)) {
		spin_unlock(ptl);
		put_page(page);
		return -EAGAIN;
	}
	/* Read-only: other entries of the slot (or the cache) may still share this page, so the
	 * first write copies it (the reuse test sees the cache's reference while the slot lives).
	 */
	set_pte_at(vma->vm_mm, addr, ptep,
		   pte_wrprotect(pfn_pte(page_to_pfn(page), READ_ONCE(vma->vm_flags))));
	atomic_add_return(&page->mapcount, 1);
	spin_unlock(ptl);
	swap_free_entry(s);
	return 0;
}
