/*
 * Classic, non-preemptible RCU (DESIGN RCU-1..3; contract in <mica/rcu.h>, chapter docs/rcu.md).
 *
 * Grace periods are numbered 1, 2, ... Grace period n is in progress while gp_started == n and
 * gp_completed == n - 1. When it starts, every online CPU is put in qs_mask: each owes one
 * quiescent state (QS), a moment at which it cannot be inside a read-side section (readers
 * only disable preemption, so: a context switch, the idle loop, cond_resched(), or a tick that
 * interrupted code running with preempt_count 0). Each CPU clears its own bit once; the CPU
 * that clears the last one ends the grace period, and starts the next one at once if a queued
 * callback waits for it. Grace periods are started and ended inline, under rcu.lock, by
 * call_rcu() and the QS report: there is no grace-period thread.
 *
 * Callbacks wait on the CPU that queued them, in a FIFO list that only that CPU touches, with
 * interrupts masked. Their grace-period numbers never decrease along a list, so the ready ones
 * are a prefix: RCU_SOFTIRQ (raised by the tick) cuts it off and runs it in order.
 *
 * Memory ordering: a reader's accesses come before its CPU's next QS report in program order,
 * and the report is a release (the unlock of rcu.lock); the end of the grace period is
 * written under the same lock and read with acquire before callbacks run. So a callback
 * (which frees) is ordered after every access of every reader that could have seen the
 * object. In the other direction, a reader that starts after its CPU's report comes, in
 * program order, after that report's acquire of rcu.lock, which followed the start of the
 * grace period, which followed the updater's unpublishing of the object.
 */
#include <mica/arch.h>
#include <mica/atomic.h>
#include <mica/cmdline.h>
#include <mica/cpu.h>
#include <mica/panic.h>
#include <mica/preempt.h>
#include <mica/printk.h>
#include <mica/rcu.h>
#include <mica/sched.h>
#include <mica/smp_call.h>
#include <mica/softirq.h>
#include <mica/spinlock.h>
#include <mica/time.h>
#include <mica/wait.h>

unsigned long rcu_stall_timeout_ms = 10000;
unsigned long rcu_stall_reports;

/* Grace-period numbers wrap; compare them as distances. */
#define gp_after_eq(a, b) ((long)((a) - (b)) >= 0)

/*
 * The global state. rcu.lock is a leaf lock (nothing is taken while it is held), taken raw
 * (no lockdep, no preempt accounting) with interrupts masked: __schedule() reports a QS with its
 * own raw run-queue lock held and `current` half switched, and the tick reports from hardirq
 * context; both need it cheap.
 */
static struct {
	spinlock_t lock;
	/* guarded by lock */
	unsigned long gp_started;   /* grace periods started (the current one, if in progress) */
	unsigned long gp_completed; /* grace periods ended; also read locklessly with acquire */
	unsigned long gp_needed;    /* the latest grace period some queued callback waits for */
	unsigned long qs_mask;	    /* CPUs that owe a QS for gp_started; read locklessly */
	unsigned long gp_start_ms;  /* when gp_started began (stall detection); read locklessly */
} rcu = { .lock = SPINLOCK_INIT(rcu.lock) };
BUILD_BUG_ON(NR_CPUS > 8 * sizeof(unsigned long));

/* Per CPU. */
struct rcu_cpu {
	/* touched only by this CPU, with interrupts masked */
	struct rcu_head *cb_head, *cb_tail; /* callbacks waiting, oldest first; both NULL if none */
	unsigned long cb_invoked;	    /* (read by others) */
	unsigned long last_tick_ms;	    /* (read by others) when this CPU last took a tick */
	/* stall reports, made by this CPU or, if it takes no tick, by another */
	unsigned long stall_gp;	     /* guarded by rcu.lock: the grace period last reported */
	unsigned long stall_reports; /* atomic */
};
static struct rcu_cpu rcu_cpus[NR_CPUS];

/* Milliseconds since boot, in a word every port reads whole (stall detection). */
static unsigned long now_ms(void)
{
	return (unsigned long)(arch_clock_ns() / NSEC_PER_MSEC);
}

/* ---- grace periods (rcu.lock held) ---- */

static void gp_end_locked(void);

/* Starts grace period gp_started + 1: every online CPU owes a QS (offline ones never do). */
static void gp_start_locked(void)
{
	unsigned long mask = 0;

	for (unsigned i = 0; i < ncpus; i++)
		if (READ_ONCE(cpus[i].online))
			mask |= 1UL << i;
	rcu.gp_started++;
	WRITE_ONCE(rcu.gp_start_ms, now_ms());
	WRITE_ONCE(rcu.qs_mask, mask);
	if (!mask) /* before cpu0 is marked online: nobody can be reading yet */
		gp_end_locked();
}

/* Ends the grace period in progress, and starts the next if a callback waits for it. */
static void gp_end_locked(void)
{
	BUG_ON(rcu.qs_mask || rcu.gp_started == rcu.gp_completed);
	__atomic_store_n(&rcu.gp_completed, rcu.gp_started, __ATOMIC_RELEASE);
	/* This CPU may have callbacks that just became ready; others see it at their tick. */
	raise_softirq(RCU_SOFTIRQ);
	if (!gp_after_eq(rcu.gp_completed, rcu.gp_needed))
		gp_start_locked();
}

/* This CPU is in a quiescent state: clears its bit once per grace period. Interrupts masked.
 * The lockless test keeps the common case (nothing owed) to one load. */
static void report_qs(unsigned cpu)
{
	unsigned long bit = 1UL << cpu;

	if (!(READ_ONCE(rcu.qs_mask) & bit))
		return;
	raw_spin_lock(&rcu.lock);
	if (rcu.qs_mask & bit) { /* re-checked: the grace period may have changed meanwhile */
		WRITE_ONCE(rcu.qs_mask, rcu.qs_mask & ~bit);
		if (!rcu.qs_mask)
			gp_end_locked();
	}
	raw_spin_unlock(&rcu.lock);
}

/* ---- quiescent states ---- */

/* From __schedule() (interrupts masked, run-queue lock held) and from cond_resched(). */
void rcu_note_context_switch(void)
{
	unsigned long flags = arch_irq_save();

	report_qs(smp_processor_id());
	arch_irq_restore(flags);
}

/* From the idle loop, interrupts masked, before waiting for an interrupt. */
void rcu_idle_enter(void)
{
	unsigned long flags = arch_irq_save();

	report_qs(smp_processor_id());
	arch_irq_restore(flags);
}

/* ---- stall detection (RCU-3) ---- */

/* How long the grace period in progress has lasted. */
static unsigned long gp_age_ms(void)
{
	return now_ms() - READ_ONCE(rcu.gp_start_ms);
}

/* Records one stall report of `cpu` for the grace period in progress (rcu.lock held). */
static void stall_mark_locked(unsigned cpu)
{
	rcu_cpus[cpu].stall_gp = rcu.gp_started;
	__atomic_add_fetch(&rcu_cpus[cpu].stall_reports, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&rcu_stall_reports, 1, __ATOMIC_RELAXED);
}

/* The tick of a CPU that is not in a QS: if it owes one for a grace period older than the
 * timeout, it reports itself, once per grace period, with a backtrace of what it interrupted. */
static void check_own_stall(unsigned cpu, unsigned long timeout)
{
	unsigned long bit = 1UL << cpu, gp = 0, age = 0;
	bool report = false;

	if (!(READ_ONCE(rcu.qs_mask) & bit) || gp_age_ms() < timeout)
		return;
	raw_spin_lock(&rcu.lock);
	age = gp_age_ms();
	if ((rcu.qs_mask & bit) && rcu_cpus[cpu].stall_gp != rcu.gp_started && age >= timeout) {
		gp = rcu.gp_started;
		stall_mark_locked(cpu);
		report = true;
	}
	raw_spin_unlock(&rcu.lock); /* not held while printing: other CPUs would spin on it */
	if (!report)
		return;
	pr_err("rcu: INFO: cpu%u stalls grace period %lu for %lu ms (task %s, preempt_count 0x%x)",
	       cpu, gp, age, current->name, preempt_count() - HARDIRQ_OFFSET);
	backtrace_print(0, (unsigned long)__builtin_frame_address(0));
}

/* Any tick: a CPU that has owed a QS for twice the timeout and took no tick for the timeout
 * (interrupts masked, or hung) cannot report itself: another CPU names it, once per grace
 * period. */
static void check_silent_cpus(unsigned me, unsigned long timeout)
{
	unsigned long silent = 0, gp = 0, age = 0;

	if (!(READ_ONCE(rcu.qs_mask) & ~(1UL << me)) || gp_age_ms() < 2 * timeout)
		return;
	raw_spin_lock(&rcu.lock);
	age = gp_age_ms();
	gp = rcu.gp_started;
	for (unsigned i = 0; i < ncpus && age >= 2 * timeout; i++)
		if (i != me && (rcu.qs_mask & (1UL << i)) && rcu_cpus[i].stall_gp != gp &&
		    now_ms() - READ_ONCE(rcu_cpus[i].last_tick_ms) >= timeout) {
			stall_mark_locked(i);
			silent |= 1UL << i;
		}
	raw_spin_unlock(&rcu.lock);
	for (unsigned i = 0; i < ncpus; i++)
		if (silent & (1UL << i))
			pr_err("rcu: INFO: cpu%u stalls grace period %lu for %lu ms and takes no "
			       "tick (seen by cpu%u; its task %s)",
			       i, gp, age, me, READ_ONCE(cpus[i].curr)->name);
}

/* From the tick (hardirq). preemptible_context: the interrupted code had preempt_count 0, so
 * it was not in a read-side section: a QS. Raises RCU_SOFTIRQ when callbacks here are ready. */
void rcu_tick(bool preemptible_context)
{
	unsigned cpu = smp_processor_id();
	unsigned long timeout = READ_ONCE(rcu_stall_timeout_ms);
	struct rcu_head *first;

	WRITE_ONCE(rcu_cpus[cpu].last_tick_ms, now_ms());
	if (preemptible_context)
		report_qs(cpu);
	else if (timeout && !panic_in_progress())
		check_own_stall(cpu, timeout);
	if (timeout && !panic_in_progress())
		check_silent_cpus(cpu, timeout);
	first = rcu_cpus[cpu].cb_head;
	if (first && gp_after_eq(rcu_gp_completed(), first->gp))
		raise_softirq(RCU_SOFTIRQ);
}

/* ---- callbacks ---- */

/*
 * Queues head on this CPU; func(head) runs there, in RCU_SOFTIRQ, after a full grace period.
 * Callable from any context. Why gp_started + 1: if a grace period n = gp_started is in
 * progress, some CPUs may have reported their QS for it already, and a reader that began on
 * one of them after its report may still hold the object just unpublished; n can end without
 * waiting for that reader. Grace period n + 1 starts after now (after n ends), so every CPU
 * passes a QS after this call before it ends. With none in progress, n + 1 is the next to
 * start, which is after now as well.
 */
void call_rcu(struct rcu_head *head, void (*func)(struct rcu_head *head))
{
	unsigned long flags = arch_irq_save();
	struct rcu_cpu *r = &rcu_cpus[smp_processor_id()];

	head->func = func;
	head->next = NULL;
	raw_spin_lock(&rcu.lock);
	head->gp = rcu.gp_started + 1;
	if (!gp_after_eq(rcu.gp_needed, head->gp))
		rcu.gp_needed = head->gp;
	if (rcu.gp_started == rcu.gp_completed)
		gp_start_locked();
	raw_spin_unlock(&rcu.lock);
	/* Same interrupt-masked section as the number: the list stays sorted by gp. */
	if (r->cb_tail)
		r->cb_tail->next = head;
	else
		r->cb_head = head;
	r->cb_tail = head;
	arch_irq_restore(flags);
}

/* RCU_SOFTIRQ: runs this CPU's callbacks whose grace period has ended, in queue order.
 * Softirq context, interrupts masked. */
void rcu_process_callbacks(void)
{
	struct rcu_cpu *r = &rcu_cpus[smp_processor_id()];
	unsigned long done = rcu_gp_completed();
	struct rcu_head *ready = r->cb_head, *last = NULL, *h;

	for (h = r->cb_head; h && gp_after_eq(done, h->gp); h = h->next)
		last = h;
	if (!last)
		return;
	r->cb_head = last->next; /* cut the ready prefix off before running any of it */
	if (!r->cb_head)
		r->cb_tail = NULL;
	last->next = NULL;
	while (ready) {
		h = ready;
		ready = h->next; /* h is the callback's from now on: it may free or requeue it */
		h->func(h);
		WRITE_ONCE(r->cb_invoked, r->cb_invoked + 1);
	}
}

/* ---- waiting for grace periods ---- */

struct rcu_waiter {
	struct rcu_head head;
	struct completion done;
	bool finished; /* the callback no longer touches this struct */
};

/* The waiter lives on a stack: once it sees `finished`, it may return. complete() touches the
 * completion after making it visible (wait.c wakes after unlocking), so `finished` comes last. */
static void rcu_waiter_finish(struct rcu_waiter *w)
{
	complete(&w->done);
	__atomic_store_n(&w->finished, true, __ATOMIC_RELEASE);
}

/* Waits for the completion, then for the callback to be done with w (a few instructions:
 * it runs with interrupts masked, so it cannot be preempted in between). */
static void rcu_waiter_wait(struct rcu_waiter *w)
{
	wait_for_completion(&w->done);
	while (!__atomic_load_n(&w->finished, __ATOMIC_ACQUIRE))
		arch_cpu_relax();
}

static void wakeme_after_rcu(struct rcu_head *head)
{
	rcu_waiter_finish(container_of(head, struct rcu_waiter, head));
}

/* Returns after a full grace period: every read-side section that was in progress when it was
 * called has ended. Sleeps. */
void synchronize_rcu(void)
{
	struct rcu_waiter w = { .finished = false };

	might_sleep();
	init_completion(&w.done);
	call_rcu(&w.head, wakeme_after_rcu);
	rcu_waiter_wait(&w);
}

struct rcu_barrier {
	struct rcu_waiter waiter; /* its head is unused: every CPU queues its own below */
	atomic_t pending;	  /* barrier callbacks not yet run, plus the caller's reference */
	struct barrier_cb {
		struct rcu_head head;
		struct rcu_barrier *b;
	} cb[NR_CPUS];
};

static void rcu_barrier_put(struct rcu_barrier *b)
{
	if (atomic_add_return(&b->pending, -1) == 0)
		rcu_waiter_finish(&b->waiter);
}

static void rcu_barrier_cb(struct rcu_head *head)
{
	rcu_barrier_put(container_of(head, struct barrier_cb, head)->b);
}

/* On each CPU (interrupts masked): a callback behind everything queued here so far. */
static void rcu_barrier_queue(void *arg)
{
	struct rcu_barrier *b = arg;
	struct barrier_cb *cb = &b->cb[smp_processor_id()];

	cb->b = b;
	atomic_inc(&b->pending);
	call_rcu(&cb->head, rcu_barrier_cb);
}

/* Returns once every callback queued (on any CPU) before the call has run. Each CPU runs its
 * callbacks in order, so its barrier callback runs last. Sleeps. */
void rcu_barrier(void)
{
	struct rcu_barrier b;

	might_sleep();
	b.waiter.finished = false;
	init_completion(&b.waiter.done);
	/* The caller's reference: no count reaches 0 before every CPU has queued. */
	atomic_set(&b.pending, 1);
	on_each_cpu(rcu_barrier_queue, &b, true);
	rcu_barrier_put(&b);
	rcu_waiter_wait(&b.waiter);
}

/* ---- set-up and counters ---- */

void rcu_init(void)
{
	rcu_stall_timeout_ms = cmdline_get_ulong("rcu_stall_ms", rcu_stall_timeout_ms);
	pr_info("rcu: classic non-preemptible RCU, stall timeout %lu ms", rcu_stall_timeout_ms);
}

unsigned long rcu_gp_completed(void)
{
	return __atomic_load_n(&rcu.gp_completed, __ATOMIC_ACQUIRE);
}

unsigned long rcu_callbacks_invoked(unsigned cpu)
{
	return READ_ONCE(rcu_cpus[cpu].cb_invoked);
}

unsigned long rcu_cpu_stall_reports(unsigned cpu)
{
	return READ_ONCE(rcu_cpus[cpu].stall_reports);
}
