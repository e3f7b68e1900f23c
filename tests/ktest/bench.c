/*
 * Suite bench (manual: `make bench`): figures, not verdicts. Each case prints
 * "# <case>: bench: <figure>" lines; a case fails only if its measurement is absurd (zero
 * iterations done, or a clock that did not move). Emulated CPUs: compare ports and changes on
 * one machine, never against hardware.
 */
#include <mica/arch.h>
#include <mica/ktest.h>
#include <mica/mutex.h>
#include <mica/rcu.h>
#include <mica/sched.h>
#include <mica/smp_call.h>
#include <mica/time.h>
#include <mica/wait.h>

#define ROUNDS 2000

struct pingpong {
	struct completion a, b;
	unsigned rounds;
};

static void pong_side(void *arg)
{
	struct pingpong *p = arg;

	for (unsigned i = 0; i < p->rounds; i++) {
		wait_for_completion(&p->a);
		complete(&p->b);
	}
}

/* Round trip of two threads handing a token back and forth: two wake-ups and two switches. */
static u64 pingpong_ns(int ping_cpu, int pong_cpu)
{
	static struct pingpong p;
	struct task *th;
	u64 t0;

	init_completion(&p.a);
	init_completion(&p.b);
	p.rounds = ROUNDS;
	th = kthread_create(pong_side, &p, "pong");
	if (!th)
		return 0;
	kthread_bind(th, pong_cpu);
	kthread_start(th);
	sched_pin_current(ping_cpu);
	t0 = arch_clock_ns();
	for (unsigned i = 0; i < ROUNDS; i++) {
		complete(&p.a);
		wait_for_completion(&p.b);
	}
	t0 = arch_clock_ns() - t0;
	sched_pin_current(0);
	kthread_join(th);
	return t0 / ROUNDS;
}

static void context_switch_round_trip(struct ktest *t)
{
	int cpu = ncpus > 1 ? 1 : 0;
	u64 same = pingpong_ns(cpu, cpu);

	KTEST_EXPECT(t, same > 0);
	ktest_log(t, "bench: context switch round trip, one CPU: %llu ns", (unsigned long long)same);
	if (ncpus > 2) {
		u64 cross = pingpong_ns(1, 2);

		KTEST_EXPECT(t, cross > 0);
		ktest_log(t, "bench: wake-up round trip across CPUs: %llu ns",
			  (unsigned long long)cross);
	}
}

static void nothing(void *arg)
{
}

static void ipi_round_trip(struct ktest *t)
{
	u64 t0;

	if (ncpus < 2)
		KTEST_SKIP(t, "needs 2 CPUs");
	t0 = arch_clock_ns();
	for (unsigned i = 0; i < ROUNDS; i++)
		smp_call_function_single(1, nothing, NULL, true);
	t0 = (arch_clock_ns() - t0) / ROUNDS;
	KTEST_EXPECT(t, t0 > 0);
	ktest_log(t, "bench: IPI round trip (synchronous cross-CPU call): %llu ns",
		  (unsigned long long)t0);
}

static DEFINE_MUTEX(bench_mutex);
static volatile bool contend_stop;
static unsigned long contend_count;

static void mutex_hammer(void *arg)
{
	while (!READ_ONCE(contend_stop)) {
		mutex_lock(&bench_mutex);
		contend_count++;
		mutex_unlock(&bench_mutex);
	}
}

static void mutex_lock_unlock(struct ktest *t)
{
	const unsigned n = 100000;
	struct task *th;
	u64 t0;

	t0 = arch_clock_ns();
	for (unsigned i = 0; i < n; i++) {
		mutex_lock(&bench_mutex);
		mutex_unlock(&bench_mutex);
	}
	t0 = (arch_clock_ns() - t0) / n;
	KTEST_EXPECT(t, t0 > 0);
	ktest_log(t, "bench: mutex lock+unlock, uncontended: %llu ns", (unsigned long long)t0);

	if (ncpus < 2)
		KTEST_SKIP(t, "contended case needs 2 CPUs");
	contend_stop = false;
	contend_count = 0;
	th = kthread_create(mutex_hammer, NULL, "hammer");
	KTEST_ASSERT(t, th != NULL);
	kthread_bind(th, 1);
	kthread_start(th);
	t0 = arch_clock_ns();
	for (unsigned i = 0; i < n / 10; i++) {
		mutex_lock(&bench_mutex);
		contend_count++;
		mutex_unlock(&bench_mutex);
	}
	t0 = (arch_clock_ns() - t0) / (n / 10);
	WRITE_ONCE(contend_stop, true);
	kthread_join(th);
	KTEST_EXPECT(t, t0 > 0);
	ktest_log(t, "bench: mutex lock+unlock, contended by a thread on another CPU: %llu ns",
		  (unsigned long long)t0);
}

static void synchronize_rcu_latency(struct ktest *t)
{
	const unsigned n = 20;
	u64 t0 = arch_clock_ns();

	for (unsigned i = 0; i < n; i++)
		synchronize_rcu();
	t0 = (arch_clock_ns() - t0) / n;
	KTEST_EXPECT(t, t0 > 0);
	ktest_log(t, "bench: synchronize_rcu(): %llu us (tick %u Hz)",
		  (unsigned long long)(t0 / 1000), HZ);
}

KTEST_SUITE(bench, KTEST_MANUAL, KTEST_CASE(context_switch_round_trip), KTEST_CASE(ipi_round_trip),
	    KTEST_CASE(mutex_lock_unlock), KTEST_CASE(synchronize_rcu_latency));
