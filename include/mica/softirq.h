/*
 * Deferred interrupt work ("softirqs"). A handler raises one; it runs at the end of the
 * outermost interrupt, in irq_exit(), with the softirq field of preempt_count raised. Mica
 * runs softirq handlers with interrupts still masked: short work only.
 */
#ifndef MICA_SOFTIRQ_H
#define MICA_SOFTIRQ_H

enum softirq_nr {
	TIMER_SOFTIRQ, /* expired one-shot timers */
	RCU_SOFTIRQ,   /* grace-period bookkeeping and RCU callbacks */
	NR_SOFTIRQS,
};

/* Marks softirq nr pending on this CPU (any context; interrupts masked by the caller or not). */
void raise_softirq(enum softirq_nr nr);

#endif
