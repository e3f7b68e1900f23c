/*
 * The generic page-table walker (DESIGN PT-1, PT-2): creating an mm's top table, walking to a
 * PTE and creating the tables on the way, the split PTE locks, and freeing the tables an
 * unmapped range no longer needs. The rules are in <mica/pgtable.h>; the book chapter is
 * docs/mm-pagetables.md. Good breakpoints: walk, table_install, free_pgtables.
 */
#include <mica/cmdline.h>
#include <mica/errno.h>
#include <mica/mm_types.h>
#include <mica/panic.h>
#include <mica/pgtable.h>
#include <mica/printk.h>
#include <mica/slab.h>
#include <mica/string.h>
#include <mica/tlb.h>
#include <mica/tlb_model.h>
#include <mica/tlbflush.h>

#include "mm_internal.h"

static struct kmem_cache *ptlock_cachep;

/* Which parent entry a new table goes into. */
enum parent_level { PARENT_P4D, PARENT_PUD, PARENT_PMD };

/* ---- table pages ---- */

/* A zeroed table page for mm; a PTE table also gets its split lock. NULL if no memory. */
static struct page *table_alloc(struct mm_struct *mm, bool pte_table)
{
	struct page *p = alloc_page(GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN);
	spinlock_t *ptl = NULL;

	if (!p)
		return NULL;
	if (pte_table) {
		ptl = kmem_cache_alloc(ptlock_cachep, GFP_KERNEL | __GFP_NOWARN);
		if (!ptl) {
			free_page(p);
			return NULL;
		}
		spin_lock_init(ptl);
	}
	p->ptl = ptl;
	p->flags |= PG_pgtable;
	__atomic_add_fetch(&mm->nr_pgtables, 1, __ATOMIC_RELAXED);
	return p;
}

/* Frees a table page that is in no table (never installed, or unhooked and flushed). */
static void table_free(struct page *p)
{
	BUG_ON(!(p->flags & PG_pgtable));
	if (p->ptl)
		kmem_cache_free(ptlock_cachep, p->ptl);
	p->ptl = NULL;
	p->flags &= ~PG_pgtable;
	free_page(p);
}

/* For the mmu_gather: a table it held until the TLB flush. */
void pgtable_free_gathered(struct page *p)
{
	table_free(p);
}

static void table_uncount(struct mm_struct *mm)
{
	__atomic_sub_fetch(&mm->nr_pgtables, 1, __ATOMIC_RELAXED);
}

unsigned long mm_nr_pgtables(struct mm_struct *mm)
{
	return __atomic_load_n(&mm->nr_pgtables, __ATOMIC_RELAXED);
}

/* ---- the top table ---- */

int pgd_alloc(struct mm_struct *mm)
{
	struct page *p = alloc_pages(GFP_KERNEL | __GFP_NOWARN, PGD_ORDER);

	if (!p)
		return -ENOMEM;
	/* Every kernel entry is shared; the user part of the kernel's table is empty
	 * (pgtable_init() checked), so copying all of it leaves the user part empty too. */
	memcpy(page_address(p), arch_kernel_pgd(), PTRS_PER_PGD * sizeof(pgd_t));
	mm->pgd = page_address(p);
	return 0;
}

/* True if the top-level entry covering a is empty. The real entry of the top level is the
 * lowest name of its folded group (p4d on x86, pud on RISC-V, pmd on ARM). */
static bool top_entry_none(pgd_t *pgd, unsigned long a)
{
	p4d_t *p4d = p4d_offset(pgd_offset_pgd(pgd, a), a);
#if !defined(MICA_PUD_FOLDED)
	return p4d_none(*p4d);
#elif !defined(MICA_PMD_FOLDED)
	return pud_none(*pud_offset(p4d, a));
#else
	return pmd_none(*pmd_offset(pud_offset(p4d, a), a));
#endif
}

void pgd_free(struct mm_struct *mm)
{
	for (unsigned long a = USER_BASE; a < USER_TOP; a += PGDIR_SIZE)
		if (!top_entry_none(mm->pgd, a))
			panic("pgd_free: a table still hangs at 0x%lx", a);
	if (mm_nr_pgtables(mm))
		panic("pgd_free: %lu table pages still counted", mm_nr_pgtables(mm));
	tlb_model_check_mm_free(mm);
	free_pages(virt_to_page(mm->pgd), PGD_ORDER);
	mm->pgd = NULL;
}

void pgtable_init(void)
{
	init_mm.pgd = arch_kernel_pgd();
	zap_break_enabled = cmdline_get_ulong("zap_break", 1) != 0; /* MG-5, <mica/tlb.h> */
	tlb_model_init();
	lazy_mmu_init();
	ptlock_cachep = kmem_cache_create("pte_lock", sizeof(spinlock_t), 0, 0);
	if (!ptlock_cachep)
		panic("pgtable_init: no memory for the PTE lock cache");
	for (unsigned long a = USER_BASE; a < USER_TOP; a += PGDIR_SIZE)
		if (!top_entry_none(arch_kernel_pgd(), a))
			panic("pgtable_init: the kernel maps 0x%lx, inside the user range "
			      "[0x%lx, 0x%lx); boot with less RAM",
			      a, USER_BASE, USER_TOP);
}

/* ---- walking ---- */

static bool entry_none(void *entry, enum parent_level level)
{
	switch (level) {
#ifndef MICA_PUD_FOLDED
	case PARENT_P4D:
		return p4d_none(*(p4d_t *)entry);
#endif
#ifndef MICA_PMD_FOLDED
	case PARENT_PUD:
		return pud_none(*(pud_t *)entry);
#endif
	default:
		return pmd_none(*(pmd_t *)entry);
	}
}

static void entry_populate(void *entry, enum parent_level level, void *table)
{
	switch (level) {
#ifndef MICA_PUD_FOLDED
	case PARENT_P4D:
		p4d_populate(entry, table);
		return;
#endif
#ifndef MICA_PMD_FOLDED
	case PARENT_PUD:
		pud_populate(entry, table);
		return;
#endif
	default:
		pmd_populate(entry, table);
	}
}

/*
 * Installs a new table in an empty parent entry. The table is allocated before the lock and
 * the entry checked again under it: another thread faulting next door may have installed one
 * first, and then ours is freed unused. Returns 0 (the entry now holds a table) or -ENOMEM.
 */
static int table_install(struct mm_struct *mm, void *entry, enum parent_level level)
{
	struct page *t = table_alloc(mm, level == PARENT_PMD);

	if (!t)
		return -ENOMEM;
	spin_lock(&mm->page_table_lock);
	if (entry_none(entry, level)) {
		/* The zeroed table must be visible before the entry that points at it. */
		__atomic_thread_fence(__ATOMIC_RELEASE);
		entry_populate(entry, level, page_address(t));
		t = NULL;
	}
	spin_unlock(&mm->page_table_lock);
	if (t) {
		table_uncount(mm);
		table_free(t);
	}
	return 0;
}

pte_t *walk_pmd(struct mm_struct *mm, unsigned long va, bool alloc, pmd_t **pmdp)
{
	pgd_t *pgd;
	p4d_t *p4d;
	pud_t *pud;
	pmd_t *pmd;

	if (va < USER_BASE || va >= USER_TOP)
		panic("walk: 0x%lx is outside the user range [0x%lx, 0x%lx)", va, USER_BASE,
		      USER_TOP);
	pgd = pgd_offset_pgd(mm->pgd, va);
	BUG_ON(pgd_none(*pgd)); /* always folded into p4d: the compiler drops this */
	p4d = p4d_offset(pgd, va);
	if (p4d_none(*p4d) && (!alloc || table_install(mm, p4d, PARENT_P4D)))
		return NULL;
	if (p4d_bad(*p4d))
		panic("walk: bad p4d entry for 0x%lx", va);
	pud = pud_offset(p4d, va);
	if (pud_none(*pud) && (!alloc || table_install(mm, pud, PARENT_PUD)))
		return NULL;
	if (pud_bad(*pud))
		panic("walk: bad pud entry for 0x%lx", va);
	pmd = pmd_offset(pud, va);
	if (pmd_none(*pmd) && (!alloc || table_install(mm, pmd, PARENT_PMD)))
		return NULL;
	if (pmd_bad(*pmd))
		panic("walk: bad pmd entry for 0x%lx", va);
	if (pmdp)
		*pmdp = pmd;
	return pte_offset(pmd, va);
}

pte_t *walk(struct mm_struct *mm, unsigned long va, bool alloc)
{
	return walk_pmd(mm, va, alloc, NULL);
}

spinlock_t *pte_lockptr(pmd_t *pmd)
{
	return virt_to_page(pmd_table(*pmd))->ptl;
}

pte_t *pte_offset_map_lock(pmd_t *pmd, unsigned long addr, spinlock_t **ptlp)
{
	*ptlp = pte_lockptr(pmd);
	spin_lock(*ptlp);
	return pte_offset(pmd, addr);
}

/* ---- freeing tables (the second half of unmapping) ---- */

/*
 * True if no mapping outside the range being freed can need the table whose entries cover
 * the `size`-aligned span holding addr: the span lies inside [floor, ceiling), the gap
 * between the VMAs that stay.
 */
static bool span_unused(unsigned long addr, unsigned long size, unsigned long floor,
			unsigned long ceiling)
{
	unsigned long lo = addr & ~(size - 1);

	return lo >= floor && lo + size - 1 <= ceiling - 1;
}

/* Checks that a table about to be freed is empty: unmap_vmas() cleared every PTE, and the
 * lower tables were freed first. A leftover entry is a kernel bug. */
static void check_table_empty(const void *table, const char *what, unsigned long addr)
{
	const unsigned long *w = table;

	for (unsigned i = 0; i < PAGE_SIZE / sizeof(*w); i++)
		if (w[i])
			panic("free_pgtables: %s table for 0x%lx still has entry %u = 0x%lx", what,
			      addr, i, w[i]);
}

/* Hands a table its parent entry no longer points at (the caller just cleared the entry) to
 * the gather, which frees it after the TLB flush. */
static void gather_table(struct mmu_gather *tlb, void *table, const char *what, unsigned long addr)
{
	check_table_empty(table, what, addr);
	table_uncount(tlb->mm);
	tlb_model_unhook(tlb->mm, addr, virt_to_page(table));
	tlb_remove_table(tlb, virt_to_page(table));
}

static void free_pmd_range(struct mmu_gather *tlb, pud_t *pud, unsigned long addr,
			   unsigned long end, unsigned long floor, unsigned long ceiling)
{
	pmd_t *pmd = pmd_offset(pud, addr);
	unsigned long next;

	do {
		next = pmd_addr_end(addr, end);
		if (!pmd_none(*pmd) && span_unused(addr, PMD_SIZE, floor, ceiling)) {
			void *t = pmd_table(*pmd);

			pmd_clear(pmd);
			gather_table(tlb, t, "PTE", addr);
		}
	} while (pmd++, addr = next, addr != end);
}

static void free_pud_range(struct mmu_gather *tlb, p4d_t *p4d, unsigned long addr,
			   unsigned long end, unsigned long floor, unsigned long ceiling)
{
	pud_t *pud = pud_offset(p4d, addr);
	unsigned long next;

	do {
		next = pud_addr_end(addr, end);
		if (pud_none(*pud))
			continue;
		free_pmd_range(tlb, pud, addr, next, floor, ceiling);
#ifndef MICA_PMD_FOLDED
		if (span_unused(addr, PUD_SIZE, floor, ceiling)) {
			void *t = pud_table(*pud);

			pud_clear(pud);
			gather_table(tlb, t, "PMD", addr);
		}
#endif
	} while (pud++, addr = next, addr != end);
}

static void free_p4d_range(struct mmu_gather *tlb, pgd_t *pgd, unsigned long addr,
			   unsigned long end, unsigned long floor, unsigned long ceiling)
{
	p4d_t *p4d = p4d_offset(pgd, addr);
	unsigned long next;

	do {
		next = p4d_addr_end(addr, end);
		if (p4d_none(*p4d))
			continue;
		free_pud_range(tlb, p4d, addr, next, floor, ceiling);
#ifndef MICA_PUD_FOLDED
		if (span_unused(addr, P4D_SIZE, floor, ceiling)) {
			void *t = p4d_table(*p4d);

			p4d_clear(p4d);
			gather_table(tlb, t, "PUD", addr);
		}
#endif
	} while (p4d++, addr = next, addr != end);
}

/*
 * Unhooks and gathers every table under [start, end) whose whole span lies in [floor,
 * ceiling), lowest level first; the gather frees them after the TLB flush (MG-4). The PTEs
 * must already be clear (unmap_vmas()). mmap_lock held for write: nothing faults here.
 */
void free_pgtables(struct mmu_gather *tlb, unsigned long start, unsigned long end,
		   unsigned long floor, unsigned long ceiling)
{
	struct mm_struct *mm = tlb->mm;
	unsigned long addr = start, next;
	pgd_t *pgd;

	BUG_ON(!rwsem_is_write_locked_by_me(&mm->mmap_lock));
	BUG_ON(floor < USER_BASE || ceiling > USER_TOP || start < floor || end > ceiling ||
	       start >= end);
	pgd = pgd_offset_pgd(mm->pgd, addr);
	do {
		next = pgd_addr_end(addr, end);
		free_p4d_range(tlb, pgd, addr, next, floor, ceiling);
	} while (pgd++, addr = next, addr != end);
}
