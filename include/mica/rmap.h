/*
 * Reverse mapping of anonymous pages (DESIGN AV-1..8; kernel/mm/rmap.c, book chapter
 * docs/mm-rmap.md). Shared anonymous pages are found through their memory object instead
 * (<mica/shmem.h>); rmap_walk() and rmap_verify() cover both kinds.
 *
 * The question: given a page, which processes map it, and where? Forward, a PTE names its
 * page; backward, a page names only one object, its anon_vma (page->mapping), and that
 * anon_vma lists every VMA that may map pages of its family. Fork is what makes it a family:
 * the child's pages start as the parent's (copy-on-write), so the child's VMA must be found
 * from the parent's anon_vma too, and the child's own new pages (after a copy) need an
 * anon_vma of their own, which the parent's VMA must NOT be found from.
 *
 *   struct anon_vma        one per VMA "generation"; a tree by parent, whose root's lock
 *                          guards the whole tree (AV-1)
 *   struct anon_vma_chain  one link VMA <-> anon_vma: on vma->anon_vma_chain (every anon_vma
 *                          whose pages this VMA may map) and on anon_vma->chains (every VMA
 *                          that may map this anon_vma's pages)
 *
 * A child VMA after fork is chained to every anon_vma its parent VMA was (clone) plus its own
 * new one (AV-4); a page of the parent reached from the child's VMA is found through the
 * parent's anon_vma, whose chains include the child's VMA.
 *
 * Invariants (rmap_verify() checks the first two on a quiet system):
 *   1. A mapped anonymous page's anon_vma has a chain to every VMA that maps the page.
 *   2. page->mapcount equals the number of PTEs that map it.
 *   3. An anon_vma lives while it has chains or references; it holds a reference on its
 *      root, dropped only after it is freed (AV-6); the root goes last (AV-5).
 *   4. VMAs are unlinked (unlink_anon_vmas) before their page tables are freed: a walker
 *      holding the anon_vma lock may walk the tables of any VMA still chained (MG-6).
 *
 * Locks: mmap_lock -> anon_vma lock (a sleeping mutex, always the root's) -> PTE lock.
 */
#ifndef MICA_RMAP_H
#define MICA_RMAP_H

#include <mica/atomic.h>
#include <mica/list.h>
#include <mica/mutex.h>
#include <mica/types.h>

struct page;
struct vm_area_struct;
struct mm_struct;

struct anon_vma {
	struct anon_vma *root; /* the tree's first anon_vma: its lock is everyone's */
	struct mutex lock;     /* used in the root only (AV-1) */
	atomic_t refcount;     /* 1 while chained, + each anon_vma whose root this is, + holders */
	struct anon_vma *parent;       /* the anon_vma of the VMA this one's VMA was forked from */
	unsigned long num_children;    /* anon_vmas whose parent this is (root: +1 for itself) */
	unsigned long num_active_vmas; /* VMAs whose vma->anon_vma this is */
	struct list_head chains;       /* anon_vma_chain.same_anon_vma (root lock) */
};

struct anon_vma_chain {
	struct vm_area_struct *vma;
	struct anon_vma *anon_vma;
	struct list_head same_vma;	/* on vma->anon_vma_chain (mmap_lock for write) */
	struct list_head same_anon_vma; /* on anon_vma->chains (root lock) */
};

void anon_vma_init(void);

/* Gives vma an anon_vma before its first anonymous page (AV-3): a neighbour's if it may be
 * shared safely, else a new one. May sleep. mmap_lock held (read is enough). 0 or -ENOMEM. */
int anon_vma_prepare(struct vm_area_struct *vma);
/* Chains dst to every anon_vma src is chained to (a split, or fork's first step). mmap_lock
 * for write on dst's mm. 0, or -ENOMEM with dst unchained again. */
int anon_vma_clone(struct vm_area_struct *dst, struct vm_area_struct *src);
/* Fork (AV-4): dst (the child's copy of src) is cloned and gets its own anon_vma, child of
 * src's. 0, or -ENOMEM with dst unchained. */
int anon_vma_fork(struct vm_area_struct *dst, struct vm_area_struct *src);
/* Unchains vma from every anon_vma and frees those left empty (AV-5). Before its tables go. */
void unlink_anon_vmas(struct vm_area_struct *vma);
/* Moves every chain of from to to (to has none): a merge that keeps to and frees from. */
void anon_vma_move_chains(struct vm_area_struct *to, struct vm_area_struct *from);
/* Locks (unlocks) vma's anon_vma, if it has one: around changes of its start, end or pgoff,
 * which rmap walkers read to find a page's address. */
void anon_vma_lock_vma(struct vm_area_struct *vma);
void anon_vma_unlock_vma(struct vm_area_struct *vma);
/* True if a and b are chained to exactly the same anon_vmas. */
bool anon_vma_same_chains(struct vm_area_struct *a, struct vm_area_struct *b);

/* A new anonymous page of vma at addr (vma->anon_vma prepared): mapping and index (AV-2). */
void page_add_new_anon_rmap(struct page *page, struct vm_area_struct *vma, unsigned long addr);
/* A copy-on-write fault found page mapped by vma alone and kept it: from now on it is found
 * through vma's own anon_vma, the narrowest family (PTE lock held). */
void page_move_anon_rmap(struct page *page, struct vm_area_struct *vma);
/* The anon_vma page->mapping names, or NULL (not anonymous, or not yet attached). */
struct anon_vma *page_anon_vma(struct page *page);

/* A reference on page's anon_vma that stays valid across sleeps (AV-7), or NULL if the page
 * is no longer mapped. Drop it with put_anon_vma(). */
struct anon_vma *page_get_anon_vma(struct page *page);
void put_anon_vma(struct anon_vma *av);
/* page's anon_vma with its root's lock held, or NULL if the page is no longer mapped
 * (AV-7). Unlock with page_unlock_anon_vma(). */
struct anon_vma *page_lock_anon_vma(struct page *page);
void page_unlock_anon_vma(struct anon_vma *av);

/* The user address at which vma would map page, or -EFAULT cast if outside it. */
unsigned long vma_address(struct page *page, struct vm_area_struct *vma);

/*
 * rmap_walk (AV-8): calls one(page, vma, addr, arg) for each VMA that may map page, under
 * the anon_vma lock (a shared page: each VMA on its object's i_mmap, under i_mmap_mutex); one()
 * must check the PTE itself (the VMA may not map it any more, or never did: a copy-on-write broke).
 * one() returns false to stop. Returns false if the page was not mapped (nothing to walk).
 */
bool rmap_walk(struct page *page,
	       bool (*one)(struct page *page, struct vm_area_struct *vma, unsigned long addr,
			   void *arg),
	       void *arg);

/* Unmaps page from every process that maps it (each PTE cleared, flushed, its reference
 * dropped). Returns true if no mapping is left. */
bool try_to_unmap(struct page *page);
/* How many mappings of page were young; clears their young bits (AV-8). */
int page_referenced(struct page *page);

/*
 * Migration (kernel/mm/migrate.c): moves page (anonymous, mapped; the caller holds one
 * reference) to a new frame, every mapping included. 0, -EAGAIN (someone else holds a
 * reference, a pin say, or moves it already), -ENOMEM, -EINVAL (not a mapped anonymous page;
 * shared pages are refused too: the object's page array would have to move with them).
 * May sleep. While it runs, the PTEs are migration entries: a fault on one waits.
 */
int migrate_page(struct page *page);
/* migrate_page() for the page mapped at addr in the caller's mm (the debug syscall). */
int migrate_user_page(unsigned long addr);
bool page_migrating(struct page *page);
void wait_on_page_migration(struct page *page);
struct migrate_stats {
	unsigned long moved; /* pages moved */
	unsigned long busy;  /* attempts abandoned for a reference not ours */
};
extern struct migrate_stats migrate_stats;

/* Checks invariants 1 and 2 (and <mica/shmem.h>'s first) over every mm; logs each violation (at
 * most a few) and returns how many there were. For tests, on a quiet system (no mm changing
 * meanwhile). */
unsigned long rmap_verify(void);

struct rmap_stats {
	unsigned long anon_vmas, chains;	  /* alive now */
	unsigned long anon_vmas_reused_fork;	  /* AV-4 reuse of an idle anon_vma */
	unsigned long anon_vmas_reused_neighbour; /* AV-3 */
	unsigned long lock_slow;		  /* page_lock_anon_vma took the refcount path */
};
extern struct rmap_stats rmap_stats;

/* Tests only: page_lock_anon_vma() spins this long at its two racy points (after reading
 * page->mapping, after taking the reference), so an unmap on another CPU lands there. */
extern unsigned long rmap_race_window_ns;

#endif
