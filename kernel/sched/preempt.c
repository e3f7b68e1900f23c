/* preempt_count, interrupt entry and exit, softirqs, might_sleep (DESIGN PR-1, PR-2, PR-4). */
#include <mica/arch.h>
#include <mica/latency.h>
#include <mica/panic.h>
#include <mica/preempt.h>
#include <mica/printk.h>
#include <mica/rcu.h>
#include <mica/sched.h>
#include <mica/softirq.h>
#include <mica/timer.h>

unsigned long might_sleep_reports, might_sleep_reports_at_boot;
bool early_boot = true;

unsigned *preempt_count_ptr(void)
{
	return &current->preempt_count;
}

void preempt_disable_at(unsigned long site)
{
	unsigned *pc = preempt_count_ptr();

	*pc += PREEMPT_OFFSET;
	barrier();
	if (*pc == PREEMPT_OFFSET) /* 0 -> 1, in task context: a section begins */
		latency_preempt_off(site);
}

/* Leaves a section; true if the count is back to 0 (the caller may then reschedule). */
static bool preempt_count_dec(unsigned long site)
{
	unsigned *pc = preempt_count_ptr();

	if (unlikely(!(*pc & PREEMPT_MASK)))
		panic("preempt_enable: unbalanced (preempt_count 0x%x)", *pc);
	barrier();
	if (*pc == PREEMPT_OFFSET)
		latency_preempt_on(site);
	*pc -= PREEMPT_OFFSET;
	return *pc == 0;
}

void preempt_enable_at(unsigned long site)
{
	barrier();
	if (preempt_count_dec(site) && need_resched() && !arch_irqs_disabled())
		preempt_schedule();
}

void preempt_disable(void)
{
	preempt_disable_at((unsigned long)__builtin_return_address(0));
}

void preempt_enable(void)
{
	preempt_enable_at((unsigned long)__builtin_return_address(0));
}

void preempt_enable_no_resched(void)
{
	preempt_count_dec((unsigned long)__builtin_return_address(0));
}

void cond_resched(void)
{
	might_sleep();
	if (need_resched())
		schedule();
	else if (!preempt_count()) /* inside a reader it is a bug (reported above), not a QS */
		rcu_note_context_switch(); /* a voluntary preemption point is a quiescent state */
}

/* ---- interrupts and softirqs ---- */

void raise_softirq(enum softirq_nr nr)
{
	unsigned long flags = arch_irq_save();

	this_cpu()->softirq_pending |= 1UL << nr;
	arch_irq_restore(flags);
}

static void do_softirq(void)
{
	unsigned *pc = preempt_count_ptr();
	struct cpu *c = this_cpu();

	*pc += SOFTIRQ_OFFSET;
	while (c->softirq_pending) {
		unsigned long pending = c->softirq_pending;

		c->softirq_pending = 0;
		if (pending & (1UL << TIMER_SOFTIRQ))
			timer_run_expired();
		if (pending & (1UL << RCU_SOFTIRQ))
			rcu_process_callbacks();
	}
	*pc -= SOFTIRQ_OFFSET;
}

void irq_enter(void)
{
	*preempt_count_ptr() += HARDIRQ_OFFSET;
}

void irq_exit(void)
{
	unsigned *pc = preempt_count_ptr();

	if (unlikely(!(*pc & HARDIRQ_MASK)))
		panic("irq_exit: not in an interrupt (preempt_count 0x%x)", *pc);
	*pc -= HARDIRQ_OFFSET;
	if (!(*pc & (HARDIRQ_MASK | SOFTIRQ_MASK)) && this_cpu()->softirq_pending)
		do_softirq();
	/* PR-2: the interrupted task had preemption enabled; let a waiting task in. */
	if (*pc == 0 && need_resched())
		preempt_schedule_irq();
}

/* ---- might_sleep ---- */

#define MIGHT_SLEEP_SITES 32
static const char *reported_files[MIGHT_SLEEP_SITES];
static int reported_lines[MIGHT_SLEEP_SITES];

/* True the first time a site is seen (a full table reports every time, never silently). */
static bool first_report(const char *file, int line)
{
	for (int i = 0; i < MIGHT_SLEEP_SITES; i++) {
		if (reported_files[i] == file && reported_lines[i] == line)
			return false;
		if (!reported_files[i]) {
			reported_files[i] = file;
			reported_lines[i] = line;
			return true;
		}
	}
	return true;
}

void __might_sleep(const char *file, int line)
{
	unsigned pc = preempt_count();
	bool irqs_off = arch_irqs_disabled();
	struct task *t;

	if (likely(!pc && !irqs_off) || panic_in_progress() || READ_ONCE(early_boot))
		return;
	__atomic_add_fetch(&might_sleep_reports, 1, __ATOMIC_RELAXED);
	if (!first_report(file, line))
		return;
	t = current;
	pr_err("BUG: sleeping function called from invalid context at %s:%d", file, line);
	pr_err("in_atomic(): %d, irqs_disabled(): %d, preempt_count: 0x%x, task: %s, cpu%u",
	       pc != 0, irqs_off, pc, t->name, smp_processor_id());
	lockdep_print_held_locks(t);
	backtrace_print(0, (unsigned long)__builtin_frame_address(0));
}
