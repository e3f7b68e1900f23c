/*
 * User copies (<mica/uaccess.h>): size_t arch_copy_{from,to}_user(void *to, const void *from,
 * size_t n) returns the bytes not copied.
 *
 * The user side of each copy uses the unprivileged forms LDRT/LDRBT and STRT/STRBT (ARM ARM
 * A8.8, "LDRT", "LDRBT", "STRT", "STRBT": the access is checked "as if the processor were in
 * User mode"). So the permission check is the user's, not the kernel's: a store to a
 * read-only user page (copy-on-write, a clean page) is a permission fault even though the
 * kernel could write there itself, and a load from kernel memory faults too. The kernel side
 * uses ordinary loads and stores. The ARM forms only post-index, which suits a copy loop.
 *
 * Every user access may fault; each has an __ex_table entry sending the fault to 9f, which
 * returns what was left. r2 counts down only after a store completed, so it is exact
 * whichever instruction faulted.
 */
	.syntax unified
	.arm

/* An __ex_table entry { unsigned long insn, fixup }: "if insn faults, continue at fixup". */
	.macro	extable insn, fixup
	.pushsection __ex_table, "a"
	.balign	4
	.word	\insn, \fixup
	.popsection
	.endm

/*
 * One copy routine: a word loop when both pointers and the length are 4-aligned, a byte loop
 * otherwise. ld/ldb load a word/byte, st/stb store one; whichever pair has the T suffix
 * touches user memory and is listed in __ex_table.
 */
	.macro	copy_routine name, ld, st, ldb, stb, user_load
	.text
	.global	\name
	.type	\name, %function
	.balign	4
\name:
	.cfi_startproc
	cmp	r2, #0
	beq	9f
	orr	r3, r0, r1
	orr	r3, r3, r2
	tst	r3, #3
	bne	2f
1:
10:	\ld	r3, [r1], #4
11:	\st	r3, [r0], #4
	subs	r2, r2, #4
	bne	1b
	b	9f
2:
12:	\ldb	r3, [r1], #1
13:	\stb	r3, [r0], #1
	subs	r2, r2, #1
	bne	2b
9:	mov	r0, r2
	bx	lr
	.if	\user_load
	extable	10b, 9b
	extable	12b, 9b
	.else
	extable	11b, 9b
	extable	13b, 9b
	.endif
	.cfi_endproc
	.size	\name, . - \name
	.endm

	copy_routine arch_copy_from_user, ldrt, str, ldrbt, strb, 1
	copy_routine arch_copy_to_user, ldr, strt, ldrb, strbt, 0
