/* Wait queues and completions (contract in <mica/wait.h>). */
#include <mica/preempt.h>
#include <mica/sched.h>
#include <mica/timer.h>
#include <mica/wait.h>

void prepare_to_wait(struct wait_queue_head *wq, struct wait_entry *e)
{
	unsigned long flags = spin_lock_irqsave(&wq->lock);

	if (e->task != current) { /* first call for this entry */
		e->task = current;
		list_init(&e->node);
	}
	if (list_empty(&e->node))
		list_add_tail(&e->node, &wq->waiters);
	set_current_state(TASK_SLEEPING);
	spin_unlock_irqrestore(&wq->lock, flags);
}

void finish_wait(struct wait_queue_head *wq, struct wait_entry *e)
{
	unsigned long flags;

	__set_current_state(TASK_RUNNING);
	flags = spin_lock_irqsave(&wq->lock);
	if (!list_empty(&e->node))
		list_del_init(&e->node);
	spin_unlock_irqrestore(&wq->lock, flags);
}

/* Wakes waiters in FIFO order, all or one, taking them off the queue. wq->lock held. */
static void wake_waiters_locked(struct wait_queue_head *wq, bool all)
{
	struct wait_entry *e, *tmp;

	list_for_each_entry_safe(e, tmp, &wq->waiters, node)
	{
		list_del_init(&e->node);
		wake_up_process(e->task);
		if (!all)
			break;
	}
}

static void wake_waiters(struct wait_queue_head *wq, bool all)
{
	unsigned long flags = spin_lock_irqsave(&wq->lock);

	wake_waiters_locked(wq, all);
	spin_unlock_irqrestore(&wq->lock, flags);
}

void wake_up(struct wait_queue_head *wq)
{
	wake_waiters(wq, true);
}

void wake_up_one(struct wait_queue_head *wq)
{
	wake_waiters(wq, false);
}

/* ---- completions ---- */

/*
 * The wake-up happens under the lock: once the lock is dropped a waiter may consume `done`,
 * return, and its completion (often on its stack) may be gone, so nothing may touch c after.
 */
void complete(struct completion *c)
{
	unsigned long flags = spin_lock_irqsave(&c->wq.lock);

	if (c->done != ~0U)
		c->done++;
	wake_waiters_locked(&c->wq, false);
	spin_unlock_irqrestore(&c->wq.lock, flags);
}

void complete_all(struct completion *c)
{
	unsigned long flags = spin_lock_irqsave(&c->wq.lock);

	c->done = ~0U;
	wake_waiters_locked(&c->wq, true);
	spin_unlock_irqrestore(&c->wq.lock, flags);
}

bool try_wait_for_completion(struct completion *c)
{
	unsigned long flags = spin_lock_irqsave(&c->wq.lock);
	bool got = c->done != 0;

	if (got && c->done != ~0U)
		c->done--;
	spin_unlock_irqrestore(&c->wq.lock, flags);
	return got;
}

void wait_for_completion(struct completion *c)
{
	wait_event(c->wq, try_wait_for_completion(c));
}

/* The timer of a timed wait: wakes the task that armed it. */
struct wake_timer {
	struct timer timer;
	struct task *task;
	bool fired;
};

static void wake_timer_fn(struct timer *t)
{
	struct wake_timer *w = container_of(t, struct wake_timer, timer);

	WRITE_ONCE(w->fired, true);
	wake_up_process(w->task);
}

bool msleep_killable(unsigned long ms)
{
	struct completion never; /* nobody completes it: the timer or a kill ends the wait */
	struct wake_timer w = { .task = current };
	struct task *self = current;

	init_completion(&never);
	timer_init(&w.timer, wake_timer_fn);
	timer_arm(&w.timer, msecs_to_ticks(ms));
	wait_event(never.wq, READ_ONCE(w.fired) || READ_ONCE(self->killed));
	timer_cancel_sync(&w.timer);
	return READ_ONCE(self->killed);
}

bool wait_for_completion_timeout(struct completion *c, unsigned long ms)
{
	struct wake_timer w = { .task = current };
	bool got;

	timer_init(&w.timer, wake_timer_fn);
	timer_arm(&w.timer, msecs_to_ticks(ms));
	wait_event(c->wq, (got = try_wait_for_completion(c)) || READ_ONCE(w.fired));
	timer_cancel_sync(&w.timer);
	return got;
}
