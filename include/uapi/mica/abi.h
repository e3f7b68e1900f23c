/*
 * Mica's system-call ABI: the one header the kernel and user space share (user programs get it
 * through -Iinclude/uapi as <mica/abi.h>). Plain C, no kernel types: it must compile in both.
 *
 * Calling convention, per port (docs/syscalls.md):
 *   riscv  ecall;       number in a7, arguments a0..a5, result in a0
 *   arm    svc #0;      number in r7, arguments r0..r5, result in r0
 *   x86    syscall;     number in rax, arguments rdi, rsi, rdx, r10, r8, r9, result in rax
 *                       (rcx and r11 are clobbered, as the instruction defines)
 * A result in [-4095, -1] is -errno, with Linux's errno numbers (the user library translates
 * the few above 34 where newlib's differ, user/lib/errno.c); anything else is success.
 */
#ifndef MICA_UAPI_ABI_H
#define MICA_UAPI_ABI_H

/* ---- the user address range of each port (its <asm/pgtable.h>), and an address that is
 * certainly the kernel's (for tests of bad pointers) ---- */
#if defined(__riscv)
#define MICA_USER_BASE 0x1000000000UL
#define MICA_USER_TOP 0x4000000000UL
#define MICA_KERNEL_ADDR 0x80200000UL
#elif defined(__arm__)
#define MICA_USER_BASE 0x80000000UL
#define MICA_USER_TOP 0xC0000000UL
#define MICA_KERNEL_ADDR 0x40100000UL
#elif defined(__x86_64__)
#define MICA_USER_BASE 0x8000000000UL
#define MICA_USER_TOP 0x800000000000UL
#define MICA_KERNEL_ADDR 0x100000UL
#endif

/* ---- system-call numbers ---- */
#define SYS_read 0	     /* (int fd, void *buf, size_t n) -> bytes read; fd 0: console */
#define SYS_write 1	     /* (int fd, const void *buf, size_t n) -> bytes; fd 1, 2: console */
#define SYS_exit 2	     /* (int status): the whole process (every thread) ends */
#define SYS_fork 3	     /* () -> child pid in the parent, 0 in the child */
#define SYS_execve 4	     /* (const char *path, char *const argv[], char *const envp[]) */
#define SYS_wait4 5	     /* (int pid, int *status, int options, void *rusage=NULL) -> pid */
#define SYS_getpid 6	     /* () -> pid */
#define SYS_getppid 7	     /* () -> parent's pid */
#define SYS_kill 8	     /* (int pid, int sig) -> 0; any signal 1..64 kills; 0 only checks */
#define SYS_mmap 9	     /* (void *addr, size_t len, int prot, int flags, int fd, long off) */
#define SYS_munmap 10	     /* (void *addr, size_t len) -> 0 */
#define SYS_mprotect 11	     /* (void *addr, size_t len, int prot) -> 0 */
#define SYS_brk 12	     /* (void *new_end) -> the break now (unchanged if it could not move) */
#define SYS_sched_yield 13   /* () -> 0 */
#define SYS_nanosleep 14     /* (const struct timespec *req, struct timespec *rem) -> 0 */
#define SYS_clock_gettime 15 /* (int clock, struct timespec *tp) -> 0 */
#define SYS_clone                                                                          \
	16		   /* (void *stack_top) -> tid in the caller; 0 in the new thread, \
			    * which shares the address space and starts on stack_top */
#define SYS_thread_exit 17 /* (int status): only the calling thread ends */
#define SYS_thread_join 18 /* (int tid, int *status) -> 0 once that thread has ended */
#define SYS_mica_stats 19  /* (struct mica_stats *buf, size_t size) -> bytes written */
#define SYS_gettid 20	   /* () -> this thread's id (the pid for the first thread) */
#define SYS_mica_procs                                                                  \
	21	       /* (struct mica_proc *buf, size_t n) -> how many processes exist \
			* (all of them, even if more than n; the first n are written) */
#define SYS_madvise 22 /* (void *addr, size_t len, int advice) -> 0 */
#define SYS_mica_migrate                                                               \
	23 /* (void *addr) -> 0: the page mapped at addr moves to another frame, every \
	    * process that maps it included (a debug call: -EAGAIN if it is pinned or busy) */
#define NR_SYSCALLS 24

/* ---- mmap / mprotect (Linux's values) ---- */
#define PROT_NONE 0x0
#define PROT_READ 0x1
#define PROT_WRITE 0x2
#define PROT_EXEC 0x4
#define MAP_SHARED 0x01
#define MAP_PRIVATE 0x02
#define MAP_FIXED 0x10
#define MAP_ANONYMOUS 0x20
#define MAP_ANON MAP_ANONYMOUS
#define MAP_FAILED ((void *)-1)
/* madvise: the hints are accepted and ignored; DONTNEED drops the pages (zeros next time) */
#define MADV_NORMAL 0
#define MADV_RANDOM 1
#define MADV_SEQUENTIAL 2
#define MADV_WILLNEED 3
#define MADV_DONTNEED 4

/* ---- wait4 ---- */
#define WNOHANG 1
/* status words, Linux's encoding: exited: (code & 0xff) << 8; killed: the signal number */
#define MICA_W_EXITED(code) (((code)&0xff) << 8)
#define MICA_W_KILLED(sig) ((sig)&0x7f)

/* ---- kill ---- */
#define MICA_SIGKILL 9

/* ---- clock_gettime ---- */
#define MICA_CLOCK_REALTIME 0 /* no RTC yet: seconds since boot, like the monotonic clock */
#define MICA_CLOCK_MONOTONIC 1
/* The kernel's view of struct timespec: newlib's time_t is 64 bits on every port. */
struct mica_timespec {
	long long tv_sec;
	long tv_nsec;
};

/* ---- SYS_mica_stats: kernel counters (the struct may grow at its end; size says how much the
 * caller knows) ---- */
struct mica_stats {
	unsigned long long free_pages, total_pages;
	unsigned long long faults_demand_zero, faults_cow_copy, faults_cow_reuse,
	    faults_young_dirty, faults_spurious, faults_oom;
	unsigned long long tlb_local_range, tlb_local_all, tlb_ipis;
	unsigned long long max_preempt_off_ns, max_irqs_off_ns; /* over all CPUs */
	unsigned long long nr_processes, nr_threads;
	/* mmu_gather (MG-2, MG-5, MG-7, RT-1, RT-2) */
	unsigned long long gather_batches_allocated, gather_batch_alloc_failed,
	    gather_batch_cap_hit, gather_resched_breaks, gather_forced_full_flushes;
	unsigned long long tables_freed_rcu, tables_freed_ipi;
	/* TLB flush requests (each an invalidation of a range or a whole mm on every CPU that
	 * may cache it) and the TLB model (TLB-6): on or off, records made, alive now, most
	 * alive at once, records that did not fit */
	unsigned long long tlb_flushes;
	unsigned long long tlb_model_on, tlb_model_recorded, tlb_model_pending,
	    tlb_model_max_pending, tlb_model_overflows;
	/* address spaces and rmap (TLB-4, TLB-5, TLB-1's lazy CPUs, issue 6) */
	unsigned long long faults_shared, tlb_remote_fences, tlb_lazy_skips, lazy_mmu_batches,
	    asid_rollovers, pages_migrated;
	/* swap and reclaim (issue 6): slots in the area and not free; pages that left memory,
	 * read back, found in the swap cache; slot writes made and skipped (a clean copy);
	 * anonymous pages on the LRU; pages reclaim looked at, gave a second chance, freed;
	 * allocations that found no frame and reclaimed */
	unsigned long long swap_slots, swap_slots_used, swap_out, swap_in, swap_cache_hits,
	    swap_writes, swap_writes_skipped;
	unsigned long long lru_pages, reclaim_scanned, reclaim_rotated, reclaim_freed, alloc_stalls;
};

/* ---- SYS_mica_procs: one entry per process, by pid ---- */
#define MICA_PROC_NAME 16
struct mica_proc {
	int pid, ppid;		     /* ppid 0: the kernel is its parent */
	int threads;		     /* live threads */
	int state;		     /* 'R' running (has live threads), 'Z' zombie, 'X' exiting */
	unsigned long long vm_pages; /* pages its VMAs span (0 for a zombie) */
	char name[MICA_PROC_NAME];
};

#endif
