/*
 * Where a secondary CPU starts: the STARTUP IPI's vector v makes it begin in real mode at
 * CS:IP = (v << 8):0000, i.e. physical v * 4 KiB (SDM 3A 8.4.4, 10.6.1). smp.c copies these
 * bytes to X86_TRAMPOLINE_PA. Position independent: it only switches to protected mode on the
 * kernel GDT and jumps to x86_ap_entry32 (head.S) at its link address, which is identity mapped
 * once paging is on and a plain physical address until then.
 */
#include <asm/x86.h>

	.text
	.code16
	.globl x86_trampoline_start
x86_trampoline_start:
	cli
	cld
	mov %cs, %ax
	mov %ax, %ds
	lgdtl x86_trampoline_gdt_ptr - x86_trampoline_start
	mov %cr0, %eax
	or $X86_CR0_PE, %eax
	mov %eax, %cr0
	ljmpl $X86_CS32, $x86_ap_entry32

	.balign 4
x86_trampoline_gdt_ptr:		/* lgdt's operand must be reachable from real mode: here */
	.word X86_GDT_SIZE - 1
	.long x86_gdt
	.globl x86_trampoline_end
x86_trampoline_end:
	.code64
