/*
 * Helpers shared by the suites that build and touch user address spaces from a kernel thread
 * (pgtable, uaccess): the thread adopts a fresh mm with use_mm(), maps with vma_insert() and
 * touches through the user-copy routines, exactly as a system call would.
 */
#ifndef TESTS_KTEST_MM_TEST_H
#define TESTS_KTEST_MM_TEST_H

#include <mica/errno.h>
#include <mica/ktest.h>
#include <mica/mm.h>
#include <mica/mm_types.h>
#include <mica/pgtable.h>
#include <mica/rcu.h>
#include <mica/sched.h>
#include <mica/slab.h>
#include <mica/tlbflush.h>
#include <mica/uaccess.h>

#define UB USER_BASE
#define PGS(n) ((unsigned long)(n)*PAGE_SIZE)
#define RW (VM_READ | VM_WRITE | VM_ANON)
#define RO (VM_READ | VM_ANON)

/* A new mm this thread runs on, or NULL. */
static inline struct mm_struct *mmt_enter(void)
{
	struct mm_struct *mm = mm_create();

	if (mm) {
		use_mm(mm);
		mm_put(mm); /* use_mm's reference is now the only one */
	}
	return mm;
}

/* Free pages once every page-table page an unmap gave up is back: those wait for an RCU
 * grace period (RT-1). */
static inline unsigned long mmt_free_pages(void)
{
	rcu_barrier();
	return nr_free_pages();
}

/* Leaves and frees it (the last reference). */
static inline void mmt_leave(struct mm_struct *mm);
static inline int mmt_map(struct mm_struct *mm, unsigned long start, unsigned long len,
			  unsigned long flags);
static inline int mmt_put(unsigned long addr, unsigned long v);

/* Builds and tears down one small address space, so the slab caches it uses (mm, VMA, PTE
 * lock) hold their first slab before a test counts free pages. */
static inline void mmt_warm_caches(void)
{
	struct mm_struct *mm = mmt_enter();

	if (!mm)
		return;
	mmt_map(mm, USER_BASE, PAGE_SIZE, VM_READ | VM_WRITE | VM_ANON);
	mmt_put(USER_BASE, 1);
	mmt_leave(mm);
}

static inline void mmt_leave(struct mm_struct *mm)
{
	unuse_mm(mm);
}

static inline int mmt_map(struct mm_struct *mm, unsigned long start, unsigned long len,
			  unsigned long flags)
{
	int ret;

	down_write(&mm->mmap_lock);
	ret = vma_insert(mm, start, len, flags, start >> PAGE_SHIFT);
	up_write(&mm->mmap_lock);
	return ret;
}

static inline int mmt_unmap(struct mm_struct *mm, unsigned long start, unsigned long len)
{
	int ret;

	down_write(&mm->mmap_lock);
	ret = vma_unmap_range(mm, start, len);
	up_write(&mm->mmap_lock);
	return ret;
}

static inline int mmt_protect(struct mm_struct *mm, unsigned long start, unsigned long len,
			      unsigned long prot)
{
	int ret;

	down_write(&mm->mmap_lock);
	ret = vma_protect(mm, start, len, prot);
	up_write(&mm->mmap_lock);
	return ret;
}

/* Writes / reads one word at a user address through the user-copy routines. */
static inline int mmt_put(unsigned long addr, unsigned long v)
{
	return copy_to_user((void *)addr, &v, sizeof(v));
}
static inline int mmt_get(unsigned long addr, unsigned long *v)
{
	return copy_from_user(v, (const void *)addr, sizeof(*v));
}

/* The PTE now mapping addr (none if no table reaches it). */
static inline pte_t mmt_pte(struct mm_struct *mm, unsigned long addr)
{
	pte_t *p, v = { 0 };

	down_read(&mm->mmap_lock);
	p = walk(mm, addr, false);
	if (p)
		v = ptep_get(p);
	up_read(&mm->mmap_lock);
	return v;
}

/* Reads a statistics counter (they are updated atomically, never ordered). */
static inline unsigned long mmt_stat(const unsigned long *counter)
{
	return __atomic_load_n(counter, __ATOMIC_RELAXED);
}

/* VMA objects taken from their cache and held, so that the next VMA allocations find exactly
 * the free objects a test wants (with page allocations failing, the cache cannot grow). 8 KiB:
 * keep one in static storage, not on a 16 KiB kernel stack. */
#define MMT_HOLD_MAX 1024
struct mmt_vma_hold {
	unsigned n;
	void *obj[MMT_HOLD_MAX];
};

/* Free VMA objects in the cache's slabs now. */
static inline unsigned long mmt_vma_cache_free(void)
{
	struct kmem_cache *c = vm_area_cachep;

	return c->nr_slabs * c->objs_per_slab - c->nr_objs;
}

/* Takes VMA objects into h until exactly free_left free ones are left; false if that took
 * more than MMT_HOLD_MAX or an allocation failed. */
static inline bool mmt_hold_vmas(struct mmt_vma_hold *h, unsigned long free_left)
{
	while (mmt_vma_cache_free() != free_left) {
		if (h->n == MMT_HOLD_MAX ||
		    !(h->obj[h->n] = kmem_cache_alloc(vm_area_cachep, GFP_KERNEL)))
			return false;
		h->n++;
	}
	return true;
}

static inline void mmt_release_vmas(struct mmt_vma_hold *h)
{
	while (h->n)
		kmem_cache_free(vm_area_cachep, h->obj[--h->n]);
}

/* Fork's memory half: a new mm copying src (copy-on-write), or NULL. */
static inline struct mm_struct *mmt_fork(struct mm_struct *src)
{
	struct mm_struct *dst = mm_create();

	if (dst && dup_mmap(dst, src)) {
		mm_put(dst);
		dst = NULL;
	}
	return dst;
}

/* mmt_put / mmt_get in another mm, adopted for the access (the caller runs on none). */
static inline int mmt_put_in(struct mm_struct *mm, unsigned long addr, unsigned long v)
{
	int r;

	use_mm(mm);
	r = mmt_put(addr, v);
	unuse_mm(mm);
	return r;
}
static inline int mmt_get_in(struct mm_struct *mm, unsigned long addr, unsigned long *v)
{
	int r;

	use_mm(mm);
	r = mmt_get(addr, v);
	unuse_mm(mm);
	return r;
}

/* The frame mapped at addr in mm, with a reference for the caller, or NULL. */
static inline struct page *mmt_page_at(struct mm_struct *mm, unsigned long addr)
{
	pte_t pte = mmt_pte(mm, addr);
	struct page *p;

	if (!pte_present(pte))
		return NULL;
	p = pfn_to_page(pte_pfn(pte));
	get_page(p);
	return p;
}

/* A thread on another CPU that runs on mm and touches addr, then keeps the mm loaded until
 * told to leave: it spins, since sleeping would switch its CPU to init_mm, which counts as a
 * flush; cond_resched() with nothing else to run lets RCU's grace periods end all the same. */
struct mmt_holder {
	struct mm_struct *mm;
	unsigned long addr;
	volatile int state; /* 1 loaded and touched, 2 leave, 3 left */
	struct task *task;
};

static inline void mmt_holder_fn(void *arg)
{
	struct mmt_holder *h = arg;
	unsigned long v;

	use_mm(h->mm);
	mmt_get(h->addr, &v);
	h->state = 1;
	while (h->state != 2) {
		cond_resched();
		arch_cpu_relax();
	}
	unuse_mm(h->mm);
	h->state = 3;
}

static inline bool mmt_holder_start(struct mmt_holder *h, struct mm_struct *mm, unsigned long addr,
				    unsigned cpu)
{
	h->mm = mm;
	h->addr = addr;
	h->state = 0;
	h->task = kthread_create(mmt_holder_fn, h, "tlb-holder");
	if (!h->task)
		return false;
	kthread_bind(h->task, cpu);
	kthread_start(h->task);
	while (h->state != 1)
		cond_resched();
	return true;
}

static inline void mmt_holder_leave(struct mmt_holder *h)
{
	h->state = 2;
	while (h->state != 3)
		cond_resched();
	kthread_join(h->task);
}

#endif
