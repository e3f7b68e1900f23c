/*
 * Task switching: arch_switch_to() and the first-switch trampoline (contract in
 * include/mica/arch.h; the context's layout is struct arch_context in asm/arch.h, prepared for
 * a new task by arch_context_init() in task.c).
 *
 * arch_switch_to() is called like any function, so the compiler already treats every
 * caller-saved register as clobbered: only rbx, rbp, r12-r15 and rsp need keeping (psABI 3.2.1),
 * plus where to resume. Resuming a context is a return from *its* arch_switch_to() call: rsp is
 * saved as it will be after that return (just above the return address) and rip is the return
 * address, so `mov ctx->rsp, %rsp; jmp *ctx->rip` is the `ret`. A fresh context (task.c) has
 * rsp = the top of its stack and rip = x86_task_trampoline, which finds entry in r12 and arg in
 * r13.
 *
 * A user thread's x87/SSE registers (fpu_user set) are saved with FXSAVE64 and loaded with
 * FXRSTOR64 (fpu.c says why here and only here); a kernel thread's are left alone.
 *
 * Nothing per CPU is switched: the per-CPU pointer is the GS base (an MSR), which stays with the
 * CPU, and so does TSS.RSP0, which the scheduler sets before the call (arch_set_kernel_stack).
 * Interrupts are off throughout (the caller's job), and RFLAGS is not switched.
 *
 * For gdb, the CFI below is exact except while next's callee-saved registers are being loaded
 * (marked undefined there): `bt` at `break arch_switch_to` shows prev's callers, and a `stepi`
 * onto the final jmp shows next's.
 */
#include <asm/arch.h>

	.cfi_sections .debug_frame

	.text

/* void arch_switch_to(struct arch_context *prev (rdi), struct arch_context *next (rsi)) */
	.globl arch_switch_to
	.type arch_switch_to, @function
arch_switch_to:
	.cfi_startproc			/* CFA = rsp + 8, return address at CFA - 8 */
	cmpq $0, X86_CTX_FPU_USER(%rdi)
	je 1f
	fxsave64 X86_CTX_FPU(%rdi)	/* prev's user x87/SSE state */
1:	mov (%rsp), %rax		/* prev resumes at our return address ... */
	lea 8(%rsp), %rcx		/* ... with the stack as that return leaves it */
	mov %rbx, X86_CTX_RBX(%rdi)
	mov %rbp, X86_CTX_RBP(%rdi)
	mov %r12, X86_CTX_R12(%rdi)
	mov %r13, X86_CTX_R13(%rdi)
	mov %r14, X86_CTX_R14(%rdi)
	mov %r15, X86_CTX_R15(%rdi)
	mov %rcx, X86_CTX_RSP(%rdi)
	mov %rax, X86_CTX_RIP(%rdi)

	cmpq $0, X86_CTX_FPU_USER(%rsi)
	je 2f
	fxrstor64 X86_CTX_FPU(%rsi)	/* next's */
2:
	/* prev's values now live only in *prev: not where the CFI could say. */
	mov X86_CTX_RIP(%rsi), %rax
	mov X86_CTX_RBX(%rsi), %rbx
	.cfi_undefined rbx
	mov X86_CTX_RBP(%rsi), %rbp
	.cfi_undefined rbp
	mov X86_CTX_R12(%rsi), %r12
	.cfi_undefined r12
	mov X86_CTX_R13(%rsi), %r13
	.cfi_undefined r13
	mov X86_CTX_R14(%rsi), %r14
	.cfi_undefined r14
	mov X86_CTX_R15(%rsi), %r15
	.cfi_undefined r15
	mov X86_CTX_RSP(%rsi), %rsp
	/* Now on next's stack, as its arch_switch_to() call is about to return to %rax. */
	.cfi_def_cfa rsp, 0
	.cfi_register rip, rax
	.cfi_same_value rbx
	.cfi_same_value rbp
	.cfi_same_value r12
	.cfi_same_value r13
	.cfi_same_value r14
	.cfi_same_value r15
	jmp *%rax
	.cfi_endproc
	.size arch_switch_to, . - arch_switch_to

/*
 * A new task's first code, reached by arch_switch_to() with rsp = the top of the task's stack
 * (16-byte aligned, as a call wants it, psABI 3.2.2), r12 = entry, r13 = arg, rbp = 0: rbp = 0
 * ends Mica's frame-pointer walk and the undefined return address ends gdb's, as in head.S.
 * Interrupts are still off; entry enables them when it is ready. entry must not return: if it
 * does, x86_task_returned() (task.c) panics, naming it (r12 is callee-saved, so still entry).
 */
	.globl x86_task_trampoline
	.type x86_task_trampoline, @function
	.cfi_startproc
	.cfi_undefined rip
	/* Never run. At arch_switch_to's final jmp, gdb sees x86_task_trampoline as a return
	 * address and looks it up at pc - 1, as it does for every caller: this byte keeps that
	 * inside this FDE, so `bt` stops cleanly there. */
	nop
x86_task_trampoline:
	mov %r13, %rdi
	call *%r12
	mov %r12, %rdi
	call x86_task_returned
	ud2				/* x86_task_returned never returns */
	.cfi_endproc
	.size x86_task_trampoline, . - x86_task_trampoline
