/*
 * _start for ARM (ARMv7-A) user programs: the ELF entry point, in ARM state.
 *
 * The kernel enters here in User mode with the initial stack of docs/syscalls.md (the System V
 * layout; the strings themselves lie above it):
 *
 *	sp ->	argc			a long (4 bytes)
 *		argv[0] .. argv[argc-1]	pointers
 *		NULL
 *		envp[0] .. envp[n-1]	pointers
 *		NULL
 *
 * No other register is read, so the kernel owes none a value (zero them: nothing of the
 * kernel's should leak). .bss is not cleared here: the kernel's ELF loader maps it
 * zero-filled.
 */
	.syntax	unified
	.arm
	.section .text._start, "ax", %progbits
	.globl	_start
	.type	_start, %function
_start:
	ldr	r0, [sp]		/* argc */
	add	r1, sp, #4		/* argv = sp + 4 */
	add	r2, r1, r0, lsl #2
	add	r2, r2, #4		/* envp = argv + argc + 1 */
	bic	sp, sp, #15		/* 16 bytes, more than the AAPCS's 8 at a call */
	mov	fp, #0			/* fp = 0, lr = 0: the frame chain ends here */
	mov	lr, #0
	bl	__mica_start		/* user/lib/start.c: main(), then exit(); no return */
	udf	#0
	.size	_start, . - _start

	.section .note.GNU-stack, "", %progbits
