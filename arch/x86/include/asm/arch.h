/*
 * The x86-64 port's inline hooks (contract in include/mica/arch.h) and its trap frame.
 *
 * Per-CPU pointer: %gs's base (MSR IA32_GS_BASE) holds the CPU's struct cpu, and the struct keeps
 * its own address in arch[0], so arch_this_cpu() is a single %gs-relative load (an rdmsr would
 * cost a trap into QEMU on every call). There is no user mode yet, so no swapgs is needed.
 */
#ifndef ASM_ARCH_H
#define ASM_ARCH_H

#include <asm/x86.h>

/*
 * Offsets into struct trap_frame for entry.S (checked against the struct in trap.c). The CPU
 * pushes ss, rsp, rflags, cs, rip (SDM 3A 6.14.2) and, for some exceptions, an error code; the
 * stub pushes a dummy error code otherwise, then the vector, then every general register, then
 * the two frame records of `link`.
 */
#define X86_TF_LINK1 (2 * 8)
#define X86_TF_RBP (12 * 8)
#define X86_TF_VECTOR (19 * 8)
#define X86_TF_RIP (21 * 8)
#define X86_TF_RSP (24 * 8)
#define X86_TF_SIZE (26 * 8)

/* Byte offset of struct cpu's arch[0] (checked in cpu.c): struct cpu is not complete here. */
#define X86_CPU_SELF_OFFSET 56

/* Offsets into struct arch_context for switch.S (checked against the struct in task.c). */
#define X86_CTX_RBX (0 * 8)
#define X86_CTX_RBP (1 * 8)
#define X86_CTX_R12 (2 * 8)
#define X86_CTX_R13 (3 * 8)
#define X86_CTX_R14 (4 * 8)
#define X86_CTX_R15 (5 * 8)
#define X86_CTX_RSP (6 * 8)
#define X86_CTX_RIP (7 * 8)
#define X86_CTX_SIZE (8 * 8)

#ifndef __ASSEMBLY__
#include <mica/types.h>

struct cpu;

/* A frame record, as every function with a frame keeps one at %rbp (SysV x86-64 ABI 3.2.2). */
struct x86_frame_record {
	unsigned long rbp; /* the caller's record */
	unsigned long ret; /* the return address into the caller */
};

struct trap_frame {
	/*
	 * Chains a frame-pointer backtrace from the trap handler into the interrupted code:
	 * x86_trap_common points %rbp at link[0] = {rbp, rip}. link[1] stands in for the record
	 * of an interrupted function that had none (trap.c, x86_trap_link_frameless).
	 */
	struct x86_frame_record link[2];
	unsigned long r15, r14, r13, r12, r11, r10, r9, r8;
	unsigned long rbp, rdi, rsi, rdx, rcx, rbx, rax;
	unsigned long vector;
	unsigned long error_code;		/* the CPU's, or 0 for vectors that push none */
	unsigned long rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};

/*
 * A task that is not running: what arch_switch_to() (switch.S) saved of it. Only the registers a
 * called function must preserve (SysV x86-64 psABI 3.2.1: rbx, rbp, r12-r15, and rsp), since the
 * switch is an ordinary call for the compiler; every other register is dead across it. No
 * RFLAGS: interrupts are off on both sides of every switch, and DF is clear at every call by the
 * ABI. No x87/SSE state: the kernel is built -mgeneral-regs-only.
 */
struct arch_context {
	unsigned long rbx, rbp, r12, r13, r14, r15;
	unsigned long rsp; /* as after arch_switch_to() returns: just above the return address */
	unsigned long rip; /* where it returns to (the first time: x86_task_trampoline) */
};

/* True if flags (from arch_irq_save) say interrupts were masked (RFLAGS.IF, bit 9). */
static inline bool arch_irqs_disabled_flags(unsigned long flags)
{
	return !(flags & X86_RFLAGS_IF);
}

static inline unsigned long arch_irq_save(void)
{
	unsigned long flags;

	__asm__ __volatile__("pushfq; popq %0; cli" : "=r"(flags) : : "memory");
	return flags;
}

static inline void arch_irq_restore(unsigned long flags)
{
	if (flags & X86_RFLAGS_IF)
		__asm__ __volatile__("sti" : : : "memory");
}

static inline void arch_irq_enable(void)
{
	__asm__ __volatile__("sti" : : : "memory");
}

static inline void arch_irq_disable(void)
{
	__asm__ __volatile__("cli" : : : "memory");
}

static inline bool arch_irqs_disabled(void)
{
	unsigned long flags;

	__asm__ __volatile__("pushfq; popq %0" : "=r"(flags));
	return !(flags & X86_RFLAGS_IF);
}

static inline void arch_cpu_relax(void)
{
	__asm__ __volatile__("pause" : : : "memory");
}

static inline struct cpu *arch_this_cpu(void)
{
	struct cpu *c;

	__asm__ __volatile__("movq %%gs:%c1, %0" : "=r"(c) : "i"(X86_CPU_SELF_OFFSET));
	return c;
}

static inline void arch_set_this_cpu(struct cpu *c)
{
	x86_wrmsr(X86_MSR_GS_BASE, (unsigned long)c);
	__asm__ __volatile__("movq %0, %%gs:%c1" : : "r"(c), "i"(X86_CPU_SELF_OFFSET) : "memory");
}

static inline unsigned long arch_trap_pc(const struct trap_frame *tf)
{
	return tf->rip;
}

/* Where the walk goes on after the interrupted pc: normally the interrupted rbp. */
static inline unsigned long arch_trap_fp(const struct trap_frame *tf)
{
	return tf->link[0].rbp;
}

/* iretq resumes at the saved rip (exception-table fixups, <mica/uaccess.h>). */
static inline void arch_trap_set_pc(struct trap_frame *tf, unsigned long pc)
{
	tf->rip = pc;
}

/* The interrupted code's RFLAGS.IF: the gate cleared IF, the saved RFLAGS kept it. */
static inline bool arch_trap_irqs_on(const struct trap_frame *tf)
{
	return tf->rflags & X86_RFLAGS_IF;
}

#endif /* __ASSEMBLY__ */
#endif
