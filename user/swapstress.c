/*
 * swapstress: memory pressure (issue 6). Processes and threads that together use 1.5 times
 * the RAM the kernel manages, on every CPU, every byte written with a pattern that names its
 * owner, offset and round, and every byte read back: only swap and reclaim make it fit.
 *
 *   - 3 processes x 2 threads, each thread with its own private region (6 regions);
 *   - one more region written by the parent before the forks and inherited copy-on-write by
 *     all three: each child reads it, and the first one also writes half of its pages (which
 *     must copy, leaving the others' view alone);
 *   - each thread: write every word (round 0), read every word back and rewrite the odd
 *     pages (round 1: half the pages dirty, half clean when they next go out), read every
 *     word back again; all threads of all processes wait for each other between the three
 *     passes (a barrier in a MAP_SHARED page), so the whole set is alive at once;
 *   - last, a process that touches more than RAM and swap together is killed, alone, and
 *     every frame and slot comes back.
 *
 * Booted as init by tests/run with little RAM (`-m 64M swap=40`: room in swap for the whole set);
 * prints KTAP. The kernel checks the last part when the last process is gone: no swap slot in use,
 * nothing on the LRU (kernel/proc/process.c). Also runs from the shell: `swapstress [percent of
 * RAM]`.
 */
#include <errno.h>
#include <mica.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PROCS 3
#define THREADS 2 /* per process, the main thread included */
#define PAGE 4096UL
#define WORDS_PER_PAGE (PAGE / sizeof(unsigned long))

/* The word at index i of region `owner` in `round`: differs for every owner, word and round
 * (an odd multiplier mixes the index; a swapped, lost or misplaced page reads wrong). */
static unsigned long pattern(unsigned owner, unsigned long i, unsigned round)
{
	unsigned long v = (i + 1) * 0x9E3779B1UL + owner * 0x85EBCA77UL + round * 0xC2B2AE3DUL;

	return v ^ (v >> 13);
}

/* A barrier for every worker of every process, in a MAP_SHARED page: the whole working set
 * is written before anyone reads, so it is all alive at once. */
static volatile unsigned *arrivals;

static void barrier(unsigned phase)
{
	__atomic_add_fetch(arrivals, 1, __ATOMIC_SEQ_CST);
	/* Sleeping, not spinning: a spinning vCPU takes the host CPU from one doing work. */
	while (__atomic_load_n(arrivals, __ATOMIC_SEQ_CST) < phase * PROCS * THREADS)
		usleep(2000);
}

struct region {
	unsigned owner;
	unsigned long *base;
	unsigned long pages;
	unsigned long bad; /* words that read wrong */
};

static void write_pages(struct region *r, unsigned round, unsigned long step, unsigned long first)
{
	for (unsigned long p = first; p < r->pages; p += step)
		for (unsigned long w = 0; w < WORDS_PER_PAGE; w++) {
			unsigned long i = p * WORDS_PER_PAGE + w;

			r->base[i] = pattern(r->owner, i, round);
		}
}

/* Reads every word: even pages must hold round `even`, odd ones round `odd`. */
static void verify(struct region *r, unsigned even, unsigned odd)
{
	for (unsigned long p = 0; p < r->pages; p++)
		for (unsigned long w = 0; w < WORDS_PER_PAGE; w++) {
			unsigned long i = p * WORDS_PER_PAGE + w;

			if (r->base[i] != pattern(r->owner, i, (p & 1) ? odd : even)) {
				if (r->bad++ < 3)
					printf(
					    "    # region %u page %lu word %lu: 0x%lx, not 0x%lx\n",
					    r->owner, p, w, r->base[i],
					    pattern(r->owner, i, (p & 1) ? odd : even));
			}
		}
}

static void *worker(void *arg)
{
	struct region *r = arg;

	r->base =
	    mmap(NULL, r->pages * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (r->base == MAP_FAILED) {
		printf("    # region %u: mmap of %lu pages failed (errno %d)\n", r->owner, r->pages,
		       errno);
		r->bad = 1;
		r->base = NULL;
	}
	if (r->base)
		write_pages(r, 0, 1, 0);
	barrier(1);
	if (r->base) {
		verify(r, 0, 0);
		write_pages(r, 1, 2, 1);
	}
	barrier(2);
	if (r->base) {
		verify(r, 0, 1);
		munmap(r->base, r->pages * PAGE);
	}
	return NULL;
}

/* One child: its threads' regions, and the inherited one. Returns 0 if all read right, else
 * BAD_PRIVATE and/or BAD_SHARED; 4 if a thread could not start. */
#define BAD_PRIVATE 1
#define BAD_SHARED 2
static int child(unsigned n, unsigned long pages, struct region *shared)
{
	struct region r[THREADS];
	mica_thread_t th[THREADS];
	unsigned long bad = 0;

	for (unsigned t = 0; t < THREADS; t++)
		r[t] = (struct region){ .owner = 1 + n * THREADS + t, .pages = pages };
	for (unsigned t = 1; t < THREADS; t++)
		if (mica_thread_create(&th[t], worker, &r[t])) {
			printf("    # child %u: thread %u not started (errno %d)\n", n, t, errno);
			return 4;
		}
	/* The inherited region: as the parent wrote it; the first child rewrites its odd pages
	 * (copy-on-write: the others must still see round 0), and reads them back. */
	verify(shared, 0, 0);
	if (n == 0) {
		write_pages(shared, 1, 2, 1);
		verify(shared, 0, 1);
	}
	worker(&r[0]);
	for (unsigned t = 1; t < THREADS; t++)
		mica_thread_join(th[t], NULL);
	verify(shared, 0, n == 0 ? 1 : 0);
	for (unsigned t = 0; t < THREADS; t++)
		bad += r[t].bad;
	return (bad ? BAD_PRIVATE : 0) | (shared->bad ? BAD_SHARED : 0);
}

static struct mica_stats stats(void)
{
	struct mica_stats s;

	memset(&s, 0, sizeof(s));
	if (mica_stats(&s, sizeof(s)) < 0)
		printf("    # mica_stats failed (errno %d)\n", errno);
	return s;
}

static int ncase;
static int failed;

static void report(int ok, const char *name)
{
	printf("    %s %d %s\n", ok ? "ok" : "not ok", ++ncase, name);
	failed += !ok;
}

/* A child touches more pages than RAM and swap hold together: once swap is full, reclaim frees
 * nothing, its fault finds no frame and it is killed (out of memory) - and only it: this
 * process sleeps meanwhile. Then every frame and slot it held must come back. */
static int hog_is_killed_and_everything_comes_back(const struct mica_stats *before,
						   unsigned long own_pages)
{
	unsigned long pages = before->total_pages + before->swap_slots + 256;
	struct mica_stats after;
	int status = -1;
	pid_t pid = fork();

	if (pid == 0) {
		char *p = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			_exit(2);
		for (unsigned long i = 0; i < pages; i++)
			p[i * PAGE] = 1;
		_exit(3); /* it all fitted: wrong */
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid) {
		printf("    # hog: fork or wait failed (errno %d)\n", errno);
		return 0;
	}
	/* Its page tables go back after an RCU grace period: give them a second. */
	for (int tries = 0; tries < 100; tries++) {
		after = stats();
		if (after.free_pages + own_pages >= before->free_pages)
			break;
		usleep(10000);
	}
	printf("    # hog of %lu pages: wait status 0x%x; swap slots in use %llu, free pages %llu "
	       "(%llu before)\n",
	       pages, status, after.swap_slots_used, after.free_pages, before->free_pages);
	return WIFSIGNALED(status) &&
	       after.swap_slots_used <= before->swap_slots_used + own_pages &&
	       after.free_pages + own_pages >= before->free_pages;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	unsigned percent = argc > 1 ? (unsigned)atoi(argv[1]) : 150;
	struct mica_stats s0 = stats(), s1;
	unsigned long ram = s0.total_pages, total, each, shared_pages, vm;
	struct region shared = { .owner = 0 };
	int status, bad = 0;
	struct mica_proc procs[64];
	long nprocs;
	pid_t pids[PROCS];
	double t0 = now();

	setvbuf(stdout, NULL, _IONBF, 0);
	printf("KTAP version 1\n1..1\n    KTAP version 1\n    # Subtest: swapstress\n    1..5\n");
	total = ram * percent / 100;
	shared_pages = total / 10;
	each = (total - shared_pages) / (PROCS * THREADS);
	printf("    # RAM %lu pages (%lu KiB), swap %llu slots; working set %lu pages (%u%%): "
	       "%d x %d regions of %lu pages + %lu shared\n",
	       ram, ram * 4, s0.swap_slots, total, percent, PROCS, THREADS, each, shared_pages);
	if (s0.swap_slots < total - ram / 2) {
		printf("    # not enough swap for this working set: boot with a bigger swap=\n");
		return 1;
	}
	arrivals = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (arrivals == MAP_FAILED) {
		printf("    # mmap of the barrier page failed (errno %d)\n", errno);
		return 1;
	}
	shared.pages = shared_pages;
	shared.base = mmap(NULL, shared_pages * PAGE, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (shared.base == MAP_FAILED) {
		printf("    # mmap of the shared region failed (errno %d)\n", errno);
		return 1;
	}
	write_pages(&shared, 0, 1, 0);
	for (unsigned n = 0; n < PROCS; n++) {
		pids[n] = fork();
		if (pids[n] == 0)
			_exit(child(n, each, &shared));
		if (pids[n] < 0)
			printf("    # fork %u failed (errno %d)\n", n, errno);
	}
	for (unsigned n = 0; n < PROCS; n++) {
		status = -1;
		if (pids[n] < 0 || waitpid(pids[n], &status, 0) != pids[n] || !WIFEXITED(status)) {
			printf("    # child %u: wait status 0x%x\n", n, status);
			bad |= 4;
		} else {
			bad |= WEXITSTATUS(status);
		}
	}
	verify(&shared, 0, 0); /* the parent's view: untouched by the first child's writes */
	munmap(shared.base, shared_pages * PAGE);
	s1 = stats();
	printf("    # %.1f s; swap: %llu pages out, %llu in, %llu from the swap cache, %llu slot "
	       "writes, %llu skipped (clean); reclaim: %llu scanned, %llu second chances, %llu "
	       "freed, %llu stalled allocations; %llu faults out of memory\n",
	       now() - t0, s1.swap_out - s0.swap_out, s1.swap_in - s0.swap_in,
	       s1.swap_cache_hits - s0.swap_cache_hits, s1.swap_writes - s0.swap_writes,
	       s1.swap_writes_skipped - s0.swap_writes_skipped,
	       s1.reclaim_scanned - s0.reclaim_scanned, s1.reclaim_rotated - s0.reclaim_rotated,
	       s1.reclaim_freed - s0.reclaim_freed, s1.alloc_stalls - s0.alloc_stalls,
	       s1.faults_oom - s0.faults_oom);
	if (shared.bad)
		bad |= BAD_SHARED;
	report(!(bad & ~BAD_SHARED),
	       "working_set_of_1_5x_ram_over_3_processes_x_2_threads_reads_back_every_byte");
	report(!(bad & ~BAD_PRIVATE),
	       "copy_on_write_pages_shared_by_three_children_survive_swapping");
	/* Pages had to leave memory (the set does not fit), came back, and second chances were
	 * given. How many clean pages went out again without a write depends on which pages
	 * reclaim happens to pick (0 in one run of dozens, under two test runs at once): a
	 * figure here; suite swap checks the mechanism itself, page by page. */
	report(s1.swap_out - s0.swap_out >= total - ram && s1.swap_in > s0.swap_in &&
		   s1.reclaim_rotated > s0.reclaim_rotated,
	       "pages_went_to_swap_came_back_and_young_ones_got_second_chances");
	/* Our own pages (this program's) may still sit in swap or keep a clean copy: at most
	 * one slot each. The kernel checks for zero once we have exited too. */
	nprocs = mica_procs(procs, 64);
	vm = 0;
	for (long i = 0; i < nprocs && i < 64; i++)
		if (procs[i].pid == getpid())
			vm = procs[i].vm_pages;
	printf("    # swap slots in use: %llu before, %llu after (this process spans %lu pages); "
	       "free pages %llu before, %llu after\n",
	       s0.swap_slots_used, s1.swap_slots_used, vm, s0.free_pages, s1.free_pages);
	report(s1.swap_slots_used <= s0.swap_slots_used + vm,
	       "swap_slots_come_back_when_the_processes_exit");
	report(hog_is_killed_and_everything_comes_back(&s1, vm),
	       "a_process_touching_more_than_ram_and_swap_is_killed_and_all_comes_back");
	printf("%s 1 swapstress\n", failed ? "not ok" : "ok");
	return failed ? 1 : 0;
}
