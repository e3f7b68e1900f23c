/*
 * The memory system calls: mmap (anonymous: private, or shared through a memory object,
 * <mica/shmem.h>), munmap, mprotect, brk. Thin checks in
 * front of the VMA layer (kernel/mm/vma.c), which already rolls back on -ENOMEM and unmaps
 * through the mmu_gather. Book chapter docs/syscalls.md.
 *
 * Layout of a process: program segments from USER_BASE + 64 KiB, the heap (brk) right after
 * them growing up, the stack at the top of the user range (USER_STACK_SIZE), and mmap areas
 * placed top-down below the stack, first fit.
 */
#include <mica/errno.h>
#include <mica/mm_types.h>
#include <mica/rmap.h>
#include <mica/shmem.h>
#include <uapi/mica/abi.h>

#include "proc_internal.h"

#define MMAP_TOP (USER_TOP - USER_STACK_SIZE - PAGE_SIZE) /* a guard page below the stack */

static unsigned long prot_to_vm(unsigned long prot)
{
	return ((prot & PROT_READ) ? VM_READ : 0) | ((prot & PROT_WRITE) ? VM_WRITE : 0) |
	       ((prot & PROT_EXEC) ? VM_EXEC : 0);
}

/* The highest free range of len bytes below MMAP_TOP and above the heap, or 0. mmap_lock. */
static unsigned long find_free_area(struct mm_struct *mm, unsigned long len, unsigned long floor)
{
	unsigned long top = MMAP_TOP;
	struct vm_area_struct *v;

	/* Walk the VMAs from the highest down; the gap above each is a candidate. */
	list_for_each_entry_reverse(v, &mm->vmas, vm_list)
	{
		if (v->vm_start >= top)
			continue;
		if (v->vm_end <= top && top - v->vm_end >= len && top - len >= floor)
			return top - len;
		top = MIN(top, v->vm_start);
	}
	return top >= floor + len ? top - len : 0;
}

long sys_mmap(const unsigned long *a)
{
	unsigned long addr = a[0], len = a[1], prot = a[2], flags = a[3];
	long fd = (long)a[4], off = (long)a[5];
	struct process *p = current_proc();
	struct mm_struct *mm = p->mm;
	long ret;

	if (!len || (prot & ~(unsigned long)(PROT_READ | PROT_WRITE | PROT_EXEC)) ||
	    (flags & ~(unsigned long)(MAP_PRIVATE | MAP_SHARED | MAP_FIXED | MAP_ANONYMOUS)))
		return -EINVAL;
	if (!(flags & MAP_ANONYMOUS) || fd != -1 || off != 0)
		return -EINVAL; /* no files to map yet */
	if ((flags & (MAP_PRIVATE | MAP_SHARED)) != MAP_PRIVATE &&
	    (flags & (MAP_PRIVATE | MAP_SHARED)) != MAP_SHARED)
		return -EINVAL; /* exactly one of the two */
	if (len > USER_TOP - USER_BASE)
		return -ENOMEM;
	len = ALIGN_UP(len, PAGE_SIZE);
	down_write(&mm->mmap_lock);
	if (flags & MAP_FIXED) {
		ret = -EINVAL;
		if ((addr & ~PAGE_MASK) || !access_ok_range(addr, len))
			goto out;
		ret = vma_unmap_range(mm, addr, len); /* MAP_FIXED replaces what was there */
		if (ret)
			goto out;
	} else {
		addr = find_free_area(mm, len, ALIGN_UP(p->brk, PAGE_SIZE) + PAGE_SIZE);
		ret = -ENOMEM;
		if (!addr)
			goto out;
	}
	if (flags & MAP_SHARED) /* a new object, found by fork's copies of the VMA */
		ret = shmem_mmap(mm, addr, len, prot_to_vm(prot) | VM_ANON);
	else
		ret = vma_insert(mm, addr, len, prot_to_vm(prot) | VM_ANON, addr >> PAGE_SHIFT);
	if (!ret)
		ret = (long)addr;
out:
	up_write(&mm->mmap_lock);
	return ret;
}

long sys_munmap(const unsigned long *a)
{
	unsigned long addr = a[0], len = ALIGN_UP(a[1], PAGE_SIZE);
	struct mm_struct *mm = current_proc()->mm;
	long ret;

	if (!a[1] || (addr & ~PAGE_MASK) || !access_ok_range(addr, len))
		return -EINVAL;
	down_write(&mm->mmap_lock);
	ret = vma_unmap_range(mm, addr, len);
	up_write(&mm->mmap_lock);
	return ret;
}

/* madvise(addr, len, advice): MADV_DONTNEED drops the pages (the next touch reads zeros);
 * the hints NORMAL, RANDOM, SEQUENTIAL and WILLNEED are accepted and change nothing. Errors as
 * Linux: -EINVAL for an unaligned addr or an unknown advice, -ENOMEM for a range not wholly
 * mapped. */
long sys_madvise(const unsigned long *a)
{
	unsigned long addr = a[0], len = ALIGN_UP(a[1], PAGE_SIZE), advice = a[2];

	if ((addr & ~PAGE_MASK) || advice > MADV_DONTNEED || len < a[1])
		return -EINVAL;
	if (!a[1])
		return 0;
	if (!access_ok_range(addr, len))
		return -ENOMEM;
	if (advice != MADV_DONTNEED)
		return 0;
	return zap_page_range(current_proc()->mm, addr, len);
}

/* mica_migrate(addr): moves the page at addr (page aligned, mapped) to another frame. */
long sys_mica_migrate(const unsigned long *a)
{
	return migrate_user_page(a[0]);
}

long sys_mprotect(const unsigned long *a)
{
	unsigned long addr = a[0], len = ALIGN_UP(a[1], PAGE_SIZE), prot = a[2];
	struct mm_struct *mm = current_proc()->mm;
	long ret;

	if ((addr & ~PAGE_MASK) || (prot & ~(unsigned long)(PROT_READ | PROT_WRITE | PROT_EXEC)))
		return -EINVAL;
	if (!a[1])
		return 0;
	if (!access_ok_range(addr, len))
		return -ENOMEM; /* as Linux: addresses outside the process are "not mapped" */
	down_write(&mm->mmap_lock);
	ret = vma_protect(mm, addr, len, prot_to_vm(prot));
	up_write(&mm->mmap_lock);
	return ret;
}

/* brk(end): moves the end of the heap; returns the end now (the old one if it could not
 * move: below the start, into another mapping, or no memory). brk(0) asks for the end. */
long sys_brk(const unsigned long *a)
{
	struct process *p = current_proc();
	struct mm_struct *mm = p->mm;
	unsigned long want = a[0], old_top, new_top;
	int err = 0;

	down_write(&mm->mmap_lock);
	if (want < p->brk_start || want > MMAP_TOP)
		goto out;
	old_top = ALIGN_UP(p->brk, PAGE_SIZE);
	new_top = ALIGN_UP(want, PAGE_SIZE);
	if (new_top > old_top)
		err = vma_insert(mm, old_top, new_top - old_top, VM_READ | VM_WRITE | VM_ANON,
				 old_top >> PAGE_SHIFT);
	else if (new_top < old_top)
		err = vma_unmap_range(mm, new_top, old_top - new_top);
	if (!err)
		p->brk = want;
out:
	want = p->brk;
	up_write(&mm->mmap_lock);
	return (long)want;
}
