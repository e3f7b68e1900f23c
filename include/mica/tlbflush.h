/*
 * TLB invalidation and address-space switching (kernel/mm/tlbflush.c, docs/mm-pagetables.md).
 *
 * The rule every caller keeps (DESIGN MG-4): clear the entry, then invalidate it on every
 * CPU that may cache it, then free what it pointed at. Which CPUs may cache a translation of
 * an mm is mm->cpumask: a CPU sets its bit before it first loads the mm's tables and never
 * clears it ("is or was active"), so a flush that reads the mask after clearing the entry
 * cannot miss a CPU that could have read the old entry.
 *
 * Port hooks (out of line, in arch/<name>/):
 *   void arch_local_flush_tlb_range(struct mm_struct *mm, unsigned long start,
 *                                   unsigned long end)
 *       invalidate this CPU's cached user translations of [start, end) (leaf entries)
 *   void arch_local_flush_tlb_all(void)
 *       invalidate every user translation on this CPU, walk caches included
 *   void arch_switch_mm(struct mm_struct *next, unsigned long asid, bool flush)
 *       load next's top table on this CPU (interrupts masked), tagged with ASID number asid
 *       (<mica/asid.h>; 0 for init_mm, and always 0 on a port without ASIDs); if flush, first
 *       invalidate every TLB entry of every ASID on this CPU (walk caches included). Without
 *       ASIDs flush is always true: no translation of the previous mm may stay usable.
 *       A port with ASIDs calls asid_init() at boot; generic code picks asid and flush.
 * and one capability in <asm/pgtable.h>:
 *   ARCH_TLB_BROADCAST 1   the local operations reach every CPU (ARM's inner-shareable
 *                          TLBI*IS), so no IPI is needed; 0 or undefined: generic code runs
 *                          the local operation on every CPU of mm->cpumask by IPI, unless
 *   ARCH_TLB_REMOTE_FENCE 1  the port invalidates other CPUs without interrupting their
 *                          kernel (RISC-V's SBI remote fence), through
 *       unsigned long arch_remote_flush_tlb(unsigned long cpus, struct mm_struct *mm,
 *                                           unsigned long start, unsigned long end, bool all)
 *                          which invalidates [start, end) of mm (all: everything, walk caches
 *                          included) on the CPUs in cpus (never this one), waits until done,
 *                          and returns the CPUs it really reached (the TLB model is told).
 *   ARCH_TLB_LAZY 1        lazy TLB for kernel threads (DESIGN TLB-1), for a port whose
 *                          invalidations need an IPI (x86). See "Lazy TLB" below.
 *
 * Lazy TLB. A kernel thread touches no user address, so a CPU that switches from a user mm to
 * a kernel thread need not load init_mm's tables: it keeps the user mm loaded (active_mm) and
 * is "lazy". Going back to that mm then costs no table load and no TLB refill. A lazy CPU
 * needs no leaf invalidation now, only before it runs user code again, so a shootdown that
 * freed no page table leaves it out (no IPI) and marks it as owing a flush; when it stops
 * being lazy (it loads any mm, or goes back to the one it kept), it first invalidates
 * everything. Freed page tables are the exception: the CPU still has the tables loaded, and
 * its page walks, speculative ones included, may go through an unhooked table and keep it in
 * its walk caches, so a table's frame may not be reused until the CPU flushed: flush_tlb_mm
 * (the flush after tables were freed) reaches lazy CPUs too. And a mm may not die loaded on
 * a lazy CPU: the last mm_put() first sends those CPUs to init_mm (tlb_lazy_drop_mm()).
 * Each CPU's lazy state is guarded by its own lock, taken by the CPU as it enters and leaves
 * lazy mode and by a shootdown deciding to leave it out, so a CPU is either skipped and owes
 * the flush, or has already left lazy mode and is sent the IPI.
 */
#ifndef MICA_TLBFLUSH_H
#define MICA_TLBFLUSH_H

#include <mica/types.h>

struct mm_struct;

void arch_local_flush_tlb_range(struct mm_struct *mm, unsigned long start, unsigned long end);
void arch_local_flush_tlb_all(void);
void arch_switch_mm(struct mm_struct *next, unsigned long asid, bool flush);

/* Past this many pages a range flush becomes a flush of everything (cheaper, and what the
 * ports' manuals recommend for big ranges). */
#define TLB_FLUSH_ALL_THRESHOLD 32

/* Invalidates [start, end) of mm on every CPU that may cache it. May send IPIs: call with
 * interrupts enabled (a spinlock held is fine). */
void flush_tlb_range(struct mm_struct *mm, unsigned long start, unsigned long end);
/* flush_tlb_range() even inside a lazy-MMU section: what the batch itself uses. */
void flush_tlb_range_now(struct mm_struct *mm, unsigned long start, unsigned long end);

/*
 * Lazy-MMU sections (TLB-5, kernel/mm/lazy_mmu.c; boot parameter lazy_mmu=1, on ports whose
 * remote invalidation needs no IPI): between lazy_mmu_enter() and lazy_mmu_leave() (they
 * nest), flush_tlb_range() only queues its range in this CPU's batch, flushed as one request
 * at the end of the section and at any context switch. Nothing may be freed inside one.
 * lazy_mmu_active() says whether requests are being queued now.
 */
void lazy_mmu_enter(void);
void lazy_mmu_leave(void);
bool lazy_mmu_active(void);
extern bool lazy_mmu_enabled;
struct lazy_mmu_stats {
	unsigned long queued;	      /* flush_tlb_range() calls batched */
	unsigned long batches;	      /* batches flushed (each one request) */
	unsigned long switch_flushes; /* ... of which at a context switch */
};
extern struct lazy_mmu_stats lazy_mmu_stats;

/* Invalidates every translation of mm, walk caches included, on every CPU that may cache it. */
void flush_tlb_mm(struct mm_struct *mm);

/* This CPU's part of an invalidation (interrupts masked): the port's operation, counted
 * and told to the TLB model. Generic code calls these, never the arch_ hooks directly. */
void local_flush_tlb_range(struct mm_struct *mm, unsigned long start, unsigned long end);
void local_flush_tlb_all(void);

/* Counters since boot (read by tests and the stats call). */
struct tlb_stats {
	unsigned long flushes;		      /* flush_tlb_range/flush_tlb_mm requests */
	unsigned long local_range, local_all; /* local invalidations run (on any CPU) */
	unsigned long ipis;		      /* flush requests sent to other CPUs by IPI */
	unsigned long remote_fences;	      /* ... or by the port's remote fence */
	/* ARCH_TLB_LAZY only: */
	unsigned long lazy_skips;   /* lazy CPUs left out of a leaf flush (each now owes one) */
	unsigned long lazy_flushes; /* owed flushes done as a lazy CPU left lazy mode */
	unsigned long lazy_resumes; /* lazy CPUs that went back to the mm they kept: no load */
	unsigned long lazy_drops;   /* lazy CPUs sent off a dying mm by tlb_lazy_drop_mm() */
};
extern struct tlb_stats tlb_stats;

/* ---- address-space switching (kernel/mm/tlbflush.c) ---- */

/* The kernel's address space: kernel threads run on it. */
extern struct mm_struct init_mm;
/* Called by the scheduler with interrupts masked before switching to a task whose address
 * space is next_mm (NULL: a kernel thread, which runs on init_mm, or lazily on the user mm
 * this CPU has loaded if ARCH_TLB_LAZY). */
void switch_mm_irqs_off(struct mm_struct *next_mm);
/* For the last mm_put() of mm, before the mm is torn down: every CPU that still has mm loaded
 * lazily switches to init_mm (doing the flush it owes). No task may run on mm any more. Call
 * with interrupts enabled; waits for those CPUs. Does nothing without ARCH_TLB_LAZY. */
void tlb_lazy_drop_mm(struct mm_struct *mm);
/* True if CPU cpu is lazy now (a racy snapshot, for tests). */
bool tlb_cpu_is_lazy(unsigned cpu);
/* A kernel thread adopts mm (taking a reference) and runs on it until unuse_mm(): how tests
 * and the kernel build and touch user address spaces before there are processes. */
void use_mm(struct mm_struct *mm);
void unuse_mm(struct mm_struct *mm);

#endif
