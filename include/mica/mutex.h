/*
 * Sleeping mutexes (DESIGN MX-1..5; kernel/sched/mutex.c, book chapter docs/locks.md).
 *
 * Invariants:
 *   - one owner at a time, and only the owner unlocks (MX-1);
 *   - no recursion, never in interrupt context, never held when the owner exits (MX-1);
 *   - the owner word is the owner's task pointer with flag bits in its low bits, 0 when free;
 *     an uncontended lock is one compare-and-swap 0 -> current, an uncontended unlock one
 *     compare-and-swap current -> 0 (MX-2);
 *   - a contended locker spins while the owner runs on another CPU, else sleeps in FIFO order
 *     on the wait list; a waiter robbed after a wake-up asks for a handoff and the next unlock
 *     gives it the lock directly, so no waiter starves (MX-3);
 *   - a held mutex does not touch preempt_count: the owner may sleep, and may hold hundreds
 *     (MX-5).
 * Debug checks are always on: a broken rule prints "BUG: mutex: ..." with the held locks and a
 * backtrace, counts in mutex_debug_reports, and is refused (the lock word is left alone).
 *
 *	static DEFINE_MUTEX(table_lock);
 *	mutex_lock(&table_lock);  ...may sleep...  mutex_unlock(&table_lock);
 */
#ifndef MICA_MUTEX_H
#define MICA_MUTEX_H

#include <mica/list.h>
#include <mica/lockdep.h>
#include <mica/spinlock.h>
#include <mica/types.h>

struct task;

/* Flag bits of the owner word (struct task is at least 4-byte aligned, mutex.c checks). */
#define MUTEX_FLAG_WAITERS 0x1UL /* the wait list is not empty: unlock must take the slow path */
#define MUTEX_FLAG_HANDOFF 0x2UL /* the first waiter was robbed: unlock hands the lock to it */
#define MUTEX_FLAGS (MUTEX_FLAG_WAITERS | MUTEX_FLAG_HANDOFF)

struct mutex {
	unsigned long owner; /* task pointer | MUTEX_FLAG_*; changed by compare-and-swap. The
			      * flags, and the owner while WAITERS is set, change under wait_lock */
	spinlock_t wait_lock;
	struct list_head waiters; /* guarded by wait_lock: struct mutex_waiter, FIFO */
	struct lockdep_map dep_map;
};

/* A sleeping locker, on its own stack while it waits. */
struct mutex_waiter {
	struct list_head node; /* on mutex.waiters; unlinked by the unlock that hands over */
	struct task *task;
};

#define MUTEX_INIT(name)                                                                    \
	{                                                                                   \
		.owner = 0, .wait_lock = SPINLOCK_INIT(name.wait_lock),                     \
		.waiters = LIST_HEAD_INIT(name.waiters), .dep_map = LOCKDEP_MAP_INIT(#name) \
	}
#define DEFINE_MUTEX(name) struct mutex name = MUTEX_INIT(name)
/* Run-time initialisation: every mutex initialised at this line shares one lockdep class. */
#define mutex_init(m)                               \
	do {                                        \
		static struct lock_class_key __key; \
		__mutex_init((m), #m, &__key);      \
	} while (0)
void __mutex_init(struct mutex *m, const char *name, const struct lock_class_key *key);

/* Takes m, sleeping as long as needed. Task context only (reports, and returns without the
 * lock, in interrupt context or when the caller already owns m). */
void mutex_lock(struct mutex *m);
/* Takes m if that needs no waiting: true if taken. Never sleeps; task context only. */
bool mutex_trylock(struct mutex *m);
/* Releases m, which the caller owns; wakes (or hands m to) the first waiter. */
void mutex_unlock(struct mutex *m);

/* True if some task waits for m (MX-4: a lock-breaking loop drops m and retakes it). */
bool mutex_is_contended(struct mutex *m);
bool mutex_is_locked(struct mutex *m);
/* The owner now (NULL when free); stale as soon as it is read unless the caller owns m. */
struct task *mutex_owner(struct mutex *m);

/* Since boot: debug reports made, and unlocks that handed the lock to a waiter (tests). */
extern unsigned long mutex_debug_reports;
extern unsigned long mutex_handoffs;

#endif
