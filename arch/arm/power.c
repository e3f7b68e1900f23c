/*
 * Idling, halting and leaving QEMU. The exit status goes out through Arm semihosting
 * (Arm "Semihosting for AArch32 and AArch64", SYS_EXIT_EXTENDED): QEMU started with
 * -semihosting-config enable=on catches `svc 0x123456` in ARM state and exits with our code.
 */
#include <mica/arch.h>

#include "arm.h"

#define SEMIHOSTING_SYS_EXIT_EXTENDED 0x20
#define ADP_STOPPED_APPLICATION_EXIT 0x20026

volatile bool arm_exit_requested;

/*
 * Called with IRQs masked, after the caller (the idle loop) found nothing to do. wfi wakes on a
 * pending IRQ even while CPSR.I masks it (ARM ARM B1.8, "Wait For Interrupt"), so one that
 * became pending after the caller's check ends the wfi at once instead of being lost; cpsie
 * then unmasks it and the isb, a context synchronization event, has it taken before we return.
 * The cpsid only matters for a caller with IRQs on (the tick suite's wait loop), which gets
 * the same: a wait for the next interrupt; with them off it changes nothing.
 */
void arch_wait_for_interrupt(void)
{
	__asm__ __volatile__("cpsid i\n\tdsb\n\twfi\n\tcpsie i\n\tisb" : : : "memory", "cc");
}

void arch_halt(void)
{
	arch_irq_disable();
	for (;;)
		__asm__ __volatile__("wfi" : : : "memory");
}

/*
 * Mica's status becomes QEMU's exit code unchanged: EXIT_SUCCESS 0, EXIT_TEST_FAILED 1,
 * EXIT_PANIC 3. IRQs stay masked: if the svc did trap (no semihosting), it overwrites
 * lr_svc and spsr_svc, and an interrupt in between must not depend on them.
 */
void arch_exit(int status)
{
	u32 block[2] = { ADP_STOPPED_APPLICATION_EXIT, (u32)status };
	register unsigned long r0 __asm__("r0") = SEMIHOSTING_SYS_EXIT_EXTENDED;
	register unsigned long r1 __asm__("r1") = (unsigned long)block;

	arch_irq_disable();
	arm_exit_requested = true;
	__asm__ __volatile__("svc 0x123456" : "+r"(r0) : "r"(r1) : "memory", "lr");
	arch_halt();
}
