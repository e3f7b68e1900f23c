/* Ticket spinlock. Acquire on the ticket load, release on the owner store. */
#include <mica/cpu.h>
#include <mica/latency.h>
#include <mica/panic.h>
#include <mica/preempt.h>
#include <mica/spinlock.h>

void __spin_lock_init(spinlock_t *l, const char *name, const struct lock_class_key *key)
{
	l->next = l->owner = 0;
	l->cpu = -1;
	lockdep_init_map(&l->dep_map, name, key);
}

void raw_spin_lock(spinlock_t *l)
{
	u32 me = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);

	while (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != me)
		arch_cpu_relax();
	l->cpu = smp_processor_id();
}

bool raw_spin_trylock(spinlock_t *l)
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

void raw_spin_unlock(spinlock_t *l)
{
	if (unlikely(l->cpu != (int)smp_processor_id()))
		panic("spin_unlock: %s not held by cpu%u (holder %d)", l->dep_map.name,
		      smp_processor_id(), l->cpu);
	l->cpu = -1;
	__atomic_store_n(&l->owner, l->owner + 1, __ATOMIC_RELEASE);
}

void spin_lock(spinlock_t *l)
{
	unsigned long site = (unsigned long)__builtin_return_address(0);

	preempt_disable_at(site);
	raw_spin_lock(l);
	lock_acquire(&l->dep_map, site, false);
}

bool spin_trylock(spinlock_t *l)
{
	unsigned long site = (unsigned long)__builtin_return_address(0);

	preempt_disable_at(site);
	if (raw_spin_trylock(l)) {
		lock_acquire_trylock(&l->dep_map, site, false);
		return true;
	}
	preempt_enable_at(site);
	return false;
}

void spin_unlock(spinlock_t *l)
{
	unsigned long site = (unsigned long)__builtin_return_address(0);

	lock_release(&l->dep_map, site);
	raw_spin_unlock(l);
	preempt_enable_at(site);
}

unsigned long spin_lock_irqsave(spinlock_t *l)
{
	unsigned long site = (unsigned long)__builtin_return_address(0);
	unsigned long flags = local_irq_save_at(site);

	preempt_disable_at(site);
	raw_spin_lock(l);
	lock_acquire(&l->dep_map, site, false);
	return flags;
}

void spin_unlock_irqrestore(spinlock_t *l, unsigned long flags)
{
	unsigned long site = (unsigned long)__builtin_return_address(0);

	lock_release(&l->dep_map, site);
	raw_spin_unlock(l);
	/* Interrupts come back before preemption may act: no reschedule with them masked. */
	local_irq_restore_at(flags, site);
	preempt_enable_at(site);
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
