/*
 * <mica.h>: the Mica-specific system calls, for user programs (user/lib/). Everything POSIX
 * comes from newlib's headers and user/include/ instead; the numbers and structs of the ABI are
 * in <mica/abi.h> (include/uapi/mica/abi.h), which this header includes.
 *
 * Like POSIX calls, every function here returns -1 and sets errno on failure, except the raw
 * __mica_syscall6, which returns the kernel's -errno as is.
 */
#ifndef MICA_USER_MICA_H
#define MICA_USER_MICA_H

#include <mica/abi.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * System call n with up to six arguments (pass 0 for the unused ones), per the port's
 * convention in <mica/abi.h> (user/arch/<arch>/syscall.S). Returns what the kernel returned:
 * a value in [-4095, -1] is -errno (Linux's errno numbers, not newlib's: see docs/syscalls.md),
 * and errno is not touched.
 */
long __mica_syscall6(long n, long a0, long a1, long a2, long a3, long a4, long a5);

/*
 * Copies the kernel's counters (struct mica_stats, <mica/abi.h>) into buf, at most size
 * bytes (the struct may grow at its end: a kernel older than the header writes less).
 * Returns the bytes written, or -1 with errno set.
 */
long mica_stats(struct mica_stats *buf, size_t size);

/*
 * Copies one struct mica_proc (<mica/abi.h>) per process, by pid, into buf[0..n). Returns how
 * many processes there are (possibly more than n: call again with a bigger buffer), or -1
 * with errno set.
 */
long mica_procs(struct mica_proc *buf, size_t n);

/* Moves the page mapped at addr (page aligned) to another physical frame, for every process
 * that maps it; the contents stay. A debug call, for tests of the kernel's migration. Returns
 * 0, or -1 with errno: EINVAL (unaligned), EFAULT (nothing mapped), EAGAIN (pinned or being
 * moved already: try again), ENOMEM. */
int mica_migrate(void *addr);

/* This thread's id; the pid for a process's first thread. Cannot fail. */
int mica_gettid(void);

/* A thread started by mica_thread_create(); valid until mica_thread_join() returns. */
typedef struct mica_thread *mica_thread_t;

/* The stack each thread gets, mmap()ed, with a PROT_NONE guard page below it. */
#define MICA_THREAD_STACK_SIZE (64 * 1024)

/*
 * Starts a thread of this process running fn(arg) (pthread_create's shape) on a stack of
 * MICA_THREAD_STACK_SIZE bytes; stores its handle in *thread. Returns 0, or -1 with errno set.
 *
 * Threads share errno, newlib's stdio buffers and every other static of the C library: only
 * malloc() and free() take a lock. Give each thread its own FILE, or print from one thread.
 */
int mica_thread_create(mica_thread_t *thread, void *(*fn)(void *), void *arg);

/*
 * Waits until the thread has ended; then stores in *retval (if not NULL) what fn returned, or
 * (void *)(long)status if the thread ended with mica_thread_exit(status), and frees its
 * stack. Join each thread exactly once. Returns 0, or -1 with errno set.
 */
int mica_thread_join(mica_thread_t thread, void **retval);

/* Ends the calling thread only, with this exit status; the process ends with its last one. */
void mica_thread_exit(int status) __attribute__((__noreturn__));

#ifdef __cplusplus
}
#endif

#endif
