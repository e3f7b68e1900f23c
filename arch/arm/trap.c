/*
 * The C half of the exception stubs (entry.S): aborts (page faults to the generic handler),
 * system calls and undefined instructions from User mode, the way back to User mode,
 * unexpected exceptions, the register dump and the frame-pointer unwinder.
 *
 * gcc's ARM-state frames (-marm -fno-omit-frame-pointer, checked with objdump): a function that
 * calls others saves {fp, lr} and points fp at the saved lr, so
 *     [fp] = return address, [fp - 4] = the caller's fp.
 * A leaf function saves only fp (fp points at the saved caller's fp) and keeps its return
 * address in lr. Only the innermost frame can be a leaf, which matters when a trap interrupts
 * one: arm_trap_link_frames() tells the two apart.
 */
#include <asm/cp15.h>
#include <mica/arch.h>
#include <mica/cpu.h>
#include <mica/mm_types.h>
#include <mica/panic.h>
#include <mica/printk.h>
#include <mica/proc.h>
#include <mica/sections.h>
#include <mica/uaccess.h>

#include "arm.h"

BUILD_BUG_ON(__builtin_offsetof(struct trap_frame, unwind_fp) != TF_UNWIND_FP);
BUILD_BUG_ON(__builtin_offsetof(struct trap_frame, leaf_rec) != TF_LEAF_REC);
BUILD_BUG_ON(__builtin_offsetof(struct trap_frame, entry_rec) != TF_ENTRY_REC);
BUILD_BUG_ON(__builtin_offsetof(struct trap_frame, tpidrurw) != TF_TPIDRURW);
BUILD_BUG_ON(__builtin_offsetof(struct trap_frame, r) != TF_R0);
BUILD_BUG_ON(__builtin_offsetof(struct trap_frame, sp) != TF_SP);
BUILD_BUG_ON(__builtin_offsetof(struct trap_frame, lr) != TF_LR);
BUILD_BUG_ON(__builtin_offsetof(struct trap_frame, pc) != TF_PC);
BUILD_BUG_ON(__builtin_offsetof(struct trap_frame, cpsr) != TF_CPSR);
BUILD_BUG_ON(sizeof(struct trap_frame) != TF_SIZE);

/* The interrupted function's frame chain: its fp if it saved {fp, lr}; for a leaf, a record
 * {caller's fp, lr} made in leaf_rec, so the leaf's caller (known only from lr) is not lost.
 * None for User mode: the kernel's backtrace ends where user code begins, and must not read
 * user memory through a user fp. */
static unsigned long interrupted_frame(struct trap_frame *tf)
{
	unsigned long fp = tf->r[11];
	unsigned long saved;

	if (arch_trap_from_user(tf))
		return 0;
	/* A frame of the interrupted function lies between its sp and the top of its stack. */
	if ((fp & 3) || fp < tf->sp || fp >= tf->sp + BOOT_STACK_SIZE)
		return 0;
	saved = *(unsigned long *)fp;
	if (is_kernel_text(saved))
		return fp;
	tf->leaf_rec[0] = saved;
	tf->leaf_rec[1] = tf->lr;
	return (unsigned long)&tf->leaf_rec[1];
}

/*
 * Called first by every C trap handler. Sets unwind_fp (arch_trap_fp: panic_trap's backtrace
 * goes pc, then this chain) and links the handler's own chain to it through entry_rec, so a
 * backtrace taken inside the handler runs on through the interrupted code:
 *   handler ... -> entry stub -> entry_rec {unwind_fp, pc} -> [leaf_rec ->] interrupted frames
 * The records sit at rising addresses, as the generic walker requires.
 */
void arm_trap_link_frames(struct trap_frame *tf)
{
	tf->unwind_fp = interrupted_frame(tf);
	tf->entry_rec[0] = tf->unwind_fp;
}

/* DFSR/IFSR with the short-descriptor format (ARM ARM B3.13, "Exception reporting in a VMSA
 * implementation"; B4.1, "DFSR", "IFSR"): the fault status FS is bits[3:0] plus FS[4] in
 * bit 10; DFSR.WnR (bit 11) says a data abort was a write. */
#define FSR_FS(fsr) (((fsr)&0xf) | ((fsr) >> 6 & 0x10))
#define FS_TRANSLATION_SECTION 0x05
#define FS_TRANSLATION_PAGE 0x07
#define FS_PERMISSION_SECTION 0x0d
#define FS_PERMISSION_PAGE 0x0f
#define DFSR_WNR (1 << 11)

/* The fault status encodings a kernel bug or a page fault is likely to produce. */
static const char *fault_name(u32 fsr)
{
	switch (FSR_FS(fsr)) {
	case 0x01:
		return "alignment fault";
	case FS_TRANSLATION_SECTION:
		return "translation fault (section)";
	case FS_TRANSLATION_PAGE:
		return "translation fault (page)";
	case 0x09:
		return "domain fault (section)";
	case 0x0b:
		return "domain fault (page)";
	case FS_PERMISSION_SECTION:
		return "permission fault (section)";
	case FS_PERMISSION_PAGE:
		return "permission fault (page)";
	case 0x08:
		return "synchronous external abort";
	case 0x02:
		return "debug event";
	default:
		return "other fault";
	}
}

/* Every exception but IRQs and page faults, taken in the kernel: a bug. Names the exception and
 * its cause. (From User mode only an FIQ or the unused vector come here, which read nothing of
 * user memory either.) */
void arm_trap_unexpected(struct trap_frame *tf)
{
	char reason[128];
	u32 fsr;

	arm_trap_link_frames(tf);
	switch (tf->vector) {
	case ARM_VEC_UND:
		if (tf->cpsr & PSR_T_BIT)
			snprintf(reason, sizeof(reason), "undefined instruction 0x%04x at 0x%08lx",
				 (unsigned)*(const u16 *)tf->pc, tf->pc);
		else
			snprintf(reason, sizeof(reason), "undefined instruction 0x%08lx at 0x%08lx",
				 (unsigned long)*(const u32 *)tf->pc, tf->pc);
		break;
	case ARM_VEC_DABT:
		fsr = arm_read_dfsr();
		snprintf(reason, sizeof(reason), "data abort: %s on %s (DFSR 0x%03lx DFAR 0x%08lx)",
			 fault_name(fsr), fsr & (1 << 11) ? "write" : "read", (unsigned long)fsr,
			 (unsigned long)arm_read_dfar());
		break;
	case ARM_VEC_PABT:
		fsr = arm_read_ifsr();
		snprintf(reason, sizeof(reason), "prefetch abort: %s (IFSR 0x%03lx IFAR 0x%08lx)",
			 fault_name(fsr), (unsigned long)fsr, (unsigned long)arm_read_ifar());
		break;
	case ARM_VEC_SVC:
		if (arm_exit_requested) {
			/* arch_exit()'s semihosting call trapped: QEMU has no -semihosting. */
			pr_emerg("arm: cannot exit QEMU: semihosting is off (add -semihosting)");
			arch_halt();
		}
		/* The frame's pc is the return address, after the (ARM-state) svc. */
		snprintf(reason, sizeof(reason), "supervisor call (svc) in the kernel at 0x%08lx",
			 tf->pc - 4);
		break;
	case ARM_VEC_FIQ:
		snprintf(reason, sizeof(reason), "FIQ (the kernel never unmasks FIQs)");
		break;
	default:
		snprintf(reason, sizeof(reason), "exception through unused vector %lu", tf->vector);
		break;
	}
	panic_trap(tf, "%s", reason);
}

/*
 * Prefetch and data aborts (entry.S returns to the frame's pc afterwards). Translation and
 * permission faults are page faults: no entry for the address (or none yet at this level), or
 * an entry that forbids the access (a clean or copy-on-write page written, a kernel page
 * touched by LDRT/STRT or by User mode). They go to do_page_fault() with the fault address
 * (DFAR/IFAR), what the access was, and whether User mode made it; it resolves them, sends a
 * user copy to its fixup, kills the process (SIGSEGV) or panics. Any other abort (alignment,
 * external, debug) is a bug in the kernel and kills the process (SIGBUS) from User mode.
 */
void arm_trap_abort(struct trap_frame *tf)
{
	bool data = tf->vector == ARM_VEC_DABT;
	u32 fsr = data ? arm_read_dfsr() : arm_read_ifsr(); /* read before IRQs are back on */
	unsigned long addr = data ? arm_read_dfar() : arm_read_ifar();
	unsigned flags = data ? ((fsr & DFSR_WNR) ? FAULT_WRITE : 0) : FAULT_EXEC;
	char cause[80];

	arm_trap_link_frames(tf);
	switch (FSR_FS(fsr)) {
	case FS_TRANSLATION_SECTION:
	case FS_TRANSLATION_PAGE:
	case FS_PERMISSION_SECTION:
	case FS_PERMISSION_PAGE:
		break;
	default:
		if (!arch_trap_from_user(tf))
			arm_trap_unexpected(tf);
		/* Alignment (LDM, LDRD, LDREX off a word), external, debug (BKPT): not the
		 * memory map's business. */
		user_exception_kill(tf, SIGBUS, "%s abort: %s at 0x%lx (%s 0x%03lx)",
				    data ? "data" : "prefetch", fault_name(fsr), addr,
				    data ? "DFSR" : "IFSR", (unsigned long)fsr);
		return;
	}
	if (arch_trap_from_user(tf))
		flags |= FAULT_USER;
	snprintf(cause, sizeof(cause), "%s abort: %s, %s 0x%03lx", data ? "data" : "prefetch",
		 fault_name(fsr), data ? "DFSR" : "IFSR", (unsigned long)fsr);
	do_page_fault(tf, addr, flags, cause);
}

/*
 * svc (entry.S leaves the frame's pc after it, where the call returns). From User mode a system
 * call: number and arguments in the frame, the result written back into r0 (do_syscall()).
 * From the kernel a bug, or arch_exit()'s semihosting call without semihosting.
 */
void arm_trap_svc(struct trap_frame *tf)
{
	arm_trap_link_frames(tf);
	if (!arch_trap_from_user(tf))
		arm_trap_unexpected(tf);
	do_syscall(tf);
}

/*
 * Undefined instruction. From User mode the process dies of SIGILL: the instruction does not
 * exist, needs a privilege User mode lacks, or is a VFP/NEON one (the FPU stays off, CPACR
 * grants no coprocessor access, so soft-float programs only). In the kernel, a bug.
 */
void arm_trap_undef(struct trap_frame *tf)
{
	bool thumb = tf->cpsr & PSR_T_BIT, wide = true;
	u16 hw[2] = { 0, 0 };
	u32 insn = 0;

	arm_trap_link_frames(tf);
	if (!arch_trap_from_user(tf))
		arm_trap_unexpected(tf);
	/* The instruction, for the message. Just fetched, so mapped; a copy that fails anyway
	 * (another thread unmapped it) leaves 0. */
	if (!thumb) {
		if (copy_from_user(&insn, (const void __user *)tf->pc, 4))
			insn = 0;
	} else {
		/* lr_und was the instruction + 2 in Thumb state, not + 4 (B1.8.3). A first
		 * halfword with bits[15:11] = 0b11101, 0b11110 or 0b11111 opens a 32-bit
		 * instruction (A6.1, "Thumb instruction set encoding"). */
		tf->pc += 2;
		if (copy_from_user(&hw[0], (const void __user *)tf->pc, 2))
			hw[0] = 0;
		wide = hw[0] >> 11 >= 0x1d;
		if (wide && copy_from_user(&hw[1], (const void __user *)(tf->pc + 2), 2))
			hw[1] = 0;
		insn = wide ? (u32)hw[0] << 16 | hw[1] : hw[0];
	}
	user_exception_kill(tf, SIGILL, "undefined instruction 0x%0*lx (%s state)", wide ? 8 : 4,
			    (unsigned long)insn, thumb ? "Thumb" : "ARM");
}

/*
 * entry.S, after the handler of every exception taken from User mode, IRQs masked: the last
 * stop before the frame is restored (exit_to_user(): a pending reschedule, a kill). The frame
 * must be the thread's user frame: entry.S put it where sp_svc pointed, and sp_svc was the
 * stack top only if every way into User mode left it there (arm_trap_return).
 */
void arm_trap_exit_user(struct trap_frame *tf)
{
	BUG_ON(tf != task_user_frame(current));
	exit_to_user(tf);
}

static const char *mode_name(unsigned long cpsr)
{
	switch (cpsr & PSR_MODE_MASK) {
	case PSR_MODE_USR:
		return "usr";
	case 0x11:
		return "fiq";
	case 0x12:
		return "irq";
	case 0x13:
		return "svc";
	case 0x17:
		return "abt";
	case 0x1a:
		return "hyp";
	case 0x1b:
		return "und";
	case 0x1f:
		return "sys";
	default:
		return "???";
	}
}

void arch_dump_regs(const struct trap_frame *tf)
{
	const unsigned long *r = tf->r;

	pr_emerg(" r0: %08lx  r1: %08lx  r2: %08lx  r3: %08lx", r[0], r[1], r[2], r[3]);
	pr_emerg(" r4: %08lx  r5: %08lx  r6: %08lx  r7: %08lx", r[4], r[5], r[6], r[7]);
	pr_emerg(" r8: %08lx  r9: %08lx r10: %08lx  fp: %08lx", r[8], r[9], r[10], r[11]);
	pr_emerg(" ip: %08lx  sp: %08lx  lr: %08lx  pc: %08lx", r[12], tf->sp, tf->lr, tf->pc);
	pr_emerg(" pc is at %pS", (void *)tf->pc);
	pr_emerg(" lr is at %pB", (void *)tf->lr); /* a return address, as a rule */
	pr_emerg(" cpsr: %08lx (mode %s, %s state, IRQs %s)", tf->cpsr, mode_name(tf->cpsr),
		 tf->cpsr & PSR_T_BIT ? "Thumb" : "ARM", tf->cpsr & PSR_I_BIT ? "masked" : "on");
}

unsigned long arch_unwind_frame(unsigned long fp, unsigned long *ret)
{
	const unsigned long *rec = (const unsigned long *)fp;

	/* Not a return address: the chain is broken (or fp was a leaf's), stop here. */
	if (!is_kernel_text(rec[0])) {
		*ret = 0;
		return 0;
	}
	*ret = rec[0];
	return rec[-1];
}
