/*
 * Folds the pmd level into the pud (DESIGN PT-1): see <mica/pgtable-nop4d.h> for how a folded
 * level reads. Include after pgtable-nopud.h. Used by two-level ports (ARMv7-A).
 */
#ifndef MICA_PGTABLE_NOPMD_H
#define MICA_PGTABLE_NOPMD_H

#define MICA_PMD_FOLDED 1
#define PMD_SHIFT PUD_SHIFT
#define PTRS_PER_PMD 1

typedef pud_t pmd_t;

static inline int pud_none(pud_t pud)
{
	(void)pud;
	return 0;
}
static inline int pud_bad(pud_t pud)
{
	(void)pud;
	return 0;
}
static inline void pud_clear(pud_t *pud)
{
	(void)pud;
}
static inline pmd_t *pmd_offset(pud_t *pud, unsigned long addr)
{
	(void)addr;
	return pud;
}

#endif
