/* The latency tracer: longest preempt-off and irq-off sections per CPU (contract in
 * <mica/latency.h>), and the irq-flag wrappers that feed it. */
#include <mica/arch.h>
#include <mica/cpu.h>
#include <mica/irqflags.h>
#include <mica/latency.h>
#include <mica/preempt.h>
#include <mica/printk.h>
#include <mica/string.h>

static struct cpu_latency lat[NR_CPUS];

static void record(struct latency_max *m, u64 start_ns, unsigned long start_site,
		   unsigned long end_site)
{
	u64 ns = arch_clock_ns() - start_ns;

	if (ns > m->ns) {
		m->ns = ns;
		m->start_site = start_site;
		m->end_site = end_site;
	}
}

/* Interrupts may be on: this CPU's record is only touched by tasks running here with
 * preemption off at that moment, or with interrupts masked. */
void latency_preempt_off(unsigned long site)
{
	struct cpu_latency *l = &lat[smp_processor_id()];

	l->preempt_start_ns = arch_clock_ns();
	l->preempt_start_site = site;
}

void latency_preempt_on(unsigned long site)
{
	struct cpu_latency *l = &lat[smp_processor_id()];

	if (l->preempt_start_site)
		record(&l->preempt_off, l->preempt_start_ns, l->preempt_start_site, site);
	l->preempt_start_site = 0;
}

void latency_irqs_off(unsigned long site)
{
	struct cpu_latency *l = &lat[smp_processor_id()];

	l->irq_start_ns = arch_clock_ns();
	l->irq_start_site = site;
}

void latency_irqs_on(unsigned long site)
{
	struct cpu_latency *l = &lat[smp_processor_id()];

	if (l->irq_start_site)
		record(&l->irq_off, l->irq_start_ns, l->irq_start_site, site);
	l->irq_start_site = 0;
}

void latency_wakeup(const char *task, u64 woken_ns)
{
	struct cpu_latency *l = &lat[smp_processor_id()];
	u64 ns = arch_clock_ns() - woken_ns;

	if (ns > l->wakeup_ns) {
		l->wakeup_ns = ns;
		strscpy(l->wakeup_task, task, sizeof(l->wakeup_task));
	}
}

void latency_reset(unsigned cpu)
{
	unsigned long flags = arch_irq_save();

	memset(&lat[cpu].preempt_off, 0, sizeof(lat[cpu].preempt_off));
	memset(&lat[cpu].irq_off, 0, sizeof(lat[cpu].irq_off));
	lat[cpu].wakeup_ns = 0;
	lat[cpu].wakeup_task[0] = '\0';
	arch_irq_restore(flags);
}

const struct cpu_latency *latency_of(unsigned cpu)
{
	return &lat[cpu];
}

void latency_print(void)
{
	for (unsigned i = 0; i < ncpus; i++) {
		const struct cpu_latency *l = &lat[i];

		pr_info("latency cpu%u: preempt-off %llu us (%pS -> %pS)", i,
			(unsigned long long)(l->preempt_off.ns / 1000),
			(void *)l->preempt_off.start_site, (void *)l->preempt_off.end_site);
		pr_info("latency cpu%u: irqs-off %llu us (%pS -> %pS)", i,
			(unsigned long long)(l->irq_off.ns / 1000), (void *)l->irq_off.start_site,
			(void *)l->irq_off.end_site);
		pr_info("latency cpu%u: RT wake-up %llu us (%s)", i,
			(unsigned long long)(l->wakeup_ns / 1000), l->wakeup_task);
	}
}

/* ---- the irq-flag wrappers ---- */

/* Only sections opened from task context count: an interrupt handler runs masked anyway. */
static bool task_context(void)
{
	return !in_interrupt();
}

unsigned long local_irq_save_at(unsigned long site)
{
	unsigned long flags = arch_irq_save();

	if (!arch_irqs_disabled_flags(flags) && task_context())
		latency_irqs_off(site);
	return flags;
}

void local_irq_restore_at(unsigned long flags, unsigned long site)
{
	if (!arch_irqs_disabled_flags(flags) && task_context())
		latency_irqs_on(site);
	arch_irq_restore(flags);
}

unsigned long local_irq_save(void)
{
	return local_irq_save_at((unsigned long)__builtin_return_address(0));
}

void local_irq_restore(unsigned long flags)
{
	local_irq_restore_at(flags, (unsigned long)__builtin_return_address(0));
}

void local_irq_disable(void)
{
	bool was_on = !arch_irqs_disabled();

	arch_irq_disable();
	if (was_on && task_context())
		latency_irqs_off((unsigned long)__builtin_return_address(0));
}

void local_irq_enable(void)
{
	if (arch_irqs_disabled() && task_context())
		latency_irqs_on((unsigned long)__builtin_return_address(0));
	arch_irq_enable();
}
