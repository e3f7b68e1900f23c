/*
 * Physical frames and the page allocator (DESIGN PG-1, PG-2; kernel/mm/page_alloc.c).
 *
 * Invariants:
 *   - Every frame of RAM below MM_PHYS_LIMIT has one struct page in mem_map[]; frames in holes
 *     between RAM regions have one too, marked PG_reserved.
 *   - A frame is in exactly one state: reserved (never handed out: firmware, the kernel image,
 *     mem_map itself, frame 0), free (in the buddy allocator: the first frame of each free block
 *     carries PG_buddy and the block's order, refcount 0), or allocated (refcount >= 1).
 *   - A free or allocated block of order k starts at a frame number that is a multiple of 2^k.
 *
 * RAM is identity-mapped on every port today (virtual == physical), so the page <-> address
 * conversions below are arithmetic; a higher-half kernel changes only them.
 */
#ifndef MICA_MM_H
#define MICA_MM_H

#include <mica/atomic.h>
#include <mica/bootinfo.h>
#include <mica/list.h>
#include <mica/types.h>

#ifndef PAGE_SHIFT
#define PAGE_SHIFT 12
#endif
#define PAGE_SIZE (1UL << PAGE_SHIFT)
#define PAGE_MASK (~(PAGE_SIZE - 1))

/* Orders 0..MAX_ORDER-1: the largest block is 2^10 frames = 4 MiB. */
#define MAX_ORDER 11

/* Only RAM below 4 GiB is used, on every port: x86's head.S maps only the low 4 GiB and ARMv7
 * cannot address more without LPAE. Frames above are reported at boot and ignored. */
#define MM_PHYS_LIMIT (4ULL << 30)

/* struct page: kept to seven words. */
struct page {
	unsigned long flags; /* PG_* bits; bits 8..15: the block's order (PG_buddy or head) */
	atomic_t refcount;   /* 0 = free; the allocator hands out blocks with 1 */
	atomic_t mapcount;   /* PTEs mapping this frame (user pages) */
	void *mapping;	     /* anon_vma | PAGE_MAPPING_ANON, shmem_object | PAGE_MAPPING_SHMEM;
			      * a slab page: its kmem_cache */
	unsigned long index; /* anonymous page: linear page offset in its VMA */
	union {
		struct list_head lru; /* guarded by the buddy lock while PG_buddy; by the LRU
				       * lock while PG_lru (kernel/mm/vmscan.c) */
		void *ptl;	      /* PG_pgtable of PTEs: its split lock (a spinlock_t) */
	};
	unsigned long private; /* PG_swapcache: its swap slot (<mica/swap.h>) */
};

#define PG_reserved 0x01UL	/* never handed out */
#define PG_buddy 0x02UL		/* first frame of a free block */
#define PG_slab 0x04UL		/* part of a slab (kernel/mm/slab.c) */
#define PG_kmalloc_large 0x08UL /* first frame of a kmalloc() bigger than the largest cache */
#define PG_pgtable 0x10UL	/* a page-table page of some mm (kernel/mm/pgtable.c) */
#define PG_migrating 0x20UL	/* being moved to another frame (kernel/mm/migrate.c) */
/* These three, like PG_migrating, change while the page is in use: page_set_flags() and
 * page_clear_flags() (below), never plain writes. */
#define PG_lru 0x40UL	    /* on the anonymous LRU (kernel/mm/vmscan.c) */
#define PG_swapcache 0x80UL /* has a swap slot whose copy it matches unless dirty */
#define PG_dirty 0x10000UL  /* may differ from its slot although no PTE says dirty */
#define PG_ORDER_SHIFT 8
#define PG_ORDER_MASK (0xffUL << PG_ORDER_SHIFT)
#define PAGE_MAPPING_ANON 0x1UL
#define PAGE_MAPPING_SHMEM 0x2UL /* <mica/shmem.h>: cleared with mapping when the page is freed */

/* Set / clear flags of a page in use (PG_migrating, PG_lru, PG_swapcache, PG_dirty: several
 * CPUs may change its flags at once). Setting returns the flags before, for test-and-set;
 * it acquires and clearing releases, so a flag can guard what is done under it. */
static inline unsigned long page_set_flags(struct page *p, unsigned long f)
{
	return __atomic_fetch_or(&p->flags, f, __ATOMIC_ACQ_REL);
}
static inline void page_clear_flags(struct page *p, unsigned long f)
{
	__atomic_fetch_and(&p->flags, ~f, __ATOMIC_RELEASE);
}

static inline unsigned page_order(const struct page *p)
{
	return (p->flags & PG_ORDER_MASK) >> PG_ORDER_SHIFT;
}

/* Allocation flags (PG-2). */
typedef unsigned gfp_t;
#define __GFP_WAIT 0x1u	  /* the caller may sleep (checked with might_sleep()) */
#define __GFP_NOWARN 0x2u /* no console line when the allocation fails */
#define __GFP_ZERO 0x4u	  /* hand the memory out zeroed */
#define GFP_KERNEL __GFP_WAIT
#define GFP_NOWAIT 0u /* never sleeps: interrupt handlers, spinlocks held */

/* The memory map and where it starts; the only place that knows the virtual layout. */
extern struct page *mem_map;
extern unsigned long mem_map_first_pfn, mem_map_end_pfn;

static inline unsigned long page_to_pfn(const struct page *p)
{
	return mem_map_first_pfn + (unsigned long)(p - mem_map);
}
static inline struct page *pfn_to_page(unsigned long pfn)
{
	return &mem_map[pfn - mem_map_first_pfn];
}
static inline bool pfn_valid(unsigned long pfn)
{
	return pfn >= mem_map_first_pfn && pfn < mem_map_end_pfn;
}
static inline phys_addr_t page_to_phys(const struct page *p)
{
	return (phys_addr_t)page_to_pfn(p) << PAGE_SHIFT;
}
static inline void *page_to_virt(const struct page *p)
{
	return (void *)(unsigned long)page_to_phys(p); /* identity map */
}
#define page_address(p) page_to_virt(p)
static inline unsigned long virt_to_pfn(const void *v)
{
	return (unsigned long)v >> PAGE_SHIFT; /* identity map */
}
/* The page of a kernel address, or NULL if no struct page covers it. */
static inline struct page *virt_to_page(const void *v)
{
	unsigned long pfn = virt_to_pfn(v);

	return pfn_valid(pfn) ? pfn_to_page(pfn) : NULL;
}

/* Builds mem_map from bi's RAM and reserved regions and frees every usable frame; then the
 * kmalloc caches. Boot CPU, once, before anything allocates. */
void mm_init(const struct boot_info *bi);

/* Returns 2^order contiguous frames with refcount 1, or NULL (one warning line naming the
 * order and the caller unless __GFP_NOWARN). GFP_NOWAIT allocations are safe in any context. */
struct page *alloc_pages(gfp_t gfp, unsigned order);
struct page *__alloc_pages(gfp_t gfp, unsigned order, void *caller);
/* Frees a block alloc_pages() returned, with its order. The caller must hold the only
 * reference; anything else (double free, wrong order, misaligned, reserved) panics. */
void free_pages(struct page *p, unsigned order);
#define alloc_page(gfp) alloc_pages(gfp, 0)
#define free_page(p) free_pages(p, 0)
/* One zeroed frame's address, or NULL; free with free_page(virt_to_page(addr)). */
void *get_zeroed_page(gfp_t gfp);

/* References: the block is freed when the last one is dropped. */
static inline void get_page(struct page *p)
{
	atomic_inc(&p->refcount);
}
void put_page(struct page *p);
/*
 * Takes a reference unless the page is free (count 0), for a walker that found the page with
 * no lock (gup_fast): it may be racing with the last put_page(). True if the reference was
 * taken; the caller must then check the page is still the one it meant (the PTE it came from
 * is unchanged), and put_page() it if not. Taking it is a full barrier.
 */
static inline bool get_page_unless_zero(struct page *p)
{
	return atomic_inc_not_zero(&p->refcount);
}
static inline int page_count(const struct page *p)
{
	return atomic_read(&p->refcount);
}

unsigned long nr_free_pages(void);
unsigned long nr_managed_pages(void); /* frames the allocator was given at boot */
/* True if the frame lies in a range the allocator must never hand out (tests use it). */
bool mm_frame_reserved(unsigned long pfn);
/* Failures reported with a warning line since boot (tests read it). */
extern unsigned long alloc_fail_warnings;

/*
 * Fault injection (PG-2): make chosen alloc_pages() calls fail, so fallback paths get run.
 *   boot:  fail_alloc=every:N[,nowait]       every Nth allocation fails
 *          fail_alloc=after:N[,nowait]       every allocation after the first N fails
 *          fail_alloc=prob:P[:SEED][,nowait] each fails with probability P per mille (0..1000)
 *   ",nowait": only GFP_NOWAIT allocations (no __GFP_WAIT) are candidates (and counted).
 * An injected failure behaves exactly like a real one (NULL, a warning unless __GFP_NOWARN).
 */
enum fault_mode { FAULT_NONE, FAULT_EVERY, FAULT_AFTER, FAULT_PROB };
void fault_inject_set(enum fault_mode mode, unsigned long n, bool nowait_only, u32 seed);
void fault_inject_clear(void);
/* Parses the fail_alloc= syntax above. Returns 0 or -EINVAL (and sets nothing). */
int fault_inject_parse(const char *s);
unsigned long fault_inject_count(void); /* failures injected since boot */

#endif
