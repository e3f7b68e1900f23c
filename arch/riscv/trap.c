/*
 * Trap handling: per-CPU trap set-up, the C half of the trap entry (entry.S), the register
 * dump and one step of the frame-pointer unwinder. In kernel mode the only traps Mica expects
 * are the supervisor timer and software (IPI) interrupts; everything else is a panic.
 */
#include <asm/riscv.h>
#include <mica/arch.h>
#include <mica/cpu.h>
#include <mica/errno.h>
#include <mica/mm_types.h>
#include <mica/panic.h>
#include <mica/preempt.h>
#include <mica/printk.h>
#include <mica/proc.h>
#include <mica/sections.h>
#include <mica/uaccess.h>

/* entry.S uses hand-written offsets (<asm/asm-offsets.h>): check them against the C layout. */
BUILD_BUG_ON(__builtin_offsetof(struct trap_frame, x[31]) != TF_X(31));
BUILD_BUG_ON(__builtin_offsetof(struct trap_frame, sepc) != TF_SEPC);
BUILD_BUG_ON(__builtin_offsetof(struct trap_frame, sstatus) != TF_SSTATUS);
BUILD_BUG_ON(__builtin_offsetof(struct trap_frame, scause) != TF_SCAUSE);
BUILD_BUG_ON(__builtin_offsetof(struct trap_frame, stval) != TF_STVAL);
BUILD_BUG_ON(__builtin_offsetof(struct trap_frame, trap_record) +
		 sizeof(struct riscv_frame_record) !=
	     TF_TRAP_RECORD_END);
BUILD_BUG_ON(__builtin_offsetof(struct trap_frame, leaf_record) != TF_TRAP_RECORD_END);
BUILD_BUG_ON(sizeof(struct trap_frame) != TF_SIZE || TF_SIZE % 16);

void riscv_trap_handle(struct trap_frame *tf);

/* Exception codes of scause, privileged spec v1.12 4.1.8, Table 4.2. */
static const char *const exception_names[] = {
	[0] = "instruction address misaligned",
	[1] = "instruction access fault",
	[2] = "illegal instruction",
	[3] = "breakpoint",
	[4] = "load address misaligned",
	[5] = "load access fault",
	[6] = "store/AMO address misaligned",
	[7] = "store/AMO access fault",
	[8] = "environment call from U-mode",
	[9] = "environment call from S-mode",
	[12] = "instruction page fault",
	[13] = "load page fault",
	[15] = "store/AMO page fault",
};

void arch_cpu_init(struct cpu *c)
{
	BUG_ON(arch_this_cpu() != c);
	/* Direct mode (4.1.2): all traps enter at riscv_trap_entry, which is 4-byte aligned. */
	csr_write(stvec, (unsigned long)riscv_trap_entry);
	/* IPIs arrive as supervisor software interrupts; the timer's bit is set by
	 * arch_timer_init() once a deadline is programmed. No external interrupts yet. */
	csr_clear(sip, SIP_SSIP);
	csr_write(sie, SIE_SSIE);
	/* The MMU's per-hart part: ASIDs (and, once, the A/D mode), before any user mm runs. */
	if (c->id == 0)
		riscv_ad_init();
	riscv_tlb_cpu_init(c);
}

/*
 * Fills tf's frame records so that a backtrace runs from the handler, through the interrupted
 * pc, on into the interrupted code's callers. A function that calls nothing (a leaf) saves only
 * its caller's fp, at fp - 8, and keeps its return address in ra; such a frame is recognised by
 * fp - 8 holding no code address, and gets a record { caller's fp, ra } of its own.
 */
static void trap_link_frames(struct trap_frame *tf)
{
	unsigned long fp = tf->x[8], sp = tf->x[2];

	tf->unwind_fp = fp;
	if ((tf->sstatus & SSTATUS_SPP) && fp > sp && fp - sp <= BOOT_STACK_SIZE && !(fp & 7) &&
	    !is_kernel_text(((unsigned long *)fp)[-1])) {
		tf->leaf_record.fp = ((unsigned long *)fp)[-1];
		tf->leaf_record.ra = tf->x[1];
		tf->unwind_fp = (unsigned long)(&tf->leaf_record + 1);
	}
	tf->trap_record.fp = tf->unwind_fp;
	tf->trap_record.ra = tf->sepc;
}

/*
 * Runs one interrupt between irq_enter() and irq_exit(), with interrupts masked throughout
 * (sstatus.SIE was cleared by the trap and nothing here sets it), on the interrupted task's
 * stack. irq_exit() is the last call: it may switch tasks, and this function then returns on
 * whichever CPU the task is resumed on, so nothing per-CPU may be used after it.
 */
static void handle_interrupt(struct trap_frame *tf, unsigned long irq)
{
	struct cpu *c = this_cpu();

	/* Kernel code never changes tp: a stale one here means a trap exit restored it. */
	if ((tf->sstatus & SSTATUS_SPP) && tf->x[4] != (unsigned long)c)
		panic_trap(tf, "trap: interrupted tp 0x%lx is not this cpu%u's %p", tf->x[4], c->id,
			   (void *)c);
	if (irq != IRQ_S_TIMER && irq != IRQ_S_SOFT)
		panic_trap(tf, "trap: unexpected interrupt %lu (scause 0x%lx)", irq, tf->scause);

	WRITE_ONCE(c->irqs, c->irqs + 1);
	irq_enter();
	if (irq == IRQ_S_TIMER)
		riscv_timer_interrupt();
	else
		riscv_ipi_interrupt();
	irq_exit();
}

/* An exception (not an interrupt). Page faults go to the generic handler; from user mode a
 * system call goes to do_syscall() and anything else kills the process; from kernel mode
 * anything else is a kernel bug. */
static void handle_exception(struct trap_frame *tf, unsigned long code)
{
	const char *name = code < ARRAY_SIZE(exception_names) ? exception_names[code] : NULL;
	bool user = arch_trap_from_user(tf);

	if (code == CAUSE_FETCH_PAGE_FAULT || code == CAUSE_LOAD_PAGE_FAULT ||
	    code == CAUSE_STORE_PAGE_FAULT) {
		unsigned flags = (code == CAUSE_STORE_PAGE_FAULT   ? FAULT_WRITE
				  : code == CAUSE_FETCH_PAGE_FAULT ? FAULT_EXEC
								   : 0) |
				 (user ? FAULT_USER : 0);

		do_page_fault(tf, tf->stval, flags, name);
		return;
	}
	if (user && code == CAUSE_USER_ECALL) {
		tf->sepc += 4; /* return after the ecall */
		do_syscall(tf);
		return;
	}
	if (user) {
		user_exception_kill(tf, code == CAUSE_ILLEGAL_INSN ? SIGILL : SIGBUS,
				    "%s (scause 0x%lx, stval 0x%lx)",
				    name ? name : "unknown exception", tf->scause, tf->stval);
		return;
	}
	/* The one expected exception: riscv_sstc_probe() found no Sstc. Skip its csrr. */
	if (code == CAUSE_ILLEGAL_INSN && tf->sepc == (unsigned long)riscv_sstc_probe_insn) {
		tf->x[10] = (unsigned long)-ENODEV; /* a0 */
		tf->sepc += 4;
		return;
	}
	panic_trap(tf, "trap: %s (scause 0x%lx) in kernel mode at sepc 0x%lx, stval 0x%lx",
		   name ? name : "unknown exception", tf->scause, tf->sepc, tf->stval);
}

/*
 * Called by entry.S with the saved frame; returning resumes the interrupted code at tf->sepc.
 * After an interrupt that may be on another CPU (see handle_interrupt()). Every trap from
 * user mode ends in exit_to_user().
 */
void riscv_trap_handle(struct trap_frame *tf)
{
	unsigned long code = tf->scause & ~CAUSE_INTERRUPT;
	bool user = arch_trap_from_user(tf);

	trap_link_frames(tf);
	if (tf->scause & CAUSE_INTERRUPT)
		handle_interrupt(tf, code);
	else
		handle_exception(tf, code);
	if (user)
		exit_to_user(tf);
}

/* ABI names of x1..x31 (RISC-V psABI, integer register convention). */
static const char *const reg_names[32] = {
	"zero", "ra", "sp", "gp", "tp",	 "t0",	"t1", "t2", "s0", "s1", "a0",
	"a1",	"a2", "a3", "a4", "a5",	 "a6",	"a7", "s2", "s3", "s4", "s5",
	"s6",	"s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6",
};

void arch_dump_regs(const struct trap_frame *tf)
{
	pr_emerg(" sepc: %016lx sstatus: %016lx scause: %016lx stval: %016lx", tf->sepc,
		 tf->sstatus, tf->scause, tf->stval);
	/* x1..x31, four a line (x0 is always zero) */
	for (int i = 1; i < 32; i += 4) {
		char line[128];
		int n = 0;

		for (int r = i; r < i + 4 && r < 32; r++)
			n += snprintf(line + n, sizeof(line) - n, " %4s: %016lx", reg_names[r],
				      tf->x[r]);
		pr_emerg("%s", line);
	}
}

unsigned long arch_unwind_frame(unsigned long fp, unsigned long *ret)
{
	const struct riscv_frame_record *rec = (const struct riscv_frame_record *)fp - 1;

	*ret = rec->ra;
	return rec->fp;
}
