/*
 * User copies (<mica/uaccess.h>): size_t arch_copy_{from,to}_user(void *to, const void *from,
 * size_t n) returns the bytes not copied. On RISC-V both directions are the same loop: what
 * makes user memory reachable is sstatus.SUM (privileged spec v1.12, 4.1.1.2), set only
 * while these run, so a stray kernel dereference of a user pointer still faults.
 *
 * Every load and store here may fault; each has an __ex_table entry sending the fault to
 * 9f, which returns what was left. a2 counts down only after a store completed, so it is
 * exact whichever instruction faulted.
 */
#include <asm/csr.h>

/* An __ex_table entry: "if the instruction at label faults, continue at fixup". */
.macro extable insn, fixup
	.pushsection __ex_table, "a"
	.balign 8
	.dword \insn, \fixup
	.popsection
.endm

/* Copies a2 bytes from a1 to a0, `size` at a time, until a2 is 0; both accesses may fault. */
.macro copy_loop load, store, size
1:
10:	\load	t1, 0(a1)
11:	\store	t1, 0(a0)
	addi	a0, a0, \size
	addi	a1, a1, \size
	addi	a2, a2, -\size
	bnez	a2, 1b
	extable 10b, 9f
	extable 11b, 9f
.endm

	.text
	.globl arch_copy_from_user
	.globl arch_copy_to_user
	.balign 4
arch_copy_from_user:
arch_copy_to_user:
	li	t6, SSTATUS_SUM
	csrs	sstatus, t6
	beqz	a2, 8f
	/* Eight bytes at a time when both pointers and the length are 8-aligned. */
	or	t0, a0, a1
	or	t0, t0, a2
	andi	t0, t0, 7
	bnez	t0, 2f
	copy_loop ld, sd, 8
	j	8f
2:	copy_loop lbu, sb, 1
8:
9:	csrc	sstatus, t6
	mv	a0, a2
	ret
