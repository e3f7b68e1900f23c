/*
 * The parts of the kernel image every port lays out alike; arch/<arch>/kernel.lds.S is run
 * through cpp and strings these together around its own load address and extras.
 *
 * Order matters: .text, then .rodata. The symbol table is generated between two links and
 * lives in .rodata, so it must not move any function (scripts/kallsyms.py --check verifies).
 * Symbols defined here are declared for C in <mica/sections.h>.
 */
#ifndef MICA_SECTIONS_LDS_H
#define MICA_SECTIONS_LDS_H

/* One loadable segment per permission (no RWX segment): R X, R, R W. */
#define MICA_PHDRS                         \
	text PT_LOAD FLAGS(5);             \
	rodata PT_LOAD FLAGS(4);           \
	data PT_LOAD FLAGS(6);

/* Inside the .rodata output section: tables the kernel finds by start/end symbols. */
#define MICA_RODATA_TABLES                 \
	. = ALIGN(8);                      \
	__ktest_suites_start = .;          \
	KEEP(*(.ktest_suites))             \
	__ktest_suites_end = .;            \
	. = ALIGN(8);                      \
	__ex_table_start = .;              \
	KEEP(*(__ex_table))                \
	__ex_table_end = .;

/* Code, starting at the current address with the port's entry (.text.head) first. */
#define MICA_TEXT(phdr)                                   \
	__kernel_start = .;                               \
	.text : {                                         \
		__text_start = .;                         \
		KEEP(*(.text.head))                       \
		*(.text .text.*)                          \
		__text_end = .;                           \
	} phdr

#define MICA_RODATA(phdr)                                          \
	.rodata : ALIGN(4096) {                                    \
		*(.rodata .rodata.* .srodata .srodata.*)           \
		MICA_RODATA_TABLES                                 \
	} phdr

/* Data and zeroed data (the entry code clears [__bss_start, __bss_end)), then the end. */
#define MICA_DATA_BSS(phdr)                                        \
	.data : ALIGN(4096) {                                      \
		*(.data .data.* .sdata .sdata.*)                   \
	} phdr                                                     \
	.bss (NOLOAD) : ALIGN(16) {                                \
		__bss_start = .;                                   \
		*(.bss .bss.* .sbss .sbss.*)                       \
		*(COMMON)                                          \
		. = ALIGN(16);                                     \
		__bss_end = .;                                     \
	} phdr                                                     \
	. = ALIGN(4096);                                           \
	__kernel_end = .;

#endif
