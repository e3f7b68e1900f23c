/*
 * x86-64 CPU facts the port uses: segment selectors of the kernel GDT (head.S), control-register
 * and MSR bits, and one inline wrapper per privileged instruction. Usable from assembly for the
 * constants. References: Intel SDM Vol. 3A, in its long-standing numbering (6 interrupts,
 * 8 multiprocessor, 9 initialisation, 10 APIC); some recent editions renumber the chapters.
 */
#ifndef ASM_X86_H
#define ASM_X86_H

/* Kernel GDT (head.S): a 32-bit code segment for the boot paths still in protected mode, the
 * 64-bit code segment everything else runs in, and one flat data segment. */
#define X86_CS32 0x08
#define X86_CS64 0x10
#define X86_DS 0x18
#define X86_GDT_SIZE (4 * 8) /* null + the three above */
/*
 * Each CPU's own GDT (user.c) starts with the same four entries and adds the ring-3 segments
 * and its TSS. User data comes right before user code, the order SYSRET would demand (STAR
 * base + 8 = SS, + 16 = CS; SDM Vol. 2B SYSRET, 3A 5.8.8). Selectors used from ring 3 carry
 * RPL 3: X86_USER_CS | 3, X86_USER_DS | 3.
 */
#define X86_USER_DS 0x20
#define X86_USER_CS 0x28
#define X86_TSS_SEL 0x30      /* a 16-byte system descriptor: two GDT slots */
#define X86_CPU_GDT_ENTRIES 8 /* null, CS32, CS64, DS, user DS, user CS, TSS (2) */

#define X86_CR0_PE (1 << 0)	/* protected mode */
#define X86_CR0_MP (1 << 1)	/* WAIT/FWAIT honour TS: set with SSE (SDM 3A 13.1.4) */
#define X86_CR0_EM (1 << 2)	/* x87 emulation: must be clear */
#define X86_CR0_TS (1 << 3)	/* task switched: x87/SSE use raises #NM; Mica keeps it clear */
#define X86_CR0_NE (1 << 5)	/* x87 errors raise #MF, not the legacy FERR# pin (SDM 3A 9.2.1) */
#define X86_CR0_WP (1 << 16)	/* ring 0 honours read-only pages */
#define X86_CR0_NW (1 << 29)	/* not write-through: set after INIT, clear for caching */
#define X86_CR0_CD (1 << 30)	/* cache disable: set after INIT */
#define X86_CR0_PG (1 << 31)	/* paging */
#define X86_CR4_PAE (1 << 5)	/* 64-bit page-table entries, required by long mode */
#define X86_CR4_PGE (1 << 7)	/* global pages: CR3 loads keep entries with G set (mmu.c) */
#define X86_CR4_OSFXSR (1 << 9) /* the OS saves SSE state with FXSAVE (SDM 3A 2.5) */
#define X86_CR4_OSXMMEXCPT (1 << 10) /* the OS handles #XM (else #UD) (SDM 3A 2.5) */
/* Ring 0 may not touch user pages unless RFLAGS.AC is set: never enabled (mmu.c, uaccess.S). */
#define X86_CR4_SMAP (1 << 21)

#define X86_MSR_APIC_BASE 0x1b	   /* SDM 3A 10.4.4: LAPIC base address, enable bit */
#define X86_MSR_EFER 0xc0000080	   /* SDM 3A 2.2.1 */
#define X86_EFER_SCE (1 << 0)	   /* SYSCALL/SYSRET enable: user.c */
#define X86_EFER_LME (1 << 8)	   /* long mode enable */
#define X86_EFER_NXE (1 << 11)	   /* execute-disable (PTE bit 63) enable: mmu.c */
#define X86_MSR_STAR 0xc0000081	   /* SYSCALL's CS/SS (47:32), SYSRET's (63:48): SDM 3A 5.8.8 */
#define X86_MSR_LSTAR 0xc0000082   /* SYSCALL's target rip in 64-bit mode */
#define X86_MSR_FMASK 0xc0000084   /* RFLAGS bits SYSCALL clears */
#define X86_MSR_GS_BASE 0xc0000101 /* base of %gs in 64-bit mode: Mica's per-CPU pointer */
#define X86_MSR_KERNEL_GS_BASE 0xc0000102 /* what SWAPGS exchanges it with (Vol. 2B SWAPGS) */

/* Page-table entry bits (SDM 3A 4.5, 4-level paging, tables 4-14 to 4-19). The rest of the
 * entry format (execute-disable, software bits) is in <asm/pgtable.h>. */
#define X86_PTE_P (1 << 0)  /* present */
#define X86_PTE_W (1 << 1)  /* writable */
#define X86_PTE_US (1 << 2) /* user-mode accesses allowed */
#define X86_PTE_A (1 << 5)  /* accessed: set by the CPU on use (SDM 3A 4.8) */
#define X86_PTE_D (1 << 6)  /* dirty: set by the CPU on a write (leaf entries only) */
#define X86_PTE_PS (1 << 7) /* in a page directory: this entry maps a 2 MiB page */
#define X86_PTE_G (1 << 8)  /* global, in a leaf (with CR4.PGE): only the kernel's (head.S) */

/* RFLAGS bits (SDM Vol. 1 3.4.3, 3A 2.3) */
#define X86_RFLAGS_FIXED (1 << 1) /* reads as 1 */
#define X86_RFLAGS_TF (1 << 8)	  /* single-step trap */
#define X86_RFLAGS_IF (1 << 9)	  /* interrupts enabled */
#define X86_RFLAGS_DF (1 << 10)	  /* string instructions go down */
#define X86_RFLAGS_NT (1 << 14)	  /* nested task: IRET in long mode raises #GP if set */
#define X86_RFLAGS_AC (1 << 18)	  /* alignment check (ring 3, with CR0.AM) */

#ifndef __ASSEMBLY__
#include <mica/types.h>

static inline u8 x86_inb(u16 port)
{
	u8 v;

	__asm__ __volatile__("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void x86_outb(u16 port, u8 v)
{
	__asm__ __volatile__("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline u64 x86_rdmsr(u32 msr)
{
	u32 lo, hi;

	__asm__ __volatile__("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((u64)hi << 32) | lo;
}

static inline void x86_wrmsr(u32 msr, u64 v)
{
	__asm__ __volatile__("wrmsr" : : "c"(msr), "a"((u32)v), "d"((u32)(v >> 32)) : "memory");
}

/* Time-stamp counter. Not serialising: good enough for a clock, not for micro-benchmarks. */
static inline u64 x86_rdtsc(void)
{
	u32 lo, hi;

	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	return ((u64)hi << 32) | lo;
}

#define X86_READ_CR(n)                                                \
	static inline unsigned long x86_read_cr##n(void)              \
	{                                                             \
		unsigned long v;                                      \
		__asm__ __volatile__("mov %%cr" #n ", %0" : "=r"(v)); \
		return v;                                             \
	}
X86_READ_CR(0)
X86_READ_CR(2)
X86_READ_CR(3)
X86_READ_CR(4)
#undef X86_READ_CR

static inline void x86_write_cr0(unsigned long v)
{
	__asm__ __volatile__("mov %0, %%cr0" : : "r"(v) : "memory");
}

static inline void x86_write_cr4(unsigned long v)
{
	__asm__ __volatile__("mov %0, %%cr4" : : "r"(v) : "memory");
}

/* MOV to CR3 is serialising (SDM 3A 8.3) and, with CR4.PCIDE = 0, invalidates every
 * non-global TLB entry and all paging-structure caches (SDM 3A 4.10.4.1). */
static inline void x86_write_cr3(unsigned long v)
{
	__asm__ __volatile__("mov %0, %%cr3" : : "r"(v) : "memory");
}

/* Invalidates this CPU's TLB entries for the page holding a, and its paging-structure
 * caches (SDM 3A 4.10.4.1; Vol. 2A, INVLPG). */
static inline void x86_invlpg(unsigned long a)
{
	__asm__ __volatile__("invlpg (%0)" : : "r"(a) : "memory");
}

/* CPUID leaf `leaf` (subleaf 0): eax, ebx, ecx, edx into r[0..3] (SDM Vol. 2A, CPUID). */
static inline void x86_cpuid(u32 leaf, u32 r[4])
{
	__asm__ __volatile__("cpuid"
			     : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			     : "a"(leaf), "c"(0));
}

#endif /* __ASSEMBLY__ */
#endif
