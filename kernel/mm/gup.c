/*
 * Pinning user pages (DESIGN RT-3): the lockless fast path, the locked slow path it falls
 * back to, and unpinning. Why the fast path needs no lock is in <mica/gup.h>; the book chapter
 * is docs/mm-faults.md, "Pinning pages: gup_fast". Good breakpoints: gup_fast_pte (one
 * lockless pin), gup_fell_back (why the fast path gave up), get_user_pages (the slow path).
 */
#include <mica/arch.h>
#include <mica/errno.h>
#include <mica/gup.h>
#include <mica/mm_types.h>
#include <mica/panic.h>
#include <mica/pgtable.h>
#include <mica/preempt.h>
#include <mica/sched.h>
#include <mica/time.h>

#include "mm_internal.h"

struct gup_stats gup_stats;
unsigned long gup_fast_race_window_ns;

static const char *const end_names[GUP_NR_ENDS] = {
	[GUP_FAST_OK] = "pinned",
	[GUP_NO_TABLE] = "no table",
	[GUP_NOT_PRESENT] = "not present",
	[GUP_NEEDS_FAULT] = "needs a fault",
	[GUP_PAGE_FREED] = "page being freed",
	[GUP_PTE_CHANGED] = "PTE changed",
};

const char *gup_fast_end_name(enum gup_fast_end end)
{
	return end < GUP_NR_ENDS ? end_names[end] : "?";
}

/* 0, or the error for a range that cannot be pinned whatever is mapped. */
static int check_range(unsigned long start, int nr_pages)
{
	if ((start & ~PAGE_MASK) || nr_pages < 0)
		return -EINVAL;
	if (start < USER_BASE || start > USER_TOP ||
	    (unsigned long)nr_pages > (USER_TOP - start) >> PAGE_SHIFT)
		return -EFAULT;
	return 0;
}

/*
 * GUP_FAST_OK if pte lets the kernel pin its page for this access: present and accessible
 * (_PAGE_PRESENT: PROT_NONE entries are "present" to pte_present() but have it clear), a user
 * page with a struct page, and for a write already writable and dirty. Else why not.
 */
static enum gup_fast_end pte_check(pte_t pte, bool write)
{
	if (!(pte.val & _PAGE_PRESENT) || !pte_user(pte) || !pfn_valid(pte_pfn(pte)))
		return GUP_NOT_PRESENT;
	if (write && !(pte_write(pte) && pte_dirty(pte)))
		return GUP_NEEDS_FAULT;
	return GUP_FAST_OK;
}

/* ---- the fast path: no lock, interrupts off ---- */

/*
 * The PTE for addr, reached without a lock. Each upper entry is read once into a local copy
 * and the next table found from that copy (pud_offset(&p4d, ..)); a folded level's offset
 * just returns the copy it was given. The live entries may be cleared or replaced right after
 * the read: the table the copy names stays a table until interrupts are on (<mica/gup.h>).
 * NULL if some entry is empty or not a table (a torn or half-written ARM pmd pair looks bad).
 */
static pte_t *gup_fast_pte_offset(struct mm_struct *mm, unsigned long addr)
{
	p4d_t p4d = READ_ONCE(*p4d_offset(pgd_offset_pgd(mm->pgd, addr), addr));
	pud_t pud;
	pmd_t pmd;

	if (p4d_none(p4d) || p4d_bad(p4d))
		return NULL;
	pud = READ_ONCE(*pud_offset(&p4d, addr));
	if (pud_none(pud) || pud_bad(pud))
		return NULL;
	pmd = READ_ONCE(*pmd_offset(&pud, addr));
	if (pmd_none(pmd) || pmd_bad(pmd))
		return NULL;
	return pte_offset(&pmd, addr);
}

/*
 * Pins the page *ptep maps: reads the PTE once, takes a reference only if the page is not
 * free, then reads the PTE again. If it changed, the page may have been unmapped (on ARM even
 * freed and reused) between the two reads: the reference is dropped. The atomic increment is
 * a full barrier, so the second read cannot be satisfied before it. Not inlined, so that gdb
 * can stop here and `finish` with the result.
 */
static __noinline enum gup_fast_end gup_fast_pte(pte_t *ptep, bool write, struct page **pagep)
{
	pte_t pte = ptep_get(ptep);
	enum gup_fast_end why = pte_check(pte, write);
	struct page *page;

	if (why != GUP_FAST_OK)
		return why;
	if (unlikely(READ_ONCE(gup_fast_race_window_ns)))
		ndelay_spin(gup_fast_race_window_ns);
	page = pfn_to_page(pte_pfn(pte));
	if (!get_page_unless_zero(page))
		return GUP_PAGE_FREED;
	if (ptep_get(ptep).val != pte.val) {
		put_page(page);
		return GUP_PTE_CHANGED;
	}
	*pagep = page;
	return GUP_FAST_OK;
}

/* Pins [addr, end), which lies under one pmd entry, with interrupts off: one PTE table, so the
 * irq-off section is at most PTRS_PER_PTE pins long. Returns how many pages it pinned; *why
 * says why it stopped early (GUP_FAST_OK if it did not). */
static int gup_fast_pmd_range(struct mm_struct *mm, unsigned long addr, unsigned long end,
			      bool write, struct page **pages, enum gup_fast_end *why)
{
	unsigned long flags = arch_irq_save();
	pte_t *ptep = gup_fast_pte_offset(mm, addr);
	int nr = 0;

	*why = ptep ? GUP_FAST_OK : GUP_NO_TABLE;
	for (; ptep && addr != end; addr += PAGE_SIZE, ptep++) {
		*why = gup_fast_pte(ptep, write, &pages[nr]);
		if (*why != GUP_FAST_OK)
			break;
		nr++;
	}
	arch_irq_restore(flags);
	return nr;
}

/* The fast path stopped at addr for `why`: the slow path pins the rest, nr_pages from addr.
 * Not inlined: a place to break on. */
static __noinline int gup_fell_back(struct mm_struct *mm, enum gup_fast_end why, unsigned long addr,
				    int nr_pages, bool write, struct page **pages)
{
	stat_add(&gup_stats.calls[why], 1);
	return get_user_pages(mm, addr, nr_pages, write, pages);
}

int get_user_pages_fast(unsigned long start, int nr_pages, bool write, struct page **pages)
{
	struct mm_struct *mm = current->mm;
	unsigned long addr = start, end, next;
	enum gup_fast_end why = GUP_FAST_OK;
	int nr = 0, ret;

	might_sleep();
	ret = check_range(start, nr_pages);
	if (ret || !nr_pages)
		return ret;
	if (!mm)
		return -EFAULT;
	end = start + ((unsigned long)nr_pages << PAGE_SHIFT);
	for (; addr != end && why == GUP_FAST_OK; addr = next) {
		next = pmd_addr_end(addr, end);
		nr += gup_fast_pmd_range(mm, addr, next, write, pages + nr, &why);
	}
	stat_add(&gup_stats.fast_pinned, nr);
	if (nr == nr_pages) {
		stat_add(&gup_stats.calls[GUP_FAST_OK], 1);
		return nr;
	}
	addr = start + ((unsigned long)nr << PAGE_SHIFT);
	ret = gup_fell_back(mm, why, addr, nr_pages - nr, write, pages + nr);
	if (ret < 0) {
		put_user_pages(pages, nr);
		return ret;
	}
	return nr_pages;
}

/* ---- the slow path: mmap_lock, faults, the PTE lock ---- */

/* Pins the page at addr if its PTE already allows the access; false if a fault must come
 * first. mmap_lock held for read: the tables stay; the PTE lock keeps the entry still. */
static bool pin_mapped_page(struct mm_struct *mm, unsigned long addr, bool write,
			    struct page **pagep)
{
	spinlock_t *ptl;
	pmd_t *pmd;
	pte_t *ptep, pte;
	bool ok;

	if (!walk_pmd(mm, addr, false, &pmd))
		return false;
	ptep = pte_offset_map_lock(pmd, addr, &ptl);
	pte = ptep_get(ptep);
	ok = pte_check(pte, write) == GUP_FAST_OK;
	if (ok) {
		*pagep = pfn_to_page(pte_pfn(pte));
		get_page(*pagep);
	}
	spin_unlock(ptl);
	return ok;
}

/*
 * Pins as many pages as it can under one hold of mmap_lock, then faults the next one in
 * without it, and goes on. handle_mm_fault() takes mmap_lock itself, and a reader must not
 * take it twice: with a writer queued in between (munmap), both would wait forever (FIFO
 * rwsem). So a page can be unmapped again between its fault and its pin: it is just faulted
 * again (slow_refaults counts those).
 */
int get_user_pages(struct mm_struct *mm, unsigned long start, int nr_pages, bool write,
		   struct page **pages)
{
	unsigned long last_fault = 0;
	int nr = 0, err;

	might_sleep();
	err = check_range(start, nr_pages);
	if (err)
		return err;
	while (nr < nr_pages) {
		unsigned long addr = start + ((unsigned long)nr << PAGE_SHIFT);

		down_read(&mm->mmap_lock);
		while (nr < nr_pages && pin_mapped_page(mm, addr, write, &pages[nr])) {
			nr++;
			addr += PAGE_SIZE;
		}
		up_read(&mm->mmap_lock);
		if (nr == nr_pages)
			break;
		stat_add(&gup_stats.slow_faults, 1);
		if (addr == last_fault)
			stat_add(&gup_stats.slow_refaults, 1);
		last_fault = addr;
		err = handle_mm_fault(mm, addr, write ? FAULT_WRITE : 0);
		if (err)
			goto unpin;
	}
	stat_add(&gup_stats.slow_pinned, nr);
	return nr_pages;
unpin:
	put_user_pages(pages, nr);
	return err == -ENOMEM ? -ENOMEM : -EFAULT; /* -EACCES: mapped, not for this access */
}

void put_user_pages(struct page **pages, int n)
{
	for (int i = 0; i < n; i++)
		put_page(pages[i]);
}
