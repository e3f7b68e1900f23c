/*
 * The system-call layer newlib is built to call (configured with
 * --disable-newlib-supplied-syscalls): newlib's read(), write(), fork(), ... and its stdio and
 * malloc go through _read_r, _write_r, ... (libc/reent/), which call the functions here. Each
 * returns -1 with errno set on failure (user/lib/errno.c). Names newlib references that Mica
 * has no system call for yet (no files: _open, _close, _lseek, _fstat, _link, _unlink, _stat)
 * answer as a system with only a console would.
 */
#include "internal.h"

#include <errno.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/times.h>
#include <time.h>
#include <unistd.h>

/* newlib declares these only while compiling itself (_COMPILING_NEWLIB). */
int _close(int fd);
int _execve(const char *path, char *const argv[], char *const envp[]);
int _fork(void);
int _fstat(int fd, struct stat *st);
int _getpid(void);
int _gettimeofday(struct timeval *tv, void *tz);
int _isatty(int fd);
int _kill(int pid, int sig);
int _link(const char *old, const char *new);
_off_t _lseek(int fd, _off_t off, int whence);
int _open(const char *path, int flags, int mode);
_READ_WRITE_RETURN_TYPE _read(int fd, void *buf, size_t n);
void *_sbrk(ptrdiff_t incr);
int _stat(const char *path, struct stat *st);
clock_t _times(struct tms *t);
int _unlink(const char *path);
int _wait(int *status);
_READ_WRITE_RETURN_TYPE _write(int fd, const void *buf, size_t n);

/* Descriptors 0, 1 and 2 are the console, the only ones the kernel has. */
static int is_console(int fd)
{
	return fd >= 0 && fd <= 2;
}

/* Ends the process (every thread) with status; newlib's exit() calls it last. */
void _exit(int status)
{
	__mica_sys1(SYS_exit, status);
	for (;;) /* not reached: SYS_exit does not return */
		;
}

_READ_WRITE_RETURN_TYPE _write(int fd, const void *buf, size_t n)
{
	return __mica_call3(SYS_write, fd, buf, n);
}

_READ_WRITE_RETURN_TYPE _read(int fd, void *buf, size_t n)
{
	return __mica_call3(SYS_read, fd, buf, n);
}

/* No SYS_close yet: the console descriptors stay open. */
int _close(int fd)
{
	if (is_console(fd))
		return 0;
	return __mica_error(EBADF);
}

/* The console cannot seek (what stdio's fseek/ftell learn from this). */
_off_t _lseek(int fd, _off_t off, int whence)
{
	return __mica_error(is_console(fd) ? ESPIPE : EBADF);
}

/* The console is a character device: stdio then buffers stdout by line, not by block. */
int _fstat(int fd, struct stat *st)
{
	if (!is_console(fd)) {
		return __mica_error(EBADF);
	}
	*st = (struct stat){ .st_mode = S_IFCHR | 0620 };
	return 0;
}

int _isatty(int fd)
{
	if (is_console(fd))
		return 1;
	__mica_error(EBADF);
	return 0;
}

int _getpid(void)
{
	return (int)__mica_sys0(SYS_getpid);
}

/* Any signal kills the target (the kernel has no handlers yet); abort() comes here. */
int _kill(int pid, int sig)
{
	return (int)__mica_call2(SYS_kill, pid, sig);
}

/*
 * Moves the break by incr bytes over SYS_brk, which answers with the break as it now is
 * (unchanged when it could not move). Returns the old break, or (void *)-1 with errno ENOMEM.
 * Called by malloc only, under its lock.
 */
void *_sbrk(ptrdiff_t incr)
{
	static char *brk_now;
	char *old, *want;

	if (!brk_now)
		brk_now = (char *)__mica_sys1(SYS_brk, 0);
	old = brk_now;
	if (incr == 0)
		return old;
	want = old + incr;
	brk_now = (char *)__mica_sys1(SYS_brk, want);
	if (brk_now != want) {
		brk_now = old;
		__mica_error(ENOMEM);
		return (void *)-1;
	}
	return old;
}

int _fork(void)
{
	return (int)__mica_call0(SYS_fork);
}

int _execve(const char *path, char *const argv[], char *const envp[])
{
	return (int)__mica_call3(SYS_execve, path, argv, envp);
}

int _wait(int *status)
{
	return (int)__mica_call4(SYS_wait4, -1, status, 0, 0);
}

/* time() and gettimeofday(): CLOCK_REALTIME, which counts from boot until there is an RTC. */
int _gettimeofday(struct timeval *tv, void *tz)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) < 0)
		return -1;
	if (tv) {
		tv->tv_sec = ts.tv_sec;
		tv->tv_usec = ts.tv_nsec / 1000;
	}
	return 0;
}

/*
 * clock() and times(): the kernel keeps no CPU-time accounts yet, so these report the
 * monotonic time as the process's user time (in CLOCKS_PER_SEC ticks; times() takes it as
 * its tick too).
 */
clock_t _times(struct tms *t)
{
	struct timespec ts;
	clock_t now;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
		return (clock_t)-1;
	now = (clock_t)ts.tv_sec * CLOCKS_PER_SEC +
	      (clock_t)ts.tv_nsec / (1000000000L / CLOCKS_PER_SEC);
	if (t)
		*t = (struct tms){ .tms_utime = now };
	return now;
}

/* No files yet. */
int _open(const char *path, int flags, int mode)
{
	return __mica_error(ENOENT);
}

int _stat(const char *path, struct stat *st)
{
	return __mica_error(ENOENT);
}

int _link(const char *old, const char *new)
{
	return __mica_error(ENOSYS);
}

int _unlink(const char *path)
{
	return __mica_error(ENOENT);
}
