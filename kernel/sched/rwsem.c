/*
 * Reader-writer semaphores (contract and invariants in <mica/rwsem.h>).
 *
 * Everything is decided under the internal spinlock: the holders (a reader count, or the
 * writer) and a FIFO of sleeping waiters. The releaser grants the semaphore to waiters itself,
 * updating the holders on their behalf and marking them granted before it wakes them, so a
 * woken waiter never has to compete again: the order of the queue is the order of service.
 * (Linux's kernel/locking/rwsem.c does the same hand-over with an atomic count and
 * optimistic spinning on top; Mica keeps the slow, plain version.)
 */
#include <mica/panic.h>
#include <mica/preempt.h>
#include <mica/printk.h>
#include <mica/rwsem.h>
#include <mica/sched.h>

unsigned long rwsem_debug_reports;

void __init_rwsem(struct rw_semaphore *s, const char *name, const struct lock_class_key *key)
{
	spin_lock_init(&s->lock);
	s->readers = 0;
	s->writer = NULL;
	list_init(&s->waiters);
	lockdep_init_map(&s->dep_map, name, key);
}

/* A broken rule: "BUG: rwsem: <what> (<rwsem>, task <name>, writer <name>, readers <n>)", the
 * locks the caller holds and where it came from. The caller then refuses the operation. */
static __noinline void rwsem_report(struct rw_semaphore *s, const char *what)
{
	struct task *t = current, *w = READ_ONCE(s->writer);

	__atomic_add_fetch(&rwsem_debug_reports, 1, __ATOMIC_RELAXED);
	pr_err("BUG: rwsem: %s (%s, task %s, writer %s, readers %u)", what, s->dep_map.name,
	       t->name, w ? w->name : "none", READ_ONCE(s->readers));
	lockdep_print_held_locks(t);
	backtrace_print(0, (unsigned long)__builtin_frame_address(0));
}

/* True if the caller may go on: task context (reported otherwise). */
static bool rwsem_usable(struct rw_semaphore *s, const char *what)
{
	if (unlikely(in_interrupt())) {
		rwsem_report(s, what);
		return false;
	}
	return true;
}

/* Marks w granted and wakes it. Lock held: w's task cannot leave its wait before we drop it. */
static void rwsem_grant_one(struct rwsem_waiter *w)
{
	list_del_init(&w->node);
	w->granted = true;
	wake_up_process(w->task);
}

/* s has no writer: hand it to the head of the queue, the writer there (if no reader holds s)
 * or every reader up to the first queued writer. Lock held. */
static void rwsem_grant(struct rw_semaphore *s)
{
	struct rwsem_waiter *w;

	if (list_empty(&s->waiters))
		return;
	w = list_first_entry(&s->waiters, struct rwsem_waiter, node);
	if (w->writer) {
		if (s->readers == 0) {
			s->writer = w->task;
			rwsem_grant_one(w);
		}
		return;
	}
	while (!w->writer) {
		s->readers++;
		rwsem_grant_one(w);
		if (list_empty(&s->waiters))
			break;
		w = list_first_entry(&s->waiters, struct rwsem_waiter, node);
	}
}

/* Queues the current task at the tail and sleeps until a release grants it s. Entered with
 * the lock held, returns with it dropped and s held as w asked. */
static void rwsem_wait(struct rw_semaphore *s, struct rwsem_waiter *w)
{
	list_add_tail(&w->node, &s->waiters);
	for (;;) {
		set_current_state(TASK_SLEEPING);
		if (w->granted)
			break;
		spin_unlock(&s->lock);
		schedule();
		spin_lock(&s->lock);
	}
	__set_current_state(TASK_RUNNING);
	spin_unlock(&s->lock);
}

/* down_read and down_write: the checks, then take s at once if it is free for this kind of
 * holder and nobody queues ahead, else wait in FIFO order (rwsem_wait). */
static void rwsem_down(struct rw_semaphore *s, bool writer, unsigned long site)
{
	struct rwsem_waiter w = { .writer = writer };

	if (!rwsem_usable(s, writer ? "down_write in interrupt context"
				    : "down_read in interrupt context"))
		return;
	might_sleep();
	w.task = current;
	if (unlikely(READ_ONCE(s->writer) == w.task)) {
		rwsem_report(s, writer ? "recursive down_write by its writer"
				       : "down_read by its writer");
		return;
	}
	spin_lock(&s->lock);
	if (!s->writer && (!writer || !s->readers) && list_empty(&s->waiters)) {
		if (writer)
			s->writer = w.task;
		else
			s->readers++;
		spin_unlock(&s->lock);
	} else {
		rwsem_wait(s, &w);
	}
	lock_acquire(&s->dep_map, site, !writer);
}

void down_read(struct rw_semaphore *s)
{
	rwsem_down(s, false, (unsigned long)__builtin_return_address(0));
}

void down_write(struct rw_semaphore *s)
{
	rwsem_down(s, true, (unsigned long)__builtin_return_address(0));
}

bool down_read_trylock(struct rw_semaphore *s)
{
	unsigned long site = (unsigned long)__builtin_return_address(0);
	bool got;

	if (!rwsem_usable(s, "down_read_trylock in interrupt context"))
		return false;
	spin_lock(&s->lock);
	got = !s->writer && list_empty(&s->waiters);
	if (got)
		s->readers++;
	spin_unlock(&s->lock);
	if (got)
		lock_acquire_trylock(&s->dep_map, site, true);
	return got;
}

bool down_write_trylock(struct rw_semaphore *s)
{
	unsigned long site = (unsigned long)__builtin_return_address(0);
	struct task *me;
	bool got;

	if (!rwsem_usable(s, "down_write_trylock in interrupt context"))
		return false;
	me = current;
	spin_lock(&s->lock);
	got = !s->writer && !s->readers && list_empty(&s->waiters);
	if (got)
		s->writer = me;
	spin_unlock(&s->lock);
	if (got)
		lock_acquire_trylock(&s->dep_map, site, false);
	return got;
}

void up_read(struct rw_semaphore *s)
{
	unsigned long site = (unsigned long)__builtin_return_address(0);

	if (!rwsem_usable(s, "up_read in interrupt context"))
		return;
	/* Stable for a caller that holds a read lock: the count cannot drop below its own. */
	if (unlikely(READ_ONCE(s->readers) == 0)) {
		rwsem_report(s, "up_read with no reader holding it");
		return;
	}
	lock_release(&s->dep_map, site);
	spin_lock(&s->lock);
	if (--s->readers == 0)
		rwsem_grant(s);
	spin_unlock(&s->lock);
}

void up_write(struct rw_semaphore *s)
{
	unsigned long site = (unsigned long)__builtin_return_address(0);
	struct task *me;

	if (!rwsem_usable(s, "up_write in interrupt context"))
		return;
	me = current;
	if (unlikely(READ_ONCE(s->writer) != me)) {
		rwsem_report(s, "up_write by a task that is not its writer");
		return;
	}
	lock_release(&s->dep_map, site);
	spin_lock(&s->lock);
	s->writer = NULL;
	rwsem_grant(s);
	spin_unlock(&s->lock);
}

bool rwsem_is_locked(struct rw_semaphore *s)
{
	return READ_ONCE(s->writer) || READ_ONCE(s->readers);
}

bool rwsem_is_write_locked_by_me(struct rw_semaphore *s)
{
	return READ_ONCE(s->writer) == current;
}

bool rwsem_is_contended(struct rw_semaphore *s)
{
	return !list_empty(&s->waiters);
}
