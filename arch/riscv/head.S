/*
 * Where each hart enters the kernel. OpenSBI starts one hart (not necessarily hart 0) at
 * _start in S-mode with the MMU off, a0 = its hart id and a1 = the device tree (SBI spec
 * v1.0 chapter 4 and OpenSBI's fw_dynamic hand-off); the others wait in OpenSBI until
 * arch_cpu_start() asks for them with SBI HSM hart_start, which enters riscv_secondary_entry
 * (SBI spec 9.1: MMU off, sstatus.SIE = 0, a0 = hart id, a1 = opaque).
 *
 * OpenSBI 1.1 has a race in hart_start: it marks the hart START_PENDING before it stores the
 * entry address and a1, and a hart that wakes early may jump with the old values (the
 * firmware's default entry, _start) or a mix of old and new ones. We saw it about once in 30
 * boots. So a secondary trusts only a0: _start lets exactly one hart through (the first to
 * arrive, which is the boot hart), sends any later one to riscv_secondary_entry, and that
 * finds the hart's struct cpu by its hart id instead of trusting a1.
 *
 * Both paths end the frame chain for Mica's unwinder (fp = 0, ra = 0) and for gdb (CFI marks
 * ra undefined: this is the outermost frame).
 */
#include <asm/arch.h>

	.cfi_sections .debug_frame

	.section .text.head, "ax"
	.globl _start
	.type _start, @function
_start:
	.cfi_startproc
	.cfi_undefined ra
	/* Nothing may interrupt us until start_kernel says so (priv spec 4.1.1, 4.1.3). */
	csrw	sie, zero
	csrci	sstatus, SSTATUS_SIE
	/* One boot hart only; the flag is in .data, which the .bss clearing below leaves alone. */
	la	t0, riscv_boot_hart_claimed
	li	t1, 1
	amoswap.w t1, t1, (t0)
	bnez	t1, riscv_secondary_entry
	/* A trap from here on reaches panic_trap() rather than wherever OpenSBI left stvec. */
	la	t0, riscv_trap_entry
	csrw	stvec, t0

	/* Zero .bss (a0 and a1 stay untouched): the boot stack below is in it too. */
	la	t0, __bss_start
	la	t1, __bss_end
1:	bgeu	t0, t1, 2f
	sd	zero, 0(t0)
	addi	t0, t0, 8
	j	1b
2:
	la	sp, riscv_boot_stack_top
	li	fp, 0
	li	ra, 0
	call	riscv_boot		/* (hart id, device tree); never returns */
3:	wfi
	j	3b
	.cfi_endproc
	.size _start, . - _start

	.text
	.globl riscv_secondary_entry
	.type riscv_secondary_entry, @function
	.align 2
riscv_secondary_entry:
	.cfi_startproc
	.cfi_undefined ra
	csrw	sie, zero
	csrci	sstatus, SSTATUS_SIE
	la	t0, riscv_trap_entry
	csrw	stvec, t0
	/* t0 = the struct cpu in cpus[0 .. ncpus) whose hwid is our hart id (a0). */
	la	t0, cpus
	lw	t1, ncpus
1:	beqz	t1, 3f
	ld	t2, CPU_HWID(t0)
	beq	t2, a0, 2f
	addi	t0, t0, CPU_SIZE
	addi	t1, t1, -1
	j	1b
2:	ld	sp, CPU_BOOT_STACK_TOP(t0)
	beqz	sp, 3f			/* a hart nobody asked for */
	li	fp, 0
	li	ra, 0
	mv	a0, t0
	call	riscv_secondary_boot	/* (struct cpu *); never returns */
3:	wfi				/* sie = 0: nothing wakes us for long */
	j	3b
	.cfi_endproc
	.size riscv_secondary_entry, . - riscv_secondary_entry

	.data
	.align 2
riscv_boot_hart_claimed:
	.word	0

	/* The boot hart's stack; secondaries get theirs from kernel/smp.c (c->boot_stack_top). */
	.bss
	.align 4
	.globl riscv_boot_stack
riscv_boot_stack:
	.space RISCV_BOOT_STACK_SIZE
	.globl riscv_boot_stack_top
riscv_boot_stack_top:
