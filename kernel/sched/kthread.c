/*
 * Kernel threads: creation from a fixed pool of task structs and stacks, exit, join.
 * (A fixed pool until the memory core brings kmalloc; task memory is never unmapped, so a
 * stale task pointer is still a task: the mutex spinner relies on that.)
 */
#include <mica/errno.h>
#include <mica/panic.h>
#include <mica/printk.h>
#include <mica/sched.h>
#include <mica/string.h>

/* Backtraces and the ports' trap-frame linking bound a walk by BOOT_STACK_SIZE. */
BUILD_BUG_ON(TASK_STACK_SIZE > BOOT_STACK_SIZE);

static struct task task_pool[MAX_TASKS];
static char stack_pool[MAX_TASKS][TASK_STACK_SIZE] __aligned(16);
static DEFINE_SPINLOCK(pool_lock);
static unsigned nr_threads;

unsigned sched_nr_threads(void)
{
	return READ_ONCE(nr_threads);
}

static struct task *task_alloc(void)
{
	unsigned long flags = spin_lock_irqsave(&pool_lock);
	struct task *t = NULL;

	for (unsigned i = 0; i < MAX_TASKS; i++)
		if (!task_pool[i].in_use) {
			t = &task_pool[i];
			t->in_use = true;
			t->stack_base = (unsigned long)stack_pool[i];
			nr_threads++;
			break;
		}
	spin_unlock_irqrestore(&pool_lock, flags);
	return t;
}

static void task_free(struct task *t)
{
	unsigned long flags = spin_lock_irqsave(&pool_lock);

	t->in_use = false;
	nr_threads--;
	spin_unlock_irqrestore(&pool_lock, flags);
}

struct task *kthread_create(void (*fn)(void *), void *arg, const char *name)
{
	struct task *t = task_alloc();
	unsigned long base;

	if (!t) {
		pr_warn("kthread_create: %s: all %d task slots in use", name, MAX_TASKS);
		return NULL;
	}
	base = t->stack_base;
	memset(t, 0, sizeof(*t));
	t->in_use = true;
	t->stack_base = base;
	strscpy(t->name, name, sizeof(t->name));
	t->fn = fn;
	t->arg = arg;
	t->state = TASK_SLEEPING; /* not runnable until kthread_start */
	t->policy = SCHED_NORMAL;
	t->slice = SCHED_SLICE_TICKS;
	t->pinned_cpu = -1;
	t->migrate_to = -1;
	t->cpu = 0;
	t->preempt_count = PREEMPT_OFFSET; /* sched_task_entry drops it */
	list_init(&t->run_node);
	init_completion(&t->exited);
	arch_context_init(&t->ctx, base + TASK_STACK_SIZE, sched_task_entry, t);
	return t;
}

void kthread_bind(struct task *t, unsigned cpu)
{
	BUG_ON(cpu >= ncpus || t->on_rq);
	t->pinned_cpu = (int)cpu;
}

void sched_set_rt(struct task *t, int prio)
{
	BUG_ON(prio < 1 || prio > RT_PRIO_MAX || t->on_rq);
	t->policy = SCHED_RT;
	t->rt_prio = prio;
}

void kthread_start(struct task *t)
{
	sched_wake_new(t);
}

struct task *kthread_run(void (*fn)(void *), void *arg, const char *name)
{
	struct task *t = kthread_create(fn, arg, name);

	if (t)
		kthread_start(t);
	return t;
}

void kthread_exit(int code)
{
	struct task *t = current;

	if (t->mutexes_held)
		pr_err("BUG: task %s exits holding %u mutex(es)", t->name, t->mutexes_held);
	if (t->lockdep_depth) {
		pr_err("BUG: task %s exits holding %u lock(s)", t->name, t->lockdep_depth);
		lockdep_print_held_locks(t);
	}
	if (t->preempt_count)
		panic("kthread_exit: %s exits with preempt_count 0x%x", t->name, t->preempt_count);
	t->exit_code = code;
	/* The joiner frees us only once we are off the CPU (kthread_join waits for on_cpu), so
	 * we must not be preempted after complete(): preempted, we would be off the CPU but
	 * still queued, and freed and reused while queued. Masked, the next switch is the last. */
	arch_irq_disable();
	complete(&t->exited);
	sched_exit_current();
}

int kthread_join(struct task *t)
{
	int code;

	wait_for_completion(&t->exited);
	/* It is dead, but may still be on its stack on another CPU: wait until it is off. */
	while (__atomic_load_n(&t->on_cpu, __ATOMIC_ACQUIRE))
		arch_cpu_relax();
	code = t->exit_code;
	task_free(t);
	return code;
}
