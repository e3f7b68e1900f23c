/*
 * RCU, classic and non-preemptible (DESIGN RCU-1..3; kernel/sched/rcu.c).
 *
 * A reader brackets its accesses with rcu_read_lock()/rcu_read_unlock(), which only disable
 * preemption. A grace period ends once every CPU has passed a quiescent state: a context
 * switch, the idle loop, or a tick that finds preemption enabled (then no reader can be in a
 * section on that CPU). call_rcu(head, fn) runs fn after a grace period that began after the
 * call; synchronize_rcu() waits for one; rcu_barrier() waits for every callback queued so far.
 * A CPU that keeps a grace period from ending for longer than the stall timeout is reported.
 */
#ifndef MICA_RCU_H
#define MICA_RCU_H

#include <mica/compiler.h>
#include <mica/preempt.h>
#include <mica/types.h>

struct rcu_head {
	struct rcu_head *next;
	void (*func)(struct rcu_head *head);
	unsigned long gp; /* the grace period that must complete before func runs */
};

static inline void rcu_read_lock(void)
{
	preempt_disable();
}
static inline void rcu_read_unlock(void)
{
	preempt_enable();
}

/* Publishes p for readers (a release store) / reads a published pointer. */
#define rcu_assign_pointer(p, v) __atomic_store_n(&(p), (v), __ATOMIC_RELEASE)
#define rcu_dereference(p) __atomic_load_n(&(p), __ATOMIC_CONSUME)

/* Boot CPU, before the first grace period may start. */
void rcu_init(void);

void call_rcu(struct rcu_head *head, void (*func)(struct rcu_head *head));
void synchronize_rcu(void);
void rcu_barrier(void);

/* Quiescent states, reported by the scheduler and the tick. */
void rcu_note_context_switch(void);
void rcu_idle_enter(void);
void rcu_tick(bool preemptible_context);
/* RCU_SOFTIRQ handler. */
void rcu_process_callbacks(void);

/* Stall reporting: after this long without an end to a grace period, the CPUs that block it
 * report themselves; one that takes no tick (interrupts masked) is reported by another CPU
 * after twice this long. Boot parameter rcu_stall_ms=; default 10000; 0 turns reports off. */
extern unsigned long rcu_stall_timeout_ms;
extern unsigned long rcu_stall_reports;
/* Stall reports about CPU `cpu` since boot (made by itself or by another CPU). */
unsigned long rcu_cpu_stall_reports(unsigned cpu);
/* Grace periods completed since boot. */
unsigned long rcu_gp_completed(void);
/* Callbacks invoked on CPU `cpu` since boot. */
unsigned long rcu_callbacks_invoked(unsigned cpu);

#endif
