/* Suite tick: the clock is monotonic and the periodic tick runs on every CPU at HZ. */
#include <mica/arch.h>
#include <mica/cpu.h>
#include <mica/ktest.h>
#include <mica/time.h>

static void clock_is_monotonic(struct ktest *t)
{
	u64 prev = arch_clock_ns(), now;
	bool ok = true;

	for (int i = 0; i < 10000; i++) {
		now = arch_clock_ns();
		ok &= now >= prev;
		prev = now;
	}
	KTEST_EXPECT(t, ok);
	ndelay_spin(2 * NSEC_PER_MSEC);
	KTEST_EXPECT(t, arch_clock_ns() - prev >= 2 * NSEC_PER_MSEC);
}

static void ticks_advance_on_every_cpu(struct ktest *t)
{
	const unsigned want = 10;
	unsigned long before[NR_CPUS];
	u64 t0, elapsed, deadline;
	unsigned long j0;

	for (unsigned i = 0; i < ncpus; i++)
		before[i] = READ_ONCE(cpus[i].ticks);
	j0 = jiffies;
	t0 = arch_clock_ns();
	deadline = t0 + 5 * NSEC_PER_SEC;
	/* Wait, halted, for `want` ticks on this CPU (another CPU's IPI may wake us early). */
	while (jiffies - j0 < want && arch_clock_ns() < deadline) {
		arch_irq_disable(); /* its contract: called masked, returns unmasked */
		arch_wait_for_interrupt();
	}
	elapsed = arch_clock_ns() - t0;
	KTEST_ASSERT(t, jiffies - j0 >= want);

	/* Ticks cannot come faster than HZ: `want` of them span at least want-1 periods. */
	KTEST_EXPECT(t, elapsed >= (want - 1) * (NSEC_PER_SEC / HZ));
	for (unsigned i = 1; i < ncpus; i++) {
		unsigned long got = READ_ONCE(cpus[i].ticks) - before[i];

		/* A loaded 2-core host may starve an emulated CPU for a while; half is plenty. */
		if (!KTEST_EXPECT(t, got >= want / 2))
			ktest_log(t, "cpu%u took %lu ticks while cpu0 took %u", i, got, want);
	}
	ktest_log(t, "%u ticks in %lu us", want, (unsigned long)(elapsed / 1000));
}

KTEST_SUITE(tick, 0, KTEST_CASE(clock_is_monotonic), KTEST_CASE(ticks_advance_on_every_cpu));
