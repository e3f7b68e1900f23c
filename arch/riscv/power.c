/*
 * Idling, halting and leaving QEMU. Exit goes through QEMU virt's sifive_test device at
 * 0x100000 (QEMU hw/misc/sifive_test.c): writing 0x5555 makes QEMU exit with status 0,
 * writing (code << 16) | 0x3333 makes it exit with `code`. So Mica's exit status becomes
 * QEMU's unchanged: EXIT_SUCCESS 0, EXIT_TEST_FAILED 1, EXIT_PANIC 3. (SBI SRST would be the
 * portable way, but OpenSBI's QEMU reset driver exits 0 whatever the reason.)
 */
#include <asm/riscv.h>
#include <mica/arch.h>

#define SIFIVE_TEST_BASE 0x100000UL
#define SIFIVE_TEST_PASS 0x5555
#define SIFIVE_TEST_FAIL 0x3333

const char arch_name[] = "riscv";

/*
 * Entered with sstatus.SIE clear. wfi (privileged spec v1.12 3.3.3) wakes on any interrupt
 * pending in sip and enabled in sie, even with sstatus.SIE clear, and does not sleep at all if
 * one is pending already; enabling SIE afterwards takes it. So an interrupt that became
 * pending before the call (a wake-up IPI sent after the idle loop looked for work) is taken,
 * not lost. 3.3.3 also lets wfi return for no reason, hence the loop on sip & sie: we return
 * only once an interrupt was taken. Nothing else clears a pending bit of this hart behind our
 * back (SSIP and the timer are cleared only by this hart's handlers).
 *
 * A caller with interrupts on (the contract before the scheduler) gets the same: the wait
 * for the next interrupt. Masking first keeps the loop's test and the wfi from racing with
 * the handler, which would clear the bit and leave us asleep past the interrupt.
 */
void arch_wait_for_interrupt(void)
{
	arch_irq_disable();
	while (!(csr_read(sip) & csr_read(sie)))
		__asm__ __volatile__("wfi" ::: "memory");
	arch_irq_enable();
}

void arch_halt(void)
{
	arch_irq_disable();
	csr_write(sie, 0); /* nothing may wake wfi again: a pending tick would make it spin */
	for (;;)
		__asm__ __volatile__("wfi");
}

void arch_exit(int status)
{
	volatile u32 *test = (volatile u32 *)SIFIVE_TEST_BASE;

	arch_irq_disable();
	riscv_console_flush(); /* the last lines of a panic must reach the host */
	*test = status == 0 ? SIFIVE_TEST_PASS : (u32)status << 16 | SIFIVE_TEST_FAIL;
	arch_halt(); /* not reached while the device is there */
}
