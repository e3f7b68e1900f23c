/* Periodic tick bookkeeping. The port programs the timer; this counts. */
#include <mica/arch.h>
#include <mica/cpu.h>
#include <mica/sched.h>
#include <mica/time.h>

volatile unsigned long jiffies;

void tick_handle(void)
{
	struct cpu *c = this_cpu();

	WRITE_ONCE(c->ticks, c->ticks + 1);
	if (c->id == 0)
		jiffies++;
	sched_tick();
}

void ndelay_spin(u64 ns)
{
	u64 end = arch_clock_ns() + ns;

	while (arch_clock_ns() < end)
		arch_cpu_relax();
}
