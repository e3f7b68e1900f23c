/*
 * Suite vma (DESIGN VM-1): find_vma at every edge, merge on insert (and the cases that must
 * not merge), split, unmap, protect, rollback of every -ENOMEM path under fault injection, and
 * threads changing one mm under mmap_lock while others look up. Every case ends with
 * vma_verify() (sorted, non-overlapping, aligned, nothing left unmerged, map_count right).
 */
#include <mica/errno.h>
#include <mica/ktest.h>
#include <mica/mm.h>
#include <mica/mm_types.h>
#include <mica/sched.h>
#include <mica/slab.h>

#include "mm_test.h"

#define P(n) ((unsigned long)(n)*PAGE_SIZE)
#define B (USER_BASE + 0x10000000UL) /* inside the user range, clear of its edges */
#define PG(a) ((a) >> PAGE_SHIFT)
#define RW (VM_READ | VM_WRITE | VM_ANON)
#define RO (VM_READ | VM_ANON)

struct snap {
	unsigned long start, end, flags, pgoff;
};
#define MAXSNAP 32

/* Anonymous insert: pgoff follows the address (the convention of mm_types.h). */
static int ins(struct mm_struct *mm, unsigned long start, unsigned long len, unsigned long fl)
{
	return vma_insert(mm, start, len, fl, PG(start));
}

static unsigned take_snap(struct mm_struct *mm, struct snap *s)
{
	struct vm_area_struct *v;
	unsigned n = 0;

	list_for_each_entry(v, &mm->vmas, vm_list)
	{
		if (n < MAXSNAP)
			s[n] = (struct snap){ v->vm_start, v->vm_end, v->vm_flags, v->vm_pgoff };
		n++;
	}
	return n;
}

/* True if mm's list is exactly exp[0..n). */
static bool list_is(struct mm_struct *mm, const struct snap *exp, unsigned n)
{
	struct snap s[MAXSNAP];
	unsigned got = take_snap(mm, s);

	if (got != n)
		return false;
	for (unsigned i = 0; i < n; i++)
		if (s[i].start != exp[i].start || s[i].end != exp[i].end ||
		    s[i].flags != exp[i].flags || s[i].pgoff != exp[i].pgoff)
			return false;
	return true;
}

#define EXPECT_LIST(t, mm, ...)                                     \
	do {                                                        \
		static const struct snap __e[] = { __VA_ARGS__ };   \
		KTEST_EXPECT(t, list_is(mm, __e, ARRAY_SIZE(__e))); \
	} while (0)
#define A(s, e, f)                   \
	{                            \
		(s), (e), (f), PG(s) \
	} /* anonymous VMA with linear pgoff */

static struct mm_struct *begin(struct ktest *t)
{
	struct mm_struct *mm = mm_create();

	KTEST_EXPECT(t, mm != NULL);
	if (mm)
		down_write(&mm->mmap_lock);
	return mm;
}

static void end(struct ktest *t, struct mm_struct *mm)
{
	KTEST_EXPECT_EQ(t, vma_verify(mm), 0);
	up_write(&mm->mmap_lock);
	mm_put(mm);
}

static void find_vma_at_every_edge(struct ktest *t)
{
	struct mm_struct *mm = begin(t);
	struct vm_area_struct *a, *b;

	KTEST_ASSERT(t, mm);
	KTEST_EXPECT(t, find_vma(mm, B) == NULL);
	KTEST_ASSERT_EQ(t, ins(mm, B + P(2), P(2), RW), 0);
	KTEST_ASSERT_EQ(t, ins(mm, B + P(6), P(2), RW), 0);
	a = find_vma(mm, B + P(2));
	b = find_vma(mm, B + P(6));
	KTEST_ASSERT(t, a && b && a != b);
	KTEST_EXPECT(t, find_vma(mm, 0) == a);		  /* below everything: the first */
	KTEST_EXPECT(t, find_vma(mm, B + P(2) - 1) == a); /* just below a */
	KTEST_EXPECT(t, find_vma(mm, B + P(4) - 1) == a); /* a's last byte */
	KTEST_EXPECT(t, find_vma(mm, B + P(4)) == b);	  /* a's end is not in a */
	KTEST_EXPECT(t, find_vma(mm, B + P(5)) == b);	  /* in the gap: the next one */
	KTEST_EXPECT(t, find_vma(mm, B + P(8) - 1) == b);
	KTEST_EXPECT(t, find_vma(mm, B + P(8)) == NULL);
	KTEST_EXPECT(t, find_vma(mm, ~0UL) == NULL);
	KTEST_EXPECT(t, find_vma_intersection(mm, B, B + P(2)) == NULL);
	KTEST_EXPECT(t, find_vma_intersection(mm, B, B + P(2) + 1) == a);
	KTEST_EXPECT(t, find_vma_intersection(mm, B + P(4), B + P(6)) == NULL);
	KTEST_EXPECT(t, find_vma_intersection(mm, B + P(3), B + P(7)) == a);
	KTEST_EXPECT(t, find_vma_intersection(mm, B + P(5), B + P(7)) == b);
	KTEST_EXPECT(t, find_vma_intersection(mm, B + P(8), B + P(9)) == NULL);
	end(t, mm);
}

static void insert_rejects_bad_ranges_and_overlap(struct ktest *t)
{
	struct mm_struct *mm = begin(t);

	KTEST_ASSERT(t, mm);
	KTEST_EXPECT_EQ(t, ins(mm, B + 1, P(1), RW), -EINVAL);	   /* unaligned start */
	KTEST_EXPECT_EQ(t, ins(mm, B, P(1) + 1, RW), -EINVAL);	   /* unaligned length */
	KTEST_EXPECT_EQ(t, ins(mm, B, 0, RW), -EINVAL);		   /* empty */
	KTEST_EXPECT_EQ(t, ins(mm, PAGE_MASK, P(2), RW), -EINVAL); /* wraps */
	KTEST_EXPECT_EQ(t, ins(mm, B + P(4), P(4), RW), 0);
	KTEST_EXPECT_EQ(t, ins(mm, B + P(4), P(4), RW), -EEXIST); /* the same */
	KTEST_EXPECT_EQ(t, ins(mm, B + P(2), P(3), RW), -EEXIST); /* overlaps the start */
	KTEST_EXPECT_EQ(t, ins(mm, B + P(7), P(3), RW), -EEXIST); /* overlaps the end */
	KTEST_EXPECT_EQ(t, ins(mm, B + P(5), P(1), RW), -EEXIST); /* inside */
	KTEST_EXPECT_EQ(t, ins(mm, B, P(16), RW), -EEXIST);	  /* around */
	EXPECT_LIST(t, mm, A(B + P(4), B + P(8), RW));
	KTEST_EXPECT_EQ(t, mm->map_count, 1);
	end(t, mm);
}

static void insert_merges_with_prev_next_and_both(struct ktest *t)
{
	struct mm_struct *mm = begin(t);

	KTEST_ASSERT(t, mm);
	KTEST_ASSERT_EQ(t, ins(mm, B, P(2), RW), 0);
	KTEST_ASSERT_EQ(t, ins(mm, B + P(2), P(2), RW), 0); /* with prev */
	EXPECT_LIST(t, mm, A(B, B + P(4), RW));
	KTEST_ASSERT_EQ(t, ins(mm, B + P(8), P(2), RW), 0);
	KTEST_ASSERT_EQ(t, ins(mm, B + P(6), P(2), RW), 0); /* with next */
	EXPECT_LIST(t, mm, A(B, B + P(4), RW), A(B + P(6), B + P(10), RW));
	KTEST_ASSERT_EQ(t, ins(mm, B + P(4), P(2), RW), 0); /* fills the gap: with both */
	EXPECT_LIST(t, mm, A(B, B + P(10), RW));
	KTEST_EXPECT_EQ(t, mm->map_count, 1);
	end(t, mm);
}

static void insert_does_not_merge_across_gap_flags_or_pgoff(struct ktest *t)
{
	struct mm_struct *mm = begin(t);

	KTEST_ASSERT(t, mm);
	KTEST_ASSERT_EQ(t, ins(mm, B, P(2), RW), 0);
	KTEST_ASSERT_EQ(t, ins(mm, B + P(3), P(2), RW), 0); /* one page of gap */
	KTEST_ASSERT_EQ(t, ins(mm, B + P(5), P(2), RO), 0); /* adjacent, other flags */
	/* adjacent, same flags, pgoff not contiguous (as a file mapped at another offset) */
	KTEST_ASSERT_EQ(t, vma_insert(mm, B + P(7), P(2), RO, 1234), 0);
	/* and the reverse: a next with contiguous flags but not pgoff */
	KTEST_ASSERT_EQ(t, vma_insert(mm, B + P(9), P(1), RO, 1234 + 2), 0); /* this one merges */
	{
		static const struct snap e[] = { A(B, B + P(2), RW),
						 A(B + P(3), B + P(5), RW),
						 A(B + P(5), B + P(7), RO),
						 { B + P(7), B + P(10), RO, 1234 } };
		KTEST_EXPECT(t, list_is(mm, e, ARRAY_SIZE(e)));
	}
	KTEST_EXPECT_EQ(t, mm->map_count, 4);
	end(t, mm);
}

static void split_middle_and_refuse_edges(struct ktest *t)
{
	struct mm_struct *mm = begin(t);
	struct vm_area_struct *v;

	KTEST_ASSERT(t, mm);
	KTEST_ASSERT_EQ(t, ins(mm, B, P(4), RW), 0);
	v = find_vma(mm, B);
	KTEST_EXPECT_EQ(t, vma_split(mm, v, B), -EINVAL);	     /* at the start */
	KTEST_EXPECT_EQ(t, vma_split(mm, v, B + P(4)), -EINVAL);     /* at the end */
	KTEST_EXPECT_EQ(t, vma_split(mm, v, B + P(9)), -EINVAL);     /* outside */
	KTEST_EXPECT_EQ(t, vma_split(mm, v, B - P(1)), -EINVAL);     /* outside, below */
	KTEST_EXPECT_EQ(t, vma_split(mm, v, B + P(1) + 8), -EINVAL); /* unaligned */
	EXPECT_LIST(t, mm, A(B, B + P(4), RW));
	KTEST_ASSERT_EQ(t, vma_split(mm, v, B + P(1)), 0);
	KTEST_ASSERT_EQ(t, vma_split(mm, find_vma(mm, B + P(1)), B + P(3)), 0);
	EXPECT_LIST(t, mm, A(B, B + P(1), RW), A(B + P(1), B + P(3), RW),
		    A(B + P(3), B + P(4), RW));
	KTEST_EXPECT_EQ(t, mm->map_count, 3);
	KTEST_EXPECT(t, vma_verify(mm) != 0); /* split leaves mergeable pieces: verify sees it */
	vma_merge_range(mm, B, B + P(4));
	EXPECT_LIST(t, mm, A(B, B + P(4), RW));
	end(t, mm);
}

static void unmap_hole_keeps_pgoff(struct ktest *t)
{
	struct mm_struct *mm = begin(t);

	KTEST_ASSERT(t, mm);
	KTEST_ASSERT_EQ(t, ins(mm, B, P(8), RW), 0);
	KTEST_EXPECT_EQ(t, vma_unmap_range(mm, B + P(3), 0), -EINVAL);
	KTEST_EXPECT_EQ(t, vma_unmap_range(mm, B + P(3) + 1, P(1)), -EINVAL);
	KTEST_ASSERT_EQ(t, vma_unmap_range(mm, B + P(3), P(2)), 0);
	/* the upper piece keeps its pages' offsets: pgoff = PG(B) + 5, which A() computes */
	EXPECT_LIST(t, mm, A(B, B + P(3), RW), A(B + P(5), B + P(8), RW));
	KTEST_EXPECT_EQ(t, vma_unmap_range(mm, B + P(3), P(2)), 0); /* a hole: nothing to do */
	KTEST_EXPECT_EQ(t, mm->map_count, 2);
	end(t, mm);
}

static void unmap_across_several_vmas(struct ktest *t)
{
	struct mm_struct *mm = begin(t);

	KTEST_ASSERT(t, mm);
	KTEST_ASSERT_EQ(t, ins(mm, B, P(4), RO), 0);
	KTEST_ASSERT_EQ(t, ins(mm, B + P(4), P(4), RW), 0);
	KTEST_ASSERT_EQ(t, ins(mm, B + P(9), P(2), RO), 0);
	KTEST_ASSERT_EQ(t, ins(mm, B + P(11), P(3), RW), 0);
	KTEST_ASSERT_EQ(t, vma_unmap_range(mm, B + P(2), P(10)), 0);
	EXPECT_LIST(t, mm, A(B, B + P(2), RO), A(B + P(12), B + P(14), RW));
	KTEST_ASSERT_EQ(t, vma_unmap_range(mm, USER_BASE, B + P(16) - USER_BASE), 0); /* all */
	KTEST_EXPECT_EQ(t, vma_unmap_range(mm, 0, P(1)), -EINVAL); /* below the user range */
	KTEST_EXPECT_EQ(t, vma_unmap_range(mm, USER_TOP - P(1), P(2)), -EINVAL); /* past it */
	KTEST_EXPECT(t, list_empty(&mm->vmas));
	KTEST_EXPECT_EQ(t, mm->map_count, 0);
	end(t, mm);
}

static void protect_middle_splits_in_three_then_merges_back(struct ktest *t)
{
	struct mm_struct *mm = begin(t);

	KTEST_ASSERT(t, mm);
	KTEST_ASSERT_EQ(t, ins(mm, B, P(9), RW), 0);
	KTEST_EXPECT_EQ(t, vma_protect(mm, B + P(3), P(3), VM_READ), 0);
	EXPECT_LIST(t, mm, A(B, B + P(3), RW), A(B + P(3), B + P(6), RO),
		    A(B + P(6), B + P(9), RW));
	KTEST_EXPECT_EQ(t, vma_verify(mm), 0);
	KTEST_EXPECT_EQ(t, vma_protect(mm, B + P(3), P(3), VM_READ | VM_WRITE), 0);
	EXPECT_LIST(t, mm, A(B, B + P(9), RW));
	/* over a hole: -ENOMEM (as mprotect) and nothing changed */
	KTEST_EXPECT_EQ(t, vma_protect(mm, B + P(8), P(2), VM_READ), -ENOMEM);
	KTEST_EXPECT_EQ(t, vma_protect(mm, B, P(1), VM_SHARED), -EINVAL);
	/* a prefix, then the rest: two pieces, then one again */
	KTEST_EXPECT_EQ(t, vma_protect(mm, B, P(2), VM_READ), 0);
	EXPECT_LIST(t, mm, A(B, B + P(2), RO), A(B + P(2), B + P(9), RW));
	KTEST_EXPECT_EQ(t, vma_protect(mm, B + P(2), P(7), VM_READ), 0);
	EXPECT_LIST(t, mm, A(B, B + P(9), RO));
	KTEST_EXPECT_EQ(t, mm->map_count, 1);
	end(t, mm);
}

/*
 * Fault injection reaches only alloc_pages(), so a VMA allocation fails only when its cache
 * must grow. mmt_hold_vmas(&hold, n) allocates (and holds) VMA objects until exactly n free ones
 * are left in the cache's slabs; with every page allocation then failing, the operation gets
 * exactly n VMAs: n = 0, 1 fail its first and second allocation (the after:N sweep, counted in
 * VMAs), n = 2 lets it succeed.
 */
static struct mmt_vma_hold hold;

enum op {
	OP_INSERT,
	OP_SPLIT,
	OP_UNMAP_HOLE,
	OP_UNMAP_ACROSS,
	OP_PROTECT_MIDDLE,
	OP_PROTECT_EDGE,
	NOPS
};
static const unsigned op_needs[NOPS] = { 1, 1, 2, 2, 2, 1 };

/* Three VMAs: [B, B+4p) RW, [B+4p, B+8p) RO, [B+10p, B+14p) RW. */
static int setup(struct mm_struct *mm)
{
	return ins(mm, B, P(4), RW) ?: ins(mm, B + P(4), P(4), RO) ?: ins(mm, B + P(10), P(4), RW);
}

static int run_op(struct mm_struct *mm, enum op op)
{
	switch (op) {
	case OP_INSERT:
		return ins(mm, B + P(20), P(1), RW);
	case OP_SPLIT:
		return vma_split(mm, find_vma(mm, B), B + P(2));
	case OP_UNMAP_HOLE:
		return vma_unmap_range(mm, B + P(11), P(2));
	case OP_UNMAP_ACROSS:
		return vma_unmap_range(mm, B + P(2), P(10));
	case OP_PROTECT_MIDDLE:
		return vma_protect(mm, B + P(1), P(2), VM_READ);
	case OP_PROTECT_EDGE:
		return vma_protect(mm, B + P(2), P(2), VM_READ); /* merges into the RO next */
	default:
		return -EINVAL;
	}
}

static void one_injected_run(struct ktest *t, enum op op, unsigned long nfree, enum fault_mode mode)
{
	struct mm_struct *mm = begin(t);
	struct snap before[MAXSNAP];
	unsigned n;
	unsigned long objs, injected;
	int err, want = nfree < op_needs[op] ? -ENOMEM : 0;

	KTEST_ASSERT(t, mm);
	KTEST_ASSERT_EQ(t, setup(mm), 0);
	n = take_snap(mm, before);
	objs = vm_area_cachep->nr_objs;
	KTEST_ASSERT(t, mmt_hold_vmas(&hold, nfree));
	injected = fault_inject_count();
	fault_inject_set(mode, mode == FAULT_EVERY ? 1 : 0, false, 0);
	err = run_op(mm, op);
	fault_inject_clear();
	mmt_release_vmas(&hold);
	if (err != want)
		ktest_log(t, "op %d with %lu free VMAs: %d, wanted %d", op, nfree, err, want);
	KTEST_EXPECT_EQ(t, err, want);
	if (err) {
		KTEST_EXPECT(t, fault_inject_count() > injected);  /* the failure was ours */
		KTEST_EXPECT(t, list_is(mm, before, n));	   /* nothing changed */
		KTEST_EXPECT_EQ(t, vm_area_cachep->nr_objs, objs); /* nothing leaked */
	} else {
		KTEST_EXPECT_EQ(t, vm_area_cachep->nr_objs,
				objs + (unsigned long)mm->map_count - n);
		if (op == OP_SPLIT) /* a split alone leaves mergeable halves: merge them back */
			vma_merge_range(mm, B, B + P(4));
	}
	end(t, mm);
}

static void every_enomem_path_rolls_back(struct ktest *t)
{
	unsigned long objs = vm_area_cachep->nr_objs;

	for (unsigned op = 0; op < NOPS; op++) {
		for (unsigned long nfree = 0; nfree <= op_needs[op]; nfree++)
			one_injected_run(t, op, nfree, FAULT_EVERY);
		one_injected_run(t, op, 0, FAULT_AFTER); /* after:0, the other knob */
	}
	KTEST_EXPECT_EQ(t, vm_area_cachep->nr_objs, objs); /* every mm_put freed its VMAs */
}

static void mm_put_frees_every_vma(struct ktest *t)
{
	unsigned long objs = vm_area_cachep->nr_objs;
	struct mm_struct *mm = begin(t);

	KTEST_ASSERT(t, mm);
	KTEST_ASSERT_EQ(t, setup(mm), 0);
	KTEST_EXPECT_EQ(t, vm_area_cachep->nr_objs, objs + 3);
	mm_get(mm);
	end(t, mm); /* drops one reference: still alive */
	KTEST_EXPECT_EQ(t, vm_area_cachep->nr_objs, objs + 3);
	mm_put(mm);
	KTEST_EXPECT_EQ(t, vm_area_cachep->nr_objs, objs);
}

/*
 * Writers each own a 1 MiB region and build the same shapes in it over and over under
 * mmap_lock for write; readers look up under read and must only ever see a finished shape.
 */
#define NWRITERS 4
#define NREADERS 2
#define ROUNDS 150
#define REGION(i) (B + (unsigned long)(i)*0x100000UL)

struct race {
	struct mm_struct *mm;
	atomic_t writers_left, bad, errors;
	atomic_t lookups;
	unsigned idx[NWRITERS];
};
static struct race race;

static void race_writer(void *arg)
{
	unsigned long r = REGION(*(unsigned *)arg);
	struct mm_struct *mm = race.mm;

	for (unsigned i = 0; i < ROUNDS; i++) {
		int err;

		down_write(&mm->mmap_lock);
		err = ins(mm, r, P(4), RW);
		up_write(&mm->mmap_lock);
		down_write(&mm->mmap_lock);
		err = err ?: ins(mm, r + P(4), P(4), RW); /* merges: [r, r+8p) */
		up_write(&mm->mmap_lock);
		down_write(&mm->mmap_lock);
		err = err ?: vma_unmap_range(mm, r + P(2), P(1)); /* [r, r+2p) + [r+3p, r+8p) */
		up_write(&mm->mmap_lock);
		if (err)
			atomic_inc(&race.errors);
		if (i == ROUNDS - 1)
			break;
		down_write(&mm->mmap_lock);
		if (vma_unmap_range(mm, r, P(8)))
			atomic_inc(&race.errors);
		up_write(&mm->mmap_lock);
		sched_yield(); /* with one CPU, let the readers in between rounds */
	}
	atomic_add_return(&race.writers_left, -1);
}

/* True if v is one of the shapes a writer leaves in region r between its lock holds. */
static bool shape_ok(const struct vm_area_struct *v, unsigned long r)
{
	unsigned long s = v->vm_start - r, e = v->vm_end - r;

	if (v->vm_flags != RW || v->vm_pgoff != PG(v->vm_start))
		return false;
	return (s == 0 && (e == P(4) || e == P(8) || e == P(2))) || (s == P(3) && e == P(8));
}

static void race_reader(void *arg)
{
	unsigned k = 0;

	(void)arg;
	/* at least a few passes even if the writers are done before this thread first runs */
	for (unsigned pass = 0; atomic_read(&race.writers_left) > 0 || pass < 16; pass++) {
		down_read(&race.mm->mmap_lock);
		for (unsigned w = 0; w < NWRITERS; w++) {
			unsigned long r = REGION(w), addr = r + P(k++ % 8);
			struct vm_area_struct *v = find_vma(race.mm, addr);

			if (v && (v->vm_end <= addr || (v->vm_start < r + P(8) && !shape_ok(v, r))))
				atomic_inc(&race.bad);
			atomic_inc(&race.lookups);
		}
		if (vma_verify(race.mm))
			atomic_inc(&race.bad);
		up_read(&race.mm->mmap_lock);
		sched_yield();
	}
}

static void threads_insert_unmap_while_others_find_vma(struct ktest *t)
{
	struct task *th[NWRITERS + NREADERS];
	struct snap exp[2 * NWRITERS];
	unsigned n = 0;

	race.mm = mm_create();
	KTEST_ASSERT(t, race.mm);
	atomic_set(&race.writers_left, NWRITERS);
	atomic_set(&race.bad, 0);
	atomic_set(&race.errors, 0);
	atomic_set(&race.lookups, 0);
	for (unsigned i = 0; i < NWRITERS + NREADERS; i++) {
		bool w = i < NWRITERS;

		if (w)
			race.idx[i] = i;
		th[i] = kthread_create(w ? race_writer : race_reader, w ? &race.idx[i] : NULL,
				       w ? "vma-writer" : "vma-reader");
		KTEST_ASSERT(t, th[i]); /* (leaks the started ones: the run is lost anyway) */
	}
	for (unsigned i = 0; i < NWRITERS + NREADERS; i++)
		kthread_start(th[i]);
	for (unsigned i = 0; i < NWRITERS + NREADERS; i++)
		kthread_join(th[i]);
	KTEST_EXPECT_EQ(t, atomic_read(&race.errors), 0);
	KTEST_EXPECT_EQ(t, atomic_read(&race.bad), 0);
	KTEST_EXPECT(t, atomic_read(&race.lookups) > 0);
	ktest_log(t, "%d lookups under read during %d writer rounds", atomic_read(&race.lookups),
		  NWRITERS * ROUNDS);
	for (unsigned i = 0; i < NWRITERS; i++) {
		exp[n++] = (struct snap)A(REGION(i), REGION(i) + P(2), RW);
		exp[n++] = (struct snap)A(REGION(i) + P(3), REGION(i) + P(8), RW);
	}
	down_write(&race.mm->mmap_lock);
	KTEST_EXPECT(t, list_is(race.mm, exp, n));
	end(t, race.mm);
}

KTEST_SUITE(vma, 0, KTEST_CASE(find_vma_at_every_edge),
	    KTEST_CASE(insert_rejects_bad_ranges_and_overlap),
	    KTEST_CASE(insert_merges_with_prev_next_and_both),
	    KTEST_CASE(insert_does_not_merge_across_gap_flags_or_pgoff),
	    KTEST_CASE(split_middle_and_refuse_edges), KTEST_CASE(unmap_hole_keeps_pgoff),
	    KTEST_CASE(unmap_across_several_vmas),
	    KTEST_CASE(protect_middle_splits_in_three_then_merges_back),
	    KTEST_CASE(every_enomem_path_rolls_back), KTEST_CASE(mm_put_frees_every_vma),
	    KTEST_CASE(threads_insert_unmap_while_others_find_vma));
