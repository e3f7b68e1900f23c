/*
 * Suite rcu (DESIGN RCU-1..3): grace periods wait for readers on every CPU, objects freed
 * through RCU are never seen freed, callbacks run in order on their CPU, rcu_barrier() waits
 * for all of them. Stall reports: suite rcu_stall (rcu_stall.c).
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

/* ---- synchronize_rcu() waits for a reader in progress on every other CPU ---- */

#define LONG_READ_MS 100

struct long_reader {
	int entered, left;
	u64 *until; /* set by the test once every reader is inside: leave the section then */
};

static void long_reader(void *arg)
{
	struct long_reader *r = arg;
	u64 until;

	rcu_read_lock();
	set_flag(&r->entered);
	while (!(until = __atomic_load_n(r->until, __ATOMIC_ACQUIRE)))
		arch_cpu_relax();
	while (arch_clock_ns() < until)
		arch_cpu_relax();
	set_flag(&r->left); /* still inside the section: a grace period must end after this */
	rcu_read_unlock();
}

static void synchronize_rcu_waits_for_readers(struct ktest *t)
{
	static struct long_reader r[NR_CPUS];
	static u64 until;
	struct task *th[NR_CPUS] = { NULL };
	unsigned long gp0;

	if (ncpus < 2)
		KTEST_SKIP(t, "needs 2 CPUs");
	until = 0;
	for (unsigned i = 1; i < ncpus; i++) {
		r[i] = (struct long_reader){ .until = &until };
		th[i] = start_pinned(long_reader, &r[i], "rcu-longread", i);
		KTEST_EXPECT(t, th[i] != NULL);
	}
	for (unsigned i = 1; i < ncpus; i++)
		if (th[i] && !KTEST_EXPECT(t, wait_flag(&r[i].entered, 2000)))
			ktest_log(t, "reader on cpu%u did not start within 2 s", i);
	/* All inside now; each stays another LONG_READ_MS, longer than a grace period takes
	 * (about two ticks) when it ignores them, however late the host ran us. */
	__atomic_store_n(&until, arch_clock_ns() + LONG_READ_MS * NSEC_PER_MSEC, __ATOMIC_RELEASE);
	gp0 = rcu_gp_completed();
	synchronize_rcu();
	/* Every reader was inside its section when synchronize_rcu() began. */
	for (unsigned i = 1; i < ncpus; i++)
		if (th[i] && !KTEST_EXPECT(t, __atomic_load_n(&r[i].left, __ATOMIC_ACQUIRE)))
			ktest_log(t, "synchronize_rcu returned while cpu%u was still reading", i);
	KTEST_EXPECT(t, rcu_gp_completed() != gp0);
	for (unsigned i = 1; i < ncpus; i++)
		if (th[i])
			kthread_join(th[i]);
}

/* ---- readers never see an object freed through RCU ---- */

#define POOL_SIZE 512
#define PAYLOAD_WORDS 8
#define POISON 0x6b6b6b6bUL
#define REPLACEMENTS 3000
#define WRITER_MS 300	   /* a loaded host gets fewer replacements, not a slower suite... */
#define WRITER_MAX_MS 5000 /* ...unless the readers did not run meanwhile */
#define READ_HOLD_NS 5000  /* how long a reader keeps checking one object */
#define PACE_MAX_NS 200000 /* the longest the writer waits for readers to move on */
#define SYNC_EVERY 500 /* every this many replacements, synchronize_rcu() instead of call_rcu() */

struct obj {
	struct rcu_head rcu;
	struct obj *next_free;
	unsigned long gen;
	unsigned long word[PAYLOAD_WORDS]; /* word[i] == payload(gen, i) while published */
};

static struct obj pool[POOL_SIZE];
static DEFINE_SPINLOCK(pool_lock);
static struct obj *pool_free;  /* guarded by pool_lock */
static unsigned pool_nfree;    /* guarded by pool_lock */
static struct obj *shared_obj; /* published with rcu_assign_pointer */

static unsigned long payload(unsigned long gen, unsigned i)
{
	return gen * 2654435761UL + i;
}

static void obj_put(struct obj *o)
{
	unsigned long flags;

	o->gen = POISON;
	for (unsigned i = 0; i < PAYLOAD_WORDS; i++)
		o->word[i] = POISON;
	flags = spin_lock_irqsave(&pool_lock);
	o->next_free = pool_free;
	pool_free = o;
	pool_nfree++;
	spin_unlock_irqrestore(&pool_lock, flags);
}

static struct obj *obj_get(void)
{
	unsigned long flags = spin_lock_irqsave(&pool_lock);
	struct obj *o = pool_free;

	if (o) {
		pool_free = o->next_free;
		pool_nfree--;
	}
	spin_unlock_irqrestore(&pool_lock, flags);
	return o;
}

static void obj_free_rcu(struct rcu_head *head)
{
	obj_put(container_of(head, struct obj, rcu));
}

/* True if o is a published object, whole: not poisoned, not half rewritten. */
static bool obj_intact(const struct obj *o)
{
	unsigned long gen = READ_ONCE(o->gen);
	u64 end = arch_clock_ns() + READ_HOLD_NS;

	if (gen == POISON)
		return false;

	do /* again and again for a while: a wide window for a premature free to show */
		for (unsigned i = 0; i < PAYLOAD_WORDS; i++)
			if (READ_ONCE(o->word[i]) != payload(gen, i))
				return false;
	while (arch_clock_ns() < end);
	return READ_ONCE(o->gen) == gen;
}

struct obj_reader {
	int *stop;
	unsigned long reads, bad, changes; /* written by the reader only */
};

static void obj_reader(void *arg)
{
	struct obj_reader *r = arg;
	const struct obj *last = NULL;

	while (!__atomic_load_n(r->stop, __ATOMIC_ACQUIRE)) {
		for (int k = 0; k < 16; k++) {
			const struct obj *p;
			bool ok;

			rcu_read_lock();
			p = rcu_dereference(shared_obj);
			ok = obj_intact(p);
			rcu_read_unlock();
			WRITE_ONCE(r->reads, r->reads + 1);
			if (!ok)
				WRITE_ONCE(r->bad, r->bad + 1);
			if (p != last)
				WRITE_ONCE(r->changes, r->changes + 1);
			last = p;
		}
		cond_resched(); /* a quiescent state; the tick finds others between sections */
	}
}

static void obj_fill(struct obj *o, unsigned long gen)
{
	o->gen = gen;
	for (unsigned i = 0; i < PAYLOAD_WORDS; i++)
		o->word[i] = payload(gen, i);
}

/* Publishes a fresh object in place of the current one; frees the old one through RCU.
 * Returns false if the pool stayed empty even after every pending callback ran. */
static bool replace_obj(unsigned long gen, bool sync)
{
	struct obj *n = obj_get(), *old;

	if (!n) {
		rcu_barrier(); /* every object waiting for a grace period comes back */
		n = obj_get();
		if (!n)
			return false;
	}
	obj_fill(n, gen);
	old = shared_obj;
	rcu_assign_pointer(shared_obj, n);
	if (!old)
		return true;
	if (sync) {
		synchronize_rcu();
		obj_put(old);
	} else {
		call_rcu(&old->rcu, obj_free_rcu);
	}
	return true;
}

/* Fills the pool and publishes its first object. */
static bool pool_reset(unsigned long gen)
{
	rcu_barrier(); /* no callback of an earlier run still holds a pool object */
	shared_obj = NULL;
	pool_free = NULL;
	pool_nfree = 0;
	for (unsigned i = 0; i < POOL_SIZE; i++)
		obj_put(&pool[i]);
	return replace_obj(gen, false); /* the old one is NULL: nothing to free */
}

/* Waits until the readers did another read since *last (or PACE_MAX_NS passed). */
static void wait_reader_progress(const struct obj_reader *r, unsigned long *last)
{
	u64 end = arch_clock_ns() + PACE_MAX_NS;
	unsigned long sum;

	do {
		sum = 0;
		for (unsigned i = 1; i < ncpus; i++)
			sum += READ_ONCE(r[i].reads);
	} while (sum == *last && arch_clock_ns() < end);
	*last = sum;
}

/* The writer stops after REPLACEMENTS, or after WRITER_MS once every reader has read and seen
 * a replacement meanwhile (a loaded host may run them late), or after WRITER_MAX_MS. */
static bool writer_done(const struct obj_reader *r, const unsigned long *reads0,
			const unsigned long *changes0, u64 start)
{
	u64 ms = (arch_clock_ns() - start) / NSEC_PER_MSEC;

	if (ms >= WRITER_MAX_MS)
		return true;
	if (ms < WRITER_MS)
		return false;
	for (unsigned i = 1; i < ncpus; i++)
		if (READ_ONCE(r[i].reads) == reads0[i] || READ_ONCE(r[i].changes) == changes0[i])
			return false;
	return true;
}

static void readers_never_see_freed_memory(struct ktest *t)
{
	static struct obj_reader r[NR_CPUS];
	static int stop;
	struct task *th[NR_CPUS] = { NULL };
	unsigned long reads0[NR_CPUS], changes0[NR_CPUS];
	unsigned long gen = 1, n, progress = 0;
	u64 writer_start;

	if (ncpus < 2)
		KTEST_SKIP(t, "needs 2 CPUs");
	KTEST_ASSERT(t, pool_reset(gen++));
	stop = 0;
	for (unsigned i = 1; i < ncpus; i++) {
		r[i] = (struct obj_reader){ .stop = &stop };
		th[i] = start_pinned(obj_reader, &r[i], "rcu-reader", i);
		KTEST_EXPECT(t, th[i] != NULL);
	}
	for (unsigned i = 1; i < ncpus; i++) { /* every reader is reading before we write */
		u64 end = arch_clock_ns() + 2 * NSEC_PER_SEC;

		while (th[i] && !READ_ONCE(r[i].reads) && arch_clock_ns() < end)
			msleep(1);
		reads0[i] = READ_ONCE(r[i].reads);
		changes0[i] = READ_ONCE(r[i].changes);
	}
	writer_start = arch_clock_ns();
	for (n = 0; n < REPLACEMENTS && !writer_done(r, reads0, changes0, writer_start); n++) {
		if (!KTEST_EXPECT(t, replace_obj(gen++, n % SYNC_EVERY == SYNC_EVERY - 1)))
			break;
		/* Paced by the readers, so they are inside a section, likely on the object about
		 * to be replaced, each time (a burst would replace objects nobody read yet). */
		wait_reader_progress(r, &progress);
	}
	ktest_log(t, "%lu replacements in %llu ms", n,
		  (arch_clock_ns() - writer_start) / NSEC_PER_MSEC);
	for (unsigned i = 1; i < ncpus; i++) { /* they read while we wrote */
		KTEST_EXPECT(t, READ_ONCE(r[i].reads) > reads0[i]);
		KTEST_EXPECT(t, READ_ONCE(r[i].changes) > changes0[i]);
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	for (unsigned i = 1; i < ncpus; i++) {
		if (!th[i])
			continue;
		kthread_join(th[i]);
		ktest_log(t, "cpu%u: %lu reads, saw %lu replacements, %lu bad", i, r[i].reads,
			  r[i].changes, r[i].bad);
		KTEST_EXPECT_EQ(t, r[i].bad, 0);
	}
	rcu_barrier();
	KTEST_EXPECT_EQ(t, pool_nfree, POOL_SIZE - 1); /* every callback ran once: none lost */
}

/*
 * ---- call_rcu() in mid grace period waits for the next one ----
 * The case behind call_rcu()'s "gp_started + 1": cpu1 reports its quiescent state for the grace
 * period in progress, then starts reading the object; cpu0 (holding that grace period open
 * with preemption off) unpublishes the object and frees it through call_rcu(). The grace
 * period in progress may end now, but the object must survive until the reader leaves.
 */
struct late_reader {
	int go, reading, release;
	bool intact;
};

static struct late_reader late;
static int late_freed_while_reading;

static void late_reader_fn(void *arg)
{
	const struct obj *p;

	if (!wait_flag(&late.go, 5000))
		return;
	cond_resched(); /* this CPU's quiescent state for the grace period in progress */
	rcu_read_lock();
	p = rcu_dereference(shared_obj);
	set_flag(&late.reading);
	wait_flag(&late.release, 5000);
	late.intact = obj_intact(p);
	rcu_read_unlock();
}

static void late_free_rcu(struct rcu_head *head)
{
	if (!__atomic_load_n(&late.release, __ATOMIC_ACQUIRE))
		set_flag(&late_freed_while_reading);
	obj_free_rcu(head);
}

static int late_gp_ended;

/* Queued first, on the same CPU: when it has run, so has a callback wrongly given its grace
 * period (callbacks of one CPU run in order). */
static void late_gp_end_rcu(struct rcu_head *head)
{
	set_flag(&late_gp_ended);
}

static void call_rcu_waits_for_readers_that_began_mid_grace_period(struct ktest *t)
{
	static struct rcu_head gp_marker;
	struct obj *old, *n;
	struct task *th;
	bool reading;

	if (ncpus < 2)
		KTEST_SKIP(t, "needs 2 CPUs");
	KTEST_ASSERT(t, pool_reset(1));
	n = obj_get();
	KTEST_ASSERT(t, n != NULL);
	obj_fill(n, 2);
	late = (struct late_reader){ 0 };
	late_freed_while_reading = late_gp_ended = 0;
	th = start_pinned(late_reader_fn, NULL, "rcu-late", 1);
	KTEST_ASSERT(t, th != NULL);
	preempt_disable(); /* no quiescent state here: the grace period stays open */
	call_rcu(&gp_marker, late_gp_end_rcu); /* a grace period is in progress now */
	set_flag(&late.go);
	reading = wait_flag(&late.reading, 2000);
	old = shared_obj;
	rcu_assign_pointer(shared_obj, n);
	call_rcu(&old->rcu, late_free_rcu);
	preempt_enable(); /* the grace period we held can end now */
	KTEST_EXPECT(t, wait_flag(&late_gp_ended, 5000));
	KTEST_EXPECT(t, reading);
	KTEST_EXPECT(t, !__atomic_load_n(&late_freed_while_reading, __ATOMIC_ACQUIRE));
	set_flag(&late.release);
	kthread_join(th);
	KTEST_EXPECT(t, late.intact);
	rcu_barrier();
	KTEST_EXPECT(t, !late_freed_while_reading);
}

/* ---- callbacks run on their CPU, after a grace period, in the order queued ---- */

#define ORDER_BATCH 8

struct order_cb {
	struct rcu_head head;
	unsigned cpu, seq;
	unsigned long gp_before; /* rcu_gp_completed() when it was queued */
};

struct order_log { /* written only by the CPU whose callbacks it logs */
	unsigned n;
	unsigned seq[2 * ORDER_BATCH];
	unsigned wrong_cpu, too_early, not_softirq;
};

static struct order_cb order_cbs[NR_CPUS][2 * ORDER_BATCH];
static struct order_log order_logs[NR_CPUS];

static void order_cb_fn(struct rcu_head *head)
{
	struct order_cb *cb = container_of(head, struct order_cb, head);
	struct order_log *log = &order_logs[cb->cpu];

	log->wrong_cpu += smp_processor_id() != cb->cpu;
	log->too_early += rcu_gp_completed() == cb->gp_before; /* no grace period ended yet */
	log->not_softirq += !in_softirq();
	if (log->n < ARRAY_SIZE(log->seq))
		log->seq[log->n] = cb->seq;
	WRITE_ONCE(log->n, log->n + 1);
}

/* On the target CPU: queues one batch (arg: the first sequence number). */
static void queue_order_batch(void *arg)
{
	unsigned cpu = smp_processor_id(), first = (unsigned)(unsigned long)arg;

	for (unsigned s = first; s < first + ORDER_BATCH; s++) {
		struct order_cb *cb = &order_cbs[cpu][s];

		cb->cpu = cpu;
		cb->seq = s;
		cb->gp_before = rcu_gp_completed();
		call_rcu(&cb->head, order_cb_fn);
	}
}

static void call_rcu_callbacks_run_and_in_order(struct ktest *t)
{
	unsigned long invoked0[NR_CPUS];
	u64 end;

	for (unsigned i = 0; i < ncpus; i++) {
		order_logs[i] = (struct order_log){ 0 };
		invoked0[i] = rcu_callbacks_invoked(i);
	}
	/* Two batches a few ticks apart, so they likely wait for different grace periods. */
	for (unsigned i = 0; i < ncpus; i++)
		KTEST_EXPECT_EQ(t, smp_call_function_single(i, queue_order_batch, (void *)0, true),
				0);
	msleep(15);
	for (unsigned i = 0; i < ncpus; i++)
		KTEST_EXPECT_EQ(t,
				smp_call_function_single(i, queue_order_batch,
							 (void *)(unsigned long)ORDER_BATCH, true),
				0);
	end = arch_clock_ns() + 5 * NSEC_PER_SEC; /* no rcu_barrier(): that is the next test */
	for (unsigned i = 0; i < ncpus; i++)
		while (READ_ONCE(order_logs[i].n) < 2 * ORDER_BATCH && arch_clock_ns() < end)
			msleep(5);
	for (unsigned i = 0; i < ncpus; i++) {
		struct order_log *log = &order_logs[i];

		if (!KTEST_EXPECT_EQ(t, READ_ONCE(log->n), 2 * ORDER_BATCH))
			ktest_log(t, "cpu%u ran %u of %u callbacks within 5 s", i, log->n,
				  2 * ORDER_BATCH);
		for (unsigned s = 0; s < log->n && s < 2 * ORDER_BATCH; s++)
			KTEST_EXPECT_EQ(t, log->seq[s], s);
		KTEST_EXPECT_EQ(t, log->wrong_cpu, 0);
		KTEST_EXPECT_EQ(t, log->too_early, 0);
		KTEST_EXPECT_EQ(t, log->not_softirq, 0);
		KTEST_EXPECT(t, rcu_callbacks_invoked(i) - invoked0[i] >= 2 * ORDER_BATCH);
	}
}

/* ---- rcu_barrier() returns only once every earlier callback has run ---- */

#define BARRIER_CBS 16
#define SLOW_CB_MS 30 /* three ticks: a barrier that does not wait for it returns meanwhile */

static struct rcu_head barrier_heads[NR_CPUS][BARRIER_CBS];
static unsigned barrier_ran[NR_CPUS]; /* written by that CPU's callbacks only */

static void barrier_count_fn(struct rcu_head *head)
{
	unsigned cpu = (head - &barrier_heads[0][0]) / BARRIER_CBS;

	WRITE_ONCE(barrier_ran[cpu], barrier_ran[cpu] + 1);
}

/* The last callback of each other CPU takes its time, so whatever order the CPUs' ticks come
 * in, one that only waits for a grace period (or for this CPU's callbacks) returns early. */
static void barrier_slow_fn(struct rcu_head *head)
{
	ndelay_spin(SLOW_CB_MS * NSEC_PER_MSEC);
	barrier_count_fn(head);
}

static void queue_barrier_batch(void *unused)
{
	unsigned cpu = smp_processor_id();

	for (unsigned k = 0; k < BARRIER_CBS; k++)
		call_rcu(&barrier_heads[cpu][k],
			 k == BARRIER_CBS - 1 && cpu != 0 ? barrier_slow_fn : barrier_count_fn);
}

static void rcu_barrier_waits_for_callbacks(struct ktest *t)
{
	unsigned ran_before = 0;

	for (int round = 0; round < 3; round++) {
		for (unsigned i = 0; i < ncpus; i++)
			barrier_ran[i] = 0;
		for (unsigned i = 0; i < ncpus; i++)
			KTEST_EXPECT_EQ(
			    t, smp_call_function_single(i, queue_barrier_batch, NULL, true), 0);
		for (unsigned i = 0; i < ncpus; i++)
			ran_before += READ_ONCE(barrier_ran[i]);
		rcu_barrier();
		for (unsigned i = 0; i < ncpus; i++)
			if (!KTEST_EXPECT_EQ(t, READ_ONCE(barrier_ran[i]), BARRIER_CBS))
				ktest_log(t,
					  "round %d: rcu_barrier returned before cpu%u ran its "
					  "callbacks",
					  round, i);
	}
	/* Had they run before rcu_barrier() was even called, this test would prove nothing. */
	ktest_log(t, "%u of %u callbacks had run before rcu_barrier() was called", ran_before,
		  3 * ncpus * BARRIER_CBS);
}

/* ---- each synchronize_rcu() spans a grace period; how long it takes ---- */

static void synchronize_rcu_ends_a_grace_period_each_call(struct ktest *t)
{
	const unsigned calls = 20;
	u64 total = 0, worst = 0;

	for (unsigned i = 0; i < calls; i++) {
		unsigned long gp0 = rcu_gp_completed();
		u64 t0 = arch_clock_ns(), d;

		synchronize_rcu();
		d = arch_clock_ns() - t0;
		total += d;
		worst = MAX(worst, d);
		KTEST_EXPECT(t, rcu_gp_completed() != gp0);
	}
	ktest_log(t, "synchronize_rcu: average %llu us, worst %llu us over %u calls (HZ %d)",
		  (unsigned long long)(total / calls / 1000), (unsigned long long)(worst / 1000),
		  calls, HZ);
}

KTEST_SUITE(rcu, 0, KTEST_CASE(synchronize_rcu_waits_for_readers),
	    KTEST_CASE(readers_never_see_freed_memory),
	    KTEST_CASE(call_rcu_waits_for_readers_that_began_mid_grace_period),
	    KTEST_CASE(call_rcu_callbacks_run_and_in_order),
	    KTEST_CASE(rcu_barrier_waits_for_callbacks),
	    KTEST_CASE(synchronize_rcu_ends_a_grace_period_each_call));
