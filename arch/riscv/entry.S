/*
 * The trap vector (stvec, direct mode: every trap starts here; priv spec 4.1.2). It saves a
 * full struct trap_frame on the interrupted stack, calls riscv_trap_handle(tf), restores and
 * returns with sret (priv spec 3.3.2: sret returns to sepc in the mode sstatus.SPP names, with
 * SIE = SPIE).
 *
 * sscratch holds this CPU's struct cpu at all times (priv spec 4.1.6); the first instruction
 * swaps it into tp, so the CPU is known even if the interrupted tp was the user's. From
 * S-mode the frame goes right below the interrupted (kernel) sp; from U-mode (sstatus.SPP =
 * 0) at the top of the current thread's kernel stack, cpu->arch[1], which the scheduler sets
 * through arch_set_kernel_stack(). The interrupted sp waits in cpu->arch[0] meanwhile.
 *
 * The C handler may not return on the CPU it was called on: an interrupt ends in irq_exit(),
 * which may switch to another task and resume this one later on another CPU. So the exit
 * reloads everything of the interrupted context from the frame (sepc and sstatus included,
 * which other traps have overwritten meanwhile) and nothing of the CPU: tp and sscratch keep
 * whichever CPU we are on now. The tp in the frame is the one of the CPU that took the trap;
 * it is restored only on a return to user mode, where tp is the user's own register.
 */
#include <asm/arch.h>

#define DWARF_SEPC (4096 + 0x141)
/* x5..x31 (x0 is zero, x1 ra, x2 sp, x3 gp and x4 tp are saved one by one) */
#define X5_TO_X31 5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31

	.cfi_sections .debug_frame

	.text
	.align 2			/* stvec ignores the low two bits */
	.globl riscv_trap_entry
	.type riscv_trap_entry, @function
riscv_trap_entry:
	.cfi_startproc
	/*
	 * For gdb (DWARF CFI): the "caller" is the interrupted code, which was not calling (signal
	 * frame), and its pc is sepc, not ra: the return-address column is sepc's DWARF number
	 * (4096 + CSR number, RISC-V ELF psABI "DWARF register numbers").
	 */
	.cfi_signal_frame
	.cfi_return_column DWARF_SEPC
	csrrw	tp, sscratch, tp	/* tp = this CPU, sscratch = interrupted tp */
	sd	sp, CPU_SCRATCH(tp)
	csrr	sp, sstatus
	andi	sp, sp, SSTATUS_SPP
	bnez	sp, 1f
	ld	sp, CPU_KSTACK_TOP(tp)	/* from user mode: this thread's kernel stack */
	j	2f
1:	ld	sp, CPU_SCRATCH(tp)	/* from kernel mode: below the interrupted frame */
2:	addi	sp, sp, -TF_SIZE
	.cfi_def_cfa_offset TF_SIZE
	sd	x1, TF_X(1)(sp)
	sd	x3, TF_X(3)(sp)
	.irp n, X5_TO_X31
	sd	x\n, TF_X(\n)(sp)
	.endr
	csrrw	t0, sscratch, tp	/* t0 = interrupted tp, sscratch = this CPU again */
	sd	t0, TF_X(4)(sp)
	ld	t0, CPU_SCRATCH(tp)
	sd	t0, TF_X(2)(sp)
	csrr	t0, sepc
	sd	t0, TF_SEPC(sp)
	csrr	t0, sstatus
	sd	t0, TF_SSTATUS(sp)
	csrr	t0, scause
	sd	t0, TF_SCAUSE(sp)
	csrr	t0, stval
	sd	t0, TF_STVAL(sp)
	/* For gdb: where the interrupted registers are now (its sp is the CFA, sp + TF_SIZE).
	 * Not tp: the interrupted kernel code resumes with whatever CPU's tp it returns on. */
	.cfi_offset DWARF_SEPC, TF_SEPC - TF_SIZE
	.irp n, 1, 3, X5_TO_X31
	.cfi_offset \n, TF_X(\n) - TF_SIZE
	.endr
	.cfi_same_value tp

	/* Mica's unwinder walks from the handler through tf->trap_record (filled by trap.c). */
	addi	fp, sp, TF_TRAP_RECORD_END
	mv	a0, sp
	call	riscv_trap_handle

	.globl riscv_trap_return
riscv_trap_return:
	/*
	 * Back to the interrupted code, perhaps on another CPU than the one that took the trap
	 * (see the top); the handler may have changed sepc (a skipped insn). tp: kept for a
	 * return to S-mode, the frame's for a return to U-mode (sscratch already holds this CPU).
	 */
	ld	t0, TF_SEPC(sp)
	csrw	sepc, t0
	ld	t0, TF_SSTATUS(sp)
	csrw	sstatus, t0
	andi	t0, t0, SSTATUS_SPP
	bnez	t0, 1f
	ld	x4, TF_X(4)(sp)
1:	ld	x1, TF_X(1)(sp)
	ld	x3, TF_X(3)(sp)
	.irp n, X5_TO_X31
	ld	x\n, TF_X(\n)(sp)
	.endr
	ld	sp, TF_X(2)(sp)
	sret
	.cfi_endproc
	.size riscv_trap_entry, . - riscv_trap_entry

/*
 * int riscv_sstc_probe(void): returns 0 if this hart may read stimecmp (Sstc present and
 * enabled by M-mode in menvcfg.STCE). Otherwise the csrr raises an illegal-instruction trap,
 * which riscv_trap_handle() recognises by its address: it sets a0 = -ENODEV and skips it.
 */
	.globl riscv_sstc_probe, riscv_sstc_probe_insn
	.type riscv_sstc_probe, @function
riscv_sstc_probe:
	li	a0, 0
riscv_sstc_probe_insn:
	csrr	t0, CSR_STIMECMP
	ret
	.size riscv_sstc_probe, . - riscv_sstc_probe
