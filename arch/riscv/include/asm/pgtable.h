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
/* RSW bit 8 (reserved for software): a present page with no access at all (PROT_NONE).
 * V must be 0 for it, since V with R = W = X = 0 would mean "pointer to the next level". */
#define _PAGE_PROT_NONE (1UL << 8)
#define _PAGE_PPN_SHIFT 10
#define _PAGE_LEAF (_PAGE_R | _PAGE_W | _PAGE_X)

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

/* PTEs: the bits <mica/pgtable.h> builds its helpers on */
#define _PAGE_PRESENT _PAGE_V
#define _PAGE_WRITE _PAGE_W
#define _PAGE_EXEC _PAGE_X
#define _PAGE_USER _PAGE_U
#define _PAGE_YOUNG _PAGE_A
#define _PAGE_DIRTY _PAGE_D

static inline unsigned long pte_pfn(pte_t p)
{
	return p.val >> _PAGE_PPN_SHIFT;
}
/* A user leaf: U; R with W (W alone is reserved, 4.4.1), X if executable; A set (young) so a
 * hart that traps on a clear A bit does not fault again at once; D clear (clean). */
static inline pte_t pfn_pte(unsigned long pfn, unsigned long vm_flags)
{
	u64 v = (u64)pfn << _PAGE_PPN_SHIFT | _PAGE_U | _PAGE_A;

	if (vm_flags & (VM_READ | VM_WRITE))
		v |= _PAGE_R;
	if (vm_flags & VM_WRITE)
		v |= _PAGE_W;
	if (vm_flags & VM_EXEC)
		v |= _PAGE_X;
	v |= (v & _PAGE_LEAF) ? _PAGE_V : _PAGE_PROT_NONE;
	return (pte_t){ v };
}

pgd_t *arch_kernel_pgd(void);

#endif
