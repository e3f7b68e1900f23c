/*
 * Suite lockdep: lock-order checking (kernel/sched/lockdep.c, docs/lockdep.md).
 * Every lock here is statically initialised, so each is a class of its own, and each case uses
 * its own locks: the graph is global and only grows, so cases must not share orders.
 */
#include <mica/arch.h>
#include <mica/kallsyms.h>
#include <mica/ktest.h>
#include <mica/lockdep.h>
#include <mica/preempt.h>
#include <mica/sched.h>
#include <mica/smp_call.h>
#include <mica/spinlock.h>
#include <mica/string.h>
#include <mica/time.h>
#include <mica/timer.h>

/* True if code address `site` lies in the function called `fn`. */
static bool site_in(unsigned long site, const char *fn)
{
	unsigned long off, size;
	const char *name = kallsyms_lookup(site, &off, &size);

	return name && !strcmp(name, fn);
}

/* Takes first, then second, and lets both go: one order, recorded at these two call sites. */
static __noinline void take_ab(spinlock_t *a, spinlock_t *b)
{
	spin_lock(a);
	spin_lock(b);
	spin_unlock(b);
	spin_unlock(a);
}

/* The same with other call sites, for the opposite order. (The count keeps the compiler from
 * folding the two identical functions into one, -fipa-icf.) */
static unsigned long ba_calls;
static __noinline void take_ba(spinlock_t *b, spinlock_t *a)
{
	spin_lock(b);
	spin_lock(a);
	WRITE_ONCE(ba_calls, ba_calls + 1);
	spin_unlock(a);
	spin_unlock(b);
}

/* ---- abba_order_reported ---- */

static DEFINE_SPINLOCK(abba_a);
static DEFINE_SPINLOCK(abba_b);

static void abba_order_reported(struct ktest *t)
{
	unsigned long before = READ_ONCE(lockdep_reports);
	const struct lockdep_report *r = &lockdep_last_report;

	take_ab(&abba_a, &abba_b);
	KTEST_EXPECT_EQ(t, READ_ONCE(lockdep_reports), before);
	KTEST_ASSERT(t, lockdep_depends(&abba_a.dep_map, &abba_b.dep_map)); /* A -> B recorded */

	take_ba(&abba_b, &abba_a); /* B then A: closes A -> B -> A */
	KTEST_ASSERT_EQ(t, READ_ONCE(lockdep_reports), before + 1);
	KTEST_EXPECT(t, r->taken == &abba_a.dep_map && r->held == &abba_b.dep_map);
	KTEST_EXPECT(t, site_in(r->taken_site, "take_ba")); /* A taken here, B held */
	KTEST_EXPECT(t, site_in(r->held_site, "take_ba"));
	KTEST_EXPECT(t, site_in(r->earlier_site, "take_ab")); /* where B was taken under A */
	KTEST_EXPECT_EQ(t, r->ring_len, 1);
	/* The closing edge is kept out of the graph: no B -> A, and A -> B is still the order. */
	KTEST_EXPECT(t, !lockdep_depends(&abba_b.dep_map, &abba_a.dep_map));

	take_ba(&abba_b, &abba_a); /* once per pair of classes */
	take_ab(&abba_a, &abba_b); /* the recorded order is still fine */
	KTEST_EXPECT_EQ(t, READ_ONCE(lockdep_reports), before + 1);
	KTEST_EXPECT(t, !lockdep_depends(&abba_b.dep_map, &abba_a.dep_map));
}

/* ---- consistent_order_not_reported ---- */

#define ORDER_LEVELS 4
#define ORDER_ROUNDS 1000

/* Per CPU, one lock of each level; level i of every CPU is one class (one init site), so all
 * CPUs check and record the same orders at once without contending. Every 32nd round a thread
 * also takes `order_shared` innermost, the one lock they really share. */
static spinlock_t order_locks[NR_CPUS][ORDER_LEVELS];
static DEFINE_SPINLOCK(order_shared);
static unsigned long order_sum; /* guarded by order_shared */

static void order_locks_init(void)
{
	for (unsigned c = 0; c < NR_CPUS; c++) {
		spin_lock_init(&order_locks[c][0]);
		spin_lock_init(&order_locks[c][1]);
		spin_lock_init(&order_locks[c][2]);
		spin_lock_init(&order_locks[c][3]);
	}
}

/* Takes a varying subset of its levels, always in ascending order, some with irqs masked. */
static void order_worker(void *arg)
{
	spinlock_t *l = order_locks[(unsigned long)arg];
	unsigned seed = (unsigned)(unsigned long)arg * 2654435761U + 1;

	for (unsigned round = 0; round < ORDER_ROUNDS; round++) {
		unsigned long flags[ORDER_LEVELS] = { 0 };
		unsigned mask;

		seed = seed * 1103515245U + 12345U;
		mask = seed >> 16;
		for (unsigned i = 0; i < ORDER_LEVELS; i++)
			if (mask & 1U << i) {
				if (mask & 1U << (i + 4))
					flags[i] = spin_lock_irqsave(&l[i]);
				else
					spin_lock(&l[i]);
			}
		if (round % 32 == 0) {
			spin_lock(&order_shared);
			order_sum++;
			spin_unlock(&order_shared);
		}
		for (unsigned i = ORDER_LEVELS; i-- > 0;)
			if (mask & 1U << i) {
				if (mask & 1U << (i + 4))
					spin_unlock_irqrestore(&l[i], flags[i]);
				else
					spin_unlock(&l[i]);
			}
		if (round % 64 == 0)
			sched_yield();
	}
}

/* What the cost figures measure: one lock + unlock pair of each kind. */
enum pair_kind {
	PAIR_RAW,	    /* raw_spin_lock: the bare ticket lock */
	PAIR_SPIN,	    /* spin_lock: + preempt count, latency tracer, lockdep */
	PAIR_SPIN_NESTED,   /* spin_lock with another lock held (a known order: the fast path) */
	PAIR_LOCKDEP,	    /* lock_acquire + lock_release alone */
	PAIR_LOCKDEP_NESTED /* the same with another lock held */
};

/* Nanoseconds per pair of `kind`: the best of several runs, as the host running other
 * emulators only ever adds time. */
static u64 pair_ns(enum pair_kind kind)
{
	static DEFINE_SPINLOCK(cost_outer);
	static DEFINE_SPINLOCK(cost_inner);
	bool nested = kind == PAIR_SPIN_NESTED || kind == PAIR_LOCKDEP_NESTED;
	const unsigned n = 200;
	u64 best = ~0ULL;

	for (int run = 0; run < 10; run++) {
		u64 t0;

		if (nested)
			spin_lock(&cost_outer);
		t0 = arch_clock_ns();
		for (unsigned i = 0; i < n; i++) {
			if (kind == PAIR_RAW) {
				raw_spin_lock(&cost_inner);
				raw_spin_unlock(&cost_inner);
			} else if (kind == PAIR_LOCKDEP || kind == PAIR_LOCKDEP_NESTED) {
				lock_acquire(&cost_inner.dep_map, (unsigned long)pair_ns, false);
				lock_release(&cost_inner.dep_map, (unsigned long)pair_ns);
			} else {
				spin_lock(&cost_inner);
				spin_unlock(&cost_inner);
			}
		}
		t0 = arch_clock_ns() - t0;
		if (nested)
			spin_unlock(&cost_outer);
		best = MIN(best, t0 / n);
	}
	return best;
}

static void consistent_order_not_reported(struct ktest *t)
{
	unsigned long before = READ_ONCE(lockdep_reports);
	struct task *th[NR_CPUS];

	order_locks_init();
	order_sum = 0;
	for (unsigned i = 0; i < ncpus; i++) {
		th[i] = kthread_create(order_worker, (void *)(unsigned long)i, "order");
		KTEST_ASSERT(t, th[i] != NULL);
		kthread_bind(th[i], i);
		kthread_start(th[i]);
	}
	for (unsigned i = 0; i < ncpus; i++)
		kthread_join(th[i]);
	KTEST_EXPECT_EQ(t, order_sum, (unsigned long)ncpus * ((ORDER_ROUNDS + 31) / 32));
	KTEST_EXPECT_EQ(t, READ_ONCE(lockdep_reports), before);
	/* Not vacuous: the orders were recorded, and never the reverse. (CPU 0's locks stand for
	 * their levels: a class, not an instance, has orders.) */
	KTEST_EXPECT(t, lockdep_depends(&order_locks[0][0].dep_map, &order_locks[0][3].dep_map));
	KTEST_EXPECT(t, lockdep_depends(&order_locks[0][1].dep_map, &order_locks[0][2].dep_map));
	KTEST_EXPECT(t, lockdep_depends(&order_locks[0][3].dep_map, &order_shared.dep_map));
	KTEST_EXPECT(t, !lockdep_depends(&order_locks[0][3].dep_map, &order_locks[0][0].dep_map));
	KTEST_EXPECT(t, !lockdep_depends(&order_shared.dep_map, &order_locks[0][0].dep_map));

	pair_ns(PAIR_SPIN_NESTED); /* records outer -> inner: the runs below take the fast path */
	ktest_log(t, "lock+unlock pair, ns: raw %llu, spin_lock %llu, spin_lock nested %llu",
		  (unsigned long long)pair_ns(PAIR_RAW), (unsigned long long)pair_ns(PAIR_SPIN),
		  (unsigned long long)pair_ns(PAIR_SPIN_NESTED));
	ktest_log(t, "lockdep alone (acquire+release), ns: %llu, nested %llu",
		  (unsigned long long)pair_ns(PAIR_LOCKDEP),
		  (unsigned long long)pair_ns(PAIR_LOCKDEP_NESTED));
	KTEST_EXPECT_EQ(t, READ_ONCE(lockdep_reports), before);
}

/* ---- three_lock_cycle_reported ---- */

static DEFINE_SPINLOCK(ring_a);
static DEFINE_SPINLOCK(ring_b);
static DEFINE_SPINLOCK(ring_c);

static void three_lock_cycle_reported(struct ktest *t)
{
	unsigned long before = READ_ONCE(lockdep_reports);
	const struct lockdep_report *r = &lockdep_last_report;

	take_ab(&ring_a, &ring_b);
	take_ab(&ring_b, &ring_c);
	KTEST_EXPECT_EQ(t, READ_ONCE(lockdep_reports), before);
	KTEST_EXPECT(t, lockdep_depends(&ring_a.dep_map, &ring_c.dep_map)); /* via B */
	KTEST_EXPECT(t, !lockdep_depends(&ring_c.dep_map, &ring_a.dep_map));

	take_ba(&ring_c, &ring_a); /* C then A: closes A -> B -> C -> A */
	KTEST_ASSERT_EQ(t, READ_ONCE(lockdep_reports), before + 1);
	KTEST_EXPECT(t, r->taken == &ring_a.dep_map && r->held == &ring_c.dep_map);
	KTEST_EXPECT_EQ(t, r->ring_len, 2); /* A -> B -> C */
	KTEST_EXPECT(t, site_in(r->earlier_site, "take_ab"));
	KTEST_EXPECT(t, !lockdep_depends(&ring_c.dep_map, &ring_a.dep_map));
	take_ba(&ring_c, &ring_a);
	KTEST_EXPECT_EQ(t, READ_ONCE(lockdep_reports), before + 1);
}

/* ---- assert_held_checks_owner ---- */

static DEFINE_SPINLOCK(owned);
static volatile int owner_holds, owner_may_go;

/* Holds `owned` on another CPU until told to let go (bounded: never hangs the suite). */
static void hold_owned(void *unused)
{
	u64 deadline = arch_clock_ns() + 5 * NSEC_PER_SEC;

	spin_lock(&owned);
	owner_holds = 1;
	while (!owner_may_go && arch_clock_ns() < deadline)
		arch_cpu_relax();
	spin_unlock(&owned);
}

static void assert_held_checks_owner(struct ktest *t)
{
	unsigned long before = READ_ONCE(lockdep_assert_failures);
	struct task *th;
	u64 deadline;

	spin_lock(&owned);
	KTEST_EXPECT(t, !lockdep_assert_held(&owned));
	spin_unlock(&owned);
	KTEST_EXPECT_EQ(t, READ_ONCE(lockdep_assert_failures), before);
	KTEST_EXPECT(t, lockdep_assert_held(&owned)); /* not held at all: WARNs */
	KTEST_EXPECT_EQ(t, READ_ONCE(lockdep_assert_failures), before + 1);

	if (ncpus < 2) {
		ktest_log(t, "one CPU: the held-by-another-task half is skipped");
		return;
	}
	/* Locked, but by someone else: still a failed assertion. */
	owner_holds = owner_may_go = 0;
	th = kthread_create(hold_owned, NULL, "owner");
	KTEST_ASSERT(t, th != NULL);
	kthread_bind(th, 1);
	kthread_start(th);
	deadline = arch_clock_ns() + 5 * NSEC_PER_SEC;
	while (!owner_holds && arch_clock_ns() < deadline)
		msleep(1);
	KTEST_EXPECT(t, owner_holds && spin_is_locked(&owned));
	KTEST_EXPECT(t, !lock_is_held(&owned.dep_map));
	KTEST_EXPECT(t, lockdep_assert_held(&owned));
	owner_may_go = 1;
	kthread_join(th);
	KTEST_EXPECT_EQ(t, READ_ONCE(lockdep_assert_failures), before + 2);
}

/* ---- held_locks_listed ---- */

static DEFINE_SPINLOCK(held_x);
static DEFINE_SPINLOCK(held_y);
static DEFINE_SPINLOCK(held_z);

static void held_locks_listed(struct ktest *t)
{
	struct task *me = current;
	unsigned d = me->lockdep_depth;
	unsigned long flags;

	KTEST_EXPECT(t, !lock_is_held(&held_x.dep_map));
	spin_lock(&held_x);
	flags = spin_lock_irqsave(&held_y);
	spin_lock(&held_z);
	KTEST_ASSERT_EQ(t, me->lockdep_depth, d + 3);
	KTEST_EXPECT(t, me->held_locks[d].map == &held_x.dep_map);
	KTEST_EXPECT(t, me->held_locks[d + 1].map == &held_y.dep_map);
	KTEST_EXPECT(t, me->held_locks[d + 2].map == &held_z.dep_map);
	for (unsigned i = d; i < d + 3; i++) {
		KTEST_EXPECT(t, site_in(me->held_locks[i].site, "held_locks_listed"));
		KTEST_EXPECT_EQ(t, me->held_locks[i].irq_ctx, 0);
	}
	KTEST_EXPECT(t, lock_is_held(&held_x.dep_map) && lock_is_held(&held_y.dep_map) &&
			    lock_is_held(&held_z.dep_map));

	spin_unlock_irqrestore(&held_y, flags); /* out of order: the stack closes up */
	KTEST_EXPECT_EQ(t, me->lockdep_depth, d + 2);
	KTEST_EXPECT(t, !lock_is_held(&held_y.dep_map));
	KTEST_EXPECT(t, me->held_locks[d].map == &held_x.dep_map);
	KTEST_EXPECT(t, me->held_locks[d + 1].map == &held_z.dep_map);
	spin_unlock(&held_z);
	spin_unlock(&held_x);
	KTEST_EXPECT_EQ(t, me->lockdep_depth, d);
	KTEST_EXPECT(t, !lock_is_held(&held_x.dep_map) && !lock_is_held(&held_z.dep_map));
}

/* ---- same_class_nesting_not_reported ---- */

#define NESTED 8

static void same_class_nesting_not_reported(struct ktest *t)
{
	static spinlock_t l[NESTED];
	unsigned long before = READ_ONCE(lockdep_reports);
	unsigned d = current->lockdep_depth;

	for (unsigned i = 0; i < NESTED; i++)
		spin_lock_init(&l[i]); /* one site: one class */
	for (unsigned i = 0; i < NESTED; i++)
		spin_lock(&l[i]);
	KTEST_EXPECT_EQ(t, current->lockdep_depth, d + NESTED);
	for (unsigned i = NESTED; i-- > 0;)
		spin_unlock(&l[i]);
	for (unsigned i = NESTED; i-- > 0;) /* the other way round: a class has no order */
		spin_lock(&l[i]);
	for (unsigned i = 0; i < NESTED; i++)
		spin_unlock(&l[i]);
	KTEST_EXPECT_EQ(t, current->lockdep_depth, d);
	KTEST_EXPECT_EQ(t, READ_ONCE(lockdep_reports), before);
	KTEST_EXPECT(t, !lockdep_depends(&l[0].dep_map, &l[1].dep_map)); /* no self-dependency */
}

/* ---- irq_lock_under_task_lock_not_reported ---- */

static DEFINE_SPINLOCK(task_side);
static DEFINE_SPINLOCK(irq_side);

struct irq_probe {
	volatile int done;
	bool held_in_irq, stacked_on_task, tagged;
};

/* Runs in CPU 0's IPI handler, on top of the ktest thread, which holds task_side. */
static void take_irq_side(void *arg)
{
	struct irq_probe *p = arg;
	struct task *t = current;

	spin_lock(&irq_side);
	p->held_in_irq = lock_is_held(&irq_side.dep_map);
	p->stacked_on_task = lock_is_held(&task_side.dep_map); /* the interrupted task's stack */
	p->tagged = t->lockdep_depth && t->held_locks[t->lockdep_depth - 1].irq_ctx != 0;
	spin_unlock(&irq_side);
	p->done = 1;
}

static void call_cpu0(void *arg)
{
	smp_call_function_single(0, take_irq_side, arg, true);
}

static void irq_lock_under_task_lock_not_reported(struct ktest *t)
{
	static struct irq_probe p;
	unsigned long before = READ_ONCE(lockdep_reports);
	struct task *th;
	u64 deadline;

	if (ncpus < 2)
		KTEST_SKIP(t, "needs 2 CPUs (another CPU interrupts CPU 0)");
	p = (struct irq_probe){ 0 };
	th = kthread_create(call_cpu0, &p, "ipi-cpu0");
	KTEST_ASSERT(t, th != NULL);
	kthread_bind(th, 1);
	spin_lock(&task_side); /* interrupts stay on: the IPI lands inside this section */
	kthread_start(th);
	deadline = arch_clock_ns() + 5 * NSEC_PER_SEC;
	while (!p.done && arch_clock_ns() < deadline)
		arch_cpu_relax();
	spin_unlock(&task_side);
	kthread_join(th);
	KTEST_ASSERT(t, p.done);
	KTEST_EXPECT(t, p.held_in_irq && p.stacked_on_task && p.tagged);
	/* No task_side -> irq_side order came of it, so the task may nest them the other way. */
	KTEST_EXPECT(t, !lockdep_depends(&task_side.dep_map, &irq_side.dep_map));
	take_ab(&irq_side, &task_side);
	KTEST_EXPECT_EQ(t, READ_ONCE(lockdep_reports), before);
	KTEST_EXPECT(t, lockdep_depends(&irq_side.dep_map, &task_side.dep_map));
}

KTEST_SUITE(lockdep, 0, KTEST_CASE(abba_order_reported), KTEST_CASE(consistent_order_not_reported),
	    KTEST_CASE(three_lock_cycle_reported), KTEST_CASE(assert_held_checks_owner),
	    KTEST_CASE(held_locks_listed), KTEST_CASE(same_class_nesting_not_reported),
	    KTEST_CASE(irq_lock_under_task_lock_not_reported));
