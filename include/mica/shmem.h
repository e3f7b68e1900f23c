/*
 * Shared anonymous memory (mmap MAP_SHARED|MAP_ANONYMOUS; kernel/mm/shmem.c, book chapter
 * docs/mm-rmap.md, "Shared anonymous memory").
 *
 * A private anonymous page belongs to one process until fork shares it copy-on-write; a shared
 * page belongs to a *memory object*, and every process that maps the object sees the same
 * frame, written in place. The object is what fork and munmap pass around; its pages are found
 * by offset (the page array), and the VMAs that map it by its i_mmap list, which is what
 * rmap_walk() visits for a shared page (AV-8's other half).
 *
 *   page->mapping = the object | PAGE_MAPPING_SHMEM, page->index = its page offset in it
 *   vma->vm_shm   = the object, vma->vm_pgoff = the object offset of vma->vm_start
 *
 * Invariants (rmap_verify() checks them with the anonymous ones):
 *   1. A VMA with vm_shm is on vm_shm->i_mmap, and a mapped shared page is mapped only by
 *      VMAs of its object, at vma_address().
 *   2. Each VMA on i_mmap holds one reference on the object; the object holds one reference
 *      on each page of its array; the last object reference gives them back.
 *   3. A VMA leaves i_mmap after its PTEs are cleared and before its page tables are freed
 *      (<mica/rmap.h> invariant 4): a walker holding i_mmap_mutex walks the tables of every
 *      VMA on the list.
 *   4. vm_start, vm_end and vm_pgoff of a VMA on i_mmap change only under i_mmap_mutex
 *      (walkers compute addresses from them).
 *
 * Locks: mmap_lock -> i_mmap_mutex -> PTE lock; the object's page lock (a spinlock) nests
 * inside nothing and holds nothing.
 */
#ifndef MICA_SHMEM_H
#define MICA_SHMEM_H

#include <mica/atomic.h>
#include <mica/list.h>
#include <mica/mutex.h>
#include <mica/spinlock.h>
#include <mica/types.h>

struct page;
struct vm_area_struct;
struct mm_struct;

struct shmem_object {
	atomic_t refcount;	/* + each VMA on i_mmap, + the creator until mmap ends, + walkers */
	unsigned long nr_pages; /* its size; fixed at creation */
	spinlock_t page_lock;	/* guards pages[] */
	struct page **pages;	/* by page offset; NULL until first touched */
	struct mutex i_mmap_mutex; /* guards i_mmap and the VMAs' boundaries (invariant 4) */
	struct list_head i_mmap;   /* vm_area_struct.shared_link: every VMA mapping it */
};

void shmem_init(void);

/* A new object of nr_pages pages, none allocated yet, with one reference (the caller's), or
 * NULL if no memory. May sleep. */
struct shmem_object *shmem_create(unsigned long nr_pages);
void shmem_put(struct shmem_object *obj);

/* Maps a new object of len bytes at [start, start+len) of mm with VMA flags (VM_SHARED is
 * added): mmap's MAP_SHARED|MAP_ANONYMOUS. mmap_lock for write. 0, -EINVAL (bad range),
 * -EEXIST (something mapped there), -ENOMEM; on error nothing was mapped or allocated. */
int shmem_mmap(struct mm_struct *mm, unsigned long start, unsigned long len, unsigned long flags);

/* Puts vma on obj's i_mmap, taking a reference (a new VMA, a split's spare, a fork's copy).
 * vma's range and pgoff must already be what a walker may read. */
void shmem_link_vma(struct vm_area_struct *vma, struct shmem_object *obj);
/* Takes vma off its object's i_mmap and drops its reference (which may free the object and
 * its pages). After its PTEs are cleared, before its tables are freed (invariant 3). Does
 * nothing for a VMA without an object. */
void shmem_unlink_vma(struct vm_area_struct *vma);
/* Locks (unlocks) the i_mmap_mutex of vma's object, if it has one: around changes of vma's
 * start, end or pgoff (invariant 4). */
void shmem_lock_vma(struct vm_area_struct *vma);
void shmem_unlock_vma(struct vm_area_struct *vma);

/* The page at offset index of obj, allocated zeroed on first use, with a reference for the
 * caller; NULL if no memory. May sleep. */
struct page *shmem_get_page(struct shmem_object *obj, unsigned long index);

/* True if page belongs to a shmem object (page->mapping says so). */
bool page_is_shmem(struct page *page);
/* page's object with a reference (drop it with shmem_put()), or NULL if the page belongs to
 * no object any more. Safe against the object's death (its cache is type-safe by RCU). */
struct shmem_object *page_get_shmem(struct page *page);

/* rmap_walk() for a shared page: one(page, vma, addr, arg) for each VMA on its object's
 * i_mmap that covers page->index, under i_mmap_mutex. False if the page was not mapped. */
bool shmem_rmap_walk(struct page *page,
		     bool (*one)(struct page *page, struct vm_area_struct *vma, unsigned long addr,
				 void *arg),
		     void *arg);
/* True if vma is on obj's i_mmap (rmap_verify; takes i_mmap_mutex). */
bool shmem_maps_vma(struct shmem_object *obj, struct vm_area_struct *vma);

struct shmem_stats {
	unsigned long objects; /* alive now */
	unsigned long pages;   /* held by objects now */
};
extern struct shmem_stats shmem_stats;

#endif
