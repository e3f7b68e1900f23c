/*
 * A task's first switch: arch_context_init() builds a context that arch_switch_to()
 * (switch.S) "returns" into riscv_task_trampoline, which calls entry(arg) on the new stack.
 */
#include <asm/riscv.h>
#include <mica/arch.h>
#include <mica/cpu.h>
#include <mica/panic.h>
#include <mica/string.h>

/* switch.S uses hand-written offsets (<asm/asm-offsets.h>): check them against the C layout. */
BUILD_BUG_ON(__builtin_offsetof(struct arch_context, ra) != CTX_RA);
BUILD_BUG_ON(__builtin_offsetof(struct arch_context, sp) != CTX_SP);
BUILD_BUG_ON(__builtin_offsetof(struct arch_context, s[11]) != CTX_S(11));
BUILD_BUG_ON(sizeof(struct arch_context) != CTX_SIZE);

void __noreturn riscv_task_entry_returned(void (*entry)(void *));

/*
 * The trampoline takes entry in s1 and arg in s2; s0 = 0 ends the frame chain (entry's
 * prologue saves it as its caller's fp, and the unwinder stops at fp 0).
 */
void arch_context_init(struct arch_context *ctx, unsigned long stack_top, void (*entry)(void *),
		       void *arg)
{
	BUG_ON(stack_top & 15); /* psABI: sp is 16-byte aligned at every call */
	memset(ctx, 0, sizeof(*ctx));
	ctx->ra = (unsigned long)riscv_task_trampoline;
	ctx->sp = stack_top;
	ctx->s[0] = 0;
	ctx->s[1] = (unsigned long)entry;
	ctx->s[2] = (unsigned long)arg;
}

/* Called by the trampoline if a task's entry function returns: there is nowhere to go. */
void riscv_task_entry_returned(void (*entry)(void *))
{
	panic("riscv_task_trampoline: task entry %pS returned", (void *)entry);
}

/* ---- user mode (<mica/arch.h>, "user mode") ---- */

void arch_user_frame_init(struct trap_frame *tf, unsigned long pc, unsigned long sp)
{
	memset(tf, 0, sizeof(*tf));
	tf->sepc = pc;
	tf->x[2] = sp;
	/* sret (priv spec 3.3.2) goes to U-mode (SPP = 0) with interrupts on (SIE = SPIE = 1);
	 * SUM stays 0: the kernel reaches user memory only inside uaccess.S. No FS: no FPU. */
	tf->sstatus = SSTATUS_SPIE;
}

void arch_user_frame_set_sp(struct trap_frame *tf, unsigned long sp)
{
	tf->x[2] = sp;
}

void arch_set_kernel_stack(unsigned long top)
{
	this_cpu()->arch[1] = top; /* CPU_KSTACK_TOP, read by entry.S */
}

void arch_return_to_user(struct trap_frame *tf)
{
	BUG_ON(!arch_irqs_disabled() || !arch_trap_from_user(tf));
	/* entry.S's exit path, on the frame at the top of this task's kernel stack */
	__asm__ __volatile__("mv sp, %0\n\tj riscv_trap_return" : : "r"(tf) : "memory");
	__builtin_unreachable();
}
