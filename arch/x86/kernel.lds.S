/*
 * The x86 kernel image: linked and loaded at 1 MiB (QEMU's PVH loader puts each PT_LOAD segment
 * at its physical address), run identity-mapped, so virtual = physical everywhere.
 * .text comes before .rodata: the kallsyms table is generated between two links and lives in
 * .rodata, so it must not move code (include/mica/sections.lds.h).
 */
#include <mica/sections.lds.h>

OUTPUT_FORMAT("elf64-x86-64")
OUTPUT_ARCH(i386:x86-64)
ENTRY(x86_pvh_entry)

PHDRS
{
	text PT_LOAD FLAGS(5);		/* R X */
	rodata PT_LOAD FLAGS(4);	/* R */
	data PT_LOAD FLAGS(6);		/* R W */
	note PT_NOTE FLAGS(4);		/* the PVH entry note QEMU reads */
}

SECTIONS
{
	. = 0x100000;
	_kernel_start = .;

	.text : {
		*(.text .text.*)
	} :text

	. = ALIGN(4096);
	.rodata : {
		*(.rodata .rodata.*)
		MICA_RODATA_TABLES
	} :rodata
	.note.Xen : {
		KEEP(*(.note.Xen))
	} :rodata :note

	. = ALIGN(4096);
	.data : {
		*(.data .data.*)
	} :data
	.bss (NOLOAD) : {
		__bss_start = .;
		*(.bss .bss.*)
		*(COMMON)
		__bss_end = .;
	} :data

	. = ALIGN(4096);
	_kernel_end = .;

	/DISCARD/ : {
		*(.eh_frame .note.GNU-stack .note.gnu.property .comment)
	}
}
