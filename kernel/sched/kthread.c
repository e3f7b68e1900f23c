/*
 * Kernel threads: creation, exit, join. Task structs come from a SLAB_TYPESAFE_BY_RCU cache:
 * a task pointer found under rcu_read_lock() (or with preemption disabled) still points at a
 * task struct, perhaps freed and reused, never at other memory. The mutex spinner, which
 * watches its owner's on_cpu, relies on that. Stacks are TASK_STACK_SIZE blocks of frames.
 */
#include <mica/errno.h>
#include <mica/mm.h>
#include <mica/panic.h>
#include <mica/printk.h>
#include <mica/sched.h>
#include <mica/slab.h>
#include <mica/string.h>

/* Backtraces and the ports' trap-frame linking bound a walk by BOOT_STACK_SIZE. */
BUILD_BUG_ON(TASK_STACK_SIZE > BOOT_STACK_SIZE);
#define TASK_STACK_ORDER 2
BUILD_BUG_ON((PAGE_SIZE << TASK_STACK_ORDER) != TASK_STACK_SIZE);

static struct kmem_cache *task_cache;
static unsigned nr_threads; /* alive (created, not yet joined); atomic */

void kthread_init(void)
{
	task_cache = kmem_cache_create("task", sizeof(struct task), 16, SLAB_TYPESAFE_BY_RCU);
	if (!task_cache)
		panic("kthread_init: no memory for the task cache");
}

unsigned sched_nr_threads(void)
{
	return __atomic_load_n(&nr_threads, __ATOMIC_RELAXED);
}

/* A task struct and its stack, or NULL (MAX_TASKS alive, or no memory). */
static struct task *task_alloc(const char *name)
{
	struct task *t;
	struct page *stack;

	if (__atomic_add_fetch(&nr_threads, 1, __ATOMIC_RELAXED) > MAX_TASKS) {
		pr_warn("kthread_create: %s: %d threads alive already", name, MAX_TASKS);
		goto undo_count;
	}
	t = kmem_cache_alloc(task_cache, GFP_KERNEL);
	if (!t)
		goto undo_count;
	stack = alloc_pages(GFP_KERNEL, TASK_STACK_ORDER);
	if (!stack)
		goto undo_task;
	/* Zeroed while possibly watched (type-safe reuse): readers see 0s, never garbage. */
	memset(t, 0, sizeof(*t));
	t->stack_base = (unsigned long)page_address(stack);
	return t;

undo_task:
	kmem_cache_free(task_cache, t);
undo_count:
	__atomic_sub_fetch(&nr_threads, 1, __ATOMIC_RELAXED);
	return NULL;
}

static void task_free(struct task *t)
{
	free_pages(virt_to_page((void *)t->stack_base), TASK_STACK_ORDER);
	kmem_cache_free(task_cache, t);
	__atomic_sub_fetch(&nr_threads, 1, __ATOMIC_RELAXED);
}

struct task *kthread_create(void (*fn)(void *), void *arg, const char *name)
{
	struct task *t = task_alloc(name);

	if (!t)
		return NULL;
	t->in_use = true;
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
	arch_context_init(&t->ctx, t->stack_base + TASK_STACK_SIZE, sched_task_entry, t);
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
