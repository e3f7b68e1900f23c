/*
 * The generic timer (ARM ARM B8): one system-wide count, CNTVCT, running at CNTFRQ Hz (62.5 MHz
 * under QEMU), and a per-CPU virtual timer that raises PPI 27 when it reaches its compare value.
 * The virtual timer needs no Hyp set-up: with no EL2 the virtual offset is zero.
 */
#include <asm/cp15.h>
#include <asm/virt.h>
#include <mica/arch.h>
#include <mica/panic.h>
#include <mica/time.h>

#include "arm.h"

#define CNTV_CTL_ENABLE (1 << 0) /* IMASK (bit 1) clear: the interrupt is not masked */

/* Fires one period after now, whenever this handler ran: ticks never come faster than HZ. */
static void timer_arm_next(void)
{
	arm_write_cntv_tval(arm_read_cntfrq() / HZ);
}

void arch_timer_init(void)
{
	if (!arm_read_cntfrq())
		panic(
		    "arch_timer_init: CNTFRQ is 0 (the firmware did not set the timer frequency)");
	timer_arm_next();
	arm_write_cntv_ctl(CNTV_CTL_ENABLE);
	arm_gic_enable_ppi(VIRT_IRQ_VTIMER);
}

void arm_timer_irq(void)
{
	/* Moving the compare value into the future also drops the (level) interrupt. */
	timer_arm_next();
	tick_handle();
}

u64 arch_clock_ns(void)
{
	u64 count = arm_read_cntvct(), hz = arm_read_cntfrq();

	/* Whole seconds, then the rest: count * 10^9 would overflow after 5 minutes. */
	return count / hz * NSEC_PER_SEC + count % hz * NSEC_PER_SEC / hz;
}
