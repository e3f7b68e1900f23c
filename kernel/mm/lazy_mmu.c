/*
 * Lazy-MMU batching (DESIGN TLB-5), the powerpc-hash and sparc64 idea: code that changes many
 * PTEs may ask for one invalidation per PTE, simply, and the batching makes it cheap. Inside a
 * lazy-MMU section (lazy_mmu_enter/leave), flush_tlb_range() does not flush: it adds the range
 * to this CPU's batch, and the batch is flushed as one request
 *   - when the section ends (lazy_mmu_leave), and
 *   - at every context switch on this CPU (switch_mm_irqs_off), because a section may be
 *     preempted: the next task, on this CPU, must not run with invalidations still queued;
 *   - before a range of another mm is added (one mm per batch).
 * The rule for callers: nothing may be freed inside a section, since its invalidation has not
 * happened yet (the TLB model panics if anything is).
 *
 * The switch-time flush runs with interrupts masked, so it cannot wait for IPIs: only ports
 * whose remote invalidation needs none offer it (ARM's broadcast TLBI, RISC-V's SBI remote
 * fence). Boot parameter lazy_mmu=1 turns it on; elsewhere it is refused with a message.
 * Good breakpoints: lazy_mmu_queue, lazy_mmu_flush_batch.
 */
#include <mica/cmdline.h>
#include <mica/cpu.h>
#include <mica/mm_types.h>
#include <mica/panic.h>
#include <mica/preempt.h>
#include <mica/printk.h>
#include <mica/sched.h>
#include <mica/tlb_model.h>
#include <mica/tlbflush.h>

#include "mm_internal.h"

#ifndef ARCH_TLB_BROADCAST
#define ARCH_TLB_BROADCAST 0
#endif
#ifndef ARCH_TLB_REMOTE_FENCE
#define ARCH_TLB_REMOTE_FENCE 0
#endif

bool lazy_mmu_enabled;
struct lazy_mmu_stats lazy_mmu_stats;

/* Each CPU's queued invalidations: one mm, the union of its ranges. */
static struct lazy_batch {
	struct mm_struct *mm;
	unsigned long start, end;
	unsigned long nr; /* requests merged into it */
} batches[NR_CPUS];

void lazy_mmu_init(void)
{
	if (!cmdline_get_ulong("lazy_mmu", 0))
		return;
	if (!ARCH_TLB_BROADCAST && !ARCH_TLB_REMOTE_FENCE) {
		pr_info("lazy_mmu: not on this port (its remote flushes need IPIs, which a context "
			"switch cannot wait for)\n");
		return;
	}
	lazy_mmu_enabled = true;
}

bool lazy_mmu_active(void)
{
	return lazy_mmu_enabled && current->lazy_mmu;
}

/* Flushes this CPU's batch as one request. Preemption disabled (the batch is this CPU's). */
static void lazy_mmu_flush_batch(void)
{
	struct lazy_batch *b = &batches[smp_processor_id()];
	struct mm_struct *mm = b->mm;

	if (!b->nr)
		return;
	b->nr = 0;
	b->mm = NULL;
	stat_add(&lazy_mmu_stats.batches, 1);
	flush_tlb_range_now(mm, b->start, b->end);
}

void lazy_mmu_enter(void)
{
	if (lazy_mmu_enabled)
		current->lazy_mmu++;
}

void lazy_mmu_leave(void)
{
	if (!lazy_mmu_enabled)
		return;
	BUG_ON(!current->lazy_mmu);
	if (--current->lazy_mmu)
		return; /* an inner section: the outer one flushes */
	preempt_disable();
	lazy_mmu_flush_batch();
	preempt_enable();
}

bool lazy_mmu_queue(struct mm_struct *mm, unsigned long start, unsigned long end)
{
	struct lazy_batch *b;

	if (!lazy_mmu_active())
		return false;
	preempt_disable();
	b = &batches[smp_processor_id()];
	if (b->nr && b->mm != mm)
		lazy_mmu_flush_batch();
	if (!b->nr) {
		b->mm = mm;
		b->start = start;
		b->end = end;
	} else {
		b->start = MIN(b->start, start);
		b->end = MAX(b->end, end);
	}
	b->nr++;
	stat_add(&lazy_mmu_stats.queued, 1);
	preempt_enable();
	return true;
}

void lazy_mmu_switch(void)
{
	struct lazy_batch *b = &batches[smp_processor_id()];

	if (!b->nr)
		return;
	stat_add(&lazy_mmu_stats.switch_flushes, 1);
	if (tlb_test_omit == TLB_OMIT_LAZY_MMU_SWITCH_FLUSH) {
		b->nr = 0; /* the test's omission: the queued invalidations are simply lost */
		b->mm = NULL;
		return;
	}
	lazy_mmu_flush_batch();
}
