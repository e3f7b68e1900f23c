/*
 * Reaching user memory from the kernel (kernel/mm/uaccess.c, docs/mm-faults.md).
 *
 * The kernel never dereferences a user pointer directly. It calls these, which check that the
 * range lies in [USER_BASE, USER_TOP) and then copy with the port's arch_copy_* routines.
 * Those may fault: a fault on a user address is resolved like any other (demand-zero,
 * copy-on-write); one that cannot be resolved does not panic, because every instruction in
 * them that touches user memory has an entry in the exception table (__ex_table) naming
 * where to continue, and the copy returns -EFAULT from there.
 *
 * Port hooks (assembly in arch/<name>/uaccess.S), each returning the number of bytes NOT
 * copied (0 = all), with every user access covered by an __ex_table entry:
 *   size_t arch_copy_from_user(void *to, const void *from, size_t n)
 *   size_t arch_copy_to_user(void *to, const void *from, size_t n)
 */
#ifndef MICA_UACCESS_H
#define MICA_UACCESS_H

#include <mica/pgtable.h>
#include <mica/types.h>

#define __user /* marks a user pointer for the reader */

/* One exception table entry: a faulting instruction and where to continue instead. */
struct exception_table_entry {
	unsigned long insn, fixup;
};

size_t arch_copy_from_user(void *to, const void __user *from, size_t n);
size_t arch_copy_to_user(void __user *to, const void *from, size_t n);

/* True if [p, p+n) is a possible user range (it says nothing of what is mapped there). */
static inline bool access_ok(const void __user *p, size_t n)
{
	unsigned long a = (unsigned long)p;

	return a >= USER_BASE && a <= USER_TOP && n <= USER_TOP - a;
}

/* Copies n bytes. 0, or -EFAULT if any byte could not be reached (some may have been
 * copied: the destination's contents are then unspecified). May sleep (faults are resolved).
 * Called with interrupts off or preemption disabled, faults are not resolved, so even a
 * mapped page may give -EFAULT: one not yet touched, or (ARM, whose young/dirty bits come
 * from faults) one that is old or clean. */
int copy_from_user(void *to, const void __user *from, size_t n);
int copy_to_user(void __user *to, const void *from, size_t n);
/*
 * Copies a NUL-terminated string of at most count bytes (NUL included) into dst. Returns its
 * length without the NUL; count if no NUL came within count bytes (dst is then not
 * terminated: the caller says "too long"); -EFAULT if the string runs into unmapped memory
 * first; -EINVAL if count <= 0. Never reads past the page holding the NUL.
 */
long strncpy_from_user(char *dst, const char __user *src, long count);

/* The fixup for a faulting pc, or 0 if the instruction has none. */
unsigned long search_exception_table(unsigned long pc);

struct trap_frame;
/*
 * The port's trap handler calls this for every page fault (translation or permission) at
 * addr, with FAULT_* flags (<mica/mm_types.h>) and the hardware's name for the cause. It
 * returns when the faulting instruction may run again, or when a kernel instruction's fixup
 * was installed (arch_trap_set_pc()); otherwise it panics with addr, cause, CPU and task.
 * Faults are resolved (and may sleep) only where the interrupted code could have slept:
 * interrupts were on and preemption was not disabled.
 */
void do_page_fault(struct trap_frame *tf, unsigned long addr, unsigned flags, const char *cause);

#endif
