/*
 * x86-64 system-call entry for user space, per include/uapi/mica/abi.h: number in %rax,
 * arguments in %rdi, %rsi, %rdx, %r10, %r8, %r9, `syscall`, result in %rax (-errno on
 * failure); the instruction itself overwrites %rcx (with %rip) and %r11 (with %rflags). These
 * are ordinary calls, so C assumes every argument register, %rax, %r10 and %r11 clobbered;
 * what they need of the kernel is that %rbx, %rbp, %rsp and %r12..%r15 come back as they were.
 */

/*
 * long __mica_syscall6(long n, long a0, long a1, long a2, long a3, long a4, long a5):
 * system call n; returns the kernel's result as is (-errno on failure: errno untouched).
 * The C ABI passes n, a0..a4 in %rdi, %rsi, %rdx, %rcx, %r8, %r9 and a5 on the stack.
 */
	.section .text.__mica_syscall6, "ax", @progbits
	.globl	__mica_syscall6
	.type	__mica_syscall6, @function
__mica_syscall6:
	mov	%rdi, %rax
	mov	%rsi, %rdi
	mov	%rdx, %rsi
	mov	%rcx, %rdx
	mov	%r8, %r10
	mov	%r9, %r8
	mov	8(%rsp), %r9
	syscall
	ret
	.size	__mica_syscall6, . - __mica_syscall6

/*
 * long __mica_clone(long nr, void *stack_top, int (*fn)(void *), void *arg): system call nr
 * (SYS_clone) with a new thread's stack; returns its tid (or -errno) in the caller. The
 * thread comes back from the same syscall with %rax = 0 and %rsp = stack_top rounded down to
 * 16, minus 16, and runs __mica_thread_start(fn, arg), which never returns. fn and arg reach
 * it on the new stack, not in registers: %rsp is the one register the ABI promises the thread.
 */
	.section .text.__mica_clone, "ax", @progbits
	.globl	__mica_clone
	.type	__mica_clone, @function
__mica_clone:
	and	$-16, %rsi		/* the new thread's %rsp: 16-byte aligned */
	sub	$16, %rsi
	mov	%rdx, (%rsi)		/* fn */
	mov	%rcx, 8(%rsi)		/* arg */
	mov	%rdi, %rax
	mov	%rsi, %rdi
	syscall
	test	%rax, %rax
	jz	1f
	ret				/* the caller: tid or -errno */
1:	mov	(%rsp), %rdi		/* the new thread, on its own stack: fn */
	mov	8(%rsp), %rsi		/* arg */
	xor	%ebp, %ebp		/* its frame chain ends here; %rsp is 16-aligned */
	call	__mica_thread_start
	ud2
	.size	__mica_clone, . - __mica_clone

	.section .note.GNU-stack, "", @progbits
