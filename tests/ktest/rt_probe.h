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

struct rt_probe {
	volatile bool stop;
	struct task *rt, *kicker;
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

#endif
