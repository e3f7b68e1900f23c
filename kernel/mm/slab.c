/*
 * The slab allocator (DESIGN PG-3): object caches over the page allocator, and kmalloc() over
 * power-of-two caches. Rules, the TYPESAFE_BY_RCU contract and the layout: include/mica/slab.h.
 *
 * Every frame of a slab carries PG_slab and mapping = its cache; since a slab of order k is a
 * buddy block, it starts at an address aligned to PAGE_SIZE << k, so an object's slab header
 * is found by rounding its address down.
 */
#include <mica/mm.h>
#include <mica/panic.h>
#include <mica/preempt.h>
#include <mica/printk.h>
#include <mica/rcu.h>
#include <mica/slab.h>
#include <mica/string.h>

#include "mm_internal.h"

/* The header at the start of every slab. Not part of any object, so a TYPESAFE_BY_RCU reader
 * never looks at it, and its rcu_head may be written after the last object was freed. */
struct slab {
	struct kmem_cache *cache;
	struct list_head link; /* on cache->partial or cache->full, guarded by cache->lock */
	void *freelist;	       /* guarded by cache->lock */
	unsigned inuse;	       /* guarded by cache->lock */
	struct rcu_head rcu;   /* TYPESAFE_BY_RCU: frees the frames after a grace period */
};

#define SLAB_MAX_ORDER 3
#define SLAB_MIN_OBJS 8

static struct kmem_cache kmalloc_caches[8]; /* 16, 32, ..., 2048 */
static struct kmem_cache cache_cache;	    /* where kmem_cache_create() gets caches from */

static void **free_ptr(const struct kmem_cache *c, void *obj)
{
	return (void **)((char *)obj + c->free_off);
}

static struct slab *obj_to_slab(const struct kmem_cache *c, const void *obj)
{
	return (struct slab *)ALIGN_DOWN((unsigned long)obj, PAGE_SIZE << c->order);
}

/* Fills in the layout of a cache. Returns false if an object cannot fit a slab. */
static bool cache_setup(struct kmem_cache *c, const char *name, unsigned size, unsigned align,
			unsigned flags)
{
	if (!align)
		align = sizeof(void *);
	if (!size || (align & (align - 1)) || align > PAGE_SIZE)
		return false;
	*c = (struct kmem_cache){ .name = name, .size = size, .flags = flags };
	spin_lock_init(&c->lock);
	list_init(&c->partial);
	list_init(&c->full);
	/* Keep the free pointer out of the object when readers may look at freed ones. */
	c->free_off = (flags & SLAB_TYPESAFE_BY_RCU) ? ALIGN_UP(size, sizeof(void *)) : 0;
	c->stride = ALIGN_UP(MAX(size, (unsigned)sizeof(void *)) +
				 ((flags & SLAB_TYPESAFE_BY_RCU) ? sizeof(void *) : 0),
			     align);
	c->first_off = ALIGN_UP((unsigned)sizeof(struct slab), align);
	for (c->order = 0; c->order <= SLAB_MAX_ORDER; c->order++) {
		c->objs_per_slab = ((PAGE_SIZE << c->order) - c->first_off) / c->stride;
		if (c->objs_per_slab >= SLAB_MIN_OBJS)
			return true;
	}
	c->order = SLAB_MAX_ORDER;
	c->objs_per_slab = ((PAGE_SIZE << c->order) - c->first_off) / c->stride;
	return c->objs_per_slab > 0;
}

/* Gets a new slab from the page allocator, every object free. Returns NULL if none. */
static struct slab *slab_new(struct kmem_cache *c, gfp_t gfp, void *caller)
{
	struct page *p = __alloc_pages(gfp & ~__GFP_ZERO, c->order, caller);
	struct slab *s;
	char *obj;

	if (!p)
		return NULL;
	for (unsigned i = 0; i < 1u << c->order; i++) {
		p[i].flags |= PG_slab;
		p[i].mapping = c;
	}
	s = page_address(p);
	s->cache = c;
	s->inuse = 0;
	s->freelist = NULL;
	obj = (char *)s + c->first_off + (c->objs_per_slab - 1) * c->stride;
	for (unsigned i = 0; i < c->objs_per_slab; i++, obj -= c->stride) {
		if (c->ctor)
			c->ctor(obj);
		*free_ptr(c, obj) = s->freelist;
		s->freelist = obj;
	}
	return s;
}

static void slab_free_pages(struct kmem_cache *c, struct slab *s)
{
	struct page *p = virt_to_page(s);

	for (unsigned i = 0; i < 1u << c->order; i++) {
		p[i].flags &= ~PG_slab;
		p[i].mapping = NULL;
	}
	free_pages(p, c->order);
}

static void slab_free_rcu(struct rcu_head *head)
{
	struct slab *s = container_of(head, struct slab, rcu);

	slab_free_pages(s->cache, s);
}

/* Gives an empty slab's frames back, after a grace period for TYPESAFE_BY_RCU caches. */
static void slab_release(struct kmem_cache *c, struct slab *s)
{
	if (c->flags & SLAB_TYPESAFE_BY_RCU)
		call_rcu(&s->rcu, slab_free_rcu);
	else
		slab_free_pages(c, s);
}

/* Takes an object from the first partial slab. Caller holds c->lock; a partial slab exists. */
static void *take_obj_locked(struct kmem_cache *c)
{
	struct slab *s = list_first_entry(&c->partial, struct slab, link);
	void *obj = s->freelist;

	s->freelist = *free_ptr(c, obj);
	if (s->inuse++ == 0)
		c->nr_empty--;
	if (!s->freelist) {
		list_del_init(&s->link);
		list_add(&s->link, &c->full);
	}
	c->nr_objs++;
	return obj;
}

static void *cache_alloc(struct kmem_cache *c, gfp_t gfp, void *caller)
{
	unsigned long flags;
	struct slab *s;
	void *obj;

	if (gfp & __GFP_WAIT)
		might_sleep();
	flags = spin_lock_irqsave(&c->lock);
	if (list_empty(&c->partial)) {
		spin_unlock_irqrestore(&c->lock, flags);
		s = slab_new(c, gfp, caller); /* outside the lock: GFP_KERNEL may sleep */
		if (!s)
			return NULL;
		flags = spin_lock_irqsave(&c->lock);
		list_add(&s->link, &c->partial);
		c->nr_slabs++;
		c->nr_empty++;
	}
	obj = take_obj_locked(c);
	spin_unlock_irqrestore(&c->lock, flags);
	if (gfp & __GFP_ZERO)
		memset(obj, 0, c->size);
	return obj;
}

void *kmem_cache_alloc(struct kmem_cache *c, gfp_t gfp)
{
	return cache_alloc(c, gfp, __builtin_return_address(0));
}

/* Checks that obj is the start of an object of cache c; panics with who and why if not. */
static void check_obj(const char *who, struct kmem_cache *c, const void *obj)
{
	struct page *p = virt_to_page(obj);
	unsigned long off;

	if (!p || !(p->flags & PG_slab))
		panic("%s: %p is not slab memory", who, obj);
	if (p->mapping != c)
		panic("%s: %p belongs to cache %s, not %s", who, obj,
		      ((struct kmem_cache *)p->mapping)->name, c->name);
	off = (unsigned long)obj - (unsigned long)obj_to_slab(c, obj);
	if (off < c->first_off || (off - c->first_off) % c->stride ||
	    (off - c->first_off) / c->stride >= c->objs_per_slab)
		panic("%s: %p is not the start of a %s object", who, obj, c->name);
}

void kmem_cache_free(struct kmem_cache *c, void *obj)
{
	struct slab *s = obj_to_slab(c, obj), *drop = NULL;
	unsigned long flags;

	check_obj("kmem_cache_free", c, obj);
	flags = spin_lock_irqsave(&c->lock);
	if (s->inuse == 0)
		panic("kmem_cache_free: %p freed twice (its %s slab is empty)", obj, c->name);
	*free_ptr(c, obj) = s->freelist;
	if (!s->freelist) { /* it was full */
		list_del_init(&s->link);
		list_add(&s->link, &c->partial);
	}
	s->freelist = obj;
	c->nr_objs--;
	if (--s->inuse == 0) {
		/* Keep one empty slab so a free/alloc pair does not cost two page operations. */
		if (c->nr_empty) {
			list_del_init(&s->link);
			c->nr_slabs--;
			drop = s;
		} else {
			c->nr_empty++;
		}
	}
	spin_unlock_irqrestore(&c->lock, flags);
	if (drop)
		slab_release(c, drop);
}

struct kmem_cache *kmem_cache_create(const char *name, unsigned size, unsigned align,
				     unsigned flags)
{
	return kmem_cache_create_ctor(name, size, align, flags, NULL);
}

struct kmem_cache *kmem_cache_create_ctor(const char *name, unsigned size, unsigned align,
					  unsigned flags, void (*ctor)(void *obj))
{
	struct kmem_cache tmp, *c;

	might_sleep();
	if (!cache_setup(&tmp, name, size, align, flags)) {
		pr_err("kmem_cache_create: %s: size %u align %u cannot be a slab cache", name, size,
		       align);
		return NULL;
	}
	c = kmem_cache_alloc(&cache_cache, GFP_KERNEL);
	if (!c)
		return NULL;
	cache_setup(c, name, size, align, flags); /* again in place: the lock's list links */
	c->ctor = ctor;
	return c;
}

void kmem_cache_destroy(struct kmem_cache *c)
{
	struct slab *s, *tmp;
	unsigned long flags;

	might_sleep();
	flags = spin_lock_irqsave(&c->lock);
	if (c->nr_objs || !list_empty(&c->full))
		panic("kmem_cache_destroy: %s has %lu objects in use", c->name, c->nr_objs);
	list_for_each_entry_safe(s, tmp, &c->partial, link)
	{
		list_del_init(&s->link);
		c->nr_slabs--;
		c->nr_empty--;
		spin_unlock_irqrestore(&c->lock, flags);
		slab_release(c, s);
		flags = spin_lock_irqsave(&c->lock);
	}
	spin_unlock_irqrestore(&c->lock, flags);
	if (c->flags & SLAB_TYPESAFE_BY_RCU)
		rcu_barrier(); /* the callbacks read c->order */
	kmem_cache_free(&cache_cache, c);
}

/* ---- kmalloc ---- */

/* The index of the smallest kmalloc cache that holds size bytes (size <= 2048). */
static unsigned kmalloc_index(size_t size)
{
	unsigned i = 0;

	while ((size_t)(KMALLOC_MIN << i) < size)
		i++;
	return i;
}

void *kmalloc(size_t size, gfp_t gfp)
{
	void *caller = __builtin_return_address(0);
	unsigned order = 0;
	struct page *p;

	if (!size)
		return NULL;
	if (size <= KMALLOC_MAX_CACHE)
		return cache_alloc(&kmalloc_caches[kmalloc_index(size)], gfp, caller);
	while ((PAGE_SIZE << order) < size)
		order++;
	if (order >= MAX_ORDER) {
		if (!(gfp & __GFP_NOWARN))
			pr_warn("kmalloc: %zu bytes is more than the largest block, caller %pS",
				size, caller);
		return NULL;
	}
	p = __alloc_pages(gfp, order, caller);
	if (!p)
		return NULL;
	p->flags |= PG_kmalloc_large;
	return page_address(p);
}

void kfree(const void *ptr)
{
	struct page *p;

	if (!ptr)
		return;
	p = virt_to_page(ptr);
	if (!p)
		panic("kfree: %p is outside RAM", ptr);
	if (p->flags & PG_slab) {
		struct kmem_cache *c = p->mapping;

		if (c < kmalloc_caches || c >= kmalloc_caches + ARRAY_SIZE(kmalloc_caches))
			panic("kfree: %p is from cache %s, not kmalloc", ptr, c->name);
		kmem_cache_free(c, (void *)ptr);
		return;
	}
	if (!(p->flags & PG_kmalloc_large) || ((unsigned long)ptr & ~PAGE_MASK))
		panic("kfree: %p is not from kmalloc (frame flags 0x%lx)", ptr, p->flags);
	p->flags &= ~PG_kmalloc_large;
	free_pages(p, page_order(p));
}

void kmalloc_init(void)
{
	static const char *const names[] = { "kmalloc-16",   "kmalloc-32",  "kmalloc-64",
					     "kmalloc-128",  "kmalloc-256", "kmalloc-512",
					     "kmalloc-1024", "kmalloc-2048" };

	BUILD_BUG_ON(ARRAY_SIZE(names) != ARRAY_SIZE(kmalloc_caches));
	BUILD_BUG_ON(KMALLOC_MIN << (ARRAY_SIZE(names) - 1) != KMALLOC_MAX_CACHE);
	for (unsigned i = 0; i < ARRAY_SIZE(kmalloc_caches); i++)
		if (!cache_setup(&kmalloc_caches[i], names[i], KMALLOC_MIN << i, 16, 0))
			panic("kmalloc_init: cannot set up %s", names[i]);
	if (!cache_setup(&cache_cache, "kmem_cache", sizeof(struct kmem_cache), 0, 0))
		panic("kmalloc_init: cannot set up the cache of caches");
}
