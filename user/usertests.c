/*
 * usertests: the user-space test suite (issue "processes and user space"), in plain POSIX C
 * over newlib. Prints KTAP like the in-kernel suites, so tests/run judges it the same way,
 * and exits 0 only if every case passed. Booted as init (init=/usertests) by tests/run.
 *
 * Each case runs in its own child process, so a case that crashes is one failed case, not a
 * lost run. `usertests NAME` runs one case. The memory-management cases are in
 * user/usertests/mm.c, what both share in user/usertests/usertests.h.
 */
#include "usertests/usertests.h"

static const char *self = "/usertests";
int failures;

int in_child(void (*fn)(void))
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

unsigned long long free_pages(void)
{
	struct mica_stats s;

	return mica_stats(&s, sizeof(s)) == sizeof(s) ? s.free_pages : 0;
}

unsigned long long settled_free_pages(unsigned long long want)
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
