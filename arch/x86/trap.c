/*
 * The IDT and the C side of every trap: system calls go to the generic do_syscall(), page
 * faults to do_page_fault(); any other exception from ring 3 kills the process
 * (user_exception_kill), from ring 0 it panics; interrupts run between irq_enter() and
 * irq_exit() (where the interrupted task may be preempted): the LAPIC timer ticks, Mica's IPI
 * is passed to smp_handle_ipi(), anything else is a bug and panics too. Every trap from ring 3
 * ends in exit_to_user(). Entry stubs: entry.S. Good breakpoints: x86_trap, do_syscall,
 * x86_exception, user_exception_kill.
 */
#include <asm/boot.h>
#include <asm/lapic.h>
#include <asm/x86.h>
#include <mica/arch.h>
#include <mica/cpu.h>
#include <mica/kallsyms.h>
#include <mica/mm_types.h>
#include <mica/panic.h>
#include <mica/preempt.h>
#include <mica/printk.h>
#include <mica/proc.h>
#include <mica/string.h>
#include <mica/uaccess.h>

/* A 64-bit IDT gate descriptor (SDM 3A 6.14.1). */
struct x86_idt_gate {
	u16 offset_lo;
	u16 selector;
	u8 ist;	  /* 0: stay on the current stack */
	u8 flags; /* P, DPL, type */
	u16 offset_mid;
	u32 offset_hi;
	u32 reserved;
} __packed;

#define X86_IDT_INTERRUPT_GATE 0x8e /* present, DPL 0, type 0xe: clears IF on entry */
/* The gate's DPL is checked only for INT n, INT3 and INTO (SDM 3A 6.12.1.1, Vol. 2A INT n): with
 * DPL 0 ring 3 gets #GP for them, with DPL 3 it reaches the handler. Only #BP is opened, so that a
 * user int3 (a debugger's breakpoint) is a SIGTRAP; `int $0x80` and the like stay #GP. */
#define X86_IDT_DPL3 (3 << 5)
#define X86_BP_VECTOR 3

#define X86_PF_VECTOR 14
/* The page-fault error code (SDM 3A 4.7). */
#define X86_PF_PROT (1u << 0)  /* 0: a not-present entry; 1: a protection violation */
#define X86_PF_WRITE (1u << 1) /* the access was a write */
#define X86_PF_USER (1u << 2)  /* it came from ring 3 */
#define X86_PF_RSVD (1u << 3)  /* a reserved bit was set in an entry on the walk */
#define X86_PF_FETCH (1u << 4) /* an instruction fetch (reported only with EFER.NXE = 1) */

static struct x86_idt_gate x86_idt[256] __aligned(16);
extern const unsigned long x86_trap_stubs[256]; /* entry.S */

void x86_trap(struct trap_frame *tf);

/* Names of the architectural exceptions (SDM 3A table 6-1). */
static const char *const x86_exception_names[X86_NR_EXCEPTIONS] = {
	[0] = "#DE divide error",
	[1] = "#DB debug",
	[2] = "NMI",
	[3] = "#BP breakpoint",
	[4] = "#OF overflow",
	[5] = "#BR bound range exceeded",
	[6] = "#UD invalid opcode",
	[7] = "#NM device not available",
	[8] = "#DF double fault",
	[9] = "coprocessor segment overrun",
	[10] = "#TS invalid TSS",
	[11] = "#NP segment not present",
	[12] = "#SS stack-segment fault",
	[13] = "#GP general protection",
	[14] = "#PF page fault",
	[16] = "#MF x87 floating-point error",
	[17] = "#AC alignment check",
	[18] = "#MC machine check",
	[19] = "#XM SIMD floating-point",
	[20] = "#VE virtualization",
	[21] = "#CP control protection",
	[28] = "#HV hypervisor injection",
	[29] = "#VC VMM communication",
	[30] = "#SX security",
};

/* Signal numbers <mica/proc.h> does not define yet (Linux's values, which newlib shares). */
#ifndef SIGTRAP
#define SIGTRAP 5
#endif
#ifndef SIGFPE
#define SIGFPE 8
#endif

/*
 * What an exception in ring 3 kills the process with: the program's own doing, with Linux's
 * choice of signal for each (arch/x86/kernel/traps.c). 0: the program cannot have caused it
 * (NMI, #DF, #MC, #TS, #NM with CR0.TS always clear, ...): the kernel panics as in ring 0.
 */
static const u8 x86_user_signal[X86_NR_EXCEPTIONS] = {
	[0] = SIGFPE,	/* #DE: divide by zero, or a quotient too large */
	[1] = SIGTRAP,	/* #DB: RFLAGS.TF set by popf */
	[3] = SIGTRAP,	/* #BP: int3 */
	[4] = SIGSEGV,	/* #OF: INTO, invalid in 64-bit mode; listed for completeness */
	[5] = SIGSEGV,	/* #BR: BOUND, the same */
	[6] = SIGILL,	/* #UD */
	[11] = SIGBUS,	/* #NP */
	[12] = SIGBUS,	/* #SS: a non-canonical rsp */
	[13] = SIGSEGV, /* #GP: a privileged instruction, a non-canonical address, an I/O port */
	[16] = SIGFPE,	/* #MF: an unmasked x87 exception (CR0.NE) */
	[17] = SIGBUS,	/* #AC: cannot happen with CR0.AM clear */
	[19] = SIGFPE,	/* #XM: an unmasked SSE exception (CR4.OSXMMEXCPT) */
};

/* Fills every IDT gate with its entry.S stub (boot CPU, once), then loads the IDT here. */
void x86_trap_init(void)
{
	BUILD_BUG_ON(__builtin_offsetof(struct trap_frame, link[1]) != X86_TF_LINK1);
	BUILD_BUG_ON(__builtin_offsetof(struct trap_frame, rbp) != X86_TF_RBP);
	BUILD_BUG_ON(__builtin_offsetof(struct trap_frame, vector) != X86_TF_VECTOR);
	BUILD_BUG_ON(__builtin_offsetof(struct trap_frame, rip) != X86_TF_RIP);
	BUILD_BUG_ON(__builtin_offsetof(struct trap_frame, cs) != X86_TF_CS);
	BUILD_BUG_ON(__builtin_offsetof(struct trap_frame, rsp) != X86_TF_RSP);
	BUILD_BUG_ON(sizeof(struct trap_frame) != X86_TF_SIZE);
	BUILD_BUG_ON(sizeof(struct x86_idt_gate) != 16);

	for (unsigned v = 0; v < ARRAY_SIZE(x86_idt); v++) {
		unsigned long a = x86_trap_stubs[v];

		x86_idt[v] = (struct x86_idt_gate){
			.offset_lo = (u16)a,
			.selector = X86_CS64,
			.flags = X86_IDT_INTERRUPT_GATE | (v == X86_BP_VECTOR ? X86_IDT_DPL3 : 0),
			.offset_mid = (u16)(a >> 16),
			.offset_hi = (u32)(a >> 32),
		};
	}
	x86_trap_load();
}

/* Points this CPU's IDTR at the shared IDT. */
void x86_trap_load(void)
{
	struct {
		u16 limit;
		u64 base;
	} __packed idtr = { sizeof(x86_idt) - 1, (unsigned long)x86_idt };

	__asm__ __volatile__("lidt %0" : : "m"(idtr));
}

/*
 * GCC gives no frame to a leaf function that never moves %rsp, even with -fno-omit-frame-pointer
 * (ix86_finalize_stack_frame_flags), and a function may trap before its prologue ran. Then the
 * return address is still at %rsp and %rbp is the caller's, so a walk from %rbp would skip the
 * caller. Recognised by the word at %rsp being the return address of a direct call (e8 rel32)
 * to the interrupted function; link[1] then stands in for the missing record. Done on every
 * trap (two symbol lookups), so a panic anywhere inside a handler walks on correctly too.
 */
static void x86_trap_link_frameless(struct trap_frame *tf)
{
	unsigned long ret, rip_off, off, size;
	const u8 *call;
	s32 rel;

	/* No gate uses the IST, so the trap frame was pushed on the interrupted stack, just
	 * below its %rsp: a %rsp elsewhere is wild, and must not be read here. */
	if (tf->rsp <= (unsigned long)tf || tf->rsp - (unsigned long)tf > BOOT_STACK_SIZE ||
	    (tf->rsp & 7))
		return;
	ret = *(const unsigned long *)tf->rsp;
	call = (const u8 *)ret - 5;
	/* Both in kernel code: the interrupted pc, and the 5 bytes before the candidate. */
	if (!kallsyms_lookup(tf->rip, &rip_off, &size) || !kallsyms_lookup(ret - 5, &off, &size))
		return;
	memcpy(&rel, call + 1, sizeof(rel));
	if (call[0] != 0xe8 || ret + rel != tf->rip - rip_off)
		return;
	tf->link[1] = (struct x86_frame_record){ tf->rbp, ret };
	tf->link[0].rbp = (unsigned long)&tf->link[1];
}

/*
 * Any exception but a page fault: from ring 3, the program's fault (x86_user_signal) kills
 * it; anything else is a kernel bug, reported with what the CPU told us.
 */
static void x86_exception(struct trap_frame *tf)
{
	const char *name = x86_exception_names[tf->vector];
	int sig = x86_user_signal[tf->vector];

	if (!name)
		name = "reserved exception";
	if (arch_trap_from_user(tf) && sig) {
		user_exception_kill(tf, sig, "%s (vector %lu, error code 0x%lx)", name, tf->vector,
				    tf->error_code);
		return;
	}
	panic_trap(tf, "%s (vector %lu, error code 0x%lx) in %s mode at rip 0x%lx", name,
		   tf->vector, tf->error_code, arch_trap_from_user(tf) ? "user" : "kernel",
		   tf->rip);
}

/*
 * A page fault at addr (CR2), decoded for do_page_fault(), which resolves it, sends a user
 * copy to its fixup, or panics. A reserved bit on the walk means a corrupt page table (or a
 * PTE with NX while EFER.NXE is clear): no fault handling can fix that, so it panics here.
 */
static void x86_page_fault(struct trap_frame *tf, unsigned long addr)
{
	unsigned long err = tf->error_code;
	unsigned flags = 0;

	if (err & X86_PF_RSVD)
		panic_trap(tf, "#PF at 0x%lx: reserved bit set in a page-table entry (error 0x%lx)",
			   addr, err);
	if (err & X86_PF_WRITE)
		flags |= FAULT_WRITE;
	if (err & X86_PF_FETCH)
		flags |= FAULT_EXEC;
	if (err & X86_PF_USER)
		flags |= FAULT_USER;
	do_page_fault(tf, addr, flags,
		      (err & X86_PF_PROT) ? "#PF protection violation" : "#PF page not present");
}

/*
 * One interrupt (vector 32 or above), inside irq_enter()/irq_exit(). Every path that needs an
 * EOI sends it before returning here: irq_exit() may switch this CPU to another task, which may
 * enable interrupts long before this one resumes, and an unacknowledged vector would keep every
 * interrupt of equal or lower priority blocked on this CPU meanwhile (SDM 3A 10.8.3.1).
 */
static void x86_interrupt(struct trap_frame *tf)
{
	struct cpu *c = this_cpu();

	WRITE_ONCE(c->irqs, c->irqs + 1);
	switch (tf->vector) {
	case X86_TIMER_VECTOR:
		x86_timer_interrupt(); /* EOI included */
		break;
	case X86_IPI_VECTOR:
		/* EOI first: smp_handle_ipi() may halt this CPU for good. */
		x86_lapic_eoi();
		smp_handle_ipi();
		break;
	case X86_SPURIOUS_VECTOR:
		/* Not an error, and it must not be acknowledged (SDM 3A 10.9). */
		break;
	default:
		panic_trap(tf, "unexpected interrupt, vector %lu", tf->vector);
	}
}

/*
 * Called by x86_trap_common (entry.S) with interrupts masked (interrupt gates, and IF in
 * IA32_FMASK for SYSCALL), on the interrupted task's own stack: no gate uses the IST, so the
 * trap frame belongs to the task (from ring 3: at the very top of its kernel stack). System
 * calls and page faults return once handled (both may enable interrupts and sleep); other
 * exceptions kill the process (ring 3) or panic. Interrupts end in irq_exit(), which may
 * preempt the interrupted task: then this call returns only when the task is switched back
 * in, possibly on another CPU. Nothing after irq_exit() may use what was learnt of the CPU
 * before it (exit_to_user() reads this_cpu() afresh), and the return path in entry.S restores
 * only the task's registers from the frame (the per-CPU pointer is the GS base MSR, which the
 * frame does not hold).
 */
void x86_trap(struct trap_frame *tf)
{
	/* CR2 first: a second page fault, even one in the code below, would overwrite it (SDM 3A
	 * 6.15, interrupt 14). */
	unsigned long cr2 = tf->vector == X86_PF_VECTOR ? x86_read_cr2() : 0;
	bool user = arch_trap_from_user(tf);

	if (!user)
		x86_trap_link_frameless(tf); /* user frames: rsp is a user address */
	if (tf->vector == X86_VECTOR_SYSCALL) {
		do_syscall(tf); /* rip is past the instruction already: SYSCALL saved the next */
	} else if (tf->vector == X86_PF_VECTOR) {
		x86_page_fault(tf, cr2);
	} else if (tf->vector < X86_NR_EXCEPTIONS) {
		x86_exception(tf);
	} else {
		irq_enter();
		x86_interrupt(tf);
		irq_exit(); /* last but for the exit to user mode: see above */
	}
	if (user) {
		x86_check_user_rip(tf);
		exit_to_user(tf);
	}
}

void arch_dump_regs(const struct trap_frame *tf)
{
	pr_emerg("RIP: %04lx:%016lx  RFLAGS: %08lx  vector %lu  error %lx", tf->cs, tf->rip,
		 tf->rflags, tf->vector, tf->error_code);
	pr_emerg("RSP: %04lx:%016lx  RBP: %016lx", tf->ss, tf->rsp, tf->rbp);
	pr_emerg("RAX: %016lx  RBX: %016lx  RCX: %016lx", tf->rax, tf->rbx, tf->rcx);
	pr_emerg("RDX: %016lx  RSI: %016lx  RDI: %016lx", tf->rdx, tf->rsi, tf->rdi);
	pr_emerg("R8:  %016lx  R9:  %016lx  R10: %016lx", tf->r8, tf->r9, tf->r10);
	pr_emerg("R11: %016lx  R12: %016lx  R13: %016lx", tf->r11, tf->r12, tf->r13);
	pr_emerg("R14: %016lx  R15: %016lx", tf->r14, tf->r15);
	pr_emerg("CR0: %016lx  CR2: %016lx  CR3: %016lx  CR4: %016lx", x86_read_cr0(),
		 x86_read_cr2(), x86_read_cr3(), x86_read_cr4());
}

unsigned long arch_unwind_frame(unsigned long fp, unsigned long *ret)
{
	const struct x86_frame_record *r = (const struct x86_frame_record *)fp;

	*ret = r->ret;
	return r->rbp;
}
