/*
 * Interrupt and exception entry: one stub per IDT vector, then x86_trap_common, which saves a
 * struct trap_frame (asm/arch.h) and calls x86_trap(tf) in trap.c.
 *
 * Every gate is an interrupt gate (IF cleared on entry) and there is no user mode yet, so each
 * trap arrives on the current kernel stack and no swapgs is needed. In 64-bit mode the CPU
 * aligns %rsp to 16 and pushes ss, rsp, rflags, cs, rip, plus an error code for vectors 8, 10-14,
 * 17, 21, 29, 30 (SDM 3A 6.14.2, 6.15, table 6-1). Stubs of the other vectors push a 0 in its
 * place, so the frame has one shape.
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
	iretq
	.cfi_endproc
	.size x86_trap_common, . - x86_trap_common

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
