/*
 * Suite rwsem: reader-writer semaphores let readers in together and writers in alone, serve
 * waiters in FIFO order (a stream of readers cannot starve a writer), and catch misuse.
 */
#include <mica/arch.h>
#include <mica/cpu.h>
#include <mica/ktest.h>
#include <mica/lockdep.h>
#include <mica/preempt.h>
#include <mica/rwsem.h>
#include <mica/sched.h>
#include <mica/smp_call.h>
#include <mica/time.h>

#define MAX_THREADS 16

/* ---- readers_run_concurrently ---- */

struct reader_party {
	struct rw_semaphore s;
	unsigned inside, most_inside; /* readers inside now, and at most */
	unsigned arrived, want;	      /* readers that got in so far, and how many there are */
	u64 deadline;
};

/* Holds a read lock until all `want` readers got in (or the deadline passes): if they can be
 * inside together, they all are at one point. */
static void party_reader(void *arg)
{
	struct reader_party *p = arg;
	unsigned n, most;

	down_read(&p->s);
	n = __atomic_add_fetch(&p->inside, 1, __ATOMIC_SEQ_CST);
	most = __atomic_load_n(&p->most_inside, __ATOMIC_RELAXED);
	while (n > most && !__atomic_compare_exchange_n(&p->most_inside, &most, n, false,
							__ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
	__atomic_add_fetch(&p->arrived, 1, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&p->arrived, __ATOMIC_SEQ_CST) < p->want &&
	       arch_clock_ns() < p->deadline)
		arch_cpu_relax();
	__atomic_sub_fetch(&p->inside, 1, __ATOMIC_SEQ_CST);
	up_read(&p->s);
}

static void readers_run_concurrently(struct ktest *t)
{
	static struct reader_party p;
	struct task *th[NR_CPUS];
	unsigned want = MIN(ncpus, 4U), n;

	if (ncpus < 2)
		KTEST_SKIP(t, "needs 2 CPUs");
	init_rwsem(&p.s);
	p.inside = p.most_inside = p.arrived = 0;
	p.deadline = arch_clock_ns() + 2 * NSEC_PER_SEC;
	for (n = 0; n < want; n++) {
		if (!(th[n] = kthread_create(party_reader, &p, "rw-reader")))
			break;
		kthread_bind(th[n], n); /* one per CPU: they can only all be inside together */
	}
	KTEST_EXPECT_EQ(t, n, want); /* run (and join) whatever was created */
	p.want = n;
	for (unsigned i = 0; i < n; i++)
		kthread_start(th[i]);
	for (unsigned i = 0; i < n; i++)
		kthread_join(th[i]);
	KTEST_EXPECT_EQ(t, p.most_inside, n);
	KTEST_EXPECT(t, !rwsem_is_locked(&p.s));
}

/* ---- writer_exclusive_counter_exact ---- */

#define MIXED_ITERS 60

struct mixed_run {
	struct rw_semaphore s;
	unsigned long counter; /* written only under down_write, plainly */
	unsigned readers_in, writers_in;
	unsigned long violations;   /* a writer with company, or a value changing under a reader */
	unsigned long seen_waiters; /* sections that found someone queued */
	unsigned ready, nthreads;   /* start line: nobody starts before everyone is there */
};

/* On a loaded host a thread can finish before the next one even starts: line up first. */
static void mixed_start_line(struct mixed_run *r)
{
	__atomic_add_fetch(&r->ready, 1, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&r->ready, __ATOMIC_SEQ_CST) < r->nthreads)
		sched_yield();
}

static void mixed_writer(void *arg)
{
	struct mixed_run *r = arg;

	mixed_start_line(r);
	for (unsigned i = 0; i < MIXED_ITERS; i++) {
		unsigned long v;

		down_write(&r->s);
		if (__atomic_add_fetch(&r->writers_in, 1, __ATOMIC_SEQ_CST) != 1 ||
		    __atomic_load_n(&r->readers_in, __ATOMIC_SEQ_CST) != 0)
			__atomic_add_fetch(&r->violations, 1, __ATOMIC_RELAXED);
		v = READ_ONCE(r->counter);
		if (i % 4 == 0)
			sched_yield(); /* switched out holding it */
		WRITE_ONCE(r->counter, v + 1);
		if (rwsem_is_contended(&r->s))
			__atomic_add_fetch(&r->seen_waiters, 1, __ATOMIC_RELAXED);
		if (__atomic_load_n(&r->readers_in, __ATOMIC_SEQ_CST) != 0)
			__atomic_add_fetch(&r->violations, 1, __ATOMIC_RELAXED);
		__atomic_sub_fetch(&r->writers_in, 1, __ATOMIC_SEQ_CST);
		up_write(&r->s);
	}
}

static void mixed_reader(void *arg)
{
	struct mixed_run *r = arg;

	mixed_start_line(r);
	for (unsigned i = 0; i < MIXED_ITERS; i++) {
		unsigned long v;

		down_read(&r->s);
		__atomic_add_fetch(&r->readers_in, 1, __ATOMIC_SEQ_CST);
		if (__atomic_load_n(&r->writers_in, __ATOMIC_SEQ_CST) != 0)
			__atomic_add_fetch(&r->violations, 1, __ATOMIC_RELAXED);
		v = READ_ONCE(r->counter);
		if (i % 4 == 0)
			sched_yield();
		if (READ_ONCE(r->counter) != v ||
		    __atomic_load_n(&r->writers_in, __ATOMIC_SEQ_CST) != 0)
			__atomic_add_fetch(&r->violations, 1, __ATOMIC_RELAXED);
		if (rwsem_is_contended(&r->s))
			__atomic_add_fetch(&r->seen_waiters, 1, __ATOMIC_RELAXED);
		__atomic_sub_fetch(&r->readers_in, 1, __ATOMIC_SEQ_CST);
		up_read(&r->s);
	}
}

static void writer_exclusive_counter_exact(struct ktest *t)
{
	static struct mixed_run r;
	struct task *th[MAX_THREADS];
	unsigned want = MIN(2 * ncpus, MAX_THREADS), n, writers;
	unsigned long reports = rwsem_debug_reports;

	init_rwsem(&r.s);
	r.counter = r.violations = 0;
	r.readers_in = r.writers_in = 0;
	r.seen_waiters = r.ready = 0;
	/* A writer and a reader on each CPU: whichever yields holding the semaphore, the other
	 * one runs and has to queue, even if the host runs one emulated CPU at a time. */
	for (n = 0; n < want; n++) {
		if (!(th[n] = kthread_create(n % 2 ? mixed_reader : mixed_writer, &r,
					     n % 2 ? "rw-reader" : "rw-writer")))
			break;
		kthread_bind(th[n], (n / 2) % ncpus);
	}
	KTEST_EXPECT_EQ(t, n, want); /* run (and join) whatever was created */
	writers = (n + 1) / 2;
	r.nthreads = n;
	for (unsigned i = 0; i < n; i++)
		kthread_start(th[i]);
	for (unsigned i = 0; i < n; i++)
		kthread_join(th[i]);
	KTEST_EXPECT_EQ(t, r.counter, (unsigned long)writers * MIXED_ITERS);
	KTEST_EXPECT_EQ(t, r.violations, 0);
	/* The test proves something only if tasks really queued behind each other. */
	KTEST_EXPECT(t, r.seen_waiters > 0);
	KTEST_EXPECT(t, !rwsem_is_locked(&r.s));
	KTEST_EXPECT(t, !rwsem_is_contended(&r.s));
	KTEST_EXPECT_EQ(t, rwsem_debug_reports, reports);
	ktest_log(t, "%u threads x %u; %lu sections saw waiters", n, MIXED_ITERS, r.seen_waiters);
}

/* ---- writer_waits_for_reader_and_reader_for_writer ---- */

struct blocked {
	struct rw_semaphore *s;
	bool got; /* the thread got in (it leaves at once) */
};

static void blocked_writer(void *arg)
{
	struct blocked *b = arg;

	down_write(b->s);
	WRITE_ONCE(b->got, true);
	up_write(b->s);
}

static void blocked_reader(void *arg)
{
	struct blocked *b = arg;

	down_read(b->s);
	WRITE_ONCE(b->got, true);
	up_read(b->s);
}

/* Starts fn, which must find s held by this task and sleep queued on it; checks it stays out
 * until `release` runs, and gets in after. */
static void expect_blocked(struct ktest *t, struct rw_semaphore *s, void (*fn)(void *),
			   void (*release)(struct rw_semaphore *))
{
	struct blocked b = { .s = s };
	struct task *th = kthread_create(fn, &b, "rw-blocked");
	u64 deadline = arch_clock_ns() + 2 * NSEC_PER_SEC;

	if (!KTEST_EXPECT(t, th != NULL)) {
		release(s);
		return;
	}
	kthread_start(th);
	while (!(rwsem_is_contended(s) && READ_ONCE(th->state) == TASK_SLEEPING) &&
	       !READ_ONCE(b.got) && arch_clock_ns() < deadline)
		sched_yield();
	KTEST_EXPECT(t, !READ_ONCE(b.got));
	KTEST_EXPECT(t, rwsem_is_contended(s));
	/* FIFO: with the thread queued, even a reader's trylock must not jump ahead. */
	KTEST_EXPECT(t, !down_read_trylock(s) && !down_write_trylock(s));
	release(s);
	kthread_join(th);
	KTEST_EXPECT(t, READ_ONCE(b.got));
	KTEST_EXPECT(t, !rwsem_is_locked(s) && !rwsem_is_contended(s));
}

static void writer_waits_for_reader_and_reader_for_writer(struct ktest *t)
{
	static DEFINE_RWSEM(wr);

	down_read(&wr);
	expect_blocked(t, &wr, blocked_writer, up_read);
	down_write(&wr);
	expect_blocked(t, &wr, blocked_reader, up_write);
}

/* ---- writer_not_starved_by_readers ---- */

#define STREAM_HOLD_NS 20000
#define STREAM_ROUNDS 5

struct reader_stream {
	struct rw_semaphore s;
	unsigned long entries;	      /* read sections begun */
	unsigned long writer_entered; /* write sections begun (bumped first thing inside) */
	unsigned long queue_jumps;    /* readers let in past a queued writer */
	u64 deadline;		      /* the readers give up here: the writer starved */
	bool stop, gave_up;
};

/* White box: is a writer queued on r's semaphore, waiting (not holding it)? If so, *entered
 * is the count of write sections begun, which must grow before any later reader gets in.
 * Both are read under the semaphore's lock: a queued writer has not begun its section. */
static bool writer_queued(struct reader_stream *r, unsigned long *entered)
{
	struct rwsem_waiter *w;
	bool found = false;

	spin_lock(&r->s.lock);
	list_for_each_entry(w, &r->s.waiters, node) found |= w->writer;
	*entered = READ_ONCE(r->writer_entered);
	spin_unlock(&r->s.lock);
	return found;
}

/* Overlapping read sections back to back: without FIFO fairness there is always a reader in.
 * A reader that found a writer queued before it asked must not get in before that writer. */
static void stream_reader(void *arg)
{
	struct reader_stream *r = arg;

	while (!READ_ONCE(r->stop)) {
		unsigned long entered;
		bool queued = writer_queued(r, &entered);

		if (arch_clock_ns() > READ_ONCE(r->deadline)) {
			WRITE_ONCE(r->gave_up, true);
			break;
		}
		down_read(&r->s);
		if (queued && READ_ONCE(r->writer_entered) == entered)
			__atomic_add_fetch(&r->queue_jumps, 1, __ATOMIC_RELAXED);
		__atomic_add_fetch(&r->entries, 1, __ATOMIC_RELAXED);
		ndelay_spin(STREAM_HOLD_NS);
		up_read(&r->s);
	}
}

static void writer_not_starved_by_readers(struct ktest *t)
{
	static struct reader_stream r;
	struct task *th[2];
	unsigned long most = 0;
	unsigned rounds;

	if (ncpus < 3)
		KTEST_SKIP(t, "needs 3 CPUs");
	init_rwsem(&r.s);
	r.entries = r.writer_entered = r.queue_jumps = 0;
	r.stop = r.gave_up = false;
	r.deadline = arch_clock_ns() + 2 * NSEC_PER_SEC;
	th[0] = kthread_create(stream_reader, &r, "rw-stream");
	KTEST_ASSERT(t, th[0] != NULL);
	th[1] = kthread_create(stream_reader, &r, "rw-stream");
	if (!th[1]) { /* let the lone one run to its end, so it can be joined */
		r.stop = true;
		kthread_start(th[0]);
		kthread_join(th[0]);
		KTEST_ASSERT(t, th[1] != NULL);
	}
	for (unsigned i = 0; i < 2; i++) {
		kthread_bind(th[i], i + 1);
		kthread_start(th[i]);
	}
	for (rounds = 0; rounds < STREAM_ROUNDS && !READ_ONCE(r.gave_up); rounds++) {
		u64 wait_end = arch_clock_ns() + NSEC_PER_SEC;
		unsigned long before = READ_ONCE(r.entries);

		/* Let both readers get going, so the writer meets a full stream. */
		while (READ_ONCE(r.entries) - before < 4 && arch_clock_ns() < wait_end)
			sched_yield();
		WRITE_ONCE(r.deadline, arch_clock_ns() + 2 * NSEC_PER_SEC);
		before = READ_ONCE(r.entries);
		down_write(&r.s);
		WRITE_ONCE(r.writer_entered, r.writer_entered + 1);
		most = MAX(most, READ_ONCE(r.entries) - before);
		up_write(&r.s);
	}
	WRITE_ONCE(r.stop, true);
	for (unsigned i = 0; i < 2; i++)
		kthread_join(th[i]);
	if (!KTEST_EXPECT(t, !r.gave_up))
		ktest_log(t, "writer starved: readers kept it out for 2 s");
	KTEST_EXPECT_EQ(t, r.queue_jumps, 0);
	KTEST_EXPECT_EQ(t, rounds, STREAM_ROUNDS);
	ktest_log(t, "%u rounds, %lu read sections, at most %lu begun during one down_write",
		  rounds, r.entries, most);
}

/* ---- misuse_reported ---- */

static void up_write_it(void *s)
{
	up_write(s);
}

struct irq_attempt {
	struct rw_semaphore *s;
	bool in_irq, got_read, got_write, locked_after;
};

/* Runs in the IPI handler of another CPU: every rwsem call there is a bug. */
static void rwsem_calls_in_irq(void *arg)
{
	struct irq_attempt *a = arg;

	a->in_irq = in_interrupt() != 0;
	a->got_read = down_read_trylock(a->s);
	a->got_write = down_write_trylock(a->s);
	down_read(a->s);
	a->locked_after = rwsem_is_locked(a->s);
}

static void misuse_reported(struct ktest *t)
{
	static DEFINE_RWSEM(ms);
	struct irq_attempt a = { .s = &ms };
	unsigned long reports = rwsem_debug_reports;
	struct task *th;

	/* up_write by another task: reported, the writer keeps it. */
	th = kthread_create(up_write_it, &ms, "rw-stranger");
	KTEST_ASSERT(t, th != NULL);
	down_write(&ms);
	KTEST_EXPECT(t, lock_is_held(&ms.dep_map));
	kthread_start(th);
	kthread_join(th);
	KTEST_EXPECT_EQ(t, rwsem_debug_reports - reports, 1);
	KTEST_EXPECT(t, ms.writer == current);

	/* The writer taking it again, to write or to read: reported, not a deadlock. */
	down_write(&ms);
	down_read(&ms);
	KTEST_EXPECT_EQ(t, rwsem_debug_reports - reports, 3);
	KTEST_EXPECT(t, !down_read_trylock(&ms) && !down_write_trylock(&ms)); /* just fail */
	up_write(&ms);
	KTEST_EXPECT(t, !rwsem_is_locked(&ms));
	KTEST_EXPECT(t, !lock_is_held(&ms.dep_map));

	/* up_read with no reader. */
	up_read(&ms);
	KTEST_EXPECT_EQ(t, rwsem_debug_reports - reports, 4);
	KTEST_EXPECT_EQ(t, ms.readers, 0);

	/* Read holds are seen by lockdep as reads. */
	KTEST_EXPECT(t, down_read_trylock(&ms));
	KTEST_EXPECT(t, lock_is_held(&ms.dep_map));
	up_read(&ms);
	KTEST_EXPECT(t, !rwsem_is_locked(&ms));
	KTEST_EXPECT_EQ(t, rwsem_debug_reports - reports, 4);

	if (ncpus < 2) {
		ktest_log(t, "interrupt-context part needs 2 CPUs: not run");
		return;
	}
	KTEST_ASSERT_EQ(t, smp_call_function_single(1, rwsem_calls_in_irq, &a, true), 0);
	KTEST_EXPECT(t, a.in_irq);
	KTEST_EXPECT(t, !a.got_read && !a.got_write && !a.locked_after);
	KTEST_EXPECT_EQ(t, rwsem_debug_reports - reports, 7);
	KTEST_EXPECT(t, !rwsem_is_locked(&ms));
}

KTEST_SUITE(rwsem, 0, KTEST_CASE(readers_run_concurrently),
	    KTEST_CASE(writer_exclusive_counter_exact),
	    KTEST_CASE(writer_waits_for_reader_and_reader_for_writer),
	    KTEST_CASE(writer_not_starved_by_readers), KTEST_CASE(misuse_reported));
