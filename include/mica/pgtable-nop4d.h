/*
 * Folds the p4d level into the pgd (DESIGN PT-1): for a port whose top table is indexed at
 * PGDIR_SHIFT and has no separate fourth-from-bottom level (every Mica port).
 *
 * A folded level is the same entry as the level above it, looked at one step further down
 * the walk: p4d_offset() returns the pgd entry itself, the pgd "entry" is always there (its
 * tests are constants the compiler folds away), and the real tests happen on the p4d, which
 * the port (or the next fold header) defines. Read docs/mm-pagetables.md, "Folding".
 */
#ifndef MICA_PGTABLE_NOP4D_H
#define MICA_PGTABLE_NOP4D_H

#define MICA_P4D_FOLDED 1
#define P4D_SHIFT PGDIR_SHIFT
#define PTRS_PER_P4D 1

typedef pgd_t p4d_t;

static inline int pgd_none(pgd_t pgd)
{
	(void)pgd;
	return 0;
}
static inline int pgd_bad(pgd_t pgd)
{
	(void)pgd;
	return 0;
}
static inline void pgd_clear(pgd_t *pgd)
{
	(void)pgd;
}
static inline p4d_t *p4d_offset(pgd_t *pgd, unsigned long addr)
{
	(void)addr;
	return pgd;
}

#endif
