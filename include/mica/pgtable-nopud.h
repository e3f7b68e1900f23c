/*
 * Folds the pud level into the p4d (DESIGN PT-1): see <mica/pgtable-nop4d.h> for how a folded
 * level reads. Include after pgtable-nop4d.h. Used by ports with three levels or fewer.
 */
#ifndef MICA_PGTABLE_NOPUD_H
#define MICA_PGTABLE_NOPUD_H

#define MICA_PUD_FOLDED 1
#define PUD_SHIFT P4D_SHIFT
#define PTRS_PER_PUD 1

typedef p4d_t pud_t;

static inline int p4d_none(p4d_t p4d)
{
	(void)p4d;
	return 0;
}
static inline int p4d_bad(p4d_t p4d)
{
	(void)p4d;
	return 0;
}
static inline void p4d_clear(p4d_t *p4d)
{
	(void)p4d;
}
static inline pud_t *pud_offset(p4d_t *p4d, unsigned long addr)
{
	(void)addr;
	return p4d;
}

#endif
