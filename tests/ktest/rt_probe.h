/*
 * A real-time probe for latency tests and benchmarks (suites mmu_gather and bench): a
 * real-time task on one CPU that sleeps until woken, and a kicker on another CPU that wakes
 * it every period_ns. Each wake-up is a reschedule IPI to the probed CPU (need_resched()
 * there); the probe records how late it ran after each one.
 */
#ifndef TESTS_KTEST_RT_PROBE_H
#define TESTS_KTEST_RT_PROBE_H

#include <mica/arch.h>
#include <mica/sched.h>
#include <mica/timer.h>

struct rt_probe {
	volatile bool stop;
	volatile bool measuring; /* tick mode: kicks only while set */
	struct task *rt, *kicker;
	struct timer tick; /* tick mode: the kicker is a timer on the probed CPU */
	u64 period_ns;
	volatile u64 woken_at; /* set by the kicker just before a wake-up; 0: handled */
	u64 max_latency_ns;
	unsigned long wakeups;
};

static void rt_probe_task(void *arg)
{
	struct rt_probe *p = arg;

	for (;;) {
		set_current_state(TASK_SLEEPING);
		if (p->stop)
			break;
		if (!p->woken_at) /* a kick that came before we slept is not lost */
			schedule();
		set_current_state(TASK_RUNNING);
		if (p->woken_at) {
			u64 lat = arch_clock_ns() - p->woken_at;

			if (lat > p->max_latency_ns)
				p->max_latency_ns = lat;
			p->woken_at = 0;
			p->wakeups++;
		}
	}
	set_current_state(TASK_RUNNING);
}

static void rt_probe_kicker(void *arg)
{
	struct rt_probe *p = arg;

	while (!p->stop) {
		u64 next = arch_clock_ns() + p->period_ns;

		if (!p->woken_at) {
			p->woken_at = arch_clock_ns();
			wake_up_process(p->rt);
		}
		while (arch_clock_ns() < next && !p->stop)
			arch_cpu_relax();
	}
	wake_up_process(p->rt);
}

/* Starts the probe on cpu (real-time priority prio) and its kicker on the next CPU.
 * Returns false if a task could not be created (nothing is left running then). */
static inline bool rt_probe_start(struct rt_probe *p, unsigned cpu, int prio, u64 period_ns)
{
	*p = (struct rt_probe){ .period_ns = period_ns };
	p->rt = kthread_create(rt_probe_task, p, "rt-probe");
	p->kicker = kthread_create(rt_probe_kicker, p, "rt-kicker");
	if (!p->rt || !p->kicker) {
		p->stop = true;
		if (p->rt) {
			kthread_start(p->rt);
			kthread_join(p->rt);
		}
		if (p->kicker) {
			kthread_start(p->kicker);
			kthread_join(p->kicker);
		}
		return false;
	}
	kthread_bind(p->rt, cpu);
	sched_set_rt(p->rt, prio);
	kthread_bind(p->kicker, (cpu + 1) % num_online_cpus());
	kthread_start(p->rt);
	kthread_start(p->kicker);
	return true;
}

static inline void rt_probe_stop(struct rt_probe *p)
{
	p->stop = true;
	kthread_join(p->kicker);
	kthread_join(p->rt);
}

/*
 * Tick mode, for benchmarks: the kicker is a timer on the probed CPU, once a tick while
 * p->measuring is set. No CPU spins, so on a host with fewer cores than QEMU has CPUs the
 * measured CPU is not descheduled by the host for milliseconds because a busy kicker competes
 * with it, which is what the kicker mode's figures mostly showed. Coarser (one wake-up per
 * tick) but honest. Call from a task pinned to cpu (the timer is armed on the caller's CPU).
 */
static void rt_probe_tick(struct timer *tm)
{
	struct rt_probe *p = container_of(tm, struct rt_probe, tick);

	if (p->stop)
		return;
	if (p->measuring && !p->woken_at) {
		p->woken_at = arch_clock_ns();
		wake_up_process(p->rt);
	}
	timer_arm(tm, 1);
}

static inline bool rt_probe_start_tick(struct rt_probe *p, int prio)
{
	*p = (struct rt_probe){ 0 };
	p->rt = kthread_create(rt_probe_task, p, "rt-probe");
	if (!p->rt)
		return false;
	kthread_bind(p->rt, smp_processor_id());
	sched_set_rt(p->rt, prio);
	kthread_start(p->rt);
	timer_init(&p->tick, rt_probe_tick);
	timer_arm(&p->tick, 1);
	return true;
}

static inline void rt_probe_stop_tick(struct rt_probe *p)
{
	p->stop = true;
	timer_cancel_sync(&p->tick);
	wake_up_process(p->rt);
	kthread_join(p->rt);
}

#endif
