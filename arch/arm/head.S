/*
 * The ARM port's first instructions, for the boot CPU and for secondaries.
 *
 * _start: QEMU's -kernel loader jumps here (the ELF entry) on the boot CPU in SVC mode, ARM
 * state, IRQ and FIQ masked, MMU and caches off; no register holds anything (the DTB is at
 * 0x40000000, see asm/virt.h).
 * arm_secondary_entry: PSCI CPU_ON starts the other CPUs here, in the same state, with
 * r0 = the context id we gave CPU_ON (the struct cpu *).
 *
 * Both end the frame-pointer chain (fp = 0) for Mica's backtraces and tell gdb, through CFI,
 * that they have no caller (lr is undefined), so `bt` stops here.
 */
#include <asm/arch.h>
#include <asm/cp15.h>
#include <asm/mmu.h>

	.syntax unified
	.cfi_sections .debug_frame
	.arm

	.section .text.head, "ax"
	.global _start
	.type _start, %function
_start:
	.cfi_startproc
	.cfi_undefined lr
	cpsid	aif
	/* Clear .bss, the boot stack with it, before anything is kept there. */
	ldr	r0, =__bss_start
	ldr	r1, =__bss_end
	mov	r2, #0
1:	cmp	r0, r1
	strlo	r2, [r0], #4
	blo	1b
	ldr	r0, =arm_boot_stack_top
	ldr	sp, [r0]
	mov	fp, #0
	bl	arm_boot_main
	b	.
	.cfi_endproc
	.size _start, . - _start

	.text
	.global arm_secondary_entry
	.type arm_secondary_entry, %function
arm_secondary_entry:
	.cfi_startproc
	.cfi_undefined lr
	cpsid	aif
	mov	r4, r0
	/* MMU and caches first: with them off every access bypasses the caches, so reading
	 * what the boot CPU wrote (struct cpu) would need cache maintenance on real hardware. */
	ldr	r0, =arm_kernel_pgd
	bl	arm_mmu_enable
	ldr	sp, [r4, #CPU_BOOT_STACK_TOP]
	mov	fp, #0
	mov	r0, r4
	bl	arm_secondary_main
	b	.
	.cfi_endproc
	.size arm_secondary_entry, . - arm_secondary_entry

/*
 * void arm_mmu_enable(const u32 *pgd): turns on translation through the first-level table pgd
 * (identity-mapped, so the next instruction is fetched from the same address either way),
 * then the caches. Uses no stack: secondaries call it before they have one.
 * Sequence: ARM ARM B3.10, "TLB maintenance requirements", and B2.2, "Caches and branch
 * predictors". The Cortex-A15 invalidates its data caches at reset (Cortex-A15 TRM), so no
 * stale line needs invalidating first; on real hardware the firmware (PSCI) also sets
 * ACTLR.SMP, which makes this CPU's caches coherent with the others'.
 */
	.global arm_mmu_enable
	.type arm_mmu_enable, %function
arm_mmu_enable:
	.cfi_startproc
	mov	r1, #0
	mcr	p15, 0, r1, c8, c7, 0		@ TLBIALL: no translation cached from before
	mcr	p15, 0, r1, c7, c5, 0		@ ICIALLU
	mcr	p15, 0, r1, c7, c5, 6		@ BPIALL: branch predictor
	mcr	p15, 0, r1, c2, c0, 2		@ TTBCR = 0: TTBR0 maps all 4 GiB, short descriptors
	mcr	p15, 0, r1, c13, c0, 1		@ CONTEXTIDR = 0 (UNKNOWN at reset): ASID 0, the kernel's
	orr	r0, r0, #ARM_TTBR_WALK_WBWA
	mcr	p15, 0, r0, c2, c0, 0		@ TTBR0
	mov	r1, #ARM_DACR_D0_CLIENT
	mcr	p15, 0, r1, c3, c0, 0		@ DACR
	dsb
	isb
	mrc	p15, 0, r1, c1, c0, 0		@ SCTLR
	ldr	r2, =SCTLR_A | SCTLR_V | SCTLR_TRE | SCTLR_AFE | SCTLR_TE
	bic	r1, r1, r2
	ldr	r2, =SCTLR_M | SCTLR_C | SCTLR_I | SCTLR_Z
	orr	r1, r1, r2
	mcr	p15, 0, r1, c1, c0, 0
	isb
	bx	lr
	.cfi_endproc
	.size arm_mmu_enable, . - arm_mmu_enable
