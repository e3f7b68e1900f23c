/*
 * ARM system-call entry for user space, per include/uapi/mica/abi.h: number in r7, arguments
 * in r0..r5, `svc #0`, result in r0 (-errno on failure). These are ordinary calls, so C
 * assumes r0..r3, ip and lr clobbered; what they need of the kernel is that r4..r11 and sp
 * come back as they were. The caller may be in Thumb state (newlib's code is Thumb-2): the
 * kernel must return to the state SPSR.T says and must not decode the svc immediate.
 */
	.syntax	unified
	.arm

/*
 * long __mica_syscall6(long n, long a0, long a1, long a2, long a3, long a4, long a5):
 * system call n; returns the kernel's result as is (-errno on failure: errno untouched).
 * AAPCS: n, a0, a1, a2 arrive in r0..r3 and a3..a5 on the stack.
 */
	.section .text.__mica_syscall6, "ax", %progbits
	.globl	__mica_syscall6
	.type	__mica_syscall6, %function
__mica_syscall6:
	mov	ip, sp
	push	{r4, r5, r7, lr}
	mov	r7, r0
	mov	r0, r1
	mov	r1, r2
	mov	r2, r3
	ldm	ip, {r3, r4, r5}
	svc	#0
	pop	{r4, r5, r7, pc}
	.size	__mica_syscall6, . - __mica_syscall6

/*
 * long __mica_clone(long nr, void *stack_top, int (*fn)(void *), void *arg): system call nr
 * (SYS_clone) with a new thread's stack; returns its tid (or -errno) in the caller. The
 * thread comes back from the same svc with r0 = 0 and sp = stack_top rounded down to 16,
 * minus 16, and runs __mica_thread_start(fn, arg), which never returns. fn and arg reach it
 * on the new stack, not in registers: sp is the one register the ABI promises the thread.
 */
	.section .text.__mica_clone, "ax", %progbits
	.globl	__mica_clone
	.type	__mica_clone, %function
__mica_clone:
	bic	r1, r1, #15		/* the new thread's sp: 16-byte aligned */
	sub	r1, r1, #16
	str	r2, [r1]		/* fn */
	str	r3, [r1, #4]		/* arg */
	push	{r7, lr}
	mov	r7, r0
	mov	r0, r1
	svc	#0
	cmp	r0, #0
	popne	{r7, pc}		/* the caller: tid or -errno */
	ldr	r0, [sp]		/* the new thread, on its own stack: fn */
	ldr	r1, [sp, #4]		/* arg */
	mov	fp, #0			/* its frame chain ends here */
	mov	lr, #0
	bl	__mica_thread_start
	udf	#0
	.size	__mica_clone, . - __mica_clone

	.section .note.GNU-stack, "", %progbits
