/*
 * User copies and the page-fault entry (docs/mm-faults.md). The contracts are in
 * <mica/uaccess.h>. Good breakpoints: do_page_fault, search_exception_table.
 */
#include <mica/arch.h>
#include <mica/errno.h>
#include <mica/mm_types.h>
#include <mica/panic.h>
#include <mica/preempt.h>
#include <mica/proc.h>
#include <mica/sched.h>
#include <mica/string.h>
#include <mica/uaccess.h>

extern const struct exception_table_entry __ex_table_start[], __ex_table_end[];

/* A linear search: the table has one entry per user-access instruction, a few dozen. */
unsigned long search_exception_table(unsigned long pc)
{
	for (const struct exception_table_entry *e = __ex_table_start; e < __ex_table_end; e++)
		if (e->insn == pc)
			return e->fixup;
	return 0;
}

static const char *fault_error_name(int err)
{
	switch (err) {
	case -EFAULT:
		return "no mapping there";
	case -EACCES:
		return "the mapping forbids this access";
	case -ENOMEM:
		return "out of memory";
	case -ERANGE:
		return "outside user space";
	default:
		return "not resolvable here";
	}
}

void do_page_fault(struct trap_frame *tf, unsigned long addr, unsigned flags, const char *cause)
{
	struct task *t = current;
	struct mm_struct *mm = t->mm;
	int err = -EINVAL; /* "not resolvable here" unless handle_mm_fault says otherwise */
	unsigned long fixup;

	/* A kernel access to user memory is legitimate only from a user-copy routine (one
	 * with a fixup); anything else is a kernel bug and must not be quietly resolved. */
	fixup = (flags & FAULT_USER) ? 0 : search_exception_table(arch_trap_pc(tf));
	if (mm && addr >= USER_BASE && addr < USER_TOP && ((flags & FAULT_USER) || fixup) &&
	    arch_trap_irqs_on(tf) && !in_atomic()) {
		arch_irq_enable();
		err = handle_mm_fault(mm, addr, flags);
		arch_irq_disable();
		if (!err)
			return;
	}
	if (fixup) {
		arch_trap_set_pc(tf, fixup);
		return;
	}
	if (flags & FAULT_USER) {
		if (addr < USER_BASE || addr >= USER_TOP)
			err = -ERANGE; /* named below: outside user space */
		user_exception_kill(tf, SIGSEGV, "%s at 0x%lx: %s (%s)",
				    (flags & FAULT_EXEC)    ? "fetch"
				    : (flags & FAULT_WRITE) ? "write"
							    : "read",
				    addr, fault_error_name(err), cause);
		return;
	}
	panic_trap(tf, "page fault: %s %s at 0x%lx in %s mode, pc %pS: %s (%s)",
		   (flags & FAULT_EXEC)	   ? "fetch"
		   : (flags & FAULT_WRITE) ? "write"
					   : "read",
		   addr >= USER_BASE && addr < USER_TOP ? "of user address" : "of kernel address",
		   addr, (flags & FAULT_USER) ? "user" : "kernel", (void *)arch_trap_pc(tf),
		   fault_error_name(err), cause);
}

/* A user range the current task may reach: possible for user memory, and the task has an
 * address space. A kernel thread has none, even on a CPU that still has some process's
 * tables loaded (lazy TLB, x86): touching them would reach a stranger's memory. */
static bool user_range_ok(const void __user *p, size_t n)
{
	return current->mm && access_ok(p, n);
}

int copy_from_user(void *to, const void __user *from, size_t n)
{
	if (!user_range_ok(from, n))
		return -EFAULT;
	return arch_copy_from_user(to, from, n) ? -EFAULT : 0;
}

int copy_to_user(void __user *to, const void *from, size_t n)
{
	if (!user_range_ok(to, n))
		return -EFAULT;
	return arch_copy_to_user(to, from, n) ? -EFAULT : 0;
}

long strncpy_from_user(char *dst, const char __user *src, long count)
{
	long done = 0;

	if (count <= 0)
		return -EINVAL;
	while (done < count) {
		unsigned long a = (unsigned long)src + done;
		/* Up to the end of a's page: if a is readable, so is the rest of its page. */
		long chunk = MIN(count - done, (long)(PAGE_SIZE - (a & ~PAGE_MASK)));
		const char *nul;

		if (!user_range_ok((const void *)a, chunk) ||
		    arch_copy_from_user(dst + done, (const void *)a, chunk))
			return -EFAULT;
		nul = memchr(dst + done, '\0', chunk);
		if (nul)
			return nul - dst;
		done += chunk;
	}
	return count;
}
