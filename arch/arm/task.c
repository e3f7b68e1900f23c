/*
 * A new task's first context (the switch itself is in switch.S): the first arch_switch_to()
 * into it "returns" to arm_task_trampoline, which calls entry(arg) on the task's stack. And a
 * user thread's User-mode context: its trap frame, and the way into User mode.
 */
#include <asm/arch.h>
#include <mica/arch.h>
#include <mica/panic.h>
#include <mica/proc.h>
#include <mica/string.h>

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

/* ---- user mode (<mica/arch.h>, "user mode") ---- */

/*
 * The CPSR a user thread starts with (B1.3.3, "Program Status Registers"): M = User mode,
 * A, I and F clear (aborts and interrupts taken), T = 0 (ARM state: the programs are built
 * -marm; a Thumb one switches by BX itself), E = 0 (little-endian), condition flags, GE and IT
 * zero. The rfe in arm_trap_return loads it whole. TPIDRURW starts at 0 too.
 */
void arch_user_frame_init(struct trap_frame *tf, unsigned long pc, unsigned long sp)
{
	memset(tf, 0, sizeof(*tf));
	tf->vector = ARM_VEC_SVC; /* as if it came back from a system call */
	tf->pc = pc;
	tf->sp = sp;
	tf->cpsr = PSR_MODE_USR;
}

void arch_user_frame_set_sp(struct trap_frame *tf, unsigned long sp)
{
	tf->sp = sp;
}

/*
 * Nothing to do: a trap from User mode pushes its frame on sp_svc, and sp_svc is already this
 * thread's stack top whenever it runs in User mode. The only way there, arm_trap_return, pops
 * the frame at task_user_frame() and so leaves sp_svc at the very top of the stack, and the
 * switch to the thread (arch_switch_to) loaded its sp_svc with the rest of its context. There is
 * no per-CPU stack pointer to keep in step, unlike riscv's and x86's.
 */
void arch_set_kernel_stack(unsigned long top)
{
	(void)top;
}

void arch_return_to_user(struct trap_frame *tf)
{
	BUG_ON(!arch_irqs_disabled() || !arch_trap_from_user(tf));
	BUG_ON(tf != task_user_frame(current)); /* sp_svc must end at the stack top */
	/* entry.S's exit path: restores tf and enters User mode with its cpsr (rfe) */
	__asm__ __volatile__("mov r4, %0\n\tb arm_trap_return" : : "r"(tf) : "r4", "memory");
	__builtin_unreachable();
}
