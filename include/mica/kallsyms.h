/*
 * The kernel's own symbol table, linked into the image (scripts/kallsyms.py generates it from
 * a first link; the second link embeds it). Text symbols only.
 */
#ifndef MICA_KALLSYMS_H
#define MICA_KALLSYMS_H

#define KSYM_NAME_MAX 64

/* Finds the function containing addr. Returns its name and sets *off (addr - start) and *size,
 * or returns NULL if addr is outside every known function. */
const char *kallsyms_lookup(unsigned long addr, unsigned long *off, unsigned long *size);
/* Returns the address of a function by name, or 0. */
unsigned long kallsyms_address(const char *name);

#endif
