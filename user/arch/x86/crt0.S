/*
 * _start for x86-64 user programs: the ELF entry point.
 *
 * The kernel enters here in ring 3 with the initial stack of docs/syscalls.md (the System V
 * layout, System V AMD64 ABI 3.4.1; the strings themselves lie above it):
 *
 *	%rsp ->	argc			a long (8 bytes)
 *		argv[0] .. argv[argc-1]	pointers
 *		NULL
 *		envp[0] .. envp[n-1]	pointers
 *		NULL
 *
 * No other register is read (not even %rdx, the ABI's atexit pointer), so the kernel owes
 * none a value (zero them: nothing of the kernel's should leak). .bss is not cleared here:
 * the kernel's ELF loader maps it zero-filled.
 */
	.section .text._start, "ax", @progbits
	.globl	_start
	.type	_start, @function
_start:
	mov	(%rsp), %rdi		/* argc */
	lea	8(%rsp), %rsi		/* argv = %rsp + 8 */
	lea	8(%rsi,%rdi,8), %rdx	/* envp = argv + argc + 1 */
	and	$-16, %rsp		/* 16-byte aligned before the call, so %rsp + 8 is at */
	xor	%ebp, %ebp		/* the callee's entry (ABI 3.2.2); %rbp = 0 ends the */
	call	__mica_start		/* frame chain. user/lib/start.c: main(), exit() */
	ud2
	.size	_start, . - _start

	.section .note.GNU-stack, "", @progbits
