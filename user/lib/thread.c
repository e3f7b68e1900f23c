/*
 * Threads (SYS_clone, SYS_thread_exit, SYS_thread_join), the lock that makes newlib's malloc
 * safe for them, and the other Mica-specific calls of <mica.h>.
 *
 * A thread's memory is one mapping: a PROT_NONE guard page, its stack, and at the top its
 * struct mica_thread (the handle), so creating one needs no malloc and joining it frees
 * everything with one munmap. It starts in the port's __mica_clone
 * (user/arch/<arch>/syscall.S), which calls __mica_thread_start(thread_main, t) on the new
 * stack: thread_main runs fn(arg) and keeps its result in the handle for the joiner.
 */
#include "internal.h"

#include <sched.h>
#include <sys/mman.h>

#define GUARD_SIZE 4096 /* one page below the stack: an overflow faults, not corrupts */

struct mica_thread {
	void *(*fn)(void *);
	void *arg;
	void *ret;    /* what fn returned, once returned is set */
	int returned; /* 0 if the thread ended in mica_thread_exit() */
	int tid;
	void *base; /* the mapping: guard page, stack, this struct */
	size_t size;
};

long __mica_clone(long nr, void *stack_top, int (*fn)(void *), void *arg);
void __mica_thread_start(int (*fn)(void *), void *arg) __attribute__((noreturn));
struct _reent;
void __malloc_lock(struct _reent *r);
void __malloc_unlock(struct _reent *r);

int __mica_threaded;

int mica_gettid(void)
{
	return (int)__mica_sys0(SYS_gettid);
}

long mica_stats(struct mica_stats *buf, size_t size)
{
	return __mica_call2(SYS_mica_stats, buf, size);
}

int mica_migrate(void *addr)
{
	return (int)__mica_call1(SYS_mica_migrate, addr);
}

long mica_procs(struct mica_proc *buf, size_t n)
{
	return __mica_call2(SYS_mica_procs, buf, n);
}

void mica_thread_exit(int status)
{
	__mica_sys1(SYS_thread_exit, status);
	for (;;) /* not reached */
		;
}

/* Where every thread starts, on its own stack: runs fn(arg), then ends with its result. */
void __mica_thread_start(int (*fn)(void *), void *arg)
{
	mica_thread_exit(fn(arg));
}

static int thread_main(void *arg)
{
	struct mica_thread *t = arg;

	t->ret = t->fn(t->arg);
	t->returned = 1;
	return 0;
}

int mica_thread_create(mica_thread_t *thread, void *(*fn)(void *), void *arg)
{
	size_t size = GUARD_SIZE + MICA_THREAD_STACK_SIZE;
	struct mica_thread *t;
	char *base;
	long tid;

	base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED)
		return -1;
	if (mprotect(base, GUARD_SIZE, PROT_NONE) < 0)
		goto unmap;
	t = (struct mica_thread *)((unsigned long)(base + size - sizeof(*t)) & ~15UL);
	*t = (struct mica_thread){ .fn = fn, .arg = arg, .base = base, .size = size };

	/* Before the clone: the new thread's first malloc must already lock. */
	__atomic_store_n(&__mica_threaded, 1, __ATOMIC_SEQ_CST);
	tid = __mica_ret(__mica_clone(SYS_clone, t, thread_main, t)); /* its stack ends below t */
	if (tid < 0)
		goto unmap;
	t->tid = (int)tid;
	*thread = t;
	return 0;

unmap:
	munmap(base, size); /* our own mapping: cannot fail, errno stays */
	return -1;
}

int mica_thread_join(mica_thread_t t, void **retval)
{
	int status = 0;

	if (__mica_call2(SYS_thread_join, t->tid, &status) < 0)
		return -1;
	if (retval)
		*retval = t->returned ? t->ret : (void *)(long)status;
	munmap(t->base, t->size);
	return 0;
}

/*
 * newlib's malloc, free and realloc take this lock (libc/stdlib/mlock.c has a do-nothing
 * default that these replace). Recursive: realloc calls malloc with it held. No lock at all
 * until a second thread exists, so single-threaded programs make no system call for it.
 * malloc_owner is the holder's tid, 0 when free; malloc_depth is the holder's alone.
 */
static int malloc_owner;
static int malloc_depth;

void __malloc_lock(struct _reent *r)
{
	int me, free_owner = 0;

	if (!__atomic_load_n(&__mica_threaded, __ATOMIC_ACQUIRE))
		return;
	me = mica_gettid();
	if (__atomic_load_n(&malloc_owner, __ATOMIC_RELAXED) == me) {
		malloc_depth++;
		return;
	}
	while (!__atomic_compare_exchange_n(&malloc_owner, &free_owner, me, 0, __ATOMIC_ACQUIRE,
					    __ATOMIC_RELAXED)) {
		free_owner = 0;
		sched_yield();
	}
	malloc_depth = 1;
}

void __malloc_unlock(struct _reent *r)
{
	if (!__atomic_load_n(&__mica_threaded, __ATOMIC_ACQUIRE))
		return;
	if (--malloc_depth == 0)
		__atomic_store_n(&malloc_owner, 0, __ATOMIC_RELEASE);
}
