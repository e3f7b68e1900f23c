/* What kernel/proc's files share and nobody else needs. */
#ifndef MICA_PROC_INTERNAL_H
#define MICA_PROC_INTERNAL_H

#include <mica/mutex.h>
#include <mica/proc.h>
#include <mica/uaccess.h>

extern struct mutex proc_lock;

struct process *current_proc(void);
/* The process with this pid, or NULL (none, or out of range). proc_lock held. */
struct process *proc_find(int pid);
bool current_killed(void);
void thread_exit(int status_if_first) __attribute__((noreturn));

/* True if [a, a+n) lies in the user range. */
static inline bool access_ok_range(unsigned long a, unsigned long n)
{
	return access_ok((const void __user *)a, n);
}

/* ---- exec (exec.c) ---- */
#define EXEC_MAX_ARGS 64  /* argv plus envp entries */
#define EXEC_STRINGS 4096 /* bytes of argument and environment strings, NULs included */
#define EXEC_PATH_MAX 128

/* A program and its arguments, copied into the kernel before the old image goes. */
struct exec_args {
	char path[EXEC_PATH_MAX];
	int argc, envc;
	char *argv[EXEC_MAX_ARGS]; /* pointers into strings; argv then envp */
	char strings[EXEC_STRINGS];
	size_t used;
};
/* From kernel strings (init). NULL and *err = -E2BIG / -ENOMEM on failure. */
struct exec_args *exec_args_from_kernel(const char *path, char *const argv[], int *err);
/* Replaces the current process's image with ea's program; on success the current thread's
 * user frame enters it. 0 or -errno (the old image is untouched then). */
int do_execve(struct exec_args *ea);

/* ---- the initramfs (initramfs.c) ---- */
/* The file named path (leading '/' optional) in the initramfs: its data and size. 0 or
 * -ENOENT. */
int initramfs_find(const char *path, const void **data, size_t *size);

/* ---- system calls (process.c, ps.c, mmap.c, syscall.c) ---- */
long sys_fork(const unsigned long *a);
long sys_clone(const unsigned long *a);
long sys_exit(const unsigned long *a);
long sys_thread_exit(const unsigned long *a);
long sys_thread_join(const unsigned long *a);
long sys_kill(const unsigned long *a);
long sys_wait4(const unsigned long *a);
long sys_execve(const unsigned long *a);
long sys_mmap(const unsigned long *a);
long sys_munmap(const unsigned long *a);
long sys_mprotect(const unsigned long *a);
long sys_madvise(const unsigned long *a);
long sys_mica_migrate(const unsigned long *a);
long sys_brk(const unsigned long *a);
long sys_mica_procs(const unsigned long *a);

#endif
