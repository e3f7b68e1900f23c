/*
 * The system-call table and the simple calls (console, ids, time, stats). The ABI is
 * include/uapi/mica/abi.h; the ports' trap handlers call do_syscall() (docs/syscalls.md).
 * Every argument that is a pointer goes through the user-copy routines (or, for large write()
 * buffers, is pinned with get_user_pages_fast()), so a bad one gives -EFAULT and never a
 * kernel fault. Good breakpoint: do_syscall (then `p nr`).
 */
#include <mica/arch.h>
#include <mica/asid.h>
#include <mica/errno.h>
#include <mica/gup.h>
#include <mica/latency.h>
#include <mica/mm_types.h>
#include <mica/printk.h>
#include <mica/rmap.h>
#include <mica/sched.h>
#include <mica/spinlock.h>
#include <mica/swap.h>
#include <mica/time.h>
#include <mica/timer.h>
#include <mica/tlb.h>
#include <mica/tlb_model.h>
#include <mica/tlbflush.h>
#include <mica/vmscan.h>
#include <mica/wait.h>
#include <uapi/mica/abi.h>

#include "proc_internal.h"

#define CONSOLE_CHUNK 256
#define WRITE_PIN_PAGES 16 /* pages sys_write pins at a time */

/* ---- console ---- */

/* Writes the first bytes of [buf, buf+n), at most WRITE_PIN_PAGES pages, straight from the
 * user's pages: pinned (RT-3), read through the kernel's identity map, unpinned. Returns the
 * bytes written, or -EFAULT (nothing written) if some page could not be pinned. */
static long console_write_pinned(const char __user *buf, size_t n)
{
	unsigned long off = (unsigned long)buf & ~PAGE_MASK;
	struct page *pages[WRITE_PIN_PAGES];
	size_t done = 0;
	int nr;

	n = MIN(n, WRITE_PIN_PAGES * PAGE_SIZE - off);
	nr = (int)((off + n + PAGE_SIZE - 1) >> PAGE_SHIFT);
	if (get_user_pages_fast((unsigned long)buf & PAGE_MASK, nr, false, pages) < 0)
		return -EFAULT;
	for (int i = 0; i < nr; i++, off = 0) {
		size_t k = MIN(n - done, PAGE_SIZE - off);

		console_write_raw((const char *)page_address(pages[i]) + off, k);
		done += k;
	}
	put_user_pages(pages, nr);
	return (long)n;
}

/* A write of more than a page goes from the pinned pages themselves; a small one, and the
 * rest of a big one whose pages could not all be pinned, through a copy, chunk by chunk,
 * which also finds the exact byte where a bad buffer ends. */
static long sys_write(const unsigned long *a)
{
	int fd = (int)a[0];
	const char __user *buf = (const char __user *)a[1];
	size_t n = a[2], done = 0;
	char chunk[CONSOLE_CHUNK];

	if (fd != 1 && fd != 2)
		return -EBADF;
	if (n > 0x7fffffff)
		return -EINVAL;
	if (!access_ok(buf, n))
		return -EFAULT;
	while (n > PAGE_SIZE && done < n) {
		long k = console_write_pinned(buf + done, n - done);

		if (k < 0)
			break;
		done += (size_t)k;
	}
	while (done < n) {
		size_t k = MIN(n - done, sizeof(chunk));

		if (copy_from_user(chunk, buf + done, k))
			return done ? (long)done : -EFAULT;
		console_write_raw(chunk, k);
		done += k;
	}
	return (long)done;
}

/* Reads at least one byte (waiting for it), then whatever else is already there, up to n.
 * The console is polled every tick: no UART receive interrupt yet. */
static long sys_read(const unsigned long *a)
{
	int fd = (int)a[0];
	char __user *buf = (char __user *)a[1];
	size_t n = a[2], got = 0;
	char chunk[CONSOLE_CHUNK];

	if (fd != 0)
		return -EBADF;
	if (n > 0x7fffffff)
		return -EINVAL;
	if (!access_ok(buf, n))
		return -EFAULT;
	if (n == 0)
		return 0;
	while (got < MIN(n, sizeof(chunk))) {
		int c = arch_console_getc();

		if (c < 0) {
			if (got)
				break;
			if (current_killed())
				return -EINTR;
			msleep(10);
			continue;
		}
		chunk[got++] = (char)c;
	}
	return copy_to_user(buf, chunk, got) ? -EFAULT : (long)got;
}

/* ---- ids ---- */

static long sys_getpid(const unsigned long *a)
{
	(void)a;
	return current_proc()->pid;
}

static long sys_getppid(const unsigned long *a)
{
	struct process *parent;
	long pid;

	(void)a;
	mutex_lock(&proc_lock);
	parent = current_proc()->parent;
	pid = parent ? parent->pid : 0;
	mutex_unlock(&proc_lock);
	return pid;
}

static long sys_gettid(const unsigned long *a)
{
	(void)a;
	return current->tid;
}

/* ---- time ---- */

static long sys_sched_yield(const unsigned long *a)
{
	(void)a;
	sched_yield();
	return 0;
}

static int get_timespec(const void __user *u, u64 *ns)
{
	struct mica_timespec ts;

	if (copy_from_user(&ts, u, sizeof(ts)))
		return -EFAULT;
	if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000L ||
	    ts.tv_sec > 1000000000LL)
		return -EINVAL;
	*ns = (u64)ts.tv_sec * NSEC_PER_SEC + (u64)ts.tv_nsec;
	return 0;
}

static int put_timespec(void __user *u, u64 ns)
{
	struct mica_timespec ts = { (long long)(ns / NSEC_PER_SEC), (long)(ns % NSEC_PER_SEC) };

	return copy_to_user(u, &ts, sizeof(ts)) ? -EFAULT : 0;
}

static long sys_clock_gettime(const unsigned long *a)
{
	if (a[0] != MICA_CLOCK_REALTIME && a[0] != MICA_CLOCK_MONOTONIC)
		return -EINVAL;
	return put_timespec((void __user *)a[1], arch_clock_ns());
}

/* Sleeps until the deadline (in one sleep, not polling); a kill ends it early with -EINTR
 * and the time left in *rem. */
static long sys_nanosleep(const unsigned long *a)
{
	u64 ns, deadline, now;
	int err = get_timespec((const void __user *)a[0], &ns);

	if (err)
		return err;
	deadline = arch_clock_ns() + ns;
	while ((now = arch_clock_ns()) < deadline) {
		if (msleep_killable((deadline - now + 999999) / 1000000)) {
			now = arch_clock_ns();
			if (a[1] &&
			    put_timespec((void __user *)a[1], deadline > now ? deadline - now : 0))
				return -EFAULT;
			return -EINTR;
		}
	}
	return 0;
}

/* ---- stats ---- */

static long sys_mica_stats(const unsigned long *a)
{
	struct mica_stats s = { 0 };
	size_t size = MIN(a[1], sizeof(s));

	s.free_pages = nr_free_pages();
	s.total_pages = nr_managed_pages();
	s.faults_demand_zero = fault_stats.demand_zero;
	s.faults_cow_copy = fault_stats.cow_copy;
	s.faults_cow_reuse = fault_stats.cow_reuse;
	s.faults_young_dirty = fault_stats.young_dirty;
	s.faults_spurious = fault_stats.spurious;
	s.faults_oom = fault_stats.oom;
	s.tlb_local_range = tlb_stats.local_range;
	s.tlb_local_all = tlb_stats.local_all;
	s.tlb_ipis = tlb_stats.ipis;
	for (unsigned i = 0; i < ncpus; i++) {
		s.max_preempt_off_ns = MAX(s.max_preempt_off_ns, latency_of(i)->preempt_off.ns);
		s.max_irqs_off_ns = MAX(s.max_irqs_off_ns, latency_of(i)->irq_off.ns);
	}
	s.gather_batches_allocated = gather_stats.batches_allocated;
	s.gather_batch_alloc_failed = gather_stats.batch_alloc_failed;
	s.gather_batch_cap_hit = gather_stats.batch_cap_hit;
	s.gather_resched_breaks = gather_stats.resched_breaks;
	s.gather_forced_full_flushes = gather_stats.forced_full_flushes;
	s.tables_freed_rcu = gather_stats.tables_rcu;
	s.tables_freed_ipi = gather_stats.tables_ipi;
	s.tlb_flushes = tlb_stats.flushes;
	s.tlb_model_on = tlb_model_enabled;
	s.tlb_model_recorded = tlb_model_stats.recorded;
	s.tlb_model_pending = tlb_model_stats.pending;
	s.tlb_model_max_pending = tlb_model_stats.max_pending;
	s.tlb_model_overflows = tlb_model_stats.overflows;
	s.faults_shared = fault_stats.shared;
	s.tlb_remote_fences = tlb_stats.remote_fences;
	s.tlb_lazy_skips = tlb_stats.lazy_skips;
	s.lazy_mmu_batches = lazy_mmu_stats.batches;
	s.asid_rollovers = asid_stats.rollovers;
	s.pages_migrated = migrate_stats.moved;
	s.swap_slots = swap_stats.slots;
	s.swap_slots_used = swap_stats.slots_used;
	s.swap_out = swap_stats.swapped_out;
	s.swap_in = swap_stats.swapped_in;
	s.swap_cache_hits = swap_stats.cache_hits;
	s.swap_writes = swap_stats.writes;
	s.swap_writes_skipped = swap_stats.writes_skipped;
	s.lru_pages = reclaim_stats.lru_pages;
	s.reclaim_scanned = reclaim_stats.scanned;
	s.reclaim_rotated = reclaim_stats.rotated;
	s.reclaim_freed = reclaim_stats.freed;
	s.alloc_stalls = reclaim_stats.alloc_stalls;
	s.nr_processes = proc_count();
	s.nr_threads = sched_nr_threads();
	return copy_to_user((void __user *)a[0], &s, size) ? -EFAULT : (long)size;
}

/* ---- dispatch ---- */

typedef long (*syscall_fn)(const unsigned long *args);

static const syscall_fn syscall_table[NR_SYSCALLS] = {
	[SYS_read] = sys_read,
	[SYS_write] = sys_write,
	[SYS_exit] = sys_exit,
	[SYS_fork] = sys_fork,
	[SYS_execve] = sys_execve,
	[SYS_wait4] = sys_wait4,
	[SYS_getpid] = sys_getpid,
	[SYS_getppid] = sys_getppid,
	[SYS_kill] = sys_kill,
	[SYS_mmap] = sys_mmap,
	[SYS_munmap] = sys_munmap,
	[SYS_mprotect] = sys_mprotect,
	[SYS_brk] = sys_brk,
	[SYS_sched_yield] = sys_sched_yield,
	[SYS_nanosleep] = sys_nanosleep,
	[SYS_clock_gettime] = sys_clock_gettime,
	[SYS_clone] = sys_clone,
	[SYS_thread_exit] = sys_thread_exit,
	[SYS_thread_join] = sys_thread_join,
	[SYS_mica_stats] = sys_mica_stats,
	[SYS_gettid] = sys_gettid,
	[SYS_mica_procs] = sys_mica_procs,
	[SYS_madvise] = sys_madvise,
	[SYS_mica_migrate] = sys_mica_migrate,
};

void do_syscall(struct trap_frame *tf)
{
	unsigned long nr = arch_syscall_nr(tf), args[6];
	long ret = -ENOSYS;

	for (int i = 0; i < 6; i++)
		args[i] = arch_syscall_arg(tf, i);
	arch_irq_enable();
	if (nr < NR_SYSCALLS && syscall_table[nr])
		ret = syscall_table[nr](args);
	arch_irq_disable();
	arch_syscall_set_return(tf, ret);
}
