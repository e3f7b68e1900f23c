/*
 * Interrupt masking for generic code. These wrap the port's arch_irq_* and feed the latency
 * tracer (PR-6): a section that masks interrupts from task context is timed from the first
 * disable to the matching enable, with both code sites. The scheduler and trap paths use the
 * arch_ forms directly: they are not sections anyone asked for.
 */
#ifndef MICA_IRQFLAGS_H
#define MICA_IRQFLAGS_H

#include <mica/arch.h>

void local_irq_disable(void);
void local_irq_enable(void);
unsigned long local_irq_save(void);
void local_irq_restore(unsigned long flags);

static inline bool irqs_disabled(void)
{
	return arch_irqs_disabled();
}

#endif
