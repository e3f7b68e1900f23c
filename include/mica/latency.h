/*
 * The latency tracer (DESIGN PR-6). Per CPU it keeps the longest section with preemption
 * disabled and the longest with interrupts masked, each with the code sites where it began and
 * ended, and the longest wake-up latency of a real-time task (woken -> running).
 * Sections are those that generic code opens from task context through preempt_disable(),
 * spin_lock*(), rcu_read_lock() and local_irq_*(); hardware-masked trap paths are not counted.
 */
#ifndef MICA_LATENCY_H
#define MICA_LATENCY_H

#include <mica/types.h>

struct latency_max {
	u64 ns;
	unsigned long start_site, end_site;
};

struct cpu_latency {
	/* the section open now, if any */
	u64 preempt_start_ns, irq_start_ns;
	unsigned long preempt_start_site, irq_start_site;
	/* the records */
	struct latency_max preempt_off, irq_off;
	u64 wakeup_ns;
	char wakeup_task[16];
};

/* The _at forms take the code site to record; the plain forms record their caller. */
void preempt_disable_at(unsigned long site);
void preempt_enable_at(unsigned long site);
unsigned long local_irq_save_at(unsigned long site);
void local_irq_restore_at(unsigned long flags, unsigned long site);

/* Called by the preempt and irq code at the 0 <-> nonzero transitions (task context only). */
void latency_preempt_off(unsigned long site);
void latency_preempt_on(unsigned long site);
void latency_irqs_off(unsigned long site);
void latency_irqs_on(unsigned long site);
/* A real-time task that was woken at woken_ns now runs. */
void latency_wakeup(const char *task, u64 woken_ns);

/* Forgets the records of one CPU (tests), or prints every CPU's. */
void latency_reset(unsigned cpu);
void latency_print(void);
const struct cpu_latency *latency_of(unsigned cpu);

#endif
