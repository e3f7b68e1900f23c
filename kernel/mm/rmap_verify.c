/*
 * rmap_verify() (<mica/rmap.h>): the reverse map checked against a scan of every page table,
 * for tests on a quiet system. Pass 1 walks every mm's tables, counts each frame's PTEs and
 * checks that the frame's owner (anon_vma or shared object) leads back to the VMA at that
 * address; pass 2 compares each frame's mapcount with the count and with what rmap_walk()
 * finds.
 */
#include <mica/mm_types.h>
#include <mica/pgtable.h>
#include <mica/printk.h>
#include <mica/rmap.h>
#include <mica/shmem.h>
#include <mica/slab.h>

#include "mm_internal.h"

struct verify {
	u32 *ptes;	      /* PTEs found per frame, by a scan of every page table */
	unsigned long errors; /* violations found */
};

static __printf(2, 3) void verify_error(struct verify *v, const char *fmt, ...)
{
	char msg[160];
	va_list ap;

	if (v->errors++ >= 5)
		return; /* counted, not printed: the first few say enough */
	va_start(ap, fmt);
	vsnprintf_marked(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pr_err("rmap_verify: %s\n", msg);
}

static bool chained_to(struct vm_area_struct *vma, struct anon_vma *av)
{
	struct anon_vma_chain *avc;

	list_for_each_entry(avc, &vma->anon_vma_chain,
			    same_vma) if (avc->anon_vma == av) return true;
	return false;
}

/* Invariant 1 for the page mapped at a in vma: its anon_vma is chained to vma, or, for a
 * shared page, vma maps its object and is on the object's i_mmap (<mica/shmem.h>). */
static void verify_owner(struct verify *v, struct page *page, struct vm_area_struct *vma,
			 unsigned long a)
{
	struct mm_struct *mm = vma->vm_mm;
	struct shmem_object *obj;
	struct anon_vma *av;

	if (page_is_shmem(page)) {
		obj = page_get_shmem(page);
		if (!obj || vma->vm_shm != obj || !shmem_maps_vma(obj, vma))
			verify_error(v,
				     "frame 0x%lx at 0x%lx in mm %p: its object %p does not list "
				     "the VMA mapping it",
				     page_to_pfn(page), a, mm, obj);
		if (obj)
			shmem_put(obj);
	} else {
		av = page_anon_vma(page);
		if (!av || !chained_to(vma, av))
			verify_error(v,
				     "frame 0x%lx at 0x%lx in mm %p: its anon_vma %p has no "
				     "chain to the VMA mapping it",
				     page_to_pfn(page), a, mm, av);
	}
	if (vma_address(page, vma) != a)
		verify_error(v, "frame 0x%lx at 0x%lx in mm %p: its index %lu says another address",
			     page_to_pfn(page), a, mm, page->index);
}

/* Pass 1, per mm: counts each frame's PTEs, and checks each mapped page's owner (invariant
 * 1) and the address its index says. */
static void verify_mm(struct mm_struct *mm, void *arg)
{
	struct verify *v = arg;
	struct vm_area_struct *vma;

	down_read(&mm->mmap_lock);
	list_for_each_entry(vma, &mm->vmas, vm_list)
	{
		for (unsigned long a = vma->vm_start; a < vma->vm_end; a += PAGE_SIZE) {
			pte_t *ptep = walk(mm, a, false);
			struct page *page;

			if (!ptep || !pte_present(ptep_get(ptep)))
				continue;
			page = pfn_to_page(pte_pfn(ptep_get(ptep)));
			v->ptes[page_to_pfn(page) - mem_map_first_pfn]++;
			verify_owner(v, page, vma, a);
		}
	}
	up_read(&mm->mmap_lock);
}

static bool count_one(struct page *page, struct vm_area_struct *vma, unsigned long addr, void *arg)
{
	spinlock_t *ptl;

	if (page_check_address(page, vma, addr, &ptl)) {
		spin_unlock(ptl);
		(*(unsigned long *)arg)++;
	}
	return true;
}

unsigned long rmap_verify(void)
{
	unsigned long frames = mem_map_end_pfn - mem_map_first_pfn;
	struct verify v = { .ptes = kmalloc(frames * sizeof(u32), GFP_KERNEL | __GFP_ZERO) };

	if (!v.ptes) {
		pr_err("rmap_verify: no memory for %lu counters\n", frames);
		return 1;
	}
	for_each_mm(verify_mm, &v);
	/* Pass 2, per frame: mapcount = PTEs found (invariant 2), and rmap_walk() reaches every
	 * one of them (and, checking each PTE, no other). */
	for (unsigned long i = 0; i < frames; i++) {
		struct page *page = &mem_map[i];
		unsigned long found = 0;
		int mc = atomic_read(&page->mapcount);

		if (!v.ptes[i] && mc == 0)
			continue;
		if ((unsigned long)mc != v.ptes[i])
			verify_error(&v, "frame 0x%lx: mapcount %d, but %u PTEs map it",
				     page_to_pfn(page), mc, v.ptes[i]);
		rmap_walk(page, count_one, &found);
		if (found != v.ptes[i])
			verify_error(&v, "frame 0x%lx: rmap_walk finds %lu of its %u PTEs",
				     page_to_pfn(page), found, v.ptes[i]);
	}
	kfree(v.ptes);
	return v.errors;
}
