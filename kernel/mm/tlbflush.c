/*
 * TLB invalidation across CPUs and address-space switching; the rules are in
 * <mica/tlbflush.h>. This is the simple, correct first version: a port without broadcast
 * invalidation gets an IPI to every other CPU in the mm's mask. The ports' TLB issue refines
 * it (lazy CPUs, SBI remote fences, ASIDs). Good breakpoints: flush_on_cpus, switch_mm_irqs_off.
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

struct tlb_stats tlb_stats;

struct mm_struct init_mm = {
	.vmas = LIST_HEAD_INIT(init_mm.vmas),
	.users = { 1 },
};

struct flush_request {
	struct mm_struct *mm;
	unsigned long start, end;
	bool all;
};

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
			stat_add(&tlb_stats.ipis, 1);
			smp_call_function_mask(mask & ~me, flush_local, r, true);
		}
	}
	preempt_enable();
}

void flush_tlb_range(struct mm_struct *mm, unsigned long start, unsigned long end)
{
	struct flush_request r = { mm, start, end, false };

	if ((end - start) >> PAGE_SHIFT > TLB_FLUSH_ALL_THRESHOLD)
		r.all = true;
	flush_on_cpus(&r);
}

void flush_tlb_mm(struct mm_struct *mm)
{
	struct flush_request r = { mm, 0, 0, true };

	flush_on_cpus(&r);
}

/* ---- switching ---- */

void switch_mm_irqs_off(struct mm_struct *next_mm)
{
	struct cpu *c = this_cpu();
	struct mm_struct *prev = c->active_mm ? c->active_mm : &init_mm;
	struct mm_struct *next = next_mm ? next_mm : &init_mm;
	unsigned long asid;
	bool flush;

	BUG_ON(!arch_irqs_disabled());
	if (prev == next)
		return;
	/* Before the load: see <mica/tlbflush.h> on why the bit comes first. */
	__atomic_fetch_or(&next->cpumask, 1UL << c->id, __ATOMIC_SEQ_CST);
	asid = asid_for_switch(next, c->id, &flush);
	tlb_model_switch(c->id, next, asid, flush);
	arch_switch_mm(next, asid, flush);
	c->active_mm = next;
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
