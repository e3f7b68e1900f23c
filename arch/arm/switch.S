/*
 * Switching tasks: arch_switch_to() and the trampoline a new task starts in.
 *
 * A task that is not running is a struct arch_context (asm/arch.h): r4-r11, sp and lr, the
 * registers AAPCS makes callee-saved plus where to go on. Everything else the task had is
 * either dead at a call (r0-r3, r12, the flags) or, if it was preempted, in the trap frame
 * on its own SVC stack (entry.S). The CPU's own state stays: TPIDRPRW (arch_this_cpu), VBAR,
 * the GIC interface, and CPSR, which is SVC mode with IRQs masked on both sides.
 */
#include <asm/arch.h>

	.syntax unified
	.cfi_sections .debug_frame
	.arm

	.text

/*
 * void arch_switch_to(struct arch_context *prev, struct arch_context *next)
 * Saves the caller's r4-r11, sp and return address in *prev, loads *next's and returns into
 * next: from its own call to arch_switch_to(), or the first time into arm_task_trampoline.
 * sp goes by ldr/str: the ARM ARM deprecates sp in an stm/ldm register list (A8.8, LDM, STM).
 */
	.global arch_switch_to
	.type arch_switch_to, %function
arch_switch_to:
	.cfi_startproc
	stmia	r0, {r4-r11}
	str	sp, [r0, #CTX_SP]
	str	lr, [r0, #CTX_LR]
	/* An exclusive access the old task left open must not let the new one's first strex
	 * succeed (ARM ARM A3.4.4, "Context switch support"). The trap exit does the same. */
	clrex
	ldmia	r1, {r4-r11}
	ldr	sp, [r1, #CTX_SP]
	ldr	lr, [r1, #CTX_LR]
	bx	lr
	.cfi_endproc
	.size arch_switch_to, . - arch_switch_to

/*
 * A new task's first instructions: arch_context_init() left entry in r4, arg in r5, fp = 0
 * and sp = the top of the task's stack. Calls entry(arg), which must never return; if it
 * does, arm_task_entry_returned(entry) panics. The frame chain ends here: fp = 0 for Mica's
 * unwinder, lr undefined in the CFI so gdb's `bt` stops here too (like _start).
 */
	.global arm_task_trampoline
	.type arm_task_trampoline, %function
arm_task_trampoline:
	.cfi_startproc
	.cfi_undefined lr
	mov	fp, #0
	mov	r0, r5
	blx	r4
	mov	r0, r4				@ r4 is callee-saved: still entry
	bl	arm_task_entry_returned
	b	.
	.cfi_endproc
	.size arm_task_trampoline, . - arm_task_trampoline
