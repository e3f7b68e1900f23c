/*
 * Spinlocks: a ticket lock (FIFO, so no CPU starves). This is the foundation's version: it
 * masks nothing by itself; use the _irqsave variants where an interrupt handler may take the
 * same lock. The scheduling work adds preemption-disabling on top (DESIGN PR-3).
 */
#ifndef MICA_SPINLOCK_H
#define MICA_SPINLOCK_H

#include <mica/arch.h>
#include <mica/types.h>

typedef struct {
	u32 next;  /* next ticket to hand out (32-bit: every port has word atomics) */
	u32 owner; /* ticket now served */
	int cpu;   /* holder's CPU number, -1 when free (for panic and lock assertions) */
} spinlock_t;

#define SPINLOCK_INIT    \
	{                \
		0, 0, -1 \
	}

void spin_lock(spinlock_t *l);
void spin_unlock(spinlock_t *l);
/* Returns true if the lock was taken. */
bool spin_trylock(spinlock_t *l);
bool spin_is_locked(spinlock_t *l);
/* True if this CPU holds the lock. */
bool spin_held_by_me(spinlock_t *l);

static inline unsigned long spin_lock_irqsave(spinlock_t *l)
{
	unsigned long flags = arch_irq_save();

	spin_lock(l);
	return flags;
}

static inline void spin_unlock_irqrestore(spinlock_t *l, unsigned long flags)
{
	spin_unlock(l);
	arch_irq_restore(flags);
}

#endif
