/*
 * A new task's first context (arch_context_init) and the panic if its entry function returns.
 * The switch itself, and the trampoline a new task starts in, are in switch.S; the x87/SSE part
 * of a context in fpu.c.
 */
#include <asm/arch.h>
#include <asm/boot.h>
#include <mica/arch.h>
#include <mica/panic.h>

void x86_task_trampoline(void);			/* switch.S */
void __noreturn x86_task_returned(void *entry); /* called from switch.S only */

void arch_context_init(struct arch_context *ctx, unsigned long stack_top, void (*entry)(void *),
		       void *arg)
{
	BUILD_BUG_ON(__builtin_offsetof(struct arch_context, rbx) != X86_CTX_RBX);
	BUILD_BUG_ON(__builtin_offsetof(struct arch_context, rbp) != X86_CTX_RBP);
	BUILD_BUG_ON(__builtin_offsetof(struct arch_context, r12) != X86_CTX_R12);
	BUILD_BUG_ON(__builtin_offsetof(struct arch_context, r13) != X86_CTX_R13);
	BUILD_BUG_ON(__builtin_offsetof(struct arch_context, r14) != X86_CTX_R14);
	BUILD_BUG_ON(__builtin_offsetof(struct arch_context, r15) != X86_CTX_R15);
	BUILD_BUG_ON(__builtin_offsetof(struct arch_context, rsp) != X86_CTX_RSP);
	BUILD_BUG_ON(__builtin_offsetof(struct arch_context, rip) != X86_CTX_RIP);
	BUILD_BUG_ON(__builtin_offsetof(struct arch_context, fpu_user) != X86_CTX_FPU_USER);
	BUILD_BUG_ON(__builtin_offsetof(struct arch_context, fpu) != X86_CTX_FPU);
	BUILD_BUG_ON(sizeof(struct arch_context) != X86_CTX_SIZE);
	/* The trampoline calls entry with rsp = stack_top, and a call needs rsp % 16 == 0. */
	BUG_ON(stack_top & 15);

	*ctx = (struct arch_context){
		.rbp = 0, /* ends the frame-pointer chain in the task's first frame */
		.r12 = (unsigned long)entry,
		.r13 = (unsigned long)arg,
		.rsp = stack_top,
		.rip = (unsigned long)x86_task_trampoline,
	};
	x86_fpu_context_init(ctx);
}

void x86_task_returned(void *entry)
{
	panic("x86_task_trampoline: task entry %pS returned", entry);
}
