/*
 * Suite tlb_asid (DESIGN TLB-4, TLB-6): more address spaces than the port has ASIDs, all
 * switching constantly on every CPU, each checking its own data after every switch: a stale
 * translation tagged with a recycled ASID would show another mm's page. The TLB model checks
 * each switch too (an ASID reused on a CPU before that CPU flushed panics). tests/run boots
 * this suite again with asid_bits=4 (15 user ASIDs, the fewest allowed, for 24 address
 * spaces), so numbers run out and rollovers happen.
 *
 * And the must-panic suite panic_tlb_asid_reuse: the same, with the test-only omission that
 * makes a rollover forget to schedule the flush on every CPU; the model must catch the first
 * reuse. (Booted with asid_bits=4 by tests/run, on the ports that have ASIDs.)
 */
#include <mica/asid.h>
#include <mica/cpu.h>
#include <mica/tlb_model.h>

#include "mm_test.h"

#define SPACES 24 /* address spaces, six per CPU with four: more than 15 user ASIDs */
#define ROUNDS 200
#define PAGES 4

/* Threads ready to start: each waits for all, so they really interleave on every port. */
static unsigned spaces_ready;

struct space {
	unsigned id;
	unsigned long bad, checked;
	bool failed_setup;
};

static unsigned long word(unsigned id, unsigned round, unsigned page)
{
	return ((unsigned long)id << 24) ^ ((unsigned long)round << 8) ^ page ^ 0xa5a5UL;
}

/* One address space: writes its words, yields, and checks them after every switch. */
static void space_fn(void *arg)
{
	struct space *s = arg;
	struct mm_struct *mm = mmt_enter();
	unsigned long v;

	bool ok = mm && !mmt_map(mm, UB, PGS(PAGES), RW);

	s->failed_setup = !ok;
	__atomic_add_fetch(&spaces_ready, 1, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&spaces_ready, __ATOMIC_SEQ_CST) < SPACES)
		sched_yield();
	if (!ok) {
		if (mm)
			mmt_leave(mm);
		return;
	}
	for (unsigned r = 0; r < ROUNDS; r++) {
		for (unsigned p = 0; p < PAGES; p++)
			mmt_put(UB + PGS(p), word(s->id, r, p));
		sched_yield();
		for (unsigned p = 0; p < PAGES; p++) {
			if (mmt_get(UB + PGS(p), &v) || v != word(s->id, r, p))
				s->bad++;
			s->checked++;
		}
	}
	mmt_leave(mm);
}

/* Runs SPACES threads, each pinned to CPU i % CPUs, to the end. Returns false if one could
 * not start. */
static bool run_spaces(struct ktest *t, struct space *sp)
{
	struct task *th[SPACES];

	spaces_ready = 0;
	for (unsigned i = 0; i < SPACES; i++) {
		sp[i] = (struct space){ .id = i + 1 };
		th[i] = kthread_create(space_fn, &sp[i], "asid-space");
		if (!KTEST_EXPECT(t, th[i] != NULL)) {
			spaces_ready = SPACES; /* nobody waits for the missing ones */
			for (unsigned j = 0; j < i; j++) {
				kthread_start(th[j]);
				kthread_join(th[j]);
			}
			return false;
		}
		kthread_bind(th[i], i % num_online_cpus());
	}
	for (unsigned i = 0; i < SPACES; i++)
		kthread_start(th[i]);
	for (unsigned i = 0; i < SPACES; i++)
		kthread_join(th[i]);
	return true;
}

static void more_address_spaces_than_asids_keep_their_data(struct ktest *t)
{
	unsigned long rollovers = asid_stats.rollovers, assigned = asid_stats.assigned;
	unsigned long bad = 0, checked = 0;
	struct space sp[SPACES];

	mmt_warm_caches();
	KTEST_ASSERT(t, run_spaces(t, sp));
	for (unsigned i = 0; i < SPACES; i++) {
		KTEST_EXPECT(t, !sp[i].failed_setup);
		bad += sp[i].bad;
		checked += sp[i].checked;
	}
	rollovers = asid_stats.rollovers - rollovers;
	assigned = asid_stats.assigned - assigned;
	ktest_log(t,
		  "%u address spaces, %u-bit ASIDs: %lu words checked, %lu wrong; %lu ASIDs "
		  "assigned, %lu rollovers, %lu switches flushed all",
		  SPACES, asid_bits(), checked, bad, assigned, rollovers,
		  asid_stats.switch_flushes);
	KTEST_EXPECT_EQ(t, bad, 0);
	KTEST_EXPECT_EQ(t, checked, (unsigned long)SPACES * ROUNDS * PAGES);
	if (asid_bits() && (1UL << asid_bits()) - 1 < SPACES)
		KTEST_EXPECT(t, rollovers > 0);
	KTEST_EXPECT_EQ(t, tlb_model_stats.overflows, 0);
}

KTEST_SUITE(tlb_asid, 0, KTEST_CASE(more_address_spaces_than_asids_keep_their_data));

static void rollover_without_flush_is_caught(struct ktest *t)
{
	struct space sp[SPACES];

	KTEST_ASSERT(t, tlb_model_enabled);
	if (!asid_bits())
		KTEST_SKIP(t, "this port runs without ASIDs: nothing to reuse");
	ktest_log(t, "expecting a panic now: the TLB model must catch an ASID reused unflushed");
	tlb_test_omit = TLB_OMIT_ROLLOVER_FLUSH;
	run_spaces(t, sp);
	tlb_test_omit = 0;
	KTEST_EXPECT(t, false); /* not reached */
}

KTEST_SUITE(panic_tlb_asid_reuse, KTEST_MANUAL, KTEST_CASE(rollover_without_flush_is_caught));
