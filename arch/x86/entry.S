/*
 * Trap entry: one stub per IDT vector, then x86_trap_common, which saves a struct trap_frame
 * (asm/arch.h) and calls x86_trap(tf) in trap.c; and x86_syscall_entry, where SYSCALL lands,
 * which builds the same frame by hand and joins x86_trap_common. One exit, x86_trap_return,
 * ends with IRETQ for every trap, system calls included.
 *
 * Every gate is an interrupt gate (IF cleared on entry). In 64-bit mode the CPU aligns %rsp to
 * 16 and pushes ss, rsp, rflags, cs, rip, plus an error code for vectors 8, 10-14, 17, 21, 29,
 * 30 (SDM 3A 6.14.2, 6.15, table 6-1). Stubs of the other vectors push a 0 in its place, so the
 * frame has one shape. From ring 0 that happens on the current (kernel) stack; from ring 3 the
 * CPU first switches to the stack TSS.RSP0 names (SDM 3A 6.12.1), the top of the current user
 * thread's kernel stack (arch_set_kernel_stack, user.c): the frame, 26 words, then ends
 * exactly there, task_user_frame() of <mica/proc.h>.
 *
 * GS: in the kernel, the GS base is this CPU's struct cpu (arch_this_cpu). Every entry from
 * ring 3 (the saved CS has RPL 3) begins with SWAPGS, which swaps it in from
 * IA32_KERNEL_GS_BASE, and every return to ring 3 ends with SWAPGS, which puts the user's back
 * (SDM Vol. 2B SWAPGS). Entries from ring 0 leave GS alone. In the two places where ring 0
 * runs with the user's GS base (the SYSCALL entry's first SWAPGS; the IRETQ after the exit's
 * SWAPGS) IF is clear, and the IRETQ cannot fault: the frame's CS and SS are the GDT's user
 * selectors (ring 3 can load no others) and its rip was checked canonical (user.c,
 * x86_check_user_rip). An NMI there would find the wrong GS, but Mica sends none (a real
 * kernel gives NMI, #MC and #DB IST stacks for this).
 *
 * Unwinding: the trap frame starts with a frame record {interrupted rbp, interrupted rip} and
 * x86_trap_common points %rbp at it, so Mica's frame-pointer backtrace runs on from the handler
 * into the interrupted code. For gdb, the CFI below says where the interrupted rip, rsp and every
 * register were saved (a "signal frame"), so `bt` inside a handler shows the interrupted code.
 */
#include <asm/arch.h>

	.cfi_sections .debug_frame

/* Vectors whose exceptions push an error code (SDM 3A table 6-1). */
#define X86_HAS_ERROR_CODE(v) \
	((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || (v) == 21 || (v) == 29 || (v) == 30)

/* CFI at the first instruction of a stub: the CPU's frame, plus `extra` words below it. */
.macro X86_CFI_HW_FRAME extra
	.cfi_signal_frame
	.cfi_def_cfa rsp, (5 + \extra) * 8
	.cfi_offset rip, -5 * 8
	.cfi_offset rsp, -2 * 8
.endm

.macro X86_TRAP_STUB vec
	.p2align 4
x86_trap_stub_\vec:
	.cfi_startproc simple
	.if X86_HAS_ERROR_CODE(\vec)
	X86_CFI_HW_FRAME 1
	.else
	X86_CFI_HW_FRAME 0
	pushq $0
	.cfi_adjust_cfa_offset 8
	.endif
	pushq $\vec
	.cfi_adjust_cfa_offset 8
	jmp x86_trap_common
	.cfi_endproc
.endm

	.text
	.altmacro			/* for %vec: the counter's value as macro argument text */
	.set vec, 0
	.rept 256
	X86_TRAP_STUB %vec
	.set vec, vec + 1
	.endr
	.noaltmacro

.macro X86_PUSH_REG reg
	pushq %\reg
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset \reg, 0
.endm

.macro X86_POP_REG reg
	popq %\reg
	.cfi_adjust_cfa_offset -8
	.cfi_restore \reg
.endm

/* In: the CPU's frame, the error code and the vector on the stack (7 words). */
	.globl x86_trap_common
	.type x86_trap_common, @function
x86_trap_common:
	.cfi_startproc simple
	X86_CFI_HW_FRAME 2
	testb $3, (X86_TF_CS - X86_TF_VECTOR)(%rsp)	/* from ring 3? */
	jz x86_trap_save
	swapgs					/* GS base = this CPU's struct cpu */
/* The SYSCALL entry joins here, with the same 7 words on the stack and GS swapped already. */
x86_trap_save:
	X86_PUSH_REG rax
	X86_PUSH_REG rbx
	X86_PUSH_REG rcx
	X86_PUSH_REG rdx
	X86_PUSH_REG rsi
	X86_PUSH_REG rdi
	X86_PUSH_REG rbp
	X86_PUSH_REG r8
	X86_PUSH_REG r9
	X86_PUSH_REG r10
	X86_PUSH_REG r11
	X86_PUSH_REG r12
	X86_PUSH_REG r13
	X86_PUSH_REG r14
	X86_PUSH_REG r15
	pushq $0			/* link[1]: filled only if needed, by trap.c */
	pushq $0
	pushq (X86_TF_RIP - X86_TF_LINK1)(%rsp)		/* link[0] = {rbp, rip} */
	pushq (X86_TF_RBP - X86_TF_LINK1 + 8)(%rsp)
	.cfi_adjust_cfa_offset 32
	mov %rsp, %rbp			/* the handler's frames chain through link[0] */
	mov %rsp, %rdi			/* struct trap_frame *, 16-byte aligned here */
	call x86_trap
/* In: %rsp = a struct trap_frame. Also how a new user thread first enters ring 3
 * (arch_return_to_user, user.c), with interrupts masked. */
	.globl x86_trap_return
x86_trap_return:
	add $32, %rsp
	.cfi_adjust_cfa_offset -32
	X86_POP_REG r15
	X86_POP_REG r14
	X86_POP_REG r13
	X86_POP_REG r12
	X86_POP_REG r11
	X86_POP_REG r10
	X86_POP_REG r9
	X86_POP_REG r8
	X86_POP_REG rbp
	X86_POP_REG rdi
	X86_POP_REG rsi
	X86_POP_REG rdx
	X86_POP_REG rcx
	X86_POP_REG rbx
	X86_POP_REG rax
	add $16, %rsp			/* vector and error code */
	.cfi_adjust_cfa_offset -16
	testb $3, 8(%rsp)		/* back to ring 3? (the saved CS) */
	jz 1f
	swapgs				/* GS base = the user's again */
1:	iretq
	.cfi_endproc
	.size x86_trap_common, . - x86_trap_common

/*
 * SYSCALL from ring 3 (IA32_LSTAR points here; SDM Vol. 2B SYSCALL, 3A 5.8.8). The CPU has
 * saved the user's rip (after the instruction) in rcx and rflags in r11, loaded CS and SS from
 * IA32_STAR[47:32] (X86_CS64, X86_DS) and cleared the RFLAGS bits of IA32_FMASK: IF, so nothing
 * interrupts this; TF, so no single-step trap lands here; DF, AC and NT (user.c). It left %rsp
 * alone: the user's. So: SWAPGS, park the user rsp in this CPU's struct, take the kernel stack
 * top from it, and push what an interrupt from ring 3 would have pushed there, so the frame is
 * the same as any trap's and returns the same way (IRETQ restores rip from rcx and rflags from
 * r11 as SYSRET would).
 */
	.globl x86_syscall_entry
	.type x86_syscall_entry, @function
x86_syscall_entry:
	.cfi_startproc
	.cfi_undefined rip		/* gdb: no caller to show until x86_trap_save */
	swapgs
	mov %rsp, %gs:X86_CPU_USER_RSP_OFFSET
	mov %gs:X86_CPU_KSTACK_TOP_OFFSET, %rsp
	pushq $(X86_USER_DS | 3)	/* ss */
	pushq %gs:X86_CPU_USER_RSP_OFFSET	/* rsp */
	pushq %r11			/* rflags */
	pushq $(X86_USER_CS | 3)	/* cs */
	pushq %rcx			/* rip */
	pushq $0			/* error code */
	pushq $X86_VECTOR_SYSCALL	/* vector */
	jmp x86_trap_save
	.cfi_endproc
	.size x86_syscall_entry, . - x86_syscall_entry

/* The stubs' addresses, for the IDT (trap.c). */
.macro X86_STUB_ADDR vec
	.quad x86_trap_stub_\vec
.endm

	.section .rodata
	.balign 8
	.globl x86_trap_stubs
x86_trap_stubs:
	.altmacro
	.set vec, 0
	.rept 256
	X86_STUB_ADDR %vec
	.set vec, vec + 1
	.endr
	.noaltmacro
