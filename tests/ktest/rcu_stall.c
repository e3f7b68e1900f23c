/*
 * Suite rcu_stall (DESIGN RCU-3): a CPU that keeps a grace period from ending is reported,
 * whether it spins with preemption off (it reports itself at its tick) or with interrupts
 * masked (another CPU reports it), and the grace period ends only after it stops.
 */
#include <mica/arch.h>
#include <mica/ktest.h>
#include <mica/preempt.h>
#include <mica/rcu.h>
#include <mica/sched.h>
#include <mica/smp_call.h>
#include <mica/spinlock.h>
#include <mica/time.h>
#include <mica/timer.h>

#include "rcu_test.h"

/* ---- RCU-3: a CPU spinning with preemption off is reported, and holds the grace period ---- */

#define STALL_TEST_MS 200
#define IRQOFF_TEST_MS 100 /* another CPU reports after twice this */

struct stall_spin {
	int spinning, done;
	unsigned long reports_before; /* rcu_cpu_stall_reports() of the spinning CPU */
};

struct stall_cb {
	struct rcu_head head;
	struct stall_spin *s;
	int ran, spin_was_done;
};

/* Spins with preemption off for 3x the stall timeout, longer (up to 10x) if no report came
 * yet: a loaded host may delay ticks, and the point is the report. */
static void preempt_off_spinner(void *arg)
{
	struct stall_spin *s = arg;
	unsigned cpu;
	u64 start, min_end, max_end;

	preempt_disable();
	cpu = smp_processor_id();
	start = arch_clock_ns();
	min_end = start + 3 * STALL_TEST_MS * NSEC_PER_MSEC;
	max_end = start + 10 * STALL_TEST_MS * NSEC_PER_MSEC;
	set_flag(&s->spinning);
	while (arch_clock_ns() < min_end ||
	       (rcu_cpu_stall_reports(cpu) == s->reports_before && arch_clock_ns() < max_end))
		arch_cpu_relax();
	set_flag(&s->done);
	preempt_enable();
}

static void stall_cb_fn(struct rcu_head *head)
{
	struct stall_cb *cb = container_of(head, struct stall_cb, head);

	cb->spin_was_done = __atomic_load_n(&cb->s->done, __ATOMIC_ACQUIRE);
	set_flag(&cb->ran);
}

static void stall_reported_for_preempt_off_spin(struct ktest *t)
{
	static struct stall_spin s;
	static struct stall_cb cb;
	unsigned long saved = rcu_stall_timeout_ms, all0 = rcu_stall_reports, gp0;
	struct task *th;
	bool ran;

	if (ncpus < 2)
		KTEST_SKIP(t, "needs 2 CPUs");
	s = (struct stall_spin){ .reports_before = rcu_cpu_stall_reports(1) };
	cb = (struct stall_cb){ .s = &s };
	WRITE_ONCE(rcu_stall_timeout_ms, STALL_TEST_MS);
	th = start_pinned(preempt_off_spinner, &s, "rcu-stall", 1);
	if (KTEST_EXPECT(t, th != NULL)) {
		KTEST_EXPECT(t, wait_flag(&s.spinning, 2000));
		gp0 = rcu_gp_completed();
		call_rcu(&cb.head, stall_cb_fn); /* needs a grace period cpu1 now blocks */
		kthread_join(th);
		ran = wait_flag(&cb.ran, 5000);
		KTEST_EXPECT(t, ran);
		KTEST_EXPECT(t, !ran || cb.spin_was_done); /* the spin held the grace period */
		KTEST_EXPECT(t, rcu_gp_completed() != gp0);
		KTEST_EXPECT(t, rcu_cpu_stall_reports(1) > s.reports_before);
		KTEST_EXPECT(t, rcu_stall_reports > all0);
		if (!ran) /* never leave cb queued: a later run would queue it twice */
			rcu_barrier();
	}
	WRITE_ONCE(rcu_stall_timeout_ms, saved);
}

/* A CPU spinning with interrupts masked takes no tick and cannot report itself: another CPU
 * must name it once the grace period is twice the timeout old. */
static void irqoff_spinner(void *arg)
{
	struct stall_spin *s = arg;
	unsigned long flags = arch_irq_save();
	u64 end = arch_clock_ns() + 10 * IRQOFF_TEST_MS * NSEC_PER_MSEC;

	set_flag(&s->spinning);
	while (rcu_cpu_stall_reports(1) == s->reports_before && arch_clock_ns() < end)
		arch_cpu_relax();
	set_flag(&s->done);
	arch_irq_restore(flags);
}

static void stall_reported_for_irq_off_spin_by_another_cpu(struct ktest *t)
{
	static struct stall_spin s;
	static struct stall_cb cb;
	unsigned long saved = rcu_stall_timeout_ms;
	struct task *th;

	if (ncpus < 2)
		KTEST_SKIP(t, "needs 2 CPUs");
	s = (struct stall_spin){ .reports_before = rcu_cpu_stall_reports(1) };
	cb = (struct stall_cb){ .s = &s };
	WRITE_ONCE(rcu_stall_timeout_ms, IRQOFF_TEST_MS);
	th = start_pinned(irqoff_spinner, &s, "rcu-irqoff", 1);
	if (KTEST_EXPECT(t, th != NULL)) {
		KTEST_EXPECT(t, wait_flag(&s.spinning, 2000));
		call_rcu(&cb.head, stall_cb_fn); /* needs a grace period cpu1 now blocks */
		kthread_join(th);
		KTEST_EXPECT(t, rcu_cpu_stall_reports(1) > s.reports_before);
		KTEST_EXPECT(t, wait_flag(&cb.ran, 5000));
		KTEST_EXPECT(t, !cb.ran || cb.spin_was_done);
		if (!cb.ran)
			rcu_barrier();
	}
	WRITE_ONCE(rcu_stall_timeout_ms, saved);
}

KTEST_SUITE(rcu_stall, 0, KTEST_CASE(stall_reported_for_preempt_off_spin),
	    KTEST_CASE(stall_reported_for_irq_off_spin_by_another_cpu));
