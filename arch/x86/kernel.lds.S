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
	MICA_PHDRS
	note PT_NOTE FLAGS(4);		/* the PVH entry note QEMU reads */
}

SECTIONS
{
	. = 0x100000;
	MICA_TEXT(:text)
	MICA_RODATA(:rodata)
	.note.Xen : {
		KEEP(*(.note.Xen))
	} :rodata :note
	MICA_DATA_BSS(:data)

	/DISCARD/ : {
		*(.eh_frame .note.GNU-stack .note.gnu.property .comment)
	}
}
