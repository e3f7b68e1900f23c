/*
 * One-shot kernel timers (kernel/sched/timer.c), at tick resolution. A timer runs its function
 * once, in softirq context on the CPU that armed it, at the first tick at or after `expires`.
 */
#ifndef MICA_TIMER_H
#define MICA_TIMER_H

#include <mica/list.h>
#include <mica/types.h>

struct timer {
	struct list_head node; /* on its CPU's list, sorted by expiry; empty when not armed */
	unsigned long expires; /* in jiffies of the CPU's own tick count */
	void (*fn)(struct timer *t);
	int cpu; /* where it is armed */
};

void timer_init(struct timer *t, void (*fn)(struct timer *t));
/* Arms (or re-arms) t to fire `ticks` ticks from now on this CPU. */
void timer_arm(struct timer *t, unsigned long ticks);
/* Disarms t; when it returns, t's function is not running anywhere. Returns true if it was
 * armed. Must not be called from t's own function. */
bool timer_cancel_sync(struct timer *t);

/* Sleeps at least ms milliseconds (rounded up to whole ticks, plus one). */
void msleep(unsigned long ms);
/* Ticks for ms milliseconds, rounded up. */
unsigned long msecs_to_ticks(unsigned long ms);

/* Boot: before the first timer is armed. */
void timers_init(void);
/* From the tick: runs expired timers of this CPU (softirq context). */
void timer_run_expired(void);

#endif
