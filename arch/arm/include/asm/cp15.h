/*
 * The CP15 system registers the port uses (ARM ARM DDI 0406C, B4.1, one entry per register;
 * encodings as "mrc p15, opc1, Rt, CRn, CRm, opc2"). arm_read_<name>() / arm_write_<name>().
 */
#ifndef ASM_CP15_H
#define ASM_CP15_H

#define MPIDR_AFFINITY_MASK 0x00ffffff /* Aff2.Aff1.Aff0: what the DTB's cpu reg holds */

#define SCTLR_M (1 << 0)    /* MMU on */
#define SCTLR_A (1 << 1)    /* alignment checks */
#define SCTLR_C (1 << 2)    /* data cache on */
#define SCTLR_Z (1 << 11)   /* branch prediction on */
#define SCTLR_I (1 << 12)   /* instruction cache on */
#define SCTLR_V (1 << 13)   /* high vectors (0xffff0000) instead of VBAR */
#define SCTLR_TRE (1 << 28) /* TEX remap */
#define SCTLR_AFE (1 << 29) /* access flag enable */
#define SCTLR_TE (1 << 30)  /* take exceptions in Thumb state */

#ifndef __ASSEMBLY__
#include <mica/types.h>

#define ARM_CP15_REG(name, op1, crn, crm, op2)                                          \
	static inline u32 arm_read_##name(void)                                         \
	{                                                                               \
		u32 v;                                                                  \
		__asm__ __volatile__("mrc p15, " #op1 ", %0, " #crn ", " #crm ", " #op2 \
				     : "=r"(v));                                        \
		return v;                                                               \
	}                                                                               \
	static inline void arm_write_##name(u32 v)                                      \
	{                                                                               \
		__asm__ __volatile__("mcr p15, " #op1 ", %0, " #crn ", " #crm ", " #op2 \
				     :                                                  \
				     : "r"(v)                                           \
				     : "memory");                                       \
	}

ARM_CP15_REG(mpidr, 0, c0, c0, 5)	/* multiprocessor affinity: which CPU am I */
ARM_CP15_REG(id_mmfr0, 0, c0, c1, 4)	/* memory model features: VMSA support level */
ARM_CP15_REG(sctlr, 0, c1, c0, 0)	/* system control: MMU, caches, vector base */
ARM_CP15_REG(ttbr0, 0, c2, c0, 0)	/* translation table base 0 (all 4 GiB: TTBCR.N = 0) */
ARM_CP15_REG(dfsr, 0, c5, c0, 0)	/* data fault status */
ARM_CP15_REG(ifsr, 0, c5, c0, 1)	/* instruction fault status */
ARM_CP15_REG(dfar, 0, c6, c0, 0)	/* data fault address */
ARM_CP15_REG(ifar, 0, c6, c0, 2)	/* instruction fault address */
ARM_CP15_REG(vbar, 0, c12, c0, 0)	/* vector base address */
ARM_CP15_REG(contextidr, 0, c13, c0, 1) /* context ID: the ASID in bits[7:0] (B4.1) */
ARM_CP15_REG(cntfrq, 0, c14, c0, 0)	/* generic timer: counter frequency in Hz */
ARM_CP15_REG(cntv_tval, 0, c14, c3, 0)	/* virtual timer: ticks until it fires */
ARM_CP15_REG(cntv_ctl, 0, c14, c3, 1)	/* virtual timer: enable, mask, status */

/* CNTVCT, the 64-bit virtual count (ARM ARM B8, "The Generic Timer"). The isb keeps the read
 * from being performed early, before the instructions that precede it in program order. */
static inline u64 arm_read_cntvct(void)
{
	u64 v;

	__asm__ __volatile__("isb\n\tmrrc p15, 1, %Q0, %R0, c14" : "=r"(v) : : "memory");
	return v;
}

#endif /* __ASSEMBLY__ */
#endif
