/*
 * Tasks and the scheduler (kernel/sched/core.c, kthread.c).
 *
 * Every CPU runs one task at a time: its idle task when nothing else is runnable. Tasks are
 * kernel threads for now. Two scheduling classes, each CPU with its own run queue:
 *   SCHED_RT      fixed priority 1..63; the highest runnable RT task always runs; equal
 *                 priorities run first-come first-served;
 *   SCHED_NORMAL  round robin with a time slice of SCHED_SLICE_TICKS, below every RT task.
 * A woken task goes to the run queue of the CPU it last ran on (or its pinned CPU); an idle
 * CPU pulls a queued, unpinned task from a busy one.
 *
 * Sleeping follows one pattern, so no wake-up is lost:
 *	set_current_state(TASK_SLEEPING);
 *	if (!condition)
 *		schedule();
 *	__set_current_state(TASK_RUNNING);
 * and the waker sets the condition before calling wake_up_process().
 */
#ifndef MICA_SCHED_H
#define MICA_SCHED_H

#include <mica/arch.h>
#include <mica/cpu.h>
#include <mica/list.h>
#include <mica/lockdep.h>
#include <mica/types.h>
#include <mica/wait.h>

#define TASK_NAME_MAX 16
#define TASK_STACK_SIZE (16 * 1024)
#define MAX_TASKS 256 /* kernel threads alive at once, idle tasks not counted (a sanity cap) */
#define SCHED_SLICE_TICKS 5
#define RT_PRIO_MAX 63

enum task_state { TASK_RUNNING, TASK_SLEEPING, TASK_DEAD };
enum sched_policy { SCHED_NORMAL, SCHED_RT };

struct process;

struct task {
	struct arch_context ctx; /* saved registers while not running */
	unsigned preempt_count;	 /* see <mica/preempt.h> */
	volatile int state;	 /* enum task_state */
	char name[TASK_NAME_MAX];
	int policy, rt_prio;

	/* guarded by the run queue lock of CPU `cpu` */
	int cpu;	/* where it runs, or is queued, or last ran */
	int pinned_cpu; /* -1: any CPU */
	int migrate_to; /* -1, or the CPU it moves to once switched out */
	bool on_rq;	/* running or queued: a wake-up has nothing to do */
	bool on_cpu;	/* executing, or not yet fully switched out */
	struct list_head run_node;
	int slice;    /* ticks left of a SCHED_NORMAL time slice */
	u64 woken_ns; /* RT wake-up time, for the latency tracer; 0 when not pending */

	/* life cycle (kthread.c) */
	void (*fn)(void *);
	void *arg;
	unsigned long stack_base;
	int exit_code;
	struct completion exited;
	bool in_use;
	unsigned long nr_switches; /* times switched in */

	/* memory */
	struct mm_struct *mm; /* the user address space it runs on; NULL: kernel only */

	/* user threads (<mica/proc.h>); guarded by proc_lock unless said otherwise */
	struct process *proc;	    /* NULL for kernel threads; set before it first runs */
	struct list_head proc_node; /* on proc->threads */
	int tid;
	bool killed;	   /* must exit at its next return to user mode (atomic writes) */
	bool user_exited;  /* left thread_exit(): its task struct awaits kthread_join */
	bool join_claimed; /* a thread_join() waits for it */
	unsigned lazy_mmu; /* lazy-MMU sections entered (<mica/tlbflush.h>, TLB-5) */
	bool reclaiming;   /* inside reclaim_pages() (<mica/vmscan.h>): never again from there */

	/* lock debugging */
	unsigned mutexes_held;
	unsigned lockdep_depth;
	struct held_lock held_locks[LOCKDEP_MAX_HELD];
};

/* The running task. Read with interrupts masked: otherwise the task could move to another CPU
 * between reading this_cpu() and reading its curr, and get a stranger's pointer. */
static inline struct task *get_current(void)
{
	unsigned long flags = arch_irq_save();
	struct task *t = this_cpu()->curr;

	arch_irq_restore(flags);
	return t;
}
#define current get_current()

static inline void set_current_state(int state)
{
	WRITE_ONCE(current->state, state);
	__atomic_thread_fence(
	    __ATOMIC_SEQ_CST); /* the state is visible before the condition is read */
}
static inline void __set_current_state(int state)
{
	WRITE_ONCE(current->state, state);
}

/* Gives up the CPU; returns when this task is picked again. Must not be called in atomic
 * context (reports it). */
void schedule(void);
/* Lets other runnable tasks of the same class run first. */
void sched_yield(void);
/* Makes t runnable if it sleeps. Returns true if it did. Callable from any context. */
bool wake_up_process(struct task *t);

/* Kernel threads. create: allocated, not started (-> NULL if MAX_TASKS are alive, or no
 * memory). May sleep. */
struct task *kthread_create(void (*fn)(void *), void *arg, const char *name);
/* Before kthread_start only: pin to a CPU, or make it real-time. */
void kthread_bind(struct task *t, unsigned cpu);
void sched_set_rt(struct task *t, int prio);
void kthread_start(struct task *t);
struct task *kthread_run(void (*fn)(void *), void *arg, const char *name);
/* Waits for t to exit, frees it, returns its exit code. Every thread must be joined once. */
int kthread_join(struct task *t);
/* Ends the calling thread (returning from fn does the same with code 0). */
void kthread_exit(int code) __noreturn;

/* Pins the current task to `cpu` (or unpins it with -1), moving it there if need be. */
void sched_pin_current(int cpu);

/* Scheduler entry points for other kernel parts. */
void sched_init(void);			  /* boot CPU, before anything is scheduled */
void kthread_init(void);		  /* boot CPU, once the allocators work */
void sched_task_entry(void *task);	  /* first code of every new task */
void sched_wake_new(struct task *t);	  /* first wake-up (kthread_start) */
void sched_exit_current(void) __noreturn; /* the end of kthread_exit */
void sched_init_secondary(void);	  /* every secondary, on its idle task */
void sched_tick(void);			  /* from tick_handle(), in interrupt context */
void preempt_schedule_irq(void);	  /* from irq_exit(), interrupts masked */
void preempt_schedule(void);		  /* from preempt_enable() at count 0 */
void sched_idle_loop(void) __noreturn;	  /* what an idle task does */
/* Asks CPU c to reschedule (IPI if remote). */
void resched_cpu(struct cpu *c);
/* Counters, for tests and the stats call. */
unsigned long sched_nr_switches(unsigned cpu);
unsigned sched_nr_threads(void);

#endif
