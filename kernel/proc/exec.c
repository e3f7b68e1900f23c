/*
 * execve(): a static ELF program from the initramfs replaces the calling process's image.
 * Everything is built in a new mm first; only when the program, its segments and its stack
 * are all in place does the process switch to it, so a failed execve leaves the caller
 * exactly as it was. Book chapter docs/processes.md. Good breakpoints: do_execve, load_elf.
 *
 * ELF: the System V gABI, "Object Files" (header, program headers); one class per port
 * (ELF64 on riscv and x86, ELF32 on arm), static executables (ET_EXEC) only.
 */
#include <mica/errno.h>
#include <mica/mm_types.h>
#include <mica/printk.h>
#include <mica/slab.h>
#include <mica/string.h>
#include <mica/tlbflush.h>

#include "proc_internal.h"

#if __SIZEOF_LONG__ == 8
#define ELF_CLASS 2 /* ELFCLASS64 */
struct elf_ehdr {
	unsigned char ident[16];
	u16 type, machine;
	u32 version;
	u64 entry, phoff, shoff;
	u32 flags;
	u16 ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};
struct elf_phdr {
	u32 type, flags;
	u64 offset, vaddr, paddr, filesz, memsz, align;
};
#else
#define ELF_CLASS 1 /* ELFCLASS32 */
struct elf_ehdr {
	unsigned char ident[16];
	u16 type, machine;
	u32 version;
	u32 entry, phoff, shoff;
	u32 flags;
	u16 ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};
struct elf_phdr {
	u32 type, offset, vaddr, paddr, filesz, memsz, flags, align;
};
#endif

#define ET_EXEC 2
#define PT_LOAD 1
#define PF_X 1
#define PF_W 2
#define PF_R 4
#define ELF_MAX_PHDRS 16

/* ---- arguments ---- */

/* Appends one string of at most n bytes to ea (from user memory if user). 0, -E2BIG,
 * -EFAULT. */
static int add_string(struct exec_args *ea, const char *s, bool user)
{
	size_t room = EXEC_STRINGS - ea->used;
	long len;

	if (ea->argc + ea->envc >= EXEC_MAX_ARGS - 1 || room == 0)
		return -E2BIG;
	if (user) {
		len = strncpy_from_user(ea->strings + ea->used, s, (long)room);
		if (len < 0)
			return (int)len;
		if ((size_t)len == room)
			return -E2BIG;
	} else {
		len = strscpy(ea->strings + ea->used, s, room);
		if (len < 0)
			return -E2BIG;
	}
	ea->argv[ea->argc + ea->envc] = ea->strings + ea->used;
	ea->used += (size_t)len + 1;
	return 0;
}

struct exec_args *exec_args_from_kernel(const char *path, char *const argv[], int *err)
{
	struct exec_args *ea = kmalloc(sizeof(*ea), GFP_KERNEL | __GFP_ZERO);

	if (!ea) {
		*err = -ENOMEM;
		return NULL;
	}
	if (strscpy(ea->path, path, sizeof(ea->path)) < 0)
		goto too_big;
	for (int i = 0; argv && argv[i]; i++, ea->argc++)
		if (add_string(ea, argv[i], false))
			goto too_big;
	return ea;
too_big:
	kfree(ea);
	*err = -E2BIG;
	return NULL;
}

/* Copies a NULL-terminated user array of user strings into ea; counts them in *count. */
static int add_user_vector(struct exec_args *ea, const unsigned long __user *vec, int *count)
{
	for (int i = 0; vec; i++) {
		unsigned long s;
		int err;

		if (copy_from_user(&s, vec + i, sizeof(s)))
			return -EFAULT;
		if (!s)
			return 0;
		err = add_string(ea, (const char *)s, true);
		if (err)
			return err;
		(*count)++;
	}
	return 0;
}

long sys_execve(const unsigned long *a)
{
	struct exec_args *ea = kmalloc(sizeof(*ea), GFP_KERNEL | __GFP_ZERO);
	long len;
	int err;

	if (!ea)
		return -ENOMEM;
	len = strncpy_from_user(ea->path, (const char __user *)a[0], sizeof(ea->path));
	err = len < 0 ? (int)len : len == sizeof(ea->path) ? -ENAMETOOLONG : 0;
	if (!err)
		err = add_user_vector(ea, (const unsigned long __user *)a[1], &ea->argc);
	if (!err)
		err = add_user_vector(ea, (const unsigned long __user *)a[2], &ea->envc);
	if (!err)
		err = do_execve(ea);
	kfree(ea);
	return err;
}

/* ---- building the new image ---- */

/* Copies len bytes from the kernel into mm at addr, faulting the pages in (the VMAs are
 * writable while the image is built). mm is not running anywhere yet. 0 or -ENOMEM. */
static int copy_into_mm(struct mm_struct *mm, unsigned long addr, const void *src, size_t len)
{
	while (len) {
		size_t off = addr & ~PAGE_MASK, n = MIN(len, PAGE_SIZE - off);
		pte_t *ptep;
		int err = handle_mm_fault(mm, addr, FAULT_WRITE);

		if (err)
			return err == -ENOMEM ? -ENOMEM : -EFAULT;
		down_read(&mm->mmap_lock);
		ptep = walk(mm, addr, false);
		if (ptep && pte_present(ptep_get(ptep)))
			memcpy((char *)page_address(pfn_to_page(pte_pfn(ptep_get(ptep)))) + off,
			       src, n);
		up_read(&mm->mmap_lock);
		if (!ptep)
			return -EFAULT;
		addr += n;
		src = (const char *)src + n;
		len -= n;
	}
	return 0;
}

static int map_rw(struct mm_struct *mm, unsigned long start, unsigned long len)
{
	int err;

	down_write(&mm->mmap_lock);
	err = vma_insert(mm, start, len, VM_READ | VM_WRITE | VM_ANON, start >> PAGE_SHIFT);
	up_write(&mm->mmap_lock);
	return err;
}

/* Checks one PT_LOAD header against the file and the user range. */
static bool segment_ok(const struct elf_phdr *ph, size_t size)
{
	unsigned long end = ph->vaddr + ph->memsz;

	return ph->filesz <= ph->memsz && ph->offset <= size && ph->filesz <= size - ph->offset &&
	       (ph->vaddr & ~PAGE_MASK) == (ph->offset & ~PAGE_MASK) && end > ph->vaddr &&
	       ph->vaddr >= USER_BASE && end <= USER_TOP - USER_STACK_SIZE;
}

/* Maps and fills every PT_LOAD segment of the ELF image at file into mm, then gives each its
 * final protection. *entry: where to start; *brk: the first page after the highest segment.
 * 0, -ENOEXEC (not a program for this port, or malformed), -ENOMEM. */
static int load_elf(struct mm_struct *mm, const void *file, size_t size, unsigned long *entry,
		    unsigned long *brk)
{
	const struct elf_ehdr *eh = file;
	const struct elf_phdr *ph;
	unsigned long top = 0;
	int err, loaded = 0;

	if (size < sizeof(*eh) || memcmp(eh->ident, "\177ELF", 4) || eh->ident[4] != ELF_CLASS ||
	    eh->ident[5] != 1 /* little-endian */ || eh->type != ET_EXEC ||
	    eh->machine != ELF_MACHINE || eh->phentsize != sizeof(*ph) || eh->phnum == 0 ||
	    eh->phnum > ELF_MAX_PHDRS || eh->phoff > size ||
	    eh->phnum * sizeof(*ph) > size - eh->phoff || (eh->phoff & (sizeof(long) - 1)))
		return -ENOEXEC;
	ph = (const struct elf_phdr *)((const char *)file + eh->phoff);
	for (int i = 0; i < eh->phnum; i++) {
		unsigned long start = ph[i].vaddr & PAGE_MASK,
			      end = ALIGN_UP((unsigned long)(ph[i].vaddr + ph[i].memsz), PAGE_SIZE);

		if (ph[i].type != PT_LOAD || ph[i].memsz == 0)
			continue;
		if (!segment_ok(&ph[i], size))
			return -ENOEXEC;
		err = map_rw(mm, start, end - start);
		if (err)
			return err == -EEXIST ? -ENOEXEC : err; /* segments sharing a page */
		err =
		    copy_into_mm(mm, ph[i].vaddr, (const char *)file + ph[i].offset, ph[i].filesz);
		if (err)
			return err;
		top = MAX(top, end);
		loaded++;
	}
	for (int i = 0; i < eh->phnum; i++) {
		unsigned long start = ph[i].vaddr & PAGE_MASK,
			      end = ALIGN_UP((unsigned long)(ph[i].vaddr + ph[i].memsz), PAGE_SIZE);
		unsigned long prot = ((ph[i].flags & PF_R) ? VM_READ : 0) |
				     ((ph[i].flags & PF_W) ? VM_WRITE : 0) |
				     ((ph[i].flags & PF_X) ? VM_EXEC : 0);

		if (ph[i].type != PT_LOAD || ph[i].memsz == 0)
			continue;
		down_write(&mm->mmap_lock);
		err = vma_protect(mm, start, end - start, prot);
		up_write(&mm->mmap_lock);
		if (err)
			return err;
	}
	if (!loaded || eh->entry < USER_BASE || eh->entry >= top)
		return -ENOEXEC;
	*entry = eh->entry;
	*brk = top;
	return 0;
}

/* Maps the stack at the top of the user range and lays out argc, argv, envp and their
 * strings the System V way (docs/syscalls.md): sp -> argc, argv[0..argc-1], NULL, envp...,
 * NULL, strings above. *sp: the initial stack pointer, 16-byte aligned. */
static int setup_stack(struct mm_struct *mm, const struct exec_args *ea, unsigned long *sp)
{
	unsigned long strings = USER_TOP - ALIGN_UP(ea->used, 16);
	unsigned long nwords = 1 + ea->argc + 1 + ea->envc + 1;
	unsigned long base = ALIGN_DOWN(strings - nwords * sizeof(long), 16);
	unsigned long *words;
	int err, w = 0;

	err = map_rw(mm, USER_TOP - USER_STACK_SIZE, USER_STACK_SIZE);
	if (err)
		return err;
	err = copy_into_mm(mm, strings, ea->strings, ea->used);
	if (err)
		return err;
	words = kmalloc(nwords * sizeof(long), GFP_KERNEL);
	if (!words)
		return -ENOMEM;
	words[w++] = ea->argc;
	for (int i = 0; i < ea->argc + ea->envc + 1; i++) {
		if (i == ea->argc)
			words[w++] = 0; /* end of argv */
		if (i == ea->argc + ea->envc)
			break;
		words[w++] = strings + (ea->argv[i] - ea->strings);
	}
	words[w++] = 0; /* end of envp */
	err = copy_into_mm(mm, base, words, nwords * sizeof(long));
	kfree(words);
	*sp = base;
	return err;
}

/* The last path component, for the process's name. */
static const char *basename(const char *path)
{
	const char *slash = strchr(path, '/'), *name = path;

	while (slash) {
		name = slash + 1;
		slash = strchr(name, '/');
	}
	return name;
}

int do_execve(struct exec_args *ea)
{
	struct process *p = current_proc();
	struct task *t = current;
	struct mm_struct *mm, *old;
	unsigned long entry, brk, sp, flags;
	const void *file;
	size_t size;
	int err;

	if (READ_ONCE(p->nr_live) > 1)
		return -EBUSY; /* other threads run on the old image */
	err = initramfs_find(ea->path, &file, &size);
	if (err)
		return err;
	mm = mm_create();
	if (!mm)
		return -ENOMEM;
	err = load_elf(mm, file, size, &entry, &brk);
	if (!err)
		err = setup_stack(mm, ea, &sp);
	if (err) {
		mm_put(mm);
		return err;
	}
	/* Commit: nothing below fails. */
	old = p->mm;
	down_write(&mm->mmap_lock);
	p->mm = mm;
	p->brk_start = p->brk = brk;
	up_write(&mm->mmap_lock);
	mm_get(mm);
	flags = arch_irq_save();
	t->mm = mm;
	switch_mm_irqs_off(mm);
	arch_irq_restore(flags);
	mm_put(old); /* the task's reference */
	mm_put(old); /* the process's: the old image is gone */
	strscpy(p->name, basename(ea->path), sizeof(p->name));
	strscpy(t->name, p->name, sizeof(t->name));
	arch_user_frame_init(task_user_frame(t), entry, sp);
	return 0;
}
