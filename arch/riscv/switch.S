/*
 * The context switch and the first-switch trampoline (contracts in <mica/arch.h>).
 *
 * arch_switch_to() is an ordinary call as far as the compiler is concerned, so it saves only
 * what the psABI says a call preserves: s0-s11 and sp, plus ra, the address it returns to
 * (psABI "Integer register convention"). It does not touch sstatus (interrupts stay as the
 * caller left them: disabled), and it does not touch tp or sscratch: both hold this CPU's
 * struct cpu, which belongs to the CPU, so a task that resumes on another CPU finds the new
 * CPU there.
 */
#include <asm/arch.h>

/* s0..s11 */
#define S0_TO_S11 0,1,2,3,4,5,6,7,8,9,10,11

	.cfi_sections .debug_frame

	.text
/*
 * void arch_switch_to(struct arch_context *prev (a0), struct arch_context *next (a1))
 * Everything of prev is stored before anything of next is loaded, so prev == next works
 * (it returns at once).
 */
	.globl arch_switch_to
	.type arch_switch_to, @function
	.align 2
arch_switch_to:
	.cfi_startproc
	sd	ra, CTX_RA(a0)
	sd	sp, CTX_SP(a0)
	.irp n, S0_TO_S11
	sd	s\n, CTX_S(\n)(a0)
	.endr
	/* From here on the registers are next's: gdb's `bt` shows next's caller once ra and
	 * sp are loaded (CFA = sp, return address in ra: a leaf, no CFI needed). */
	ld	ra, CTX_RA(a1)
	ld	sp, CTX_SP(a1)
	.irp n, S0_TO_S11
	ld	s\n, CTX_S(\n)(a1)
	.endr
	ret
	.cfi_endproc
	.size arch_switch_to, . - arch_switch_to

/*
 * Where a context made by arch_context_init() starts: its ra points here, s1 holds entry, s2
 * arg, s0 = 0 and sp = the top of its stack. Calls entry(arg); entry must not return, and if
 * it does, riscv_task_entry_returned(entry) panics. Like the entry stubs of head.S this ends
 * the frame chain: fp = 0 for Mica's unwinder (entry saves it as its caller's fp), and ra
 * undefined for gdb, so `bt` stops here.
 */
	.globl riscv_task_trampoline
	.type riscv_task_trampoline, @function
	.align 2
riscv_task_trampoline:
	.cfi_startproc
	.cfi_undefined ra
	mv	a0, s2
	jalr	s1			/* entry(arg) */
	mv	a0, s1			/* s1 is callee-saved: still entry */
	call	riscv_task_entry_returned	/* (entry); never returns */
	.cfi_endproc
	.size riscv_task_trampoline, . - riscv_task_trampoline
