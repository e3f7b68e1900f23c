/*
 * Suite preempt: might_sleep (DESIGN PR-4), the latency tracer (PR-6), preemption from the
 * tick (PR-2) and by a woken real-time task, and what preempt_disable() holds off (PR-1).
 * Threads that must share a CPU are pinned to CPU 1, or to CPU 0 when it is the only one (the
 * ktest thread, pinned to CPU 0, then sleeps in kthread_join meanwhile).
 */
#include <mica/arch.h>
#include <mica/irqflags.h>
#include <mica/kallsyms.h>
#include <mica/ktest.h>
#include <mica/latency.h>
#include <mica/preempt.h>
#include <mica/sched.h>
#include <mica/spinlock.h>
#include <mica/string.h>
#include <mica/time.h>
#include <mica/timer.h>
#include <mica/wait.h>

#define SECTION_NS (5 * NSEC_PER_MSEC)

/* The CPU where two test threads compete. */
static unsigned shared_cpu(void)
{
	return ncpus > 1 ? 1 : 0;
}

static bool site_in(unsigned long site, const char *fn)
{
	unsigned long off, size;
	const char *name = kallsyms_lookup(site, &off, &size);

	return name && !strcmp(name, fn);
}

/* ---- might_sleep ---- */

static void might_sleep_reported_in_atomic(struct ktest *t)
{
	static DEFINE_SPINLOCK(l);
	unsigned long before = READ_ONCE(might_sleep_reports), flags;

	KTEST_ASSERT_EQ(t, preempt_count(), 0);
	might_sleep(); /* a normal context: fine */
	KTEST_EXPECT_EQ(t, READ_ONCE(might_sleep_reports), before);

	preempt_disable();
	might_sleep();
	preempt_enable();
	KTEST_EXPECT_EQ(t, READ_ONCE(might_sleep_reports), before + 1);

	flags = local_irq_save();
	might_sleep();
	local_irq_restore(flags);
	KTEST_EXPECT_EQ(t, READ_ONCE(might_sleep_reports), before + 2);

	spin_lock(&l);
	might_sleep();
	spin_unlock(&l);
	KTEST_EXPECT_EQ(t, READ_ONCE(might_sleep_reports), before + 3);

	might_sleep(); /* and fine again */
	KTEST_EXPECT_EQ(t, READ_ONCE(might_sleep_reports), before + 3);
}

/* ---- the latency tracer ---- */

static void preempt_off_5ms_recorded_with_site(struct ktest *t)
{
	unsigned cpu = smp_processor_id();
	const struct cpu_latency *l = latency_of(cpu);

	latency_reset(cpu);
	KTEST_EXPECT_EQ(t, l->preempt_off.ns, 0);
	preempt_disable();
	ndelay_spin(SECTION_NS);
	preempt_enable();
	KTEST_EXPECT(t, l->preempt_off.ns >= SECTION_NS);
	KTEST_EXPECT(t, site_in(l->preempt_off.start_site, __func__));
	KTEST_EXPECT(t, site_in(l->preempt_off.end_site, __func__));
	ktest_log(t, "preempt-off %llu us, %pS -> %pS",
		  (unsigned long long)(l->preempt_off.ns / 1000), (void *)l->preempt_off.start_site,
		  (void *)l->preempt_off.end_site);
}

static void irq_off_section_recorded(struct ktest *t)
{
	unsigned cpu = smp_processor_id();
	const struct cpu_latency *l = latency_of(cpu);
	unsigned long flags;

	latency_reset(cpu);
	KTEST_EXPECT_EQ(t, l->irq_off.ns, 0);
	flags = local_irq_save();
	ndelay_spin(SECTION_NS);
	local_irq_restore(flags);
	KTEST_EXPECT(t, l->irq_off.ns >= SECTION_NS);
	KTEST_EXPECT(t, site_in(l->irq_off.start_site, __func__));
	KTEST_EXPECT(t, site_in(l->irq_off.end_site, __func__));
	ktest_log(t, "irqs-off %llu us, %pS -> %pS", (unsigned long long)(l->irq_off.ns / 1000),
		  (void *)l->irq_off.start_site, (void *)l->irq_off.end_site);
}

/* ---- a spinner and a flag setter on one CPU ---- */

struct contest {
	struct task *setter;
	bool preempt_off;     /* the spinner holds preemption off for WINDOW_NS first */
	volatile int flag;    /* set by the setter */
	volatile u64 flag_ns; /* when */
	int flag_in_window;   /* the flag as the spinner saw it at the end of its window */
	u64 window_end_ns;
	int saw_flag; /* the spinner saw the flag before giving up */
};

#define WINDOW_NS (200 * NSEC_PER_MSEC)
#define GIVE_UP_NS (2 * NSEC_PER_SEC)

static void setter(void *arg)
{
	struct contest *c = arg;

	c->flag_ns = arch_clock_ns();
	c->flag = 1;
}

/* Never yields, never sleeps: only preemption can let the setter in on this CPU. */
static void spinner(void *arg)
{
	struct contest *c = arg;
	u64 deadline;

	if (c->preempt_off)
		preempt_disable();
	kthread_start(c->setter); /* queued here behind us: same CPU, same class */
	if (c->preempt_off) {
		ndelay_spin(WINDOW_NS);
		c->flag_in_window = c->flag;
		c->window_end_ns = arch_clock_ns();
		preempt_enable(); /* the setter, waiting since the tick asked, runs now */
	}
	deadline = arch_clock_ns() + GIVE_UP_NS;
	while (!c->flag && arch_clock_ns() < deadline)
		arch_cpu_relax();
	c->saw_flag = c->flag;
}

static void run_contest(struct ktest *t, struct contest *c)
{
	unsigned cpu = shared_cpu();
	struct task *sp;

	c->setter = kthread_create(setter, c, "setter");
	KTEST_ASSERT(t, c->setter != NULL);
	sp = kthread_create(spinner, c, "spinner");
	KTEST_ASSERT(t, sp != NULL);
	kthread_bind(c->setter, cpu);
	kthread_bind(sp, cpu);
	kthread_start(sp);
	kthread_join(sp);
	kthread_join(c->setter);
}

static void spinning_thread_cannot_starve_pinned_thread(struct ktest *t)
{
	static struct contest c;

	c = (struct contest){ .preempt_off = false };
	run_contest(t, &c);
	KTEST_EXPECT(t, c.saw_flag); /* PR-2: the tick preempted the spinner */
	KTEST_EXPECT_EQ(t, c.flag, 1);
}

static void preempt_disabled_spinner_blocks_pinned_thread(struct ktest *t)
{
	static struct contest c;

	c = (struct contest){ .preempt_off = true };
	run_contest(t, &c);
	KTEST_EXPECT_EQ(t, c.flag_in_window, 0); /* 200 ms, ~20 ticks: still held off */
	KTEST_EXPECT(t, c.saw_flag);		 /* and let in once preemption came back */
	KTEST_EXPECT(t, c.flag_ns >= c.window_end_ns);
}

/* ---- real-time tasks ---- */

#define RT_PROMPT_NS (25 * NSEC_PER_MSEC) /* half a time slice */

struct rt_race {
	struct completion go;
	volatile int normal_spinning;
	volatile int rt_ran;
	volatile u64 go_ns;    /* when the RT thread was woken (0: not yet) */
	int rt_ran_before_end; /* as the normal spinner saw it when its spin ended */
};

static void rt_marker(void *arg)
{
	struct rt_race *r = arg;

	wait_for_completion(&r->go);
	r->rt_ran = 1;
}

/* A normal thread that spins until the RT thread has run, or RT_PROMPT_NS after the wake-up
 * (well before its time slice could run out and let the RT thread in by round robin). */
static void normal_spinner(void *arg)
{
	struct rt_race *r = arg;
	u64 give_up = arch_clock_ns() + GIVE_UP_NS;

	r->normal_spinning = 1;
	for (;;) {
		u64 now = arch_clock_ns(), go = r->go_ns;

		if (r->rt_ran || (go && now > go + RT_PROMPT_NS) || now > give_up)
			break;
		arch_cpu_relax();
	}
	r->rt_ran_before_end = r->rt_ran;
}

/* Starts an RT thread (sleeping on r->go) and a normal one running fn, both on `cpu`. */
static bool start_rt_pair(struct rt_race *r, unsigned cpu, void (*fn)(void *), struct task **rt,
			  struct task **normal)
{
	*r = (struct rt_race){ .normal_spinning = 0 };
	init_completion(&r->go);
	*rt = kthread_create(rt_marker, r, "rt-marker");
	*normal = kthread_create(fn, r, "normal");
	if (!*rt || !*normal)
		return false;
	kthread_bind(*rt, cpu);
	sched_set_rt(*rt, 10);
	kthread_bind(*normal, cpu);
	kthread_start(*rt); /* runs at once and sleeps on r->go */
	kthread_start(*normal);
	return true;
}

static void rt_thread_preempts_normal_thread(struct ktest *t)
{
	static struct rt_race r;
	struct task *rt, *sp;
	u64 deadline = arch_clock_ns() + GIVE_UP_NS;

	KTEST_ASSERT(t, start_rt_pair(&r, shared_cpu(), normal_spinner, &rt, &sp));
	/* Busy-wait when the spinner has its own CPU: wake the RT thread early in its slice. */
	while (!r.normal_spinning && arch_clock_ns() < deadline)
		if (ncpus > 1)
			arch_cpu_relax();
		else
			msleep(1);
	KTEST_EXPECT(t, r.normal_spinning);
	r.go_ns = arch_clock_ns();
	complete(&r.go); /* wakes the RT thread on the spinner's CPU (an IPI if remote) */
	kthread_join(sp);
	kthread_join(rt);
	KTEST_EXPECT(t, r.rt_ran_before_end);
}

/* The normal thread wakes the RT thread on its own CPU: the wake-up's preempt_enable()
 * switches to it at once (PR-1), before complete() even returns. */
static void wake_rt_then_look(void *arg)
{
	struct rt_race *r = arg;

	r->normal_spinning = 1;
	complete(&r->go);
	r->rt_ran_before_end = r->rt_ran;
}

static void rt_thread_woken_locally_runs_before_waker_continues(struct ktest *t)
{
	static struct rt_race r;
	struct task *rt, *waker;

	KTEST_ASSERT(t, start_rt_pair(&r, shared_cpu(), wake_rt_then_look, &rt, &waker));
	kthread_join(waker);
	kthread_join(rt);
	KTEST_EXPECT(t, r.normal_spinning);
	KTEST_EXPECT(t, r.rt_ran_before_end);
}

struct rt_sleeper {
	struct completion go, done;
	unsigned rounds;
};

static void rt_sleeper_fn(void *arg)
{
	struct rt_sleeper *s = arg;

	for (unsigned i = 0; i < s->rounds; i++) {
		wait_for_completion(&s->go);
		complete(&s->done);
	}
}

static void rt_wakeup_latency_recorded(struct ktest *t)
{
	static struct rt_sleeper s;
	unsigned cpu = shared_cpu();
	const struct cpu_latency *l = latency_of(cpu);
	struct task *rt;

	s.rounds = 5;
	init_completion(&s.go);
	init_completion(&s.done);
	rt = kthread_create(rt_sleeper_fn, &s, "rt-sleeper");
	KTEST_ASSERT(t, rt != NULL);
	kthread_bind(rt, cpu);
	sched_set_rt(rt, 20);
	kthread_start(rt);
	msleep(10); /* it has run and sleeps on s.go: the next start is a wake-up */
	latency_reset(cpu);
	for (unsigned i = 0; i < s.rounds; i++) {
		complete(&s.go);
		KTEST_EXPECT(t, wait_for_completion_timeout(&s.done, 5000));
		msleep(2); /* asleep again before the next round */
	}
	kthread_join(rt);
	KTEST_EXPECT(t, l->wakeup_ns > 0);
	KTEST_EXPECT_STREQ(t, l->wakeup_task, "rt-sleeper");
	ktest_log(t, "longest RT wake-up on cpu%u: %llu us", cpu,
		  (unsigned long long)(l->wakeup_ns / 1000));
}

KTEST_SUITE(preempt, 0, KTEST_CASE(might_sleep_reported_in_atomic),
	    KTEST_CASE(preempt_off_5ms_recorded_with_site), KTEST_CASE(irq_off_section_recorded),
	    KTEST_CASE(spinning_thread_cannot_starve_pinned_thread),
	    KTEST_CASE(preempt_disabled_spinner_blocks_pinned_thread),
	    KTEST_CASE(rt_thread_preempts_normal_thread),
	    KTEST_CASE(rt_thread_woken_locally_runs_before_waker_continues),
	    KTEST_CASE(rt_wakeup_latency_recorded));
