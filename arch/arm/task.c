/*
 * A new task's first context (the switch itself is in switch.S). The first arch_switch_to()
 * into it "returns" to arm_task_trampoline, which calls entry(arg) on the task's stack.
 */
#include <asm/arch.h>
#include <mica/arch.h>
#include <mica/panic.h>

#include "arm.h"

BUILD_BUG_ON(__builtin_offsetof(struct arch_context, r4) != CTX_R4);
BUILD_BUG_ON(__builtin_offsetof(struct arch_context, fp) != CTX_FP);
BUILD_BUG_ON(__builtin_offsetof(struct arch_context, sp) != CTX_SP);
BUILD_BUG_ON(__builtin_offsetof(struct arch_context, lr) != CTX_LR);
BUILD_BUG_ON(sizeof(struct arch_context) != CTX_SIZE);

/*
 * r4 and r5 carry entry and arg to the trampoline (they are what arch_switch_to loads);
 * fp = 0 ends the frame chain. IRQs stay as the switching CPU had them: masked.
 */
void arch_context_init(struct arch_context *ctx, unsigned long stack_top, void (*entry)(void *),
		       void *arg)
{
	BUG_ON(stack_top & 7); /* AAPCS: sp 8-byte aligned at every public interface */
	*ctx = (struct arch_context){
		.r4 = (unsigned long)entry,
		.r5 = (unsigned long)arg,
		.fp = 0,
		.sp = stack_top,
		.lr = (unsigned long)arm_task_trampoline,
	};
}

/* From arm_task_trampoline: a task's entry function returned, which it must never do. */
void arm_task_entry_returned(void (*entry)(void *))
{
	panic("arm_task_trampoline: task entry %pS returned", (void *)entry);
}
