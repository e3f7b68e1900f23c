/*
 * Address spaces and their VMAs (DESIGN VM-1; kernel/mm/vma.c, book chapter docs/mm-vma.md).
 *
 * An mm_struct is one address space; a vm_area_struct (VMA) is one run of pages [vm_start,
 * vm_end) in it with the same flags: the bookkeeping that says which addresses may be mapped
 * and how. The page tables (<mica/pgtable.h>) say what is mapped now: faults fill them in
 * (kernel/mm/memory.c), unmapping empties them through an mmu_gather (<mica/tlb.h>).
 *
 * Invariants (vma_verify() checks them all):
 *   - every VMA lies inside [USER_BASE, USER_TOP) (vma_insert() refuses others: -EINVAL);
 *   - mm->vmas is sorted by vm_start; VMAs never overlap; every vm_start/vm_end is page
 *     aligned and vm_start < vm_end;
 *   - no two adjacent VMAs are mergeable (vma_can_merge()): every change merges back;
 *   - mm->map_count is the number of VMAs on the list;
 *   - vm_pgoff is linear: for anonymous memory a VMA made at address A has pgoff A >> PAGE_SHIFT,
 *     for shared memory (vm_shm) it is the offset in the object (0 at mmap), and splitting
 *     keeps each page's pgoff (the upper half gets pgoff + pages below the cut).
 *
 * Locking: mm->mmap_lock held for write to change the list or any VMA, for read to look up.
 * Every function here checks it. Lock order (later): mmap_lock -> anon_vma lock -> PTE lock.
 *
 * Errors: -EINVAL (bad range), -EEXIST (insert over a mapped page), -ENOMEM (no memory, or
 * vma_protect over a hole, as mprotect). On any error nothing has changed: every function
 * allocates what it may need first, then commits without failing.
 */
#ifndef MICA_MM_TYPES_H
#define MICA_MM_TYPES_H

#include <mica/atomic.h>
#include <mica/list.h>
#include <mica/mm.h>
#include <mica/pgtable.h>
#include <mica/rwsem.h>
#include <mica/spinlock.h>
#include <mica/types.h>
#include <mica/vm_flags.h>

struct anon_vma;
struct shmem_object;

struct mm_struct {
	struct rw_semaphore mmap_lock;
	/* guarded by mmap_lock */
	struct list_head vmas; /* struct vm_area_struct.vm_list, sorted by vm_start */
	int map_count;	       /* VMAs on vmas */
	/* page tables (<mica/pgtable.h>): upper-level entries are installed under
	 * page_table_lock, PTEs under their table's split lock */
	pgd_t *pgd;		    /* top table; set at creation, freed by the last mm_put() */
	spinlock_t page_table_lock; /* installing tables below the top */
	/* atomic */
	atomic_t users;		   /* references; the last mm_put() unmaps everything */
	atomic_t count;		   /* references to the struct (all users together hold one);
				    * the last mm_drop() frees it and its top table */
	unsigned long cpumask;	   /* CPUs where it is or was active (bit n: CPU n) */
	unsigned long nr_pgtables; /* table pages below the top (atomic updates) */
	int gathers_in_flight;	   /* open mmu_gathers on this mm (MG-7; atomic) */
	/* TLB (<mica/asid.h>, <mica/tlb_model.h>) */
	u64 asid; /* generation and number (asid lock); 0: none yet */
	u64 id;	  /* unique for the kernel's lifetime (the TLB model's name for it); 0: init_mm */
	struct list_head mm_list; /* on the list of every mm (rmap_verify), under mm_list_lock */
};

struct vm_area_struct {
	/* guarded by vm_mm->mmap_lock */
	unsigned long vm_start;		 /* first byte, page aligned */
	unsigned long vm_end;		 /* first byte after, page aligned */
	unsigned long vm_flags;		 /* VM_* */
	unsigned long vm_pgoff;		 /* page offset of vm_start (linear; see above) */
	struct anon_vma *anon_vma;	 /* its own anon_vma (<mica/rmap.h>), NULL until a page */
	struct list_head anon_vma_chain; /* struct anon_vma_chain.same_vma: every anon_vma whose
					  * pages it may map */
	struct list_head vm_list;	 /* on vm_mm->vmas */
	struct mm_struct *vm_mm;
	/* shared memory (<mica/shmem.h>): the object it maps (vm_pgoff is an offset in it), or
	 * NULL; shared_link is on vm_shm->i_mmap, under its i_mmap_mutex */
	struct shmem_object *vm_shm;
	struct list_head shared_link;
};

static inline unsigned long vma_pages(const struct vm_area_struct *v)
{
	return (v->vm_end - v->vm_start) >> PAGE_SHIFT;
}

/* Creates the caches. Boot CPU, once, after kthread_init(). */
void vma_init(void);

/* Returns a new empty mm with one reference, or NULL if no memory. May sleep. */
struct mm_struct *mm_create(void);
static inline void mm_get(struct mm_struct *mm)
{
	atomic_inc(&mm->users);
}
/* Drops a reference; the last one unmaps everything, frees every VMA, and drops the users'
 * hold on the struct. */
void mm_put(struct mm_struct *mm);
/* A hold on the struct alone (its cpumask, ASID, top table) for one who must name the mm after
 * its process may have gone but never touches its memory: reclaim, between making a page's
 * PTEs swap entries and flushing their mms. mm_drop() never unmaps, so it is safe anywhere a
 * kfree is. */
static inline void mm_grab(struct mm_struct *mm)
{
	atomic_inc(&mm->count);
}
void mm_drop(struct mm_struct *mm);

/* Returns the first VMA with vm_end > addr (it may start above addr), or NULL. Read lock. */
struct vm_area_struct *find_vma(struct mm_struct *mm, unsigned long addr);
/* Returns the first VMA overlapping [start, end), or NULL. Read lock. */
struct vm_area_struct *find_vma_intersection(struct mm_struct *mm, unsigned long start,
					     unsigned long end);
/* True if next may be folded into prev: adjacent, same flags, contiguous pgoff, the same shmem
 * object (or none), and anon_vmas rmap agrees with (vma.c says which). */
bool vma_can_merge(const struct vm_area_struct *prev, const struct vm_area_struct *next);

/* Maps [start, start+len) with flags and pgoff, merging with its neighbours when it can.
 * 0, -EINVAL (unaligned, empty, wrapping), -EEXIST (any page already mapped), -ENOMEM. */
int vma_insert(struct mm_struct *mm, unsigned long start, unsigned long len, unsigned long flags,
	       unsigned long pgoff);
/* Maps [start, start+len) as one new VMA of the shmem object obj from its offset 0 (it takes
 * its own reference, and joins obj's i_mmap). Never merged: a new object has no other VMA.
 * 0, -EINVAL, -EEXIST, -ENOMEM as vma_insert(). */
int vma_insert_shmem(struct mm_struct *mm, unsigned long start, unsigned long len,
		     unsigned long flags, struct shmem_object *obj);
/* Cuts vma in two at addr (page aligned, strictly inside); vma keeps the lower half. Leaves
 * two mergeable VMAs: a step for callers, who merge back. 0, -EINVAL, -ENOMEM. */
int vma_split(struct mm_struct *mm, struct vm_area_struct *vma, unsigned long addr);
/* Merges every mergeable neighbour pair touching [start, end). Never fails. */
void vma_merge_range(struct mm_struct *mm, unsigned long start, unsigned long end);
/* Unmaps [start, start+len) (holes are fine, as munmap). 0, -EINVAL, -ENOMEM. */
int vma_unmap_range(struct mm_struct *mm, unsigned long start, unsigned long len);
/* Sets the VM_READ/WRITE/EXEC bits of [start, start+len) to prot (others kept), as mprotect.
 * 0, -EINVAL (bad range or prot), -ENOMEM (a hole in the range, or no memory). */
int vma_protect(struct mm_struct *mm, unsigned long start, unsigned long len, unsigned long prot);
/* Checks every invariant above; returns 0, or -EINVAL after printing the first one broken. */
int vma_verify(struct mm_struct *mm);

/* ---- page tables behind the VMAs (kernel/mm/memory.c) ---- */

/* Fault flags: what the faulting access was. */
#define FAULT_WRITE 0x1u
#define FAULT_EXEC 0x2u
#define FAULT_USER 0x4u /* from user mode */

/*
 * Resolves a fault at addr in mm (VM-2): demand-zero for a first touch, copy-on-write for a
 * write to a shared page, young/dirty updates, spurious faults from stale TLB entries.
 * Takes mmap_lock for read; may sleep. Returns 0 (retry the access), -EFAULT (no VMA there),
 * -EACCES (the VMA forbids this access) or -ENOMEM.
 */
int handle_mm_fault(struct mm_struct *mm, unsigned long addr, unsigned flags);

/* Faults resolved since boot, by kind (tests and the stats call read them). */
struct fault_stats {
	unsigned long demand_zero, cow_copy, cow_reuse, young_dirty, spurious, oom;
	unsigned long shared; /* first touches of a shared page in one mm */
};
extern struct fault_stats fault_stats;

/* Rewrites the PTEs of [start, end) after vma_protect() changed the VMAs' flags, then
 * flushes. mmap_lock for write. */
void change_protection(struct mm_struct *mm, unsigned long start, unsigned long end);
/* Copies src's VMAs and PTEs into the new, empty dst, copy-on-write (fork's half of the
 * work); a shared VMA's copy maps the same object and its PTEs stay as they are. 0 or -ENOMEM (dst
 * then holds part of it: the caller drops it). */
int dup_mmap(struct mm_struct *dst, struct mm_struct *src);
/* Drops the pages of [start, start+len) under mmap_lock for read (MADV_DONTNEED): the next
 * touch is a demand-zero fault (shared memory: the object's page again). 0, -EINVAL, or -ENOMEM if
 * part of it is not mapped. */
int zap_page_range(struct mm_struct *mm, unsigned long start, unsigned long len);
/* Unmaps everything and frees every table below the top: the full-mm gather (MG-6). */
void exit_mmap(struct mm_struct *mm);

/* A VMA with no range yet, no anon_vma and no shmem object, or NULL (no memory); vma_free()
 * one that was never linked (or is unlinked, unchained and off its object's i_mmap). */
struct vm_area_struct *vma_alloc(void);
void vma_free(struct vm_area_struct *v);
/* Calls fn(mm, arg) for every mm alive (fn may sleep; it must not create or free an mm). */
void for_each_mm(void (*fn)(struct mm_struct *mm, void *arg), void *arg);

/* The VMA after / before v on mm's list, or NULL. Read lock. */
static inline struct vm_area_struct *vma_next_of(struct mm_struct *mm, struct vm_area_struct *v)
{
	return v->vm_list.next == &mm->vmas
		   ? NULL
		   : list_entry(v->vm_list.next, struct vm_area_struct, vm_list);
}
static inline struct vm_area_struct *vma_prev_of(struct mm_struct *mm, struct vm_area_struct *v)
{
	return v->vm_list.prev == &mm->vmas
		   ? NULL
		   : list_entry(v->vm_list.prev, struct vm_area_struct, vm_list);
}

/* The VMA cache, for tests that drain it to make fault injection reach it. */
extern struct kmem_cache *vm_area_cachep;

#endif
