/*
 * The clock and the periodic tick. The clock is the `time` CSR (privileged spec v1.12 4.1.4:
 * a read-only shadow of the platform's mtime, the same on every hart); the tick is a
 * supervisor timer interrupt (scause = interrupt 5) that fires once `time` passes a deadline.
 * The deadline goes in stimecmp where the Sstc extension allows it (QEMU 7.2 with OpenSBI
 * 1.1 does), else through the SBI TIME extension (SBI spec v1.0 chapter 6), which costs an
 * ecall into M-mode per tick.
 */
#include <asm/riscv.h>
#include <asm/sbi.h>
#include <mica/arch.h>
#include <mica/cpu.h>
#include <mica/printk.h>
#include <mica/time.h>

/* QEMU virt's timebase-frequency (/cpus in the device tree): `time` counts at 10 MHz. */
#define RISCV_TIMEBASE_HZ 10000000UL
#define TICK_CYCLES (RISCV_TIMEBASE_HZ / HZ)

/* Whether the harts have Sstc; probed on the boot hart (QEMU's harts are all alike). */
static bool riscv_has_sstc;

static u64 riscv_time(void)
{
	return csr_read(time);
}

u64 arch_clock_ns(void)
{
	return riscv_time() * (NSEC_PER_SEC / RISCV_TIMEBASE_HZ);
}

/* Raises this hart's timer interrupt once `time` reaches deadline; clears one now pending. */
static void timer_set_deadline(u64 deadline)
{
	if (riscv_has_sstc)
		csr_write(CSR_STIMECMP, deadline);
	else
		riscv_sbi_call(SBI_EXT_TIME, SBI_TIME_SET_TIMER, deadline, 0, 0, 0);
}

void arch_timer_init(void)
{
	if (this_cpu()->id == 0) {
		riscv_has_sstc = riscv_sstc_probe() == 0;
		pr_info("timer: %u Hz tick from a %lu Hz timebase, deadlines via %s", HZ,
			RISCV_TIMEBASE_HZ, riscv_has_sstc ? "Sstc stimecmp" : "SBI set_timer");
	}
	timer_set_deadline(riscv_time() + TICK_CYCLES);
	csr_set(sie, SIE_STIE);
}

/*
 * The next deadline counts from now, not from the last one: after a stall (a busy host) the
 * ticks resume at HZ instead of catching up in a burst, so they never come faster than HZ.
 */
void riscv_timer_interrupt(void)
{
	timer_set_deadline(riscv_time() + TICK_CYCLES);
	tick_handle();
}
