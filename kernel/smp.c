/* Per-CPU data, secondary CPU bring-up, IPIs for stopping CPUs, and the idle loop. */
#include <mica/arch.h>
#include <mica/atomic.h>
#include <mica/cpu.h>
#include <mica/panic.h>
#include <mica/printk.h>
#include <mica/sched.h>
#include <mica/smp_call.h>
#include <mica/time.h>

unsigned ncpus = 1; /* cpus[] itself is in kernel/sched/core.c, with the idle tasks */

static char boot_stacks[NR_CPUS][BOOT_STACK_SIZE] __aligned(16);
static atomic_t stop_requested = ATOMIC_INIT(0);
static atomic_t cpus_stopped = ATOMIC_INIT(0);

/* How long a secondary CPU may take to come up under emulation before we report it. */
#define CPU_UP_TIMEOUT_NS (2 * NSEC_PER_SEC)

unsigned num_online_cpus(void)
{
	unsigned n = 0;

	for (unsigned i = 0; i < ncpus; i++)
		n += READ_ONCE(cpus[i].online);
	return n;
}

static void cpu_mark_online(struct cpu *c)
{
	c->id_seen = smp_processor_id();
	smp_mb();
	WRITE_ONCE(c->online, true);
}

void smp_boot_secondaries(void)
{
	struct cpu *me = this_cpu();

	cpu_mark_online(me);
	for (unsigned i = 1; i < ncpus; i++) {
		struct cpu *c = &cpus[i];
		u64 deadline;
		int err;

		c->boot_stack_top = (unsigned long)&boot_stacks[i][BOOT_STACK_SIZE];
		err = arch_cpu_start(c);
		if (err) {
			pr_err("smp: cpu%u (hwid 0x%lx) did not start: error %d", i, c->hwid, err);
			continue;
		}
		/* One at a time: keeps the bring-up order, and the log, deterministic. */
		deadline = arch_clock_ns() + CPU_UP_TIMEOUT_NS;
		while (!READ_ONCE(c->online) && arch_clock_ns() < deadline)
			arch_cpu_relax();
		if (!READ_ONCE(c->online))
			pr_err("smp: cpu%u (hwid 0x%lx) did not come online", i, c->hwid);
	}
	pr_info("smp: %u of %u CPUs online", num_online_cpus(), ncpus);
}

void secondary_start_kernel(struct cpu *c)
{
	BUG_ON(this_cpu() != c);
	sched_init_secondary();
	arch_cpu_init(c);
	arch_timer_init();
	pr_info("cpu%u online (hwid 0x%lx)", c->id, c->hwid);
	cpu_mark_online(c);
	sched_idle_loop();
}

void smp_send_ipi(struct cpu *c, enum ipi_reason why)
{
	__atomic_fetch_or(&c->ipi_pending, 1UL << why, __ATOMIC_SEQ_CST);
	arch_send_ipi(c);
}

void smp_handle_ipi(void)
{
	struct cpu *c = this_cpu();
	unsigned long why = __atomic_exchange_n(&c->ipi_pending, 0, __ATOMIC_SEQ_CST);

	WRITE_ONCE(c->ipis, c->ipis + 1);
	if (atomic_read(&stop_requested)) {
		atomic_inc(&cpus_stopped);
		arch_halt();
	}
	if (why & (1UL << IPI_CALL))
		smp_call_run_queue();
	/* IPI_RESCHEDULE: need_resched is already set; irq_exit() acts on it. */
}

void smp_stop_others(void)
{
	unsigned others = num_online_cpus() - (this_cpu()->online ? 1 : 0);
	u64 deadline = arch_clock_ns() + 100 * NSEC_PER_MSEC;

	atomic_set(&stop_requested, 1);
	smp_mb();
	for (unsigned i = 0; i < ncpus; i++)
		if (&cpus[i] != this_cpu() && READ_ONCE(cpus[i].online))
			smp_send_ipi(&cpus[i], IPI_STOP);
	while ((unsigned)atomic_read(&cpus_stopped) < others && arch_clock_ns() < deadline)
		arch_cpu_relax();
}
