/*
 * Suite mutex: sleeping mutexes keep DESIGN MX-1..5 under contention, catch each broken rule,
 * hand the lock to a robbed waiter, and nest hundreds deep.
 */
#include <mica/arch.h>
#include <mica/cpu.h>
#include <mica/ktest.h>
#include <mica/lockdep.h>
#include <mica/mutex.h>
#include <mica/preempt.h>
#include <mica/printk.h>
#include <mica/rwsem.h>
#include <mica/sched.h>
#include <mica/smp_call.h>
#include <mica/time.h>
#include <mica/timer.h>

/* Polls cond, yielding so a thread on this CPU can run, until it holds or `ms` have passed.
 * Evaluates to the last value of cond. */
#define WAIT_UNTIL(cond, ms)                                                \
	({                                                                  \
		u64 __deadline = arch_clock_ns() + (u64)(ms)*NSEC_PER_MSEC; \
		bool __ok;                                                  \
		while (!(__ok = (cond)) && arch_clock_ns() < __deadline)    \
			sched_yield();                                      \
		__ok;                                                       \
	})

/* ---- counter_exact_under_contention ---- */

#define COUNTER_ITERS 200
#define COUNTER_MAX_THREADS 16

struct counter_run {
	struct mutex m;
	unsigned long counter;	    /* plain: only the mutex keeps it exact */
	unsigned long seen_waiters; /* critical sections that found someone queued */
	unsigned ready, nthreads;   /* start line: nobody starts before everyone is there */
};

/* Read, maybe get preempted, write: any overlap of two sections loses an increment. */
static void counter_thread(void *arg)
{
	struct counter_run *r = arg;

	/* On a loaded host a thread can finish before the next one even starts: line up. */
	__atomic_add_fetch(&r->ready, 1, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&r->ready, __ATOMIC_SEQ_CST) < r->nthreads)
		sched_yield();
	for (unsigned i = 0; i < COUNTER_ITERS; i++) {
		unsigned long v;

		mutex_lock(&r->m);
		v = READ_ONCE(r->counter);
		if (i % 16 == 0)
			sched_yield(); /* switched out holding it: the others must sleep */
		else if (i % 16 == 8)
			cond_resched();
		if (mutex_is_contended(&r->m))
			r->seen_waiters++;
		WRITE_ONCE(r->counter, v + 1);
		mutex_unlock(&r->m);
	}
}

static void counter_exact_under_contention(struct ktest *t)
{
	static struct counter_run r;
	struct task *th[COUNTER_MAX_THREADS];
	unsigned want = MIN(2 * ncpus, COUNTER_MAX_THREADS), n;
	unsigned long reports = mutex_debug_reports;

	mutex_init(&r.m);
	r.counter = r.seen_waiters = 0;
	/* Two on each CPU: when one yields holding the mutex, the other runs and has to queue,
	 * even if the host runs one emulated CPU at a time. */
	for (n = 0; n < want; n++) {
		if (!(th[n] = kthread_create(counter_thread, &r, "mx-count")))
			break;
		kthread_bind(th[n], n % ncpus);
	}
	KTEST_EXPECT_EQ(t, n, want); /* run (and join) whatever was created */
	r.ready = 0;
	r.nthreads = n;
	for (unsigned i = 0; i < n; i++)
		kthread_start(th[i]);
	for (unsigned i = 0; i < n; i++)
		kthread_join(th[i]);
	KTEST_EXPECT_EQ(t, r.counter, (unsigned long)n * COUNTER_ITERS);
	/* The test proves something only if threads really queued behind each other. */
	KTEST_EXPECT(t, r.seen_waiters > 0);
	KTEST_EXPECT(t, !mutex_is_locked(&r.m));
	KTEST_EXPECT(t, !mutex_is_contended(&r.m));
	KTEST_EXPECT_EQ(t, mutex_debug_reports, reports);
	ktest_log(t, "%u threads x %u; %lu sections saw waiters", n, COUNTER_ITERS, r.seen_waiters);
}

/* ---- unlock_by_non_owner_is_caught ---- */

static void unlock_it(void *m)
{
	mutex_unlock(m);
}

static void unlock_by_non_owner_is_caught(struct ktest *t)
{
	static DEFINE_MUTEX(owned);
	unsigned long reports = mutex_debug_reports;
	struct task *me = current, *th;

	th = kthread_create(unlock_it, &owned, "mx-stranger");
	KTEST_ASSERT(t, th != NULL);
	mutex_lock(&owned);
	kthread_start(th);
	kthread_join(th);
	KTEST_EXPECT_EQ(t, mutex_debug_reports - reports, 1);
	KTEST_EXPECT(t, mutex_owner(&owned) == me); /* refused: still ours */
	KTEST_EXPECT(t, lock_is_held(&owned.dep_map));
	mutex_unlock(&owned);
	KTEST_EXPECT(t, !mutex_is_locked(&owned));
	KTEST_EXPECT(t, !lock_is_held(&owned.dep_map));

	/* Unlocking a free mutex is the same mistake (its owner is nobody). */
	mutex_unlock(&owned);
	KTEST_EXPECT_EQ(t, mutex_debug_reports - reports, 2);
	KTEST_EXPECT(t, !mutex_is_locked(&owned));
}

/* ---- waiter_not_starved_by_thief_loop ---- */

#define THIEF_HOLD_NS 200000
#define THIEF_ROUND_NS (2 * NSEC_PER_SEC)
#define STARVE_MIN_ROUNDS 5
#define STARVE_MAX_ROUNDS 40

struct thief {
	struct mutex m;
	unsigned long iters; /* sections completed */
	u64 deadline;	     /* the thief gives up here: the waiter starved */
	bool stop, gave_up;
};

/* Locks and unlocks back to back, so the lock is free only for the instant between its unlock
 * and its next lock. It holds the lock longer than a waiter spins (MUTEX_SPIN_MAX_NS, 50 us),
 * so the waiter usually has to queue and sleep: then only a handoff can get it the lock. */
static void thief_loop(void *arg)
{
	struct thief *th = arg;

	while (!READ_ONCE(th->stop)) {
		if (arch_clock_ns() > READ_ONCE(th->deadline)) {
			WRITE_ONCE(th->gave_up, true);
			break;
		}
		mutex_lock(&th->m);
		WRITE_ONCE(th->iters, th->iters + 1);
		ndelay_spin(THIEF_HOLD_NS);
		mutex_unlock(&th->m);
	}
}

static void waiter_not_starved_by_thief_loop(struct ktest *t)
{
	static struct thief th;
	unsigned long handoffs = READ_ONCE(mutex_handoffs), max_iters = 0;
	unsigned rounds = 0;
	struct task *task;

	if (ncpus < 2)
		KTEST_SKIP(t, "needs 2 CPUs");
	mutex_init(&th.m);
	th.iters = 0;
	th.stop = th.gave_up = false;
	th.deadline = arch_clock_ns() + THIEF_ROUND_NS;
	task = kthread_create(thief_loop, &th, "mx-thief");
	KTEST_ASSERT(t, task != NULL);
	kthread_bind(task, 1);
	kthread_start(task);
	KTEST_EXPECT(t, WAIT_UNTIL(READ_ONCE(th.iters) > 0, 2000));

	/* Each round, this task (CPU 0) waits for the lock the thief (CPU 1) keeps retaking. A
	 * round ends when the waiter gets it; rounds go on until one was won by a handoff. */
	while (rounds < STARVE_MAX_ROUNDS &&
	       (rounds < STARVE_MIN_ROUNDS || READ_ONCE(mutex_handoffs) == handoffs)) {
		unsigned long before;

		WRITE_ONCE(th.deadline, arch_clock_ns() + THIEF_ROUND_NS);
		before = READ_ONCE(th.iters);
		mutex_lock(&th.m);
		max_iters = MAX(max_iters, READ_ONCE(th.iters) - before);
		mutex_unlock(&th.m);
		rounds++;
		if (READ_ONCE(th.gave_up))
			break;
		before = READ_ONCE(th.iters);
		WAIT_UNTIL(READ_ONCE(th.iters) - before >= 10 || READ_ONCE(th.gave_up), 1000);
	}
	WRITE_ONCE(th.stop, true);
	kthread_join(task);

	/* The bound: the thief gives up after 2 s (some 10000 sections) of one round. With
	 * handoffs a wait lasts a few sections plus two wake-ups; a wake-up of an idle emulated
	 * CPU can take tens of ms on a loaded host, so the bound is that generous. */
	if (!KTEST_EXPECT(t, !th.gave_up))
		ktest_log(t, "waiter starved: the thief ran alone for 2 s");
	KTEST_EXPECT(t, READ_ONCE(mutex_handoffs) > handoffs);
	ktest_log(t, "%u rounds, %lu handoffs, at most %lu thief sections per wait", rounds,
		  READ_ONCE(mutex_handoffs) - handoffs, max_iters);
}

/* ---- is_contended_exactly_while_waiter_sleeps ---- */

static void lock_then_unlock(void *m)
{
	mutex_lock(m);
	mutex_unlock(m);
}

static void is_contended_exactly_while_waiter_sleeps(struct ktest *t)
{
	static DEFINE_MUTEX(mc);
	struct task *w;
	bool slept;

	w = kthread_create(lock_then_unlock, &mc, "mx-waiter");
	KTEST_ASSERT(t, w != NULL);
	KTEST_EXPECT(t, !mutex_is_contended(&mc));
	mutex_lock(&mc);
	KTEST_EXPECT(t, !mutex_is_contended(&mc)); /* held, nobody waits */
	kthread_start(w);
	slept = WAIT_UNTIL(mutex_is_contended(&mc) && READ_ONCE(w->state) == TASK_SLEEPING, 2000);
	KTEST_EXPECT(t, slept);
	KTEST_EXPECT(t, mutex_is_contended(&mc));
	KTEST_EXPECT(t, mutex_owner(&mc) == current);
	mutex_unlock(&mc);
	kthread_join(w); /* it got the lock and dropped it */
	KTEST_EXPECT(t, !mutex_is_contended(&mc));
	KTEST_EXPECT(t, !mutex_is_locked(&mc));
	KTEST_EXPECT_EQ(t, READ_ONCE(mc.owner), 0); /* no flag left behind */
}

/* ---- three_hundred_mutexes_held_at_once ---- */

#define NR_NESTED 300
BUILD_BUG_ON(NR_NESTED >= LOCKDEP_MAX_HELD);

static void three_hundred_mutexes_held_at_once(struct ktest *t)
{
	/* One class (one init site): lockdep takes nesting within a class as no order, so 300
	 * holds cost it one lookup, not 300 x 299 dependencies. */
	static struct mutex ms[NR_NESTED];
	struct task *me = current;
	unsigned long reports = mutex_debug_reports, sleeps = might_sleep_reports;
	unsigned long deadlocks = lockdep_reports;
	unsigned pc = preempt_count(), depth = me->lockdep_depth, held = me->mutexes_held;
	unsigned seen = 0;

	for (unsigned i = 0; i < NR_NESTED; i++)
		mutex_init(&ms[i]);
	for (unsigned i = 0; i < NR_NESTED; i++)
		mutex_lock(&ms[i]);
	KTEST_EXPECT_EQ(t, preempt_count(), pc); /* MX-5: no preempt depth used */
	KTEST_EXPECT_EQ(t, me->mutexes_held, held + NR_NESTED);
	KTEST_EXPECT_EQ(t, me->lockdep_depth, depth + NR_NESTED);
	msleep(1); /* a task holding mutexes may sleep */
	for (unsigned i = 0; i < NR_NESTED; i++)
		seen += mutex_owner(&ms[i]) == me && lock_is_held(&ms[i].dep_map);
	KTEST_EXPECT_EQ(t, seen, NR_NESTED);
	for (unsigned i = NR_NESTED; i-- > 0;)
		mutex_unlock(&ms[i]);
	for (unsigned i = 0; i < NR_NESTED; i++)
		seen -= !mutex_is_locked(&ms[i]);
	KTEST_EXPECT_EQ(t, seen, 0);
	KTEST_EXPECT_EQ(t, me->mutexes_held, held);
	KTEST_EXPECT_EQ(t, me->lockdep_depth, depth);
	KTEST_EXPECT_EQ(t, mutex_debug_reports, reports);
	KTEST_EXPECT_EQ(t, might_sleep_reports, sleeps);
	KTEST_EXPECT_EQ(t, lockdep_reports, deadlocks);
}

/* ---- recursion_and_irq_context_reported ---- */

struct irq_attempt {
	struct mutex *m;
	bool in_irq, trylock_got, locked_after_lock;
};

/* Runs in the IPI handler of another CPU: every mutex call there is a bug. */
static void mutex_calls_in_irq(void *arg)
{
	struct irq_attempt *a = arg;

	a->in_irq = in_interrupt() != 0;
	a->trylock_got = mutex_trylock(a->m);
	mutex_lock(a->m);
	a->locked_after_lock = mutex_is_locked(a->m);
	mutex_unlock(a->m);
}

static void recursion_and_irq_context_reported(struct ktest *t)
{
	static DEFINE_MUTEX(rec);
	struct irq_attempt a = { .m = &rec };
	unsigned long reports = mutex_debug_reports;
	struct task *me = current;
	unsigned held = me->mutexes_held;

	mutex_lock(&rec);
	mutex_lock(&rec); /* recursion: reported, and returns instead of deadlocking */
	KTEST_EXPECT_EQ(t, mutex_debug_reports - reports, 1);
	KTEST_EXPECT(t, mutex_owner(&rec) == me);
	KTEST_EXPECT_EQ(t, me->mutexes_held, held + 1);
	KTEST_EXPECT(t, !mutex_trylock(&rec)); /* a trylock may fail: not a report */
	KTEST_EXPECT_EQ(t, mutex_debug_reports - reports, 1);
	mutex_unlock(&rec);
	KTEST_EXPECT(t, !mutex_is_locked(&rec));
	KTEST_EXPECT_EQ(t, me->mutexes_held, held);

	if (ncpus < 2) {
		ktest_log(t, "interrupt-context part needs 2 CPUs: not run");
		return;
	}
	reports = mutex_debug_reports;
	KTEST_ASSERT_EQ(t, smp_call_function_single(1, mutex_calls_in_irq, &a, true), 0);
	KTEST_EXPECT(t, a.in_irq);
	KTEST_EXPECT(t, !a.trylock_got);
	KTEST_EXPECT(t, !a.locked_after_lock);
	KTEST_EXPECT_EQ(t, mutex_debug_reports - reports, 3); /* trylock, lock, unlock */
	KTEST_EXPECT(t, !mutex_is_locked(&rec));
}

/* ---- lock_with_preemption_off_reported ---- */

static void lock_with_preemption_off_reported(struct ktest *t)
{
	static DEFINE_MUTEX(atomic_m);
	unsigned long sleeps = might_sleep_reports;

	preempt_disable();
	mutex_lock(&atomic_m); /* free: the fast path takes it, but it could have slept */
	preempt_enable();
	KTEST_EXPECT(t, might_sleep_reports > sleeps);
	KTEST_EXPECT(t, mutex_owner(&atomic_m) == current);
	mutex_unlock(&atomic_m);
	KTEST_EXPECT(t, !mutex_is_locked(&atomic_m));
}

KTEST_SUITE(mutex, 0, KTEST_CASE(counter_exact_under_contention),
	    KTEST_CASE(unlock_by_non_owner_is_caught), KTEST_CASE(waiter_not_starved_by_thief_loop),
	    KTEST_CASE(is_contended_exactly_while_waiter_sleeps),
	    KTEST_CASE(three_hundred_mutexes_held_at_once),
	    KTEST_CASE(recursion_and_irq_context_reported),
	    KTEST_CASE(lock_with_preemption_off_reported));
