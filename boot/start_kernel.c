/*
 * start_kernel(): the arch-neutral bring-up order. A port's hand-off (arch/<arch>/) arrives
 * here on the boot CPU with the MMU on, a stack, interrupts masked, this_cpu() == &cpus[0],
 * and a boot_info describing RAM, CPUs and the command line.
 */
#include <mica/arch.h>
#include <mica/bootinfo.h>
#include <mica/cmdline.h>
#include <mica/cpu.h>
#include <mica/errno.h>
#include <mica/ktest.h>
#include <mica/mm.h>
#include <mica/mm_types.h>
#include <mica/panic.h>
#include <mica/preempt.h>
#include <mica/printk.h>
#include <mica/proc.h>
#include <mica/rcu.h>
#include <mica/sched.h>
#include <mica/string.h>

static void report_memory(const struct boot_info *bi)
{
	u64 total = 0;

	for (unsigned i = 0; i < bi->nmem; i++) {
		const struct mem_region *m = &bi->mem[i];

		pr_info("mem: [0x%010llx-0x%010llx) %llu MiB", (unsigned long long)m->base,
			(unsigned long long)(m->base + m->size),
			(unsigned long long)(m->size >> 20));
		total += m->size;
	}
	for (unsigned i = 0; i < bi->nreserved; i++)
		pr_info("mem: reserved [0x%010llx-0x%010llx)",
			(unsigned long long)bi->reserved[i].base,
			(unsigned long long)(bi->reserved[i].base + bi->reserved[i].size));
	pr_info("mem: %llu MiB RAM, kernel image [0x%llx-0x%llx)",
		(unsigned long long)(total >> 20), (unsigned long long)bi->kernel_start,
		(unsigned long long)bi->kernel_end);
	if (!bi->nmem)
		panic("start_kernel: firmware reported no RAM");
}

static void setup_cpus(const struct boot_info *bi)
{
	ncpus = bi->ncpus ? bi->ncpus : 1;
	for (unsigned i = 0; i < ncpus; i++) {
		cpus[i].id = i;
		cpus[i].hwid = bi->cpu_hwid[i];
	}
}

static char ktest_filter[128];

/* The ktest thread, pinned to CPU 0: runs the tests, then leaves QEMU with their verdict. */
static void run_ktests(void *unused)
{
	int failed = ktest_main(ktest_filter);

	arch_exit(failed == 0 ? EXIT_SUCCESS : EXIT_TEST_FAILED);
}

static char init_path[64];

/* The kernel side of user space: runs init (init=PATH, default /init) until every process
 * has exited, then leaves QEMU with init's verdict: exit status 0 is success. */
static void run_init(void *unused)
{
	char *argv[] = { init_path, NULL };
	int status = run_init_process(init_path, argv);

	if (status < 0)
		pr_err("init: %s could not start: error %d", init_path, status);
	arch_exit(status == 0 ? EXIT_SUCCESS : EXIT_TEST_FAILED);
}

/* Starts the tests the command line asks for or, without ktest=, user space. */
static void start_ktests(void)
{
	int n = cmdline_get("ktest", ktest_filter, sizeof(ktest_filter));
	struct task *t;

	if (n == -ENOENT) {
		if (cmdline_get("init", init_path, sizeof(init_path)) < 0)
			strscpy(init_path, "/init", sizeof(init_path));
		t = kthread_create(run_init, NULL, "kinit");
		if (!t)
			panic("start_kernel: no task for init");
		kthread_start(t);
		return;
	}
	if (n < 0) {
		pr_err("ktest: the ktest= value is longer than %zu bytes",
		       sizeof(ktest_filter) - 1);
		arch_exit(EXIT_TEST_FAILED);
	}
	t = kthread_create(run_ktests, NULL, "ktest");
	if (!t)
		panic("start_kernel: no task for ktest");
	kthread_bind(t, 0);
	kthread_start(t);
}

void start_kernel(struct boot_info *bi)
{
	struct cpu *c = this_cpu();

	cmdline_init(bi->cmdline);
	console_loglevel = (int)cmdline_get_ulong("loglevel", console_loglevel);
	pr_info("Mica teaching kernel, %s port, booting on cpu0 (hwid 0x%lx)", arch_name,
		bi->cpu_hwid[0]);
	pr_info("cmdline: %s", cmdline_raw());
	report_memory(bi);
	setup_cpus(bi);
	sched_init();
	rcu_init();
	mm_init(bi);
	kthread_init();
	vma_init();
	pgtable_init();
	proc_init();

	arch_cpu_init(c);
	arch_timer_init();
	WRITE_ONCE(early_boot, false);
	arch_irq_enable();
	smp_boot_secondaries();

	might_sleep_reports_at_boot = might_sleep_reports;
	start_ktests();
	pr_info("the boot task becomes cpu0's idle task (quit QEMU: Ctrl-A X)");
	sched_idle_loop();
}
