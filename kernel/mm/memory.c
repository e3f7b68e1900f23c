/*
 * What happens to PTEs (DESIGN VM-2, MG-4..6): faults fill them in, unmapping empties them
 * through an mmu_gather, fork copies them copy-on-write. Book chapter docs/mm-faults.md.
 *
 * Page ownership: every present user PTE holds one reference (refcount) and one mapping
 * (mapcount) of its page, taken when the PTE is set and dropped when it is cleared (the
 * reference only after the TLB flush, by the gather). So a page with refcount == mapcount == 1
 * belongs to exactly one PTE, and a write fault on it may simply make it writable.
 *
 * Shared memory (<mica/shmem.h>) differs in three places: a first touch maps the object's
 * page at that offset (do_shared_page) instead of a new one, a write never copies, and fork
 * copies its PTEs as they are.
 *
 * Good breakpoints: handle_mm_fault (every fault), do_anonymous_page (demand-zero),
 * do_shared_page (a shared page's first touch here), do_wp_page (copy-on-write),
 * zap_pte_range (unmapping).
 */
#include <mica/errno.h>
#include <mica/mm_types.h>
#include <mica/panic.h>
#include <mica/pgtable.h>
#include <mica/preempt.h>
#include <mica/printk.h>
#include <mica/rmap.h>
#include <mica/shmem.h>
#include <mica/string.h>
#include <mica/swap.h>
#include <mica/tlb.h>
#include <mica/tlb_model.h>
#include <mica/tlbflush.h>

#include "mm_internal.h"

struct fault_stats fault_stats;

/* A changed entry at addr that may only have gained rights: a stale TLB entry elsewhere can
 * at worst cause one spurious fault there, which flushes locally. This CPU flushes now. */
static void flush_local_page(struct mm_struct *mm, unsigned long addr)
{
	unsigned long flags = arch_irq_save();

	local_flush_tlb_range(mm, addr, addr + PAGE_SIZE);
	arch_irq_restore(flags);
}

/* ---- faults ---- */

/* A first touch's last step: maps page at addr as the VMA says (dirty for a write), unless
 * another thread of this mm mapped something there first; then returns false and the caller
 * drops page. On success the PTE takes the caller's reference. */
static bool map_new_page(struct vm_area_struct *vma, pmd_t *pmd, unsigned long addr,
			 struct page *page, unsigned flags)
{
	pte_t entry = pfn_pte(page_to_pfn(page), vma->vm_flags), *ptep;
	spinlock_t *ptl;

	if (flags & FAULT_WRITE)
		entry = pte_mkdirty(entry);
	ptep = pte_offset_map_lock(pmd, addr, &ptl);
	if (!pte_none(ptep_get(ptep))) {
		spin_unlock(ptl);
		return false;
	}
	atomic_inc(&page->mapcount);
	set_pte_at(vma->vm_mm, addr, ptep, entry);
	spin_unlock(ptl);
	return true;
}

/* Demand-zero: the first touch of an anonymous page gets a new zeroed page. */
static int do_anonymous_page(struct vm_area_struct *vma, pmd_t *pmd, unsigned long addr,
			     unsigned flags)
{
	struct page *page;

	if (anon_vma_prepare(vma)) /* may sleep: before any lock */
		return -ENOMEM;
	page = alloc_page(GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN);
	if (!page)
		return -ENOMEM;
	page_add_new_anon_rmap(page, vma, addr);
	if (!map_new_page(vma, pmd, addr, page, flags)) {
		page->mapping = NULL;
		put_page(page);
		return 0;
	}
	stat_add(&fault_stats.demand_zero, 1);
	return 0;
}

/* First touch of a page of a shared VMA: the object's page at that offset (allocated zeroed
 * if nobody touched it yet), mapped writable if the VMA is: writes go to the shared page. */
static int do_shared_page(struct vm_area_struct *vma, pmd_t *pmd, unsigned long addr,
			  unsigned flags)
{
	unsigned long index = vma->vm_pgoff + ((addr - vma->vm_start) >> PAGE_SHIFT);
	struct page *page = shmem_get_page(vma->vm_shm, index); /* may sleep: before any lock */

	if (!page)
		return -ENOMEM;
	if (!map_new_page(vma, pmd, addr, page, flags)) {
		put_page(page); /* the reference shmem_get_page gave us */
		return 0;
	}
	stat_add(&fault_stats.shared, 1);
	return 0;
}

/*
 * Write to a present, write-protected page of a writable VMA: copy-on-write. If this PTE is
 * the page's only user, it just becomes writable; otherwise the page is copied and the PTE
 * switched to the copy (break-before-make: cleared and flushed everywhere before the new
 * entry goes in). Called with the PTE lock held; returns with it dropped.
 */
static int do_wp_page(struct vm_area_struct *vma, pmd_t *pmd, unsigned long addr, pte_t *ptep,
		      spinlock_t *ptl, pte_t orig)
{
	struct mm_struct *mm = vma->vm_mm;
	struct page *old = pfn_to_page(pte_pfn(orig)), *new;

	if (atomic_read(&old->mapcount) == 1 && page_count(old) == 1) {
		page_move_anon_rmap(old, vma); /* ours alone now: found from our anon_vma */
		set_pte_at(mm, addr, ptep, pte_mkwrite(pte_mkdirty(pte_mkyoung(orig))));
		spin_unlock(ptl);
		flush_local_page(mm, addr);
		stat_add(&fault_stats.cow_reuse, 1);
		return 0;
	}
	get_page(old); /* keep it while the lock is dropped for the copy */
	spin_unlock(ptl);
	new = anon_vma_prepare(vma) ? NULL : alloc_page(GFP_KERNEL | __GFP_NOWARN);
	if (!new) {
		put_page(old);
		return -ENOMEM;
	}
	memcpy(page_address(new), page_address(old), PAGE_SIZE);
	page_add_new_anon_rmap(new, vma, addr);
	spin_lock(ptl);
	if (!pte_same(ptep_get(ptep), orig)) {
		/* Someone changed the PTE meanwhile (another thread's fault, an unmap). */
		spin_unlock(ptl);
		new->mapping = NULL;
		put_page(new);
		put_page(old);
		return 0;
	}
	atomic_set(&new->mapcount, 1);
	ptep_get_and_clear(mm, addr, ptep);
	tlb_model_clear(mm, addr, old);
	flush_tlb_range(mm, addr, addr + PAGE_SIZE);
	set_pte_at(mm, addr, ptep,
		   pte_mkwrite(pte_mkdirty(pfn_pte(page_to_pfn(new), vma->vm_flags))));
	if (atomic_add_return(&old->mapcount, -1) < 0)
		panic("do_wp_page: mapcount of frame 0x%lx went negative", page_to_pfn(old));
	spin_unlock(ptl);
	put_page(old); /* the PTE's reference: the flush above made it unreachable */
	put_page(old); /* ours */
	stat_add(&fault_stats.cow_copy, 1);
	return 0;
}

/* True if the VMA allows the access the fault was for. */
static bool access_permitted(struct vm_area_struct *vma, unsigned flags)
{
	if (flags & FAULT_WRITE)
		return vma->vm_flags & VM_WRITE;
	if (flags & FAULT_EXEC)
		return vma->vm_flags & VM_EXEC;
	return vma->vm_flags & (VM_READ | VM_WRITE | VM_EXEC);
}

/* With the PTE present: young/dirty faults (ports that keep them in software or trap to
 * set them), copy-on-write, or a spurious fault from a stale TLB entry. */
static int do_present_fault(struct vm_area_struct *vma, pmd_t *pmd, unsigned long addr,
			    unsigned flags)
{
	struct mm_struct *mm = vma->vm_mm;
	spinlock_t *ptl;
	pte_t *ptep = pte_offset_map_lock(pmd, addr, &ptl);
	pte_t orig = ptep_get(ptep), entry = orig;

	if (pte_none(orig)) { /* unmapped meanwhile: fault again from the top */
		spin_unlock(ptl);
		return -EAGAIN;
	}
	if (is_swap_pte(orig)) { /* swapped out: bring it back (a write then faults again) */
		int ret;

		spin_unlock(ptl);
		ret = do_swap_page(vma, pmd, addr, orig);
		/* The page comes back young: a read is done. A write may still need its copy or
		 * its dirty bit; retrying a read only counted a "spurious" fault per swap-in. */
		return ret || (flags & FAULT_WRITE) ? (ret ? ret : -EAGAIN) : 0;
	}
	if (!pte_accessible(orig)) {
		/* No access in a VMA that allows it: a migration entry (<mica/rmap.h>). Wait for
		 * the move to finish, then fault again; one left over (a fork copied it while the
		 * move was being abandoned) just gets its access back. */
		struct page *page = pfn_to_page(pte_pfn(orig));

		if (page_migrating(page)) {
			/* No reference taken: the mover would count it as a pin and give up (a
			 * process reading in a loop made every move fail). A struct page never goes
			 * away; if the frame is freed meanwhile its flag is clear and we return. */
			spin_unlock(ptl);
			wait_on_page_migration(page);
			return -EAGAIN;
		}
		entry = pfn_pte(pte_pfn(orig), vma->vm_flags);
		if (atomic_read(&page->mapcount) > 1 || page_swap_shared(page))
			entry = pte_wrprotect(entry);
		set_pte_at(mm, addr, ptep, entry);
		spin_unlock(ptl);
		return -EAGAIN; /* the access itself may still need copy-on-write */
	}
	if ((flags & FAULT_WRITE) && !pte_write(orig)) {
		if (!(vma->vm_flags & VM_SHARED))
			return do_wp_page(vma, pmd, addr, ptep, ptl, orig);
		entry = pte_mkwrite(entry); /* shared: written in place, never copied */
	}
	if (flags & FAULT_WRITE)
		entry = pte_mkdirty(entry);
	entry = pte_mkyoung(entry);
	if (!pte_same(entry, orig)) {
		set_pte_at(mm, addr, ptep, entry);
		stat_add(&fault_stats.young_dirty, 1);
	} else {
		stat_add(&fault_stats.spurious, 1);
	}
	spin_unlock(ptl);
	flush_local_page(mm, addr);
	return 0;
}

int handle_mm_fault(struct mm_struct *mm, unsigned long addr, unsigned flags)
{
	struct vm_area_struct *vma;
	pmd_t *pmd;
	pte_t *ptep;
	int ret;

	addr &= PAGE_MASK;
	down_read(&mm->mmap_lock);
	vma = find_vma(mm, addr);
	if (!vma || vma->vm_start > addr) {
		ret = -EFAULT; /* nothing mapped there */
		goto out;
	}
	if (!access_permitted(vma, flags)) {
		ret = -EACCES; /* mapped, but not for this kind of access */
		goto out;
	}
	do {
		ptep = walk_pmd(mm, addr, true, &pmd);
		if (!ptep) {
			ret = -ENOMEM;
			break;
		}
		if (pte_none(ptep_get(ptep)))
			ret = vma->vm_shm ? do_shared_page(vma, pmd, addr, flags)
					  : do_anonymous_page(vma, pmd, addr, flags);
		else
			ret = do_present_fault(vma, pmd, addr, flags);
	} while (ret == -EAGAIN);
out:
	up_read(&mm->mmap_lock);
	if (ret == -ENOMEM)
		stat_add(&fault_stats.oom, 1);
	return ret;
}

/* ---- unmapping ---- */

/*
 * Clears the PTEs of [addr, end) under one pmd, pages into the gather (MG-5). Stops early,
 * still under the PTE lock, when the gather has no room left or another task wants this CPU
 * (need_resched, unless zap_break=0): invalidates there, drops the lock, frees the batch,
 * lets the scheduler in, and returns where it stopped; the caller resumes from exactly
 * there, so no entry is skipped and none is cleared twice.
 */
static unsigned long zap_pte_range(struct mmu_gather *tlb, pmd_t *pmd, unsigned long addr,
				   unsigned long end)
{
	struct mm_struct *mm = tlb->mm;
	spinlock_t *ptl;
	pte_t *ptep = pte_offset_map_lock(pmd, addr, &ptl);
	bool full = false, resched = false;

	while (addr != end && !full && !resched) {
		pte_t old = ptep_get(ptep);
		struct page *page;

		if (is_swap_pte(old)) {
			ptep_get_and_clear(mm, addr, ptep); /* no TLB entry: never present */
			swap_free_entry(swap_pte_slot(old));
		} else if (!pte_none(old)) {
			old = ptep_get_and_clear(mm, addr, ptep);
			tlb_remove_tlb_entry(tlb, addr);
			page = pfn_to_page(pte_pfn(old));
			tlb_model_clear(mm, addr, page);
			if (atomic_add_return(&page->mapcount, -1) < 0)
				panic(
				    "zap_pte_range: mapcount of frame 0x%lx went negative at 0x%lx",
				    page_to_pfn(page), addr);
			full = tlb_remove_page(tlb, page);
			resched = zap_break_enabled && need_resched();
		}
		ptep++;
		addr += PAGE_SIZE;
	}
	if (full || resched)
		tlb_flush_mmu_tlbonly(tlb);
	spin_unlock(ptl);
	if (full || resched)
		tlb_flush_mmu_free(tlb);
	if (resched) {
		stat_add(&gather_stats.resched_breaks, 1);
		cond_resched();
	}
	return addr;
}

/* Clears every PTE of [start, end), one pmd's worth at a time; missing tables are skipped.
 * A chance to reschedule between pmds too (MG-5). */
static void zap_range(struct mmu_gather *tlb, unsigned long start, unsigned long end)
{
	unsigned long addr = start, next;
	pmd_t *pmd;

	for (; addr != end; addr = next) {
		next = pmd_addr_end(addr, end);
		if (walk_pmd(tlb->mm, addr, false, &pmd))
			while (addr != next)
				addr = zap_pte_range(tlb, pmd, addr, next);
		if (zap_break_enabled)
			cond_resched();
	}
}

void unmap_vmas(struct mmu_gather *tlb, struct vm_area_struct *vma, unsigned long start,
		unsigned long end)
{
	struct mm_struct *mm = tlb->mm;

	for (; vma && vma->vm_start < end; vma = vma_next_of(mm, vma)) {
		unsigned long s = MAX(start, vma->vm_start), e = MIN(end, vma->vm_end);

		if (s < e)
			zap_range(tlb, s, e);
	}
}

/*
 * Drops every page of [start, start+len) (MADV_DONTNEED; MG-6's "zap of a range"): the next
 * touch gets a zeroed page. Only mmap_lock for read, so several threads may zap (and fault)
 * at once: a zap that finds an entry already cleared by another, still-open gather relies
 * on MG-7's forced flush in tlb_finish_mmu() before it returns. Tables stay. Returns 0,
 * -EINVAL (a bad range), or -ENOMEM if part of the range is not mapped (the mapped parts are
 * zapped all the same, as Linux's madvise does).
 */
int zap_page_range(struct mm_struct *mm, unsigned long start, unsigned long len)
{
	unsigned long end = start + len, covered = start;
	struct vm_area_struct *vma, *v;
	struct mmu_gather tlb;

	if (!len || (start & ~PAGE_MASK) || (len & ~PAGE_MASK) || end < start ||
	    start < USER_BASE || end > USER_TOP)
		return -EINVAL;
	down_read(&mm->mmap_lock);
	vma = find_vma(mm, start);
	for (v = vma; v && v->vm_start < end && v->vm_start <= covered; v = vma_next_of(mm, v))
		covered = v->vm_end;
	tlb_gather_mmu(&tlb, mm, false);
	unmap_vmas(&tlb, vma, start, end);
	tlb_finish_mmu(&tlb);
	up_read(&mm->mmap_lock);
	return covered >= end ? 0 : -ENOMEM;
}

/* ---- changing protection ---- */

void change_protection(struct mm_struct *mm, unsigned long start, unsigned long end)
{
	unsigned long addr, next;
	bool changed = false;

	/* With lazy-MMU batching (TLB-5) each changed PTE asks for its own invalidation and the
	 * section's end sends them as one request; without it, one range flush at the end. */
	lazy_mmu_enter();
	for (addr = start; addr != end; addr = next) {
		struct vm_area_struct *vma = find_vma(mm, addr);
		spinlock_t *ptl;
		pmd_t *pmd;
		pte_t *ptep;

		next = pmd_addr_end(addr, end);
		if (!walk_pmd(mm, addr, false, &pmd))
			continue;
		ptep = pte_offset_map_lock(pmd, addr, &ptl);
		for (unsigned long a = addr; a != next; a += PAGE_SIZE, ptep++) {
			pte_t old = ptep_get(ptep), new;

			if (pte_none(old) || is_swap_pte(old))
				continue; /* a swap entry gets its rights from the VMA when it comes
					     back */
			if (!pte_accessible(old) && page_migrating(pfn_to_page(pte_pfn(old))))
				continue; /* the move installs what the VMA says once it is done */
			while (a >= vma->vm_end)
				vma = vma_next_of(mm, vma);
			new = pfn_pte(pte_pfn(old), vma->vm_flags);
			if (pte_dirty(old))
				new = pte_mkdirty(new);
			if (!pte_young(old))
				new = pte_mkold(new);
			/* A private page mapped more than once stays write-protected: its next
			 * write copies it. (A shared VMA's page is written in place.) */
			if (!(vma->vm_flags & VM_SHARED) &&
			    (atomic_read(&pfn_to_page(pte_pfn(old))->mapcount) > 1 ||
			     page_swap_shared(pfn_to_page(pte_pfn(old)))))
				new = pte_wrprotect(new);
			if (pte_same(old, new))
				continue;
			ptep_get_and_clear(mm, a, ptep);
			set_pte_at(mm, a, ptep, new);
			if (lazy_mmu_active())
				flush_tlb_range(mm, a, a + PAGE_SIZE); /* queued */
			else
				changed = true;
		}
		spin_unlock(ptl);
	}
	lazy_mmu_leave();
	if (changed)
		flush_tlb_range(mm, start, end);
}

/* ---- fork ---- */

/*
 * Copies the PTEs of vma (in src) into dst, copy-on-write: both end up write-protected and
 * sharing the page; a shared VMA's entries are copied as they are (both write the page). dst is new
 * and private to the caller (no other thread, no CPU has it), so its PTEs are written without their
 * lock. Returns 0 or -ENOMEM (what was copied stays, the caller tears dst down).
 */
static int copy_pte_range(struct mm_struct *dst, struct mm_struct *src, struct vm_area_struct *vma)
{
	unsigned long addr, next;

	for (addr = vma->vm_start; addr != vma->vm_end; addr = next) {
		pmd_t *spmd;
		pte_t *sptep, *dptep;
		spinlock_t *ptl;

		next = pmd_addr_end(addr, vma->vm_end);
		if (!walk_pmd(src, addr, false, &spmd))
			continue;
		if (!(dptep = walk(dst, addr, true)))
			return -ENOMEM;
		sptep = pte_offset_map_lock(spmd, addr, &ptl);
		for (unsigned long a = addr; a != next; a += PAGE_SIZE, sptep++, dptep++) {
			pte_t e = ptep_get(sptep);
			struct page *page;

			if (pte_none(e))
				continue;
			if (is_swap_pte(e)) { /* the child names the same slot */
				swap_dup(swap_pte_slot(e));
				set_pte_at(dst, a, dptep, e);
				continue;
			}
			if (pte_write(e) && !(vma->vm_flags & VM_SHARED)) {
				ptep_set_wrprotect(src, a, sptep);
				e = pte_wrprotect(e);
			}
			page = pfn_to_page(pte_pfn(e));
			get_page(page);
			atomic_inc(&page->mapcount);
			set_pte_at(dst, a, dptep, e);
		}
		spin_unlock(ptl);
	}
	return 0;
}

int dup_mmap(struct mm_struct *dst, struct mm_struct *src)
{
	struct vm_area_struct *v;
	int ret = 0;

	down_write(&src->mmap_lock);
	down_write(&dst->mmap_lock);
	BUG_ON(dst->map_count);
	list_for_each_entry(v, &src->vmas, vm_list)
	{
		struct vm_area_struct *d = vma_alloc();

		if (!d) {
			ret = -ENOMEM;
			break;
		}
		d->vm_start = v->vm_start;
		d->vm_end = v->vm_end;
		d->vm_flags = v->vm_flags;
		d->vm_pgoff = v->vm_pgoff;
		d->vm_mm = dst;
		/* One VMA for one (no merging: each has its own family), chained before any
		 * page is shared (AV-4); a shared one joins its object's i_mmap likewise. */
		if (anon_vma_fork(d, v)) {
			vma_free(d);
			ret = -ENOMEM;
			break;
		}
		if (v->vm_shm)
			shmem_link_vma(d, v->vm_shm);
		list_add_tail(&d->vm_list, &dst->vmas);
		dst->map_count++;
		ret = copy_pte_range(dst, src, v);
		if (ret)
			break;
	}
	/* Every writable entry of src became read-only: no CPU may keep writing through a stale
	 * TLB entry once dst shares the pages (MG-4's order, for permissions). */
	flush_tlb_mm(src);
	up_write(&dst->mmap_lock);
	up_write(&src->mmap_lock);
	return ret;
}

/* ---- tearing an address space down ---- */

void exit_mmap(struct mm_struct *mm)
{
	struct vm_area_struct *v;
	struct mmu_gather tlb;

	down_write(&mm->mmap_lock);
	tlb_gather_mmu(&tlb, mm, true);
	if (!list_empty(&mm->vmas))
		unmap_vmas(&tlb, list_first_entry(&mm->vmas, struct vm_area_struct, vm_list),
			   USER_BASE, USER_TOP);
	list_for_each_entry(v, &mm->vmas, vm_list)
	{
		unlink_anon_vmas(v); /* before the tables (<mica/rmap.h> invariant 4) */
		shmem_unlink_vma(v);
	}
	free_pgtables(&tlb, USER_BASE, USER_TOP, USER_BASE, USER_TOP);
	tlb_finish_mmu(&tlb);
	up_write(&mm->mmap_lock);
}
