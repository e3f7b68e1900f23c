/*
 * The RISC-V port's inline hooks (contract in <mica/arch.h>) and its trap frame.
 *
 * Per-CPU pointer: in the kernel, tp always holds this CPU's struct cpu, and sscratch holds it
 * too, at all times. The trap entry swaps tp with sscratch, so it finds the CPU even when the
 * interrupted code (user mode, later) had its own tp, then puts sscratch back. Both belong to
 * the CPU, not to a task: arch_switch_to() leaves them alone, and the trap exit does not load
 * tp from the frame after a kernel-mode trap, since the task may resume on another CPU.
 */
#ifndef ASM_RISCV_ARCH_H
#define ASM_RISCV_ARCH_H

#include <asm/asm-offsets.h>
#include <asm/csr.h>

#ifndef __ASSEMBLY__
#include <mica/types.h>

struct cpu;

/* The two words GCC saves just below a frame pointer fp: fp - 16 the caller's fp, fp - 8 the
 * return address (checked with objdump; a leaf function saves only its caller's fp, at fp - 8). */
struct riscv_frame_record {
	unsigned long fp;
	unsigned long ra;
};

/*
 * Everything the trap entry (entry.S) saves, on the interrupted kernel stack. Offsets are
 * TF_* in <asm/asm-offsets.h>; trap.c checks they agree with this layout.
 */
struct trap_frame {
	/* x[n] = register xn (x[0] = zero, not saved; x[2] = sp at the trap) */
	unsigned long x[32];
	unsigned long sepc;    /* pc of the interrupted or faulting instruction */
	unsigned long sstatus; /* SPP says which mode trapped, SPIE whether interrupts were on */
	unsigned long scause;
	unsigned long stval;	 /* faulting address or instruction bits, if the cause has one */
	unsigned long unwind_fp; /* the fp that unwinds from sepc's function to its caller */
	/* Frame records that link the handler's frames to the interrupted ones (trap.c) */
	struct riscv_frame_record trap_record; /* { interrupted fp, sepc } */
	struct riscv_frame_record leaf_record; /* { caller's fp, ra }, when sepc is in a leaf */
	unsigned long pad;		       /* keeps the frame a multiple of 16 bytes */
};

/*
 * What a task that is not running keeps of its CPU state: the registers the psABI makes
 * callee-saved (s0-s11, sp) and ra, where arch_switch_to() returns when the task next runs.
 * Caller-saved registers need no slot: arch_switch_to() is a call, so the compiler already
 * assumes they are lost. No FPU state (no F/D, see arch.mk), and no tp: tp is the CPU's
 * (this CPU's struct cpu), not the task's. Offsets are CTX_* in <asm/asm-offsets.h> (switch.S).
 */
struct arch_context {
	unsigned long ra; /* resume address: arch_switch_to()'s caller, or the trampoline */
	unsigned long sp;
	unsigned long s[12]; /* s0 (the frame pointer) .. s11 */
};

/* True if flags (from arch_irq_save) say interrupts were masked. */
static inline bool arch_irqs_disabled_flags(unsigned long flags)
{
	return !(flags & SSTATUS_SIE);
}

static inline unsigned long arch_irq_save(void)
{
	return csr_read_clear(sstatus, SSTATUS_SIE) & SSTATUS_SIE;
}

static inline void arch_irq_restore(unsigned long flags)
{
	csr_set(sstatus, flags & SSTATUS_SIE);
}

static inline void arch_irq_enable(void)
{
	csr_set(sstatus, SSTATUS_SIE);
}

static inline void arch_irq_disable(void)
{
	csr_clear(sstatus, SSTATUS_SIE);
}

static inline bool arch_irqs_disabled(void)
{
	return !(csr_read(sstatus) & SSTATUS_SIE);
}

/* Zihintpause `pause` (encoded as a fence hint, so a core without it just runs a fence). */
static inline void arch_cpu_relax(void)
{
	__asm__ __volatile__(".4byte 0x0100000f" ::: "memory");
}

static inline struct cpu *arch_this_cpu(void)
{
	struct cpu *c;

	__asm__ __volatile__("mv %0, tp" : "=r"(c));
	return c;
}

static inline void arch_set_this_cpu(struct cpu *c)
{
	__asm__ __volatile__("mv tp, %0\n\tcsrw sscratch, %0" ::"r"(c) : "memory");
}

static inline unsigned long arch_trap_pc(const struct trap_frame *tf)
{
	return tf->sepc;
}

static inline unsigned long arch_trap_fp(const struct trap_frame *tf)
{
	return tf->unwind_fp;
}

static inline void arch_trap_set_pc(struct trap_frame *tf, unsigned long pc)
{
	tf->sepc = pc;
}

static inline bool arch_trap_irqs_on(const struct trap_frame *tf)
{
	return tf->sstatus & SSTATUS_SPIE;
}

static inline bool arch_trap_from_user(const struct trap_frame *tf)
{
	return !(tf->sstatus & SSTATUS_SPP);
}

/* System calls (include/uapi/mica/abi.h): number in a7 (x17), arguments a0..a5 (x10..x15),
 * result in a0, as the RISC-V Linux ABI does. */
static inline unsigned long arch_syscall_nr(const struct trap_frame *tf)
{
	return tf->x[17];
}
static inline unsigned long arch_syscall_arg(const struct trap_frame *tf, int i)
{
	return tf->x[10 + i];
}
static inline void arch_syscall_set_return(struct trap_frame *tf, long v)
{
	tf->x[10] = (unsigned long)v;
}

#define ELF_MACHINE 243 /* EM_RISCV */

#endif /* !__ASSEMBLY__ */
#endif
