/*
 * Suite tlb_x86 (DESIGN TLB-1, TLB-6; docs/port-x86.md, "TLB rules"): the x86 port's TLB
 * rules. The kernel's mappings are global and user ones are not; no PCIDs; and lazy TLB:
 * a CPU that runs kernel threads on a user mm it kept loaded is left out of leaf shootdowns
 * (no IPI) but not of the flush after page tables were freed, does the flush it owes before
 * the mm's user addresses are used again, and is sent off an mm that dies. Roles on four
 * CPUs: this one, an "active" CPU running the mm, a "lazy" one that ran it and now runs
 * kernel threads, and an "outside" one that never ran it.
 *
 * And the must-panic suite panic_tlb_lazy_table: the test-only omission that leaves lazy CPUs
 * out even of the flush after a page table was freed; the TLB model must catch the table's
 * free while the lazy CPU may still walk through it.
 *
 * Built on every port, registered on x86 only.
 */
#ifdef __x86_64__

#include <asm/x86.h>
#include <mica/asid.h>
#include <mica/cpu.h>
#include <mica/tlb_model.h>

#include "mm_test.h"

#define FLUSHES 50 /* shootdowns per kind: any per-flush IPI to a lazy CPU shows */

static unsigned long ipis_of(unsigned cpu)
{
	return READ_ONCE(cpus[cpu].ipis);
}

/* Runs fn(arg) in a kernel thread on CPU cpu, to the end. False if no thread. */
static bool run_on(unsigned cpu, void (*fn)(void *), void *arg)
{
	struct task *th = kthread_create(fn, arg, "tlb-x86");

	if (!th)
		return false;
	kthread_bind(th, cpu);
	kthread_start(th);
	kthread_join(th);
	return true;
}

/* ---- global pages, no PCIDs ---- */

struct cr4_seen {
	unsigned long cr4;
};

static void read_cr4(void *arg)
{
	((struct cr4_seen *)arg)->cr4 = x86_read_cr4();
}

static void kernel_map_is_global_user_pages_are_not_and_pcide_is_off(struct ktest *t)
{
	struct cr4_seen seen[NR_CPUS] = { 0 };
	pgd_t *pml4 = arch_kernel_pgd();
	u64 *pdpt = (u64 *)(unsigned long)(pml4[0].val & X86_PTE_ADDR_MASK), *pd;
	unsigned long not_global = 0;
	u32 r[4];
	struct mm_struct *mm;

	KTEST_ASSERT(t, ktest_run_on_each_cpu(t, read_cr4, seen, sizeof(seen[0]), "tlb-cr4"));
	for (unsigned c = 0; c < num_online_cpus(); c++) {
		KTEST_EXPECT(t, seen[c].cr4 & X86_CR4_PGE);
		KTEST_EXPECT(t, !(seen[c].cr4 & (1UL << 17))); /* CR4.PCIDE */
	}
	for (unsigned i = 0; i < 4; i++) { /* head.S: 4 page directories of 2 MiB entries */
		pd = (u64 *)(unsigned long)(pdpt[i] & X86_PTE_ADDR_MASK);
		for (unsigned j = 0; j < PTRS_PER_PMD; j++)
			if ((pd[j] & (X86_PTE_P | X86_PTE_PS | X86_PTE_G)) !=
			    (X86_PTE_P | X86_PTE_PS | X86_PTE_G))
				not_global++;
	}
	KTEST_EXPECT_EQ(t, not_global, 0);

	mm = mmt_enter();
	KTEST_ASSERT(t, mm);
	KTEST_ASSERT_EQ(t, mmt_map(mm, UB, PGS(1), RW), 0);
	KTEST_ASSERT_EQ(t, mmt_put(UB, 1), 0);
	KTEST_EXPECT(t, mmt_pte(mm, UB).val & X86_PTE_P);
	KTEST_EXPECT(t, !(mmt_pte(mm, UB).val & X86_PTE_G));
	mmt_leave(mm);

	x86_cpuid(1, r);
	ktest_log(t, "CPUID.01H:ECX.PCID = %u: %u ASID bits", (r[2] >> 17) & 1, asid_bits());
	KTEST_EXPECT_EQ(t, asid_bits(), 0); /* mmu.c runs without PCIDs */
}

/* ---- lazy TLB ---- */

/* A kernel thread's visit to an mm: adopts it, reads every page of [UB, UB + pages) (so the
 * CPU caches their translations) and leaves it. The CPU stays lazy on mm afterwards (the
 * thread exits to other kernel threads). */
struct visit {
	struct mm_struct *mm;
	unsigned long pages;
	int read_err;
	bool lazy_after;
};

static void visit_fn(void *arg)
{
	struct visit *v = arg;
	unsigned long x;

	use_mm(v->mm);
	v->read_err = 0;
	for (unsigned long p = 0; p < v->pages; p++)
		v->read_err |= mmt_get(UB + PGS(p), &x) ? 1 : 0;
	unuse_mm(v->mm);
	v->lazy_after = tlb_cpu_is_lazy(smp_processor_id());
}

/* Makes CPU cpu lazy on mm: a visit, then only kernel threads run there. */
static bool make_lazy(struct ktest *t, unsigned cpu, struct mm_struct *mm, unsigned long pages)
{
	struct visit v = { mm, pages, 0, false };

	if (!KTEST_EXPECT(t, run_on(cpu, visit_fn, &v)))
		return false;
	KTEST_EXPECT_EQ(t, v.read_err, 0);
	KTEST_EXPECT(t, v.lazy_after);
	return KTEST_EXPECT(t, READ_ONCE(cpus[cpu].active_mm) == mm);
}

/* The active CPU: runs on mm, touching it, until told to stop. */
struct runner {
	struct mm_struct *mm;
	volatile int state; /* 1 running, 2 stop, 3 left */
	struct task *task;
};

static void runner_fn(void *arg)
{
	struct runner *r = arg;
	unsigned long v;

	use_mm(r->mm);
	mmt_get(UB, &v);
	r->state = 1;
	while (r->state != 2) {
		cond_resched();
		arch_cpu_relax();
	}
	unuse_mm(r->mm);
	r->state = 3;
}

static bool runner_start(struct runner *r, struct mm_struct *mm, unsigned cpu)
{
	r->mm = mm;
	r->state = 0;
	r->task = kthread_create(runner_fn, r, "tlb-active");
	if (!r->task)
		return false;
	kthread_bind(r->task, cpu);
	kthread_start(r->task);
	while (r->state != 1)
		cond_resched();
	return true;
}

static void runner_stop(struct runner *r)
{
	r->state = 2;
	while (r->state != 3)
		cond_resched();
	kthread_join(r->task);
}

static void leaf_flushes_skip_lazy_cpus_table_flushes_reach_them(struct ktest *t)
{
	unsigned me = smp_processor_id(), n = num_online_cpus();
	unsigned active = (me + 1) % n, lazy = (me + 2) % n, outside = (me + 3) % n;
	unsigned long ipis[NR_CPUS], skips, mask;
	struct mm_struct *mm;
	struct runner r;

	if (n < 4)
		KTEST_SKIP(t, "needs four CPUs");
	mm = mmt_enter();
	KTEST_ASSERT(t, mm);
	KTEST_ASSERT_EQ(t, mmt_map(mm, UB, PGS(2), RW), 0);
	KTEST_ASSERT_EQ(t, mmt_put(UB, 1), 0);
	KTEST_ASSERT(t, make_lazy(t, lazy, mm, 2));
	KTEST_ASSERT(t, runner_start(&r, mm, active));
	mask = __atomic_load_n(&mm->cpumask, __ATOMIC_RELAXED);
	KTEST_EXPECT_EQ(t, mask, (1UL << me) | (1UL << active) | (1UL << lazy));

	/* Leaf flushes: the active CPU gets one IPI each, the lazy one none. (The active CPU
	 * too is skipped, rightly, for a flush that finds it lazy: another kernel thread may
	 * preempt its runner.) */
	for (unsigned c = 0; c < n; c++)
		ipis[c] = ipis_of(c);
	skips = mmt_stat(&tlb_stats.lazy_skips);
	for (unsigned i = 0; i < FLUSHES; i++)
		flush_tlb_range(mm, UB, UB + PAGE_SIZE);
	skips = mmt_stat(&tlb_stats.lazy_skips) - skips;
	ktest_log(t,
		  "%u leaf flushes: IPIs taken by the active cpu%u %lu, lazy cpu%u %lu, "
		  "outside cpu%u %lu; lazy CPUs skipped %lu",
		  FLUSHES, active, ipis_of(active) - ipis[active], lazy, ipis_of(lazy) - ipis[lazy],
		  outside, ipis_of(outside) - ipis[outside], skips);
	KTEST_EXPECT(t, skips >= FLUSHES);
	KTEST_EXPECT(t, ipis_of(active) - ipis[active] >= FLUSHES - (skips - FLUSHES));
	KTEST_EXPECT(t, ipis_of(lazy) - ipis[lazy] < FLUSHES / 2);
	KTEST_EXPECT(t, ipis_of(outside) - ipis[outside] < FLUSHES / 2);
	KTEST_EXPECT(t, tlb_cpu_is_lazy(lazy));

	/* The flush after tables were freed reaches the lazy CPU too, and it stays lazy. */
	ipis[lazy] = ipis_of(lazy);
	skips = mmt_stat(&tlb_stats.lazy_skips);
	for (unsigned i = 0; i < FLUSHES; i++)
		flush_tlb_mm(mm);
	ktest_log(t, "%u flushes after freeing tables: IPIs taken by the lazy cpu%u %lu", FLUSHES,
		  lazy, ipis_of(lazy) - ipis[lazy]);
	KTEST_EXPECT(t, ipis_of(lazy) - ipis[lazy] >= FLUSHES);
	KTEST_EXPECT_EQ(t, mmt_stat(&tlb_stats.lazy_skips), skips);
	KTEST_EXPECT(t, tlb_cpu_is_lazy(lazy));

	runner_stop(&r);
	mmt_leave(mm);
}

/* On the lazy CPU: write UB (its TLB now holds UB writable), leave the mm and spin, lazy,
 * while the main thread write-protects UB, then adopt the mm again and write once more. */
struct stale_writer {
	struct mm_struct *mm;
	volatile int state; /* 1 lazy and waiting, 2 UB is read-only now, 3 done */
	int before, after;  /* the two writes' results (0: written) */
};

static void stale_writer_fn(void *arg)
{
	struct stale_writer *w = arg;

	use_mm(w->mm);
	w->before = mmt_put(UB, 2);
	unuse_mm(w->mm);
	w->state = 1;
	while (w->state != 2) /* no switch: nothing else runs to push UB out of QEMU's TLB */
		arch_cpu_relax();
	use_mm(w->mm);
	w->after = mmt_put(UB, 3);
	unuse_mm(w->mm);
	w->state = 3;
}

/* QEMU's TLB is per vCPU and keeps a translation until that vCPU loads CR3 or runs INVLPG (or
 * the entry is evicted), so a missing owed flush shows as a write through the stale writable
 * entry that succeeds although UB is read-only. */
static void lazy_cpu_flushes_what_it_owes_before_using_the_mm_again(struct ktest *t)
{
	unsigned lazy = (smp_processor_id() + 1) % num_online_cpus();
	unsigned long skips, owed, resumes;
	struct stale_writer w;
	struct mm_struct *mm, *other;
	struct visit v;
	struct task *th;

	if (num_online_cpus() < 2)
		KTEST_SKIP(t, "needs two CPUs");
	mm = mmt_enter();
	KTEST_ASSERT(t, mm);
	KTEST_ASSERT_EQ(t, mmt_map(mm, UB, PGS(2), RW), 0);
	KTEST_ASSERT_EQ(t, mmt_put(UB, 1), 0);

	/* Back to the same mm: the lazy CPU resumes without loading CR3, so only the owed
	 * flush removes the writable entry. */
	w = (struct stale_writer){ mm, 0, -1, -1 };
	th = kthread_create(stale_writer_fn, &w, "tlb-stale");
	KTEST_ASSERT(t, th);
	kthread_bind(th, lazy);
	kthread_start(th);
	while (w.state != 1)
		cond_resched();
	skips = mmt_stat(&tlb_stats.lazy_skips);
	owed = mmt_stat(&tlb_stats.lazy_flushes);
	resumes = mmt_stat(&tlb_stats.lazy_resumes);
	KTEST_EXPECT_EQ(t, mmt_protect(mm, UB, PGS(1), VM_READ), 0);
	KTEST_EXPECT(t, mmt_stat(&tlb_stats.lazy_skips) > skips); /* no IPI: it owes the flush */
	w.state = 2;
	kthread_join(th);
	KTEST_EXPECT_EQ(t, w.before, 0);
	KTEST_EXPECT(t, w.after != 0); /* faulted: the read-only PTE was read afresh */
	KTEST_EXPECT(t, mmt_stat(&tlb_stats.lazy_flushes) > owed);
	KTEST_EXPECT(t, mmt_stat(&tlb_stats.lazy_resumes) > resumes);

	/* To another mm: the switch itself carries the owed flush. */
	v = (struct visit){ mm, 2, 0, false };
	KTEST_ASSERT(t, run_on(lazy, visit_fn, &v)); /* lazy on mm again */
	KTEST_ASSERT(t, v.lazy_after);
	skips = mmt_stat(&tlb_stats.lazy_skips);
	owed = mmt_stat(&tlb_stats.lazy_flushes);
	KTEST_ASSERT_EQ(t, mmt_unmap(mm, UB + PAGE_SIZE, PGS(1)),
			0); /* a leaf: UB keeps the table */
	KTEST_EXPECT(t, mmt_stat(&tlb_stats.lazy_skips) > skips);
	other = mm_create();
	KTEST_ASSERT(t, other);
	v = (struct visit){ other, 0, 0, false };
	KTEST_EXPECT(t, run_on(lazy, visit_fn, &v));
	KTEST_EXPECT(t, mmt_stat(&tlb_stats.lazy_flushes) > owed);
	mm_put(other); /* the lazy CPU is sent off it */
	mmt_leave(mm);
}

static void dying_mm_is_not_left_loaded_on_a_lazy_cpu(struct ktest *t)
{
	unsigned n = num_online_cpus(), me = smp_processor_id();
	unsigned long drops = mmt_stat(&tlb_stats.lazy_drops);
	struct mm_struct *mm;
	unsigned lazy_cpus = 0;

	if (n < 2)
		KTEST_SKIP(t, "needs two CPUs");
	mm = mmt_enter();
	KTEST_ASSERT(t, mm);
	KTEST_ASSERT_EQ(t, mmt_map(mm, UB, PGS(1), RW), 0);
	KTEST_ASSERT_EQ(t, mmt_put(UB, 1), 0);
	for (unsigned c = 0; c < n; c++)
		if (c != me && make_lazy(t, c, mm, 1))
			lazy_cpus++;
	mmt_leave(mm); /* this CPU too is lazy on it until the last mm_put() */
	for (unsigned c = 0; c < n; c++)
		KTEST_EXPECT(t, READ_ONCE(cpus[c].active_mm) != mm);
	KTEST_EXPECT_EQ(t, mmt_stat(&tlb_stats.lazy_drops) - drops, lazy_cpus + 1);
}

/* ---- the race: CPUs entering and leaving lazy mode while shootdowns go on ---- */

#define RACE_PAGES 8
#define RACE_ROUNDS 400

static unsigned long race_word(unsigned page, unsigned long gen)
{
	return (gen << 8) | page | 0x80;
}

struct race {
	struct mm_struct *mm;
	unsigned long seq[RACE_PAGES]; /* odd while the writer changes the page; gen = seq / 2 */
	volatile bool stop;
	unsigned long bad[NR_CPUS], checked[NR_CPUS], lazy_spells[NR_CPUS];
};

/* On every CPU but the writer's: adopt the mm, read each page, leave it (lazy), again. A read
 * that no change of its page overlapped must give the page's current word; a stale entry to a
 * frame a zap freed would give an old word, another page's, or 0 (a new zeroed page). */
static void race_reader(struct race *r)
{
	unsigned cpu = smp_processor_id();
	unsigned long v, s1, s2;

	while (!r->stop) {
		use_mm(r->mm);
		for (unsigned p = 0; p < RACE_PAGES; p++) {
			s1 = __atomic_load_n(&r->seq[p], __ATOMIC_ACQUIRE);
			if (mmt_get(UB + PGS(p), &v))
				r->bad[cpu]++;
			s2 = __atomic_load_n(&r->seq[p], __ATOMIC_ACQUIRE);
			if (s1 != s2 || (s1 & 1))
				continue; /* raced with the writer: any word may be right */
			r->bad[cpu] += v != race_word(p, s1 / 2);
			r->checked[cpu]++;
		}
		unuse_mm(r->mm);
		r->lazy_spells[cpu]++;
		sched_yield();
	}
}

/* The writer: zap a page (a leaf flush; its frame freed), write its next word (a new frame). */
static void race_writer(struct race *r)
{
	use_mm(r->mm);
	for (unsigned i = 0; i < RACE_ROUNDS; i++) {
		unsigned p = i % RACE_PAGES;
		unsigned long gen = r->seq[p] / 2 + 1;

		__atomic_store_n(&r->seq[p], r->seq[p] + 1, __ATOMIC_RELEASE);
		zap_page_range(r->mm, UB + PGS(p), PAGE_SIZE);
		mmt_put(UB + PGS(p), race_word(p, gen));
		__atomic_store_n(&r->seq[p], gen * 2, __ATOMIC_RELEASE);
	}
	unuse_mm(r->mm);
	r->stop = true;
}

static void race_main(void *arg)
{
	struct race *r = *(struct race **)arg;

	if (smp_processor_id() == 0)
		race_writer(r);
	else
		race_reader(r);
}

static void cpus_go_lazy_and_back_while_leaves_are_zapped(struct ktest *t)
{
	static struct race r;
	struct race *args[NR_CPUS];
	unsigned long skips = mmt_stat(&tlb_stats.lazy_skips),
		      owed = mmt_stat(&tlb_stats.lazy_flushes);
	unsigned long bad = 0, checked = 0, spells = 0;

	if (num_online_cpus() < 2)
		KTEST_SKIP(t, "needs two CPUs");
	r = (struct race){ 0 };
	r.mm = mmt_enter();
	KTEST_ASSERT(t, r.mm);
	KTEST_ASSERT_EQ(t, mmt_map(r.mm, UB, PGS(RACE_PAGES), RW), 0);
	for (unsigned p = 0; p < RACE_PAGES; p++)
		KTEST_ASSERT_EQ(t, mmt_put(UB + PGS(p), race_word(p, 0)), 0);
	for (unsigned c = 0; c < NR_CPUS; c++)
		args[c] = &r;
	KTEST_ASSERT(t, ktest_run_on_each_cpu(t, race_main, args, sizeof(args[0]), "lazy-race"));
	for (unsigned c = 0; c < NR_CPUS; c++) {
		bad += r.bad[c];
		checked += r.checked[c];
		spells += r.lazy_spells[c];
	}
	skips = mmt_stat(&tlb_stats.lazy_skips) - skips;
	owed = mmt_stat(&tlb_stats.lazy_flushes) - owed;
	ktest_log(t,
		  "%u zaps; %lu reads checked on %u CPUs, %lu wrong; %lu lazy spells, lazy "
		  "CPUs skipped %lu times, %lu owed flushes done",
		  RACE_ROUNDS, checked, num_online_cpus() - 1, bad, spells, skips, owed);
	KTEST_EXPECT_EQ(t, bad, 0);
	KTEST_EXPECT(t, checked > 0);
	KTEST_EXPECT(t, skips > 0); /* the race really had lazy CPUs to skip */
	KTEST_EXPECT_EQ(t, tlb_model_stats.overflows, 0);
	mmt_leave(r.mm);
}

KTEST_SUITE(tlb_x86, 0, KTEST_CASE(kernel_map_is_global_user_pages_are_not_and_pcide_is_off),
	    KTEST_CASE(leaf_flushes_skip_lazy_cpus_table_flushes_reach_them),
	    KTEST_CASE(lazy_cpu_flushes_what_it_owes_before_using_the_mm_again),
	    KTEST_CASE(dying_mm_is_not_left_loaded_on_a_lazy_cpu),
	    KTEST_CASE(cpus_go_lazy_and_back_while_leaves_are_zapped));

/* ---- the must-panic suite ---- */

/* A CPU lazy on an mm whose page table is then freed with the lazy CPUs left out of the
 * flush: the table's free, after the grace period, must panic naming that CPU. */
static void table_freed_under_a_lazy_cpu_is_caught(struct ktest *t)
{
	unsigned lazy = (smp_processor_id() + 1) % num_online_cpus();
	struct mm_struct *mm = mmt_enter();

	KTEST_ASSERT(t, mm && tlb_model_enabled && num_online_cpus() > 1);
	KTEST_ASSERT_EQ(t, mmt_map(mm, UB, PGS(4), RW), 0);
	for (int i = 0; i < 4; i++)
		KTEST_ASSERT_EQ(t, mmt_put(UB + PGS(i), i), 0);
	KTEST_ASSERT(t, make_lazy(t, lazy, mm, 4));
	ktest_log(t,
		  "expecting a panic now: the TLB model must catch the table freed while "
		  "cpu%u, lazy, may still walk through it",
		  lazy);
	tlb_test_omit = TLB_OMIT_LAZY_TABLE_FLUSH;
	mmt_unmap(mm, UB, PGS(4));
	rcu_barrier();		/* the table batch is freed after a grace period */
	KTEST_EXPECT(t, false); /* not reached */
}

KTEST_SUITE(panic_tlb_lazy_table, KTEST_MANUAL, KTEST_CASE(table_freed_under_a_lazy_cpu_is_caught));

#endif /* __x86_64__ */
