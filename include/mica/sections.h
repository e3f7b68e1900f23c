/* Symbols the linker script defines (include/mica/sections.lds.h). */
#ifndef MICA_SECTIONS_H
#define MICA_SECTIONS_H

#include <mica/types.h>

extern char __kernel_start[], __kernel_end[];
extern char __text_start[], __text_end[];
extern char __bss_start[], __bss_end[];

/* True if addr lies in the kernel's code. */
static inline bool is_kernel_text(unsigned long addr)
{
	return addr >= (unsigned long)__text_start && addr < (unsigned long)__text_end;
}

#endif
