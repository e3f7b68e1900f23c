/*
 * Process life cycle: creation, fork, threads, exit, kill, wait, and the kernel's reaping of
 * init. The model and the locking are in <mica/proc.h>; the book chapter is
 * docs/processes.md. Good breakpoints: sys_fork, thread_exit, process_become_zombie, reap.
 */
#include <mica/arch.h>
#include <mica/errno.h>
#include <mica/mm_types.h>
#include <mica/mutex.h>
#include <mica/panic.h>
#include <mica/printk.h>
#include <mica/proc.h>
#include <mica/slab.h>
#include <mica/string.h>
#include <mica/swap.h>
#include <mica/tlbflush.h>
#include <mica/vmscan.h>
#include <uapi/mica/abi.h>

#include "proc_internal.h"

DEFINE_MUTEX(proc_lock);
static struct kmem_cache *proc_cache;
static struct process *pid_table[MAX_PIDS]; /* guarded by proc_lock */
static unsigned nr_processes;		    /* guarded by proc_lock */
static int last_pid;			    /* guarded by proc_lock */
/* The kernel waits here for processes without a parent (init, and orphans once init is
 * gone); kernel_zombies counts those that are zombies. */
static DEFINE_WAIT_QUEUE(kernel_child_wait);
static unsigned kernel_zombies; /* guarded by proc_lock, read without it to wait */

void proc_init(void)
{
	proc_cache = kmem_cache_create("process", sizeof(struct process), 0, 0);
	if (!proc_cache)
		panic("proc_init: no memory for the process cache");
}

unsigned proc_count(void)
{
	return READ_ONCE(nr_processes);
}

struct process *proc_find(int pid)
{
	return pid > 0 && pid < MAX_PIDS ? pid_table[pid] : NULL;
}

struct process *current_proc(void)
{
	return current->proc;
}

bool current_killed(void)
{
	return READ_ONCE(current->killed);
}

/* ---- creation ---- */

/* A new process with a pid and no threads, linked under parent; or NULL (-ENOMEM, or
 * -EAGAIN when every pid is taken, in *err). proc_lock held. */
static struct process *proc_alloc(struct process *parent, const char *name, int *err)
{
	struct process *p;
	int pid = 0;

	for (int i = 1; i <= MAX_PIDS - 1 && !pid; i++) {
		int cand = (last_pid + i) % MAX_PIDS;

		if (cand && !pid_table[cand])
			pid = cand;
	}
	if (!pid) {
		*err = -EAGAIN;
		return NULL;
	}
	p = kmem_cache_alloc(proc_cache, GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN);
	if (!p) {
		*err = -ENOMEM;
		return NULL;
	}
	p->pid = pid;
	p->next_tid = 1;
	p->parent = parent;
	list_init(&p->children);
	list_init(&p->threads);
	wait_queue_init(&p->child_wait);
	wait_queue_init(&p->thread_wait);
	strscpy(p->name, name, sizeof(p->name));
	if (parent)
		list_add_tail(&p->sibling, &parent->children);
	else
		list_init(&p->sibling);
	pid_table[pid] = p;
	last_pid = pid;
	nr_processes++;
	return p;
}

/* Undoes proc_alloc() for a process that never ran a thread. proc_lock held. */
static void proc_free(struct process *p)
{
	BUG_ON(!list_empty(&p->threads) || !list_empty(&p->children));
	list_del_init(&p->sibling);
	pid_table[p->pid] = NULL;
	nr_processes--;
	kmem_cache_free(proc_cache, p);
}

static void user_thread_entry(void *arg)
{
	(void)arg;
	arch_irq_disable();
	exit_to_user(task_user_frame(current));
	arch_return_to_user(task_user_frame(current));
}

/*
 * A new thread of p whose user context is a copy of *frame (returning 0 from its system
 * call), optionally on a new user stack. Not started. proc_lock held; p->mm set.
 * NULL: too many tasks, or no memory.
 */
static struct task *user_thread_create(struct process *p, const struct trap_frame *frame,
				       unsigned long new_sp)
{
	struct task *t = kthread_create(user_thread_entry, NULL, p->name);
	struct trap_frame *tf;

	if (!t)
		return NULL;
	/* The kernel side runs below the user frame, which lives at the top of the stack. */
	arch_context_init(&t->ctx, (unsigned long)task_user_frame(t) & ~15UL, sched_task_entry, t);
	t->proc = p;
	t->tid = p->next_tid++ == 1 ? p->pid : p->pid * 1000 + p->next_tid - 1;
	mm_get(p->mm);
	t->mm = p->mm;
	tf = task_user_frame(t);
	if (frame) {
		*tf = *frame;
		arch_syscall_set_return(tf, 0);
		if (new_sp)
			arch_user_frame_set_sp(tf, new_sp);
	}
	list_add_tail(&t->proc_node, &p->threads);
	p->nr_live++;
	return t;
}

long sys_fork(const unsigned long *a)
{
	struct process *parent = current_proc(), *child;
	struct mm_struct *mm;
	struct task *t;
	int err = -ENOMEM;

	(void)a;
	mm = mm_create();
	if (!mm)
		return -ENOMEM;
	mutex_lock(&proc_lock);
	child = proc_alloc(parent, parent->name, &err);
	mutex_unlock(&proc_lock);
	if (!child)
		goto put_mm;
	err = dup_mmap(mm, parent->mm);
	if (err)
		goto free_proc;
	child->mm = mm;
	down_read(&parent->mm->mmap_lock);
	child->brk_start = parent->brk_start;
	child->brk = parent->brk;
	up_read(&parent->mm->mmap_lock);
	mutex_lock(&proc_lock);
	t = user_thread_create(child, task_user_frame(current), 0);
	mutex_unlock(&proc_lock);
	if (!t) {
		err = -EAGAIN; /* the task limit, or no memory for a stack */
		child->mm = NULL;
		goto free_proc;
	}
	kthread_start(t);
	return child->pid;

free_proc:
	mutex_lock(&proc_lock);
	proc_free(child);
	mutex_unlock(&proc_lock);
put_mm:
	mm_put(mm);
	return err;
}

long sys_clone(const unsigned long *a)
{
	struct process *p = current_proc();
	unsigned long stack_top = a[0];
	struct task *t;
	int tid;

	if (!stack_top || (stack_top & 15) || !access_ok_range(stack_top - 16, 16))
		return -EINVAL;
	mutex_lock(&proc_lock);
	t = p->exiting ? NULL : user_thread_create(p, task_user_frame(current), stack_top);
	tid = t ? t->tid : 0;
	mutex_unlock(&proc_lock);
	if (!t)
		return -EAGAIN;
	kthread_start(t);
	return tid;
}

/* ---- ending ---- */

/* Marks every live thread of p killed and wakes it, so it exits at its next return to user
 * mode (or when its interruptible sleep notices). proc_lock held. */
static void kill_threads(struct process *p, int status)
{
	struct task *t;

	if (!p->exiting) {
		p->exiting = true;
		p->status = status;
	}
	list_for_each_entry(t, &p->threads, proc_node)
	{
		if (t->user_exited)
			continue;
		__atomic_store_n(&t->killed, true, __ATOMIC_RELEASE);
		wake_up_process(t);
	}
}

/* Tells whoever reaps zombie p. proc_lock held. */
static void zombie_notify(struct process *p)
{
	if (p->parent) {
		wake_up(&p->parent->child_wait);
	} else {
		WRITE_ONCE(kernel_zombies, kernel_zombies + 1);
		wake_up(&kernel_child_wait);
	}
}

/* The last thread is gone: children go to init (or to the kernel), and the parent learns.
 * proc_lock held. */
static void process_become_zombie(struct process *p)
{
	struct process *init = pid_table[1], *c, *tmp;

	list_for_each_entry_safe(c, tmp, &p->children, sibling)
	{
		list_del_init(&c->sibling);
		c->parent = (init && init != p && !init->zombie) ? init : NULL;
		if (c->parent)
			list_add_tail(&c->sibling, &init->children);
		else
			list_init(&c->sibling);
		if (c->zombie)
			zombie_notify(c);
	}
	p->zombie = true;
	zombie_notify(p);
}

/*
 * Ends the calling user thread. Its own mm reference goes first; then, in one proc_lock
 * section, it counts itself out and marks itself exited, after which it needs no lock again
 * (so a reaper holding proc_lock may join it). The last one out then tears the address space
 * down (the full-mm gather, MG-6) and only after that makes the process a zombie, so a reaped
 * process has given every frame back.
 */
void thread_exit(int status_if_first) __attribute__((noreturn));
void thread_exit(int status_if_first)
{
	struct task *t = current;
	struct process *p = t->proc;
	struct mm_struct *mm = t->mm;
	bool last;

	unuse_mm(mm); /* this task's reference */
	mutex_lock(&proc_lock);
	last = --p->nr_live == 0;
	if (last && !p->exiting) {
		p->exiting = true;
		p->status = status_if_first;
	}
	t->user_exited = true;
	wake_up(&p->thread_wait);
	mutex_unlock(&proc_lock);
	if (last) {
		down_write(&mm->mmap_lock);
		p->mm = NULL;
		up_write(&mm->mmap_lock);
		mm_put(mm); /* the process's reference, the last one: unmaps everything */
		mutex_lock(&proc_lock);
		process_become_zombie(p);
		mutex_unlock(&proc_lock);
	}
	kthread_exit(t->exit_code); /* what thread_join() reports */
}

long sys_exit(const unsigned long *a)
{
	struct process *p = current_proc();

	mutex_lock(&proc_lock);
	kill_threads(p, MICA_W_EXITED((int)a[0]));
	mutex_unlock(&proc_lock);
	thread_exit(0);
}

long sys_thread_exit(const unsigned long *a)
{
	current->exit_code = (int)a[0];
	thread_exit(MICA_W_EXITED((int)a[0]));
}

long sys_kill(const unsigned long *a)
{
	int pid = (int)a[0], sig = (int)a[1];
	struct process *p;

	if (sig < 0 || sig > 64)
		return -EINVAL;
	if (pid <= 0 || pid >= MAX_PIDS)
		return -ESRCH; /* no process groups */
	mutex_lock(&proc_lock);
	p = proc_find(pid);
	if (p && !p->zombie && sig) /* signal 0: only "does it exist?" */
		kill_threads(p, MICA_W_KILLED(sig));
	mutex_unlock(&proc_lock);
	return p ? 0 : -ESRCH;
}

void user_exception_kill(struct trap_frame *tf, int sig, const char *fmt, ...)
{
	struct process *p = current_proc();
	char why[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	pr_err("pid %d (%s): killed by signal %d: %s, pc 0x%lx", p->pid, p->name, sig, why,
	       arch_trap_pc(tf));
	arch_irq_enable();
	mutex_lock(&proc_lock);
	kill_threads(p, MICA_W_KILLED(sig));
	mutex_unlock(&proc_lock);
	arch_irq_disable();
}

void exit_to_user(struct trap_frame *tf)
{
	(void)tf;
	for (;;) {
		BUG_ON(!arch_irqs_disabled());
		if (__atomic_load_n(&this_cpu()->curr->killed, __ATOMIC_ACQUIRE)) {
			arch_irq_enable();
			thread_exit(0);
		}
		if (!need_resched())
			return;
		arch_irq_enable();
		schedule();
		arch_irq_disable();
	}
}

/* ---- waiting ---- */

/* Frees a zombie: joins its task structs, gives back its pid. proc_lock held. */
static void reap(struct process *p)
{
	struct task *t, *tmp;

	list_for_each_entry_safe(t, tmp, &p->threads, proc_node)
	{
		list_del_init(&t->proc_node);
		kthread_join(t);
	}
	if (!p->parent)
		WRITE_ONCE(kernel_zombies, kernel_zombies - 1);
	list_del_init(&p->sibling);
	pid_table[p->pid] = NULL;
	nr_processes--;
	kmem_cache_free(proc_cache, p);
}

/* The first zombie among the waiter's children matching pid (-1: any), or NULL; *any_child
 * says whether a matching child exists at all. proc_lock held. */
static struct process *find_zombie(struct list_head *children, int pid, bool *any_child)
{
	struct process *c;

	*any_child = false;
	list_for_each_entry(c, children, sibling)
	{
		if (pid != -1 && c->pid != pid)
			continue;
		*any_child = true;
		if (c->zombie)
			return c;
	}
	return NULL;
}

long sys_wait4(const unsigned long *a)
{
	struct process *p = current_proc(), *z;
	int pid = (int)a[0], options = (int)a[2];
	int __user *ustatus = (int __user *)a[1];
	bool any;

	if (options & ~WNOHANG)
		return -EINVAL;
	if (pid < -1 || pid == 0)
		return -EINVAL; /* process groups do not exist */
	for (;;) {
		struct wait_entry e = { .task = NULL };
		int status, zpid;

		mutex_lock(&proc_lock);
		z = find_zombie(&p->children, pid, &any);
		if (z) {
			status = z->status;
			zpid = z->pid;
			if (ustatus && copy_to_user(ustatus, &status, sizeof(status))) {
				mutex_unlock(&proc_lock);
				return -EFAULT; /* the zombie stays, as on Linux */
			}
			reap(z);
			mutex_unlock(&proc_lock);
			return zpid;
		}
		if (!any || (options & WNOHANG)) {
			mutex_unlock(&proc_lock);
			return any ? 0 : -ECHILD;
		}
		prepare_to_wait(&p->child_wait, &e);
		mutex_unlock(&proc_lock);
		if (!current_killed())
			schedule();
		finish_wait(&p->child_wait, &e);
		if (current_killed())
			return -EINTR;
	}
}

/* Waits for thread tid of this process to end and frees it. The thread stays on the
 * process's list until it has exited, so a kill still reaches it meanwhile; only then is it
 * taken off and joined. One joiner per thread (-ESRCH for a second one, or for itself). */
long sys_thread_join(const unsigned long *a)
{
	struct process *p = current_proc();
	int tid = (int)a[0], code;
	int __user *ustatus = (int __user *)a[1];
	struct task *t, *found = NULL;

	mutex_lock(&proc_lock);
	list_for_each_entry(t, &p->threads, proc_node)
	{
		if (t->tid == tid && t != current && !t->join_claimed)
			found = t;
	}
	if (found)
		found->join_claimed = true;
	mutex_unlock(&proc_lock);
	if (!found)
		return -ESRCH;
	wait_event(p->thread_wait, READ_ONCE(found->user_exited) ||
				       __atomic_load_n(&current->killed, __ATOMIC_ACQUIRE));
	mutex_lock(&proc_lock);
	if (!found->user_exited) {
		found->join_claimed = false; /* we were killed first; the reaper frees it */
		mutex_unlock(&proc_lock);
		return -EINTR;
	}
	list_del_init(&found->proc_node);
	mutex_unlock(&proc_lock);
	code = kthread_join(found);
	if (ustatus && copy_to_user(ustatus, &code, sizeof(code)))
		return -EFAULT;
	return 0;
}

/* ---- init ---- */

static void init_thread_entry(void *arg)
{
	struct exec_args *ea = arg;
	int err = do_execve(ea);

	if (err)
		pr_err("init: cannot run %s: error %d", ea->path, err);
	kfree(ea);
	if (err)
		thread_exit(MICA_W_EXITED(127));
	arch_irq_disable();
	exit_to_user(task_user_frame(current));
	arch_return_to_user(task_user_frame(current));
}

int run_init_process(const char *path, char *const argv[])
{
	unsigned long free_before = nr_free_pages();
	struct exec_args *ea;
	struct process *init, *z;
	struct task *t;
	int err = 0, status = 0;
	bool any;

	ea = exec_args_from_kernel(path, argv, &err);
	if (!ea)
		return err;
	mutex_lock(&proc_lock);
	init = proc_alloc(NULL, "init", &err);
	if (!init) {
		mutex_unlock(&proc_lock);
		kfree(ea);
		return err;
	}
	init->mm = mm_create();
	t = init->mm ? user_thread_create(init, NULL, 0) : NULL;
	if (!t) {
		if (init->mm)
			mm_put(init->mm);
		proc_free(init);
		mutex_unlock(&proc_lock);
		kfree(ea);
		return -ENOMEM;
	}
	t->fn = init_thread_entry;
	t->arg = ea;
	mutex_unlock(&proc_lock);
	pr_info("init: starting %s (pid %d), %lu pages free", path, init->pid, free_before);
	kthread_start(t);

	/* Reap whatever has no parent: init first, then anything init left behind. */
	for (;;) {
		mutex_lock(&proc_lock);
		z = NULL;
		for (int i = 1; i < MAX_PIDS && !z; i++)
			if (pid_table[i] && !pid_table[i]->parent && pid_table[i]->zombie)
				z = pid_table[i];
		if (z) {
			if (z == init) {
				status = z->status;
				/* Everyone else goes too. */
				for (int i = 1; i < MAX_PIDS; i++)
					if (pid_table[i] && pid_table[i] != z)
						kill_threads(pid_table[i],
							     MICA_W_KILLED(MICA_SIGKILL));
				init = NULL;
			}
			reap(z);
		}
		any = nr_processes > 0;
		mutex_unlock(&proc_lock);
		if (!any)
			break;
		if (!z)
			wait_event(kernel_child_wait, READ_ONCE(kernel_zombies) > 0);
	}
	pr_info("init: every process has exited (status 0x%x); %lu pages free, %lu at start",
		status, nr_free_pages(), free_before);
	/* No process, so no anonymous page: every swap slot and the LRU must be empty. */
	if (swap_stats.slots_used || reclaim_stats.lru_pages) {
		pr_err("BUG: %lu swap slots in use and %lu pages on the LRU with no process left",
		       swap_stats.slots_used, reclaim_stats.lru_pages);
		status = status ? status : MICA_W_EXITED(1);
	}
	return status;
}
