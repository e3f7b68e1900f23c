/*
 * Object caches and kmalloc (DESIGN PG-3; kernel/mm/slab.c).
 *
 * A cache hands out objects of one size from slabs: blocks of 2^order frames from the page
 * allocator, a small header (struct slab) first, then the objects, the free ones chained
 * through a free pointer. kmalloc() uses power-of-two caches from 16 to 2048 bytes; bigger
 * requests go straight to the page allocator (PG_kmalloc_large), and kfree() tells them apart
 * by the page flags.
 *
 * SLAB_TYPESAFE_BY_RCU: a freed object may be handed out again at once, but only as an object
 * of the same cache; the slab's frames go back to the page allocator only after an RCU grace
 * period. So a reader under rcu_read_lock() that found a pointer may read through it without a
 * fault and without reading some other type's data - but the object may have been freed and
 * reused meanwhile. The rule for users: take a reference (or the object's lock), then
 * re-verify that it is still the object you looked up (its key, its "alive" state); if not,
 * drop it and retry. The free pointer of such a cache lives after the object, so freeing
 * never overwrites a field a reader may check.
 */
#ifndef MICA_SLAB_H
#define MICA_SLAB_H

#include <mica/list.h>
#include <mica/mm.h>
#include <mica/spinlock.h>

#define SLAB_TYPESAFE_BY_RCU 0x1u

struct kmem_cache {
	const char *name;
	unsigned size;	    /* object size as asked */
	unsigned stride;    /* distance between objects */
	unsigned free_off;  /* offset of the free pointer in a free slot */
	unsigned first_off; /* offset of the first object in a slab */
	unsigned order;	    /* a slab is 2^order frames */
	unsigned objs_per_slab;
	unsigned flags; /* SLAB_* */
	spinlock_t lock;
	struct list_head partial; /* guarded by lock: slabs with a free object */
	struct list_head full;	  /* guarded by lock: slabs with none */
	unsigned long nr_slabs;	  /* guarded by lock */
	unsigned long nr_empty;	  /* guarded by lock: slabs with no object in use (kept: <= 1) */
	unsigned long nr_objs;	  /* guarded by lock: objects in use */
	void (*ctor)(void *obj);  /* run on each object when its slab is made, or NULL */
};

/* Creates a cache of size-byte objects aligned to align (0: pointer alignment). Returns NULL
 * if no memory. May sleep. */
struct kmem_cache *kmem_cache_create(const char *name, unsigned size, unsigned align,
				     unsigned flags);
/* The same, with a constructor run once on each object when its slab is made, not at each
 * allocation: what a SLAB_TYPESAFE_BY_RCU cache needs for fields (a lock, say) that a reader
 * may touch in an object freed and handed out again. */
struct kmem_cache *kmem_cache_create_ctor(const char *name, unsigned size, unsigned align,
					  unsigned flags, void (*ctor)(void *obj));
/* Frees an empty cache (panics if objects are still in use). May sleep. */
void kmem_cache_destroy(struct kmem_cache *c);
/* Returns an object, or NULL (warning unless __GFP_NOWARN). __GFP_ZERO zeroes it. */
void *kmem_cache_alloc(struct kmem_cache *c, gfp_t gfp);
void kmem_cache_free(struct kmem_cache *c, void *obj);

#define KMALLOC_MIN 16
#define KMALLOC_MAX_CACHE 2048
/* Returns size bytes (aligned to 16, or to the page for sizes above KMALLOC_MAX_CACHE), or NULL.
 * kmalloc(0) returns NULL. */
void *kmalloc(size_t size, gfp_t gfp);
/* Frees kmalloc memory; kfree(NULL) does nothing; anything else panics with the reason. */
void kfree(const void *p);

#endif
