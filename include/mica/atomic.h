/* Atomics: thin wrappers over the compiler's __atomic builtins, sequentially consistent unless
 * the name says otherwise. ARMv7 gets ldrex/strex loops, rv64 AMOs/LR-SC, x86 locked ops. */
#ifndef MICA_ATOMIC_H
#define MICA_ATOMIC_H

#include <mica/types.h>

typedef struct {
	int v;
} atomic_t;

#define ATOMIC_INIT(i) \
	{              \
		(i)    \
	}

static inline int atomic_read(const atomic_t *a)
{
	return __atomic_load_n(&a->v, __ATOMIC_RELAXED);
}
static inline void atomic_set(atomic_t *a, int i)
{
	__atomic_store_n(&a->v, i, __ATOMIC_RELAXED);
}
static inline int atomic_add_return(atomic_t *a, int i)
{
	return __atomic_add_fetch(&a->v, i, __ATOMIC_SEQ_CST);
}
static inline void atomic_inc(atomic_t *a)
{
	atomic_add_return(a, 1);
}
static inline int atomic_xchg(atomic_t *a, int i)
{
	return __atomic_exchange_n(&a->v, i, __ATOMIC_SEQ_CST);
}
/* Returns true and sets *a = new if *a was old. */
static inline bool atomic_cmpxchg(atomic_t *a, int old, int new)
{
	return __atomic_compare_exchange_n(&a->v, &old, new, false, __ATOMIC_SEQ_CST,
					   __ATOMIC_SEQ_CST);
}

/* Adds 1 unless *a is zero (or less): a reference taken only on a live object, whose count
 * may drop to zero at any moment. True if it was taken. */
static inline bool atomic_inc_not_zero(atomic_t *a)
{
	for (;;) {
		int c = atomic_read(a);

		if (c <= 0)
			return false;
		if (atomic_cmpxchg(a, c, c + 1))
			return true;
	}
}

/* Full memory barrier between CPUs. */
#define smp_mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)

#endif
