/*
 * Wait queues and completions (kernel/sched/wait.c).
 *
 * A wait queue is a list of sleeping tasks under a spinlock. wait_event(wq, cond) sleeps until
 * cond is true; whoever makes cond true calls wake_up(wq). A completion is a counted event:
 * complete() releases one waiter (or a future one), complete_all() every one, for good.
 */
#ifndef MICA_WAIT_H
#define MICA_WAIT_H

#include <mica/list.h>
#include <mica/preempt.h>
#include <mica/spinlock.h>
#include <mica/types.h>

struct task;

struct wait_queue_head {
	spinlock_t lock;
	struct list_head waiters; /* struct wait_entry, FIFO */
};

struct wait_entry {
	struct task *task;
	struct list_head node;
};

#define WAIT_QUEUE_INIT(name)                                          \
	{                                                              \
		SPINLOCK_INIT(name.lock), LIST_HEAD_INIT(name.waiters) \
	}
#define DEFINE_WAIT_QUEUE(name) struct wait_queue_head name = WAIT_QUEUE_INIT(name)
#define wait_queue_init(wq)                  \
	do {                                 \
		spin_lock_init(&(wq)->lock); \
		list_init(&(wq)->waiters);   \
	} while (0)

/* Queues the current task on wq (once) and marks it sleeping; see wait_event(). */
void prepare_to_wait(struct wait_queue_head *wq, struct wait_entry *e);
/* Marks the current task running and takes it off wq. */
void finish_wait(struct wait_queue_head *wq, struct wait_entry *e);
/* Wakes every task on wq / the first one. Any context. */
void wake_up(struct wait_queue_head *wq);
void wake_up_one(struct wait_queue_head *wq);

#define wait_event(wq, cond)                              \
	do {                                              \
		struct wait_entry __e = { .task = NULL }; \
		might_sleep();                            \
		for (;;) {                                \
			prepare_to_wait(&(wq), &__e);     \
			if (cond)                         \
				break;                    \
			schedule();                       \
		}                                         \
		finish_wait(&(wq), &__e);                 \
	} while (0)

struct completion {
	unsigned done; /* completions not yet consumed; ~0U after complete_all() */
	struct wait_queue_head wq;
};

#define COMPLETION_INIT(name)               \
	{                                   \
		0, WAIT_QUEUE_INIT(name.wq) \
	}
#define init_completion(c)                 \
	do {                               \
		(c)->done = 0;             \
		wait_queue_init(&(c)->wq); \
	} while (0)

void complete(struct completion *c);
void complete_all(struct completion *c);
void wait_for_completion(struct completion *c);
/* Returns true if completed, false if ms milliseconds passed first. */
bool wait_for_completion_timeout(struct completion *c, unsigned long ms);
/* Sleeps like msleep() (at least ms, rounded up to ticks), but returns as soon as the task is
 * killed (task->killed, set by a process kill with a wake-up). Returns true if it was. */
bool msleep_killable(unsigned long ms);
/* Non-blocking: consumes a completion if one is there. */
bool try_wait_for_completion(struct completion *c);

#endif
