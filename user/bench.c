/*
 * bench: user-space figures for `make bench`, in portable POSIX C (fork, waitpid, mmap,
 * munmap, clock_gettime only), so the same file builds and runs on another kernel for
 * comparison: `cc -O2 user/bench.c -o bench && ./bench` on Linux.
 *   fork+exit+wait per second, and mmap+touch+munmap pages per second (16 MiB at a time).
 * Prints "bench: ..." lines; exits 0 unless a call failed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int fork_exit_wait(int rounds)
{
	double t0 = now(), dt;

	for (int i = 0; i < rounds; i++) {
		int status;
		pid_t pid = fork();

		if (pid == 0)
			_exit(0);
		if (pid < 0 || waitpid(pid, &status, 0) != pid) {
			perror("bench: fork/wait");
			return 1;
		}
	}
	dt = now() - t0;
	printf("bench: fork+exit+wait: %.0f per second (%.1f us each, %d rounds)\n", rounds / dt,
	       dt * 1e6 / rounds, rounds);
	return 0;
}

static int map_touch_unmap(int rounds)
{
	const size_t len = 16u << 20, page = 4096;
	double t0 = now(), dt;

	for (int r = 0; r < rounds; r++) {
		char *p =
		    mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED) {
			perror("bench: mmap");
			return 1;
		}
		for (size_t i = 0; i < len; i += page)
			p[i] = 1;
		if (munmap(p, len)) {
			perror("bench: munmap");
			return 1;
		}
	}
	dt = now() - t0;
	printf("bench: mmap+touch+munmap of 16 MiB: %.0f pages per second (%d rounds, %.1f ms "
	       "each)\n",
	       rounds * (double)(len / page) / dt, rounds, dt * 1e3 / rounds);
	return 0;
}

int main(void)
{
	int failed = 0;

	setvbuf(stdout, NULL, _IONBF, 0);
	failed |= fork_exit_wait(200);
	failed |= map_touch_unmap(4);
	return failed;
}
