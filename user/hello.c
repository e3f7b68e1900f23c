/*
 * The first Mica user program: formatted output of an int, a string and a float (newlib's
 * printf, over write() to the console), a malloc (over brk), the clock (clock_gettime and
 * time), and its own arguments and environment, as the kernel laid them on the stack.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int main(int argc, char **argv, char **envp)
{
	struct timespec t0, t1;
	char *buf;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	printf("hello from user space: int %d, string \"%s\", float %.3f\n", 42, "mica", 3.14159);

	for (int i = 0; i < argc; i++)
		printf("argv[%d] = \"%s\"\n", i, argv[i]);
	for (char **e = envp; *e; e++)
		printf("env: %s\n", *e);

	buf = malloc(100000); /* past newlib's first sbrk, so the break really moves */
	if (!buf) {
		perror("malloc");
		return 1;
	}
	memset(buf, 'x', 100000);
	printf("malloc(100000) = %p, filled\n", (void *)buf);
	free(buf);

	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("time() = %lld s since the epoch (the kernel's: since boot); main took %lld ns\n",
	       (long long)time(NULL),
	       (long long)(t1.tv_sec - t0.tv_sec) * 1000000000 + (t1.tv_nsec - t0.tv_nsec));
	return 0;
}
