/*
 * Exception entry: the vector table (VBAR points here, ARM ARM B1.8.1) and one stub per
 * exception.
 *
 * Each exception is taken in its own mode (UND, SVC, ABT, IRQ, FIQ), with banked sp and lr.
 * Mica keeps no stack in those modes: the stub's first instructions store the return state on
 * the SVC stack with `srsdb` and switch to SVC mode with `cps`, then build a struct trap_frame
 * there (asm/arch.h) and call C with it. The kernel itself only runs in SVC mode, so the
 * interrupted sp is the frame's top.
 *
 * IRQs and aborts come back (arm_irq_entry, arm_pabt_entry, arm_dabt_entry: an abort may be a
 * page fault that do_page_fault() resolves, or a user copy's fault it sends to a fixup);
 * every other exception in the kernel is a bug and its C handler panics.
 *
 * Why no exception-mode stack matters for the scheduler: an IRQ's C handler may switch tasks
 * (irq_exit(), kernel preemption), and the interrupted task may resume later on another CPU.
 * Everything it needs to resume is then in its trap frame on its own SVC stack; the banked
 * IRQ-mode lr and spsr of the CPU it left hold nothing once srsdb has run, and IRQ mode has no
 * stack that could hold anything. The per-CPU TPIDRPRW is not in the frame at all.
 */
#include <asm/arch.h>

	.syntax unified
	.cfi_sections .debug_frame
	.arm

/*
 * Builds the trap frame. lr_<mode> - lr_adjust is where to resume, or the instruction that
 * faulted (ARM ARM B1.8.3, "Exception entry", link values for ARM state). Leaves r4 = r0 = the
 * frame, sp 8-byte aligned below it (AAPCS), and fp pointing at entry_rec = {interrupted fp,
 * interrupted pc}: a backtrace taken in the handler walks on into the interrupted code (the C
 * handler first refines the record with arm_trap_link_frames()).
 */
	.macro	trap_enter vector, lr_adjust
	.if \lr_adjust
	sub	lr, lr, #\lr_adjust
	.endif
	srsdb	sp!, #PSR_MODE_SVC		@ push {pc, cpsr} onto the SVC stack
	cps	#PSR_MODE_SVC
	sub	sp, sp, #8			@ the sp and lr slots
	stmdb	sp!, {r0-r12}
	sub	sp, sp, #TF_R0
	add	r0, sp, #TF_SIZE
	str	r0, [sp, #TF_SP]
	str	lr, [sp, #TF_LR]		@ lr_svc (an svc exception itself overwrites it)
	mov	r0, #\vector
	str	r0, [sp, #TF_VECTOR]
	ldr	r0, [sp, #TF_PC]
	str	fp, [sp, #TF_ENTRY_REC]
	str	r0, [sp, #TF_ENTRY_REC + 4]
	add	fp, sp, #TF_ENTRY_REC + 4
	mov	r4, sp
	bic	sp, sp, #7
	mov	r0, r4
	.endm

/*
 * CFI for gdb: until the frame is built there is no caller (pc undefined); once it is, the
 * interrupted registers are in it, CFA = the interrupted sp. The return column is pc itself,
 * so gdb shows the interrupted pc and still has the interrupted lr; a signal frame, so gdb
 * does not take that pc for a return address.
 */
	.macro	trap_cfi_start
	.cfi_startproc
	.cfi_signal_frame
	.cfi_return_column pc
	.cfi_undefined pc
	.endm

	.macro	trap_cfi_frame base, offset
	.cfi_def_cfa \base, \offset
	.irp	reg, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12
	.cfi_offset r\reg, TF_R0 + \reg * 4 - TF_SIZE
	.endr
	.cfi_offset lr, TF_LR - TF_SIZE
	.cfi_offset pc, TF_PC - TF_SIZE
	.endm

	.text
	.balign 32
	.global arm_vectors
	.type arm_vectors, %function
arm_vectors:
	b	arm_unused_entry		@ 0x00 reset: goes to the reset vector, never here
	b	arm_und_entry			@ 0x04 undefined instruction
	b	arm_svc_entry			@ 0x08 supervisor call
	b	arm_pabt_entry			@ 0x0c prefetch abort
	b	arm_dabt_entry			@ 0x10 data abort
	b	arm_unused_entry		@ 0x14 not used outside Hyp mode
	b	arm_irq_entry			@ 0x18 IRQ
	b	arm_fiq_entry			@ 0x1c FIQ
	.size arm_vectors, . - arm_vectors


/*
 * Resumes the interrupted code from the frame at r4, exactly as the frame says: the C handler
 * may have switched tasks and come back on another CPU (r4 is callee-saved, so it still points
 * at this task's frame then), or changed the frame's pc (a user copy's fixup). Reads only the
 * frame, nothing of the CPU it runs on.
 */
	.macro	trap_exit
	mov	sp, r4
	.cfi_def_cfa sp, TF_SIZE
	add	sp, sp, #TF_R0
	.cfi_adjust_cfa_offset -TF_R0
	ldmia	sp!, {r0-r12}
	.cfi_adjust_cfa_offset -(TF_SP - TF_R0)
	ldr	lr, [sp, #TF_LR - TF_SP]
	add	sp, sp, #TF_PC - TF_SP
	.cfi_adjust_cfa_offset -(TF_PC - TF_SP)
	/* A handler's ldrex may have left this CPU's monitor open; the interrupted code's strex
	 * must not succeed on it (ARM ARM A3.4.4, "Context switch support"). */
	clrex
	rfeia	sp!				@ pop pc and cpsr: back to the interrupted code
	.endm

/* A stub: handler(tf), then trap_exit for an exception that returns (returns = 1), or a stop
 * for one the kernel never expects (returns = 0: the handler, arm_trap_unexpected, panics). */
	.macro	trap_stub name, vector, lr_adjust, handler, returns
	.global \name
	.type \name, %function
\name:
	trap_cfi_start
	trap_enter \vector, \lr_adjust
	trap_cfi_frame r4, TF_SIZE
	bl	\handler
	.if \returns
	trap_exit
	.else
	b	.
	.endif
	.cfi_endproc
	.size \name, . - \name
	.endm

	trap_stub arm_und_entry, ARM_VEC_UND, 4, arm_trap_unexpected, 0
	trap_stub arm_svc_entry, ARM_VEC_SVC, 4, arm_trap_unexpected, 0
	trap_stub arm_fiq_entry, ARM_VEC_FIQ, 4, arm_trap_unexpected, 0
	trap_stub arm_unused_entry, ARM_VEC_UNUSED, 0, arm_trap_unexpected, 0

/* IRQ: arm_handle_irq() ends with irq_exit(), which may switch to another task and return much
 * later, possibly on another CPU. */
	trap_stub arm_irq_entry, ARM_VEC_IRQ, 4, arm_handle_irq, 1

/* Aborts: arm_trap_abort() (trap.c) sends page faults to do_page_fault() and panics on the
 * rest. The pc saved is the instruction that faulted, so returning runs it again. */
	trap_stub arm_pabt_entry, ARM_VEC_PABT, 4, arm_trap_abort, 1
	trap_stub arm_dabt_entry, ARM_VEC_DABT, 8, arm_trap_abort, 1
