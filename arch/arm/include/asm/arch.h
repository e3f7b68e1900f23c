/*
 * The ARMv7-A port's inline hooks (contract in <mica/arch.h>) and its trap frame.
 * The kernel runs in SVC mode, ARM state; CPSR.I masks IRQs (FIQs are never used).
 */
#ifndef ASM_ARCH_H
#define ASM_ARCH_H

/* CPSR/SPSR bits (ARM ARM B1.3.3, "Program Status Registers"). */
#define PSR_MODE_MASK 0x1f
#define PSR_MODE_USR 0x10
#define PSR_MODE_SVC 0x13
#define PSR_T_BIT (1 << 5) /* Thumb state */
#define PSR_F_BIT (1 << 6) /* FIQ masked */
#define PSR_I_BIT (1 << 7) /* IRQ masked */

/* Exception vectors, by offset / 4 in the vector table (ARM ARM B1.8.1). */
#define ARM_VEC_RESET 0
#define ARM_VEC_UND 1
#define ARM_VEC_SVC 2
#define ARM_VEC_PABT 3
#define ARM_VEC_DABT 4
#define ARM_VEC_UNUSED 5
#define ARM_VEC_IRQ 6
#define ARM_VEC_FIQ 7

/* struct trap_frame, as entry.S builds it (byte offsets; trap.c checks them). */
#define TF_VECTOR 0
#define TF_UNWIND_FP 4
#define TF_ENTRY_REC 8
#define TF_LEAF_REC 16
#define TF_TPIDRURW 24
#define TF_R0 28
#define TF_R11 (TF_R0 + 11 * 4)
#define TF_SP (TF_R0 + 13 * 4)
#define TF_LR (TF_SP + 4)
#define TF_PC (TF_SP + 8)
#define TF_CPSR (TF_SP + 12)
#define TF_SIZE (TF_SP + 16)

/* struct arch_context, as arch_switch_to() (switch.S) saves it: r4-r11 by one stm/ldm, then
 * sp and lr (byte offsets; task.c checks them). */
#define CTX_R4 0
#define CTX_FP (CTX_R4 + 7 * 4)
#define CTX_SP (CTX_R4 + 8 * 4)
#define CTX_LR (CTX_R4 + 9 * 4)
#define CTX_SIZE (CTX_R4 + 10 * 4)

/* offsetof(struct cpu, boot_stack_top), for the secondary entry stub (smp.c checks it). */
#define CPU_BOOT_STACK_TOP 28
/* Port-private words in struct cpu's arch[]. */
#define ARM_CPU_GIC_MASK 0 /* this CPU's bit in the GIC's SGI target lists */

#ifndef __ASSEMBLY__
#include <mica/types.h>

/*
 * Everything the interrupted code had, saved on the SVC stack by entry.S. Low addresses first;
 * pc and cpsr at the top are what `srsdb` pushed and `rfeia` pops. A frame from User mode is
 * always at the very top of the thread's kernel stack (task_user_frame(), <mica/proc.h>).
 */
struct trap_frame {
	unsigned long vector;	    /* ARM_VEC_*: which exception */
	unsigned long unwind_fp;    /* the interrupted code's frame chain (trap.c) */
	unsigned long entry_rec[2]; /* {unwind_fp, pc}: the handler's fp points at [1] */
	unsigned long leaf_rec[2];  /* {caller's fp, lr} made for an interrupted leaf (trap.c) */
	unsigned long tpidrurw;	    /* User mode's read/write thread ID (frames from User mode) */
	unsigned long r[13];	    /* r0-r12; r11 is the frame pointer */
	unsigned long sp, lr;	    /* the interrupted mode's: User's banked pair, or SVC's */
	unsigned long pc, cpsr;	    /* where and in what state to resume */
};

/*
 * A task that is not running: the registers AAPCS makes callee-saved (r4-r11; r11 is the frame
 * pointer), its SVC-mode sp, and lr = where arch_switch_to() returns to. Nothing else: the
 * caller of arch_switch_to() assumes r0-r3, r12 and the flags clobbered, the kernel uses no
 * VFP/NEON register (soft float), and CPSR keeps SVC mode with IRQs masked across a switch.
 */
struct arch_context {
	unsigned long r4, r5, r6, r7, r8, r9, r10;
	unsigned long fp; /* r11 */
	unsigned long sp;
	unsigned long lr;
};

/* True if flags (from arch_irq_save) say interrupts were masked. */
static inline bool arch_irqs_disabled_flags(unsigned long flags)
{
	return flags & PSR_I_BIT;
}

static inline unsigned long arch_irq_save(void)
{
	unsigned long flags;

	__asm__ __volatile__("mrs %0, cpsr\n\tcpsid i" : "=r"(flags) : : "memory", "cc");
	return flags;
}

static inline void arch_irq_restore(unsigned long flags)
{
	/* Only the control byte: the mode and mask bits saved by arch_irq_save(). */
	__asm__ __volatile__("msr cpsr_c, %0" : : "r"(flags) : "memory", "cc");
}

static inline void arch_irq_enable(void)
{
	__asm__ __volatile__("cpsie i" : : : "memory", "cc");
}

static inline void arch_irq_disable(void)
{
	__asm__ __volatile__("cpsid i" : : : "memory", "cc");
}

static inline bool arch_irqs_disabled(void)
{
	unsigned long cpsr;

	__asm__ __volatile__("mrs %0, cpsr" : "=r"(cpsr));
	return cpsr & PSR_I_BIT;
}

static inline void arch_cpu_relax(void)
{
	__asm__ __volatile__("yield" : : : "memory");
}

/* TPIDRPRW (ARM ARM B4.1, "TPIDRPRW"): a PL1-only software thread ID register, one per CPU. */
static inline struct cpu *arch_this_cpu(void)
{
	struct cpu *c;

	__asm__ __volatile__("mrc p15, 0, %0, c13, c0, 4" : "=r"(c));
	return c;
}

static inline void arch_set_this_cpu(struct cpu *c)
{
	__asm__ __volatile__("mcr p15, 0, %0, c13, c0, 4" : : "r"(c) : "memory");
}

static inline unsigned long arch_trap_pc(const struct trap_frame *tf)
{
	return tf->pc;
}

static inline unsigned long arch_trap_fp(const struct trap_frame *tf)
{
	return tf->unwind_fp;
}

/* The trap exit (entry.S, trap_exit) resumes at the frame's pc, in the frame's cpsr. */
static inline void arch_trap_set_pc(struct trap_frame *tf, unsigned long pc)
{
	tf->pc = pc;
}

static inline bool arch_trap_irqs_on(const struct trap_frame *tf)
{
	return !(tf->cpsr & PSR_I_BIT);
}

/* The mode the exception was taken from, as the SPSR that srsdb saved says (B1.3.3). */
static inline bool arch_trap_from_user(const struct trap_frame *tf)
{
	return (tf->cpsr & PSR_MODE_MASK) == PSR_MODE_USR;
}

/* System calls (include/uapi/mica/abi.h): `svc #0` with the number in r7, arguments in r0..r5,
 * the result in r0, as the Linux EABI does. */
static inline unsigned long arch_syscall_nr(const struct trap_frame *tf)
{
	return tf->r[7];
}
static inline unsigned long arch_syscall_arg(const struct trap_frame *tf, int i)
{
	return tf->r[i];
}
static inline void arch_syscall_set_return(struct trap_frame *tf, long v)
{
	tf->r[0] = (unsigned long)v;
}

#define ELF_MACHINE 40 /* EM_ARM */

#endif /* __ASSEMBLY__ */
#endif
