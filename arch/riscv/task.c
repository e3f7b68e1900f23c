/*
 * A task's first switch: arch_context_init() builds a context that arch_switch_to()
 * (switch.S) "returns" into riscv_task_trampoline, which calls entry(arg) on the new stack.
 */
#include <asm/riscv.h>
#include <mica/arch.h>
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
