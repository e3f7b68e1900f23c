/*
 * Page tables (DESIGN PT-1, PT-2; kernel/mm/pgtable.c, book chapter docs/mm-pagetables.md).
 *
 * One walk for every port: pgd -> p4d -> pud -> pmd -> pte. A port that has fewer levels
 * includes the fold headers (<mica/pgtable-nop4d.h>, -nopud.h, -nopmd.h) and the levels it
 * lacks compile away: x86-64 folds p4d (4 levels), RISC-V Sv39 folds p4d and pud (3),
 * ARMv7-A short descriptors fold p4d, pud and pmd (2).
 *
 * Invariants:
 *   - The user part of an address space is [USER_BASE, USER_TOP), both aligned to the span
 *     of one top-level entry, so every table below a user top-level entry belongs to this mm
 *     alone. Everything else in the top table is the kernel's, copied in by pgd_alloc() and
 *     never changed or freed through an mm.
 *   - A table is installed in its parent entry only while mm->page_table_lock is held, and
 *     only into an empty entry; it stays there until free_pgtables() unhooks it.
 *   - A PTE is read or changed only with its table's split lock held (pte_lockptr()); the
 *     upper levels are protected by mm->page_table_lock (installing) and mmap_lock for write
 *     (unhooking, which only free_pgtables() does).
 *   - mm->nr_pgtables counts the table pages below the top one; it is 0 again once every
 *     VMA is unmapped.
 *
 * What a port's <asm/pgtable.h> provides (the checklist):
 *   PGDIR_SHIFT, PTRS_PER_PGD, PGD_ORDER (the top table's size as a page order)
 *   PUD_SHIFT/PTRS_PER_PUD, PMD_SHIFT/PTRS_PER_PMD for the levels it does not fold
 *   PTRS_PER_PTE, USER_BASE, USER_TOP
 *   the types pgd_t and (unless folded) pud_t, pmd_t, and pte_t = struct { <word> val; }
 *   for each level L it does not fold, among p4d/pud/pmd (the real entry of a folded group is
 *   its lowest name: x86 implements p4d_*, RISC-V pud_*, ARM pmd_*):
 *       int L_none(L_t), int L_bad(L_t)    empty; present but not a table (a kernel leaf)
 *       void L_clear(L_t *)                empty the entry
 *       void L_populate(L_t *, void *t)    point the entry at next-level table t (zeroed)
 *       void *L_table(L_t)                 the next-level table the entry points at
 *   pte_t pfn_pte(unsigned long pfn, unsigned long vm_flags)   a present, young, clean user
 *       PTE for pfn with the permissions of vm_flags (VM_READ/WRITE/EXEC)
 *   unsigned long pte_pfn(pte_t)
 *   the PTE's bits: _PAGE_PRESENT, _PAGE_PROT_NONE (present to Mica, no access for the MMU),
 *       _PAGE_WRITE, _PAGE_USER, _PAGE_YOUNG, _PAGE_DIRTY, and _PAGE_EXEC or, where the
 *       hardware bit means the opposite, _PAGE_NOEXEC; the helpers below are built on them
 *   pgd_t *arch_kernel_pgd(void)           the kernel's top table (the boot identity map)
 * and may override the defaults at the end of this file by defining the name first
 * (set_pte_at, ptep_get, ptep_get_and_clear, ptep_set_wrprotect).
 */
#ifndef MICA_PGTABLE_H
#define MICA_PGTABLE_H

#include <mica/compiler.h>
#include <mica/mm.h> /* before the port's header: PAGE_SHIFT, struct page */
#include <mica/spinlock.h>

#include <asm/pgtable.h>

#if !defined(MICA_P4D_FOLDED)
#error "<asm/pgtable.h> must include <mica/pgtable-nop4d.h>: Mica has no five-level port"
#endif
#if defined(MICA_PMD_FOLDED) && !defined(MICA_PUD_FOLDED)
#error "folding pmd needs pud folded first (include pgtable-nopud.h before pgtable-nopmd.h)"
#endif
#if (USER_BASE & ((1UL << PGDIR_SHIFT) - 1)) || (USER_TOP & ((1UL << PGDIR_SHIFT) - 1))
#error "USER_BASE and USER_TOP must be aligned to one top-level entry's span"
#endif

struct mm_struct;

#define PGDIR_SIZE (1UL << PGDIR_SHIFT)
#define PGDIR_MASK (~(PGDIR_SIZE - 1))
#define P4D_SIZE (1UL << P4D_SHIFT)
#define P4D_MASK (~(P4D_SIZE - 1))
#define PUD_SIZE (1UL << PUD_SHIFT)
#define PUD_MASK (~(PUD_SIZE - 1))
#define PMD_SIZE (1UL << PMD_SHIFT)
#define PMD_MASK (~(PMD_SIZE - 1))

/* Indexes into each level's table. A folded level has one entry: index 0. */
static inline unsigned long pgd_index(unsigned long a)
{
	return (a >> PGDIR_SHIFT) & (PTRS_PER_PGD - 1);
}
static inline unsigned long pud_index(unsigned long a)
{
	return (a >> PUD_SHIFT) & (PTRS_PER_PUD - 1);
}
static inline unsigned long pmd_index(unsigned long a)
{
	return (a >> PMD_SHIFT) & (PTRS_PER_PMD - 1);
}
static inline unsigned long pte_index(unsigned long a)
{
	return (a >> PAGE_SHIFT) & (PTRS_PER_PTE - 1);
}

/* The end of the entry at this level that covers addr, or end if that comes first. Written
 * as "- 1" comparisons so a boundary at the very top of the address space (0) still works. */
#define DEFINE_ADDR_END(name, size)                                             \
	static inline unsigned long name(unsigned long addr, unsigned long end) \
	{                                                                       \
		unsigned long b = (addr + (size)) & ~((size)-1);                \
		return b - 1 < end - 1 ? b : end;                               \
	}
DEFINE_ADDR_END(pgd_addr_end, PGDIR_SIZE)
DEFINE_ADDR_END(p4d_addr_end, P4D_SIZE)
DEFINE_ADDR_END(pud_addr_end, PUD_SIZE)
DEFINE_ADDR_END(pmd_addr_end, PMD_SIZE)
#undef DEFINE_ADDR_END

/* Offsets: the entry for addr in the table a parent entry points at. Folded levels got theirs
 * from the fold headers (the parent entry itself). */
static inline pgd_t *pgd_offset_pgd(pgd_t *pgd, unsigned long addr)
{
	return pgd + pgd_index(addr);
}
#ifndef MICA_PUD_FOLDED
static inline pud_t *pud_offset(p4d_t *p4d, unsigned long addr)
{
	return (pud_t *)p4d_table(*p4d) + pud_index(addr);
}
#endif
#ifndef MICA_PMD_FOLDED
static inline pmd_t *pmd_offset(pud_t *pud, unsigned long addr)
{
	return (pmd_t *)pud_table(*pud) + pmd_index(addr);
}
#endif
static inline pte_t *pte_offset(pmd_t *pmd, unsigned long addr)
{
	return (pte_t *)pmd_table(*pmd) + pte_index(addr);
}

/* ---- PTE bits: every port keeps each property in one bit of its PTE ---- */

typedef __typeof__(((pte_t *)0)->val) pteval_t;

static inline int pte_none(pte_t p)
{
	return p.val == 0;
}
static inline int pte_present(pte_t p)
{
	return (p.val & (_PAGE_PRESENT | _PAGE_PROT_NONE)) != 0;
}
/* The same entry, bit for bit. */
static inline bool pte_same(pte_t a, pte_t b)
{
	return a.val == b.val;
}
/* Present and the MMU may use it (not a PROT_NONE entry, nor a migration entry). */
static inline int pte_accessible(pte_t p)
{
	return (p.val & _PAGE_PRESENT) != 0;
}
static inline int pte_write(pte_t p)
{
	return (p.val & _PAGE_WRITE) != 0;
}
static inline int pte_user(pte_t p)
{
	return (p.val & _PAGE_USER) != 0;
}
static inline int pte_young(pte_t p)
{
	return (p.val & _PAGE_YOUNG) != 0;
}
static inline int pte_dirty(pte_t p)
{
	return (p.val & _PAGE_DIRTY) != 0;
}
#ifdef _PAGE_NOEXEC
static inline int pte_exec(pte_t p)
{
	return (p.val & _PAGE_NOEXEC) == 0;
}
#else
static inline int pte_exec(pte_t p)
{
	return (p.val & _PAGE_EXEC) != 0;
}
#endif
static inline pte_t pte_set_bits(pte_t p, pteval_t bits)
{
	return (pte_t){ p.val | bits };
}
static inline pte_t pte_clear_bits(pte_t p, pteval_t bits)
{
	return (pte_t){ p.val & ~bits };
}
static inline pte_t pte_mkwrite(pte_t p)
{
	return pte_set_bits(p, _PAGE_WRITE);
}
static inline pte_t pte_wrprotect(pte_t p)
{
	return pte_clear_bits(p, _PAGE_WRITE);
}
static inline pte_t pte_mkyoung(pte_t p)
{
	return pte_set_bits(p, _PAGE_YOUNG);
}
static inline pte_t pte_mkold(pte_t p)
{
	return pte_clear_bits(p, _PAGE_YOUNG);
}
static inline pte_t pte_mkdirty(pte_t p)
{
	return pte_set_bits(p, _PAGE_DIRTY);
}
static inline pte_t pte_mkclean(pte_t p)
{
	return pte_clear_bits(p, _PAGE_DIRTY);
}

/* ---- PTE accessors: defaults a port may override by defining the name first ---- */

#ifndef ptep_get
/* One read of the whole entry: another CPU (or the MMU setting A/D) may change it. */
static inline pte_t ptep_get(pte_t *ptep)
{
	return (pte_t){ READ_ONCE(ptep->val) };
}
#define ptep_get ptep_get
#endif

#ifndef set_pte_at
/* Writes a PTE; the caller holds the PTE lock and flushes the TLB if a live entry changed. */
static inline void set_pte_at(struct mm_struct *mm, unsigned long addr, pte_t *ptep, pte_t pte)
{
	(void)mm, (void)addr;
	WRITE_ONCE(ptep->val, pte.val);
}
#define set_pte_at set_pte_at
#endif

#ifndef ptep_get_and_clear
/* Empties a PTE and returns what it held, atomically: an MMU that sets young/dirty in hardware
 * cannot slip a dirty bit in between the read and the clear. */
static inline pte_t ptep_get_and_clear(struct mm_struct *mm, unsigned long addr, pte_t *ptep)
{
	(void)mm, (void)addr;
	return (pte_t){ __atomic_exchange_n(&ptep->val, 0, __ATOMIC_RELAXED) };
}
#define ptep_get_and_clear ptep_get_and_clear
#endif

#ifndef ptep_test_and_clear_young
/* Makes the PTE old; returns whether it was young. Atomic, one bit: on an MMU that sets
 * young/dirty itself (x86, RISC-V's default), reading the entry and writing it back old could
 * erase a dirty bit the MMU set in between - and swap-out would then skip writing a page that
 * was written. A port whose MMU never writes PTEs (ARM) may read-modify-write instead. */
static inline int ptep_test_and_clear_young(struct mm_struct *mm, unsigned long addr, pte_t *ptep)
{
	(void)mm, (void)addr;
	return (__atomic_fetch_and(&ptep->val, ~(pteval_t)_PAGE_YOUNG, __ATOMIC_RELAXED) &
		_PAGE_YOUNG) != 0;
}
#define ptep_test_and_clear_young ptep_test_and_clear_young
#endif

#ifndef ptep_set_wrprotect
/* Takes write permission away (copy-on-write, mprotect), keeping young/dirty. */
static inline void ptep_set_wrprotect(struct mm_struct *mm, unsigned long addr, pte_t *ptep)
{
	pte_t old = ptep_get_and_clear(mm, addr, ptep);

	set_pte_at(mm, addr, ptep, pte_wrprotect(old));
}
#define ptep_set_wrprotect ptep_set_wrprotect
#endif

/* ---- the walker (kernel/mm/pgtable.c) ---- */

/* Allocates mm's top table with the kernel's entries copied in. 0 or -ENOMEM. */
int pgd_alloc(struct mm_struct *mm);
/* Frees it; every user entry must be empty by now (panics otherwise). */
void pgd_free(struct mm_struct *mm);

/*
 * walk(): the PTE that maps va in mm, or NULL. With alloc, missing tables are created (may
 * sleep; NULL then means -ENOMEM); without, NULL means nothing is mapped there. va must lie
 * in [USER_BASE, USER_TOP). The caller holds mmap_lock (read is enough) and takes the PTE's
 * lock (pte_lockptr()) before reading or changing it.
 */
pte_t *walk(struct mm_struct *mm, unsigned long va, bool alloc);
/* walk() that also finds the pmd entry, for callers that need the PTE lock. */
pte_t *walk_pmd(struct mm_struct *mm, unsigned long va, bool alloc, pmd_t **pmdp);

/* The split lock of the PTE table a present pmd entry points at (PT-2). */
spinlock_t *pte_lockptr(pmd_t *pmd);
/* The PTE for addr under pmd, with its table's lock taken (*ptlp says which to unlock). */
pte_t *pte_offset_map_lock(pmd_t *pmd, unsigned long addr, spinlock_t **ptlp);

/* The table pages of one mm, for tests: every level below the top. */
unsigned long mm_nr_pgtables(struct mm_struct *mm);

/* Called once at boot: checks the kernel's map leaves [USER_BASE, USER_TOP) empty. */
void pgtable_init(void);

#endif
