/*
 * The process list for `ps` (mica_procs, syscall 21): one struct mica_proc per process, by
 * pid, copied out under proc_lock. The model is in <mica/proc.h>, the chapter
 * docs/processes.md.
 */
#include <mica/errno.h>
#include <mica/mm_types.h>
#include <mica/string.h>
#include <uapi/mica/abi.h>

#include "proc_internal.h"

long sys_mica_procs(const unsigned long *a)
{
	struct mica_proc __user *ubuf = (struct mica_proc __user *)a[0];
	size_t max = a[1];
	long n = 0;

	if (max > MAX_PIDS)
		max = MAX_PIDS;
	if (max && !access_ok(ubuf, max * sizeof(*ubuf)))
		return -EFAULT;
	mutex_lock(&proc_lock);
	for (int pid = 1; pid < MAX_PIDS; pid++) {
		struct process *p = proc_find(pid);
		struct mica_proc e = { 0 };
		struct vm_area_struct *v;

		if (!p)
			continue;
		if ((size_t)n < max) {
			e.pid = p->pid;
			e.ppid = p->parent ? p->parent->pid : 0;
			e.threads = p->nr_live;
			e.state = p->zombie ? 'Z' : p->exiting ? 'X' : 'R';
			if (p->mm && !p->zombie) {
				down_read(&p->mm->mmap_lock);
				list_for_each_entry(v, &p->mm->vmas, vm_list) e.vm_pages +=
				    vma_pages(v);
				up_read(&p->mm->mmap_lock);
			}
			strscpy(e.name, p->name, sizeof(e.name));
			if (copy_to_user(&ubuf[n], &e, sizeof(e))) {
				mutex_unlock(&proc_lock);
				return -EFAULT;
			}
		}
		n++;
	}
	mutex_unlock(&proc_lock);
	return n;
}
