/*
 * The RISC-V kernel image: linked and run at 0x80200000, where OpenSBI jumps after taking the
 * first 2 MiB of RAM for itself. Physical = virtual (identity map, see mmu.c).
 */
#include <mica/sections.lds.h>

OUTPUT_ARCH(riscv)
ENTRY(_start)

PHDRS
{
	MICA_PHDRS
}

SECTIONS
{
	. = 0x80200000;
	MICA_TEXT(:text)
	MICA_RODATA(:rodata)
	MICA_DATA_BSS(:data)
}
