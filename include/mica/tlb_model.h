/*
 * The TLB model (DESIGN TLB-6; kernel/mm/tlb_model.c, book chapter docs/mm-pagetables.md,
 * "The TLB model").
 *
 * A TLB is invisible: a missing invalidation shows up, if ever, as another process's data
 * changing much later. The model makes it visible. It keeps, in software, what the hardware
 * may still hold: for each translation that was cleared (a leaf PTE) and for each page-table
 * page that was unhooked from its parent, the set of CPUs that may still cache it. It starts
 * as the mm's cpumask at the time of the clear; every invalidation a CPU runs removes that
 * CPU from the records it covers; a record with no CPU left is dropped. When a page or a
 * page-table page goes back to the page allocator while a record for it still names a CPU,
 * the kernel panics naming the frame, the CPU, the address, where the entry was cleared and
 * which flush is missing.
 *
 * What covers what (the generic rules every port meets; the ports' TLB issue refines them):
 *   a range invalidation of mm on CPU c     leaf records of mm inside the range, on c
 *   a full invalidation on CPU c            every record on c, tables too (walk caches)
 *   an address-space switch on CPU c        nothing, unless it flushed (without ASIDs every
 *                                           switch does; with them, after a rollover)
 *   ARCH_TLB_BROADCAST ports                one CPU's invalidation covers every CPU
 *
 * And with ASIDs one more check, at a switch: CPU c may still cache entries tagged with
 * ASID n for the mm that last ran with n on c, until c invalidates all; switching to a
 * different mm with the same n before that panics ("ASID reused without a flush").
 *
 * Lazy CPUs (ARCH_TLB_LAZY, <mica/tlbflush.h>): a leaf flush that leaves a lazy CPU c out
 * drops c from the leaf records it would have covered, on c's promise to invalidate
 * everything before it leaves lazy mode; the model keeps that debt and panics if c leaves
 * lazy mode still owing it. Table records are never dropped that way: a lazy CPU still
 * walks the tables it has loaded, so only a real invalidation on c covers them.
 *
 * Boot parameter tlb_model=0 turns it off (the benchmarks do, to measure the kernel and not
 * the model); it is on otherwise. Good breakpoint: tlb_model_report (about to panic).
 */
#ifndef MICA_TLB_MODEL_H
#define MICA_TLB_MODEL_H

#include <mica/types.h>

struct mm_struct;
struct page;

extern bool tlb_model_enabled;

/* A present leaf PTE of mm for addr, pointing at page, was cleared. */
void tlb_model_clear(struct mm_struct *mm, unsigned long addr, struct page *page);
/* A page-table page covering addr was unhooked from its parent entry in mm. */
void tlb_model_unhook(struct mm_struct *mm, unsigned long addr, struct page *table);
/* The CPUs in cpus invalidated [start, end) of mm (all: everything, walk caches included).
 * Called by the generic TLB code just before the hardware operation. */
void tlb_model_flushed(unsigned long cpus, struct mm_struct *mm, unsigned long start,
		       unsigned long end, bool all);
/* CPU cpu is about to load next's tables with ASID number asid, invalidating all first if
 * flush (see above). */
void tlb_model_switch(unsigned cpu, struct mm_struct *next, unsigned long asid, bool flush);
/* Lazy CPU cpu was left out of a leaf flush of [start, end) of mm (all: of every address of
 * mm): it now owes an invalidation of everything. */
void tlb_model_lazy_skip(unsigned cpu, struct mm_struct *mm, unsigned long start, unsigned long end,
			 bool all);
/* CPU cpu leaves lazy mode (after any flush it does on the way): panics if it still owes one. */
void tlb_model_lazy_leave(unsigned cpu);
/* The page allocator is taking back 2^order frames from page: panics if any may still be
 * reached through a stale translation. */
void tlb_model_check_free(struct page *page, unsigned order);
/* mm's top table is about to be freed: panics if a CPU still has it loaded or a record of
 * mm is left. */
void tlb_model_check_mm_free(struct mm_struct *mm);

/* For tests: the CPUs that may still reach page through a stale translation or walk cache
 * (0: none), and how many records of mm in [start, end) still name a CPU. */
unsigned long tlb_model_stale_cpus(struct page *page);
unsigned long tlb_model_pending(struct mm_struct *mm, unsigned long start, unsigned long end);

/* Test-only: the next n TLB flush requests (flush_tlb_range / flush_tlb_mm) do nothing, to
 * prove the model catches a missing flush. Never set outside tests. */
extern unsigned tlb_test_skip_flushes;

/* Test-only omissions of a rule the port's hardware makes necessary (DESIGN TLB-6 per port):
 * set by a must-panic suite, which expects the model to catch the consequence. */
enum tlb_test_omission {
	TLB_OMIT_NONE,
	TLB_OMIT_ROLLOVER_FLUSH,	/* asid.c: a rollover schedules no flush (any ASID port) */
	TLB_OMIT_REMOTE_HART,		/* RISC-V: a remote fence leaves one hart out */
	TLB_OMIT_LAZY_TABLE_FLUSH,	/* x86: lazy CPUs skipped even when tables were freed */
	TLB_OMIT_LAZY_MMU_SWITCH_FLUSH, /* lazy-MMU batch dropped, not flushed, at a switch */
};
extern enum tlb_test_omission tlb_test_omit;

struct tlb_model_stats {
	unsigned long recorded;	   /* records made (cleared PTEs and unhooked tables) */
	unsigned long max_pending; /* most records alive at once */
	unsigned long pending;	   /* records alive now */
	unsigned long overflows;   /* records that did not fit (the model then turns off) */
};
extern struct tlb_model_stats tlb_model_stats;

#endif
