/* Suite boot: the device-tree reader on a made-up machine (tests/ktest/fdt_sample.dts). */
#include <mica/bootinfo.h>
#include <mica/errno.h>
#include <mica/ktest.h>
#include <mica/preempt.h>
#include <mica/string.h>

extern const char fdt_sample_dtb[];

static struct boot_info sample; /* large: keep it off the stack */

static void fdt_finds_memory_and_reservations(struct ktest *t)
{
	memset(&sample, 0, sizeof(sample));
	KTEST_ASSERT_EQ(t, fdt_parse(fdt_sample_dtb, &sample), 0);
	KTEST_ASSERT_EQ(t, sample.nmem, 2);
	KTEST_EXPECT_EQ(t, sample.mem[0].base, 0x80000000ULL);
	KTEST_EXPECT_EQ(t, sample.mem[0].size, 0x4000000ULL);
	KTEST_EXPECT_EQ(t, sample.mem[1].base, 0x100000000ULL); /* a 2-cell address */
	KTEST_EXPECT_EQ(t, sample.mem[1].size, 0x100000ULL);
	/* the blob itself, the header's /memreserve/, then /reserved-memory/fw@80000000 */
	KTEST_ASSERT_EQ(t, sample.nreserved, 3);
	KTEST_EXPECT_EQ(t, sample.reserved[0].base, (unsigned long)fdt_sample_dtb);
	KTEST_EXPECT_EQ(t, sample.reserved[1].base, 0x1000);
	KTEST_EXPECT_EQ(t, sample.reserved[1].size, 0x2000);
	KTEST_EXPECT_EQ(t, sample.reserved[2].base, 0x80000000ULL);
	KTEST_EXPECT_EQ(t, sample.reserved[2].size, 0x80000);
}

static void fdt_lists_boot_cpu_first(struct ktest *t)
{
	memset(&sample, 0, sizeof(sample));
	boot_add_cpu(&sample, 3); /* as a port does: the boot CPU first, by its own id */
	KTEST_ASSERT_EQ(t, fdt_parse(fdt_sample_dtb, &sample), 0);
	/* cpu@5 is disabled and cpu-map is not a CPU: 3 (boot), then 0 */
	KTEST_ASSERT_EQ(t, sample.ncpus, 2);
	KTEST_EXPECT_EQ(t, sample.cpu_hwid[0], 3);
	KTEST_EXPECT_EQ(t, sample.cpu_hwid[1], 0);
	KTEST_EXPECT_STREQ(t, sample.cmdline, "ktest=x mica=1");
}

static void fdt_rejects_garbage(struct ktest *t)
{
	static const u32 junk[16] = { 0x12345678 };

	memset(&sample, 0, sizeof(sample));
	KTEST_EXPECT_EQ(t, fdt_parse(junk, &sample), -EINVAL);
	KTEST_EXPECT_EQ(t, fdt_parse(NULL, &sample), -EINVAL);
	KTEST_EXPECT_EQ(t, sample.nmem + sample.ncpus + sample.nreserved, 0);
}

/* The boot path (caches created, CPUs started) never slept where it must not. Checked here
 * because a report on the console alone passes every other test. */
static void boot_made_no_sleeping_in_atomic_report(struct ktest *t)
{
	KTEST_EXPECT_EQ(t, might_sleep_reports_at_boot, 0);
}

KTEST_SUITE(boot, 0, KTEST_CASE(fdt_finds_memory_and_reservations),
	    KTEST_CASE(fdt_lists_boot_cpu_first), KTEST_CASE(fdt_rejects_garbage),
	    KTEST_CASE(boot_made_no_sleeping_in_atomic_report));
