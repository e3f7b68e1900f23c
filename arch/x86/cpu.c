/* Per-CPU set-up, idling, halting and leaving QEMU. */
#include <asm/boot.h>
#include <asm/lapic.h>
#include <asm/x86.h>
#include <mica/arch.h>
#include <mica/cpu.h>

const char arch_name[] = "x86";

/*
 * isa-debug-exit (QEMU_MACHINE in arch.mk): a write of v to its port makes QEMU exit with status
 * (v << 1) | 1. Mica writes its own status, so EXIT_SUCCESS 0 -> 1, EXIT_TEST_FAILED 1 -> 3,
 * EXIT_PANIC 3 -> 7. QEMU cannot exit 0 through it: 0 means the guest reset itself (a triple
 * fault under -no-reboot), i.e. a crash.
 */
#define X86_DEBUG_EXIT_PORT 0xf4

/* The IDT was loaded earlier (x86_boot_main, x86_secondary_main) so early faults panic; what
 * is left per CPU is its local APIC and what user mode needs (user.c, fpu.c). */
void arch_cpu_init(struct cpu *c)
{
	BUILD_BUG_ON(__builtin_offsetof(struct cpu, arch[0]) != X86_CPU_SELF_OFFSET);
	BUILD_BUG_ON(__builtin_offsetof(struct cpu, arch[1]) != X86_CPU_KSTACK_TOP_OFFSET);
	BUILD_BUG_ON(__builtin_offsetof(struct cpu, arch[2]) != X86_CPU_USER_RSP_OFFSET);
	x86_lapic_init_cpu();
	x86_user_init_cpu(c);
}

/* Called with interrupts masked, after the caller checked for work. sti delays interrupts by one
 * instruction (SDM Vol. 2B, STI), so none can be taken between it and hlt: an interrupt that
 * became pending while masked is taken right at the hlt and ends it, instead of being handled
 * before the hlt and leaving it to wait for the next one. The interrupt is handled (and may
 * switch tasks, irq_exit) before this returns, with interrupts enabled. */
void arch_wait_for_interrupt(void)
{
	__asm__ __volatile__("sti; hlt" : : : "memory");
}

void arch_halt(void)
{
	for (;;)
		__asm__ __volatile__("cli; hlt" : : : "memory"); /* an NMI may still wake us */
}

void arch_exit(int status)
{
	arch_irq_disable();
	x86_console_flush(); /* the last lines of a panic must reach the host */
	x86_outb(X86_DEBUG_EXIT_PORT, (u8)status);
	arch_halt(); /* no exit device on this machine: stop here */
}
