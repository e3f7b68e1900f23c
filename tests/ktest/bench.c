/*
 * Suite bench (manual: `make bench`): figures, not verdicts. Each case prints
 * "# <case>: bench: <figure>" lines; a case fails only if its measurement is absurd (zero
 * iterations done, or a clock that did not move). Emulated CPUs: compare ports and changes on
 * one machine, never against hardware.
 */
#include <mica/arch.h>
#include <mica/asid.h>
#include <mica/ktest.h>
#include <mica/latency.h>
#include <mica/mm.h>
#include <mica/mm_types.h>
#include <mica/mutex.h>
#include <mica/rcu.h>
#include <mica/rwsem.h>
#include <mica/sched.h>
#include <mica/slab.h>
#include <mica/smp_call.h>
#include <mica/spinlock.h>
#include <mica/time.h>
#include <mica/timer.h>
#include <mica/tlb.h>
#include <mica/tlbflush.h>
#include <mica/uaccess.h>
#include <mica/wait.h>

#include "rt_probe.h"

#define ROUNDS 2000

struct pingpong {
	struct completion a, b;
	unsigned rounds;
	struct mm_struct *mm[2]; /* if set: each side runs on its own and touches it each round */
};

/* Reads 4 pages of the current mm: after a flushing switch, each needs a TLB refill. */
static void touch_own_pages(void)
{
	unsigned long v;

	for (int i = 0; i < 4; i++)
		copy_from_user(&v, (void *)(USER_BASE + i * PAGE_SIZE), sizeof(v));
}

static void pong_side(void *arg)
{
	struct pingpong *p = arg;

	if (p->mm[1])
		use_mm(p->mm[1]);
	for (unsigned i = 0; i < p->rounds; i++) {
		wait_for_completion(&p->a);
		if (p->mm[1])
			touch_own_pages();
		complete(&p->b);
	}
	if (p->mm[1])
		unuse_mm(p->mm[1]);
}

/* Round trip of two threads handing a token back and forth: two wake-ups and two switches.
 * With mms, each side runs on its own address space (an mm switch each way). */
static u64 pingpong_mm_ns(int ping_cpu, int pong_cpu, struct mm_struct *mm0, struct mm_struct *mm1)
{
	static struct pingpong p;
	struct task *th;
	u64 t0;

	init_completion(&p.a);
	init_completion(&p.b);
	p.rounds = ROUNDS;
	p.mm[0] = mm0;
	p.mm[1] = mm1;
	th = kthread_create(pong_side, &p, "pong");
	if (!th)
		return 0;
	kthread_bind(th, pong_cpu);
	kthread_start(th);
	sched_pin_current(ping_cpu);
	if (mm0)
		use_mm(mm0);
	t0 = arch_clock_ns();
	for (unsigned i = 0; i < ROUNDS; i++) {
		complete(&p.a);
		wait_for_completion(&p.b);
		if (mm0)
			touch_own_pages();
	}
	t0 = arch_clock_ns() - t0;
	if (mm0)
		unuse_mm(mm0);
	sched_pin_current(0);
	kthread_join(th);
	return t0 / ROUNDS;
}

static u64 pingpong_ns(int ping_cpu, int pong_cpu)
{
	return pingpong_mm_ns(ping_cpu, pong_cpu, NULL, NULL);
}

/* An mm with 4 touched pages at USER_BASE, or NULL. */
static struct mm_struct *bench_mm(void)
{
	struct mm_struct *mm = mm_create();
	unsigned long v = 1;

	if (!mm)
		return NULL;
	use_mm(mm);
	down_write(&mm->mmap_lock);
	vma_insert(mm, USER_BASE, 4 * PAGE_SIZE, VM_READ | VM_WRITE | VM_ANON,
		   USER_BASE >> PAGE_SHIFT);
	up_write(&mm->mmap_lock);
	for (int i = 0; i < 4; i++)
		copy_to_user((void *)(USER_BASE + i * PAGE_SIZE), &v, sizeof(v));
	unuse_mm(mm);
	return mm;
}

/* TLB-4's figure: the cost of switching between two address spaces on one CPU, and the full
 * invalidations each switch costs, with the ASIDs this boot has (tests/run boots this suite
 * again with asid_bits=0 to compare). */
static void mm_switch_round_trip(struct ktest *t)
{
	struct mm_struct *a = bench_mm(), *b = bench_mm();
	unsigned long flushes = asid_stats.switch_flushes;
	int cpu = ncpus > 1 ? 1 : 0;
	u64 ns;

	KTEST_ASSERT(t, a && b);
	ns = pingpong_mm_ns(cpu, cpu, a, b);
	flushes = asid_stats.switch_flushes - flushes;
	ktest_log(t,
		  "bench: mm switch round trip, one CPU, %u-bit ASIDs: %llu ns, %lu.%02lu full "
		  "flushes per switch",
		  asid_bits(), (unsigned long long)ns, flushes / (2 * ROUNDS),
		  flushes * 100 / (2 * ROUNDS) % 100);
	KTEST_EXPECT(t, ns > 0);
	mm_put(a);
	mm_put(b);
}

static void context_switch_round_trip(struct ktest *t)
{
	int cpu = ncpus > 1 ? 1 : 0;
	u64 same = pingpong_ns(cpu, cpu);

	KTEST_EXPECT(t, same > 0);
	ktest_log(t, "bench: context switch round trip, one CPU: %llu ns",
		  (unsigned long long)same);
	if (ncpus > 2) {
		u64 cross = pingpong_ns(1, 2);

		KTEST_EXPECT(t, cross > 0);
		ktest_log(t, "bench: wake-up round trip across CPUs: %llu ns",
			  (unsigned long long)cross);
	}
}

static void nothing(void *arg)
{
}

static void ipi_round_trip(struct ktest *t)
{
	u64 t0;

	if (ncpus < 2)
		KTEST_SKIP(t, "needs 2 CPUs");
	t0 = arch_clock_ns();
	for (unsigned i = 0; i < ROUNDS; i++)
		smp_call_function_single(1, nothing, NULL, true);
	t0 = (arch_clock_ns() - t0) / ROUNDS;
	KTEST_EXPECT(t, t0 > 0);
	ktest_log(t, "bench: IPI round trip (synchronous cross-CPU call): %llu ns",
		  (unsigned long long)t0);
}

/* ---- lock costs ---- */

#define BENCH_ITERS 100000
#define BENCH_CONTENDED_ITERS 20000

struct lock_costs {
	u64 spin_ps; /* picoseconds per lock+unlock pair */
	u64 mutex_ps, mutex_contended_ps;
	u64 rwsem_read_ps, rwsem_write_ps;
	unsigned long contended_handoffs;
};

struct bench_pair {
	struct mutex m;
	unsigned long shared;
	bool go;
};

static void bench_contender(void *arg)
{
	struct bench_pair *b = arg;

	while (!READ_ONCE(b->go))
		arch_cpu_relax();
	for (unsigned i = 0; i < BENCH_CONTENDED_ITERS; i++) {
		mutex_lock(&b->m);
		b->shared++;
		mutex_unlock(&b->m);
	}
}

/* Two tasks on CPUs 0 and 1 taking one mutex in turn; 0 if there is one CPU. */
static u64 bench_contended(unsigned long *handoffs)
{
	static struct bench_pair b;
	unsigned long h0 = READ_ONCE(mutex_handoffs);
	struct task *th;
	u64 t0, ns;

	if (ncpus < 2)
		return 0;
	mutex_init(&b.m);
	b.shared = 0;
	b.go = false;
	th = kthread_create(bench_contender, &b, "mx-bench");
	if (!th)
		return 0;
	kthread_bind(th, 1);
	kthread_start(th);
	while (READ_ONCE(th->state) != TASK_RUNNING || !READ_ONCE(th->on_cpu))
		sched_yield();
	t0 = arch_clock_ns();
	WRITE_ONCE(b.go, true);
	bench_contender(&b);
	kthread_join(th);
	ns = arch_clock_ns() - t0;
	*handoffs = READ_ONCE(mutex_handoffs) - h0;
	if (b.shared != 2UL * BENCH_CONTENDED_ITERS)
		return 0; /* a broken mutex has no cost worth printing */
	return ns * 1000 / (2 * BENCH_CONTENDED_ITERS);
}

static void bench_measure(struct lock_costs *c)
{
	static DEFINE_SPINLOCK(bl);
	static DEFINE_MUTEX(bm);
	static DEFINE_RWSEM(bs);
	u64 t0;

	t0 = arch_clock_ns();
	for (unsigned i = 0; i < BENCH_ITERS; i++) {
		spin_lock(&bl);
		spin_unlock(&bl);
	}
	c->spin_ps = (arch_clock_ns() - t0) * 1000 / BENCH_ITERS;
	t0 = arch_clock_ns();
	for (unsigned i = 0; i < BENCH_ITERS; i++) {
		mutex_lock(&bm);
		mutex_unlock(&bm);
	}
	c->mutex_ps = (arch_clock_ns() - t0) * 1000 / BENCH_ITERS;
	t0 = arch_clock_ns();
	for (unsigned i = 0; i < BENCH_ITERS; i++) {
		down_read(&bs);
		up_read(&bs);
	}
	c->rwsem_read_ps = (arch_clock_ns() - t0) * 1000 / BENCH_ITERS;
	t0 = arch_clock_ns();
	for (unsigned i = 0; i < BENCH_ITERS; i++) {
		down_write(&bs);
		up_write(&bs);
	}
	c->rwsem_write_ps = (arch_clock_ns() - t0) * 1000 / BENCH_ITERS;
	c->mutex_contended_ps = bench_contended(&c->contended_handoffs);
}

static void bench_print(struct ktest *t, const struct lock_costs *c)
{
	ktest_log(t, "bench: spin_lock+spin_unlock, uncontended: %llu.%llu ns", c->spin_ps / 1000,
		  c->spin_ps % 1000 / 100);
	ktest_log(t, "bench: mutex lock+unlock, uncontended: %llu.%llu ns", c->mutex_ps / 1000,
		  c->mutex_ps % 1000 / 100);
	if (c->mutex_contended_ps)
		ktest_log(
		    t, "bench: mutex lock+unlock, 2 CPUs contending: %llu.%llu ns (%lu handoffs)",
		    c->mutex_contended_ps / 1000, c->mutex_contended_ps % 1000 / 100,
		    c->contended_handoffs);
	ktest_log(t, "bench: rwsem down_read+up_read, uncontended: %llu.%llu ns",
		  c->rwsem_read_ps / 1000, c->rwsem_read_ps % 1000 / 100);
	ktest_log(t, "bench: rwsem down_write+up_write, uncontended: %llu.%llu ns",
		  c->rwsem_write_ps / 1000, c->rwsem_write_ps % 1000 / 100);
}

static void lock_costs_are_sane(struct ktest *t)
{
	struct lock_costs c = { 0 };

	bench_measure(&c);
	bench_print(t, &c);
	KTEST_EXPECT(t, c.spin_ps > 0 && c.mutex_ps > 0);
	KTEST_EXPECT(t, c.rwsem_read_ps > 0 && c.rwsem_write_ps > 0);
	if (ncpus >= 2)
		KTEST_EXPECT(t, c.mutex_contended_ps > 0);
}

static void synchronize_rcu_latency(struct ktest *t)
{
	const unsigned n = 20;
	u64 t0 = arch_clock_ns();

	for (unsigned i = 0; i < n; i++)
		synchronize_rcu();
	t0 = (arch_clock_ns() - t0) / n;
	KTEST_EXPECT(t, t0 > 0);
	ktest_log(t, "bench: synchronize_rcu(): %llu us (tick %u Hz)",
		  (unsigned long long)(t0 / 1000), HZ);
}

/* Page allocator and kmalloc throughput on one CPU (the memory-core issue's benchmark). */
static void page_and_kmalloc_rates(struct ktest *t)
{
	const unsigned n = 20000;
	unsigned done = 0;
	u64 t0 = arch_clock_ns(), ns;

	for (unsigned i = 0; i < n; i++) {
		struct page *p = alloc_page(GFP_KERNEL);

		if (!p)
			break;
		free_page(p);
		done++;
	}
	ns = arch_clock_ns() - t0;
	KTEST_ASSERT_EQ(t, done, n);
	ktest_log(t, "bench: alloc_page+free_page: %llu ns (%llu pairs/s)",
		  (unsigned long long)(ns / n), (unsigned long long)(n * NSEC_PER_SEC / ns));
	done = 0;
	t0 = arch_clock_ns();
	for (unsigned i = 0; i < n; i++) {
		void *p = kmalloc(64, GFP_KERNEL);

		if (!p)
			break;
		kfree(p);
		done++;
	}
	ns = arch_clock_ns() - t0;
	KTEST_ASSERT_EQ(t, done, n);
	ktest_log(t, "bench: kmalloc(64)+kfree: %llu ns (%llu pairs/s)",
		  (unsigned long long)(ns / n), (unsigned long long)(n * NSEC_PER_SEC / ns));
}

/* Map, touch every page of, and unmap 16 MiB in a kernel-made address space: demand-zero
 * faults through the user-copy path, then one munmap through the mmu_gather. */
static void map_touch_unmap_16mib(struct ktest *t)
{
	const unsigned long len = 16UL << 20, pages = len >> PAGE_SHIFT;
	struct mm_struct *mm = mm_create();
	u64 t0, t_map, t_touch, t_unmap;
	unsigned long local = tlb_stats.local_range + tlb_stats.local_all, ipis = tlb_stats.ipis;

	KTEST_ASSERT(t, mm);
	use_mm(mm);
	mm_put(mm);
	t0 = arch_clock_ns();
	down_write(&mm->mmap_lock);
	KTEST_ASSERT_EQ(
	    t,
	    vma_insert(mm, USER_BASE, len, VM_READ | VM_WRITE | VM_ANON, USER_BASE >> PAGE_SHIFT),
	    0);
	up_write(&mm->mmap_lock);
	t_map = arch_clock_ns();
	for (unsigned long i = 0; i < pages; i++) {
		unsigned long v = i;

		KTEST_ASSERT_EQ(t, copy_to_user((void *)(USER_BASE + i * PAGE_SIZE), &v, sizeof(v)),
				0);
	}
	t_touch = arch_clock_ns();
	down_write(&mm->mmap_lock);
	KTEST_ASSERT_EQ(t, vma_unmap_range(mm, USER_BASE, len), 0);
	up_write(&mm->mmap_lock);
	t_unmap = arch_clock_ns();
	unuse_mm(mm);
	ktest_log(t, "bench: 16 MiB map+touch+unmap: %llu pages/s overall (%llu us)",
		  (unsigned long long)(pages * NSEC_PER_SEC / (t_unmap - t0)),
		  (unsigned long long)((t_unmap - t0) / 1000));
	ktest_log(t, "bench:   touch (demand-zero fault per page): %llu pages/s, %llu ns/page",
		  (unsigned long long)(pages * NSEC_PER_SEC / (t_touch - t_map)),
		  (unsigned long long)((t_touch - t_map) / pages));
	ktest_log(t, "bench:   unmap (zap + gather + free tables): %llu pages/s, %llu ns/page",
		  (unsigned long long)(pages * NSEC_PER_SEC / (t_unmap - t_touch)),
		  (unsigned long long)((t_unmap - t_touch) / pages));
	ktest_log(t, "bench:   TLB invalidations run %lu, flush IPIs %lu",
		  tlb_stats.local_range + tlb_stats.local_all - local, tlb_stats.ipis - ipis);
}

/* Pages one gather holds before it must flush: the built-in batch and the capped extra ones. */
#define GATHER_PAGES (TLB_LOCAL_BATCH + TLB_MAX_BATCHES * TLB_BATCH_PAGES)

/* Issue 7's figure: TLB flush requests per munmap of N touched pages (the goal is at most
 * ceil(N / GATHER_PAGES) + 1), with the local invalidations and IPIs they cost, on a 4-CPU
 * mm (every CPU has run it, so each request reaches all four). */
static void touch_on_cpu(void *arg)
{
	struct mm_struct *mm = *(struct mm_struct **)arg;

	use_mm(mm);
	unuse_mm(mm);
}

static void tlb_flushes_per_munmap(struct ktest *t)
{
	static const unsigned long sizes[] = { 1, 16, 512, 4096, 16384 };
	static struct mm_struct *mms[NR_CPUS];

	for (unsigned i = 0; i < ARRAY_SIZE(sizes); i++) {
		unsigned long n = sizes[i], req, local, ipis, fences;
		struct mm_struct *mm = mm_create();

		KTEST_ASSERT(t, mm);
		for (unsigned c = 0; c < NR_CPUS; c++)
			mms[c] = mm;
		ktest_run_on_each_cpu(t, touch_on_cpu, mms, sizeof(mms[0]), "bench-cpumask");
		use_mm(mm);
		mm_put(mm);
		down_write(&mm->mmap_lock);
		KTEST_ASSERT_EQ(t,
				vma_insert(mm, USER_BASE, n << PAGE_SHIFT,
					   VM_READ | VM_WRITE | VM_ANON, USER_BASE >> PAGE_SHIFT),
				0);
		up_write(&mm->mmap_lock);
		for (unsigned long p = 0; p < n; p++)
			KTEST_ASSERT_EQ(
			    t, copy_to_user((void *)(USER_BASE + p * PAGE_SIZE), &p, sizeof(p)), 0);
		req = tlb_stats.flushes;
		local = tlb_stats.local_range + tlb_stats.local_all;
		ipis = tlb_stats.ipis;
		fences = tlb_stats.remote_fences;
		down_write(&mm->mmap_lock);
		KTEST_EXPECT_EQ(t, vma_unmap_range(mm, USER_BASE, n << PAGE_SHIFT), 0);
		up_write(&mm->mmap_lock);
		req = tlb_stats.flushes - req;
		local = tlb_stats.local_range + tlb_stats.local_all - local;
		ipis = tlb_stats.ipis - ipis;
		fences = tlb_stats.remote_fences - fences;
		unuse_mm(mm);
		ktest_log(t,
			  "bench: munmap of %lu pages: %lu flush requests (goal <= %lu), %lu local "
			  "invalidations, %lu IPI rounds, %lu remote fences",
			  n, req, (n + GATHER_PAGES - 1) / GATHER_PAGES + 1, local, ipis, fences);
		KTEST_EXPECT(t, req >= 1);
	}
}

/* ---- the zap break's worth (MG-5): latency while a big unmap runs ---- */

/* Maps and touches mib MiB in a fresh mm, then unmaps it with the probe measuring; repeats
 * until the probe was woken at least 10 times during unmaps (a 4 MiB unmap lasts about one
 * tick). Prints the longest preempt-off section of this CPU during the unmaps, the probe's
 * worst wake-up latency, and the TLB flushes per unmap; returns the worst latency. */
static u64 zap_latency_one(struct ktest *t, unsigned long mib, bool brk)
{
	unsigned long pages = (mib << 20) >> PAGE_SHIFT, flushes = 0, requests = 0, breaks = 0;
	unsigned cpu = smp_processor_id(), rounds = 0;
	u64 ms = 0, preempt_off = 0;
	void *site = NULL;
	struct rt_probe p;
	bool ok = true;

	if (!KTEST_EXPECT(t, rt_probe_start_tick(&p, 20)))
		return 0;
	while (ok && p.wakeups < 10 && rounds < 50) {
		struct mm_struct *mm = mm_create();
		u64 t0;

		if (!KTEST_EXPECT(t, mm))
			break;
		use_mm(mm);
		mm_put(mm);
		down_write(&mm->mmap_lock);
		ok = KTEST_EXPECT_EQ(t,
				     vma_insert(mm, USER_BASE, pages << PAGE_SHIFT,
						VM_READ | VM_WRITE | VM_ANON,
						USER_BASE >> PAGE_SHIFT),
				     0);
		up_write(&mm->mmap_lock);
		for (unsigned long i = 0; ok && i < pages; i++)
			ok = KTEST_EXPECT_EQ(
			    t, copy_to_user((void *)(USER_BASE + i * PAGE_SIZE), &i, sizeof(i)), 0);
		zap_break_enabled = brk;
		requests -= tlb_stats.flushes;
		breaks -= gather_stats.resched_breaks;
		flushes -= tlb_stats.local_range + tlb_stats.local_all;
		latency_reset(cpu);
		t0 = arch_clock_ns();
		p.measuring = true;
		down_write(&mm->mmap_lock);
		KTEST_EXPECT_EQ(t, vma_unmap_range(mm, USER_BASE, pages << PAGE_SHIFT), 0);
		up_write(&mm->mmap_lock);
		p.measuring = false;
		ms += arch_clock_ns() - t0;
		requests += tlb_stats.flushes;
		breaks += gather_stats.resched_breaks;
		flushes += tlb_stats.local_range + tlb_stats.local_all;
		zap_break_enabled = true;
		if (latency_of(cpu)->preempt_off.ns > preempt_off) {
			preempt_off = latency_of(cpu)->preempt_off.ns;
			site = (void *)latency_of(cpu)->preempt_off.start_site;
		}
		unuse_mm(mm);
		rounds++;
	}
	rt_probe_stop_tick(&p);
	rounds = rounds ? rounds : 1;
	ktest_log(t,
		  "bench: unmap %lu MiB, break %s: %llu ms each (%u runs), preempt-off max %llu us "
		  "(%pS), RT wake-up max %llu us (%lu)",
		  mib, brk ? "on" : "off", (unsigned long long)(ms / rounds / 1000000), rounds,
		  (unsigned long long)(preempt_off / 1000), site,
		  (unsigned long long)(p.max_latency_ns / 1000), p.wakeups);
	ktest_log(t,
		  "bench:   per unmap %lu flush requests (ceil(N/batch)+1 = %lu, %lu resched "
		  "breaks), %lu local invalidations",
		  requests / rounds, (pages + GATHER_PAGES - 1) / GATHER_PAGES + 1, breaks / rounds,
		  flushes / rounds);
	return p.max_latency_ns;
}

static void zap_latency_break_on_and_off(struct ktest *t)
{
	static const unsigned long sizes[] = { 4, 64, 256 };
	int was_pinned = current->pinned_cpu;

	if (num_online_cpus() < 2)
		KTEST_SKIP(t, "needs two CPUs");
	sched_pin_current((int)smp_processor_id());
	for (unsigned i = 0; i < ARRAY_SIZE(sizes); i++) {
		if (nr_free_pages() < ((sizes[i] + 32) << 20) >> PAGE_SHIFT) {
			ktest_log(t,
				  "bench: unmap %lu MiB: skipped, not enough RAM (boot with more)",
				  sizes[i]);
			continue;
		}
		u64 on = zap_latency_one(t, sizes[i], true);
		u64 off = zap_latency_one(t, sizes[i], false);

		ktest_log(t,
			  "bench: unmap %lu MiB, RT wake-up max: break on %llu us, off %llu us "
			  "(%llu.%llux)",
			  sizes[i], (unsigned long long)(on / 1000),
			  (unsigned long long)(off / 1000),
			  (unsigned long long)(off / (on ? on : 1)),
			  (unsigned long long)(off * 10 / (on ? on : 1) % 10));
	}
	sched_pin_current(was_pinned);
}

/* The latency tracer's records after the cases above: where each CPU was least responsive. */
static void latency_records(struct ktest *t)
{
	for (unsigned i = 0; i < ncpus; i++) {
		const struct cpu_latency *l = latency_of(i);

		ktest_log(t, "bench: cpu%u longest preempt-off %llu us, from %pS", i,
			  (unsigned long long)(l->preempt_off.ns / 1000),
			  (void *)l->preempt_off.start_site);
		ktest_log(t, "bench: cpu%u longest irqs-off %llu us, from %pS", i,
			  (unsigned long long)(l->irq_off.ns / 1000),
			  (void *)l->irq_off.start_site);
		if (l->wakeup_ns)
			ktest_log(t, "bench: cpu%u longest RT wake-up %llu us (%s)", i,
				  (unsigned long long)(l->wakeup_ns / 1000), l->wakeup_task);
	}
	KTEST_EXPECT(t, latency_of(0)->preempt_off.ns > 0); /* the cases above took locks */
}

KTEST_SUITE(bench, KTEST_MANUAL, KTEST_CASE(context_switch_round_trip), KTEST_CASE(ipi_round_trip),
	    KTEST_CASE(lock_costs_are_sane), KTEST_CASE(synchronize_rcu_latency),
	    KTEST_CASE(page_and_kmalloc_rates), KTEST_CASE(map_touch_unmap_16mib),
	    KTEST_CASE(tlb_flushes_per_munmap), KTEST_CASE(zap_latency_break_on_and_off),
	    KTEST_CASE(latency_records));

KTEST_SUITE(bench_mm_switch, KTEST_MANUAL, KTEST_CASE(mm_switch_round_trip));
