/* Suite smp: every CPU came up, knows who it is, and takes IPIs. */
#include <mica/cmdline.h>
#include <mica/cpu.h>
#include <mica/ktest.h>
#include <mica/time.h>

static void all_firmware_cpus_online(struct ktest *t)
{
	/* The runner passes expect_cpus=<the -smp it gave QEMU>, so a CPU the firmware listed
	 * but we failed to find is caught too, not only one that did not start. */
	unsigned long want = cmdline_get_ulong("expect_cpus", 0);

	if (want)
		KTEST_EXPECT_EQ(t, ncpus, want);
	KTEST_EXPECT_EQ(t, num_online_cpus(), ncpus);
	KTEST_EXPECT(t, ncpus >= 1 && ncpus <= NR_CPUS);
}

static void cpu_ids_unique(struct ktest *t)
{
	KTEST_EXPECT_EQ(t, smp_processor_id(), 0); /* ktest runs on the boot CPU */
	for (unsigned i = 0; i < ncpus; i++) {
		/* Each CPU recorded what arch_this_cpu() told it once it was up. */
		KTEST_EXPECT_EQ(t, cpus[i].id_seen, i);
		for (unsigned j = i + 1; j < ncpus; j++)
			KTEST_EXPECT(t, cpus[i].hwid != cpus[j].hwid);
	}
}

static void ipi_reaches_every_cpu(struct ktest *t)
{
	unsigned long before[NR_CPUS];

	for (unsigned i = 0; i < ncpus; i++)
		before[i] = READ_ONCE(cpus[i].ipis);
	for (unsigned i = 1; i < ncpus; i++)
		arch_send_ipi(&cpus[i]);
	for (unsigned i = 1; i < ncpus; i++) {
		u64 deadline = arch_clock_ns() + NSEC_PER_SEC;

		while (READ_ONCE(cpus[i].ipis) == before[i] && arch_clock_ns() < deadline)
			arch_cpu_relax();
		if (!KTEST_EXPECT(t, READ_ONCE(cpus[i].ipis) > before[i]))
			ktest_log(t, "cpu%u took no IPI within 1 s", i);
	}
	KTEST_EXPECT_EQ(t, READ_ONCE(cpus[0].ipis), before[0]); /* nobody sent us one */
}

KTEST_SUITE(smp, 0, KTEST_CASE(all_firmware_cpus_online), KTEST_CASE(cpu_ids_unique),
	    KTEST_CASE(ipi_reaches_every_cpu));
