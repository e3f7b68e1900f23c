/*
 * Reader-writer semaphores (kernel/sched/rwsem.c, book chapter docs/locks.md): sleeping locks
 * that many readers or one writer hold at a time; what the address-space lock (mmap_lock)
 * will be.
 *
 * Invariants:
 *   - readers > 0 and a writer never hold it at once; at most one writer;
 *   - FIFO fairness: once anyone waits, newcomers queue behind it (a waiting writer blocks new
 *     readers), and a release grants the head of the queue: the writer there, or the whole
 *     run of readers at the head. So neither readers nor writers starve;
 *   - task context only, may sleep; a writer must not take it again (nor read it), and only
 *     the writer releases a write hold.
 * Debug checks are always on: a broken rule prints "BUG: rwsem: ..." with the held locks and a
 * backtrace, counts in rwsem_debug_reports, and is refused. Readers are not tracked one by
 * one: an up_read by a task that did not down_read is caught only by lockdep's held-lock
 * stack, or here when no reader holds the semaphore at all.
 *
 *	static DEFINE_RWSEM(map_lock);
 *	down_read(&map_lock);   ...look up...  up_read(&map_lock);
 *	down_write(&map_lock);  ...change...   up_write(&map_lock);
 */
#ifndef MICA_RWSEM_H
#define MICA_RWSEM_H

#include <mica/list.h>
#include <mica/lockdep.h>
#include <mica/spinlock.h>
#include <mica/types.h>

struct task;

struct rw_semaphore {
	spinlock_t lock;
	/* guarded by lock */
	unsigned readers;	  /* readers holding it */
	struct task *writer;	  /* the writer holding it, or NULL */
	struct list_head waiters; /* struct rwsem_waiter, FIFO */
	struct lockdep_map dep_map;
};

/* A sleeping task, on its own stack while it waits. */
struct rwsem_waiter {
	struct list_head node; /* on rw_semaphore.waiters until granted */
	struct task *task;
	bool writer;
	bool granted; /* set, under lock, by the release that gave it the semaphore */
};

#define RWSEM_INIT(name)                                                                    \
	{                                                                                   \
		.lock = SPINLOCK_INIT(name.lock), .readers = 0, .writer = NULL,             \
		.waiters = LIST_HEAD_INIT(name.waiters), .dep_map = LOCKDEP_MAP_INIT(#name) \
	}
#define DEFINE_RWSEM(name) struct rw_semaphore name = RWSEM_INIT(name)
/* Run-time initialisation: every rwsem initialised at this line shares one lockdep class. */
#define init_rwsem(s)                               \
	do {                                        \
		static struct lock_class_key __key; \
		__init_rwsem((s), #s, &__key);      \
	} while (0)
void __init_rwsem(struct rw_semaphore *s, const char *name, const struct lock_class_key *key);

/* Shared hold: sleeps while a writer holds it or anyone waits. */
void down_read(struct rw_semaphore *s);
/* Exclusive hold: sleeps while anyone holds it or waits. */
void down_write(struct rw_semaphore *s);
/* Take it only if that needs no waiting (and jumps no queue); true if taken. Never sleep. */
bool down_read_trylock(struct rw_semaphore *s);
bool down_write_trylock(struct rw_semaphore *s);
void up_read(struct rw_semaphore *s);
void up_write(struct rw_semaphore *s);

/* Snapshots, stale as soon as read unless the caller holds s. */
bool rwsem_is_locked(struct rw_semaphore *s);
/* True if the current task holds s for writing (for lock assertions). */
bool rwsem_is_write_locked_by_me(struct rw_semaphore *s);
bool rwsem_is_contended(struct rw_semaphore *s);

/* Debug reports made since boot (tests read it). */
extern unsigned long rwsem_debug_reports;

#endif
