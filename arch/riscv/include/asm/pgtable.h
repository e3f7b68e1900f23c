/*
 * Sv39 page tables for the generic walker (<mica/pgtable.h> lists what this provides).
 * RISC-V privileged spec v1.12, 4.4: three levels of 512 eight-byte entries, 4 KiB pages.
 * Mica's names: the top table (4.4's level 2, 1 GiB per entry) is the pgd, whose entries the
 * walker sees as pud entries (p4d and pud are folded); level 1 (2 MiB per entry) is the pmd;
 * level 0 the PTEs.
 *
 * Address space: the kernel's identity map lives in the low GiBs (devices, RAM at 2 GiB);
 * user space is [64 GiB, 256 GiB), the top of Sv39's lower half (4.4.1: bits 63..39 must
 * equal bit 38, so 256 GiB is where the canonical lower half ends).
 */
#ifndef ASM_RISCV_PGTABLE_H
#define ASM_RISCV_PGTABLE_H

#include <mica/compiler.h>
#include <mica/mm.h>
#include <mica/types.h>
#include <mica/vm_flags.h>

#define PGDIR_SHIFT 30
#define PTRS_PER_PGD 512
#define PGD_ORDER 0
#define PMD_SHIFT 21
#define PTRS_PER_PMD 512
#define PTRS_PER_PTE 512

#define USER_BASE 0x1000000000UL /* 64 GiB */
#define USER_TOP 0x4000000000UL	 /* 256 GiB */

/* Entry bits (4.4.1, Figure 4.21). */
#define _PAGE_V (1UL << 0)
#define _PAGE_R (1UL << 1)
#define _PAGE_W (1UL << 2)
#define _PAGE_X (1UL << 3)
#define _PAGE_U (1UL << 4)
#define _PAGE_G (1UL << 5)
#define _PAGE_A (1UL << 6)
#define _PAGE_D (1UL << 7)
/* The two RSW bits, which the hart ignores (4.3.1; and with V clear it ignores every bit):
 *   bit 8: present with no access at all (PROT_NONE, or a migration entry): V must be clear
 *          for it, since V with R = W = X = 0 would mean "pointer to the next level";
 *   bit 9: writable to Mica. The hardware W follows from it (and, with riscv_ad=trap, from
 *          dirty): see riscv_pte_hw(). */
#define _PAGE_PROT_NONE (1UL << 8)
#define _PAGE_SOFT_WRITE (1UL << 9)
#define _PAGE_PPN_SHIFT 10
#define _PAGE_LEAF (_PAGE_R | _PAGE_W | _PAGE_X)

/* ARCH_TLB_REMOTE_FENCE (<mica/tlbflush.h>): other harts are invalidated through SBI RFENCE
 * (arch/riscv/tlb.c), which does not interrupt their kernel. */
#define ARCH_TLB_REMOTE_FENCE 1
struct mm_struct;
unsigned long arch_remote_flush_tlb(unsigned long targets, struct mm_struct *mm,
				    unsigned long start, unsigned long end, bool all);

typedef struct {
	u64 val;
} pgd_t;
typedef struct {
	u64 val;
} pmd_t;
typedef struct {
	u64 val;
} pte_t;

#include <mica/pgtable-nop4d.h>

#include <mica/pgtable-nopud.h>

#include <mica/pgtable-table-ops.h>

/* Every level's table entries look alike: V set, R = W = X = 0, the next table's PPN. */
static inline u64 arch_table_entry(void *table)
{
	return ((unsigned long)table >> PAGE_SHIFT) << _PAGE_PPN_SHIFT | _PAGE_V;
}
static inline void *arch_entry_table(u64 e)
{
	return (void *)(unsigned long)((e >> _PAGE_PPN_SHIFT) << PAGE_SHIFT); /* identity map */
}
static inline int arch_entry_bad(u64 e)
{
	return !(e & _PAGE_V) || (e & _PAGE_LEAF); /* not a table: a kernel leaf, or junk */
}
DEFINE_TABLE_ENTRY_OPS(pud) /* an entry of the root table */
DEFINE_TABLE_ENTRY_OPS(pmd) /* an entry of a level-1 table */

/* PTEs: the bits <mica/pgtable.h> builds its helpers on. Mica keeps each property in one bit
 * that the hart never changes behind its back except A and D in hardware mode:
 * present-and-accessible is R (every accessible page is readable, as on ARM and x86: Mica has
 * no execute-only pages), writable the software bit 9, young and dirty are A and D. The
 * hart's V and W are derived from them (riscv_pte_hw()). */
#define _PAGE_PRESENT _PAGE_R
#define _PAGE_WRITE _PAGE_SOFT_WRITE
#define _PAGE_EXEC _PAGE_X
#define _PAGE_USER _PAGE_U
#define _PAGE_YOUNG _PAGE_A
#define _PAGE_DIRTY _PAGE_D

/*
 * Who sets A and D (4.3.1 allows two schemes, one for all harts): the hart itself, or a page
 * fault when an access finds A clear or a write finds D clear. riscv_ad_trap (boot parameter
 * riscv_ad=trap; mmu.c) makes Mica use the second whatever the hart does, as the ARM port
 * must: young/dirty come only from the generic fault handler. Set once at boot, before the
 * first user PTE; QEMU 7.2 sets A/D in hardware, so the default exercises the first.
 */
extern bool riscv_ad_trap;

/*
 * The PTE with the hart's V and W derived from Mica's bits (R, X, U, A, D, _PAGE_SOFT_WRITE,
 * _PAGE_PROT_NONE and the frame, which stay as they are):
 *   V  if R (accessible) and, with riscv_ad_trap, A (young);
 *   W  if V and soft-write and, with riscv_ad_trap, D (dirty).
 * So in trap mode the hart cannot set A or D itself (it updates them only through a valid
 * entry that allows the access, 4.3.1): the first access to an old page and the first write
 * to a clean one fault instead. The helpers of <mica/pgtable.h> read only Mica's bits and
 * give the same answers in both modes.
 */
static inline pte_t riscv_pte_hw(pte_t p)
{
	u64 v = p.val & ~(_PAGE_V | _PAGE_W);

	if (!(v & _PAGE_R) || (riscv_ad_trap && !(v & _PAGE_A)))
		return (pte_t){ v };
	if ((v & _PAGE_SOFT_WRITE) && (!riscv_ad_trap || (v & _PAGE_D)))
		v |= _PAGE_W;
	return (pte_t){ v | _PAGE_V };
}

static inline unsigned long pte_pfn(pte_t p)
{
	return p.val >> _PAGE_PPN_SHIFT;
}
/* A present, young, clean user leaf: U; R for any access right (W alone is reserved, 4.4.1,
 * and "accessible" is R, above), soft-write if writable, X if executable; A set, so a hart that
 * faults on a clear A does not fault again at once. No right at all: _PAGE_PROT_NONE. */
static inline pte_t pfn_pte(unsigned long pfn, unsigned long vm_flags)
{
	u64 v = (u64)pfn << _PAGE_PPN_SHIFT | _PAGE_U | _PAGE_A;

	if (vm_flags & (VM_READ | VM_WRITE | VM_EXEC))
		v |= _PAGE_R;
	else
		v |= _PAGE_PROT_NONE;
	if (vm_flags & VM_WRITE)
		v |= _PAGE_SOFT_WRITE;
	if (vm_flags & VM_EXEC)
		v |= _PAGE_X;
	return riscv_pte_hw((pte_t){ v });
}

/* Writes the PTE with the hart's bits derived from Mica's (riscv_pte_hw()). The caller holds
 * the PTE lock and flushes the TLB if a live entry lost rights. */
static inline void set_pte_at(struct mm_struct *mm, unsigned long addr, pte_t *ptep, pte_t pte)
{
	(void)mm, (void)addr;
	WRITE_ONCE(ptep->val, riscv_pte_hw(pte).val);
}
#define set_pte_at set_pte_at

/* With A/D set by the hart, one atomic clear of A (a read and write-back could erase a D the
 * hart set in between). With riscv_ad=trap the hart never writes the PTE, and an old entry
 * must lose V as well (riscv_pte_hw()), so it is rewritten whole. */
static inline int ptep_test_and_clear_young(struct mm_struct *mm, unsigned long addr, pte_t *ptep)
{
	pte_t old = (pte_t){ READ_ONCE(ptep->val) };

	if (!riscv_ad_trap)
		return (__atomic_fetch_and(&ptep->val, ~(u64)_PAGE_A, __ATOMIC_RELAXED) &
			_PAGE_A) != 0;
	if (!(old.val & _PAGE_A))
		return 0;
	set_pte_at(mm, addr, ptep, (pte_t){ old.val & ~(u64)_PAGE_A });
	return 1;
}
#define ptep_test_and_clear_young ptep_test_and_clear_young

pgd_t *arch_kernel_pgd(void);

#endif
