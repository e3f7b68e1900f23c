/*
 * Spinlocks (DESIGN PR-3): a ticket lock, FIFO so no CPU starves.
 *
 *   spin_lock / spin_unlock             disable preemption while held; checked by lockdep
 *   spin_lock_irqsave / _irqrestore     also mask interrupts (the lock is taken in handlers)
 *   raw_spin_lock / raw_spin_unlock     the bare ticket lock: no preemption accounting, no
 *                                       lockdep. For the scheduler's run queues, the console
 *                                       and lockdep itself, always with interrupts masked.
 */
#ifndef MICA_SPINLOCK_H
#define MICA_SPINLOCK_H

#include <mica/arch.h>
#include <mica/irqflags.h>
#include <mica/lockdep.h>
#include <mica/types.h>

typedef struct {
	u32 next;  /* next ticket to hand out (32-bit: every port has word atomics) */
	u32 owner; /* ticket now served */
	int cpu;   /* holder's CPU number, -1 when free (for panic and lock assertions) */
	struct lockdep_map dep_map;
} spinlock_t;

#define SPINLOCK_INIT(lockname)                       \
	{                                             \
		0, 0, -1, LOCKDEP_MAP_INIT(#lockname) \
	}
#define DEFINE_SPINLOCK(x) spinlock_t x = SPINLOCK_INIT(x)
/* Run-time initialisation: every lock initialised at this line shares one lockdep class. */
#define spin_lock_init(l)                           \
	do {                                        \
		static struct lock_class_key __key; \
		__spin_lock_init((l), #l, &__key);  \
	} while (0)
void __spin_lock_init(spinlock_t *l, const char *name, const struct lock_class_key *key);

void raw_spin_lock(spinlock_t *l);
void raw_spin_unlock(spinlock_t *l);
/* Returns true if the lock was taken. */
bool raw_spin_trylock(spinlock_t *l);

void spin_lock(spinlock_t *l);
void spin_unlock(spinlock_t *l);
bool spin_trylock(spinlock_t *l);
unsigned long spin_lock_irqsave(spinlock_t *l);
void spin_unlock_irqrestore(spinlock_t *l, unsigned long flags);

bool spin_is_locked(spinlock_t *l);
/* True if this CPU holds the lock. */
bool spin_held_by_me(spinlock_t *l);

#endif
