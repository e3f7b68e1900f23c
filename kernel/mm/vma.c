/*
 * VMAs: the mapped ranges of one address space (DESIGN VM-1; include/mica/mm_types.h for the
 * invariants, docs/mm-vma.md for the walk-through).
 *
 * A plain sorted doubly linked list, searched linearly: clarity over speed (Linux uses a maple
 * tree; an rbtree would do). Every change follows one pattern, so no error leaves half a change
 * behind: check the arguments, allocate every VMA the change may need (at most two: one per
 * edge), then commit with steps that cannot fail, then free what was not used.
 */
#include <mica/cpu.h>
#include <mica/errno.h>
#include <mica/mm_types.h>
#include <mica/panic.h>
#include <mica/printk.h>
#include <mica/rmap.h>
#include <mica/sched.h>
#include <mica/shmem.h>
#include <mica/slab.h>
#include <mica/swap.h>
#include <mica/tlb.h>
#include <mica/tlbflush.h>

struct kmem_cache *vm_area_cachep;
static struct kmem_cache *mm_cachep;

/* Lock contracts. rwsem does not track readers one by one, so "read" means "held somehow". */
static void assert_write_locked(struct mm_struct *mm, const char *fn)
{
	if (!rwsem_is_write_locked_by_me(&mm->mmap_lock))
		panic("%s: mmap_lock not held for write", fn);
}

static void assert_locked(struct mm_struct *mm, const char *fn)
{
	if (!rwsem_is_locked(&mm->mmap_lock))
		panic("%s: mmap_lock not held", fn);
}

/* Creates the caches. Boot CPU, once, after kthread_init(). */
void vma_init(void)
{
	vm_area_cachep = kmem_cache_create("vm_area_struct", sizeof(struct vm_area_struct), 0, 0);
	mm_cachep = kmem_cache_create("mm_struct", sizeof(struct mm_struct), 0, 0);
	if (!vm_area_cachep || !mm_cachep)
		panic("vma_init: no memory for the caches");
	anon_vma_init();
	swap_init();
	shmem_init();
}

/* Every mm, for rmap_verify() (which checks rmap against a scan of every page table). */
static DEFINE_MUTEX(mm_list_lock);
static struct list_head mm_list = LIST_HEAD_INIT(mm_list);

/* Calls fn(mm, arg) for every mm alive, with mm_list_lock held (fn may sleep, and must not
 * create or free an mm). */
void for_each_mm(void (*fn)(struct mm_struct *mm, void *arg), void *arg)
{
	struct mm_struct *mm;

	mutex_lock(&mm_list_lock);
	list_for_each_entry(mm, &mm_list, mm_list) fn(mm, arg);
	mutex_unlock(&mm_list_lock);
}

/* Returns a new empty mm with one reference, or NULL if no memory. May sleep. */
static u64 mm_ids; /* the last mm->id given */

struct mm_struct *mm_create(void)
{
	struct mm_struct *mm = kmem_cache_alloc(mm_cachep, GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN);

	if (!mm)
		return NULL;
	if (pgd_alloc(mm)) {
		kmem_cache_free(mm_cachep, mm);
		return NULL;
	}
	init_rwsem(&mm->mmap_lock);
	spin_lock_init(&mm->page_table_lock);
	mm->id = __atomic_add_fetch(&mm_ids, 1, __ATOMIC_RELAXED);
	mutex_lock(&mm_list_lock);
	list_add_tail(&mm->mm_list, &mm_list);
	mutex_unlock(&mm_list_lock);
	list_init(&mm->vmas);
	atomic_set(&mm->users, 1);
	atomic_set(&mm->count, 1);
	return mm;
}

/* Drops a reference; the last one unmaps everything (exit_mmap()) and frees every VMA, the
 * top table and the mm. No CPU runs on it any more: each user switched away first, and the
 * CPUs that kept it loaded lazily are sent off it here (<mica/tlbflush.h>). */
void mm_put(struct mm_struct *mm)
{
	struct vm_area_struct *v, *tmp;

	if (atomic_add_return(&mm->users, -1) != 0)
		return;
	tlb_lazy_drop_mm(mm);
	for (unsigned i = 0; i < ncpus; i++)
		if (READ_ONCE(cpus[i].active_mm) == mm)
			panic("mm_put: cpu%u still runs on the mm being freed", i);
	mutex_lock(&mm_list_lock);
	list_del_init(&mm->mm_list);
	mutex_unlock(&mm_list_lock);
	exit_mmap(mm);
	list_for_each_entry_safe(v, tmp, &mm->vmas, vm_list)
	{
		list_del_init(&v->vm_list);
		kmem_cache_free(vm_area_cachep, v);
	}
	mm_drop(mm);
}

void mm_drop(struct mm_struct *mm)
{
	if (atomic_add_return(&mm->count, -1) != 0)
		return;
	pgd_free(mm);
	kmem_cache_free(mm_cachep, mm);
}

/* Returns the first VMA with vm_end > addr (it may start above addr), or NULL. Read lock. */
struct vm_area_struct *find_vma(struct mm_struct *mm, unsigned long addr)
{
	struct vm_area_struct *v;

	assert_locked(mm, "find_vma");
	list_for_each_entry(v, &mm->vmas, vm_list) if (v->vm_end > addr) return v;
	return NULL;
}

/* Returns the first VMA overlapping [start, end), or NULL. Read lock. */
struct vm_area_struct *find_vma_intersection(struct mm_struct *mm, unsigned long start,
					     unsigned long end)
{
	struct vm_area_struct *v = find_vma(mm, start);

	return v && v->vm_start < end ? v : NULL;
}

/* True if next may be folded into prev: adjacent, same flags, contiguous pgoff, the same
 * shmem object or none (with contiguous pgoff: contiguous offsets in it), and rmap agrees:
 * one of them has no anon_vma yet (so no page), or both have the same one with the same
 * chains (the halves of one VMA split earlier). Two VMAs with different families could not
 * be found from each other's pages after a merge. */
bool vma_can_merge(const struct vm_area_struct *prev, const struct vm_area_struct *next)
{
	return prev->vm_end == next->vm_start && prev->vm_flags == next->vm_flags &&
	       prev->vm_pgoff + vma_pages(prev) == next->vm_pgoff && prev->vm_shm == next->vm_shm &&
	       (!prev->anon_vma || !next->anon_vma ||
		(prev->anon_vma == next->anon_vma &&
		 anon_vma_same_chains((struct vm_area_struct *)prev,
				      (struct vm_area_struct *)next)));
}

/* True if [start, start+len) is a non-empty, page-aligned range that does not wrap. */
static bool range_ok(unsigned long start, unsigned long len)
{
	return len != 0 && (start & ~PAGE_MASK) == 0 && (len & ~PAGE_MASK) == 0 &&
	       start + len > start && start >= USER_BASE && start + len <= USER_TOP;
}

struct vm_area_struct *vma_alloc(void)
{
	struct vm_area_struct *v = kmem_cache_alloc(vm_area_cachep, GFP_KERNEL | __GFP_NOWARN);

	if (v) {
		v->anon_vma = NULL;
		list_init(&v->anon_vma_chain);
		v->vm_shm = NULL;
		list_init(&v->shared_link);
	}
	return v;
}

/* Frees a VMA already off the mm's list, unchained from every anon_vma and off its object's
 * i_mmap. */
void vma_free(struct vm_area_struct *v)
{
	BUG_ON(v->anon_vma || !list_empty(&v->anon_vma_chain) || v->vm_shm ||
	       !list_empty(&v->shared_link));
	kmem_cache_free(vm_area_cachep, v);
}

/* Locks what an rmap walker reads v's boundaries under: its anon_vma's lock or its object's
 * i_mmap_mutex (a VMA has at most one of the two). */
static void vma_lock_rmap(struct vm_area_struct *v)
{
	anon_vma_lock_vma(v);
	shmem_lock_vma(v);
}

static void vma_unlock_rmap(struct vm_area_struct *v)
{
	shmem_unlock_vma(v);
	anon_vma_unlock_vma(v);
}

static void vma_unlink_free(struct mm_struct *mm, struct vm_area_struct *v)
{
	list_del_init(&v->vm_list);
	mm->map_count--;
	vma_free(v);
}

/* Folds next into prev (vma_can_merge() said yes) and frees next. If only next has pages,
 * prev takes over its chains; if both do, they share them (the same family) and next's go.
 * Shared VMAs map the same object: prev grows over next's range before next leaves i_mmap, so
 * a walker meanwhile finds those pages through one VMA or both, never through none. */
static void vma_fold(struct mm_struct *mm, struct vm_area_struct *prev, struct vm_area_struct *next)
{
	if (next->anon_vma && !prev->anon_vma)
		anon_vma_move_chains(prev, next);
	else
		unlink_anon_vmas(next);
	vma_lock_rmap(prev);
	prev->vm_end = next->vm_end;
	vma_unlock_rmap(prev);
	shmem_unlink_vma(next);
	vma_unlink_free(mm, next);
}

/* The VMA a new one at [start, end) would follow (NULL: it would be first) in *prev, and the
 * one it would precede in *next. 0, or -EEXIST if a VMA overlaps the range. */
static int vma_neighbours(struct mm_struct *mm, unsigned long start, unsigned long end,
			  struct vm_area_struct **prev, struct vm_area_struct **next)
{
	*next = find_vma(mm, start);
	if (*next && (*next)->vm_start < end)
		return -EEXIST;
	*prev = *next ? vma_prev_of(mm, *next)
		      : (list_empty(&mm->vmas)
			     ? NULL
			     : list_entry(mm->vmas.prev, struct vm_area_struct, vm_list));
	return 0;
}

/* Puts the new VMA v on mm's list after prev (NULL: first). */
static void vma_link_after(struct mm_struct *mm, struct vm_area_struct *v,
			   struct vm_area_struct *prev)
{
	__list_insert(&v->vm_list, prev ? &prev->vm_list : &mm->vmas,
		      prev ? prev->vm_list.next : mm->vmas.next);
	mm->map_count++;
}

/* Maps [start, start+len) with flags and pgoff, merging with its neighbours when it can.
 * 0, -EINVAL (unaligned, empty, wrapping), -EEXIST (any page already mapped), -ENOMEM.
 * Overlap is refused rather than unmapped first: MAP_FIXED-style replacement is the caller's
 * business (vma_unmap_range() then vma_insert()). */
int vma_insert(struct mm_struct *mm, unsigned long start, unsigned long len, unsigned long flags,
	       unsigned long pgoff)
{
	unsigned long end = start + len;
	struct vm_area_struct *prev, *next, *v,
	    new = { .vm_start = start, .vm_end = end, .vm_flags = flags, .vm_pgoff = pgoff };
	bool to_prev, to_next;
	int ret;

	assert_write_locked(mm, "vma_insert");
	if (!range_ok(start, len))
		return -EINVAL;
	if ((ret = vma_neighbours(mm, start, end, &prev, &next)))
		return ret;
	to_prev = prev && vma_can_merge(prev, &new);
	to_next = next && vma_can_merge(&new, next);
	if (to_prev && to_next) { /* fills the gap exactly: prev swallows new and next */
		vma_fold(mm, prev, next);
	} else if (to_prev) {
		anon_vma_lock_vma(prev);
		prev->vm_end = end;
		anon_vma_unlock_vma(prev);
	} else if (to_next) {
		anon_vma_lock_vma(next);
		next->vm_start = start;
		next->vm_pgoff = pgoff;
		anon_vma_unlock_vma(next);
	} else {
		if (!(v = vma_alloc()))
			return -ENOMEM;
		v->vm_start = start;
		v->vm_end = end;
		v->vm_flags = flags;
		v->vm_pgoff = pgoff;
		v->vm_mm = mm;
		vma_link_after(mm, v, prev);
	}
	return 0;
}

int vma_insert_shmem(struct mm_struct *mm, unsigned long start, unsigned long len,
		     unsigned long flags, struct shmem_object *obj)
{
	struct vm_area_struct *prev, *next, *v;
	int ret;

	assert_write_locked(mm, "vma_insert_shmem");
	if (!range_ok(start, len) || len >> PAGE_SHIFT > obj->nr_pages)
		return -EINVAL;
	if ((ret = vma_neighbours(mm, start, start + len, &prev, &next)))
		return ret;
	if (!(v = vma_alloc()))
		return -ENOMEM;
	v->vm_start = start;
	v->vm_end = start + len;
	v->vm_flags = flags;
	v->vm_pgoff = 0;
	v->vm_mm = mm;
	shmem_link_vma(v, obj);
	vma_link_after(mm, v, prev);
	return 0;
}

/* A VMA to hold part of vma after a split: allocated, and chained to vma's anon_vmas (the
 * part's pages are found the same way). NULL if no memory. */
static struct vm_area_struct *vma_spare_for(struct vm_area_struct *vma)
{
	struct vm_area_struct *spare = vma_alloc();

	if (!spare)
		return NULL;
	/* A twin of vma until the split trims both: an rmap walker may meet it on the chains
	 * from the moment it is linked there, and must find a sane VMA. */
	spare->vm_mm = vma->vm_mm;
	spare->vm_start = vma->vm_start;
	spare->vm_end = vma->vm_end;
	spare->vm_flags = vma->vm_flags;
	spare->vm_pgoff = vma->vm_pgoff;
	spare->anon_vma = vma->anon_vma;
	if (anon_vma_clone(spare, vma)) {
		kmem_cache_free(vm_area_cachep, spare);
		return NULL;
	}
	if (vma->vm_shm)
		shmem_link_vma(spare, vma->vm_shm);
	return spare;
}

/* Cuts vma at addr into vma [start, addr) and spare [addr, end), linked after it. Cannot fail:
 * spare came from vma_spare_for(vma). */
static void __vma_split(struct mm_struct *mm, struct vm_area_struct *vma, unsigned long addr,
			struct vm_area_struct *spare)
{
	vma_lock_rmap(vma); /* walkers see both halves change at once */
	spare->vm_flags = vma->vm_flags;
	spare->vm_end = vma->vm_end;
	spare->vm_start = addr;
	spare->vm_pgoff = vma->vm_pgoff + ((addr - vma->vm_start) >> PAGE_SHIFT);
	vma->vm_end = addr;
	vma_unlock_rmap(vma);
	list_add(&spare->vm_list, &vma->vm_list);
	mm->map_count++;
}

/* Cuts vma in two at addr (page aligned, strictly inside); vma keeps the lower half. Leaves
 * two mergeable VMAs: a step for callers, who merge back. 0, -EINVAL, -ENOMEM. */
int vma_split(struct mm_struct *mm, struct vm_area_struct *vma, unsigned long addr)
{
	struct vm_area_struct *spare;

	assert_write_locked(mm, "vma_split");
	if ((addr & ~PAGE_MASK) || addr <= vma->vm_start || addr >= vma->vm_end)
		return -EINVAL;
	if (!(spare = vma_spare_for(vma)))
		return -ENOMEM;
	__vma_split(mm, vma, addr, spare);
	return 0;
}

/* Merges every mergeable neighbour pair touching [start, end). Never fails. */
void vma_merge_range(struct mm_struct *mm, unsigned long start, unsigned long end)
{
	struct vm_area_struct *v = find_vma(mm, start), *next;

	assert_write_locked(mm, "vma_merge_range");
	if (!v)
		return;
	if (vma_prev_of(mm, v)) /* the VMA just below may merge with the first one inside */
		v = vma_prev_of(mm, v);
	while ((next = vma_next_of(mm, v)) && v->vm_start <= end) {
		if (vma_can_merge(v, next))
			vma_fold(mm, v, next); /* and try v again with its new next */
		else
			v = next;
	}
}

static void free_spares(struct vm_area_struct *spare[2])
{
	for (unsigned i = 0; i < 2; i++)
		if (spare[i]) {
			unlink_anon_vmas(spare[i]);
			shmem_unlink_vma(spare[i]);
			vma_free(spare[i]);
			spare[i] = NULL;
		}
}

/* Allocates the (at most two) VMAs needed to cut [start, end) out of the VMAs around its
 * edges, each chained like the VMA it will be cut from. Returns 0 or -ENOMEM (having freed
 * what it got). */
static int prealloc_edges(struct mm_struct *mm, unsigned long start, unsigned long end,
			  struct vm_area_struct *spare[2])
{
	struct vm_area_struct *lo = find_vma(mm, start), *hi = find_vma(mm, end), *cut[2];
	unsigned need = 0;

	if (lo && lo->vm_start < start) /* start cuts a VMA */
		cut[need++] = lo;
	if (hi && hi->vm_start < end && end < hi->vm_end) /* end cuts one (maybe lo too) */
		cut[need++] = hi;
	spare[0] = spare[1] = NULL;
	for (unsigned i = 0; i < need; i++) {
		if (!(spare[i] = vma_spare_for(cut[i]))) {
			free_spares(spare);
			return -ENOMEM;
		}
	}
	return 0;
}

/* Splits at start and at end where they fall strictly inside a VMA, using the spares (the
 * used ones are set to NULL). Afterwards [start, end) is covered by whole VMAs only. */
static void split_edges(struct mm_struct *mm, unsigned long start, unsigned long end,
			struct vm_area_struct *spare[2])
{
	struct vm_area_struct *v;
	unsigned used = 0;

	if ((v = find_vma(mm, start)) && v->vm_start < start) {
		__vma_split(mm, v, start, spare[used]);
		spare[used++] = NULL;
	}
	if ((v = find_vma(mm, end)) && v->vm_start < end && end < v->vm_end) {
		__vma_split(mm, v, end, spare[used]);
		spare[used++] = NULL;
	}
}

/*
 * The page-table half of munmap (MG-6), after split_edges() made [start, end) whole VMAs:
 * clear the PTEs, free the tables that only served this range (the neighbours' ends bound
 * what may go), and let the gather invalidate before it frees. Each VMA leaves its
 * anon_vmas between the two (AV-5, MG-6).
 */
static void unmap_page_tables(struct mm_struct *mm, unsigned long start, unsigned long end)
{
	struct vm_area_struct *first = find_vma(mm, start), *prev, *next;
	struct mmu_gather tlb;

	if (!first || first->vm_start >= end)
		return; /* a hole: nothing mapped, so no tables either */
	prev = vma_prev_of(mm, first);
	for (next = first; next && next->vm_start < end;)
		next = vma_next_of(mm, next);
	tlb_gather_mmu(&tlb, mm, false);
	unmap_vmas(&tlb, first, start, end);
	/* Unchain before the tables go (invariant 4 of <mica/rmap.h>): a walker holding an
	 * anon_vma lock (an object's i_mmap_mutex) walks the tables of every VMA still chained
	 * (on i_mmap). Both are mutexes, taken with the gather open: why the gather must allow
	 * sleeping (MG-1). */
	for (struct vm_area_struct *v = first; v != next; v = vma_next_of(mm, v)) {
		unlink_anon_vmas(v);
		shmem_unlink_vma(v);
	}
	free_pgtables(&tlb, start, end, prev ? prev->vm_end : USER_BASE,
		      next ? next->vm_start : USER_TOP);
	tlb_finish_mmu(&tlb);
}

/* Unmaps [start, start+len) (holes are fine, as munmap). 0, -EINVAL, -ENOMEM. */
int vma_unmap_range(struct mm_struct *mm, unsigned long start, unsigned long len)
{
	unsigned long end = start + len;
	struct vm_area_struct *spare[2], *v, *tmp;

	assert_write_locked(mm, "vma_unmap_range");
	if (!range_ok(start, len))
		return -EINVAL;
	if (prealloc_edges(mm, start, end, spare))
		return -ENOMEM;
	split_edges(mm, start, end, spare);
	unmap_page_tables(mm, start, end);
	list_for_each_entry_safe(v, tmp, &mm->vmas, vm_list)
	{
		if (v->vm_start >= end)
			break;
		if (v->vm_start >= start) /* whole VMAs only, after split_edges() */
			vma_unlink_free(mm, v);
	}
	free_spares(spare);
	return 0;
}

/* True if every page of [start, end) is mapped. */
static bool range_mapped(struct mm_struct *mm, unsigned long start, unsigned long end)
{
	struct vm_area_struct *v;

	for (v = find_vma(mm, start); v && start < end; v = vma_next_of(mm, v)) {
		if (v->vm_start > start)
			return false;
		start = v->vm_end;
	}
	return start >= end;
}

/* Sets the VM_READ/WRITE/EXEC bits of [start, start+len) to prot (others kept), as mprotect.
 * 0, -EINVAL (bad range or prot), -ENOMEM (a hole in the range, or no memory). */
int vma_protect(struct mm_struct *mm, unsigned long start, unsigned long len, unsigned long prot)
{
	unsigned long end = start + len;
	struct vm_area_struct *spare[2], *v;

	assert_write_locked(mm, "vma_protect");
	if (!range_ok(start, len) || (prot & ~VM_PROT_MASK))
		return -EINVAL;
	if (!range_mapped(mm, start, end))
		return -ENOMEM;
	if (prealloc_edges(mm, start, end, spare))
		return -ENOMEM;
	split_edges(mm, start, end, spare);
	for (v = find_vma(mm, start); v && v->vm_start < end; v = vma_next_of(mm, v))
		v->vm_flags = (v->vm_flags & ~VM_PROT_MASK) | prot;
	change_protection(mm, start, end);
	vma_merge_range(mm, start, end);
	free_spares(spare);
	return 0;
}

/* Checks every invariant of mm_types.h; returns 0, or -EINVAL after printing the first one
 * broken. Read lock. */
int vma_verify(struct mm_struct *mm)
{
	struct vm_area_struct *v, *prev = NULL;
	int n = 0;

	assert_locked(mm, "vma_verify");
	list_for_each_entry(v, &mm->vmas, vm_list)
	{
		const char *why = NULL;

		if ((v->vm_start & ~PAGE_MASK) || (v->vm_end & ~PAGE_MASK))
			why = "unaligned";
		else if (v->vm_start >= v->vm_end)
			why = "empty or inverted";
		else if (v->vm_mm != mm)
			why = "vm_mm is another mm";
		else if (prev && prev->vm_end > v->vm_start)
			why = "unsorted or overlapping";
		else if (prev && vma_can_merge(prev, v))
			why = "mergeable with the previous VMA";
		if (why) {
			pr_err("vma_verify: [%lx, %lx) flags %lx pgoff %lx: %s", v->vm_start,
			       v->vm_end, v->vm_flags, v->vm_pgoff, why);
			return -EINVAL;
		}
		prev = v;
		n++;
	}
	if (n != mm->map_count) {
		pr_err("vma_verify: map_count %d but %d VMAs", mm->map_count, n);
		return -EINVAL;
	}
	return 0;
}
