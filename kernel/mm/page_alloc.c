/*
 * The page allocator (DESIGN PG-1, PG-2): one struct page per frame in mem_map[], and a binary
 * buddy allocator over the usable frames. A free block of order k is 2^k frames starting at a
 * frame number divisible by 2^k; its buddy is the block whose number differs only in bit k.
 * Allocation takes the smallest free block big enough and splits it, handing the upper halves
 * back to the free lists; freeing merges a block with its buddy for as long as the buddy is
 * free and of the same order (Knuth, TAOCP vol. 1, 2.5 "Dynamic Storage Allocation").
 *
 * Locking: one spinlock, taken with interrupts masked, since GFP_NOWAIT allocations may come
 * from interrupt handlers.
 */
#include <mica/cmdline.h>
#include <mica/errno.h>
#include <mica/mm.h>
#include <mica/panic.h>
#include <mica/preempt.h>
#include <mica/printk.h>
#include <mica/spinlock.h>
#include <mica/string.h>
#include <mica/swap.h>
#include <mica/tlb_model.h>
#include <mica/vmscan.h>

#include "mm_internal.h"

struct page *mem_map;
unsigned long mem_map_first_pfn, mem_map_end_pfn;
unsigned long alloc_fail_warnings;

static struct {
	spinlock_t lock;
	struct list_head free[MAX_ORDER]; /* guarded by lock: first pages of free blocks */
	unsigned long nr_free[MAX_ORDER]; /* guarded by lock: blocks on each list */
	unsigned long free_pages;	  /* guarded by lock (read without it) */
	unsigned long managed_pages;	  /* set once at boot */
} buddy = { .lock = SPINLOCK_INIT(buddy.lock) };

static void set_order(struct page *p, unsigned order)
{
	p->flags = (p->flags & ~PG_ORDER_MASK) | ((unsigned long)order << PG_ORDER_SHIFT);
}

/* Puts a free block on its list. Caller holds buddy.lock. */
static void add_free_block(struct page *p, unsigned order)
{
	p->flags |= PG_buddy;
	set_order(p, order);
	list_add(&p->lru, &buddy.free[order]);
	buddy.nr_free[order]++;
}

static void del_free_block(struct page *p, unsigned order)
{
	list_del_init(&p->lru);
	p->flags &= ~PG_buddy;
	set_order(p, 0);
	buddy.nr_free[order]--;
}

/* Frees a block, merging it with free buddies. Caller holds buddy.lock. */
static void free_block_locked(struct page *p, unsigned order)
{
	unsigned long pfn = page_to_pfn(p);

	buddy.free_pages += 1UL << order;
	while (order < MAX_ORDER - 1) {
		unsigned long bpfn = pfn ^ (1UL << order);
		struct page *b;

		if (!pfn_valid(bpfn))
			break;
		b = pfn_to_page(bpfn);
		if (!(b->flags & PG_buddy) || page_order(b) != order)
			break;
		del_free_block(b, order);
		pfn &= ~(1UL << order);
		order++;
	}
	add_free_block(pfn_to_page(pfn), order);
}

/* Takes a block of exactly `order` frames, splitting a bigger one. Caller holds buddy.lock.
 * Returns NULL if no block is big enough. */
static struct page *take_block_locked(unsigned order)
{
	unsigned o = order;
	struct page *p;

	while (o < MAX_ORDER && list_empty(&buddy.free[o]))
		o++;
	if (o == MAX_ORDER)
		return NULL;
	p = list_first_entry(&buddy.free[o], struct page, lru);
	del_free_block(p, o);
	while (o > order) { /* hand back the upper half each time */
		o--;
		add_free_block(p + (1UL << o), o);
	}
	buddy.free_pages -= 1UL << order;
	return p;
}

static struct page *take_block(unsigned order)
{
	unsigned long flags = spin_lock_irqsave(&buddy.lock);
	struct page *p = take_block_locked(order);

	spin_unlock_irqrestore(&buddy.lock, flags);
	return p;
}

/* Reclaim rounds a sleeping allocation makes when it finds no block before it gives up. */
#define ALLOC_RECLAIM_TRIES 8
#define RECLAIM_BATCH 32UL /* pages freed per round: a few swap-outs' worth of work */

struct page *__alloc_pages(gfp_t gfp, unsigned order, void *caller)
{
	struct page *p = NULL;
	bool may_reclaim = (gfp & __GFP_WAIT) && READ_ONCE(reclaim_stats.lru_pages);

	if (gfp & __GFP_WAIT)
		might_sleep();
	if (order >= MAX_ORDER)
		panic("alloc_pages: order %u (largest is %u)", order, MAX_ORDER - 1);
	if (!fault_should_fail(gfp)) {
		/* Below the low watermark a sleeping allocation makes room first, so that the
		 * ones that cannot sleep (interrupts, gather batches) still find frames. */
		if (may_reclaim && nr_free_pages() < reclaim_low_watermark() + (1UL << order))
			reclaim_pages(RECLAIM_BATCH);
		p = take_block(order);
		for (unsigned i = 0; !p && may_reclaim && i < ALLOC_RECLAIM_TRIES; i++) {
			stat_add(&reclaim_stats.alloc_stalls, 1);
			if (!reclaim_pages(RECLAIM_BATCH << order) && i)
				break; /* nothing to reclaim twice: out of memory */
			p = take_block(order);
		}
	}
	if (!p) {
		if (!(gfp & __GFP_NOWARN)) {
			__atomic_add_fetch(&alloc_fail_warnings, 1, __ATOMIC_RELAXED);
			pr_warn("alloc_pages: order %u failed (gfp 0x%x), caller %pS", order, gfp,
				caller);
		}
		return NULL;
	}
	set_order(p, order);
	atomic_set(&p->refcount, 1);
	if (gfp & __GFP_ZERO)
		memset(page_address(p), 0, PAGE_SIZE << order);
	return p;
}

struct page *alloc_pages(gfp_t gfp, unsigned order)
{
	return __alloc_pages(gfp, order, __builtin_return_address(0));
}

void *get_zeroed_page(gfp_t gfp)
{
	struct page *p = __alloc_pages(gfp | __GFP_ZERO, 0, __builtin_return_address(0));

	return p ? page_address(p) : NULL;
}

/* Checks a block the caller is giving back; panics with the reason if it cannot be free. */
static void check_free(struct page *p, unsigned order)
{
	unsigned long pfn;

	if (p < mem_map || p >= mem_map + (mem_map_end_pfn - mem_map_first_pfn))
		panic("free_pages: %p is not a struct page", p);
	pfn = page_to_pfn(p);
	if (order >= MAX_ORDER || (pfn & ((1UL << order) - 1)))
		panic("free_pages: frame 0x%lx misaligned for order %u", pfn, order);
	if (p->flags & PG_reserved)
		panic("free_pages: frame 0x%lx is reserved", pfn);
	if (p->flags & PG_buddy)
		panic("free_pages: double free of frame 0x%lx", pfn);
	if (page_order(p) != order)
		panic("free_pages: frame 0x%lx freed as order %u, allocated as order %u", pfn,
		      order, page_order(p));
	if (p->flags & (PG_slab | PG_kmalloc_large))
		panic("free_pages: frame 0x%lx still belongs to the slab allocator", pfn);
	if (p->flags & PG_pgtable)
		panic("free_pages: frame 0x%lx is still a page table", pfn);
	if (atomic_read(&p->mapcount))
		panic("free_pages: frame 0x%lx still mapped %d times", pfn,
		      atomic_read(&p->mapcount));
	tlb_model_check_free(p, order); /* TLB-6: no CPU may still reach it */
}

static void release_block(struct page *p, unsigned order)
{
	unsigned long flags;

	p->mapping = NULL;
	p->index = 0;
	flags = spin_lock_irqsave(&buddy.lock);
	free_block_locked(p, order);
	spin_unlock_irqrestore(&buddy.lock, flags);
}

/* A user page leaving memory leaves the LRU and its swap slot's cache too. */
static void release_user_page(struct page *p)
{
	if (p->flags & PG_lru)
		lru_page_freed(p);
	if (p->flags & (PG_swapcache | PG_dirty))
		swap_cache_page_freed(p);
}

void free_pages(struct page *p, unsigned order)
{
	int refs;

	release_user_page(p);
	check_free(p, order);
	/* The caller's reference must be the only one: 1 -> 0 here, atomically, so a racing
	 * second free_pages() sees 0 and panics instead of freeing twice. */
	refs = atomic_add_return(&p->refcount, -1);
	if (refs != 0)
		panic("free_pages: frame 0x%lx has refcount %d after the free (%s)", page_to_pfn(p),
		      refs, refs < 0 ? "double free" : "still referenced");
	release_block(p, order);
}

void put_page(struct page *p)
{
	int refs = atomic_add_return(&p->refcount, -1);

	if (refs < 0)
		panic("put_page: frame 0x%lx refcount went negative", page_to_pfn(p));
	if (refs == 0) {
		release_user_page(p);
		check_free(p, page_order(p));
		release_block(p, page_order(p));
	}
}

unsigned long nr_free_pages(void)
{
	return READ_ONCE(buddy.free_pages);
}

unsigned long nr_managed_pages(void)
{
	return buddy.managed_pages;
}

/* ---- boot: build mem_map and free every usable frame ---- */

#define MAX_HOLES (MAX_MEM_REGIONS + 3)

struct range {
	phys_addr_t start, end;
};

/* RAM the allocator must never hand out: firmware's, the kernel image, frame 0 (its address
 * would be NULL), and once placed, mem_map itself. */
static struct range holes[MAX_HOLES];
static unsigned nholes;

static void add_hole(phys_addr_t start, phys_addr_t end)
{
	if (nholes == MAX_HOLES)
		panic("mm_init: too many reserved ranges");
	holes[nholes++] = (struct range){ start, end };
}

/* Returns the end of a hole overlapping [start, end), or 0 if none does. */
static phys_addr_t overlaps_hole(phys_addr_t start, phys_addr_t end)
{
	for (unsigned i = 0; i < nholes; i++)
		if (start < holes[i].end && holes[i].start < end)
			return holes[i].end;
	return 0;
}

bool mm_frame_reserved(unsigned long pfn)
{
	phys_addr_t pa = (phys_addr_t)pfn << PAGE_SHIFT;

	return overlaps_hole(pa, pa + PAGE_SIZE) != 0;
}

/* Finds `size` bytes of page-aligned RAM below MM_PHYS_LIMIT clear of every hole. */
static phys_addr_t place_mem_map(const struct boot_info *bi, u64 size)
{
	for (unsigned i = 0; i < bi->nmem; i++) {
		phys_addr_t pos = ALIGN_UP(bi->mem[i].base, (phys_addr_t)PAGE_SIZE);
		phys_addr_t end = MIN(bi->mem[i].base + bi->mem[i].size, MM_PHYS_LIMIT);
		phys_addr_t skip;

		while (pos + size <= end) {
			skip = overlaps_hole(pos, pos + size);
			if (!skip)
				return pos;
			pos = ALIGN_UP(skip, (phys_addr_t)PAGE_SIZE);
		}
	}
	panic("mm_init: no room for mem_map (%llu bytes)", (unsigned long long)size);
}

/* Sets mem_map's bounds from the RAM regions, clipped to MM_PHYS_LIMIT. */
static void size_mem_map(const struct boot_info *bi)
{
	phys_addr_t lo = MM_PHYS_LIMIT, hi = 0;

	for (unsigned i = 0; i < bi->nmem; i++) {
		phys_addr_t s = bi->mem[i].base, e = s + bi->mem[i].size;

		if (e > MM_PHYS_LIMIT) {
			pr_warn("mm: RAM [0x%llx-0x%llx) above 4 GiB is not used",
				(unsigned long long)MAX(s, MM_PHYS_LIMIT), (unsigned long long)e);
			e = MM_PHYS_LIMIT;
		}
		if (s >= e)
			continue;
		lo = MIN(lo, s);
		hi = MAX(hi, e);
	}
	if (lo >= hi)
		panic("mm_init: no RAM below 4 GiB");
	mem_map_first_pfn = (unsigned long)(lo >> PAGE_SHIFT);
	mem_map_end_pfn = (unsigned long)((hi + PAGE_SIZE - 1) >> PAGE_SHIFT);
}

/* Hands every whole, hole-free frame of RAM region r to the buddy allocator. */
static void free_region(const struct mem_region *r)
{
	phys_addr_t s = ALIGN_UP(r->base, (phys_addr_t)PAGE_SIZE);
	phys_addr_t e = ALIGN_DOWN(MIN(r->base + r->size, MM_PHYS_LIMIT), (phys_addr_t)PAGE_SIZE);

	for (phys_addr_t pa = s; pa < e; pa += PAGE_SIZE) {
		struct page *p;

		if (overlaps_hole(pa, pa + PAGE_SIZE))
			continue;
		p = pfn_to_page((unsigned long)(pa >> PAGE_SHIFT));
		p->flags = 0;
		atomic_set(&p->refcount, 0);
		free_block_locked(p, 0);
		buddy.managed_pages++;
	}
}

void mm_init(const struct boot_info *bi)
{
	unsigned long npages, flags, swap_pages;
	phys_addr_t at, swap_at;
	u64 size;

	for (unsigned o = 0; o < MAX_ORDER; o++)
		list_init(&buddy.free[o]);
	size_mem_map(bi);
	for (unsigned i = 0; i < bi->nreserved; i++)
		add_hole(bi->reserved[i].base, bi->reserved[i].base + bi->reserved[i].size);
	add_hole(bi->kernel_start, bi->kernel_end);
	add_hole(0, PAGE_SIZE);
	swap_at = swap_reserve(bi, &swap_pages);
	if (swap_at)
		add_hole(swap_at, swap_at + ((phys_addr_t)swap_pages << PAGE_SHIFT));
	npages = mem_map_end_pfn - mem_map_first_pfn;
	size = ALIGN_UP((u64)npages * sizeof(struct page), (u64)PAGE_SIZE);
	at = place_mem_map(bi, size);
	add_hole(at, at + size);
	mem_map = (struct page *)(unsigned long)at; /* identity map */
	for (unsigned long i = 0; i < npages; i++) {
		mem_map[i] = (struct page){ .flags = PG_reserved, .refcount = ATOMIC_INIT(1) };
		list_init(&mem_map[i].lru);
	}
	flags = spin_lock_irqsave(&buddy.lock);
	for (unsigned i = 0; i < bi->nmem; i++)
		free_region(&bi->mem[i]);
	spin_unlock_irqrestore(&buddy.lock, flags);
	pr_info("mm: %lu pages of RAM, %lu free, mem_map at 0x%llx (%llu KiB)", npages,
		nr_free_pages(), (unsigned long long)at, (unsigned long long)(size >> 10));
	fault_inject_boot();
	kmalloc_init();
}
