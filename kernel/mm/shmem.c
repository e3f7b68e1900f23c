/*
 * Shared anonymous memory: memory objects, their pages and their i_mmap lists (the model and
 * its invariants are in <mica/shmem.h>; book chapter docs/mm-rmap.md). Good breakpoints:
 * shmem_get_page (a first touch), shmem_link_vma / shmem_unlink_vma (a VMA joins or leaves),
 * shmem_rmap_walk (a walker arrives), shmem_free (the last reference).
 */
#include <mica/errno.h>
#include <mica/mm_types.h>
#include <mica/panic.h>
#include <mica/rcu.h>
#include <mica/rmap.h>
#include <mica/shmem.h>
#include <mica/slab.h>

#include "mm_internal.h"

static struct kmem_cache *shmem_cachep;
struct shmem_stats shmem_stats;

/* The cache is type-safe by RCU, like the anon_vma cache (AV-7): a walker that read an
 * object's address from page->mapping may find it freed and reused, but always as an object
 * whose refcount it may touch. So the refcount and the locks are set up once per object by
 * this constructor, and an allocation never re-initialises a lock a reader may hold. */
static void shmem_ctor(void *p)
{
	struct shmem_object *obj = p;

	atomic_set(&obj->refcount, 0);
	spin_lock_init(&obj->page_lock);
	mutex_init(&obj->i_mmap_mutex);
}

void shmem_init(void)
{
	shmem_cachep = kmem_cache_create_ctor("shmem_object", sizeof(struct shmem_object), 0,
					      SLAB_TYPESAFE_BY_RCU, shmem_ctor);
	if (!shmem_cachep)
		panic("shmem_init: no memory for the object cache");
}

struct shmem_object *shmem_create(unsigned long nr_pages)
{
	struct shmem_object *obj = kmem_cache_alloc(shmem_cachep, GFP_KERNEL | __GFP_NOWARN);

	if (!obj)
		return NULL;
	obj->pages =
	    kmalloc(nr_pages * sizeof(struct page *), GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN);
	if (!obj->pages) {
		kmem_cache_free(shmem_cachep, obj);
		return NULL;
	}
	obj->nr_pages = nr_pages;
	list_init(&obj->i_mmap);
	atomic_set(&obj->refcount, 1);
	stat_add(&shmem_stats.objects, 1);
	return obj;
}

/* The last reference: no VMA maps the object any more (each held one), so no PTE maps its
 * pages; a page some walker or gather still holds survives as a page of no object. */
static void shmem_free(struct shmem_object *obj)
{
	BUG_ON(!list_empty(&obj->i_mmap));
	for (unsigned long i = 0; i < obj->nr_pages; i++) {
		struct page *page = obj->pages[i];

		if (!page)
			continue;
		WRITE_ONCE(page->mapping, NULL); /* page_get_shmem() no longer finds obj */
		__atomic_sub_fetch(&shmem_stats.pages, 1, __ATOMIC_RELAXED);
		put_page(page);
	}
	kfree(obj->pages);
	__atomic_sub_fetch(&shmem_stats.objects, 1, __ATOMIC_RELAXED);
	kmem_cache_free(shmem_cachep, obj);
}

void shmem_put(struct shmem_object *obj)
{
	int refs = atomic_add_return(&obj->refcount, -1);

	if (refs < 0)
		panic("shmem_put: object %p refcount went negative", obj);
	if (refs == 0)
		shmem_free(obj);
}

/* A reference unless the object is already dying (refcount 0): a walker's way in. */
static bool shmem_tryget(struct shmem_object *obj)
{
	return atomic_inc_not_zero(&obj->refcount);
}

int shmem_mmap(struct mm_struct *mm, unsigned long start, unsigned long len, unsigned long flags)
{
	struct shmem_object *obj;
	int ret;

	if (!len || (len & ~PAGE_MASK))
		return -EINVAL;
	obj = shmem_create(len >> PAGE_SHIFT);
	if (!obj)
		return -ENOMEM;
	ret = vma_insert_shmem(mm, start, len, flags | VM_SHARED, obj);
	shmem_put(obj); /* the VMA holds its own, if it was made; else this frees obj */
	return ret;
}

void shmem_link_vma(struct vm_area_struct *vma, struct shmem_object *obj)
{
	atomic_inc(&obj->refcount);
	vma->vm_shm = obj;
	mutex_lock(&obj->i_mmap_mutex);
	list_add_tail(&vma->shared_link, &obj->i_mmap);
	mutex_unlock(&obj->i_mmap_mutex);
}

void shmem_unlink_vma(struct vm_area_struct *vma)
{
	struct shmem_object *obj = vma->vm_shm;

	if (!obj)
		return;
	mutex_lock(&obj->i_mmap_mutex);
	list_del_init(&vma->shared_link);
	mutex_unlock(&obj->i_mmap_mutex);
	vma->vm_shm = NULL;
	shmem_put(obj); /* after the unlock: it may free the mutex's object */
}

void shmem_lock_vma(struct vm_area_struct *vma)
{
	if (vma->vm_shm)
		mutex_lock(&vma->vm_shm->i_mmap_mutex);
}

void shmem_unlock_vma(struct vm_area_struct *vma)
{
	if (vma->vm_shm)
		mutex_unlock(&vma->vm_shm->i_mmap_mutex);
}

struct page *shmem_get_page(struct shmem_object *obj, unsigned long index)
{
	struct page *page, *new;

	if (index >= obj->nr_pages)
		panic("shmem_get_page: offset %lu past the object's %lu pages", index,
		      obj->nr_pages);
	spin_lock(&obj->page_lock);
	page = obj->pages[index];
	if (page)
		get_page(page);
	spin_unlock(&obj->page_lock);
	if (page)
		return page;
	/* First touch: allocate outside the lock (it may sleep), then install unless another
	 * process's fault installed one meanwhile. */
	new = alloc_page(GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN);
	if (!new)
		return NULL;
	spin_lock(&obj->page_lock);
	page = obj->pages[index];
	if (!page) {
		new->index = index;
		new->mapping = (void *)((unsigned long)obj | PAGE_MAPPING_SHMEM);
		page = obj->pages[index] = new; /* the allocation's reference is the object's */
		new = NULL;
		stat_add(&shmem_stats.pages, 1);
	}
	get_page(page); /* the caller's */
	spin_unlock(&obj->page_lock);
	if (new)
		put_page(new);
	return page;
}

bool page_is_shmem(struct page *page)
{
	return (unsigned long)READ_ONCE(page->mapping) & PAGE_MAPPING_SHMEM;
}

/* The object may die between our read of page->mapping and our reference; the memory then
 * is still an object (type-safe by RCU), and a dying one has refcount 0, which shmem_tryget
 * refuses. If we got a reference, page->mapping must still name it: shmem_free() clears the
 * mapping of every page before an object's memory can be reused, so the same value now means
 * the page belongs to this (live) object. */
struct shmem_object *page_get_shmem(struct page *page)
{
	unsigned long m;
	struct shmem_object *obj;

	rcu_read_lock();
	m = (unsigned long)READ_ONCE(page->mapping);
	obj = (struct shmem_object *)(m & ~PAGE_MAPPING_SHMEM);
	if (!(m & PAGE_MAPPING_SHMEM) || !shmem_tryget(obj)) {
		rcu_read_unlock();
		return NULL;
	}
	rcu_read_unlock();
	if ((unsigned long)READ_ONCE(page->mapping) != m) {
		shmem_put(obj);
		return NULL;
	}
	return obj;
}

bool shmem_rmap_walk(struct page *page,
		     bool (*one)(struct page *page, struct vm_area_struct *vma, unsigned long addr,
				 void *arg),
		     void *arg)
{
	struct shmem_object *obj;
	struct vm_area_struct *vma;

	if (atomic_read(&page->mapcount) <= 0)
		return false;
	obj = page_get_shmem(page);
	if (!obj)
		return false;
	/* Every VMA on i_mmap has its page tables (invariant 3) and fixed boundaries
	 * (invariant 4) while we hold the mutex. */
	mutex_lock(&obj->i_mmap_mutex);
	list_for_each_entry(vma, &obj->i_mmap, shared_link)
	{
		unsigned long addr = vma_address(page, vma);

		if (addr == (unsigned long)-EFAULT)
			continue; /* maps another part of the object */
		if (!one(page, vma, addr, arg))
			break;
	}
	mutex_unlock(&obj->i_mmap_mutex);
	shmem_put(obj);
	return true;
}

bool shmem_maps_vma(struct shmem_object *obj, struct vm_area_struct *vma)
{
	struct vm_area_struct *v;
	bool found = false;

	mutex_lock(&obj->i_mmap_mutex);
	list_for_each_entry(v, &obj->i_mmap, shared_link) found |= v == vma;
	mutex_unlock(&obj->i_mmap_mutex);
	return found;
}
