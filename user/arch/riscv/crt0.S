/*
 * _start for RISC-V user programs: the ELF entry point.
 *
 * The kernel enters here in U-mode with the initial stack of docs/syscalls.md (the System V
 * layout; the strings themselves lie above it):
 *
 *	sp ->	argc			a long (8 bytes)
 *		argv[0] .. argv[argc-1]	pointers
 *		NULL
 *		envp[0] .. envp[n-1]	pointers
 *		NULL
 *
 * No other register is read, so the kernel owes none a value (zero them: nothing of the
 * kernel's should leak). .bss is not cleared here: the kernel's ELF loader maps it
 * zero-filled.
 *
 * gp is set to __global_pointer$, which the default linker script defines, so the linker may
 * relax accesses near it to one gp-relative instruction (RISC-V psABI, "Global pointer
 * relaxation"); the la that sets it must not itself be relaxed against a gp not yet set.
 */
	.section .text._start, "ax", @progbits
	.globl	_start
	.type	_start, @function
_start:
	.option push
	.option norelax
	la	gp, __global_pointer$
	.option pop
	ld	a0, 0(sp)		/* argc */
	addi	a1, sp, 8		/* argv = sp + 8 */
	slli	a2, a0, 3
	add	a2, a2, a1
	addi	a2, a2, 8		/* envp = argv + argc + 1 */
	andi	sp, sp, -16		/* the psABI's 16-byte stack alignment */
	li	s0, 0			/* fp = 0, ra = 0: the frame chain ends here */
	li	ra, 0
	call	__mica_start		/* user/lib/start.c: main(), then exit(); no return */
	unimp
	.size	_start, . - _start

	.section .note.GNU-stack, "", @progbits
