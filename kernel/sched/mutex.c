/*
 * Sleeping mutexes (contract and invariants in <mica/mutex.h>; walk-through in docs/locks.md).
 *
 * The owner word says everything a fast path needs: 0 is free, a task pointer is held, and the
 * low bits say the slow path must run (WAITERS: someone sleeps; HANDOFF: the first sleeper is
 * owed the lock). Who may change it:
 *   - anyone, by compare-and-swap, while the owner part is 0 and HANDOFF is clear (taking it);
 *   - the owner, by compare-and-swap current -> 0, while no flag is set (fast unlock);
 *   - otherwise only under wait_lock: setting and clearing flags, the slow unlock.
 * So a task holding wait_lock that sees a nonzero owner with WAITERS set knows the word will
 * not change under it, except by itself. The design follows Linux's kernel/locking/mutex.c
 * (owner word with flags, optimistic spinning, handoff), without its MCS spin queue.
 */
#include <mica/arch.h>
#include <mica/mutex.h>
#include <mica/panic.h>
#include <mica/preempt.h>
#include <mica/printk.h>
#include <mica/sched.h>

/* Longest optimistic spin: beyond this, sleeping costs less than burning the CPU, and a
 * spinner cannot be kept from queueing (and so from the handoff) by a fast thief. */
#define MUTEX_SPIN_MAX_NS 50000

BUILD_BUG_ON(__alignof__(struct task) <= MUTEX_FLAGS);

unsigned long mutex_debug_reports;
unsigned long mutex_handoffs;

static struct task *owner_task(unsigned long word)
{
	return (struct task *)(word & ~MUTEX_FLAGS);
}

static unsigned long owner_word(struct mutex *m)
{
	return __atomic_load_n(&m->owner, __ATOMIC_ACQUIRE);
}

void __mutex_init(struct mutex *m, const char *name, const struct lock_class_key *key)
{
	m->owner = 0;
	spin_lock_init(&m->wait_lock);
	list_init(&m->waiters);
	lockdep_init_map(&m->dep_map, name, key);
}

/* A broken MX-1 rule: "BUG: mutex: <what> (<mutex>, task <name>, owner <name>)", the locks the
 * caller holds and where it came from. The caller then refuses the operation. */
static __noinline void mutex_report(struct mutex *m, const char *what)
{
	struct task *t = current, *o = owner_task(owner_word(m));

	__atomic_add_fetch(&mutex_debug_reports, 1, __ATOMIC_RELAXED);
	pr_err("BUG: mutex: %s (%s, task %s, owner %s)", what, m->dep_map.name, t->name,
	       o ? o->name : "none");
	lockdep_print_held_locks(t);
	backtrace_print(0, (unsigned long)__builtin_frame_address(0));
}

/* Takes m for me if it is free and not owed to a waiter; keeps the WAITERS flag. */
static bool mutex_try_take(struct mutex *m, struct task *me)
{
	unsigned long v = __atomic_load_n(&m->owner, __ATOMIC_RELAXED);

	while (!owner_task(v) && !(v & MUTEX_FLAG_HANDOFF))
		if (__atomic_compare_exchange_n(&m->owner, &v, (unsigned long)me | v, false,
						__ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			return true;
	return false;
}

/*
 * Optimistic spinning (MX-3, step 1): while the owner runs on another CPU it will likely
 * release m soon, sooner than a sleep and a wake-up would take. Spins with preemption off
 * (so the spinner itself is not preempted while the owner it watches runs), taking m as soon
 * as it is free. Gives up when the owner sleeps or is preempted, when this CPU should
 * reschedule, when a waiter is owed m (HANDOFF), or after MUTEX_SPIN_MAX_NS.
 * Returns true holding m. The owner pointer stays a task pointer while we look, preemption
 * off: task structs are SLAB_TYPESAFE_BY_RCU (kernel/sched/kthread.c).
 */
static bool mutex_spin_on_owner(struct mutex *m, struct task *me)
{
	u64 deadline = arch_clock_ns() + MUTEX_SPIN_MAX_NS;
	bool got = false;

	preempt_disable();
	for (;;) {
		unsigned long v = owner_word(m);
		struct task *owner = owner_task(v);

		if (!owner && mutex_try_take(m, me)) {
			got = true;
			break;
		}
		if ((v & MUTEX_FLAG_HANDOFF) || need_resched() || arch_clock_ns() > deadline)
			break;
		if (owner && !__atomic_load_n(&owner->on_cpu, __ATOMIC_RELAXED))
			break;
		arch_cpu_relax();
	}
	preempt_enable();
	return got;
}

/* The first waiter was woken but found m taken again: ask the next unlock to hand m to it.
 * wait_lock held, m held by another task with WAITERS set (so the word is stable). */
static void mutex_set_handoff(struct mutex *m)
{
	unsigned long v = owner_word(m);

	while (owner_task(v) && !(v & MUTEX_FLAG_HANDOFF) &&
	       !__atomic_compare_exchange_n(&m->owner, &v, v | MUTEX_FLAG_HANDOFF, false,
					    __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

/*
 * The contended lock (MX-3). On entry the fast path failed; on return `me` owns m.
 *  1. Spin while the owner runs elsewhere (mutex_spin_on_owner).
 *  2. Queue at the tail of the wait list under wait_lock and set WAITERS, so that the owner's
 *     unlock takes the slow path and wakes the head of the list.
 *  3. Loop under wait_lock: done if m was handed to us or is free to take; if we were woken
 *     and robbed while first in line, set HANDOFF; sleep with wait_lock dropped.
 *  4. Leave the list (if the unlock did not already take us off); the last waiter out clears
 *     the flags.
 * The sleep follows <mica/sched.h>'s pattern: the state is set under wait_lock, and every
 * release that wakes a waiter holds wait_lock, so no wake-up is lost.
 */
static __noinline void mutex_lock_slowpath(struct mutex *m, struct task *me)
{
	struct mutex_waiter w = { .task = me };
	bool woken = false;

	if (mutex_spin_on_owner(m, me))
		return;

	spin_lock(&m->wait_lock);
	list_add_tail(&w.node, &m->waiters);
	__atomic_fetch_or(&m->owner, MUTEX_FLAG_WAITERS, __ATOMIC_SEQ_CST);
	for (;;) {
		if (owner_task(owner_word(m)) == me)
			break; /* handed over by mutex_unlock_slowpath */
		if (mutex_try_take(m, me))
			break;
		if (woken && list_first_entry(&m->waiters, struct mutex_waiter, node) == &w)
			mutex_set_handoff(m);
		set_current_state(TASK_SLEEPING);
		spin_unlock(&m->wait_lock);
		schedule();
		spin_lock(&m->wait_lock);
		woken = true;
	}
	__set_current_state(TASK_RUNNING);
	if (!list_empty(&w.node))
		list_del_init(&w.node);
	if (list_empty(&m->waiters))
		__atomic_fetch_and(&m->owner, ~MUTEX_FLAGS, __ATOMIC_RELAXED);
	spin_unlock(&m->wait_lock);
}

/*
 * The contended unlock: `me` owns m and a flag is set. Under wait_lock: with HANDOFF, m goes
 * straight to the first waiter (taken off the list; WAITERS kept if others remain); otherwise m
 * is freed (WAITERS kept) and the first waiter woken to compete for it.
 */
static __noinline void mutex_unlock_slowpath(struct mutex *m)
{
	struct mutex_waiter *first = NULL;
	unsigned long v, next;

	spin_lock(&m->wait_lock);
	v = owner_word(m);
	if (!list_empty(&m->waiters))
		first = list_first_entry(&m->waiters, struct mutex_waiter, node);
	if (first && (v & MUTEX_FLAG_HANDOFF)) {
		list_del_init(&first->node);
		next = (unsigned long)first->task;
		if (!list_empty(&m->waiters))
			next |= MUTEX_FLAG_WAITERS;
		__atomic_add_fetch(&mutex_handoffs, 1, __ATOMIC_RELAXED);
	} else {
		next = v & MUTEX_FLAG_WAITERS;
	}
	/* A store, not a compare-and-swap: nobody else changes the word now (top of this file). */
	__atomic_store_n(&m->owner, next, __ATOMIC_RELEASE);
	if (first)
		wake_up_process(first->task); /* first is alive: it needs wait_lock to leave */
	spin_unlock(&m->wait_lock);
}

/* The MX-1 checks every entry point makes; true if the caller may go on. */
static bool mutex_usable(struct mutex *m, const char *what)
{
	if (unlikely(in_interrupt())) {
		mutex_report(m, what);
		return false;
	}
	return true;
}

void mutex_lock(struct mutex *m)
{
	unsigned long site = (unsigned long)__builtin_return_address(0);
	unsigned long free = 0;
	struct task *me;

	if (!mutex_usable(m, "mutex_lock in interrupt context"))
		return;
	might_sleep();
	me = current;
	if (unlikely(owner_task(owner_word(m)) == me)) {
		mutex_report(m, "recursive mutex_lock by its owner");
		return;
	}
	if (!__atomic_compare_exchange_n(&m->owner, &free, (unsigned long)me, false,
					 __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		mutex_lock_slowpath(m, me);
	me->mutexes_held++;
	lock_acquire(&m->dep_map, site, false);
}

bool mutex_trylock(struct mutex *m)
{
	unsigned long site = (unsigned long)__builtin_return_address(0);
	struct task *me;

	if (!mutex_usable(m, "mutex_trylock in interrupt context"))
		return false;
	me = current;
	if (!mutex_try_take(m, me))
		return false;
	me->mutexes_held++;
	lock_acquire_trylock(&m->dep_map, site, false);
	return true;
}

void mutex_unlock(struct mutex *m)
{
	unsigned long site = (unsigned long)__builtin_return_address(0);
	struct task *me;
	unsigned long mine;

	if (!mutex_usable(m, "mutex_unlock in interrupt context"))
		return;
	me = current;
	if (unlikely(owner_task(owner_word(m)) != me)) {
		mutex_report(m, "mutex_unlock by a task that does not own it");
		return;
	}
	lock_release(&m->dep_map, site);
	me->mutexes_held--;
	mine = (unsigned long)me;
	if (!__atomic_compare_exchange_n(&m->owner, &mine, 0, false, __ATOMIC_RELEASE,
					 __ATOMIC_RELAXED))
		mutex_unlock_slowpath(m);
}

bool mutex_is_contended(struct mutex *m)
{
	return !list_empty(&m->waiters);
}

bool mutex_is_locked(struct mutex *m)
{
	return owner_task(owner_word(m)) != NULL;
}

struct task *mutex_owner(struct mutex *m)
{
	return owner_task(owner_word(m));
}
