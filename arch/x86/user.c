/*
 * The CPU side of user mode (<mica/arch.h>, "user mode"): what ring 3 needs of each CPU, and
 * how a thread enters it.
 *
 *  - Segments. Each CPU loads its own GDT: the kernel's four entries of head.S at the same
 *    selectors, a ring-3 data and a ring-3 64-bit code segment (DPL 3), and its own 64-bit TSS.
 *    Of the TSS only RSP0 is used: the stack the CPU switches to on an interrupt or exception
 *    from ring 3 (SDM 3A 6.12.1, 7.7), the top of the running user thread's kernel stack,
 *    which the scheduler names through arch_set_kernel_stack(). No IST: every trap runs on the
 *    task's stack. The I/O map base points past the TSS limit: no I/O bitmap, so any in/out in
 *    ring 3 (IOPL 0) raises #GP (SDM Vol. 1 18.5.2).
 *  - SYSCALL. EFER.SCE, STAR, LSTAR, FMASK (SDM 3A 5.8.8): ring 0 enters x86_syscall_entry
 *    (entry.S) with IF, TF, DF, AC and NT clear. SYSCALL does not switch stacks, so the entry
 *    finds the kernel stack top in this CPU's struct cpu (arch[1], next to TSS.RSP0).
 *  - GS. IA32_KERNEL_GS_BASE holds the user's GS base while the kernel runs (entry.S SWAPGS).
 *    It starts at 0 and user code can only ever load a base of 0 (every GDT data segment has
 *    base 0, CR4.FSGSBASE is clear, there is no arch_prctl), so the value is not switched per
 *    thread.
 *
 * Every return to ring 3 is an IRETQ of a struct trap_frame (entry.S, x86_trap_return), system
 * calls included: one exit for every trap, the whole frame restored (exec's zeroed registers,
 * a forked child's copy), and none of SYSRET's traps (its #GP in ring 0 on Intel CPUs for a
 * non-canonical rcx, taken on the user's stack with the user's GS; CVE-2012-0217). The cost, a
 * slower instruction, does not show under TCG. IRETQ faults too on a non-canonical rip, in
 * ring 0 and after the exit's SWAPGS (on hardware; QEMU 7.2 does not check), so
 * x86_check_user_rip() makes sure it never sees one.
 */
#include <asm/boot.h>
#include <asm/x86.h>
#include <mica/arch.h>
#include <mica/cpu.h>
#include <mica/panic.h>
#include <mica/proc.h>
#include <mica/string.h>

/* The 64-bit TSS (SDM 3A 7.7, figure 7-11): 104 bytes, no alignment inside. */
struct x86_tss {
	u32 reserved0;
	u64 rsp[3]; /* stacks for CPL 0-2: Mica uses rsp[0] */
	u64 reserved1;
	u64 ist[7];
	u64 reserved2;
	u16 reserved3;
	u16 iomap_base; /* offset of the I/O permission bitmap: past the limit = none */
} __packed;

/* One CPU's GDT and TSS. Aligned so that the TSS never straddles a page. */
struct x86_cpu_segments {
	u64 gdt[X86_CPU_GDT_ENTRIES];
	struct x86_tss tss;
} __aligned(256);

static struct x86_cpu_segments x86_cpu_segments[NR_CPUS];

extern const u64 x86_gdt[X86_GDT_SIZE / 8]; /* head.S: null, CS32, CS64, DS */
void x86_syscall_entry(void);		    /* entry.S */
void x86_trap_return(void);		    /* entry.S */

/* Code and data segment descriptors (SDM 3A 3.4.5): base 0, limit 4 GiB, present, DPL 3. In
 * 64-bit mode only the code segment's L bit and the DPLs matter (SDM 3A 5.2.1). */
#define X86_DESC_USER_DATA 0x00cff2000000ffffUL	  /* type 2: read/write data */
#define X86_DESC_USER_CODE64 0x00affa000000ffffUL /* type 0xa: execute/read; L = 1, D = 0 */
#define X86_DESC_TSS_AVAILABLE 0x9UL		  /* system type: available 64-bit TSS */
#define X86_DESC_PRESENT (1UL << 47)

/* The RFLAGS bits SYSCALL clears on entry: IF (no interrupt before the frame is saved), TF (no
 * single-step trap on the entry's first instruction, still on the user's stack), DF (the psABI
 * wants it clear at every call), AC, and NT (an IRETQ with NT set raises #GP in long mode, SDM
 * Vol. 2A IRET). */
#define X86_SYSCALL_FMASK \
	(X86_RFLAGS_IF | X86_RFLAGS_TF | X86_RFLAGS_DF | X86_RFLAGS_AC | X86_RFLAGS_NT)

/* The 16-byte TSS descriptor (SDM 3A 7.2.3, figure 7-4), as two GDT slots. */
static void x86_tss_descriptor(u64 slot[2], const struct x86_tss *tss)
{
	unsigned long base = (unsigned long)tss, limit = sizeof(*tss) - 1;

	slot[0] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (X86_DESC_TSS_AVAILABLE << 40) |
		  X86_DESC_PRESENT | ((limit >> 16 & 0xf) << 48) | ((base >> 24 & 0xff) << 56);
	slot[1] = base >> 32;
}

/* Builds CPU c's GDT and TSS and loads them (LGDT, LTR). The kernel's selectors keep their
 * values, so CS, SS and DS need no reload. */
static void x86_segments_init_cpu(struct cpu *c)
{
	struct x86_cpu_segments *seg = &x86_cpu_segments[c->id];
	struct {
		u16 limit;
		u64 base;
	} __packed gdtr = { sizeof(seg->gdt) - 1, (unsigned long)seg->gdt };

	BUILD_BUG_ON(sizeof(struct x86_tss) != 104);
	BUILD_BUG_ON(X86_TSS_SEL / 8 + 2 != X86_CPU_GDT_ENTRIES);
	memcpy(seg->gdt, x86_gdt, X86_GDT_SIZE);
	seg->gdt[X86_USER_DS / 8] = X86_DESC_USER_DATA;
	seg->gdt[X86_USER_CS / 8] = X86_DESC_USER_CODE64;
	seg->tss = (struct x86_tss){ .iomap_base = sizeof(struct x86_tss) };
	x86_tss_descriptor(&seg->gdt[X86_TSS_SEL / 8], &seg->tss);
	__asm__ __volatile__("lgdt %0" : : "m"(gdtr) : "memory");
	__asm__ __volatile__("ltr %w0" : : "r"(X86_TSS_SEL) : "memory");
}

/*
 * SYSCALL's MSRs (SDM 3A 5.8.8, figure 5-14). STAR[47:32] is the kernel CS, and SS is that + 8
 * (X86_DS follows X86_CS64). STAR[63:48] is for SYSRET, which Mica does not use (see the top),
 * but is set to match the GDT anyway: SS = base + 8 = X86_USER_DS, CS = base + 16 =
 * X86_USER_CS.
 */
static void x86_syscall_init_cpu(void)
{
	BUILD_BUG_ON(X86_DS != X86_CS64 + 8);
	BUILD_BUG_ON(X86_USER_CS != X86_USER_DS + 8);
	x86_wrmsr(X86_MSR_STAR, (u64)((X86_USER_DS - 8) | 3) << 48 | (u64)X86_CS64 << 32);
	x86_wrmsr(X86_MSR_LSTAR, (unsigned long)x86_syscall_entry);
	x86_wrmsr(X86_MSR_FMASK, X86_SYSCALL_FMASK);
	x86_wrmsr(X86_MSR_KERNEL_GS_BASE, 0); /* the user's GS base until its first SWAPGS */
	x86_wrmsr(X86_MSR_EFER, x86_rdmsr(X86_MSR_EFER) | X86_EFER_SCE);
}

void x86_user_init_cpu(struct cpu *c)
{
	u32 r[4];

	x86_cpuid(0x80000001u, r);
	if (!(r[3] & (1u << 11))) /* CPUID.80000001H:EDX.SYSCALL (SDM 3A 5.8.8) */
		panic("x86_user_init_cpu: no SYSCALL instruction");
	x86_segments_init_cpu(c);
	x86_syscall_init_cpu();
	x86_fpu_init_cpu();
}

/* ---- entering user mode (<mica/arch.h>, "user mode") ---- */

void arch_set_kernel_stack(unsigned long top)
{
	struct cpu *c = this_cpu();

	BUG_ON(top & 15); /* so that the 26-word frame ends exactly there (SDM 3A 6.14.2) */
	c->arch[1] = top; /* X86_CPU_KSTACK_TOP_OFFSET: SYSCALL's */
	x86_cpu_segments[c->id].tss.rsp[0] = top; /* interrupts' and exceptions' */
}

/* A fresh process: ring 3 selectors (RPL 3), interrupts on, every other register zero; and
 * its x87/SSE registers in their initial state too (fpu.c). */
void arch_user_frame_init(struct trap_frame *tf, unsigned long pc, unsigned long sp)
{
	memset(tf, 0, sizeof(*tf));
	tf->rip = pc;
	tf->rsp = sp;
	tf->cs = X86_USER_CS | 3;
	tf->ss = X86_USER_DS | 3;
	tf->rflags = X86_RFLAGS_IF | X86_RFLAGS_FIXED;
	x86_fpu_reset_user(tf);
}

void arch_user_frame_set_sp(struct trap_frame *tf, unsigned long sp)
{
	tf->rsp = sp;
}

/* True if a is canonical: bits 63..47 all equal (SDM Vol. 1 3.3.7.1). */
static bool x86_canonical(unsigned long a)
{
	return (unsigned long)((long)(a << 16) >> 16) == a;
}

/*
 * Called last before every return to ring 3 (interrupts masked). IRETQ to a non-canonical rip
 * raises #GP in ring 0, with the user's GS base already swapped back in, which the kernel
 * cannot survive. A SYSCALL in the last two bytes of the canonical lower half leaves one
 * (rcx = 0x800000000000), and fork or clone copy it: the program could not have gone on
 * anyway, so it is killed, as its next instruction fetch would have had it.
 */
void x86_check_user_rip(struct trap_frame *tf)
{
	if (x86_canonical(tf->rip))
		return;
	user_exception_kill(tf, SIGSEGV, "return to a non-canonical rip");
	exit_to_user(tf); /* does not return: the thread is killed */
	panic("x86_check_user_rip: exit_to_user returned for a killed thread");
}

void arch_return_to_user(struct trap_frame *tf)
{
	BUG_ON(!arch_irqs_disabled() || !arch_trap_from_user(tf));
	x86_check_user_rip(tf);
	/* entry.S's exit path, on the frame at the top of this task's kernel stack */
	__asm__ __volatile__("mov %0, %%rsp\n\tjmp x86_trap_return" : : "r"(tf) : "memory");
	__builtin_unreachable();
}
