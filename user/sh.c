/*
 * sh: Mica's shell. Runs programs from the initramfs by name with arguments:
 *     $ usertests cow_isolation
 *     $ hello &          run in the background ([pid] is printed, and "done" later)
 *     $ wait             wait for every background job
 *     $ exit [n]         leave (init then halts the machine)
 * A program's nonzero exit status or fatal signal is shown after it. The console gives raw
 * bytes with no echo, so the shell echoes and handles backspace itself.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define LINE_MAX_LEN 256
#define ARGS_MAX 16

/* Reads one line with echo and backspace; returns its length, or -1 at end of input. */
static int read_line(char *buf, int size)
{
	int n = 0;

	for (;;) {
		char c;
		ssize_t r = read(0, &c, 1);

		if (r <= 0)
			return n ? n : -1;
		if (c == '\r' || c == '\n') {
			write(1, "\n", 1);
			buf[n] = '\0';
			return n;
		}
		if (c == 0x04 && n == 0) /* Ctrl-D on an empty line */
			return -1;
		if ((c == 0x7f || c == 0x08) && n > 0) {
			n--;
			write(1, "\b \b", 3);
			continue;
		}
		if (c >= ' ' && c < 0x7f && n < size - 1) {
			buf[n++] = c;
			write(1, &c, 1);
		}
	}
}

/* Prints how a job ended, when that is worth saying. */
static void report(pid_t pid, int status, int background)
{
	if (WIFSIGNALED(status))
		printf("[%d] killed by signal %d\n", pid, WTERMSIG(status));
	else if (background)
		printf("[%d] done, exit %d\n", pid, WEXITSTATUS(status));
	else if (WEXITSTATUS(status))
		printf("[exit %d]\n", WEXITSTATUS(status));
}

/* Runs argv[0] from the initramfs; waits for it unless background. */
static void run(char **argv, int background)
{
	char path[64];
	int status;
	pid_t pid;

	snprintf(path, sizeof(path), "/%s", argv[0]);
	pid = fork();
	if (pid == 0) {
		execv(path, argv);
		printf("sh: %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	if (pid < 0) {
		printf("sh: fork: %s\n", strerror(errno));
		return;
	}
	if (background) {
		printf("[%d]\n", pid);
		return;
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	report(pid, status, 0);
}

/* Reports background jobs that have ended (without waiting), or all of them (waiting). */
static void reap_jobs(int wait_all)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, wait_all ? 0 : WNOHANG)) > 0)
		report(pid, status, 1);
}

int main(void)
{
	char line[LINE_MAX_LEN];

	setvbuf(stdout, NULL, _IONBF, 0);
	for (;;) {
		char *argv[ARGS_MAX + 1], *save = NULL, *w;
		int argc = 0, background = 0, len;

		reap_jobs(0);
		printf("$ ");
		len = read_line(line, sizeof(line));
		if (len < 0)
			return 0;
		for (w = strtok_r(line, " \t", &save); w && argc < ARGS_MAX;
		     w = strtok_r(NULL, " \t", &save))
			argv[argc++] = w;
		if (argc && !strcmp(argv[argc - 1], "&")) {
			background = 1;
			argc--;
		}
		argv[argc] = NULL;
		if (!argc)
			continue;
		if (!strcmp(argv[0], "exit"))
			return argc > 1 ? atoi(argv[1]) : 0;
		if (!strcmp(argv[0], "wait")) {
			reap_jobs(1);
			continue;
		}
		run(argv, background);
	}
}
