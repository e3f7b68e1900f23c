/*
 * Suite uaccess (DESIGN VM-2, MG-4): faults taken on kernel-made address spaces through the
 * user-copy routines, as a system call would take them: demand-zero, write-protect (a
 * read-only VMA, mprotect), copy-on-write after dup_mmap(), -EFAULT for every bad pointer
 * (never a panic), strncpy_from_user at page edges, and every allocation on the fault and
 * fork paths failed by fault injection with nothing leaked.
 */
#include <mica/string.h>

#include "mm_test.h"

static unsigned long snap(const unsigned long *counter)
{
	return __atomic_load_n(counter, __ATOMIC_RELAXED);
}

static void demand_zero_read_then_write(struct ktest *t)
{
	struct mm_struct *mm = mmt_enter();
	unsigned long dz = snap(&fault_stats.demand_zero), v = 1;
	char buf[64];

	KTEST_ASSERT(t, mm);
	KTEST_ASSERT_EQ(t, mmt_map(mm, UB, PGS(4), RW), 0);
	KTEST_EXPECT(t, pte_none(mmt_pte(mm, UB + PGS(1)))); /* nothing until touched */
	KTEST_EXPECT_EQ(t, mmt_get(UB + PGS(1), &v), 0);
	KTEST_EXPECT_EQ(t, v, 0);
	KTEST_EXPECT_EQ(t, snap(&fault_stats.demand_zero) - dz, 1);
	KTEST_EXPECT(t, pte_present(mmt_pte(mm, UB + PGS(1))));
	KTEST_EXPECT(t, pte_none(mmt_pte(mm, UB))); /* its neighbours still untouched */
	/* A copy across a page edge: two faults, one copy. */
	memset(buf, 'x', sizeof(buf));
	KTEST_EXPECT_EQ(t, copy_to_user((void *)(UB + PGS(3) - 32), buf, sizeof(buf)), 0);
	memset(buf, 0, sizeof(buf));
	KTEST_EXPECT_EQ(t, copy_from_user(buf, (void *)(UB + PGS(3) - 32), sizeof(buf)), 0);
	KTEST_EXPECT(t, buf[0] == 'x' && buf[63] == 'x');
	KTEST_EXPECT(t, pte_dirty(mmt_pte(mm, UB + PGS(3))));
	mmt_leave(mm);
}

static void bad_pointers_get_efault_never_a_panic(struct ktest *t)
{
	struct mm_struct *mm = mmt_enter();
	unsigned long v = 0x5a5a, kernel_word = 42, q;
	char buf[2 * 4096];

	KTEST_ASSERT(t, mm);
	KTEST_ASSERT_EQ(t, mmt_map(mm, UB + PGS(10), PGS(1), RW), 0);
	/* unmapped user addresses */
	KTEST_EXPECT_EQ(t, mmt_put(UB, v), -EFAULT);
	KTEST_EXPECT_EQ(t, mmt_get(UB + PGS(11), &v), -EFAULT);
	/* kernel addresses, NULL, and ranges that wrap or leave the user range */
	KTEST_EXPECT_EQ(t, copy_to_user(&kernel_word, &v, sizeof(v)), -EFAULT);
	KTEST_EXPECT_EQ(t, kernel_word, 42);
	KTEST_EXPECT_EQ(t, copy_from_user(&v, NULL, sizeof(v)), -EFAULT);
	KTEST_EXPECT_EQ(t, copy_from_user(&v, (void *)(USER_TOP - 4), 8), -EFAULT);
	KTEST_EXPECT_EQ(t, copy_to_user((void *)(UB + PGS(10)), &v, ~0UL), -EFAULT);
	/* half mapped: the first page is written, then -EFAULT, no panic */
	memset(buf, 'q', sizeof(buf));
	KTEST_EXPECT_EQ(t, copy_to_user((void *)(UB + PGS(10)), buf, sizeof(buf)), -EFAULT);
	KTEST_EXPECT_EQ(t, mmt_get(UB + PGS(10), &v), 0);
	memset(&q, 'q', sizeof(q));
	KTEST_EXPECT_EQ(t, v, q);
	mm_get(mm);
	mmt_leave(mm);
	/* A kernel thread with no address space: -EFAULT, even at an address mapped in the mm
	 * this CPU may still have loaded (lazy TLB) */
	KTEST_EXPECT_EQ(t, mmt_get(UB + PGS(10), &v), -EFAULT);
	mm_put(mm);
}

static void write_to_read_only_vma_is_efault_and_changes_nothing(struct ktest *t)
{
	struct mm_struct *mm = mmt_enter();
	unsigned long v = 3;

	KTEST_ASSERT(t, mm);
	KTEST_ASSERT_EQ(t, mmt_map(mm, UB, PGS(2), RO), 0);
	KTEST_EXPECT_EQ(t, mmt_put(UB, 77), -EFAULT); /* not even demand-zeroed for it */
	KTEST_EXPECT_EQ(t, mmt_get(UB, &v), 0);	      /* reading is fine: zeroes */
	KTEST_EXPECT_EQ(t, v, 0);
	KTEST_EXPECT_EQ(t, mmt_put(UB, 77), -EFAULT); /* present, read-only: still no */
	KTEST_EXPECT_EQ(t, mmt_get(UB, &v), 0);
	KTEST_EXPECT_EQ(t, v, 0);
	KTEST_EXPECT(t, !pte_write(mmt_pte(mm, UB)));
	mmt_leave(mm);
}

static void mprotect_takes_write_away_and_gives_it_back(struct ktest *t)
{
	struct mm_struct *mm = mmt_enter();
	unsigned long v = 0, reuse = snap(&fault_stats.cow_reuse);

	KTEST_ASSERT(t, mm);
	KTEST_ASSERT_EQ(t, mmt_map(mm, UB, PGS(4), RW), 0);
	for (int i = 0; i < 4; i++)
		KTEST_ASSERT_EQ(t, mmt_put(UB + PGS(i), 100 + i), 0);
	KTEST_ASSERT_EQ(t, mmt_protect(mm, UB + PGS(1), PGS(2), VM_READ), 0);
	KTEST_EXPECT(t, !pte_write(mmt_pte(mm, UB + PGS(1))) && pte_write(mmt_pte(mm, UB)));
	KTEST_EXPECT_EQ(t, mmt_put(UB + PGS(2), 9), -EFAULT);
	KTEST_EXPECT_EQ(t, mmt_put(UB + PGS(3), 9), 0); /* outside the range: still writable */
	KTEST_EXPECT_EQ(t, mmt_get(UB + PGS(2), &v), 0);
	KTEST_EXPECT_EQ(t, v, 102);
	/* Writable again: a page nobody shares gets its write permission back at once. */
	KTEST_ASSERT_EQ(t, mmt_protect(mm, UB, PGS(4), VM_READ | VM_WRITE), 0);
	KTEST_EXPECT(t, pte_write(mmt_pte(mm, UB + PGS(2))));
	KTEST_EXPECT_EQ(t, mmt_put(UB + PGS(2), 9), 0);
	KTEST_EXPECT_EQ(t, mmt_get(UB + PGS(2), &v), 0);
	KTEST_EXPECT_EQ(t, v, 9);
	KTEST_EXPECT_EQ(t, snap(&fault_stats.cow_reuse), reuse); /* no fault was needed */
	/* PROT_NONE keeps the data but refuses every access. */
	KTEST_ASSERT_EQ(t, mmt_protect(mm, UB, PGS(1), 0), 0);
	KTEST_EXPECT_EQ(t, mmt_get(UB, &v), -EFAULT);
	KTEST_ASSERT_EQ(t, mmt_protect(mm, UB, PGS(1), VM_READ), 0);
	KTEST_EXPECT_EQ(t, mmt_get(UB, &v), 0);
	KTEST_EXPECT_EQ(t, v, 100);
	mmt_leave(mm);
}

static void copy_on_write_after_dup_mmap(struct ktest *t)
{
	unsigned long free_before = (mmt_warm_caches(), mmt_free_pages());
	unsigned long copies = snap(&fault_stats.cow_copy), reuse, v = 0;
	struct mm_struct *parent = mmt_enter(), *child = mm_create();

	KTEST_ASSERT(t, parent && child);
	KTEST_ASSERT_EQ(t, mmt_map(parent, UB, PGS(3), RW), 0);
	KTEST_ASSERT_EQ(t, mmt_map(parent, UB + PGS(8), PGS(1), RO), 0);
	for (int i = 0; i < 3; i++)
		KTEST_ASSERT_EQ(t, mmt_put(UB + PGS(i), 10 + i), 0);
	KTEST_ASSERT_EQ(t, dup_mmap(child, parent), 0);
	KTEST_EXPECT_EQ(t, child->map_count, 2);
	KTEST_EXPECT_EQ(t, pte_pfn(mmt_pte(child, UB)), pte_pfn(mmt_pte(parent, UB)));
	KTEST_EXPECT(t, !pte_write(mmt_pte(parent, UB)) && !pte_write(mmt_pte(child, UB)));
	/* The child writes: it gets its own copy, the parent keeps the old data. */
	mm_get(parent); /* unuse_mm drops use_mm's reference: keep the mm for later */
	unuse_mm(parent);
	use_mm(child);
	mm_put(child);
	KTEST_EXPECT_EQ(t, mmt_put(UB + PGS(1), 99), 0);
	KTEST_EXPECT_EQ(t, snap(&fault_stats.cow_copy) - copies, 1);
	KTEST_EXPECT_EQ(t, mmt_get(UB + PGS(2), &v), 0); /* reading shares, no copy */
	KTEST_EXPECT_EQ(t, v, 12);
	KTEST_EXPECT_EQ(t, snap(&fault_stats.cow_copy) - copies, 1);
	unuse_mm(child);
	use_mm(parent);
	mm_put(parent);
	KTEST_EXPECT_EQ(t, mmt_get(UB + PGS(1), &v), 0);
	KTEST_EXPECT_EQ(t, v, 11);
	/* The parent's page at +1 is its own again (the child copied away): reused. */
	reuse = snap(&fault_stats.cow_reuse);
	KTEST_EXPECT_EQ(t, mmt_put(UB + PGS(1), 55), 0);
	KTEST_EXPECT_EQ(t, snap(&fault_stats.cow_reuse) - reuse, 1);
	/* +0 is still shared with the child, which is gone now: its mm was freed by unuse_mm,
	 * so the parent is the only user and reuses that page too. */
	KTEST_EXPECT_EQ(t, mmt_put(UB, 56), 0);
	KTEST_EXPECT_EQ(t, snap(&fault_stats.cow_copy) - copies, 1);
	mmt_leave(parent);
	KTEST_EXPECT_EQ(t, mmt_free_pages(), free_before);
}

static void strncpy_from_user_at_page_edges(struct ktest *t)
{
	struct mm_struct *mm = mmt_enter();
	unsigned long end = UB + PGS(2); /* the page after is unmapped */
	char buf[32];

	KTEST_ASSERT(t, mm);
	KTEST_ASSERT_EQ(t, mmt_map(mm, UB, PGS(2), RW), 0);
	/* "hello" ending exactly at the last byte before the hole */
	KTEST_ASSERT_EQ(t, copy_to_user((void *)(end - 6), "hello", 6), 0);
	KTEST_EXPECT_EQ(t, strncpy_from_user(buf, (void *)(end - 6), sizeof(buf)), 5);
	KTEST_EXPECT_STREQ(t, buf, "hello");
	/* no NUL before the hole */
	KTEST_ASSERT_EQ(t, copy_to_user((void *)(end - 3), "abc", 3), 0);
	KTEST_EXPECT_EQ(t, strncpy_from_user(buf, (void *)(end - 3), sizeof(buf)), -EFAULT);
	/* the count runs out first: returns count, not terminated */
	KTEST_EXPECT_EQ(t, strncpy_from_user(buf, (void *)(end - 6), 3), 3);
	KTEST_EXPECT(t, memcmp(buf, "hel", 3) == 0);
	KTEST_EXPECT_EQ(t, strncpy_from_user(buf, (void *)(end - 6), 0), -EINVAL);
	KTEST_EXPECT_EQ(t, strncpy_from_user(buf, (void *)end, sizeof(buf)), -EFAULT);
	KTEST_EXPECT_EQ(t, strncpy_from_user(buf, "kernel", sizeof(buf)), -EFAULT);
	/* a string crossing from one page into the next */
	KTEST_ASSERT_EQ(t, copy_to_user((void *)(UB + PGS(1) - 4), "crossing", 9), 0);
	KTEST_EXPECT_EQ(t, strncpy_from_user(buf, (void *)(UB + PGS(1) - 4), sizeof(buf)), 8);
	KTEST_EXPECT_STREQ(t, buf, "crossing");
	mmt_leave(mm);
}

/* One pass of a workload that allocates on every path: mm, top table, VMAs, tables, PTE
 * locks, demand-zero pages, dup_mmap and copy-on-write copies. Failures must come back as
 * errors, never as a panic or a leak. Returns how many steps failed. */
static unsigned injected_workload(void)
{
	struct mm_struct *mm = mmt_enter(), *child;
	unsigned failed = 0;

	if (!mm)
		return 1;
	if (mmt_map(mm, UB + PMD_SIZE - PGS(4), PGS(8), RW))
		failed++;
	for (int i = 0; i < 8; i++)
		failed += mmt_put(UB + PMD_SIZE - PGS(4) + PGS(i), i) != 0;
	child = mm_create();
	if (child) {
		failed += dup_mmap(child, mm) != 0;
		mm_put(child);
	} else {
		failed++;
	}
	for (int i = 0; i < 8; i++)
		failed += mmt_put(UB + PMD_SIZE - PGS(4) + PGS(i), i + 1) != 0;
	mmt_leave(mm);
	return failed;
}

static void every_allocation_failure_rolls_back(struct ktest *t)
{
	unsigned long free_before, oom = snap(&fault_stats.oom);
	unsigned failures = 0;

	KTEST_EXPECT_EQ(t, injected_workload(), 0); /* warm, and check it passes clean */
	free_before = mmt_free_pages();
	/* after:N fails every allocation from the (N+1)th on: each N cuts the workload at a
	 * different allocation, until N is larger than the number it makes. */
	for (unsigned long n = 0; n < 48; n++) {
		fault_inject_set(FAULT_AFTER, n, false, 0);
		failures += injected_workload();
		fault_inject_clear();
		KTEST_EXPECT_EQ(t, mmt_free_pages(), free_before);
	}
	for (unsigned seed = 1; seed <= 16; seed++) {
		fault_inject_set(FAULT_PROB, 200, false, seed);
		failures += injected_workload();
		fault_inject_clear();
		KTEST_EXPECT_EQ(t, mmt_free_pages(), free_before);
	}
	ktest_log(t, "%u steps failed under injection, %lu faults ran out of memory", failures,
		  snap(&fault_stats.oom) - oom);
	KTEST_EXPECT(t, failures > 0);
	KTEST_EXPECT(t, snap(&fault_stats.oom) > oom);
	KTEST_EXPECT_EQ(t, injected_workload(), 0); /* and all is well afterwards */
}

KTEST_SUITE(uaccess, 0, KTEST_CASE(demand_zero_read_then_write),
	    KTEST_CASE(bad_pointers_get_efault_never_a_panic),
	    KTEST_CASE(write_to_read_only_vma_is_efault_and_changes_nothing),
	    KTEST_CASE(mprotect_takes_write_away_and_gives_it_back),
	    KTEST_CASE(copy_on_write_after_dup_mmap), KTEST_CASE(strncpy_from_user_at_page_edges),
	    KTEST_CASE(every_allocation_failure_rolls_back));
