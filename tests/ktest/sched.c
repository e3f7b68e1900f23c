/* Suite sched: threads, wake-ups, priorities, affinity, pulling work, timers, cross-CPU calls. */
#include <mica/arch.h>
#include <mica/ktest.h>
#include <mica/preempt.h>
#include <mica/sched.h>
#include <mica/smp_call.h>
#include <mica/time.h>
#include <mica/timer.h>
#include <mica/wait.h>

/* ---- threads run and are joined ---- */

static void return_arg(void *arg)
{
	kthread_exit((int)(unsigned long)arg);
}

static void threads_run_and_join_with_exit_codes(struct ktest *t)
{
	struct task *th[16];
	unsigned before = sched_nr_threads();

	for (unsigned long i = 0; i < ARRAY_SIZE(th); i++) {
		th[i] = kthread_run(return_arg, (void *)(i * 7), "ret");
		KTEST_ASSERT(t, th[i] != NULL);
	}
	for (unsigned long i = 0; i < ARRAY_SIZE(th); i++)
		KTEST_EXPECT_EQ(t, kthread_join(th[i]), i * 7);
	KTEST_EXPECT_EQ(t, sched_nr_threads(), before); /* every slot came back */
}

/* ---- ping-pong across CPUs: wake-ups and IPIs ---- */

struct pingpong {
	struct completion ping, pong;
	unsigned rounds;
	unsigned cpu_seen_mask;
};

static void ponger(void *arg)
{
	struct pingpong *p = arg;

	for (unsigned i = 0; i < p->rounds; i++) {
		wait_for_completion(&p->ping);
		p->cpu_seen_mask |= 1U << smp_processor_id();
		complete(&p->pong);
	}
}

static void wakeups_cross_cpus_without_loss(struct ktest *t)
{
	static struct pingpong p;
	struct task *th;

	if (ncpus < 2)
		KTEST_SKIP(t, "needs 2 CPUs");
	init_completion(&p.ping);
	init_completion(&p.pong);
	p.rounds = 500;
	p.cpu_seen_mask = 0;
	th = kthread_create(ponger, &p, "ponger");
	KTEST_ASSERT(t, th != NULL);
	kthread_bind(th, 1);
	kthread_start(th);
	for (unsigned i = 0; i < p.rounds; i++) {
		complete(&p.ping);
		KTEST_ASSERT(t, wait_for_completion_timeout(&p.pong, 5000));
	}
	kthread_join(th);
	KTEST_EXPECT_EQ(t, p.cpu_seen_mask, 1U << 1); /* pinned: it never left CPU 1 */
}

/* ---- real-time priorities ---- */

static struct completion rt_gate;
static int rt_order[8];
static int rt_order_len;
static DEFINE_SPINLOCK(rt_order_lock);

static void record_then_exit(void *arg)
{
	unsigned long flags = spin_lock_irqsave(&rt_order_lock);

	rt_order[rt_order_len++] = (int)(unsigned long)arg;
	spin_unlock_irqrestore(&rt_order_lock, flags);
}

/* Highest priority: holds the CPU (spinning, never sleeping) until the gate opens. */
static void rt_blocker(void *arg)
{
	while (!try_wait_for_completion(&rt_gate))
		arch_cpu_relax();
}

static void rt_higher_priority_runs_first(struct ktest *t)
{
	static const int prios[] = { 10, 30, 20, 0 }; /* 0: SCHED_NORMAL */
	unsigned cpu = ncpus > 1 ? 1 : 0;
	struct task *blocker, *th[ARRAY_SIZE(prios)];

	if (ncpus < 2)
		KTEST_SKIP(t, "needs 2 CPUs (CPU 0 runs ktest)");
	init_completion(&rt_gate);
	rt_order_len = 0;
	blocker = kthread_create(rt_blocker, NULL, "rt-blocker");
	KTEST_ASSERT(t, blocker != NULL);
	kthread_bind(blocker, cpu);
	sched_set_rt(blocker, RT_PRIO_MAX);
	kthread_start(blocker);
	msleep(20); /* the blocker now owns CPU 1 */
	for (unsigned i = 0; i < ARRAY_SIZE(prios); i++) {
		th[i] = kthread_create(record_then_exit, (void *)(unsigned long)prios[i], "rt");
		KTEST_ASSERT(t, th[i] != NULL);
		kthread_bind(th[i], cpu);
		if (prios[i])
			sched_set_rt(th[i], prios[i]);
		kthread_start(th[i]);
	}
	msleep(20);
	KTEST_EXPECT_EQ(t, READ_ONCE(rt_order_len), 0); /* nobody ran past the blocker */
	complete(&rt_gate);
	for (unsigned i = 0; i < ARRAY_SIZE(prios); i++)
		kthread_join(th[i]);
	kthread_join(blocker);
	KTEST_ASSERT_EQ(t, rt_order_len, 4);
	KTEST_EXPECT_EQ(t, rt_order[0], 30);
	KTEST_EXPECT_EQ(t, rt_order[1], 20);
	KTEST_EXPECT_EQ(t, rt_order[2], 10);
	KTEST_EXPECT_EQ(t, rt_order[3], 0);
}

/* ---- affinity ---- */

static void migrate_through_every_cpu(void *arg)
{
	unsigned *ok = arg;

	for (int round = 0; round < 20; round++)
		for (unsigned cpu = 0; cpu < ncpus; cpu++) {
			sched_pin_current((int)cpu);
			*ok += smp_processor_id() == cpu;
			sched_yield();
			*ok += smp_processor_id() == cpu; /* still there after a yield */
		}
	sched_pin_current(-1);
}

static void pinning_moves_and_keeps_a_thread(struct ktest *t)
{
	unsigned ok = 0;
	struct task *th = kthread_run(migrate_through_every_cpu, &ok, "migrator");

	KTEST_ASSERT(t, th != NULL);
	kthread_join(th);
	KTEST_EXPECT_EQ(t, ok, 2 * 20 * ncpus);
}

/* ---- idle CPUs pull queued work ---- */

struct puller_stats {
	unsigned cpus_used; /* bit mask */
	unsigned done;
};

/* Starts pinned to one CPU, unpins itself, then spins ~100 ms noting every CPU it runs on. */
static void crowded_spinner(void *arg)
{
	struct puller_stats *s = arg;
	u64 end;

	sched_pin_current(-1);
	end = arch_clock_ns() + 100 * NSEC_PER_MSEC;
	while (arch_clock_ns() < end)
		__atomic_fetch_or(&s->cpus_used, 1U << smp_processor_id(), __ATOMIC_RELAXED);
	__atomic_fetch_add(&s->done, 1, __ATOMIC_RELAXED);
}

static void idle_cpus_pull_queued_threads(struct ktest *t)
{
	static struct puller_stats s;
	struct task *th[6];

	if (ncpus < 3)
		KTEST_SKIP(t, "needs 3 CPUs");
	s.cpus_used = s.done = 0;
	for (unsigned i = 0; i < ARRAY_SIZE(th); i++) {
		th[i] = kthread_create(crowded_spinner, &s, "crowd");
		KTEST_ASSERT(t, th[i] != NULL);
		kthread_bind(th[i], 1); /* all queued on CPU 1 at first */
		kthread_start(th[i]);
	}
	for (unsigned i = 0; i < ARRAY_SIZE(th); i++)
		kthread_join(th[i]);
	KTEST_EXPECT_EQ(t, s.done, ARRAY_SIZE(th));
	/* Some of them must have been pulled to other CPUs. */
	KTEST_EXPECT(t, __builtin_popcount(s.cpus_used & ~(1U << 1)) >= 1);
	ktest_log(t, "CPUs used: mask 0x%x", s.cpus_used);
}

/* ---- stress: wake-ups, yields, pulls and migrations together ---- */

#define STRESS_PAIRS 4
#define STRESS_ROUNDS 200

struct stress_side {
	struct completion go;
	struct stress_side *partner;
	unsigned rounds_done;
	unsigned cpus_seen;
	bool leader;
};

static void stress_thread(void *arg)
{
	struct stress_side *me = arg;

	for (unsigned i = 0; i < STRESS_ROUNDS; i++) {
		if (me->leader)
			complete(&me->partner->go);
		wait_for_completion(&me->go);
		if (!me->leader)
			complete(&me->partner->go);
		me->cpus_seen |= 1U << smp_processor_id();
		me->rounds_done++;
		if (i % 7 == 0)
			sched_yield();
		if (i % 50 == 25) { /* move somewhere, then let the balancer decide again */
			sched_pin_current((int)((i / 50) % ncpus));
			me->cpus_seen |= 1U << smp_processor_id();
			sched_pin_current(-1);
		}
	}
}

static void stress_wakeups_yields_pulls_and_migrations(struct ktest *t)
{
	static struct stress_side side[2 * STRESS_PAIRS];
	struct task *th[2 * STRESS_PAIRS];
	unsigned cpus = 0;

	for (unsigned i = 0; i < ARRAY_SIZE(side); i++) {
		init_completion(&side[i].go);
		side[i].partner = &side[i ^ 1];
		side[i].leader = !(i & 1);
		side[i].rounds_done = side[i].cpus_seen = 0;
	}
	for (unsigned i = 0; i < ARRAY_SIZE(th); i++) {
		th[i] = kthread_run(stress_thread, &side[i], "stress");
		KTEST_ASSERT(t, th[i] != NULL);
	}
	for (unsigned i = 0; i < ARRAY_SIZE(th); i++) {
		kthread_join(th[i]);
		KTEST_EXPECT_EQ(t, side[i].rounds_done, STRESS_ROUNDS);
		cpus |= side[i].cpus_seen;
	}
	/* every CPU took part (each thread pinned itself to CPUs 0..3 in turn) */
	KTEST_EXPECT_EQ(t, cpus, (1U << MIN(ncpus, STRESS_ROUNDS / 50)) - 1);
}

/* ---- sleeping and timers ---- */

static void msleep_sleeps_at_least_as_asked(struct ktest *t)
{
	for (unsigned ms = 1; ms <= 40; ms *= 3) {
		u64 t0 = arch_clock_ns();

		msleep(ms);
		KTEST_EXPECT(t, arch_clock_ns() - t0 >= ms * NSEC_PER_MSEC);
	}
}

static volatile unsigned timer_fired;

static void count_fire(struct timer *tm)
{
	timer_fired++;
}

static void timers_fire_once_and_cancel(struct ktest *t)
{
	struct timer a, b;
	struct completion never;

	timer_fired = 0;
	timer_init(&a, count_fire);
	timer_init(&b, count_fire);
	timer_arm(&a, 2);
	timer_arm(&b, 2);
	KTEST_EXPECT(t, timer_cancel_sync(&b)); /* b was armed: it must never fire */
	msleep(60);
	KTEST_EXPECT_EQ(t, timer_fired, 1);
	KTEST_EXPECT(t, !timer_cancel_sync(&a)); /* a already fired */
	init_completion(&never);
	KTEST_EXPECT(t, !wait_for_completion_timeout(&never, 20));
}

/* ---- cross-CPU calls ---- */

static unsigned call_hits[NR_CPUS];

static void note_cpu(void *arg)
{
	__atomic_fetch_add(&call_hits[smp_processor_id()], 1, __ATOMIC_RELAXED);
	WRITE_ONCE(*(bool *)arg, in_hardirq() || arch_irqs_disabled());
}

static void cross_cpu_calls_reach_each_cpu(struct ktest *t)
{
	bool masked = false;

	for (unsigned i = 0; i < NR_CPUS; i++)
		call_hits[i] = 0;
	on_each_cpu(note_cpu, &masked, true);
	for (unsigned i = 0; i < ncpus; i++)
		KTEST_EXPECT_EQ(t, call_hits[i], 1);
	KTEST_EXPECT(t, masked); /* functions run with interrupts masked */
	for (unsigned i = 0; i < 200; i++)
		smp_call_function_single(i % ncpus, note_cpu, &masked, i & 1);
	/* async calls: wait until all of them ran (each CPU's slot is waited on before reuse) */
	on_each_cpu(note_cpu, &masked, true);
	for (unsigned i = 0; i < ncpus; i++)
		KTEST_EXPECT_EQ(t, call_hits[i], 2 + 200 / ncpus + (i < 200 % ncpus));
	KTEST_EXPECT(t, smp_call_function_single(NR_CPUS, note_cpu, &masked, true) < 0);
}

KTEST_SUITE(sched, 0, KTEST_CASE(threads_run_and_join_with_exit_codes),
	    KTEST_CASE(wakeups_cross_cpus_without_loss), KTEST_CASE(rt_higher_priority_runs_first),
	    KTEST_CASE(pinning_moves_and_keeps_a_thread), KTEST_CASE(idle_cpus_pull_queued_threads),
	    KTEST_CASE(stress_wakeups_yields_pulls_and_migrations),
	    KTEST_CASE(msleep_sleeps_at_least_as_asked), KTEST_CASE(timers_fire_once_and_cancel),
	    KTEST_CASE(cross_cpu_calls_reach_each_cpu));
