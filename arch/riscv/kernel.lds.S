/*
 * The RISC-V kernel image: linked and run at 0x80200000, where OpenSBI jumps after taking the
 * first 2 MiB of RAM for itself. Physical = virtual (identity map, see mmu.c).
 */
#include <mica/sections.lds.h>

OUTPUT_ARCH(riscv)
ENTRY(_start)

/* One segment per permission (and no RWX segment for ld to warn about). */
PHDRS
{
	text PT_LOAD FLAGS(5);   /* R X */
	rodata PT_LOAD FLAGS(4); /* R */
	data PT_LOAD FLAGS(6);   /* R W */
}

SECTIONS
{
	. = 0x80200000;
	_kernel_start = .;

	/* .text before .rodata: the kallsyms table (in .rodata) must not move any function. */
	.text : {
		KEEP(*(.text.head)) /* _start first, at the load address */
		*(.text .text.*)
	} :text
	_etext = .;

	.rodata : ALIGN(4096) {
		*(.rodata .rodata.* .srodata .srodata.*)
		MICA_RODATA_TABLES
	} :rodata

	.data : ALIGN(4096) {
		*(.data .data.* .sdata .sdata.*)
	} :data

	.bss (NOLOAD) : ALIGN(16) {
		_bss_start = .;
		*(.bss .bss.* .sbss .sbss.* COMMON)
		. = ALIGN(16);
		_bss_end = .;
	} :data

	. = ALIGN(4096);
	_kernel_end = .;
}
