/*
 * Pieces every port's linker script includes (arch/<arch>/kernel.lds.S is run through cpp).
 * Keep .rodata after .text: the symbol table is generated between two links and lives in
 * .rodata, so it must not move any function (scripts/kallsyms.py --check verifies this).
 */
#ifndef MICA_SECTIONS_LDS_H
#define MICA_SECTIONS_LDS_H

/* Inside the .rodata output section. */
#define MICA_RODATA_TABLES                 \
	. = ALIGN(8);                      \
	__ktest_suites_start = .;          \
	KEEP(*(.ktest_suites))             \
	__ktest_suites_end = .;

#endif
