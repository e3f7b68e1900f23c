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

/* Every level's table entries look alike: V set, R = W = X = 0, the next table's PPN. */
static inline u64 riscv_table_entry(void *table)
{
	return ((unsigned long)table >> PAGE_SHIFT) << _PAGE_PPN_SHIFT | _PAGE_V;
}
static inline void *riscv_entry_address(u64 e)
{
	return (void *)(unsigned long)((e >> _PAGE_PPN_SHIFT) << PAGE_SHIFT); /* identity map */
}
static inline int riscv_entry_bad(u64 e)
{
	return !(e & _PAGE_V) || (e & _PAGE_LEAF); /* not a table: a kernel leaf, or junk */
}

/* pud = an entry of the top table */
static inline int pud_none(pud_t e)
{
	return e.val == 0;
}
static inline int pud_bad(pud_t e)
{
	return riscv_entry_bad(e.val);
}
static inline void pud_clear(pud_t *e)
{
	WRITE_ONCE(e->val, 0);
}
static inline void pud_populate(pud_t *e, void *table)
{
	WRITE_ONCE(e->val, riscv_table_entry(table));
}
static inline void *pud_table(pud_t e)
{
	return riscv_entry_address(e.val);
}

/* pmd = an entry of a level-1 table */
static inline int pmd_none(pmd_t e)
{
	return e.val == 0;
}
static inline int pmd_bad(pmd_t e)
{
	return riscv_entry_bad(e.val);
}
static inline void pmd_clear(pmd_t *e)
{
	WRITE_ONCE(e->val, 0);
}
static inline void pmd_populate(pmd_t *e, void *table)
{
	WRITE_ONCE(e->val, riscv_table_entry(table));
}
static inline void *pmd_table(pmd_t e)
{
	return riscv_entry_address(e.val);
}

/* PTEs */
static inline int pte_none(pte_t p)
{
	return p.val == 0;
}
static inline int pte_present(pte_t p)
{
	return (p.val & (_PAGE_V | _PAGE_PROT_NONE)) != 0;
}
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
static inline int pte_write(pte_t p)
{
	return (p.val & _PAGE_W) != 0;
}
static inline int pte_exec(pte_t p)
{
	return (p.val & _PAGE_X) != 0;
}
static inline int pte_user(pte_t p)
{
	return (p.val & _PAGE_U) != 0;
}
static inline int pte_young(pte_t p)
{
	return (p.val & _PAGE_A) != 0;
}
static inline int pte_dirty(pte_t p)
{
	return (p.val & _PAGE_D) != 0;
}
static inline pte_t pte_mkwrite(pte_t p)
{
	return (pte_t){ p.val | _PAGE_W };
}
static inline pte_t pte_wrprotect(pte_t p)
{
	return (pte_t){ p.val & ~_PAGE_W };
}
static inline pte_t pte_mkyoung(pte_t p)
{
	return (pte_t){ p.val | _PAGE_A };
}
static inline pte_t pte_mkold(pte_t p)
{
	return (pte_t){ p.val & ~_PAGE_A };
}
static inline pte_t pte_mkdirty(pte_t p)
{
	return (pte_t){ p.val | _PAGE_D };
}
static inline pte_t pte_mkclean(pte_t p)
{
	return (pte_t){ p.val & ~_PAGE_D };
}

pgd_t *arch_kernel_pgd(void);

#endif
