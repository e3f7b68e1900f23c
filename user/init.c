/*
 * init: pid 1. Starts the shell on the console and reaps every process that ends, its own
 * children and the orphans the kernel hands it. When the shell exits, init exits with the
 * shell's status once nothing else is left, and the kernel then leaves QEMU with it.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
	char *sh_argv[] = { "sh", NULL };
	int status, sh_status = 0;
	pid_t sh, pid;

	printf("init: Mica user space, pid %d; starting /sh (type `exit` to leave)\n", getpid());
	sh = fork();
	if (sh == 0) {
		execv("/sh", sh_argv);
		perror("init: exec /sh");
		_exit(127);
	}
	if (sh < 0) {
		perror("init: fork");
		return 1;
	}
	/* Reap everything; the shell's end is the system's end. */
	while ((pid = wait(&status)) > 0 || errno == EINTR) {
		if (pid == sh) {
			sh_status =
			    WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
			sh = -1;
		} else if (pid > 0 && sh > 0) {
			printf("init: reaped orphan %d\n", pid);
		}
	}
	printf("init: the shell exited with %d; halting\n", sh_status);
	return sh_status;
}
