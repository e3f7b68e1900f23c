/*
 * User copies (<mica/uaccess.h>): size_t arch_copy_{from,to}_user(void *to, const void *from,
 * size_t n) returns the bytes not copied. On x86 both directions are one instruction,
 * `rep movsb`: ring 0 may read and write user pages as they are (CR4.SMAP is clear, checked by
 * x86_mmu_init_cpu(); with SMAP this would need stac/clac around it), and CR0.WP makes a write
 * to a read-only user page fault like a user write would (SDM 3A 4.6.1).
 *
 * A fault suspends `rep movsb` with rip on the instruction, rsi/rdi on the next byte and rcx
 * holding the count left after the last byte moved (SDM Vol. 2B, REP prefix). So:
 *   - a fault that do_page_fault() resolves (demand-zero, copy-on-write) returns to the
 *     instruction, which carries on from where it stopped;
 *   - one it cannot resolve sends rip to the fixup below (one __ex_table entry), where rcx
 *     is exactly the number of bytes not copied: the return value.
 * In: rdi = to, rsi = from, rdx = n (psABI 3.2.3); DF is clear at every call (psABI 3.2.1).
 */
	.cfi_sections .debug_frame

/* An __ex_table entry: "if the instruction at insn faults, continue at fixup". */
.macro extable insn, fixup
	.pushsection __ex_table, "a"
	.balign 8
	.quad \insn, \fixup
	.popsection
.endm

	.text
	.globl arch_copy_from_user
	.type arch_copy_from_user, @function
	.globl arch_copy_to_user
	.type arch_copy_to_user, @function
	.p2align 4
arch_copy_from_user:
arch_copy_to_user:
	.cfi_startproc
	mov %rdx, %rcx
1:	rep movsb
2:	mov %rcx, %rax
	ret
	.cfi_endproc
	.size arch_copy_from_user, . - arch_copy_from_user
	.size arch_copy_to_user, . - arch_copy_to_user
	extable 1b, 2b
