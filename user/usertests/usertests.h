/*
 * usertests' shared parts: the check macro, the helpers every case may use (user/usertests.c
 * defines them, with the runner and the process cases) and the memory-management cases of
 * user/usertests/mm.c. A program built from several files: user/usertests.c (its main) and
 * every .c file in user/usertests/ (Makefile, "User programs").
 */
#ifndef USERTESTS_H
#define USERTESTS_H

#include <errno.h>
#include <mica.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern int failures; /* in the case's process */

#define CHECK(cond)                                                                              \
	do {                                                                                     \
		if (!(cond)) {                                                                   \
			printf("    # %s:%d: CHECK FAILED: %s (errno %d)\n", __FILE__, __LINE__, \
			       #cond, errno);                                                    \
			failures++;                                                              \
		}                                                                                \
	} while (0)

/* A bad pointer of each kind: unmapped user memory, and kernel memory. */
#define BAD_USER ((void *)(MICA_USER_BASE + 4096))
#define BAD_KERNEL ((void *)MICA_KERNEL_ADDR)

/* A case that cannot run here (say, too little memory) says why and exits with this: the
 * runner reports it as skipped. */
#define SKIP_STATUS 77

/* Forks; the child runs fn and exits with its failure count; the parent returns the wait
 * status. */
int in_child(void (*fn)(void));
/* The kernel's free-page count now. */
unsigned long long free_pages(void);
/* The free-page count once the kernel has finished giving memory back: task structs come
 * from a type-safe-by-RCU cache, whose empty slabs are freed after a grace period. Waits up
 * to 2 s for the count to reach want (want 0: until it stops changing for 100 ms). */
unsigned long long settled_free_pages(unsigned long long want);

/* The memory-management cases (user/usertests/mm.c). */
void mmap_semantics_and_errors(void);
void brk_grows_and_shrinks(void);
void large_write_is_pinned_and_stops_at_a_hole(void);
void thread_faults_while_another_unmaps(void);
void madvise_dontneed_zeroes_and_errors(void);
void exit_of_a_256_mib_process_with_the_tlb_model_on(void);
void migration_keeps_every_mapping_and_every_write(void);
void shared_mapping_is_shared_across_fork_and_private_stays_private(void);

#endif
