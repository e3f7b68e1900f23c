/*
 * Preemption and interrupt-context accounting (DESIGN PR-1, PR-2).
 *
 * Each task has a preempt_count with three fields:
 *   bits  0- 7  preemption disabled depth (preempt_disable, spin_lock, rcu_read_lock)
 *   bits  8-15  softirq depth (running deferred interrupt work)
 *   bits 16-23  hardirq depth (inside an interrupt handler)
 * The task may be preempted only when the whole count is 0 and interrupts are enabled.
 * Interrupt handlers run with the interrupted task's count raised; irq_exit() is where a task
 * interrupted with count 0 gets preempted if a reschedule is pending.
 */
#ifndef MICA_PREEMPT_H
#define MICA_PREEMPT_H

#include <mica/cpu.h>
#include <mica/types.h>

#define PREEMPT_SHIFT 0
#define SOFTIRQ_SHIFT 8
#define HARDIRQ_SHIFT 16
#define PREEMPT_OFFSET (1U << PREEMPT_SHIFT)
#define SOFTIRQ_OFFSET (1U << SOFTIRQ_SHIFT)
#define HARDIRQ_OFFSET (1U << HARDIRQ_SHIFT)
#define PREEMPT_MASK (0xffU << PREEMPT_SHIFT)
#define SOFTIRQ_MASK (0xffU << SOFTIRQ_SHIFT)
#define HARDIRQ_MASK (0xffU << HARDIRQ_SHIFT)

/* The running task's count (this CPU's current task). */
unsigned *preempt_count_ptr(void);
static inline unsigned preempt_count(void)
{
	return READ_ONCE(*preempt_count_ptr());
}

#define in_hardirq() (preempt_count() & HARDIRQ_MASK)
#define in_softirq() (preempt_count() & SOFTIRQ_MASK)
#define in_interrupt() (preempt_count() & (HARDIRQ_MASK | SOFTIRQ_MASK))
/* Sleeping now would be a bug: preemption or interrupts are off, or we are in an interrupt. */
#define in_atomic() (preempt_count() != 0)

/* The reschedule request of this CPU (set by the tick, wake-ups and IPIs). */
static inline bool need_resched(void)
{
	return READ_ONCE(this_cpu()->need_resched);
}
static inline void set_need_resched(void)
{
	WRITE_ONCE(this_cpu()->need_resched, true);
}

/* Out of line: they feed the latency tracer with the caller's address (PR-6). */
void preempt_disable(void);
/* Re-enables preemption; reschedules at once if the count reaches 0 with a request pending. */
void preempt_enable(void);
/* For the scheduler's own use: re-enables without rescheduling. */
void preempt_enable_no_resched(void);

/* Voluntary preemption point and RCU quiescent state (PR-5). */
void cond_resched(void);

/* Brackets of every interrupt handler (see include/mica/arch.h). */
void irq_enter(void);
void irq_exit(void);

/* Reports "sleeping function called from invalid context" once per call site (PR-4). */
void __might_sleep(const char *file, int line);
#define might_sleep() __might_sleep(__FILE__, __LINE__)
/* How many such reports were made since boot (tests read it), and how many of them before
 * the first test ran (the boot itself must make none). */
extern unsigned long might_sleep_reports, might_sleep_reports_at_boot;
/* True while the boot CPU sets up alone with interrupts still masked: nothing can preempt or
 * wait for it, so sleeping functions (cache creation) are legal there. start_kernel() clears
 * it as it first enables interrupts. */
extern bool early_boot;

#endif
