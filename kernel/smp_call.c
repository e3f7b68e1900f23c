/*
 * Cross-CPU function calls. Each CPU has a queue of call entries under a lock; a caller
 * queues an entry on the target and sends IPI_CALL. A waiting caller's entry lives on its
 * stack; an asynchronous one uses the caller CPU's own slot for that target, reused once the
 * previous call through it has run (so an async call never allocates and never fails).
 */
#include <mica/cpu.h>
#include <mica/errno.h>
#include <mica/list.h>
#include <mica/panic.h>
#include <mica/preempt.h>
#include <mica/printk.h>
#include <mica/smp_call.h>
#include <mica/spinlock.h>

struct call_entry {
	struct list_head node;
	smp_call_fn fn;
	void *arg;
	bool done; /* set by the target once fn returned */
};

struct call_queue {
	spinlock_t lock;
	struct list_head entries;
};

static struct call_queue queues[NR_CPUS];
/* async_slot[from][to]: the entry CPU `from` uses for asynchronous calls to CPU `to` */
static struct call_entry async_slot[NR_CPUS][NR_CPUS];

static struct call_queue *queue_of(unsigned cpu)
{
	return &queues[cpu];
}

void smp_call_init(void)
{
	for (unsigned i = 0; i < NR_CPUS; i++) {
		spin_lock_init(&queues[i].lock);
		list_init(&queues[i].entries);
		for (unsigned j = 0; j < NR_CPUS; j++)
			async_slot[i][j].done = true; /* free */
	}
}

static void queue_call(unsigned cpu, struct call_entry *e)
{
	struct call_queue *q = queue_of(cpu);
	unsigned long flags = spin_lock_irqsave(&q->lock);

	WRITE_ONCE(e->done, false);
	list_add_tail(&e->node, &q->entries);
	spin_unlock_irqrestore(&q->lock, flags);
	smp_send_ipi(&cpus[cpu], IPI_CALL);
}

void smp_call_run_queue(void)
{
	struct call_queue *q = queue_of(smp_processor_id());

	for (;;) {
		struct call_entry *e;
		smp_call_fn fn;
		void *arg;

		raw_spin_lock(&q->lock);
		if (list_empty(&q->entries)) {
			raw_spin_unlock(&q->lock);
			return;
		}
		e = list_first_entry(&q->entries, struct call_entry, node);
		list_del_init(&e->node);
		raw_spin_unlock(&q->lock);
		fn = e->fn;
		arg = e->arg;
		fn(arg);
		__atomic_store_n(&e->done, true, __ATOMIC_RELEASE); /* e may vanish after this */
	}
}

static void wait_done(struct call_entry *e)
{
	while (!__atomic_load_n(&e->done, __ATOMIC_ACQUIRE))
		arch_cpu_relax();
}

/* Queues fn on `cpu` (not this one): through on_stack if the caller waits, else through this
 * CPU's async slot for `cpu`. */
static void call_remote(unsigned cpu, smp_call_fn fn, void *arg, struct call_entry *on_stack,
			bool wait)
{
	struct call_entry *e = wait ? on_stack : &async_slot[smp_processor_id()][cpu];

	if (!wait)
		wait_done(e); /* the previous async call through this slot has run */
	e->fn = fn;
	e->arg = arg;
	queue_call(cpu, e);
}

/* Waiting with interrupts masked deadlocks if the target is waiting on us likewise. */
static void check_context(bool wait)
{
	WARN_ON(wait && arch_irqs_disabled());
}

int smp_call_function_single(unsigned cpu, smp_call_fn fn, void *arg, bool wait)
{
	struct call_entry e;
	unsigned long flags;

	if (cpu >= ncpus || !cpus[cpu].online)
		return -EINVAL;
	check_context(wait);
	preempt_disable(); /* "this CPU" must stay this CPU while we decide */
	if (cpu == smp_processor_id()) {
		flags = arch_irq_save();
		fn(arg);
		arch_irq_restore(flags);
	} else {
		call_remote(cpu, fn, arg, &e, wait);
		if (wait)
			wait_done(&e);
	}
	preempt_enable();
	return 0;
}

void smp_call_function_mask(unsigned long mask, smp_call_fn fn, void *arg, bool wait)
{
	struct call_entry e[NR_CPUS];
	unsigned me;

	check_context(wait);
	preempt_disable();
	me = smp_processor_id();
	for (unsigned i = 0; i < ncpus; i++)
		if ((mask & (1UL << i)) && i != me && cpus[i].online)
			call_remote(i, fn, arg, &e[i], wait);
	if (wait)
		for (unsigned i = 0; i < ncpus; i++)
			if ((mask & (1UL << i)) && i != me && cpus[i].online)
				wait_done(&e[i]);
	preempt_enable();
}

void smp_call_function(smp_call_fn fn, void *arg, bool wait)
{
	smp_call_function_mask(~0UL, fn, arg, wait);
}

void on_each_cpu(smp_call_fn fn, void *arg, bool wait)
{
	unsigned long flags;

	preempt_disable();
	smp_call_function(fn, arg, wait);
	flags = arch_irq_save();
	fn(arg);
	arch_irq_restore(flags);
	preempt_enable();
}
