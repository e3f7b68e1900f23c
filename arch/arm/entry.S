/*
 * Exception entry: the vector table (VBAR points here, ARM ARM B1.8.1) and one stub per
 * exception.
 *
 * Each exception is taken in its own mode (UND, SVC, ABT, IRQ, FIQ), with banked sp and lr.
 * Mica keeps no stack in those modes: the stub's first instructions store the return state on
 * the SVC stack with `srsdb` and switch to SVC mode with `cps`, then build a struct trap_frame
 * there (asm/arch.h) and call C with it.
 *
 * Whose SVC stack: the kernel itself only runs in SVC mode, so for a trap taken in the kernel
 * the frame goes right below the interrupted sp. For a trap from User mode the banked sp_svc is
 * the top of the current thread's kernel stack, always: the only way into User mode is
 * arm_trap_return, which pops the thread's user frame from the very top of its stack
 * (task_user_frame(), <mica/proc.h>) and so leaves sp_svc exactly there; arch_switch_to()
 * saves and loads sp_svc with the rest of a task's context. So every frame from User mode lands
 * at task_user_frame(current) with no lookup at all. User mode's own sp and lr are banked
 * (B1.3.2, "ARM core registers"): the stub saves them into the frame's sp and lr slots with
 * STM (User registers), and arm_trap_return loads them back with LDM (User registers)
 * (B9.3, "STM (User registers)", "LDM (User registers)"). TPIDRURW, the thread ID register
 * User mode may write (B4.1, "TPIDRURW"), is per CPU: it travels in the frame too, so no
 * process reads what another left in it, and fork and exec copy or clear it with the frame.
 *
 * Every exception but FIQ and the unused vector comes back (arm_trap_exit): IRQs, aborts (a
 * page fault do_page_fault() resolves, a user copy's fault it sends to a fixup, or a user
 * fault that kills the process), supervisor calls (system calls from User mode) and undefined
 * instructions (a kill from User mode). In the kernel, all but IRQs and page faults are bugs
 * and their C handlers panic.
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
 * Sets the flags for "the frame at base returns to User mode" (eq) or not (ne), from the mode
 * field of its saved cpsr (ARM ARM B1.3.3: User mode is 0b10000). Clobbers tmp.
 */
	.macro	frame_is_user base, tmp
	ldr	\tmp, [\base, #TF_CPSR]
	and	\tmp, \tmp, #PSR_MODE_MASK
	cmp	\tmp, #PSR_MODE_USR
	.endm

/*
 * Builds the trap frame. lr_<mode> - lr_adjust is where to resume, or the instruction that
 * faulted (ARM ARM B1.8.3, "Exception entry", link values for ARM state). The sp and lr slots
 * get the interrupted mode's: User mode's banked pair (and TPIDRURW its slot) for a trap from
 * User mode, else the sp before the trap and lr_svc. Leaves r4 = r0 = the frame, sp 8-byte
 * aligned below it (AAPCS), and fp pointing at entry_rec = {interrupted fp, interrupted pc}: a
 * backtrace taken in the handler walks on into the interrupted code (the C handler first
 * refines the record with arm_trap_link_frames()).
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
	add	r1, sp, #TF_SP
	frame_is_user sp, r0
	stmiaeq	r1, {sp, lr}^			@ sp_usr, lr_usr (no writeback: B9.3)
	mrceq	p15, 0, r0, c13, c0, 2		@ TPIDRURW
	streq	r0, [sp, #TF_TPIDRURW]
	addne	r0, sp, #TF_SIZE
	stmiane	r1, {r0, lr}			@ the sp before the trap, lr_svc (an svc
						@ exception itself overwrites lr_svc)
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
	.cfi_offset sp, TF_SP - TF_SIZE
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


/* A stub: handler(tf), then arm_trap_exit for an exception that returns (returns = 1), or a
 * stop for one the kernel never expects (returns = 0: the handler, arm_trap_unexpected,
 * panics). */
	.macro	trap_stub name, vector, lr_adjust, handler, returns
	.global \name
	.type \name, %function
\name:
	trap_cfi_start
	trap_enter \vector, \lr_adjust
	trap_cfi_frame r4, TF_SIZE
	bl	\handler
	.if \returns
	b	arm_trap_exit
	.else
	b	.
	.endif
	.cfi_endproc
	.size \name, . - \name
	.endm

	trap_stub arm_fiq_entry, ARM_VEC_FIQ, 4, arm_trap_unexpected, 0
	trap_stub arm_unused_entry, ARM_VEC_UNUSED, 0, arm_trap_unexpected, 0

/* IRQ: arm_handle_irq() ends with irq_exit(), which may switch to another task and return much
 * later, possibly on another CPU. */
	trap_stub arm_irq_entry, ARM_VEC_IRQ, 4, arm_handle_irq, 1

/* Aborts: arm_trap_abort() (trap.c) sends page faults to do_page_fault() and panics on (or, from
 * User mode, kills for) the rest. The pc saved is the instruction that faulted, so returning
 * runs it again. */
	trap_stub arm_pabt_entry, ARM_VEC_PABT, 4, arm_trap_abort, 1
	trap_stub arm_dabt_entry, ARM_VEC_DABT, 8, arm_trap_abort, 1

/* svc: lr_svc is already the instruction after the svc, in ARM and Thumb state alike (B1.8.3,
 * the link value of a Supervisor Call), which is where a system call returns: no adjustment.
 * arm_trap_svc() (trap.c) runs it; an svc in the kernel is a bug. */
	trap_stub arm_svc_entry, ARM_VEC_SVC, 0, arm_trap_svc, 1

/* Undefined instruction: lr_und is the instruction + 4 in ARM state, + 2 in Thumb (B1.8.3);
 * the stub assumes ARM (the kernel's state) and arm_trap_undef() (trap.c) corrects a Thumb
 * pc from User mode before it kills the process. */
	trap_stub arm_und_entry, ARM_VEC_UND, 4, arm_trap_undef, 1

/*
 * The way out of every exception that returns, with r4 = the frame and IRQs masked: a frame
 * from User mode first goes through arm_trap_exit_user() (exit_to_user(): pending reschedules,
 * a kill), then every frame is restored by arm_trap_return, exactly as it says: the C handler
 * may have switched tasks and come back on another CPU (r4 is callee-saved, so it still points
 * at this task's frame then), or changed the frame's pc (a user copy's fixup). It reads only the
 * frame, nothing of the CPU it runs on. arch_return_to_user() (task.c) enters at
 * arm_trap_return with r4 = the user frame of a thread that has not run in User mode yet.
 */
	.global arm_trap_exit, arm_trap_return
	.type arm_trap_exit, %function
arm_trap_exit:
	trap_cfi_start
	trap_cfi_frame r4, TF_SIZE
	frame_is_user r4, r0
	moveq	r0, r4
	bleq	arm_trap_exit_user
arm_trap_return:
	mov	sp, r4
	.cfi_def_cfa sp, TF_SIZE
	/* User mode's banked sp and lr and its TPIDRURW from the frame; otherwise lr_svc (the sp
	 * of a return into the kernel is the frame's top, where sp ends below). */
	add	r1, sp, #TF_SP
	frame_is_user sp, r0
	ldmiaeq	r1, {sp, lr}^			@ no writeback: B9.3
	ldrne	lr, [r1, #TF_LR - TF_SP]
	ldreq	r0, [sp, #TF_TPIDRURW]
	mcreq	p15, 0, r0, c13, c0, 2		@ TPIDRURW
	add	r0, sp, #TF_R0
	ldmia	r0, {r0-r12}
	add	sp, sp, #TF_PC
	.cfi_def_cfa_offset TF_SIZE - TF_PC
	/* A handler's ldrex may have left this CPU's monitor open; the interrupted code's strex
	 * must not succeed on it (ARM ARM A3.4.4, "Context switch support"). */
	clrex
	rfeia	sp!				@ pop pc and cpsr: back to the interrupted code
	.cfi_endproc
	.size arm_trap_exit, . - arm_trap_exit
