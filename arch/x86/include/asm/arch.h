/*
 * The x86-64 port's inline hooks (contract in include/mica/arch.h) and its trap frame.
 *
 * Per-CPU pointer: %gs's base (MSR IA32_GS_BASE) holds the CPU's struct cpu, and the struct keeps
 * its own address in arch[0], so arch_this_cpu() is a single %gs-relative load (an rdmsr would
 * cost a trap into QEMU on every call). That holds whenever the CPU runs kernel code: every
 * entry from ring 3 begins with SWAPGS and every return to ring 3 ends with one (entry.S), so
 * the user's GS base waits in IA32_KERNEL_GS_BASE while the kernel runs.
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
#define X86_TF_CS (22 * 8)
#define X86_TF_RSP (24 * 8)
#define X86_TF_SIZE (26 * 8)

/* tf->vector of a frame built by the SYSCALL entry: no IDT vector has this number. */
#define X86_VECTOR_SYSCALL 256

/* Byte offsets of struct cpu's arch[] words (checked in cpu.c): struct cpu is not complete
 * here. arch[0]: the struct's own address; arch[1]: the kernel stack top of the user thread
 * running on this CPU (arch_set_kernel_stack); arch[2]: the user rsp, for a moment at SYSCALL
 * entry. */
#define X86_CPU_SELF_OFFSET 56
#define X86_CPU_KSTACK_TOP_OFFSET 64
#define X86_CPU_USER_RSP_OFFSET 72

/* Offsets into struct arch_context for switch.S (checked against the struct in task.c). */
#define X86_CTX_RBX (0 * 8)
#define X86_CTX_RBP (1 * 8)
#define X86_CTX_R12 (2 * 8)
#define X86_CTX_R13 (3 * 8)
#define X86_CTX_R14 (4 * 8)
#define X86_CTX_R15 (5 * 8)
#define X86_CTX_RSP (6 * 8)
#define X86_CTX_RIP (7 * 8)
#define X86_CTX_FPU_USER (8 * 8)
#define X86_CTX_FPU (10 * 8)
#define X86_CTX_SIZE (10 * 8 + 512)

#ifndef __ASSEMBLY__
#include <mica/compiler.h>
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
 * The x87/SSE state as FXSAVE64 stores it and FXRSTOR64 loads it: 512 bytes, 16-byte aligned
 * (SDM Vol. 1 10.5.1, table 10-2; Vol. 2A FXSAVE, the 64-bit layout). gdb: p/x ctx.fpu.mxcsr.
 */
struct x86_fxsave_area {
	u16 fcw; /* x87 control word */
	u16 fsw; /* x87 status word */
	u8 ftw;	 /* abridged tag word: bit i set = ST(i) valid; 0 = all empty */
	u8 reserved0;
	u16 fop; /* last x87 opcode */
	u64 fip; /* last x87 instruction pointer */
	u64 fdp; /* last x87 data pointer */
	u32 mxcsr;
	u32 mxcsr_mask; /* written by FXSAVE, ignored by FXRSTOR */
	u8 st[8][16];	/* ST0-ST7 / MM0-MM7, 10 bytes used of each 16 */
	u8 xmm[16][16];
	u8 reserved1[96];
} __aligned(16);

/*
 * A task that is not running: what arch_switch_to() (switch.S) saved of it. The registers a
 * called function must preserve (SysV x86-64 psABI 3.2.1: rbx, rbp, r12-r15, and rsp), since the
 * switch is an ordinary call for the compiler; every other general register is dead across it.
 * No RFLAGS: interrupts are off on both sides of every switch, and DF is clear at every call by
 * the ABI.
 *
 * And, for a user thread only (fpu_user set), its x87/SSE registers: user code owns them, the
 * kernel never touches them (-mgeneral-regs-only), so they hold the running user thread's state
 * and are switched with it (fpu.c). A kernel thread's fpu area is unused.
 */
struct arch_context {
	unsigned long rbx, rbp, r12, r13, r14, r15;
	unsigned long rsp; /* as after arch_switch_to() returns: just above the return address */
	unsigned long rip; /* where it returns to (the first time: x86_task_trampoline) */
	/* nonzero: fpu is a user thread's, saved and loaded by the switch */
	unsigned long fpu_user;
	struct x86_fxsave_area fpu;
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

/* The RPL of the saved CS is the privilege level the trap came from (SDM 3A 5.5). */
static inline bool arch_trap_from_user(const struct trap_frame *tf)
{
	return (tf->cs & 3) == 3;
}

/* System calls (include/uapi/mica/abi.h): number in rax, arguments in rdi, rsi, rdx, r10, r8,
 * r9, result in rax: the x86-64 Linux convention (psABI A.2.1). r10 stands in for rcx, which
 * SYSCALL overwrites with the return rip. */
static inline unsigned long arch_syscall_nr(const struct trap_frame *tf)
{
	return tf->rax;
}

static inline unsigned long arch_syscall_arg(const struct trap_frame *tf, int i)
{
	switch (i) {
	case 0:
		return tf->rdi;
	case 1:
		return tf->rsi;
	case 2:
		return tf->rdx;
	case 3:
		return tf->r10;
	case 4:
		return tf->r8;
	default:
		return tf->r9;
	}
}

static inline void arch_syscall_set_return(struct trap_frame *tf, long v)
{
	tf->rax = (unsigned long)v;
}

#define ELF_MACHINE 62 /* EM_X86_64 */

#endif /* __ASSEMBLY__ */
#endif
