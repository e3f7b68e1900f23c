/*
 * Page migration (DESIGN AV-9's second consumer; book chapter docs/mm-rmap.md, "Migration"):
 * moving an anonymous page to another frame while every process that maps it keeps working.
 *
 * The steps, each for a reason:
 *   1. a reference on the page's anon_vma (page_get_anon_vma): the walk below sleeps on the
 *      anon_vma mutex, and the page may be unmapped everywhere meanwhile; the reference keeps
 *      the anon_vma (and its lock) alive across that sleep. This is what the refcount is for.
 *   2. PG_migrating on the old page, then every PTE mapping it becomes a *migration entry*:
 *      the same frame, no access (the PROT_NONE encoding), flushed from every TLB. A process
 *      touching it faults; the fault handler sees PG_migrating and waits (migrate_wait).
 *   3. the references must be exactly ours plus one per migration entry: anyone else (a
 *      get_user_pages pin, say) may be writing into the frame, so the move is abandoned and
 *      the entries restored (-EAGAIN).
 *   4. copy, then every migration entry of the old frame becomes a PTE of the new one, with
 *      the permissions its VMA has *now*, read under the PTE lock (an mprotect may have run
 *      meanwhile; it leaves migration entries alone).
 *   5. clear PG_migrating, wake the waiters: their retried faults find the new frame.
 * No write is lost: between step 2's flush and step 4 nobody can write the old frame, and the
 * copy is taken in between.
 */
#include <mica/errno.h>
#include <mica/gup.h>
#include <mica/mm_types.h>
#include <mica/panic.h>
#include <mica/pgtable.h>
#include <mica/rmap.h>
#include <mica/sched.h>
#include <mica/string.h>
#include <mica/swap.h>
#include <mica/tlb_model.h>
#include <mica/tlbflush.h>
#include <mica/vmscan.h>
#include <mica/wait.h>

#include "mm_internal.h"

DEFINE_WAIT_QUEUE(migrate_wait);
struct migrate_stats migrate_stats;

bool page_migrating(struct page *page)
{
	return __atomic_load_n(&page->flags, __ATOMIC_ACQUIRE) & PG_migrating;
}

void wait_on_page_migration(struct page *page)
{
	wait_event(migrate_wait, !page_migrating(page));
}

/* The PTE a VMA's flags give frame pfn, as a fault would build it: dirty if writable (its
 * contents are new), write-protected if the frame is shared by more than one PTE (the count
 * from before the move: copy-on-write must survive it). */
static pte_t pte_for_vma(unsigned long pfn, struct vm_area_struct *vma, unsigned long sharers)
{
	pte_t pte = pfn_pte(pfn, READ_ONCE(vma->vm_flags));

	/* Swap entries naming the old page's slot share it too (the slot holds it, so a move
	 * of such a page is always abandoned: this is the restore). */
	if (sharers > 1 || page_swap_shared(pfn_to_page(pfn)))
		return pte_wrprotect(pte);
	return (READ_ONCE(vma->vm_flags) & VM_WRITE) ? pte_mkdirty(pte) : pte;
}

struct migration {
	struct page *old, *new;
	unsigned long entries; /* migration entries made (step 2) */
	bool done;	       /* step 4: install new; else restore old */
};

/* Step 2 for one mapping: the PTE becomes a migration entry, flushed everywhere. */
static bool make_entry(struct page *page, struct vm_area_struct *vma, unsigned long addr, void *arg)
{
	struct migration *m = arg;
	struct mm_struct *mm = vma->vm_mm;
	spinlock_t *ptl;
	pmd_t *pmd;
	pte_t *ptep = walk_pmd(mm, addr, false, &pmd), old;

	if (!ptep)
		return true;
	ptep = pte_offset_map_lock(pmd, addr, &ptl);
	old = ptep_get(ptep);
	if (pte_accessible(old) && pte_pfn(old) == page_to_pfn(page)) {
		ptep_get_and_clear(mm, addr, ptep);
		tlb_model_clear(mm, addr, page);
		flush_tlb_range(mm, addr, addr + PAGE_SIZE); /* before anyone may copy */
		set_pte_at(mm, addr, ptep, pfn_pte(page_to_pfn(page), 0));
		m->entries++;
	}
	spin_unlock(ptl);
	return true;
}

/* Step 4 (or the undo of step 2) for one mapping: the migration entry of m->old becomes a
 * PTE of m->new (or of m->old again), as the VMA's flags say now. */
static bool finish_entry(struct page *page, struct vm_area_struct *vma, unsigned long addr,
			 void *arg)
{
	struct migration *m = arg;
	struct mm_struct *mm = vma->vm_mm;
	struct page *to = m->done ? m->new : m->old;
	spinlock_t *ptl;
	pmd_t *pmd;
	pte_t *ptep = walk_pmd(mm, addr, false, &pmd), old;

	(void)page;
	if (!ptep)
		return true;
	ptep = pte_offset_map_lock(pmd, addr, &ptl);
	old = ptep_get(ptep);
	if (pte_present(old) && !pte_accessible(old) && pte_pfn(old) == page_to_pfn(m->old)) {
		set_pte_at(mm, addr, ptep, pte_for_vma(page_to_pfn(to), vma, m->entries));
		if (m->done) {
			/* The PTE's mapping and reference move from old to new. */
			atomic_add_return(&m->new->mapcount, 1);
			get_page(m->new);
			atomic_add_return(&m->old->mapcount, -1);
			put_page(m->old); /* never the last: the caller holds one */
		}
	}
	spin_unlock(ptl);
	return true;
}

int migrate_page(struct page *page)
{
	struct migration m = { .old = page };
	struct anon_vma *av;
	int mapped, ret = 0;

	av = page_get_anon_vma(page);
	if (!av)
		return -EINVAL; /* not an anonymous page, or no longer mapped */
	m.new = alloc_page(GFP_KERNEL | __GFP_NOWARN);
	if (!m.new) {
		put_anon_vma(av);
		return -ENOMEM;
	}
	if (page_set_flags(page, PG_migrating) & PG_migrating) {
		ret = -EAGAIN; /* someone else is moving it */
		goto out_free;
	}
	rmap_walk(page, make_entry, &m);
	/* Step 3: our reference, plus one per PTE (all migration entries now). */
	mapped = atomic_read(&page->mapcount);
	if (page_count(page) != mapped + 1 || (unsigned long)mapped != m.entries) {
		stat_add(&migrate_stats.busy, 1);
		ret = -EAGAIN;
	} else {
		memcpy(page_address(m.new), page_address(page), PAGE_SIZE);
		m.new->mapping = page->mapping;
		m.new->index = page->index;
		m.done = true; /* counts move one PTE at a time: an unmap may still take some */
	}
	rmap_walk(page, finish_entry, &m);
	page_clear_flags(page, PG_migrating);
	wake_up(&migrate_wait);
	if (m.done) {
		stat_add(&migrate_stats.moved, 1);
		lru_add(m.new);
		put_page(m.new); /* alloc's reference: the PTEs hold theirs */
		m.new = NULL;
	}
out_free:
	if (m.new)
		put_page(m.new);
	put_anon_vma(av);
	return ret;
}

int migrate_user_page(unsigned long addr)
{
	struct page *page;
	int ret;

	if (addr & ~PAGE_MASK)
		return -EINVAL;
	ret = get_user_pages_fast(addr, 1, false, &page);
	if (ret != 1)
		return ret < 0 ? ret : -EFAULT;
	ret = migrate_page(page);
	put_user_pages(&page, 1);
	return ret;
}
