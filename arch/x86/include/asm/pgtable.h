/*
 * x86-64 4-level paging for the generic walker (<mica/pgtable.h> lists what this provides).
 * SDM 3A 4.5: four levels of 512 eight-byte entries, 4 KiB pages. Mica's names: the PML4 is
 * the pgd, whose entries the walker sees as p4d entries (only p4d is folded); a PDPT holds
 * pud entries (1 GiB each), a page directory pmd entries (2 MiB each), a page table the PTEs.
 *
 * Address space: the kernel's identity map of the low 4 GiB hangs from PML4 entry 0 (head.S);
 * user space is [512 GiB, 128 TiB), PML4 entries 1 to 255: everything up to the end of the
 * canonical lower half (SDM Vol. 1 3.3.7.1: bits 63..47 must all equal bit 47).
 *
 * Permissions are decided at the leaf. An access is allowed only if every entry on the walk
 * allows it (SDM 3A 4.6.1), so the upper levels allow everything (P | W | US) and the PTE
 * alone says read-only, user, no-execute.
 */
#ifndef ASM_X86_PGTABLE_H
#define ASM_X86_PGTABLE_H

#include <asm/x86.h>
#include <mica/compiler.h>
#include <mica/mm.h>
#include <mica/types.h>
#include <mica/vm_flags.h>

#define PGDIR_SHIFT 39
#define PTRS_PER_PGD 512
#define PGD_ORDER 0
#define PUD_SHIFT 30
#define PTRS_PER_PUD 512
#define PMD_SHIFT 21
#define PTRS_PER_PMD 512
#define PTRS_PER_PTE 512

#define USER_BASE (1UL << 39) /* PML4 entry 1: 512 GiB */
#define USER_TOP (1UL << 47)  /* the end of the canonical lower half: 128 TiB */

/* No broadcast invalidation: INVLPG and CR3 loads act on this CPU only (SDM 3A 4.10.5), so
 * generic code IPIs every CPU of the mm's mask (<mica/tlbflush.h>). */
#define ARCH_TLB_BROADCAST 0
/* Lazy TLB (DESIGN TLB-1, <mica/tlbflush.h>): a kernel thread runs on the user tables the CPU
 * has loaded, and leaf shootdowns skip such a CPU; it flushes before it next runs user code.
 * What makes it worth it here: every invalidation of another CPU costs an IPI, and a CR3
 * load costs the TLB (no PCIDs, mmu.c). */
#define ARCH_TLB_LAZY 1

/* The entry bits of <asm/x86.h> (P, W, US, A, D, PS), and the 64-bit-only ones: */
#define X86_PTE_NX (1UL << 63) /* execute-disable; needs EFER.NXE, else reserved (mmu.c) */
/* Bit 9 is ignored by the CPU in every entry (SDM 3A tables 4-14 to 4-19): a page mapped with
 * no access at all (PROT_NONE). P must be 0 for it, as x86 has no "present, no access"; the
 * PTE stays present to the generic code, which owns the frame. */
#define X86_PTE_PROT_NONE (1UL << 9)
/* The physical address in an entry: bits 51:12 (MAXPHYADDR is at most 52, SDM 3A 4.1.4). */
#define X86_PTE_ADDR_MASK 0x000ffffffffff000UL
/* What every upper-level entry holds besides the next table's address. A is set up front so
 * the CPU never needs to write these entries (SDM 3A 4.8). */
#define X86_TABLE_ENTRY_FLAGS (X86_PTE_P | X86_PTE_W | X86_PTE_US | X86_PTE_A)

typedef struct {
	u64 val;
} pgd_t; /* a PML4 entry */
typedef struct {
	u64 val;
} pud_t; /* a PDPT entry */
typedef struct {
	u64 val;
} pmd_t; /* a page-directory entry */
typedef struct {
	u64 val;
} pte_t;

#include <mica/pgtable-nop4d.h>

#include <mica/pgtable-table-ops.h>

/* The three upper levels the walker sees, p4d (PML4E), pud (PDPTE) and pmd (PDE), have one
 * format (SDM 3A tables 4-14, 4-16, 4-18): <mica/pgtable-table-ops.h> builds their
 * operations on these three. Bad: not present with junk in it, or PS set (a large page: only
 * the kernel's identity map has those). */
static inline u64 arch_table_entry(void *table)
{
	return (unsigned long)table | X86_TABLE_ENTRY_FLAGS; /* identity map: phys == virt */
}
static inline void *arch_entry_table(u64 e)
{
	return (void *)(unsigned long)(e & X86_PTE_ADDR_MASK);
}
static inline int arch_entry_bad(u64 e)
{
	return !(e & X86_PTE_P) || (e & X86_PTE_PS);
}
DEFINE_TABLE_ENTRY_OPS(p4d)
DEFINE_TABLE_ENTRY_OPS(pud)
DEFINE_TABLE_ENTRY_OPS(pmd)

/* ---- PTEs (SDM 3A table 4-19): the bits <mica/pgtable.h> builds its helpers on ---- */
#define _PAGE_PRESENT X86_PTE_P
#define _PAGE_PROT_NONE X86_PTE_PROT_NONE
#define _PAGE_WRITE X86_PTE_W
#define _PAGE_NOEXEC X86_PTE_NX
#define _PAGE_USER X86_PTE_US
#define _PAGE_YOUNG X86_PTE_A
#define _PAGE_DIRTY X86_PTE_D

static inline unsigned long pte_pfn(pte_t p)
{
	return (p.val & X86_PTE_ADDR_MASK) >> PAGE_SHIFT;
}
/*
 * A user leaf: US; W if writable; NX unless executable. x86 cannot express write-only or
 * execute-only: any present user page is readable (SDM 3A 4.6.1). A set (young) and D clear
 * (clean): the CPU sets D itself on the first write (SDM 3A 4.8). No access at all: P clear,
 * X86_PTE_PROT_NONE set, so every access faults and the fault handler finds the VMA forbids it.
 * Never G (global): a user translation must go with its CR3 (mmu.c, "TLB").
 */
static inline pte_t pfn_pte(unsigned long pfn, unsigned long vm_flags)
{
	u64 v = (u64)pfn << PAGE_SHIFT | X86_PTE_US | X86_PTE_A;

	if (vm_flags & VM_WRITE)
		v |= X86_PTE_W;
	if (!(vm_flags & VM_EXEC))
		v |= X86_PTE_NX;
	v |= (vm_flags & (VM_READ | VM_WRITE | VM_EXEC)) ? X86_PTE_P : X86_PTE_PROT_NONE;
	return (pte_t){ v };
}

/* The PML4 head.S built: the kernel's identity map in entry 0, the rest empty (mmu.c). */
pgd_t *arch_kernel_pgd(void);

#endif
