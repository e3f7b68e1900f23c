/*
 * Processes and user threads (kernel/proc/, book chapter docs/processes.md).
 *
 * A process is an address space (mm) plus the threads that run in it. Every thread is a
 * kernel task (struct task) with ->proc set: it runs user code, enters the kernel by trap
 * (system call, fault, interrupt) onto its own kernel stack, and leaves through
 * exit_to_user(). The trap frame of a thread's user context always sits at the top of its
 * kernel stack: task_user_frame().
 *
 * Life cycle: fork() copies the caller's process (mm copy-on-write, one thread); execve()
 * replaces the mm of a single-threaded process; exit() ends every thread; the last thread
 * out drops the mm, hands its children to init and becomes a zombie; the parent's wait4()
 * reaps it (joins its task structs, frees the pid). A process whose parent is gone is
 * reaped by init, and one without a parent at all (init itself) by the kernel.
 *
 * Locking: proc_lock (a mutex) guards the process tree: pids, parent/children, thread lists,
 * nr_live, zombie state. A process's mm and brk are guarded by its mm's mmap_lock.
 */
#ifndef MICA_PROC_H
#define MICA_PROC_H

#include <asm/arch.h>
#include <mica/list.h>
#include <mica/sched.h>
#include <mica/types.h>
#include <mica/wait.h>

#define MAX_PIDS 512
#define PROC_NAME_MAX 16
#define USER_STACK_SIZE (256UL << 10)

struct mm_struct;

struct process {
	/* guarded by proc_lock */
	int pid;
	struct process *parent;		    /* NULL: the kernel reaps it */
	struct list_head children;	    /* struct process.sibling */
	struct list_head sibling;	    /* on parent->children */
	struct list_head threads;	    /* struct task.proc_node, live and exited */
	int nr_live;			    /* threads that have not exited */
	int next_tid;			    /* thread ids: pid, then pid * 1000 + n */
	bool exiting;			    /* exit() or a kill: every thread is on its way out */
	bool zombie;			    /* every thread exited; waiting to be reaped */
	int status;			    /* wait4 status word (MICA_W_*) once exiting */
	struct wait_queue_head child_wait;  /* this process waits here for its children */
	struct wait_queue_head thread_wait; /* thread_join waits here for a thread's exit */
	char name[PROC_NAME_MAX];
	/* guarded by mm->mmap_lock */
	struct mm_struct *mm;
	unsigned long brk_start, brk;
};

/* The thread's user context, saved at the top of its kernel stack on every trap from user
 * mode (the ports build it there). */
static inline struct trap_frame *task_user_frame(struct task *t)
{
	return (struct trap_frame *)(t->stack_base + TASK_STACK_SIZE) - 1;
}

/* Sets up the caches and starts the kernel's reaper. Boot CPU, once. */
void proc_init(void);
/*
 * Starts the first user process (pid 1) running path with argv (NULL-terminated), and
 * returns its wait4 status word once it and every other process have exited; prints the
 * free pages before and after. Sleeps. -errno if it could not even start.
 */
int run_init_process(const char *path, char *const argv[]);

/* From the ports' trap handlers ------------------------------------------------------- */

/* A system call: the number and arguments are read from tf, the result written into it. */
void do_syscall(struct trap_frame *tf);
/* Last thing before any trap returns to user mode, interrupts masked: runs pending
 * reschedules and makes a killed thread exit. Returns with interrupts masked. */
void exit_to_user(struct trap_frame *tf);
/* Kills the current process for an exception in user mode: prints pid, name, what and
 * where, then the thread exits at exit_to_user(). sig: the signal number it dies of. */
void user_exception_kill(struct trap_frame *tf, int sig, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define SIGILL 4
#define SIGTRAP 5
#define SIGBUS 7
#define SIGFPE 8
#define SIGSEGV 11

/* Counters for the stats call. */
unsigned proc_count(void);

#endif
