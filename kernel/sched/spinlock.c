/* Ticket spinlock. Acquire on the ticket load, release on the owner store. */
#include <mica/cpu.h>
#include <mica/panic.h>
#include <mica/spinlock.h>

void spin_lock(spinlock_t *l)
{
	u32 me = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);

	while (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != me)
		arch_cpu_relax();
	l->cpu = smp_processor_id();
}

bool spin_trylock(spinlock_t *l)
{
	u32 owner = __atomic_load_n(&l->owner, __ATOMIC_RELAXED);
	u32 next = owner;

	/* Take a ticket only if it would be served at once. */
	if (!__atomic_compare_exchange_n(&l->next, &next, owner + 1, false, __ATOMIC_ACQUIRE,
					 __ATOMIC_RELAXED))
		return false;
	l->cpu = smp_processor_id();
	return true;
}

void spin_unlock(spinlock_t *l)
{
	BUG_ON(l->cpu != (int)smp_processor_id());
	l->cpu = -1;
	__atomic_store_n(&l->owner, l->owner + 1, __ATOMIC_RELEASE);
}

bool spin_is_locked(spinlock_t *l)
{
	return __atomic_load_n(&l->owner, __ATOMIC_RELAXED) !=
	       __atomic_load_n(&l->next, __ATOMIC_RELAXED);
}

bool spin_held_by_me(spinlock_t *l)
{
	return spin_is_locked(l) && READ_ONCE(l->cpu) == (int)smp_processor_id();
}
