/*
 * TLB invalidation across CPUs and address-space switching; the rules are in
 * <mica/tlbflush.h>. A port without broadcast invalidation gets an IPI to every other CPU in
 * the mm's mask, or its remote fence; with ARCH_TLB_LAZY, lazy CPUs are left out of leaf
 * flushes and flush on their way out of lazy mode. Good breakpoints: flush_on_cpus,
 * switch_mm_irqs_off, lazy_skip, lazy_leave.
 */
#include <mica/asid.h>
#include <mica/cpu.h>
#include <mica/mm_types.h>
#include <mica/panic.h>
#include <mica/preempt.h>
#include <mica/sched.h>
#include <mica/smp_call.h>
#include <mica/tlb_model.h>
#include <mica/tlbflush.h>

#include "mm_internal.h"

#ifndef ARCH_TLB_BROADCAST
#define ARCH_TLB_BROADCAST 0
#endif
#ifndef ARCH_TLB_REMOTE_FENCE
#define ARCH_TLB_REMOTE_FENCE 0
static inline unsigned long arch_remote_flush_tlb(unsigned long cpus, struct mm_struct *mm,
						  unsigned long start, unsigned long end, bool all)
{
	(void)cpus, (void)mm, (void)start, (void)end, (void)all;
	return 0;
}
#endif
#ifndef ARCH_TLB_LAZY
#define ARCH_TLB_LAZY 0
#endif
#if ARCH_TLB_LAZY && (ARCH_TLB_BROADCAST || ARCH_TLB_REMOTE_FENCE)
#error "ARCH_TLB_LAZY: lazy CPUs are left out of IPIs, so it needs the IPI path"
#endif

struct tlb_stats tlb_stats;

struct mm_struct init_mm = {
	.vmas = LIST_HEAD_INIT(init_mm.vmas),
	.users = { 1 },
};

struct flush_request {
	struct mm_struct *mm;
	unsigned long start, end;
	bool all;
	bool tables; /* page tables were freed: lazy CPUs must flush now too */
};

/* Each CPU's lazy-TLB state (<mica/tlbflush.h>, "Lazy TLB"), ARCH_TLB_LAZY only. */
static struct lazy_tlb {
	spinlock_t lock; /* a leaf, taken with interrupts masked */
	/* guarded by lock */
	bool lazy; /* a kernel thread runs here on active_mm, kept loaded */
	bool owed; /* a leaf flush left this CPU out: it flushes all when it leaves lazy mode */
} lazy_tlb[NR_CPUS] = { [0 ... NR_CPUS - 1] = { .lock = SPINLOCK_INIT(lazy_tlb.lock) } };

/* The CPUs one local operation reaches, for the TLB model. */
static unsigned long covered_cpus(void)
{
	return ARCH_TLB_BROADCAST ? ~0UL : 1UL << smp_processor_id();
}

void local_flush_tlb_range(struct mm_struct *mm, unsigned long start, unsigned long end)
{
	stat_add(&tlb_stats.local_range, 1);
	tlb_model_flushed(covered_cpus(), mm, start, end, false);
	arch_local_flush_tlb_range(mm, start, end);
}

void local_flush_tlb_all(void)
{
	stat_add(&tlb_stats.local_all, 1);
	tlb_model_flushed(covered_cpus(), NULL, 0, 0, true);
	arch_local_flush_tlb_all();
}

/* Runs on each CPU that may cache the mm (interrupts masked). */
static void flush_local(void *arg)
{
	struct flush_request *r = arg;

	if (r->all)
		local_flush_tlb_all();
	else
		local_flush_tlb_range(r->mm, r->start, r->end);
}

/* The test-only omission (<mica/tlb_model.h>): true if this request is to be dropped. */
static bool skip_for_test(void)
{
	unsigned n = __atomic_load_n(&tlb_test_skip_flushes, __ATOMIC_RELAXED);

	while (n && !__atomic_compare_exchange_n(&tlb_test_skip_flushes, &n, n - 1, false,
						 __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
	return n != 0;
}

/* Decides whether CPU cpu, in the mask of a leaf-only flush request r, may be left out: true
 * if it is lazy, in which case it now owes a full flush, and the TLB model drops it from the
 * leaf records r covers (under its lock, so it cannot leave lazy mode before the model knows
 * it owes the flush). False: it must be sent the flush. */
static __noinline bool lazy_skip(unsigned cpu, const struct flush_request *r)
{
	struct lazy_tlb *l = &lazy_tlb[cpu];
	unsigned long flags;
	bool skip;

	if (!READ_ONCE(l->lazy))
		return false; /* a CPU that becomes lazy after this read just gets the IPI */
	flags = arch_irq_save();
	raw_spin_lock(&l->lock);
	skip = l->lazy;
	if (skip) {
		l->owed = true;
		tlb_model_lazy_skip(cpu, r->mm, r->start, r->end, r->all);
	}
	raw_spin_unlock(&l->lock);
	arch_irq_restore(flags);
	if (skip)
		stat_add(&tlb_stats.lazy_skips, 1);
	return skip;
}

/* The CPUs among mask that must be sent request r: all of them, except lazy ones when r freed
 * no page table (the test-only omission skips them even then). */
static unsigned long cpus_to_interrupt(unsigned long mask, const struct flush_request *r)
{
	if (!ARCH_TLB_LAZY || (r->tables && tlb_test_omit != TLB_OMIT_LAZY_TABLE_FLUSH))
		return mask;
	for (unsigned c = 0; c < NR_CPUS; c++)
		if ((mask & (1UL << c)) && lazy_skip(c, r))
			mask &= ~(1UL << c);
	return mask;
}

static void flush_on_cpus(struct flush_request *r)
{
	unsigned long mask, me, flags;

	if (skip_for_test())
		return;
	stat_add(&tlb_stats.flushes, 1);
	/* The caller's cleared entries must be visible before we read which CPUs to flush: a
	 * CPU that sets its bit after this read loads the tables after the clear. */
	smp_mb();
	mask = __atomic_load_n(&r->mm->cpumask, __ATOMIC_RELAXED);
	preempt_disable();
	if (ARCH_TLB_BROADCAST) {
		flags = arch_irq_save();
		flush_local(r); /* reaches every CPU by itself */
		arch_irq_restore(flags);
	} else {
		me = 1UL << smp_processor_id();
		if (mask & me) {
			flags = arch_irq_save();
			flush_local(r);
			arch_irq_restore(flags);
		}
		if ((mask & ~me) && ARCH_TLB_REMOTE_FENCE) {
			unsigned long done;

			stat_add(&tlb_stats.remote_fences, 1);
			done = arch_remote_flush_tlb(mask & ~me, r->mm, r->start, r->end, r->all);
			tlb_model_flushed(done, r->mm, r->start, r->end, r->all);
		} else if (mask & ~me) {
			unsigned long targets = cpus_to_interrupt(mask & ~me, r);

			if (targets) {
				stat_add(&tlb_stats.ipis, 1);
				smp_call_function_mask(targets, flush_local, r, true);
			}
		}
	}
	preempt_enable();
}

void flush_tlb_range(struct mm_struct *mm, unsigned long start, unsigned long end)
{
	if (!lazy_mmu_queue(mm, start, end)) /* a lazy-MMU section batches it (TLB-5) */
		flush_tlb_range_now(mm, start, end);
}

void flush_tlb_range_now(struct mm_struct *mm, unsigned long start, unsigned long end)
{
	struct flush_request r = { mm, start, end, false, false };

	if ((end - start) >> PAGE_SHIFT > TLB_FLUSH_ALL_THRESHOLD)
		r.all = true;
	flush_on_cpus(&r);
}

void flush_tlb_mm(struct mm_struct *mm)
{
	struct flush_request r = { mm, 0, 0, true, true }; /* the flush after freeing tables */

	flush_on_cpus(&r);
}

/* ---- switching ---- */

/* This CPU runs a kernel thread from now on, on the user mm it has loaded. Interrupts masked. */
static void lazy_enter(struct cpu *c)
{
	struct lazy_tlb *l = &lazy_tlb[c->id];

	raw_spin_lock(&l->lock);
	l->lazy = true;
	raw_spin_unlock(&l->lock);
}

/* This CPU is about to load an mm, or to run user code on the one it kept: it stops being
 * lazy, and returns true if it owes a full flush, which the caller does before anything
 * else uses the TLB for user addresses. Interrupts masked. */
static __noinline bool lazy_leave(struct cpu *c)
{
	struct lazy_tlb *l = &lazy_tlb[c->id];
	bool owed;

	raw_spin_lock(&l->lock);
	owed = l->owed;
	l->lazy = l->owed = false;
	raw_spin_unlock(&l->lock);
	return owed;
}

/* Loads next on this CPU (interrupts masked); prev is what it has loaded now. A CPU leaving
 * lazy mode first does the flush it owes: by the switch's own flush if it switches, or by a
 * local flush of everything if it goes back to the mm it kept. */
static void load_mm(struct cpu *c, struct mm_struct *prev, struct mm_struct *next)
{
	bool was_lazy = ARCH_TLB_LAZY && READ_ONCE(lazy_tlb[c->id].lazy);
	bool owed = was_lazy && lazy_leave(c);
	unsigned long asid;
	bool flush;

	if (owed)
		stat_add(&tlb_stats.lazy_flushes, 1);
	if (prev == next) {
		if (owed)
			local_flush_tlb_all();
		if (was_lazy) {
			stat_add(&tlb_stats.lazy_resumes, 1);
			tlb_model_lazy_leave(c->id);
		}
		return;
	}
	/* Before the load: see <mica/tlbflush.h> on why the bit comes first. */
	__atomic_fetch_or(&next->cpumask, 1UL << c->id, __ATOMIC_SEQ_CST);
	asid = asid_for_switch(next, c->id, &flush);
	flush |= owed;
	tlb_model_switch(c->id, next, asid, flush);
	if (was_lazy)
		tlb_model_lazy_leave(c->id);
	arch_switch_mm(next, asid, flush);
	c->active_mm = next;
}

void switch_mm_irqs_off(struct mm_struct *next_mm)
{
	struct cpu *c = this_cpu();
	struct mm_struct *prev = c->active_mm ? c->active_mm : &init_mm;

	BUG_ON(!arch_irqs_disabled());
	lazy_mmu_switch(); /* no task runs here with another's invalidations queued (TLB-5) */
	if (ARCH_TLB_LAZY && !next_mm) {
		if (prev != &init_mm && !READ_ONCE(lazy_tlb[c->id].lazy))
			lazy_enter(c); /* keep prev loaded */
		return;
	}
	load_mm(c, prev, next_mm ? next_mm : &init_mm);
}

/* Runs on a CPU that may have mm loaded lazily (interrupts masked): off it, to init_mm. */
static void lazy_drop_local(void *arg)
{
	struct mm_struct *mm = arg;
	struct cpu *c = this_cpu();

	if (c->active_mm != mm)
		return; /* it switched away meanwhile */
	if (!READ_ONCE(lazy_tlb[c->id].lazy))
		panic("tlb_lazy_drop_mm: cpu%u runs mm %p, which has no user left", c->id, mm);
	stat_add(&tlb_stats.lazy_drops, 1);
	load_mm(c, mm, &init_mm);
}

void tlb_lazy_drop_mm(struct mm_struct *mm)
{
	unsigned long on = 0, me, flags;

	if (!ARCH_TLB_LAZY)
		return;
	/* A CPU gets mm loaded only by a switch made for a task holding a reference; there is
	 * none left, so the CPUs seen here can only leave it, never take it again. */
	for (unsigned i = 0; i < ncpus; i++)
		if (READ_ONCE(cpus[i].active_mm) == mm)
			on |= 1UL << i;
	if (!on)
		return;
	preempt_disable();
	me = 1UL << smp_processor_id();
	if (on & me) {
		flags = arch_irq_save();
		lazy_drop_local(mm);
		arch_irq_restore(flags);
	}
	if (on & ~me)
		smp_call_function_mask(on & ~me, lazy_drop_local, mm, true);
	preempt_enable();
}

bool tlb_cpu_is_lazy(unsigned cpu)
{
	return ARCH_TLB_LAZY && READ_ONCE(lazy_tlb[cpu].lazy);
}

void use_mm(struct mm_struct *mm)
{
	unsigned long flags;

	BUG_ON(current->mm);
	mm_get(mm);
	flags = arch_irq_save();
	this_cpu()->curr->mm = mm;
	switch_mm_irqs_off(mm);
	arch_irq_restore(flags);
}

void unuse_mm(struct mm_struct *mm)
{
	unsigned long flags;

	BUG_ON(current->mm != mm);
	flags = arch_irq_save();
	this_cpu()->curr->mm = NULL;
	switch_mm_irqs_off(NULL);
	arch_irq_restore(flags);
	mm_put(mm);
}
