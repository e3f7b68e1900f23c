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
	MICA_PHDRS
}

SECTIONS
{
	. = VIRT_KERNEL_BASE;
	MICA_TEXT(:text)
	MICA_RODATA(:rodata)
	/* libgcc's unwind index; nothing reads it (the kernel has no C++ exceptions). */
	.ARM.exidx : { *(.ARM.exidx .ARM.exidx.*) } :rodata
	MICA_DATA_BSS(:data)

	/DISCARD/ : { *(.note.GNU-stack) *(.comment) }
}
