/*
 * The scheduler: per-CPU run queues, schedule(), wake-ups, the tick, the idle loop and
 * pulling work to idle CPUs. Classes and the sleep/wake protocol: <mica/sched.h>.
 *
 * Locking: each CPU's run queue has a raw spinlock, always taken with interrupts masked. A
 * task's cpu, on_rq and run_node change only under the lock of the queue of t->cpu (both
 * queues' locks to move it: the puller's own, then a trylock of the other, so no order
 * between CPUs can deadlock). schedule() holds its queue's lock across the
 * switch; the task switched to releases it in finish_task_switch(). So a task another CPU sees
 * queued has left every stack but its own.
 */
#include <mica/arch.h>
#include <mica/latency.h>
#include <mica/panic.h>
#include <mica/preempt.h>
#include <mica/printk.h>
#include <mica/rcu.h>
#include <mica/sched.h>
#include <mica/smp_call.h>
#include <mica/softirq.h>
#include <mica/time.h>
#include <mica/timer.h>
#include <mica/tlbflush.h>

struct rq {
	spinlock_t lock;
	u64 rt_bitmap;			      /* bit p: rt[p] is not empty */
	struct list_head rt[RT_PRIO_MAX + 1]; /* queued RT tasks by priority, FIFO each */
	struct list_head normal;	      /* queued SCHED_NORMAL tasks, FIFO */
	unsigned nr_queued;		      /* tasks in the lists */
	unsigned nr_pullable;		      /* of those: SCHED_NORMAL and unpinned */
	unsigned long nr_switches;
};

static struct rq runqueues[NR_CPUS];
static struct task idle_tasks[NR_CPUS];

/* Every CPU starts on its idle task: the boot CPU's is what runs start_kernel. */
#define CPU_INIT(n) [n] = { .curr = &idle_tasks[n], .idle = &idle_tasks[n] }
struct cpu cpus[NR_CPUS] = { CPU_INIT(0), CPU_INIT(1), CPU_INIT(2), CPU_INIT(3),
			     CPU_INIT(4), CPU_INIT(5), CPU_INIT(6), CPU_INIT(7) };
BUILD_BUG_ON(NR_CPUS != 8);

static struct rq *cpu_rq(int cpu)
{
	return &runqueues[cpu];
}

static bool is_idle(const struct task *t)
{
	return t >= idle_tasks && t < idle_tasks + NR_CPUS;
}

/* ---- queue operations (rq lock held) ---- */

/* May an idle CPU take t from this queue? */
static bool pullable(const struct task *t)
{
	return t->policy == SCHED_NORMAL && t->pinned_cpu < 0;
}

static void enqueue(struct rq *rq, struct task *t)
{
	if (t->policy == SCHED_RT) {
		list_add_tail(&t->run_node, &rq->rt[t->rt_prio]);
		rq->rt_bitmap |= 1ULL << t->rt_prio;
	} else {
		list_add_tail(&t->run_node, &rq->normal);
	}
	rq->nr_queued++;
	rq->nr_pullable += pullable(t);
}

static void dequeue(struct rq *rq, struct task *t)
{
	list_del_init(&t->run_node);
	if (t->policy == SCHED_RT && list_empty(&rq->rt[t->rt_prio]))
		rq->rt_bitmap &= ~(1ULL << t->rt_prio);
	rq->nr_queued--;
	rq->nr_pullable -= pullable(t);
}

/* The task that should run next: highest RT priority, else the oldest normal task. */
static struct task *peek_next(struct rq *rq)
{
	if (rq->rt_bitmap) {
		int prio = 63 - __builtin_clzll(rq->rt_bitmap);

		return list_first_entry(&rq->rt[prio], struct task, run_node);
	}
	if (!list_empty(&rq->normal))
		return list_first_entry(&rq->normal, struct task, run_node);
	return NULL;
}

/* Would `t` preempt `curr`? */
static bool preempts(const struct task *t, const struct task *curr)
{
	if (is_idle(curr))
		return true;
	if (t->policy != SCHED_RT)
		return false;
	return curr->policy != SCHED_RT || t->rt_prio > curr->rt_prio;
}

/* Locks the run queue t is on, following t if it moves meanwhile. Interrupts masked. */
static struct rq *lock_task_rq(struct task *t)
{
	for (;;) {
		int cpu = READ_ONCE(t->cpu);
		struct rq *rq = cpu_rq(cpu);

		raw_spin_lock(&rq->lock);
		if (READ_ONCE(t->cpu) == cpu)
			return rq;
		raw_spin_unlock(&rq->lock);
	}
}

void resched_cpu(struct cpu *c)
{
	WRITE_ONCE(c->need_resched, true);
	if (c != this_cpu())
		smp_send_ipi(c, IPI_RESCHEDULE);
}

/* Wakes one idle CPU other than `except` so it pulls work; true if there was one. */
static bool kick_idle_cpu(int except)
{
	for (unsigned i = 0; i < ncpus; i++) {
		struct cpu *c = &cpus[i];

		if ((int)i != except && c->online && READ_ONCE(c->curr) == c->idle &&
		    !READ_ONCE(c->need_resched)) {
			resched_cpu(c);
			return true;
		}
	}
	return false;
}

/* Puts a runnable t on its CPU's queue (lock held) and preempts or kicks as needed. */
static void activate(struct rq *rq, struct task *t)
{
	struct cpu *c = &cpus[t->cpu];

	enqueue(rq, t);
	t->on_rq = true;
	if (preempts(t, READ_ONCE(c->curr)))
		resched_cpu(c);
	else if (t->pinned_cpu < 0)
		kick_idle_cpu(t->cpu);
}

/* ---- switching ---- */

/* Completes a switch on the CPU it happened on, in the task switched to. Interrupts masked. */
static void finish_task_switch(void)
{
	struct cpu *c = this_cpu();
	struct task *prev = c->switch_prev;
	struct rq *rq = cpu_rq(c->id);
	/* Read prev before letting go of it: once on_cpu is false, a dead prev may be joined,
	 * freed and reused by kthread_create (whose memset makes migrate_to 0). */
	int to = prev->state == TASK_DEAD ? -1 : prev->migrate_to;

	__atomic_store_n(&prev->on_cpu, false, __ATOMIC_RELEASE);
	raw_spin_unlock(&rq->lock);
	if (to >= 0) {
		/* prev left its stack just now: safe to queue it elsewhere. */
		struct rq *dst = cpu_rq(to);

		raw_spin_lock(&dst->lock);
		prev->migrate_to = -1;
		WRITE_ONCE(prev->cpu, to);
		activate(dst, prev);
		raw_spin_unlock(&dst->lock);
	}
	if (c->curr->woken_ns) {
		latency_wakeup(c->curr->name, c->curr->woken_ns);
		c->curr->woken_ns = 0;
	}
}

/*
 * Picks the next task and switches to it. `preempt`: the task is being preempted, so it stays
 * runnable whatever its state says (it may be between set_current_state and schedule).
 * Interrupts masked on entry and exit.
 */
static void __schedule(bool preempt)
{
	struct cpu *c = this_cpu();
	struct rq *rq = cpu_rq(c->id);
	struct task *prev = c->curr, *next;

	prev->preempt_count += PREEMPT_OFFSET; /* no preemption inside, untraced */
	raw_spin_lock(&rq->lock);
	c->need_resched = false;
	rcu_note_context_switch();

	if (!is_idle(prev)) {
		if (prev->migrate_to >= 0) {
			/* leaves this CPU: finish_task_switch queues it on the new one */
		} else if (preempt || prev->state == TASK_RUNNING) {
			if (prev->policy == SCHED_NORMAL && prev->slice <= 0)
				prev->slice = SCHED_SLICE_TICKS;
			enqueue(rq, prev);
		} else {
			prev->on_rq = false; /* asleep (or dead): wake-ups re-queue it */
		}
	}
	next = peek_next(rq);
	if (next)
		dequeue(rq, next);
	else
		next = c->idle;

	if (next == prev) {
		raw_spin_unlock(&rq->lock);
		prev->preempt_count -= PREEMPT_OFFSET;
		return;
	}
	next->on_cpu = true;
	next->nr_switches++;
	rq->nr_switches++;
	c->curr = next;
	c->switch_prev = prev;
	switch_mm_irqs_off(next->mm);
	if (next->proc)
		arch_set_kernel_stack(next->stack_base + TASK_STACK_SIZE);
	arch_switch_to(&prev->ctx, &next->ctx);
	/* Back in prev, perhaps on another CPU, switched to by some __schedule(). */
	finish_task_switch();
	prev->preempt_count -= PREEMPT_OFFSET;
}

/* Where every new task begins (arch_context_init's entry): finish the switch that brought
 * us here, then run the thread function with preemption and interrupts on. */
void sched_task_entry(void *arg)
{
	struct task *t = arg;

	finish_task_switch();
	t->preempt_count = 0;
	arch_irq_enable();
	t->fn(t->arg);
	kthread_exit(0);
}

void schedule(void)
{
	unsigned long flags;

	if (unlikely(preempt_count() || arch_irqs_disabled())) {
		__might_sleep(__FILE__, __LINE__);
		if (preempt_count() & ~PREEMPT_MASK)
			panic("schedule: called in interrupt context (preempt_count 0x%x)",
			      preempt_count());
	}
	flags = arch_irq_save();
	__schedule(false);
	arch_irq_restore(flags);
}

void sched_exit_current(void)
{
	struct task *t = current;

	arch_irq_disable();
	t->state = TASK_DEAD;
	__schedule(false);
	panic("sched_exit_current: dead task %s ran again", t->name);
}

void preempt_schedule(void)
{
	unsigned long flags = arch_irq_save();

	while (need_resched())
		__schedule(true);
	arch_irq_restore(flags);
}

void preempt_schedule_irq(void)
{
	while (need_resched())
		__schedule(true);
}

void sched_yield(void)
{
	set_need_resched();
	preempt_schedule();
}

/* ---- wake-ups ---- */

bool wake_up_process(struct task *t)
{
	unsigned long flags = arch_irq_save();
	struct rq *rq = lock_task_rq(t);
	bool woke = false;

	if (t->state == TASK_SLEEPING) {
		t->state = TASK_RUNNING;
		if (!t->on_rq) {
			if (t->policy == SCHED_RT)
				t->woken_ns = arch_clock_ns();
			activate(rq, t);
		}
		woke = true;
	}
	raw_spin_unlock(&rq->lock);
	arch_irq_restore(flags);
	return woke;
}

/* First wake-up of a new task (kthread_start): on its pinned CPU, or the least loaded one. */
void sched_wake_new(struct task *t)
{
	unsigned long flags = arch_irq_save();
	int cpu = t->pinned_cpu;
	struct rq *rq;

	if (cpu < 0) {
		unsigned best = ~0U;

		for (unsigned i = 0; i < ncpus; i++) {
			unsigned load = cpu_rq(i)->nr_queued + !is_idle(READ_ONCE(cpus[i].curr));

			if (cpus[i].online && load < best) {
				best = load;
				cpu = i;
			}
		}
	}
	t->cpu = cpu;
	rq = cpu_rq(cpu);
	raw_spin_lock(&rq->lock);
	t->state = TASK_RUNNING;
	activate(rq, t);
	raw_spin_unlock(&rq->lock);
	arch_irq_restore(flags);
}

void sched_pin_current(int cpu)
{
	struct task *t = current;
	unsigned long flags;

	BUG_ON(cpu >= (int)ncpus || (cpu >= 0 && !cpus[cpu].online));
	flags = arch_irq_save();
	t->pinned_cpu = cpu;
	if (cpu >= 0 && cpu != t->cpu) {
		t->migrate_to = cpu;
		__schedule(true);
	}
	arch_irq_restore(flags);
}

/* ---- idle CPUs pull work ---- */

/*
 * Moves one queued, unpinned task from the CPU with the most of them to this one. Interrupts
 * masked. The other queue is only try-locked: idle CPUs retry at every tick, and queueing
 * behind a busy CPU's lock (with 8 emulated CPUs on 2 host cores, a convoy) would starve it.
 */
static bool pull_task(void)
{
	int me = smp_processor_id(), from = -1;
	unsigned most = 0;
	struct rq *src, *dst = cpu_rq(me);
	struct task *t, *found = NULL;

	for (unsigned i = 0; i < ncpus; i++) {
		unsigned n = READ_ONCE(cpu_rq(i)->nr_pullable);

		if ((int)i != me && n > most) {
			most = n;
			from = i;
		}
	}
	if (from < 0)
		return false;
	src = cpu_rq(from);
	raw_spin_lock(&dst->lock);
	if (!raw_spin_trylock(&src->lock)) {
		raw_spin_unlock(&dst->lock);
		return false;
	}
	list_for_each_entry(t, &src->normal, run_node) if (pullable(t) && !t->on_cpu)
	{
		found = t;
		break;
	}
	if (found) {
		dequeue(src, found);
		WRITE_ONCE(found->cpu, me);
		enqueue(dst, found);
	}
	raw_spin_unlock(&src->lock);
	raw_spin_unlock(&dst->lock);
	return found != NULL;
}

void sched_idle_loop(void)
{
	for (;;) {
		arch_irq_disable();
		if (!need_resched() && pull_task())
			set_need_resched();
		if (need_resched()) {
			__schedule(false);
			arch_irq_enable();
			continue;
		}
		rcu_idle_enter();
		arch_wait_for_interrupt(); /* returns with interrupts enabled */
	}
}

/* ---- the tick ---- */

void sched_tick(void)
{
	struct task *t = this_cpu()->curr;

	if (!is_idle(t) && t->policy == SCHED_NORMAL && --t->slice <= 0) {
		struct rq *rq = cpu_rq(smp_processor_id());

		raw_spin_lock(&rq->lock);
		if (peek_next(rq))
			set_need_resched(); /* slice used up and someone waits: round robin */
		else
			t->slice = SCHED_SLICE_TICKS;
		raw_spin_unlock(&rq->lock);
	}
	rcu_tick((t->preempt_count & ~HARDIRQ_MASK) == 0);
	raise_softirq(TIMER_SOFTIRQ);
}

/* ---- set-up and counters ---- */

static void rq_init(struct rq *rq)
{
	spin_lock_init(&rq->lock);
	for (int p = 0; p <= RT_PRIO_MAX; p++)
		list_init(&rq->rt[p]);
	list_init(&rq->normal);
}

/* The idle task of CPU c is what runs on it now (start_kernel or secondary_start_kernel). */
static void idle_init(struct cpu *c)
{
	struct task *t = c->idle;

	snprintf(t->name, sizeof(t->name), "idle/%u", c->id);
	t->cpu = c->id;
	t->pinned_cpu = c->id;
	t->migrate_to = -1;
	t->on_cpu = t->on_rq = true;
	t->state = TASK_RUNNING;
	list_init(&t->run_node);
}

void sched_init(void)
{
	for (unsigned i = 0; i < NR_CPUS; i++)
		rq_init(cpu_rq(i));
	timers_init();
	smp_call_init();
	idle_init(&cpus[0]);
}

void sched_init_secondary(void)
{
	idle_init(this_cpu());
}

unsigned long sched_nr_switches(unsigned cpu)
{
	return READ_ONCE(cpu_rq(cpu)->nr_switches);
}
