/*
 * The ARM kernel image. Linked at 0x40100000, 1 MiB into RAM: QEMU places the DTB at the start
 * of RAM (0x40000000) only when an ELF kernel leaves that room (asm/virt.h). The MMU maps the
 * kernel 1:1, so link, load and run addresses are all the same.
 */
#include <asm/virt.h>
#include <mica/sections.lds.h>

OUTPUT_FORMAT("elf32-littlearm")
OUTPUT_ARCH(arm)
ENTRY(_start)

PHDRS
{
	text PT_LOAD FLAGS(5);   /* R X */
	rodata PT_LOAD FLAGS(4); /* R */
	data PT_LOAD FLAGS(6);   /* R W */
}

SECTIONS
{
	. = VIRT_KERNEL_BASE;
	__kernel_start = .;

	.text : {
		__text_start = .;
		KEEP(*(.text.head))
		*(.text .text.*)
		__text_end = .;
	} :text

	/* After .text: the symbol table generated between the two links lives here. */
	. = ALIGN(4096);
	.rodata : {
		*(.rodata .rodata.*)
		MICA_RODATA_TABLES
	} :rodata
	/* libgcc's unwind index; nothing reads it (the kernel has no C++ exceptions). */
	.ARM.exidx : { *(.ARM.exidx .ARM.exidx.*) } :rodata

	. = ALIGN(4096);
	.data : { *(.data .data.*) } :data
	.bss (NOLOAD) : {
		. = ALIGN(8);
		__bss_start = .;
		*(.bss .bss.*)
		*(COMMON)
		. = ALIGN(8);
		__bss_end = .;
	} :data
	__kernel_end = .;

	/DISCARD/ : { *(.note.GNU-stack) *(.comment) }
}
