/*
 * Suite shmem (<mica/shmem.h>): shared anonymous memory across forks. A parent maps an object
 * and forks three children (a "family"); the cases check that every write is seen by all,
 * that munmap, mprotect splits and merges and the parent's exit leave the others working,
 * that try_to_unmap() reaches every process and each re-faults the SAME page (unlike private
 * memory, the data survives), also while three CPUs write it, and that an mmap failing for
 * memory rolls everything back. Every case ends with rmap_verify() clean and every frame and
 * object given back.
 *
 * Processes are address spaces here, as in suite rmap: mmt_fork() is fork's memory half
 * (dup_mmap), and the test thread touches an mm by adopting it (use_mm).
 */
#include <mica/arch.h>
#include <mica/rmap.h>
#include <mica/shmem.h>
#include <mica/slab.h>
#include <mica/time.h>

#include "mm_test.h"

#define FAMILY 4 /* the parent and three children */
#define PAGES 4
#define SHRW (VM_READ | VM_WRITE | VM_ANON) /* shmem_mmap() adds VM_SHARED */

/* The word at addr in mm, or ~0 if it cannot be read. */
static unsigned long get_in(struct mm_struct *mm, unsigned long addr)
{
	unsigned long v;

	return mmt_get_in(mm, addr, &v) ? ~0UL : v;
}

static int map_shared(struct mm_struct *mm, unsigned long start, unsigned long len)
{
	int ret;

	down_write(&mm->mmap_lock);
	ret = shmem_mmap(mm, start, len, SHRW);
	up_write(&mm->mmap_lock);
	return ret;
}

/* True if addr maps the same frame in every live mm of the family, and it is want. */
static bool same_frame_everywhere(struct mm_struct *mm[FAMILY], unsigned long addr,
				  struct page *want)
{
	bool same = true;

	for (int i = 0; i < FAMILY; i++) {
		struct page *p;

		if (!mm[i])
			continue;
		p = mmt_page_at(mm[i], addr);
		same &= p == want;
		if (p)
			put_page(p);
	}
	return same;
}

/* The parent maps PAGES shared pages at UB, writes 0x100 + n into page n, and forks three
 * children. False (and nothing left alive) on failure. */
static bool family_create(struct ktest *t, struct mm_struct *mm[FAMILY])
{
	for (int i = 0; i < FAMILY; i++)
		mm[i] = NULL;
	mm[0] = mm_create();
	if (!KTEST_EXPECT(t, mm[0]))
		return false;
	if (!KTEST_EXPECT_EQ(t, map_shared(mm[0], UB, PGS(PAGES)), 0))
		goto fail;
	for (int p = 0; p < PAGES; p++)
		if (!KTEST_EXPECT_EQ(t, mmt_put_in(mm[0], UB + PGS(p), 0x100 + p), 0))
			goto fail;
	for (int i = 1; i < FAMILY; i++)
		if (!KTEST_EXPECT(t, (mm[i] = mmt_fork(mm[0])) != NULL))
			goto fail;
	return true;
fail:
	for (int i = 0; i < FAMILY; i++)
		if (mm[i])
			mm_put(mm[i]);
	return false;
}

static void family_put(struct mm_struct *mm[FAMILY])
{
	for (int i = 0; i < FAMILY; i++)
		if (mm[i])
			mm_put(mm[i]);
}

/* Baselines taken after warming the caches, compared when the case is over. */
struct baseline {
	unsigned long free_pages, objects, shm_pages;
};

/* Runs a family once, so the caches it uses (objects, page arrays, VMAs, PTE locks) hold their
 * first slab before a case counts free pages. */
static void warm_shmem_caches(void)
{
	struct mm_struct *mm[FAMILY];

	mmt_warm_caches();
	for (int i = 0; i < FAMILY; i++)
		mm[i] = NULL;
	mm[0] = mm_create();
	if (mm[0] && !map_shared(mm[0], UB, PGS(PAGES)) && !mmt_put_in(mm[0], UB, 1))
		for (int i = 1; i < FAMILY; i++)
			mm[i] = mmt_fork(mm[0]);
	family_put(mm);
}

static void baseline_take(struct baseline *b)
{
	warm_shmem_caches();
	b->free_pages = mmt_free_pages();
	b->objects = mmt_stat(&shmem_stats.objects);
	b->shm_pages = mmt_stat(&shmem_stats.pages);
}

static void baseline_check(struct ktest *t, struct baseline *b)
{
	KTEST_EXPECT_EQ(t, rmap_verify(), 0);
	KTEST_EXPECT_EQ(t, mmt_stat(&shmem_stats.objects), b->objects);
	KTEST_EXPECT_EQ(t, mmt_stat(&shmem_stats.pages), b->shm_pages);
	KTEST_EXPECT_EQ(t, mmt_free_pages(), b->free_pages);
}

static void writes_are_seen_by_three_forked_children_and_back(struct ktest *t)
{
	struct mm_struct *mm[FAMILY];
	unsigned long cow = mmt_stat(&fault_stats.cow_copy);
	struct baseline b;
	struct page *p0;

	baseline_take(&b);
	KTEST_ASSERT(t, family_create(t, mm));
	for (int i = 1; i < FAMILY; i++) /* the parent's writes from before the fork */
		for (int p = 0; p < PAGES; p++)
			KTEST_EXPECT_EQ(t, get_in(mm[i], UB + PGS(p)), 0x100 + p);
	/* After the fork: the parent writes page 0, each child its own word of page 3. */
	KTEST_EXPECT_EQ(t, mmt_put_in(mm[0], UB, 0xfeed), 0);
	for (int i = 1; i < FAMILY; i++)
		KTEST_EXPECT_EQ(t, mmt_put_in(mm[i], UB + PGS(3) + 8 * i, 0xc0de00 + i), 0);
	for (int i = 0; i < FAMILY; i++) {
		KTEST_EXPECT_EQ(t, get_in(mm[i], UB), 0xfeed);
		for (int j = 1; j < FAMILY; j++)
			KTEST_EXPECT_EQ(t, get_in(mm[i], UB + PGS(3) + 8 * j), 0xc0de00 + j);
	}
	p0 = mmt_page_at(mm[0], UB);
	KTEST_ASSERT(t, p0);
	KTEST_EXPECT(t, same_frame_everywhere(mm, UB, p0));
	KTEST_EXPECT_EQ(t, atomic_read(&p0->mapcount), FAMILY);
	KTEST_EXPECT_EQ(t, mmt_stat(&fault_stats.cow_copy), cow); /* no write was copied */
	KTEST_EXPECT_EQ(t, rmap_verify(), 0);
	put_page(p0);
	family_put(mm);
	baseline_check(t, &b);
}

static void munmap_in_one_process_leaves_the_others_working(struct ktest *t)
{
	struct mm_struct *mm[FAMILY];
	struct baseline b;
	struct page *p1;

	baseline_take(&b);
	KTEST_ASSERT(t, family_create(t, mm));
	for (int i = 0; i < FAMILY; i++) /* every page mapped everywhere */
		for (int p = 0; p < PAGES; p++)
			KTEST_EXPECT_EQ(t, get_in(mm[i], UB + PGS(p)), 0x100 + p);
	p1 = mmt_page_at(mm[0], UB + PGS(1));
	KTEST_ASSERT(t, p1);
	/* Child 1 unmaps everything, child 2 only page 1 (a split: two VMAs on i_mmap). */
	KTEST_EXPECT_EQ(t, mmt_unmap(mm[1], UB, PGS(PAGES)), 0);
	KTEST_EXPECT_EQ(t, mmt_unmap(mm[2], UB + PGS(1), PGS(1)), 0);
	KTEST_EXPECT_EQ(t, mm[2]->map_count, 2);
	KTEST_EXPECT_EQ(t, atomic_read(&p1->mapcount), 2);
	KTEST_EXPECT_EQ(t, rmap_verify(), 0);
	KTEST_EXPECT_EQ(t, get_in(mm[1], UB), ~0UL);
	KTEST_EXPECT_EQ(t, get_in(mm[2], UB + PGS(1)), ~0UL);
	/* The others still share the rest. */
	KTEST_EXPECT_EQ(t, mmt_put_in(mm[3], UB + PGS(1), 0x1111), 0);
	KTEST_EXPECT_EQ(t, get_in(mm[0], UB + PGS(1)), 0x1111);
	KTEST_EXPECT_EQ(t, mmt_put_in(mm[2], UB + PGS(2), 0x2222), 0);
	KTEST_EXPECT_EQ(t, get_in(mm[0], UB + PGS(2)), 0x2222);
	KTEST_EXPECT_EQ(t, get_in(mm[3], UB + PGS(2)), 0x2222);
	KTEST_EXPECT_EQ(t, rmap_verify(), 0);
	put_page(p1);
	family_put(mm);
	baseline_check(t, &b);
}

static void try_to_unmap_reaches_every_process_and_each_refaults_the_same_page(struct ktest *t)
{
	struct mm_struct *mm[FAMILY];
	struct baseline b;
	struct page *p;

	baseline_take(&b);
	KTEST_ASSERT(t, family_create(t, mm));
	for (int i = 0; i < FAMILY; i++)
		KTEST_EXPECT_EQ(t, get_in(mm[i], UB + PGS(2)), 0x102);
	p = mmt_page_at(mm[0], UB + PGS(2));
	KTEST_ASSERT(t, p);
	KTEST_EXPECT_EQ(t, atomic_read(&p->mapcount), FAMILY);

	/* page_referenced walks i_mmap too: clear, touch in two (after a flush), count two. */
	page_referenced(p);
	KTEST_EXPECT_EQ(t, page_referenced(p), 0);
	for (int i = 0; i < FAMILY; i += 2) {
		flush_tlb_mm(mm[i]);
		KTEST_EXPECT_EQ(t, get_in(mm[i], UB + PGS(2)), 0x102);
	}
	KTEST_EXPECT_EQ(t, page_referenced(p), FAMILY / 2);

	/* Gone from all four; the object's reference and ours keep the frame. */
	KTEST_EXPECT(t, try_to_unmap(p));
	KTEST_EXPECT_EQ(t, atomic_read(&p->mapcount), 0);
	KTEST_EXPECT_EQ(t, page_count(p), 2);
	for (int i = 0; i < FAMILY; i++)
		KTEST_EXPECT(t, !pte_present(mmt_pte(mm[i], UB + PGS(2))));
	KTEST_EXPECT_EQ(t, rmap_verify(), 0);
	/* Each re-faults the object's page: the same frame, the data intact. */
	for (int i = 0; i < FAMILY; i++)
		KTEST_EXPECT_EQ(t, get_in(mm[i], UB + PGS(2)), 0x102);
	KTEST_EXPECT(t, same_frame_everywhere(mm, UB + PGS(2), p));
	KTEST_EXPECT_EQ(t, atomic_read(&p->mapcount), FAMILY);
	KTEST_EXPECT_EQ(t, rmap_verify(), 0);
	put_page(p);
	family_put(mm);
	baseline_check(t, &b);
}

static void mprotect_splits_and_merges_back_without_copying(struct ktest *t)
{
	struct mm_struct *mm[FAMILY];
	unsigned long cow = mmt_stat(&fault_stats.cow_copy);
	struct baseline b;
	struct page *p;

	baseline_take(&b);
	KTEST_ASSERT(t, family_create(t, mm));
	/* Child 1 makes page 1 read-only: three VMAs of one object in one mm. */
	KTEST_EXPECT_EQ(t, mmt_protect(mm[1], UB + PGS(1), PGS(1), VM_READ), 0);
	KTEST_EXPECT_EQ(t, mm[1]->map_count, 3);
	KTEST_EXPECT(t, mmt_put_in(mm[1], UB + PGS(1), 0xbad) != 0);
	KTEST_EXPECT_EQ(t, mmt_put_in(mm[0], UB + PGS(1), 0x5151), 0);
	KTEST_EXPECT_EQ(t, get_in(mm[1], UB + PGS(1)), 0x5151);
	KTEST_EXPECT_EQ(t, mmt_put_in(mm[1], UB + PGS(2), 0x5252), 0); /* the upper half writes */
	KTEST_EXPECT_EQ(t, get_in(mm[3], UB + PGS(2)), 0x5252);
	KTEST_EXPECT_EQ(t, rmap_verify(), 0);
	/* Back to read-write: one VMA again, and its writes reach the others in place. */
	KTEST_EXPECT_EQ(t, mmt_protect(mm[1], UB + PGS(1), PGS(1), VM_READ | VM_WRITE), 0);
	KTEST_EXPECT_EQ(t, mm[1]->map_count, 1);
	down_read(&mm[1]->mmap_lock);
	KTEST_EXPECT_EQ(t, vma_verify(mm[1]), 0);
	up_read(&mm[1]->mmap_lock);
	for (int i = 0; i < FAMILY; i++) {
		KTEST_EXPECT_EQ(t, mmt_put_in(mm[i], UB + PGS(1) + 8 * i, 0x6100 + i), 0);
		for (int j = 0; j <= i; j++)
			KTEST_EXPECT_EQ(t, get_in(mm[(i + 1) % FAMILY], UB + PGS(1) + 8 * j),
					0x6100 + j);
	}
	p = mmt_page_at(mm[0], UB + PGS(1));
	KTEST_ASSERT(t, p);
	KTEST_EXPECT(t, same_frame_everywhere(mm, UB + PGS(1), p));
	KTEST_EXPECT_EQ(t, mmt_stat(&fault_stats.cow_copy), cow);
	KTEST_EXPECT_EQ(t, rmap_verify(), 0);
	put_page(p);
	family_put(mm);
	baseline_check(t, &b);
}

static void the_parent_exits_first_and_the_children_keep_the_object(struct ktest *t)
{
	struct mm_struct *mm[FAMILY];
	struct baseline b;

	baseline_take(&b);
	KTEST_ASSERT(t, family_create(t, mm));
	mm_put(mm[0]);
	mm[0] = NULL;
	KTEST_EXPECT_EQ(t, rmap_verify(), 0);
	KTEST_EXPECT_EQ(t, mmt_put_in(mm[1], UB + PGS(3), 0x7777), 0);
	for (int i = 1; i < FAMILY; i++) {
		KTEST_EXPECT_EQ(t, get_in(mm[i], UB + PGS(3)), 0x7777);
		KTEST_EXPECT_EQ(t, get_in(mm[i], UB + PGS(2)), 0x102);
	}
	/* The children go one by one; the object (and its pages) with the last. */
	for (int i = 1; i < FAMILY; i++) {
		KTEST_EXPECT_EQ(t, mmt_stat(&shmem_stats.objects), b.objects + 1);
		mm_put(mm[i]);
		mm[i] = NULL;
		KTEST_EXPECT_EQ(t, rmap_verify(), 0);
	}
	baseline_check(t, &b);
}

/* ---- three CPUs write while their page is unmapped again and again ---- */

#define WRITES 20000

struct writer {
	struct mm_struct *mm;
	unsigned long addr, writes, errors;
	volatile bool done;
	struct task *task;
};

/* Writes 1..writes into its word, each a fault if the page was just unmapped. */
static void writer_fn(void *arg)
{
	struct writer *w = arg;

	use_mm(w->mm);
	for (unsigned long k = 1; k <= w->writes; k++)
		w->errors += mmt_put(w->addr, k) != 0;
	unuse_mm(w->mm);
	w->done = true;
}

/* The three children write their words of page 0 on other CPUs while this thread unmaps the
 * page from everyone, again and again; afterwards every word holds its last write, read by
 * the parent, in the same frame. Counts the unmap rounds into *unmaps. */
static bool writer_race(struct ktest *t, unsigned long writes, unsigned long *unmaps)
{
	struct mm_struct *mm[FAMILY];
	struct writer w[FAMILY - 1];
	struct page *p;
	bool running;

	if (!family_create(t, mm))
		return false;
	p = mmt_page_at(mm[0], UB);
	if (!KTEST_EXPECT(t, p != NULL)) {
		family_put(mm);
		return false;
	}
	for (int i = 0; i < FAMILY - 1; i++) {
		w[i] =
		    (struct writer){ .mm = mm[i + 1], .addr = UB + 8 * (i + 1), .writes = writes };
		w[i].task = kthread_create(writer_fn, &w[i], "shm-writer");
		if (!KTEST_EXPECT(t, w[i].task != NULL)) {
			w[i].done = true; /* and its word is checked (and fails) below */
			continue;
		}
		kthread_bind(w[i].task, (smp_processor_id() + 1 + i) % num_online_cpus());
		kthread_start(w[i].task);
	}
	do {
		running = false;
		for (int i = 0; i < FAMILY - 1; i++)
			running |= !w[i].done;
		try_to_unmap(p);
		(*unmaps)++;
		cond_resched();
	} while (running);
	for (int i = 0; i < FAMILY - 1; i++) {
		if (w[i].task)
			kthread_join(w[i].task);
		KTEST_EXPECT_EQ(t, w[i].errors, 0);
		/* Read by the parent: every last write landed in the one shared frame. */
		KTEST_EXPECT_EQ(t, get_in(mm[0], UB + 8 * (i + 1)), writes);
		/* A last round may have unmapped it: the child faults it back. */
		KTEST_EXPECT_EQ(t, get_in(mm[i + 1], UB + 8 * (i + 1)), writes);
	}
	KTEST_EXPECT(t, same_frame_everywhere(mm, UB, p));
	KTEST_EXPECT_EQ(t, rmap_verify(), 0);
	put_page(p);
	family_put(mm);
	return true;
}

static void writes_survive_try_to_unmap_of_their_shared_page(struct ktest *t)
{
	unsigned long unmaps = 0, faults;
	struct baseline b;

	if (num_online_cpus() < 2)
		KTEST_SKIP(t, "needs two CPUs");
	warm_shmem_caches();
	KTEST_ASSERT(t, writer_race(t, 200, &unmaps)); /* warms the thread stacks too */
	baseline_take(&b);
	faults = mmt_stat(&fault_stats.shared);
	unmaps = 0;
	KTEST_ASSERT(t, writer_race(t, WRITES, &unmaps));
	faults = mmt_stat(&fault_stats.shared) - faults;
	ktest_log(t, "%lu try_to_unmap rounds, %lu shared-page faults while %d CPUs wrote %d words",
		  unmaps, faults, FAMILY - 1, WRITES);
	KTEST_EXPECT(t, faults > 2 * FAMILY); /* the race happened: writers re-faulted */
	baseline_check(t, &b);
}

/* ---- -ENOMEM ---- */

/* VMA objects held so the next allocation from their cache needs a new slab page. */
static struct mmt_vma_hold hold;

/* A mapping whose page array is one page: bigger than kmalloc's largest cache, so it comes
 * from the page allocator (512 pages on the 64-bit ports, 1024 on arm). */
#define BIG (PAGE_SIZE / sizeof(struct page *))

/*
 * mmap of BIG pages allocates, from the page allocator: the page array (a page of its own)
 * and, with every free VMA held, a slab page for the VMA. after:N fails the (N+1)th, so
 * n = 0 and 1 fail at each step in turn and n = 2 succeeds; every failure must leave no VMA,
 * no object and no page behind.
 */
static void mmap_failing_for_memory_rolls_everything_back(struct ktest *t)
{
	struct mm_struct *mm;
	unsigned long free_before, objects;
	struct baseline b;
	unsigned failures = 0;
	int ret;

	baseline_take(&b);
	mm = mmt_enter();
	KTEST_ASSERT(t, mm);
	KTEST_ASSERT_EQ(t, map_shared(mm, UB, PGS(BIG)), 0); /* warms the object cache */
	KTEST_ASSERT_EQ(t, mmt_unmap(mm, UB, PGS(BIG)), 0);
	for (unsigned long n = 0; n < 3; n++) {
		KTEST_ASSERT(t, mmt_hold_vmas(&hold, 0));
		objects = mmt_stat(&shmem_stats.objects);
		free_before = mmt_free_pages();
		fault_inject_set(FAULT_AFTER, n, false, 0);
		ret = map_shared(mm, UB, PGS(BIG));
		fault_inject_clear();
		if (n < 2) {
			KTEST_EXPECT_EQ(t, ret, -ENOMEM);
			KTEST_EXPECT_EQ(t, mm->map_count, 0);
			KTEST_EXPECT_EQ(t, mmt_stat(&shmem_stats.objects), objects);
			KTEST_EXPECT_EQ(t, mmt_free_pages(), free_before);
			failures += ret == -ENOMEM;
			if (!ret) /* not the failure expected: undo, so the next round can map */
				mmt_unmap(mm, UB, PGS(BIG));
		} else {
			KTEST_EXPECT_EQ(t, ret, 0);
			KTEST_EXPECT_EQ(t, mm->map_count, 1);
			KTEST_EXPECT_EQ(t, mmt_put(UB + PGS(BIG - 1), 0x511), 0);
			KTEST_EXPECT_EQ(t, mmt_unmap(mm, UB, PGS(BIG)), 0);
		}
		mmt_release_vmas(&hold);
	}
	ktest_log(t, "%u injected failures rolled back", failures);
	mmt_leave(mm);
	baseline_check(t, &b);
}

KTEST_SUITE(shmem, 0, KTEST_CASE(writes_are_seen_by_three_forked_children_and_back),
	    KTEST_CASE(munmap_in_one_process_leaves_the_others_working),
	    KTEST_CASE(try_to_unmap_reaches_every_process_and_each_refaults_the_same_page),
	    KTEST_CASE(mprotect_splits_and_merges_back_without_copying),
	    KTEST_CASE(the_parent_exits_first_and_the_children_keep_the_object),
	    KTEST_CASE(writes_survive_try_to_unmap_of_their_shared_page),
	    KTEST_CASE(mmap_failing_for_memory_rolls_everything_back));
