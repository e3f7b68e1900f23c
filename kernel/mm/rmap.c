/*
 * Reverse mapping of anonymous pages (DESIGN AV-1..8): the model and its invariants are in
 * <mica/rmap.h>. Good breakpoints: anon_vma_fork (a child's VMA joins the family),
 * unlink_anon_vmas (it leaves), page_lock_anon_vma (a walker arrives), try_to_unmap_one.
 */
#include <mica/arch.h>
#include <mica/errno.h>
#include <mica/mm_types.h>
#include <mica/panic.h>
#include <mica/pgtable.h>
#include <mica/printk.h>
#include <mica/rcu.h>
#include <mica/rmap.h>
#include <mica/shmem.h>
#include <mica/slab.h>
#include <mica/tlb_model.h>
#include <mica/tlbflush.h>
#include <mica/vmscan.h>

#include "mm_internal.h"

static struct kmem_cache *anon_vma_cachep, *avc_cachep;
struct rmap_stats rmap_stats;
unsigned long rmap_race_window_ns;

/* Tests only: stretches the windows page_lock_anon_vma() must survive (DESIGN §6). */
static void race_window(void)
{
	u64 until;

	if (!READ_ONCE(rmap_race_window_ns))
		return;
	until = arch_clock_ns() + rmap_race_window_ns;
	while (arch_clock_ns() < until)
		arch_cpu_relax();
}

/* The anon_vma cache is type-safe by RCU (AV-7): a lockless reader that found an anon_vma
 * through page->mapping may find it freed and reused, but always as an anon_vma, whose lock
 * and refcount it may touch; it then re-checks that the page is still mapped. So the fields
 * a reader touches (lock, refcount) are set up once per object by the cache's constructor,
 * never reset by an allocation while a reader may hold them. */
static void anon_vma_ctor(void *obj)
{
	struct anon_vma *av = obj;

	mutex_init(&av->lock);
	atomic_set(&av->refcount, 0);
}

void anon_vma_init(void)
{
	anon_vma_cachep = kmem_cache_create_ctor("anon_vma", sizeof(struct anon_vma), 0,
						 SLAB_TYPESAFE_BY_RCU, anon_vma_ctor);
	avc_cachep = kmem_cache_create("anon_vma_chain", sizeof(struct anon_vma_chain), 0, 0);
	if (!anon_vma_cachep || !avc_cachep)
		panic("anon_vma_init: no memory for the rmap caches");
}

/* A new root anon_vma: its own root and parent, refcount 1 (its chains), one child (itself,
 * so the "no children left" test of a root works like everyone else's). */
static struct anon_vma *anon_vma_alloc(void)
{
	struct anon_vma *av = kmem_cache_alloc(anon_vma_cachep, GFP_KERNEL | __GFP_NOWARN);

	if (!av)
		return NULL;
	av->root = av;
	av->parent = av;
	av->num_children = 1;
	av->num_active_vmas = 0;
	list_init(&av->chains);
	atomic_set(&av->refcount, 1);
	stat_add(&rmap_stats.anon_vmas, 1);
	return av;
}

static void anon_vma_free(struct anon_vma *av)
{
	__atomic_sub_fetch(&rmap_stats.anon_vmas, 1, __ATOMIC_RELAXED);
	kmem_cache_free(anon_vma_cachep, av);
}

/* AV-6: the last reference frees the anon_vma first, then drops its reference on the root
 * (which may free the root in turn): never the other way, since a freed root's lock would
 * be one its children still use. */
void put_anon_vma(struct anon_vma *av)
{
	struct anon_vma *root = av->root;

	if (atomic_add_return(&av->refcount, -1) != 0)
		return;
	anon_vma_free(av);
	if (root != av)
		put_anon_vma(root);
}

static void anon_vma_lock(struct anon_vma *av)
{
	mutex_lock(&av->root->lock);
}

static void anon_vma_unlock(struct anon_vma *av)
{
	mutex_unlock(&av->root->lock);
}

void anon_vma_lock_vma(struct vm_area_struct *vma)
{
	if (vma->anon_vma)
		anon_vma_lock(vma->anon_vma);
}

void anon_vma_unlock_vma(struct vm_area_struct *vma)
{
	if (vma->anon_vma)
		anon_vma_unlock(vma->anon_vma);
}

static struct anon_vma_chain *avc_alloc(void)
{
	struct anon_vma_chain *avc = kmem_cache_alloc(avc_cachep, GFP_KERNEL | __GFP_NOWARN);

	if (avc)
		stat_add(&rmap_stats.chains, 1);
	return avc;
}

static void avc_free(struct anon_vma_chain *avc)
{
	__atomic_sub_fetch(&rmap_stats.chains, 1, __ATOMIC_RELAXED);
	kmem_cache_free(avc_cachep, avc);
}

/* Links vma and av through avc. The root's lock held (av's chains), and vma's list is the
 * caller's (mmap_lock for write, or the page_table_lock in anon_vma_prepare). */
static void avc_link(struct anon_vma_chain *avc, struct vm_area_struct *vma, struct anon_vma *av)
{
	avc->vma = vma;
	avc->anon_vma = av;
	list_add(&avc->same_vma, &vma->anon_vma_chain);
	list_add_tail(&avc->same_anon_vma, &av->chains);
}

/* ---- giving a VMA its anon_vma ---- */

/* A neighbour's anon_vma may be shared (AV-3) if the two VMAs could merge but for it, and
 * the neighbour has no fork history (one chain): then its anon_vma's pages are all mapped
 * through VMAs of this mm at their linear address, exactly as ours will be. */
static struct anon_vma *reusable_neighbour(struct vm_area_struct *vma)
{
	struct vm_area_struct *n[2] = { vma_prev_of(vma->vm_mm, vma),
					vma_next_of(vma->vm_mm, vma) };

	for (int i = 0; i < 2; i++) {
		struct vm_area_struct *lo = i ? vma : n[0], *hi = i ? n[1] : vma;

		if (!n[i] || !n[i]->anon_vma ||
		    n[i]->anon_vma_chain.next->next != &n[i]->anon_vma_chain)
			continue; /* none, no anon_vma yet, or more than one chain */
		if (lo->vm_end == hi->vm_start && lo->vm_flags == hi->vm_flags &&
		    lo->vm_pgoff + vma_pages(lo) == hi->vm_pgoff)
			return n[i]->anon_vma;
	}
	return NULL;
}

int anon_vma_prepare(struct vm_area_struct *vma)
{
	struct mm_struct *mm = vma->vm_mm;
	struct anon_vma *av, *allocated = NULL;
	struct anon_vma_chain *avc;

	if (READ_ONCE(vma->anon_vma))
		return 0;
	/* Allocate first, outside every lock (it may sleep); re-check under the lock. */
	avc = avc_alloc();
	if (!avc)
		return -ENOMEM;
	av = reusable_neighbour(vma);
	if (!av) {
		av = allocated = anon_vma_alloc();
		if (!av) {
			avc_free(avc);
			return -ENOMEM;
		}
	}
	anon_vma_lock(av);
	/* mmap_lock is held for read only: another thread's fault may have prepared this VMA
	 * meanwhile. page_table_lock decides who was first. */
	spin_lock(&mm->page_table_lock);
	if (!vma->anon_vma) {
		avc_link(avc, vma, av);
		av->num_active_vmas++;
		WRITE_ONCE(vma->anon_vma, av);
		if (!allocated)
			stat_add(&rmap_stats.anon_vmas_reused_neighbour, 1);
		avc = NULL;
		allocated = NULL;
	}
	spin_unlock(&mm->page_table_lock);
	anon_vma_unlock(av);
	if (allocated)
		put_anon_vma(allocated);
	if (avc)
		avc_free(avc);
	return 0;
}

/* Links dst to every anon_vma src is chained to. On the way, fork may adopt one of them as
 * dst's own anon_vma (AV-4): an anon_vma no VMA uses as its own any more and with at most one
 * child is a dead generation in the middle of the chain; reusing it keeps chains from growing
 * with every fork of a long-lived process. Only when dst has no anon_vma yet and the
 * candidate is not src's own (dst's pages must not be found from src's VMA). */
int anon_vma_clone(struct vm_area_struct *dst, struct vm_area_struct *src)
{
	struct anon_vma_chain *pavc, *avc;

	list_for_each_entry_reverse(pavc, &src->anon_vma_chain, same_vma)
	{
		struct anon_vma *av = pavc->anon_vma;

		if (!(avc = avc_alloc())) {
			dst->anon_vma = NULL; /* unlink_anon_vmas must not count an adoption */
			unlink_anon_vmas(dst);
			return -ENOMEM;
		}
		anon_vma_lock(av);
		avc_link(avc, dst, av);
		if (!dst->anon_vma && src->anon_vma && av != src->anon_vma &&
		    av->num_active_vmas == 0 && av->num_children < 2) {
			dst->anon_vma = av;
			stat_add(&rmap_stats.anon_vmas_reused_fork, 1);
		}
		anon_vma_unlock(av);
	}
	if (dst->anon_vma) {
		anon_vma_lock(dst->anon_vma);
		dst->anon_vma->num_active_vmas++;
		anon_vma_unlock(dst->anon_vma);
	}
	return 0;
}

int anon_vma_fork(struct vm_area_struct *dst, struct vm_area_struct *src)
{
	struct anon_vma_chain *avc;
	struct anon_vma *av;

	list_init(&dst->anon_vma_chain);
	dst->anon_vma = NULL;
	if (!src->anon_vma)
		return 0; /* no anonymous page yet: dst prepares its own at its first fault */
	if (anon_vma_clone(dst, src))
		return -ENOMEM;
	if (dst->anon_vma)
		return 0; /* adopted an idle one */
	av = anon_vma_alloc();
	avc = av ? avc_alloc() : NULL;
	if (!avc) {
		if (av)
			put_anon_vma(av);
		unlink_anon_vmas(dst);
		return -ENOMEM;
	}
	av->root = src->anon_vma->root;
	av->parent = src->anon_vma;
	av->num_children = 0;
	atomic_add_return(&av->root->refcount, 1); /* dropped after av is freed (AV-6) */
	anon_vma_lock(av);
	av->parent->num_children++;
	avc_link(avc, dst, av);
	av->num_active_vmas++;
	dst->anon_vma = av;
	anon_vma_unlock(av);
	return 0;
}

void unlink_anon_vmas(struct vm_area_struct *vma)
{
	struct anon_vma_chain *avc, *tmp;
	struct list_head empty = LIST_HEAD_INIT(empty);

	if (vma->anon_vma) {
		anon_vma_lock(vma->anon_vma);
		vma->anon_vma->num_active_vmas--;
		anon_vma_unlock(vma->anon_vma);
		vma->anon_vma = NULL;
	}
	list_for_each_entry_safe(avc, tmp, &vma->anon_vma_chain, same_vma)
	{
		struct anon_vma *av = avc->anon_vma;

		anon_vma_lock(av);
		list_del_init(&avc->same_anon_vma);
		list_del_init(&avc->same_vma);
		if (list_empty(&av->chains)) {
			/* No VMA can map its pages any more: its parent loses a child (AV-5), and
			 * it goes once nobody else holds it (after the lock is dropped: the put
			 * may free the root, whose lock this is). */
			av->parent->num_children--;
			list_add(&avc->same_vma, &empty);
		} else {
			avc_free(avc);
		}
		anon_vma_unlock(av);
	}
	list_for_each_entry_safe(avc, tmp, &empty, same_vma)
	{
		put_anon_vma(avc->anon_vma);
		avc_free(avc);
	}
}

void anon_vma_move_chains(struct vm_area_struct *to, struct vm_area_struct *from)
{
	struct anon_vma_chain *avc, *tmp;

	BUG_ON(to->anon_vma || !list_empty(&to->anon_vma_chain));
	list_for_each_entry_safe(avc, tmp, &from->anon_vma_chain, same_vma)
	{
		anon_vma_lock(avc->anon_vma);
		avc->vma = to; /* a walker reads it under this lock */
		list_del_init(&avc->same_vma);
		list_add_tail(&avc->same_vma, &to->anon_vma_chain);
		anon_vma_unlock(avc->anon_vma);
	}
	to->anon_vma = from->anon_vma;
	from->anon_vma = NULL;
}

bool anon_vma_same_chains(struct vm_area_struct *a, struct vm_area_struct *b)
{
	struct anon_vma_chain *x, *y;
	unsigned na = 0, nb = 0;

	list_for_each_entry(x, &a->anon_vma_chain, same_vma) na++;
	list_for_each_entry(y, &b->anon_vma_chain, same_vma) nb++;
	if (na != nb)
		return false;
	list_for_each_entry(x, &a->anon_vma_chain, same_vma)
	{
		bool found = false;

		list_for_each_entry(y, &b->anon_vma_chain, same_vma) found |=
		    y->anon_vma == x->anon_vma;
		if (!found)
			return false;
	}
	return true;
}

/* ---- from a page to its anon_vma ---- */

void page_add_new_anon_rmap(struct page *page, struct vm_area_struct *vma, unsigned long addr)
{
	BUG_ON(!vma->anon_vma);
	page->index = vma->vm_pgoff + ((addr - vma->vm_start) >> PAGE_SHIFT);
	WRITE_ONCE(page->mapping, (void *)((unsigned long)vma->anon_vma | PAGE_MAPPING_ANON));
	lru_add(page); /* reclaim may find it from now on (<mica/vmscan.h>) */
}

void page_move_anon_rmap(struct page *page, struct vm_area_struct *vma)
{
	if (vma->anon_vma)
		WRITE_ONCE(page->mapping,
			   (void *)((unsigned long)vma->anon_vma | PAGE_MAPPING_ANON));
}

struct anon_vma *page_anon_vma(struct page *page)
{
	unsigned long m = (unsigned long)READ_ONCE(page->mapping);

	if (!(m & PAGE_MAPPING_ANON))
		return NULL;
	return (struct anon_vma *)(m & ~PAGE_MAPPING_ANON);
}

static bool page_mapped(struct page *page)
{
	return atomic_read(&page->mapcount) > 0;
}

/* AV-7. page->mapping may name an anon_vma that was freed, even reused, since we read it
 * (the cache is type-safe by RCU, so it is still an anon_vma). A page still mapped after we
 * hold a reference proves the reference is on the right one: a mapped page's VMA is chained
 * to its anon_vma, which cannot go while that chain exists. */
struct anon_vma *page_get_anon_vma(struct page *page)
{
	struct anon_vma *av;

	rcu_read_lock();
	av = page_anon_vma(page);
	if (!av || !page_mapped(page) || !atomic_inc_not_zero(&av->refcount)) {
		rcu_read_unlock();
		return NULL;
	}
	if (!page_mapped(page)) { /* unmapped while we took it: maybe not its anon_vma now */
		rcu_read_unlock();
		put_anon_vma(av);
		return NULL;
	}
	rcu_read_unlock();
	return av;
}

/* AV-7: the fast path tries the root's lock without sleeping, inside the RCU section; if the
 * page is still mapped once it is held, it is the page's family's lock. Otherwise: a
 * reference (page_get_anon_vma's checks), then the sleeping lock, then drop the reference
 * unless it was the last (then the anon_vma is dying: no page of it is mapped). */
struct anon_vma *page_lock_anon_vma(struct page *page)
{
	struct anon_vma *av, *root;

	rcu_read_lock();
	av = page_anon_vma(page);
	if (!av || !page_mapped(page)) {
		rcu_read_unlock();
		return NULL;
	}
	root = READ_ONCE(av->root);
	race_window();
	if (mutex_trylock(&root->lock)) {
		/* Mapped now, with the lock held: av and root are the page's, and stay. */
		if (!page_mapped(page) || READ_ONCE(av->root) != root) {
			mutex_unlock(&root->lock);
			av = NULL;
		}
		rcu_read_unlock();
		return av;
	}
	rcu_read_unlock();
	stat_add(&rmap_stats.lock_slow, 1);
	av = page_get_anon_vma(page);
	if (!av)
		return NULL;
	race_window();
	anon_vma_lock(av);
	if (atomic_add_return(&av->refcount, -1) == 0) {
		/* Ours was the last reference: every chain is gone, so is the page's mapping. */
		anon_vma_unlock(av);
		atomic_add_return(&av->refcount, 1);
		put_anon_vma(av);
		return NULL;
	}
	return av;
}

void page_unlock_anon_vma(struct anon_vma *av)
{
	anon_vma_unlock(av);
}

unsigned long vma_address(struct page *page, struct vm_area_struct *vma)
{
	unsigned long addr = vma->vm_start + ((page->index - vma->vm_pgoff) << PAGE_SHIFT);

	if (page->index < vma->vm_pgoff || addr >= vma->vm_end)
		return (unsigned long)-EFAULT;
	return addr;
}

bool rmap_walk(struct page *page,
	       bool (*one)(struct page *page, struct vm_area_struct *vma, unsigned long addr,
			   void *arg),
	       void *arg)
{
	struct anon_vma *av;
	struct anon_vma_chain *avc;

	if (page_is_shmem(page))
		return shmem_rmap_walk(page, one, arg); /* its object's i_mmap, not anon_vmas */
	av = page_lock_anon_vma(page);
	if (!av)
		return false;
	list_for_each_entry(avc, &av->chains, same_anon_vma)
	{
		unsigned long addr = vma_address(page, avc->vma);

		if (addr == (unsigned long)-EFAULT)
			continue;
		if (!one(page, avc->vma, addr, arg))
			break;
	}
	page_unlock_anon_vma(av);
	return true;
}

/* The PTE mapping page at addr in vma's mm, locked, or NULL. The anon_vma lock (or the
 * object's i_mmap_mutex) held: the VMA is still chained (on i_mmap), so its tables are not
 * freed under us (invariant 4). */
pte_t *page_check_address(struct page *page, struct vm_area_struct *vma, unsigned long addr,
			  spinlock_t **ptlp)
{
	pmd_t *pmd;
	pte_t *ptep = walk_pmd(vma->vm_mm, addr, false, &pmd);

	if (!ptep)
		return NULL;
	ptep = pte_offset_map_lock(pmd, addr, ptlp);
	if (pte_present(ptep_get(ptep)) && pte_pfn(ptep_get(ptep)) == page_to_pfn(page))
		return ptep;
	spin_unlock(*ptlp);
	return NULL;
}

static bool try_to_unmap_one(struct page *page, struct vm_area_struct *vma, unsigned long addr,
			     void *arg)
{
	struct mm_struct *mm = vma->vm_mm;
	spinlock_t *ptl;
	pte_t *ptep = page_check_address(page, vma, addr, &ptl);

	(void)arg;
	if (!ptep)
		return true;
	ptep_get_and_clear(mm, addr, ptep);
	tlb_model_clear(mm, addr, page);
	flush_tlb_range(mm, addr, addr + PAGE_SIZE); /* MG-4: invalidate, then drop */
	if (atomic_add_return(&page->mapcount, -1) < 0)
		panic("try_to_unmap: mapcount of frame 0x%lx went negative", page_to_pfn(page));
	spin_unlock(ptl);
	put_page(page);
	return page_mapped(page);
}

bool try_to_unmap(struct page *page)
{
	rmap_walk(page, try_to_unmap_one, NULL);
	return !page_mapped(page);
}

static bool referenced_one(struct page *page, struct vm_area_struct *vma, unsigned long addr,
			   void *arg)
{
	spinlock_t *ptl;
	pte_t *ptep = page_check_address(page, vma, addr, &ptl);

	if (!ptep)
		return true;
	/* No flush: a CPU that still caches the entry as young will not set the bit again until
	 * it drops it, so the page may look unused a little longer. Only reclaim's guess
	 * suffers, never correctness. */
	if (pte_young(ptep_get(ptep)) && ptep_test_and_clear_young(vma->vm_mm, addr, ptep))
		(*(int *)arg)++;
	spin_unlock(ptl);
	return true;
}

int page_referenced(struct page *page)
{
	int n = 0;

	rmap_walk(page, referenced_one, &n);
	return n;
}
