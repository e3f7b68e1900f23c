/*
 * Pinning user pages (DESIGN RT-3; kernel/mm/gup.c, book chapter docs/mm-faults.md, "Pinning
 * pages: gup_fast").
 *
 * A pin is one page reference (get_page) taken for the kernel: the page then stays allocated,
 * with its contents, until put_user_pages() drops the reference, even if the process unmaps
 * it meanwhile. The kernel reads or writes a pinned page through its own identity map
 * (page_address()), with no user pointer, no fault and no exception table.
 *
 * The invariant the fast path rests on, first: a page-table page is freed only after every CPU
 * that may walk it lockless has had interrupts on since it was unhooked. get_user_pages_fast()
 * walks the current mm's tables with NO lock, interrupts off, and that holds off the free:
 *   - x86-64 invalidates other CPUs' TLBs by IPI, and the mmu_gather frees a table (or a
 *     page) only after that flush. The IPI cannot be taken by a CPU with interrupts off, and
 *     this CPU is in mm->cpumask (it runs the mm), so the free waits for us;
 *   - ARM (broadcast TLBI) and RISC-V (SBI remote fences) invalidate without interrupting
 *     the other CPUs' kernel, so nothing waits for us there. The tables are freed only after
 *     an RCU grace period (RT-1, tlb_remove_table()), and a CPU with interrupts off takes no
 *     tick and cannot context-switch, so it cannot pass a quiescent state: the grace period,
 *     and the free, wait for us. (The gather does this on every port. If no memory can be had
 *     for the RCU batch, the gather IPIs every CPU instead (RT-2), which waits for us too.)
 * So every table the walk reaches stays a table of this mm until interrupts are on again.
 * Entries may still change under the walk at any moment (another thread unmaps, faults,
 * write-protects for fork): each entry is read once (READ_ONCE, ptep_get) and the next level
 * found from that copy; no decision rests on a second read of a live entry, except the one
 * check below. On ARM and RISC-V a user page, unlike a table, may be freed, and even reused, while
 * we look at its PTE: the reference is taken only if the page's count is not zero
 * (get_page_unless_zero()), and then the PTE is read again; if it changed, the reference is
 * dropped and the page left alone.
 *
 * The fast path pins a page only if its PTE is present, accessible (not PROT_NONE) and a user
 * page, and, for write, both writable and dirty: a read-only PTE may be copy-on-write, a clean
 * one must fault first on ports that track dirtiness by faults (ARM). Anything else (a missing
 * table, no PTE, a PTE that needs a fault, a page being freed, a PTE that changed under us)
 * ends the fast path there, and the rest of the range goes to the slow path,
 * get_user_pages(), which takes mmap_lock for read, faults the page in with
 * handle_mm_fault() and pins it under the PTE lock. gup_stats counts both, and why each
 * fallback happened.
 *
 * Nothing here may be called with interrupts off or a spinlock held: the slow path sleeps.
 */
#ifndef MICA_GUP_H
#define MICA_GUP_H

#include <mica/mm.h>
#include <mica/types.h>

struct mm_struct;

/*
 * Pins nr_pages pages of the current task's mm from start (page aligned), for reading or,
 * with write, for writing (copy-on-write is broken first, the PTE is dirty), into pages[].
 * All or nothing: returns nr_pages, or an error with nothing left pinned: -EFAULT (a page not
 * mapped, or not for this access; a range outside user space; a kernel thread with no mm),
 * -ENOMEM (no memory to fault a page in), -EINVAL (start not page aligned, nr_pages < 0).
 * May sleep.
 */
int get_user_pages_fast(unsigned long start, int nr_pages, bool write, struct page **pages);

/*
 * The slow path, for any mm: per page, mmap_lock for read, handle_mm_fault() if the PTE does
 * not allow the access yet, then the walk and get_page() under the PTE lock. Same contract as
 * get_user_pages_fast(). May sleep; the caller holds no mmap_lock (the fault takes it).
 */
int get_user_pages(struct mm_struct *mm, unsigned long start, int nr_pages, bool write,
		   struct page **pages);

/* Drops the pins on pages[0..n): a page unmapped meanwhile is freed by the last one. */
void put_user_pages(struct page **pages, int n);

/* How the fast path ended, for one page or one call: it pinned (the whole range), or why it
 * stopped there and handed the rest of the range to the slow path. */
enum gup_fast_end {
	GUP_FAST_OK,	 /* pinned: no fallback */
	GUP_NO_TABLE,	 /* an upper entry was empty or not a table: nothing mapped there yet */
	GUP_NOT_PRESENT, /* no PTE, or not accessible (PROT_NONE), or not a user page */
	GUP_NEEDS_FAULT, /* write to a read-only (copy-on-write?) or clean PTE */
	GUP_PAGE_FREED,	 /* the page's count was zero: it was being freed under us */
	GUP_PTE_CHANGED, /* the PTE changed between the read and the reference */
	GUP_NR_ENDS
};

/* Counters since boot (tests and the docs' gdb session read them). */
struct gup_stats {
	unsigned long fast_pinned;	  /* pages pinned without a lock */
	unsigned long slow_pinned;	  /* pages pinned by the slow path */
	unsigned long calls[GUP_NR_ENDS]; /* get_user_pages_fast() calls by how the fast path
					   * ended: all but calls[GUP_FAST_OK] fell back */
	unsigned long slow_faults;	  /* handle_mm_fault() calls of the slow path */
	unsigned long slow_refaults;	  /* ... for a page it had just faulted in */
};
extern struct gup_stats gup_stats;
/* A short name for each end ("PTE changed"), for logs. */
const char *gup_fast_end_name(enum gup_fast_end end);

/* For tests (DESIGN §6, races provoked on purpose): the fast path spins this long between
 * reading a PTE and taking the page's reference, interrupts still off, so that a munmap on
 * another CPU lands in that window and the checks after it must catch it. 0 normally. */
extern unsigned long gup_fast_race_window_ns;

#endif
