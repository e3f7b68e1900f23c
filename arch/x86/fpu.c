/*
 * x87 and SSE state for user threads (newlib's printf of a double, any compiled floating-point
 * code). The kernel never touches those registers: it is built -mgeneral-regs-only (arch.mk).
 * So they always hold the state of the user thread that last ran on this CPU, and a thread's
 * state needs saving only when it is switched away, not on every trap:
 *
 *  - a user thread's struct arch_context has fpu_user set and a 512-byte FXSAVE area;
 *  - arch_switch_to() (switch.S) does FXSAVE64 into prev's area if prev is such a context and
 *    FXRSTOR64 from next's if next is one; kernel threads cost nothing. Eager, not lazy
 *    (CR0.TS and #NM): a thread may resume on another CPU, whose registers never held its
 *    state, so it must be in memory by then anyway;
 *  - a new program (exec) starts from the initial state below (x86_fpu_reset_user);
 *  - a new thread or forked child starts with a copy of its creator's registers
 *    (x86_fpu_context_init, from arch_context_init(), which fork and clone call in the
 *    parent): exactly what the parent had at its SYSCALL. The psABI makes every x87/SSE
 *    register caller-saved (3.2.1), so a program cannot rely on them across the call anyway;
 *    but MXCSR's and the x87 control word's control bits are callee-saved, and a copy keeps
 *    the child's rounding mode and exception masks those of the parent, as on Linux.
 *
 * References: SDM Vol. 3A 13.1 (enabling SSE: CR4.OSFXSR, CR4.OSXMMEXCPT, CR0.EM clear, CR0.MP
 * set), 9.2.1 (CR0.NE), Vol. 1 10.5.1 (the FXSAVE area), Vol. 2A FXSAVE/FXRSTOR.
 * gdb: p/x $mxcsr, p $xmm0 (the running thread); p/x ((struct task *)T)->ctx.fpu.mxcsr (one
 * switched out).
 */
#include <asm/boot.h>
#include <asm/x86.h>
#include <mica/arch.h>
#include <mica/cpu.h>
#include <mica/panic.h>
#include <mica/proc.h>
#include <mica/sched.h>

#define X86_CPUID_EDX_FXSR (1u << 24) /* CPUID.01H:EDX: FXSAVE/FXRSTOR (SDM 3A 13.1.3) */
#define X86_CPUID_EDX_SSE (1u << 25)
#define X86_CPUID_EDX_SSE2 (1u << 26)

/*
 * The state a program starts in (psABI 3.4.1): the x87 as FNINIT leaves it (control word
 * 0x37f: every exception masked, 64-bit precision, round to nearest; every register empty:
 * abridged tag 0) and MXCSR at its reset value 0x1f80 (every SIMD exception masked, round to
 * nearest; SDM Vol. 1 10.2.3); every data register zero.
 */
static const struct x86_fxsave_area x86_fpu_initial = { .fcw = 0x37f, .mxcsr = 0x1f80 };

static inline void x86_fxsave(struct x86_fxsave_area *a)
{
	__asm__ __volatile__("fxsave64 %0" : "=m"(*a));
}

static inline void x86_fxrstor(const struct x86_fxsave_area *a)
{
	__asm__ __volatile__("fxrstor64 %0" : : "m"(*a));
}

void x86_fpu_init_cpu(void)
{
	u32 r[4];
	u32 need = X86_CPUID_EDX_FXSR | X86_CPUID_EDX_SSE | X86_CPUID_EDX_SSE2;

	x86_cpuid(1, r);
	if ((r[3] & need) != need) /* every x86-64 CPU has them; check before CR4 #GPs */
		panic("x86_fpu_init_cpu: no FXSR/SSE/SSE2 (CPUID.01H:EDX 0x%x)", r[3]);
	x86_write_cr0((x86_read_cr0() | X86_CR0_MP | X86_CR0_NE) & ~(X86_CR0_EM | X86_CR0_TS));
	x86_write_cr4(x86_read_cr4() | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT);
}

void x86_fpu_context_init(struct arch_context *ctx)
{
	unsigned long flags = arch_irq_save(); /* current and its live registers, on one CPU */
	struct task *creator = this_cpu()->curr;

	ctx->fpu_user = creator->ctx.fpu_user;
	if (ctx->fpu_user)
		x86_fxsave(&ctx->fpu); /* the creator's registers are its user state */
	else
		ctx->fpu = x86_fpu_initial;
	arch_irq_restore(flags);
}

void x86_fpu_reset_user(struct trap_frame *tf)
{
	unsigned long flags = arch_irq_save();
	struct task *t = this_cpu()->curr;

	/* Only the running thread's registers are at hand (exec runs in the thread itself). */
	BUG_ON(tf != task_user_frame(t));
	t->ctx.fpu_user = 1; /* before the load: a switch now must save what is loaded */
	x86_fxrstor(&x86_fpu_initial);
	arch_irq_restore(flags);
}
