/* ps: every process, from the kernel's list (SYS_mica_procs). */
#include <mica.h>
#include <stdio.h>

int main(void)
{
	static struct mica_proc procs[512];
	long n = mica_procs(procs, sizeof(procs) / sizeof(procs[0]));

	if (n < 0) {
		perror("ps");
		return 1;
	}
	printf("  PID  PPID S THR    VSZ(KiB) NAME\n");
	for (long i = 0; i < n && i < (long)(sizeof(procs) / sizeof(procs[0])); i++)
		printf("%5d %5d %c %3d %11llu %s\n", procs[i].pid, procs[i].ppid, procs[i].state,
		       procs[i].threads, procs[i].vm_pages * 4, procs[i].name);
	return 0;
}
