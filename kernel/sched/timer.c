/* One-shot timers, per CPU, at tick resolution (contract in <mica/timer.h>). */
#include <mica/cpu.h>
#include <mica/panic.h>
#include <mica/sched.h>
#include <mica/spinlock.h>
#include <mica/time.h>
#include <mica/timer.h>
#include <mica/wait.h>

struct timer_base {
	spinlock_t lock;
	struct list_head timers; /* armed timers, earliest first */
	struct timer *running;	 /* the timer whose function runs now, if any */
};

static struct timer_base bases[NR_CPUS];

static struct timer_base *base_of(int cpu)
{
	return &bases[cpu];
}

void timers_init(void)
{
	for (unsigned i = 0; i < NR_CPUS; i++) {
		spin_lock_init(&bases[i].lock);
		list_init(&bases[i].timers);
	}
}

unsigned long msecs_to_ticks(unsigned long ms)
{
	return (ms * HZ + 999) / 1000;
}

void timer_init(struct timer *t, void (*fn)(struct timer *t))
{
	list_init(&t->node);
	t->fn = fn;
	t->cpu = -1;
}

/* Takes t off whatever list it is on; returns true if it was armed. Interrupts masked. */
static bool timer_detach(struct timer *t)
{
	struct timer_base *b;
	bool armed;

	if (t->cpu < 0)
		return false;
	b = base_of(t->cpu);
	raw_spin_lock(&b->lock);
	armed = !list_empty(&t->node);
	if (armed)
		list_del_init(&t->node);
	raw_spin_unlock(&b->lock);
	return armed;
}

void timer_arm(struct timer *t, unsigned long ticks)
{
	unsigned long flags = arch_irq_save();
	struct timer_base *b = base_of(smp_processor_id());
	struct timer *pos;

	timer_detach(t);
	raw_spin_lock(&b->lock);
	t->cpu = smp_processor_id();
	/* +1: the current tick period is partly over, and a timer must never fire early. */
	t->expires = this_cpu()->ticks + ticks + 1;
	list_for_each_entry(pos, &b->timers, node) if ((long)(pos->expires - t->expires) > 0) break;
	list_add_tail(&t->node, &pos->node); /* before the first later timer */
	raw_spin_unlock(&b->lock);
	arch_irq_restore(flags);
}

bool timer_cancel_sync(struct timer *t)
{
	unsigned long flags = arch_irq_save();
	bool armed = timer_detach(t);
	int cpu = t->cpu;

	arch_irq_restore(flags);
	if (cpu >= 0)
		while (READ_ONCE(bases[cpu].running) == t)
			arch_cpu_relax();
	return armed;
}

void timer_run_expired(void)
{
	struct timer_base *b = base_of(smp_processor_id());
	unsigned long now = this_cpu()->ticks;

	raw_spin_lock(&b->lock);
	while (!list_empty(&b->timers)) {
		struct timer *t = list_first_entry(&b->timers, struct timer, node);

		if ((long)(t->expires - now) > 0)
			break;
		list_del_init(&t->node);
		WRITE_ONCE(b->running, t);
		raw_spin_unlock(&b->lock);
		t->fn(t);
		raw_spin_lock(&b->lock);
		WRITE_ONCE(b->running, NULL);
	}
	raw_spin_unlock(&b->lock);
}

void msleep(unsigned long ms)
{
	/* A completion nobody completes: the timed wait is the whole sleep. */
	struct completion never;

	init_completion(&never);
	wait_for_completion_timeout(&never, ms);
}
