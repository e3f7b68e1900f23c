/*
 * Suite pgtable (DESIGN PT-1, PT-2, MG-4): the generic walker on this port's folding. Pages
 * are mapped on both sides of the boundary of every level (PTE table, pmd, pud, top entry)
 * and the number of table pages created is checked against what the port's folding implies;
 * unmapping one side keeps the other; unmapping everything frees every table and every frame.
 * Also: the gather's early flush when a batch fills, and two CPUs racing to install the same
 * tables.
 */
#include <mica/tlb.h>

#include "mm_test.h"

#ifdef MICA_PMD_FOLDED
#define HAS_PMD_TABLES 0
#else
#define HAS_PMD_TABLES 1
#endif
#if defined(ARCH_TLB_BROADCAST) && ARCH_TLB_BROADCAST
#define ARCH_TLB_BROADCAST_VALUE 1 /* one local TLBI*IS reaches every CPU: no IPI */
#else
#define ARCH_TLB_BROADCAST_VALUE 0
#endif
#ifdef MICA_PUD_FOLDED
#define HAS_PUD_TABLES 0
#else
#define HAS_PUD_TABLES 1
#endif

/* Number of distinct size-aligned spans among addrs[0..n). */
static unsigned spans(const unsigned long *addrs, unsigned n, unsigned long size)
{
	unsigned count = 0;

	for (unsigned i = 0; i < n; i++) {
		bool seen = false;

		for (unsigned j = 0; j < i; j++)
			seen |= (addrs[j] & ~(size - 1)) == (addrs[i] & ~(size - 1));
		count += !seen;
	}
	return count;
}

/* Table pages below the top that mapping addrs needs on this port: one PTE table per PMD
 * span, one pmd table per PUD span (unless folded), one pud table per top span (unless
 * folded). This is what folding means, counted. */
static unsigned tables_needed(const unsigned long *addrs, unsigned n)
{
	return spans(addrs, n, PMD_SIZE) + (HAS_PMD_TABLES ? spans(addrs, n, PUD_SIZE) : 0) +
	       (HAS_PUD_TABLES ? spans(addrs, n, PGDIR_SIZE) : 0);
}

/* Maps one page at each side of a boundary aligned to `size`, touches both, checks the tables
 * and the data, unmaps the lower page (the upper one must still read back), then the upper. */
static void straddle(struct ktest *t, struct mm_struct *mm, unsigned long size, const char *what)
{
	/* Aligned to size but, below the top level, not to the next level up. */
	unsigned long edge = UB + PGDIR_SIZE + size;
	unsigned long addrs[2] = { edge - PAGE_SIZE, edge }, v = 0;
	unsigned long base_tables = mm_nr_pgtables(mm);

	if (edge + PAGE_SIZE > USER_TOP)
		KTEST_SKIP(t, "boundary beyond the user range");
	ktest_log(t, "%s boundary at 0x%lx", what, edge);
	KTEST_ASSERT_EQ(t, mmt_map(mm, addrs[0], PGS(2), RW), 0);
	KTEST_ASSERT_EQ(t, mmt_put(addrs[0], 0x1111), 0);
	KTEST_ASSERT_EQ(t, mmt_put(addrs[1], 0x2222), 0);
	KTEST_EXPECT_EQ(t, mm_nr_pgtables(mm) - base_tables, tables_needed(addrs, 2));
	KTEST_EXPECT(t, pte_present(mmt_pte(mm, addrs[0])) && pte_present(mmt_pte(mm, addrs[1])));
	KTEST_EXPECT(t, pte_pfn(mmt_pte(mm, addrs[0])) != pte_pfn(mmt_pte(mm, addrs[1])));
	KTEST_ASSERT_EQ(t, mmt_unmap(mm, addrs[0], PGS(1)), 0);
	KTEST_EXPECT(t, !pte_present(mmt_pte(mm, addrs[0])));
	KTEST_EXPECT_EQ(t, mmt_get(addrs[1], &v), 0);
	KTEST_EXPECT_EQ(t, v, 0x2222);
	KTEST_EXPECT_EQ(t, mmt_get(addrs[0], &v), -EFAULT); /* unmapped now */
	/* Only the upper page's tables remain. */
	KTEST_EXPECT_EQ(t, mm_nr_pgtables(mm) - base_tables, tables_needed(&addrs[1], 1));
	KTEST_ASSERT_EQ(t, mmt_unmap(mm, addrs[1], PGS(1)), 0);
	KTEST_EXPECT_EQ(t, mm_nr_pgtables(mm), base_tables);
}

static void map_unmap_at_every_level_edge(struct ktest *t)
{
	unsigned long free_before = (mmt_warm_caches(), mmt_free_pages());
	struct mm_struct *mm = mmt_enter();

	KTEST_ASSERT(t, mm);
	ktest_log(t, "levels with tables below the top: pte%s%s", HAS_PMD_TABLES ? ", pmd" : "",
		  HAS_PUD_TABLES ? ", pud" : "");
	straddle(t, mm, PAGE_SIZE * 2, "page");
	straddle(t, mm, PMD_SIZE, "pmd");
	straddle(t, mm, PUD_SIZE, "pud");
	straddle(t, mm, PGDIR_SIZE, "pgd");
	KTEST_EXPECT_EQ(t, mm_nr_pgtables(mm), 0);
	mmt_leave(mm);
	KTEST_EXPECT_EQ(t, mmt_free_pages(), free_before);
}

/* The first and last page of the user range: the walker's own edges. */
static void map_first_and_last_user_page(struct ktest *t)
{
	struct mm_struct *mm = mmt_enter();
	unsigned long v = 0;

	KTEST_ASSERT(t, mm);
	KTEST_ASSERT_EQ(t, mmt_map(mm, UB, PGS(1), RW), 0);
	KTEST_ASSERT_EQ(t, mmt_map(mm, USER_TOP - PAGE_SIZE, PGS(1), RW), 0);
	KTEST_EXPECT_EQ(t, mmt_put(UB, 7), 0);
	KTEST_EXPECT_EQ(t, mmt_put(USER_TOP - sizeof(long), 9), 0);
	KTEST_EXPECT_EQ(t, mmt_get(UB, &v), 0);
	KTEST_EXPECT_EQ(t, v, 7);
	KTEST_EXPECT_EQ(t, mmt_get(USER_TOP - sizeof(long), &v), 0);
	KTEST_EXPECT_EQ(t, v, 9);
	KTEST_EXPECT_EQ(t, mmt_map(mm, UB - PAGE_SIZE, PGS(1), RW), -EINVAL);
	KTEST_EXPECT_EQ(t, mmt_map(mm, USER_TOP, PGS(1), RW), -EINVAL);
	KTEST_EXPECT_EQ(t, mmt_unmap(mm, UB, USER_TOP - UB), 0);
	KTEST_EXPECT_EQ(t, mm_nr_pgtables(mm), 0);
	mmt_leave(mm);
}

/* A table shared by two VMAs survives the unmap of the first and goes with the second. */
static void shared_table_freed_with_its_last_vma(struct ktest *t)
{
	struct mm_struct *mm = mmt_enter();
	unsigned long a = UB + PGDIR_SIZE + PMD_SIZE, v = 1, one = tables_needed(&a, 1);

	KTEST_ASSERT(t, mm);
	KTEST_ASSERT_EQ(t, mmt_map(mm, a, PGS(4), RW), 0);
	KTEST_ASSERT_EQ(t, mmt_map(mm, a + PGS(8), PGS(4), RO), 0);
	KTEST_ASSERT_EQ(t, mmt_put(a, 1), 0);
	KTEST_ASSERT_EQ(t, mmt_get(a + PGS(8), &v), 0); /* read-only: demand-zero on read */
	KTEST_EXPECT_EQ(t, v, 0);
	KTEST_EXPECT_EQ(t, mm_nr_pgtables(mm), one);
	KTEST_ASSERT_EQ(t, mmt_unmap(mm, a, PGS(4)), 0);
	KTEST_EXPECT_EQ(t, mm_nr_pgtables(mm), one); /* the RO VMA still needs them */
	KTEST_ASSERT_EQ(t, mmt_unmap(mm, a + PGS(8), PGS(4)), 0);
	KTEST_EXPECT_EQ(t, mm_nr_pgtables(mm), 0);
	mmt_leave(mm);
}

struct install_race {
	struct mm_struct *mm;
	unsigned long base, pages;
	unsigned cpu;
	int errors;
};

/* Each CPU writes its own word in every page: all CPUs fault on the same missing tables and
 * pages at once, so table_install() and do_anonymous_page() lose races and must back off. */
static void install_race_thread(void *arg)
{
	struct install_race *r = arg;

	use_mm(r->mm);
	for (unsigned long i = 0; i < r->pages; i++)
		if (mmt_put(r->base + PGS(i) + r->cpu * sizeof(long), i * 16 + r->cpu))
			r->errors++;
	unuse_mm(r->mm);
}

static void cpus_race_to_fault_in_the_same_tables(struct ktest *t)
{
	struct install_race r[NR_CPUS];
	unsigned long base = UB + 2 * PGDIR_SIZE - PGS(64), v; /* across a top-level edge */
	struct mm_struct *mm = mm_create();
	unsigned cpus_seen = 0;

	KTEST_ASSERT(t, mm);
	KTEST_ASSERT_EQ(t, mmt_map(mm, base, PGS(128), RW), 0);
	for (unsigned round = 0; round < 4; round++) {
		for (unsigned i = 0; i < NR_CPUS; i++)
			r[i] = (struct install_race){ mm, base, 128, i, 0 };
		KTEST_ASSERT(
		    t, ktest_run_on_each_cpu(t, install_race_thread, r, sizeof(r[0]), "pt-race"));
		use_mm(mm);
		for (unsigned c = 0; c < num_online_cpus(); c++) {
			KTEST_EXPECT_EQ(t, r[c].errors, 0);
			for (unsigned long i = 0; i < 128; i++) {
				KTEST_ASSERT_EQ(t, mmt_get(base + PGS(i) + c * sizeof(long), &v),
						0);
				KTEST_EXPECT_EQ(t, v, i * 16 + c);
			}
		}
		cpus_seen = 0;
		for (unsigned c = 0; c < NR_CPUS; c++)
			cpus_seen += (mm->cpumask >> c) & 1;
		/* Unmap and map again, so the next round races on empty tables again. */
		KTEST_ASSERT_EQ(t, mmt_unmap(mm, base, PGS(128)), 0);
		KTEST_EXPECT_EQ(t, mm_nr_pgtables(mm), 0);
		KTEST_ASSERT_EQ(t, mmt_map(mm, base, PGS(128), RW), 0);
		unuse_mm(mm); /* the test's own reference from mm_create() stays */
	}
	KTEST_EXPECT_EQ(t, cpus_seen, num_online_cpus());
	mm_put(mm);
}

struct remote_reader {
	struct mm_struct *mm;
	unsigned long addr;
	int phase;	     /* 0: warm up, 1: the main thread changed the mapping, 2: done */
	unsigned long reads; /* successful accesses before the change */
	int after;	     /* what the first access after the change returned */
	bool write;	     /* write instead of read */
};

/* On another CPU: keeps accessing addr (so its TLB holds the translation) until the main
 * thread says the mapping changed, then accesses once more and reports the result. */
static void remote_reader_thread(void *arg)
{
	struct remote_reader *r = arg;
	unsigned long v = 5;

	use_mm(r->mm);
	while (__atomic_load_n(&r->phase, __ATOMIC_ACQUIRE) == 0) {
		if ((r->write ? mmt_put(r->addr, v) : mmt_get(r->addr, &v)) == 0)
			__atomic_add_fetch(&r->reads, 1, __ATOMIC_RELEASE);
	}
	r->after = r->write ? mmt_put(r->addr, v) : mmt_get(r->addr, &v);
	__atomic_store_n(&r->phase, 2, __ATOMIC_RELEASE);
	unuse_mm(r->mm);
}

/* Runs remote_reader_thread on another CPU, lets it warm its TLB, then applies `change`
 * (unmap or write-protect) here. MG-4: by the time the change returns, every CPU's TLB must
 * have dropped the old translation, so the reader's next access faults (-EFAULT). A missed
 * shootdown would let it go on using the stale entry (QEMU's TLBs are per CPU too). */
static void remote_sees_change(struct ktest *t, bool write, bool unmap)
{
	struct mm_struct *mm = mm_create();
	unsigned long a = UB + PGS(3), remote = tlb_stats.ipis + tlb_stats.remote_fences;
	struct remote_reader r = { mm, a, 0, 0, 0, write };
	unsigned cpu = (smp_processor_id() + 1) % num_online_cpus();
	struct task *th;

	KTEST_ASSERT(t, mm);
	if (num_online_cpus() < 2)
		KTEST_SKIP(t, "needs two CPUs");
	KTEST_ASSERT_EQ(t, mmt_map(mm, a, PGS(1), RW), 0);
	th = kthread_create(remote_reader_thread, &r, "tlb-reader");
	KTEST_ASSERT(t, th);
	kthread_bind(th, cpu);
	kthread_start(th);
	while (__atomic_load_n(&r.reads, __ATOMIC_ACQUIRE) < 200)
		cond_resched();
	KTEST_EXPECT_EQ(t, unmap ? mmt_unmap(mm, a, PGS(1)) : mmt_protect(mm, a, PGS(1), VM_READ),
			0);
	__atomic_store_n(&r.phase, 1, __ATOMIC_RELEASE);
	kthread_join(th);
	KTEST_EXPECT_EQ(t, r.after, -EFAULT);
	if (!ARCH_TLB_BROADCAST_VALUE)
		KTEST_EXPECT(t, tlb_stats.ipis + tlb_stats.remote_fences > remote);
	mm_put(mm);
}

static void unmap_reaches_other_cpus_tlbs(struct ktest *t)
{
	remote_sees_change(t, false, true);
}

static void write_protect_reaches_other_cpus_tlbs(struct ktest *t)
{
	remote_sees_change(t, true, false);
}

KTEST_SUITE(pgtable, 0, KTEST_CASE(map_unmap_at_every_level_edge),
	    KTEST_CASE(map_first_and_last_user_page),
	    KTEST_CASE(shared_table_freed_with_its_last_vma),
	    KTEST_CASE(cpus_race_to_fault_in_the_same_tables),
	    KTEST_CASE(unmap_reaches_other_cpus_tlbs),
	    KTEST_CASE(write_protect_reaches_other_cpus_tlbs));
