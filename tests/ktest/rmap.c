/*
 * Suite rmap (DESIGN AV-1..8): fork trees whose middle generations die, forks that then
 * adopt idle anon_vmas, splits and merges; try_to_unmap() and page_referenced() across many
 * processes; page_lock_anon_vma() racing with the last unmap and the free of the anon_vma.
 * Every case ends with rmap_verify() clean and every frame, anon_vma and chain given back.
 *
 * Processes are address spaces here: mmt_fork() is fork's memory half (dup_mmap), and the
 * test thread touches an mm by adopting it (use_mm), exactly as a system call would.
 */
#include <mica/arch.h>
#include <mica/rmap.h>
#include <mica/time.h>

#include "mm_test.h"

#define TREE_DEPTH 5
#define TREE_FANOUT 3
#define TREE_PAGES 16
#define TREE_MAX 400 /* 1 + 3 + 9 + 27 + 81 + 243 = 364, plus a few late forks */

struct tree {
	struct mm_struct *mm[TREE_MAX];
	unsigned long val[TREE_MAX][TREE_PAGES]; /* what each mm must read */
	unsigned depth[TREE_MAX];
	unsigned n;
};

/* A child of t->mm[parent] that then writes its own values into pages first..first+3. */
static bool tree_fork(struct ktest *t, struct tree *tr, unsigned parent, unsigned first)
{
	unsigned c = tr->n;

	if (!KTEST_EXPECT(t, c < TREE_MAX))
		return false;
	tr->mm[c] = mmt_fork(tr->mm[parent]);
	if (!KTEST_EXPECT(t, tr->mm[c] != NULL))
		return false;
	tr->depth[c] = tr->depth[parent] + 1;
	for (unsigned p = 0; p < TREE_PAGES; p++)
		tr->val[c][p] = tr->val[parent][p];
	for (unsigned p = first; p < first + 4; p++) {
		tr->val[c][p] = (c << 8) | p;
		if (!KTEST_EXPECT_EQ(t, mmt_put_in(tr->mm[c], UB + PGS(p), tr->val[c][p]), 0))
			return false;
	}
	tr->n++;
	return true;
}

static unsigned long tree_check_data(struct tree *tr)
{
	unsigned long bad = 0, v;

	for (unsigned i = 0; i < tr->n; i++)
		for (unsigned p = 0; tr->mm[i] && p < TREE_PAGES; p++)
			bad += mmt_get_in(tr->mm[i], UB + PGS(p), &v) || v != tr->val[i][p];
	return bad;
}

static void fork_tree_with_dead_middle_generations_keeps_rmap_exact(struct ktest *t)
{
	static struct tree tr; /* too big for a stack */
	unsigned long free_before, avs = mmt_stat(&rmap_stats.anon_vmas),
				   chains = mmt_stat(&rmap_stats.chains), reused, errors;
	unsigned level_start = 0, level_end = 1;

	mmt_warm_caches();
	free_before = mmt_free_pages();
	reused = mmt_stat(&rmap_stats.anon_vmas_reused_fork);
	tr.n = 1;
	tr.depth[0] = 0;
	tr.mm[0] = mm_create();
	KTEST_ASSERT(t, tr.mm[0]);
	use_mm(tr.mm[0]);
	KTEST_ASSERT_EQ(t, mmt_map(tr.mm[0], UB, PGS(TREE_PAGES), RW), 0);
	unuse_mm(tr.mm[0]);
	for (unsigned p = 0; p < TREE_PAGES; p++) {
		tr.val[0][p] = p;
		KTEST_ASSERT_EQ(t, mmt_put_in(tr.mm[0], UB + PGS(p), p), 0);
	}
	/* The tree: every mm of a level forks three children, each writing its own pages. */
	for (unsigned d = 1; d <= TREE_DEPTH; d++) {
		for (unsigned i = level_start; i < level_end; i++)
			for (unsigned k = 0; k < TREE_FANOUT; k++)
				KTEST_ASSERT(t, tree_fork(t, &tr, i, 4 * k));
		level_start = level_end;
		level_end = tr.n;
	}
	KTEST_EXPECT_EQ(t, rmap_verify(), 0);
	/* The middle generations exit: their anon_vmas stay for their descendants' pages. */
	for (unsigned i = 0; i < tr.n; i++)
		if (tr.depth[i] >= 1 && tr.depth[i] <= 3) {
			mm_put(tr.mm[i]);
			tr.mm[i] = NULL;
		}
	KTEST_EXPECT_EQ(t, rmap_verify(), 0);
	/* Late forks: a leaf forks one child and exits, leaving an anon_vma with no VMA of its
	 * own and one child; the child's fork adopts it as its own (AV-4) instead of growing
	 * the chain. */
	for (unsigned i = level_start; i < level_start + 9; i++) {
		KTEST_ASSERT(t, tree_fork(t, &tr, i, 12));
		mm_put(tr.mm[i]);
		tr.mm[i] = NULL;
		KTEST_ASSERT(t, tree_fork(t, &tr, tr.n - 1, 8));
	}
	level_start += 9; /* the leaves used for splits below are the ones still alive */
	/* Splits and merges in some leaves: read-only in the middle and back (split, then
	 * merged again: same anon_vma and chains), and a hole unmapped and mapped again. */
	for (unsigned i = level_start; i < level_start + 20; i++) {
		struct mm_struct *mm = tr.mm[i];

		use_mm(mm);
		KTEST_EXPECT_EQ(t, mmt_protect(mm, UB + PGS(4), PGS(4), VM_READ), 0);
		KTEST_EXPECT_EQ(t, mm->map_count, 3);
		KTEST_EXPECT_EQ(t, mmt_protect(mm, UB + PGS(4), PGS(4), VM_READ | VM_WRITE), 0);
		KTEST_EXPECT_EQ(t, mmt_unmap(mm, UB + PGS(8), PGS(1)), 0);
		KTEST_EXPECT_EQ(t, mmt_map(mm, UB + PGS(8), PGS(1), RW), 0);
		KTEST_EXPECT_EQ(t, mm->map_count, 1); /* all one VMA again */
		unuse_mm(mm);
		tr.val[i][8] = 0; /* a new page there: zero */
	}
	errors = rmap_verify();
	ktest_log(t,
		  "%u address spaces, %lu anon_vmas and %lu chains alive, %lu idle anon_vmas "
		  "adopted by forks, %lu rmap_verify errors",
		  tr.n, mmt_stat(&rmap_stats.anon_vmas) - avs,
		  mmt_stat(&rmap_stats.chains) - chains,
		  mmt_stat(&rmap_stats.anon_vmas_reused_fork) - reused, errors);
	KTEST_EXPECT_EQ(t, errors, 0);
	KTEST_EXPECT_EQ(t, tree_check_data(&tr), 0);
	KTEST_EXPECT(t, mmt_stat(&rmap_stats.anon_vmas_reused_fork) > reused);
	for (unsigned i = 0; i < tr.n; i++)
		if (tr.mm[i])
			mm_put(tr.mm[i]);
	KTEST_EXPECT_EQ(t, rmap_verify(), 0);
	KTEST_EXPECT_EQ(t, mmt_stat(&rmap_stats.anon_vmas), avs);
	KTEST_EXPECT_EQ(t, mmt_stat(&rmap_stats.chains), chains);
	KTEST_EXPECT_EQ(t, mmt_free_pages(), free_before);
}

#define SHARERS 6

static void try_to_unmap_and_page_referenced_reach_every_process(struct ktest *t)
{
	struct mm_struct *mm[SHARERS];
	unsigned long free_before, avs = mmt_stat(&rmap_stats.anon_vmas), v;
	struct page *p0, *p1;

	mmt_warm_caches();
	free_before = mmt_free_pages();
	mm[0] = mm_create();
	KTEST_ASSERT(t, mm[0]);
	use_mm(mm[0]);
	KTEST_ASSERT_EQ(t, mmt_map(mm[0], UB, PGS(2), RW), 0);
	KTEST_ASSERT_EQ(t, mmt_put(UB, 0x5eed), 0);
	KTEST_ASSERT_EQ(t, mmt_put(UB + PGS(1), 0xbeef), 0);
	unuse_mm(mm[0]);
	for (int i = 1; i < SHARERS; i++) {
		mm[i] = mmt_fork(mm[i - 1]); /* a chain of forks: generations deep */
		KTEST_ASSERT(t, mm[i]);
	}
	p0 = mmt_page_at(mm[0], UB);
	p1 = mmt_page_at(mm[0], UB + PGS(1));
	KTEST_ASSERT(t, p0 && p1);
	KTEST_EXPECT_EQ(t, atomic_read(&p0->mapcount), SHARERS);

	/* page_referenced: clear every young bit, then touch the page in three of the six
	 * (after a flush, so no TLB entry hides the access): exactly three are young. */
	page_referenced(p1);
	KTEST_EXPECT_EQ(t, page_referenced(p1), 0);
	for (int i = 0; i < SHARERS; i += 2) {
		flush_tlb_mm(mm[i]);
		KTEST_EXPECT_EQ(t, mmt_get_in(mm[i], UB + PGS(1), &v), 0);
		KTEST_EXPECT_EQ(t, v, 0xbeef);
	}
	KTEST_EXPECT_EQ(t, page_referenced(p1), SHARERS / 2);

	/* try_to_unmap: gone from all six; our reference keeps the frame. */
	KTEST_EXPECT(t, try_to_unmap(p0));
	KTEST_EXPECT_EQ(t, atomic_read(&p0->mapcount), 0);
	KTEST_EXPECT_EQ(t, page_count(p0), 1);
	for (int i = 0; i < SHARERS; i++)
		KTEST_EXPECT(t, !pte_present(mmt_pte(mm[i], UB)));
	KTEST_EXPECT_EQ(t, rmap_verify(), 0);
	put_page(p0);
	put_page(p1);
	for (int i = 0; i < SHARERS; i++) { /* each reads a fresh zero page now */
		KTEST_EXPECT_EQ(t, mmt_get_in(mm[i], UB, &v), 0);
		KTEST_EXPECT_EQ(t, v, 0);
	}
	KTEST_EXPECT_EQ(t, rmap_verify(), 0);
	for (int i = 0; i < SHARERS; i++)
		mm_put(mm[i]);
	KTEST_EXPECT_EQ(t, mmt_stat(&rmap_stats.anon_vmas), avs);
	KTEST_EXPECT_EQ(t, mmt_free_pages(), free_before);
}

/* ---- page_lock_anon_vma() against the last unmap (AV-7) ---- */

struct lock_race {
	struct page *volatile page; /* published by the churner, with a reference */
	volatile bool stop;
	unsigned long locked, missed, bad, rounds;
};

/* On its own CPU: maps a page, forks a child (a second anon_vma), publishes the page, then
 * lets the child die and unmaps: the anon_vmas are freed while the locker may be in
 * page_lock_anon_vma() on that very page, which we keep referenced (as gup would). */
static void lock_race_churn(void *arg)
{
	struct lock_race *r = arg;
	struct mm_struct *mm = mmt_enter();

	if (!mm) {
		r->bad++;
		r->stop = true;
		return;
	}
	for (unsigned i = 0; i < 400 && !r->stop; i++) {
		struct mm_struct *child;
		struct page *p;

		if (mmt_map(mm, UB, PGS(1), RW) || mmt_put(UB, i))
			break;
		p = mmt_page_at(mm, UB);
		child = mmt_fork(mm);
		WRITE_ONCE(r->page, p);
		ndelay_spin(50 * 1000);
		if (child)
			mm_put(child);
		ndelay_spin(20 * 1000);
		mmt_unmap(mm, UB, PGS(1)); /* the last unmap: anon_vmas freed */
		ndelay_spin(20 * 1000);
		WRITE_ONCE(r->page, NULL);
		put_page(p);
		r->rounds++;
	}
	r->stop = true;
	mmt_leave(mm);
}

/* On another CPU: locks the published page's anon_vma over and over. Whenever it gets one,
 * it must be alive: referenced, with chains (its last unlink needs the lock we hold), and
 * locked. (The page itself may be unmapped, even freed, the moment after the check inside:
 * a zap takes PTE locks, not this one.) */
static void lock_race_locker(void *arg)
{
	struct lock_race *r = arg;

	while (!r->stop) {
		struct page *p = READ_ONCE(r->page);
		struct anon_vma *av;

		if (!p)
			continue;
		av = page_lock_anon_vma(p);
		if (!av) {
			r->missed++;
			continue;
		}
		if (atomic_read(&av->refcount) <= 0 || list_empty(&av->chains) ||
		    !mutex_is_locked(&av->root->lock))
			r->bad++;
		r->locked++;
		page_unlock_anon_vma(av);
	}
}

static void page_lock_anon_vma_never_returns_a_freed_anon_vma(struct ktest *t)
{
	unsigned long slow = mmt_stat(&rmap_stats.lock_slow), avs, window = rmap_race_window_ns;
	struct lock_race r = { 0 };
	struct task *churn, *locker;

	if (num_online_cpus() < 3)
		KTEST_SKIP(t, "needs three CPUs");
	mmt_warm_caches();
	avs = mmt_stat(&rmap_stats.anon_vmas);
	churn = kthread_create(lock_race_churn, &r, "rmap-churn");
	locker = kthread_create(lock_race_locker, &r, "rmap-lock");
	KTEST_ASSERT(t, churn && locker);
	kthread_bind(churn, (smp_processor_id() + 1) % num_online_cpus());
	kthread_bind(locker, (smp_processor_id() + 2) % num_online_cpus());
	rmap_race_window_ns = 20000; /* forced preemption point inside page_lock_anon_vma */
	kthread_start(churn);
	kthread_start(locker);
	kthread_join(churn);
	r.stop = true;
	kthread_join(locker);
	rmap_race_window_ns = window;
	ktest_log(t, "%lu rounds: %lu locked, %lu found unmapped, %lu slow-path locks, %lu bad",
		  r.rounds, r.locked, r.missed, mmt_stat(&rmap_stats.lock_slow) - slow, r.bad);
	KTEST_EXPECT_EQ(t, r.bad, 0);
	KTEST_EXPECT(t, r.locked > 0 && r.missed > 0);
	KTEST_EXPECT_EQ(t, rmap_verify(), 0);
	rcu_barrier();
	KTEST_EXPECT_EQ(t, mmt_stat(&rmap_stats.anon_vmas), avs);
}

/* ---- migration (AV-9's second consumer) ---- */

#define MIG_WRITERS 3
#define MIG_READERS 2
#define MIG_ITERS 20000

struct mig_race {
	struct mm_struct *mm;		      /* the writers' process */
	struct mm_struct *child[MIG_READERS]; /* forked: they share page 1, read-only */
	volatile bool stop;
	unsigned writers_done;		 /* atomic */
	unsigned long iters;		 /* each writer's increments, at least */
	volatile bool enough;		 /* the mover has moved enough: writers may stop */
	unsigned long done[MIG_WRITERS]; /* increments each writer made */
	unsigned long bad_reads, reads;
};

static unsigned long mig_iters;

struct mig_arg {
	struct mig_race *r;
	unsigned i;
};

/* A thread of the writers' process: increments its own word of page 0 (at least r->iters
 * times, and on until the mover has moved enough pages), through the user-copy routines (each a
 * load and a store that may fault on a migration entry mid-way). Any write lost to a move shows as
 * a short count at the end. */
static void mig_writer(void *arg)
{
	struct mig_arg *a = arg;
	unsigned long v;

	unsigned long n;

	use_mm(a->r->mm);
	for (n = 0; n < a->r->iters || !a->r->enough; n++) {
		if (mmt_get(UB + a->i * sizeof(long), &v) ||
		    mmt_put(UB + a->i * sizeof(long), v + 1))
			break;
	}
	a->r->done[a->i] = n;
	unuse_mm(a->r->mm);
	__atomic_add_fetch(&a->r->writers_done, 1, __ATOMIC_RELEASE);
}

/* A forked process reading the shared page 1, whose value never changes. */
static void mig_reader(void *arg)
{
	struct mig_arg *a = arg;
	unsigned long v;

	use_mm(a->r->child[a->i]);
	while (!a->r->stop) {
		if (mmt_get(UB + PGS(1), &v) || v != 0x5a5a)
			a->r->bad_reads++;
		a->r->reads++;
	}
	unuse_mm(a->r->child[a->i]);
}

/* One run: the writers' process with two forked readers; pages 0 (written) and 1 (shared)
 * moved again and again until the writers are done. Returns false on a setup failure. */
static bool migration_run(struct ktest *t, struct mig_race *r, unsigned long *tries)
{
	struct mig_arg wa[MIG_WRITERS], ra[MIG_READERS];
	struct task *w[MIG_WRITERS], *rd[MIG_READERS];
	unsigned long v, moved = 0;

	*r = (struct mig_race){ .iters = mig_iters };
	*tries = 0;
	r->mm = mm_create();
	if (!KTEST_EXPECT(t, r->mm))
		return false;
	use_mm(r->mm);
	KTEST_EXPECT_EQ(t, mmt_map(r->mm, UB, PGS(2), RW), 0);
	KTEST_EXPECT_EQ(t, mmt_put(UB, 0), 0);
	KTEST_EXPECT_EQ(t, mmt_put(UB + PGS(1), 0x5a5a), 0);
	unuse_mm(r->mm);
	for (unsigned i = 0; i < MIG_READERS; i++) {
		r->child[i] = mmt_fork(r->mm);
		ra[i] = (struct mig_arg){ r, i };
		rd[i] = r->child[i] ? kthread_create(mig_reader, &ra[i], "mig-read") : NULL;
		if (!KTEST_EXPECT(t, rd[i] != NULL))
			return false; /* (leaks this run's setup: the case fails anyway) */
		kthread_bind(rd[i], (smp_processor_id() + 1 + i) % num_online_cpus());
	}
	for (unsigned i = 0; i < MIG_WRITERS; i++) {
		wa[i] = (struct mig_arg){ r, i };
		w[i] = kthread_create(mig_writer, &wa[i], "mig-write");
		if (!KTEST_EXPECT(t, w[i] != NULL))
			return false;
		kthread_bind(w[i], (smp_processor_id() + 1 + i) % num_online_cpus());
	}
	for (unsigned i = 0; i < MIG_READERS; i++)
		kthread_start(rd[i]);
	for (unsigned i = 0; i < MIG_WRITERS; i++)
		kthread_start(w[i]);
	while (__atomic_load_n(&r->writers_done, __ATOMIC_ACQUIRE) < MIG_WRITERS) {
		for (unsigned p = 0; p < 2; p++) {
			struct page *pg = mmt_page_at(r->mm, UB + PGS(p));

			if (pg) {
				moved += migrate_page(pg) == 0;
				put_page(pg);
				(*tries)++;
			}
		}
		if (moved >= 50 || *tries > 100000)
			r->enough = true;
		cond_resched();
	}
	for (unsigned i = 0; i < MIG_WRITERS; i++)
		kthread_join(w[i]);
	r->stop = true;
	for (unsigned i = 0; i < MIG_READERS; i++)
		kthread_join(rd[i]);
	for (unsigned i = 0; i < MIG_WRITERS; i++) {
		KTEST_EXPECT_EQ(t, mmt_get_in(r->mm, UB + i * sizeof(long), &v), 0);
		KTEST_EXPECT_EQ(t, v, r->done[i]);
	}
	KTEST_EXPECT_EQ(t, r->bad_reads, 0);
	KTEST_EXPECT_EQ(t, rmap_verify(), 0);
	for (unsigned i = 0; i < MIG_READERS; i++)
		mm_put(r->child[i]);
	mm_put(r->mm);
	return true;
}

static void migration_under_concurrent_access_loses_no_write(struct ktest *t)
{
	unsigned long free_before, moved, busy, tries;
	struct mig_race r;

	if (num_online_cpus() < 2)
		KTEST_SKIP(t, "needs two CPUs");
	/* A short first run warms every cache and thread stack the real one uses. */
	mig_iters = 200;
	KTEST_ASSERT(t, migration_run(t, &r, &tries));
	free_before = mmt_free_pages();
	moved = mmt_stat(&migrate_stats.moved);
	busy = mmt_stat(&migrate_stats.busy);
	mig_iters = MIG_ITERS;
	KTEST_ASSERT(t, migration_run(t, &r, &tries));
	moved = mmt_stat(&migrate_stats.moved) - moved;
	ktest_log(t,
		  "%lu migrations tried, %lu moved, %lu abandoned (busy); %lu+%lu+%lu writes, "
		  "%lu reads, %lu bad",
		  tries, moved, mmt_stat(&migrate_stats.busy) - busy, r.done[0], r.done[1],
		  r.done[2], r.reads, r.bad_reads);
	KTEST_EXPECT(t, moved >= 20);
	KTEST_EXPECT_EQ(t, mmt_free_pages(), free_before);
}

KTEST_SUITE(rmap, 0, KTEST_CASE(fork_tree_with_dead_middle_generations_keeps_rmap_exact),
	    KTEST_CASE(try_to_unmap_and_page_referenced_reach_every_process),
	    KTEST_CASE(page_lock_anon_vma_never_returns_a_freed_anon_vma),
	    KTEST_CASE(migration_under_concurrent_access_loses_no_write));
