/*
 * RISC-V system-call entry for user space, per include/uapi/mica/abi.h: number in a7,
 * arguments in a0..a5, `ecall`, result in a0 (-errno on failure). These are ordinary calls,
 * so C assumes a0..a7 and t0..t6 clobbered; what they need of the kernel is that sp, ra, gp,
 * tp and s0..s11 come back as they were.
 */

/*
 * long __mica_syscall6(long n, long a0, long a1, long a2, long a3, long a4, long a5):
 * system call n; returns the kernel's result as is (-errno on failure: errno untouched).
 */
	.section .text.__mica_syscall6, "ax", @progbits
	.globl	__mica_syscall6
	.type	__mica_syscall6, @function
__mica_syscall6:
	mv	a7, a0
	mv	a0, a1
	mv	a1, a2
	mv	a2, a3
	mv	a3, a4
	mv	a4, a5
	mv	a5, a6
	ecall
	ret
	.size	__mica_syscall6, . - __mica_syscall6

/*
 * long __mica_clone(long nr, void *stack_top, int (*fn)(void *), void *arg): system call nr
 * (SYS_clone) with a new thread's stack; returns its tid (or -errno) in the caller. The
 * thread comes back from the same ecall with a0 = 0 and sp = stack_top rounded down to 16,
 * minus 16, and runs __mica_thread_start(fn, arg), which never returns. fn and arg reach it
 * on the new stack, not in registers: sp is the one register the ABI promises the thread.
 */
	.section .text.__mica_clone, "ax", @progbits
	.globl	__mica_clone
	.type	__mica_clone, @function
__mica_clone:
	andi	a1, a1, -16		/* the new thread's sp: 16-byte aligned */
	addi	a1, a1, -16
	sd	a2, 0(a1)		/* fn */
	sd	a3, 8(a1)		/* arg */
	mv	a7, a0
	mv	a0, a1
	ecall
	beqz	a0, 1f
	ret				/* the caller: tid or -errno */
1:	.option push			/* the new thread: gp anew, whatever the kernel gave */
	.option norelax
	la	gp, __global_pointer$
	.option pop
	ld	a0, 0(sp)		/* fn */
	ld	a1, 8(sp)		/* arg */
	li	s0, 0			/* its frame chain ends here */
	li	ra, 0
	call	__mica_thread_start
	unimp
	.size	__mica_clone, . - __mica_clone

	.section .note.GNU-stack, "", @progbits
