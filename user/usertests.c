/*
 * usertests: the user-space test suite (issue "processes and user space"), in plain POSIX C
 * over newlib. Prints KTAP like the in-kernel suites, so tests/run judges it the same way,
 * and exits 0 only if every case passed. Booted as init (init=/usertests) by tests/run.
 *
 * Each case runs in its own child process, so a case that crashes is one failed case, not a
 * lost run. `usertests NAME` runs one case.
 */
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

static const char *self = "/usertests";
static int failures; /* in the case's process */

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
static int in_child(void (*fn)(void))
{
	int status = -1;
	pid_t pid = fork();

	if (pid == 0) {
		failures = 0;
		fn();
		fflush(stdout);
		_exit(failures ? 1 : 0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return status;
}

static unsigned long long free_pages(void)
{
	struct mica_stats s;

	return mica_stats(&s, sizeof(s)) == sizeof(s) ? s.free_pages : 0;
}

/* The free-page count once the kernel has finished giving memory back: task structs come
 * from a type-safe-by-RCU cache, whose empty slabs are freed after a grace period. Waits up
 * to 2 s for the count to reach want (want 0: until it stops changing for 100 ms). */
static unsigned long long settled_free_pages(unsigned long long want)
{
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	unsigned long long now = free_pages(), last = now;
	int same = 0;

	for (int i = 0; i < 100 && now != want && (want || same < 5); i++) {
		nanosleep(&ts, NULL);
		now = free_pages();
		same = now == last ? same + 1 : 0;
		last = now;
	}
	return now;
}

/* ---- cases ---- */

static void fork_exec_exit_wait(void)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		char *argv[] = { "usertests", "--exit-with", "42", NULL };

		execv(self, argv);
		_exit(99); /* exec failed */
	}
	CHECK(pid > 0);
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 42);
	/* no children left: ECHILD */
	CHECK(waitpid(-1, &status, 0) == -1 && errno == ECHILD);
	CHECK(getppid() > 0 && getpid() != getppid());
	/* exec of something that is not there, or not a program, fails and returns */
	CHECK(execv("/no-such-program", (char *[]){ "x", NULL }) == -1 && errno == ENOENT);
}

static char cow_buf[3 * 4096];

static void cow_isolation(void)
{
	int status;
	pid_t pid;

	memset(cow_buf, 'p', sizeof(cow_buf));
	pid = fork();
	if (pid == 0) {
		int bad = 0;

		for (size_t i = 0; i < sizeof(cow_buf); i++)
			bad += cow_buf[i] != 'p';
		memset(cow_buf, 'c', sizeof(cow_buf));
		_exit(bad ? 1 : 0);
	}
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
	for (size_t i = 0; i < sizeof(cow_buf); i += 512)
		CHECK(cow_buf[i] == 'p');
}

static char *touch_target;

static void write_target(void)
{
	*touch_target = 1; /* must kill this process */
}

static void mmap_semantics_and_errors(void)
{
	size_t pg = 4096;
	char *p = mmap(NULL, 4 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int status;

	CHECK(p != MAP_FAILED);
	if (p == MAP_FAILED)
		return;
	for (int i = 0; i < 4; i++)
		CHECK(p[i * pg] == 0); /* demand-zero */
	memset(p, 7, 4 * pg);
	/* a hole in the middle: touching it kills */
	CHECK(munmap(p + pg, pg) == 0);
	touch_target = p + pg;
	status = in_child(write_target);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV);
	CHECK(p[0] == 7 && p[2 * pg] == 7);
	/* read-only: writing kills, reading works */
	CHECK(mprotect(p + 2 * pg, pg, PROT_READ) == 0);
	touch_target = p + 2 * pg;
	status = in_child(write_target);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV);
	CHECK(p[2 * pg] == 7);
	/* MAP_FIXED over the hole */
	CHECK(mmap(p + pg, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1,
		   0) == p + pg);
	CHECK(p[pg] == 0);
	/* errors */
	CHECK(mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED &&
	      errno == EINVAL);
	CHECK(mmap(NULL, pg, 0x80, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED &&
	      errno == EINVAL);
	CHECK(mmap(NULL, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, 3, 0) == MAP_FAILED &&
	      errno == EINVAL);
	CHECK(mmap(NULL, pg, PROT_READ, MAP_PRIVATE, -1, 0) == MAP_FAILED && errno == EINVAL);
	CHECK(mmap(p + 1, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) ==
		  MAP_FAILED &&
	      errno == EINVAL);
	CHECK(mmap(NULL, (size_t)-4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) ==
		  MAP_FAILED &&
	      errno == ENOMEM);
	CHECK(munmap(p + 1, pg) == -1 && errno == EINVAL);
	CHECK(munmap(p, 0) == -1 && errno == EINVAL);
	CHECK(mprotect(p + 1, pg, PROT_READ) == -1 && errno == EINVAL);
	CHECK(munmap(p, 4 * pg) == 0);
	CHECK(mprotect(p, pg, PROT_READ) == -1 && errno == ENOMEM); /* nothing mapped */
	CHECK(munmap(p, 4 * pg) == 0);				    /* a hole: fine */
}

static void brk_grows_and_shrinks(void)
{
	char *start = sbrk(0), *q;

	CHECK(start != (char *)-1);
	CHECK(sbrk(64 * 1024) == start);
	q = sbrk(0);
	CHECK(q == start + 64 * 1024);
	memset(start, 0x5a, 64 * 1024);
	CHECK(start[64 * 1024 - 1] == 0x5a);
	CHECK(sbrk(-32 * 1024) == q);
	CHECK(sbrk(0) == start + 32 * 1024);
	CHECK(start[100] == 0x5a);
	/* malloc on top of it */
	{
		char *m = malloc(200000);

		CHECK(m != NULL);
		if (m) {
			memset(m, 1, 200000);
			free(m);
		}
	}
}

static void bad_pointers_are_efault(void)
{
	struct timespec ts;
	int status;
	pid_t pid;

	CHECK(write(1, BAD_USER, 10) == -1 && errno == EFAULT);
	CHECK(write(1, BAD_KERNEL, 10) == -1 && errno == EFAULT);
	CHECK(read(0, BAD_KERNEL, 10) == -1 && errno == EFAULT);
	CHECK(clock_gettime(CLOCK_MONOTONIC, BAD_USER) == -1 && errno == EFAULT);
	CHECK(nanosleep(BAD_KERNEL, NULL) == -1 && errno == EFAULT);
	CHECK(execv(BAD_USER, (char *[]){ "x", NULL }) == -1 && errno == EFAULT);
	CHECK(execv(self, BAD_USER) == -1 && errno == EFAULT);
	CHECK(mica_stats(BAD_KERNEL, sizeof(struct mica_stats)) == -1 && errno == EFAULT);
	CHECK(mica_procs(BAD_USER, 4) == -1 && errno == EFAULT);
	CHECK(execve(self, (char *[]){ "x", NULL }, BAD_USER) == -1 && errno == EFAULT);
	CHECK(mmap(BAD_KERNEL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) ==
		  MAP_FAILED &&
	      errno == EINVAL);
	pid = fork();
	if (pid == 0)
		_exit(3);
	CHECK(waitpid(pid, BAD_USER, 0) == -1 && errno == EFAULT);
	CHECK(waitpid(pid, &status, 0) == pid && WEXITSTATUS(status) == 3); /* still there */
	ts.tv_sec = 0;
	ts.tv_nsec = 2000000000L;
	CHECK(nanosleep(&ts, NULL) == -1 && errno == EINVAL);
	CHECK(write(7, "x", 1) == -1 && errno == EBADF);
	CHECK(kill(getpid(), 0) == 0); /* exists */
	CHECK(kill(getpid(), 100) == -1 && errno == EINVAL);
	CHECK(kill(4000, 9) == -1 && errno == ESRCH);
}

/* Forks sleeping children until fork fails; returns how many, and the error in *err. */
static int fork_storm(pid_t *kids, int max, int *err)
{
	int n = 0;

	for (; n < max; n++) {
		kids[n] = fork();
		if (kids[n] == 0) {
			struct timespec ts = { 60, 0 };

			nanosleep(&ts, NULL); /* until killed */
			_exit(0);
		}
		if (kids[n] < 0) {
			*err = errno;
			break;
		}
	}
	return n;
}

/* Kills and reaps kids[0..n); returns how many died of signal 9. */
static int kill_all(pid_t *kids, int n)
{
	int status, killed = 0;

	for (int i = 0; i < n; i++)
		CHECK(kill(kids[i], 9) == 0);
	for (int i = 0; i < n; i++)
		killed += waitpid(kids[i], &status, 0) == kids[i] && WIFSIGNALED(status) &&
			  WTERMSIG(status) == 9;
	return killed;
}

/* The first storm grows the kernel's caches to their peak (each then keeps one empty slab);
 * the second must leave exactly the free-page count the first one left. */
/* write() of more than a page goes through pinned pages (get_user_pages_fast): all of it,
 * then stopping exactly at a hole, then -EFAULT for a buffer that starts in one. The bytes
 * are newlines, so the console shows only blank lines. */
static void large_write_is_pinned_and_stops_at_a_hole(void)
{
	size_t pg = 4096, n = 24 * pg;
	char *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	CHECK(p != MAP_FAILED);
	if (p == MAP_FAILED)
		return;
	memset(p, '\n', n);
	CHECK(write(1, p, 3 * pg) == (ssize_t)(3 * pg));
	CHECK(munmap(p + 20 * pg, pg) == 0);
	CHECK(write(1, p + 17 * pg, 5 * pg) == (ssize_t)(3 * pg)); /* up to the hole */
	CHECK(write(1, p + 20 * pg, 2 * pg) == -1 && errno == EFAULT);
	CHECK(munmap(p, n) == 0);
}

static void fork_until_failure_then_recover(void)
{
	static pid_t kids[600];
	unsigned long long before;
	int n, err = 0, status;

	n = fork_storm(kids, 600, &err);
	CHECK(kill_all(kids, n) == n);
	before = settled_free_pages(0);
	n = fork_storm(kids, 600, &err);
	printf("    # forked %d children before error %d\n", n, err);
	CHECK(n > 10 && (err == EAGAIN || err == ENOMEM));
	CHECK(kill_all(kids, n) == n);
	{
		unsigned long long after = settled_free_pages(before);

		printf("    # free pages before %llu, after %llu\n", before, after);
		CHECK(after == before);
	}
	/* and fork works again */
	kids[0] = fork();
	if (kids[0] == 0)
		_exit(5);
	CHECK(kids[0] > 0 && waitpid(kids[0], &status, 0) == kids[0] && WEXITSTATUS(status) == 5);
}

/* ---- threads ---- */

struct worker {
	int id, errors;
	char *area;
	size_t len;
};

static void *memory_worker(void *arg)
{
	struct worker *w = arg;

	for (int round = 0; round < 20; round++) {
		char *p =
		    mmap(NULL, w->len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED) {
			w->errors++;
			continue;
		}
		for (size_t i = 0; i < w->len; i += 4096)
			p[i] = (char)(w->id + round + i / 4096);
		for (size_t i = 0; i < w->len; i += 4096)
			w->errors += p[i] != (char)(w->id + round + i / 4096);
		w->errors += munmap(p, w->len) != 0;
		if (round % 5 == 0)
			sched_yield();
	}
	return NULL;
}

static void threads_of_many_processes(void)
{
	pid_t pids[6];
	int status;

	for (int k = 0; k < 6; k++) {
		pids[k] = fork();
		if (pids[k] == 0) {
			struct worker w[4];
			mica_thread_t th[4];
			int errors = 0;

			for (int i = 0; i < 4; i++) {
				w[i] = (struct worker){ k * 10 + i, 0, NULL, 16 * 4096 };
				if (mica_thread_create(&th[i], memory_worker, &w[i]))
					errors++;
			}
			for (int i = 0; i < 4; i++) {
				errors += mica_thread_join(th[i], NULL) != 0;
				errors += w[i].errors;
			}
			_exit(errors ? 1 : 0);
		}
	}
	for (int k = 0; k < 6; k++)
		CHECK(waitpid(pids[k], &status, 0) == pids[k] && WIFEXITED(status) &&
		      WEXITSTATUS(status) == 0);
}

static volatile char *shared_area;

static void *reader_thread(void *arg)
{
	(void)arg;
	for (;;)
		(void)shared_area[0]; /* until the area vanishes: the process is killed */
	return NULL;
}

/* In a child: one thread reads an area while the other unmaps it. The reader faults on the
 * unmapped page and the whole process dies of SIGSEGV, cleanly. */
static void fault_while_unmapping_child(void)
{
	mica_thread_t th;
	struct timespec ts = { 0, 20 * 1000 * 1000 };

	shared_area = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	shared_area[0] = 1;
	mica_thread_create(&th, reader_thread, NULL);
	nanosleep(&ts, NULL);
	munmap((void *)shared_area, 4096);
	mica_thread_join(th, NULL); /* never returns: the reader's fault kills us */
	failures++;
}

static void thread_faults_while_another_unmaps(void)
{
	for (int i = 0; i < 3; i++) {
		int status = in_child(fault_while_unmapping_child);

		CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV);
	}
}

/* madvise(MADV_DONTNEED) drops pages (the kernel's zap of a range, MG-6): they read as
 * zeros afterwards, their neighbours keep their data, and the hints change nothing. */
static void madvise_dontneed_zeroes_and_errors(void)
{
	size_t pg = 4096;
	char *p = mmap(NULL, 8 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned long long before;

	CHECK(p != MAP_FAILED);
	if (p == MAP_FAILED)
		return;
	memset(p, 9, 8 * pg);
	before = free_pages();
	CHECK(madvise(p + 2 * pg, 4 * pg, MADV_DONTNEED) == 0);
	CHECK(free_pages() >= before + 4); /* the four pages went back */
	for (int i = 0; i < 8; i++)
		CHECK(p[i * pg] == (i >= 2 && i < 6 ? 0 : 9) && p[i * pg + pg - 1] == p[i * pg]);
	memset(p + 3 * pg, 5, pg); /* a dropped page works again */
	CHECK(p[3 * pg] == 5 && p[4 * pg] == 0);
	CHECK(madvise(p, 8 * pg, MADV_WILLNEED) == 0 && p[0] == 9 && p[3 * pg] == 5);
	CHECK(madvise(p, 0, MADV_DONTNEED) == 0 && p[0] == 9);
	CHECK(madvise(p + 1, pg, MADV_DONTNEED) == -1 && errno == EINVAL);
	CHECK(madvise(p, pg, 99) == -1 && errno == EINVAL);
	CHECK(madvise(p, (size_t)-4096, MADV_DONTNEED) == -1 && errno == ENOMEM);
	/* a hole in the range: -ENOMEM, and the mapped part is dropped all the same */
	CHECK(munmap(p + 7 * pg, pg) == 0);
	CHECK(madvise(p + 6 * pg, 2 * pg, MADV_DONTNEED) == -1 && errno == ENOMEM);
	CHECK(p[6 * pg] == 0 && p[0] == 9);
	CHECK(munmap(p, 8 * pg) == 0);
}

/* A process of 256 MiB, every page written, exits: the full-mm gather (MG-6) tears it down
 * under the TLB model (TLB-6), which checks every one of its frames as it is freed. */
#define BIG_MB 256UL
#define BIG_PAGES (BIG_MB << 20 >> 12)

static void big_process(void)
{
	unsigned long *p =
	    mmap(NULL, BIG_MB << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	const unsigned long words = 4096 / sizeof(*p); /* per page */
	unsigned long bad = 0;

	if (p == MAP_FAILED)
		_exit(2);
	for (unsigned long i = 0; i < BIG_PAGES; i++)
		p[i * words + i % words] = i;
	for (unsigned long i = 0; i < BIG_PAGES; i++)
		bad += p[i * words + i % words] != i;
	_exit(bad ? 3 : 0);
}

static void exit_of_a_256_mib_process_with_the_tlb_model_on(void)
{
	struct mica_stats s0, s1;
	struct timespec t0, t1;
	unsigned long long before;
	int status = -1;
	pid_t pid;

	before = settled_free_pages(0);
	if (before < BIG_PAGES + 8192) {
		printf("    # needs %lu MiB free, has %llu MiB: boot with -m 512M\n", BIG_MB + 32,
		       before >> 8);
		_exit(SKIP_STATUS);
	}
	CHECK(mica_stats(&s0, sizeof(s0)) == sizeof(s0));
	CHECK(s0.tlb_model_on == 1);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid = fork();
	if (pid == 0)
		big_process();
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(settled_free_pages(before) == before);
	CHECK(mica_stats(&s1, sizeof(s1)) == sizeof(s1));
	printf("    # %lu MiB written and torn down in %ld ms; the model made %llu records, "
	       "at most %llu alive at once, %llu alive now, %llu overflows\n",
	       BIG_MB, (long)((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000),
	       s1.tlb_model_recorded - s0.tlb_model_recorded, s1.tlb_model_max_pending,
	       s1.tlb_model_pending, s1.tlb_model_overflows);
	CHECK(s1.tlb_model_recorded - s0.tlb_model_recorded >= BIG_PAGES);
	CHECK(s1.tlb_model_pending == 0);
	CHECK(s1.tlb_model_overflows == 0);
}

/* Migration through the debug call: a page shared by a parent and its forked child moves
 * while both keep reading it, and a page written by two threads moves under their writes;
 * nothing is lost (the kernel's rmap finds every mapping), and bad arguments are errors. */
static volatile unsigned long *mig_page;
static volatile int mig_stop;

static void *mig_writer_thread(void *arg)
{
	unsigned long slot = (unsigned long)arg;

	for (int i = 0; i < 20000; i++)
		mig_page[slot]++;
	return NULL;
}

static void migration_keeps_every_mapping_and_every_write(void)
{
	size_t pg = 4096;
	unsigned long *shared =
	    mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	mica_thread_t th[2];
	int status, moved = 0;
	pid_t pid;

	CHECK(shared != MAP_FAILED);
	if (shared == MAP_FAILED)
		return;
	shared[0] = 0xfeed;
	pid = fork();
	if (pid == 0) { /* the child reads the shared page while the parent moves it */
		for (int i = 0; i < 200000; i++)
			if (shared[0] != 0xfeed)
				_exit(3);
		_exit(0);
	}
	/* EAGAIN is a normal answer (the child's exit, say, holds the page for a moment):
	 * keep asking until 50 moves, within a bound. */
	for (int i = 0; i < 5000 && moved < 50; i++)
		if (mica_migrate(shared) == 0)
			moved++;
		else
			sched_yield();
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(shared[0] == 0xfeed);
	CHECK(moved == 50);

	mig_page = (volatile unsigned long *)((char *)shared + pg);
	CHECK(mica_thread_create(&th[0], mig_writer_thread, (void *)0) == 0);
	CHECK(mica_thread_create(&th[1], mig_writer_thread, (void *)1) == 0);
	for (int i = 0; i < 100; i++)
		moved += mica_migrate((void *)mig_page) == 0;
	CHECK(mica_thread_join(th[0], NULL) == 0 && mica_thread_join(th[1], NULL) == 0);
	CHECK(mig_page[0] == 20000 && mig_page[1] == 20000);
	printf("    # %d pages moved\n", moved);

	CHECK(mica_migrate((char *)shared + 1) == -1 && errno == EINVAL);
	CHECK(munmap(shared, 2 * pg) == 0);
	CHECK(mica_migrate(shared) == -1 && errno == EFAULT);
	CHECK(mica_migrate(BAD_KERNEL) == -1 && errno == EFAULT);
}

/* A MAP_SHARED|MAP_ANONYMOUS counter incremented by a child is seen by its parent; a private
 * mapping beside it stays private (the child's writes to it are its own copies). */
static void shared_mapping_is_shared_across_fork_and_private_stays_private(void)
{
	size_t pg = 4096;
	volatile unsigned long *counter =
	    mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	volatile unsigned long *priv =
	    mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int status;
	pid_t pid;

	CHECK(counter != MAP_FAILED && priv != MAP_FAILED);
	if (counter == MAP_FAILED || priv == MAP_FAILED)
		return;
	*counter = 0;
	*priv = 7;
	pid = fork();
	if (pid == 0) {
		for (int i = 0; i < 1000; i++) {
			(*counter)++;
			(*priv)++;
		}
		_exit(*priv == 1007 ? 0 : 3);
	}
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(*counter == 1000);
	CHECK(*priv == 7);
	CHECK(mmap(NULL, pg, PROT_READ, MAP_SHARED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) ==
		  MAP_FAILED &&
	      errno == EINVAL);
	CHECK(munmap((void *)counter, pg) == 0 && munmap((void *)priv, pg) == 0);
}

/* Processes, threads, copy-on-write, mmap: a workload that touches every kernel cache. */
static int leak_workload(void)
{
	int status;

	for (int i = 0; i < 5; i++)
		(void)in_child(cow_isolation);
	status = in_child(threads_of_many_processes);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* The first round grows the kernel's caches to their peak (each keeps one empty slab
 * afterwards); a second identical round must give back exactly every page it took. */
static void nothing_leaked(void)
{
	unsigned long long before, after;

	CHECK(leak_workload());
	before = settled_free_pages(0);
	CHECK(leak_workload());
	after = settled_free_pages(before);
	printf("    # free pages before %llu, after %llu\n", before, after);
	CHECK(after == before);
}

/* ---- the runner ---- */

struct usertest {
	const char *name;
	void (*fn)(void);
};

static const struct usertest tests[] = {
	{ "fork_exec_exit_wait", fork_exec_exit_wait },
	{ "cow_isolation", cow_isolation },
	{ "mmap_semantics_and_errors", mmap_semantics_and_errors },
	{ "brk_grows_and_shrinks", brk_grows_and_shrinks },
	{ "bad_pointers_are_efault", bad_pointers_are_efault },
	{ "large_write_is_pinned_and_stops_at_a_hole", large_write_is_pinned_and_stops_at_a_hole },
	{ "fork_until_failure_then_recover", fork_until_failure_then_recover },
	{ "threads_of_many_processes", threads_of_many_processes },
	{ "thread_faults_while_another_unmaps", thread_faults_while_another_unmaps },
	{ "madvise_dontneed_zeroes_and_errors", madvise_dontneed_zeroes_and_errors },
	{ "exit_of_a_256_mib_process_with_the_tlb_model_on",
	  exit_of_a_256_mib_process_with_the_tlb_model_on },
	{ "migration_keeps_every_mapping_and_every_write",
	  migration_keeps_every_mapping_and_every_write },
	{ "shared_mapping_is_shared_across_fork_and_private_stays_private",
	  shared_mapping_is_shared_across_fork_and_private_stays_private },
	{ "nothing_leaked", nothing_leaked },
};
#define NTESTS (int)(sizeof(tests) / sizeof(tests[0]))

int main(int argc, char **argv)
{
	int failed = 0, first = 0, last = NTESTS;

	if (argc == 3 && !strcmp(argv[1], "--exit-with"))
		return atoi(argv[2]);
	if (argc == 2) {
		for (first = 0; first < NTESTS && strcmp(tests[first].name, argv[1]); first++)
			;
		if (first == NTESTS) {
			fprintf(stderr, "usertests: no case named %s\n", argv[1]);
			return 2;
		}
		last = first + 1;
	}
	setvbuf(stdout, NULL, _IONBF, 0); /* lines must not wait in a buffer across fork */
	printf("KTAP version 1\n1..1\n");
	printf("    KTAP version 1\n    # Subtest: usertests\n    1..%d\n", last - first);
	(void)in_child(cow_isolation); /* warm the kernel's caches before nothing_leaked counts */
	for (int i = first; i < last; i++) {
		int status = in_child(tests[i].fn);
		int skip = WIFEXITED(status) && WEXITSTATUS(status) == SKIP_STATUS;
		int ok = skip || (WIFEXITED(status) && WEXITSTATUS(status) == 0);

		if (!ok && WIFSIGNALED(status))
			printf("    # %s: killed by signal %d\n", tests[i].name, WTERMSIG(status));
		printf("    %s %d %s%s\n", ok ? "ok" : "not ok", i - first + 1, tests[i].name,
		       skip ? " # SKIP" : "");
		failed += !ok;
	}
	printf("%s 1 usertests\n", failed ? "not ok" : "ok");
	return failed ? 1 : 0;
}
