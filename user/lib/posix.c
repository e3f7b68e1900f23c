/*
 * POSIX calls newlib declares but does not implement (it has no kernel to call), over Mica's
 * system calls: waitpid, execv, getppid, sched_yield, nanosleep, sleep, usleep,
 * clock_gettime, mmap, munmap, mprotect, madvise. fork, execve, wait, kill, getpid and _exit are
 * newlib's, over user/lib/syscalls.c. Each returns -1 (mmap: MAP_FAILED) with errno set on
 * failure.
 *
 * The compile-time checks below are the user half of the ABI contract: where newlib's view of
 * a value or a struct must be the kernel's, this file does not build if they part.
 */
#include "internal.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* struct timespec is what the kernel reads and writes as struct mica_timespec. */
_Static_assert(sizeof(struct timespec) == sizeof(struct mica_timespec), "timespec size");
_Static_assert(sizeof(((struct timespec *)0)->tv_sec) == sizeof(long long), "time_t: 64 bits");
_Static_assert(offsetof(struct timespec, tv_sec) == offsetof(struct mica_timespec, tv_sec),
	       "timespec.tv_sec");
_Static_assert(offsetof(struct timespec, tv_nsec) == offsetof(struct mica_timespec, tv_nsec),
	       "timespec.tv_nsec");
/* newlib's <sys/wait.h> decodes the kernel's status words (Linux's encoding). */
_Static_assert(WIFEXITED(MICA_W_EXITED(42)) && WEXITSTATUS(MICA_W_EXITED(42)) == 42,
	       "wait status: exited");
_Static_assert(WIFSIGNALED(MICA_W_KILLED(9)) && WTERMSIG(MICA_W_KILLED(9)) == 9,
	       "wait status: killed");
_Static_assert(!WIFEXITED(MICA_W_KILLED(9)) && !WIFSIGNALED(MICA_W_EXITED(0)), "wait status");
_Static_assert(SIGKILL == MICA_SIGKILL, "SIGKILL");

pid_t waitpid(pid_t pid, int *status, int options)
{
	return (pid_t)__mica_call4(SYS_wait4, pid, status, options, 0);
}

int execv(const char *path, char *const argv[])
{
	extern char **environ;

	return execve(path, argv, environ);
}

pid_t getppid(void)
{
	return (pid_t)__mica_sys0(SYS_getppid);
}

int sched_yield(void)
{
	return (int)__mica_call0(SYS_sched_yield);
}

/*
 * newlib's clock ids are not the kernel's: CLOCK_REALTIME is 1 and CLOCK_MONOTONIC 4 in
 * <time.h>, MICA_CLOCK_REALTIME 0 and MICA_CLOCK_MONOTONIC 1 in <mica/abi.h>.
 */
int clock_gettime(clockid_t clock, struct timespec *tp)
{
	int kclock;

	if (clock == CLOCK_REALTIME)
		kclock = MICA_CLOCK_REALTIME;
	else if (clock == CLOCK_MONOTONIC)
		kclock = MICA_CLOCK_MONOTONIC;
	else
		return __mica_error(EINVAL);
	return (int)__mica_call2(SYS_clock_gettime, kclock, tp);
}

int nanosleep(const struct timespec *req, struct timespec *rem)
{
	return (int)__mica_call2(SYS_nanosleep, req, rem);
}

/* Returns 0, or the seconds left unslept if a sleep was cut short. */
unsigned sleep(unsigned seconds)
{
	struct timespec req = { .tv_sec = seconds }, rem = { 0 };

	if (nanosleep(&req, &rem) < 0)
		return (unsigned)rem.tv_sec + (rem.tv_nsec > 0);
	return 0;
}

int usleep(useconds_t usec)
{
	struct timespec req = { .tv_sec = usec / 1000000,
				.tv_nsec = (long)(usec % 1000000) * 1000 };

	return nanosleep(&req, NULL);
}

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	long r = __mica_syscall6(SYS_mmap, (long)addr, (long)len, prot, flags, fd, (long)off);

	return __mica_ret(r) == -1 ? MAP_FAILED : (void *)r;
}

int munmap(void *addr, size_t len)
{
	return (int)__mica_call2(SYS_munmap, addr, len);
}

int mprotect(void *addr, size_t len, int prot)
{
	return (int)__mica_call3(SYS_mprotect, addr, len, prot);
}

int madvise(void *addr, size_t len, int advice)
{
	return (int)__mica_call3(SYS_madvise, addr, len, advice);
}
