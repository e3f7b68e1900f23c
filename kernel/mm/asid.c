/*
 * The ASID allocator (DESIGN TLB-4): the scheme is in <mica/asid.h>. Good breakpoints:
 * asid_rollover (a generation ends), asid_new (an mm gets a number).
 */
#include <mica/asid.h>
#include <mica/cmdline.h>
#include <mica/cpu.h>
#include <mica/mm_types.h>
#include <mica/panic.h>
#include <mica/printk.h>
#include <mica/spinlock.h>
#include <mica/tlb_model.h>
#include <mica/tlbflush.h>

#include "mm_internal.h"

#define NR_ASIDS (1UL << ASID_MAX_BITS)
#define BITS_PER_LONG (8 * sizeof(long))

static struct {
	spinlock_t lock;
	unsigned bits;				      /* in use; 0: none */
	u64 generation;				      /* current one, in the bits above `bits` */
	unsigned long used[NR_ASIDS / BITS_PER_LONG]; /* numbers given this generation */
	u64 active[NR_CPUS];		      /* the mm->asid each CPU has loaded (0: init_mm) */
	struct mm_struct *active_mm[NR_CPUS]; /* ... and whose it is */
	bool flush_pending[NR_CPUS];	      /* must invalidate all before its next switch */
} asids = { .lock = SPINLOCK_INIT(asids.lock) };

struct asid_stats asid_stats;

static unsigned long nr_asids(void)
{
	return 1UL << asids.bits;
}

static bool used(unsigned long n)
{
	return asids.used[n / BITS_PER_LONG] & (1UL << (n % BITS_PER_LONG));
}

static void set_used(unsigned long n)
{
	asids.used[n / BITS_PER_LONG] |= 1UL << (n % BITS_PER_LONG);
}

/* The fewest bits that work: a rollover keeps the number each CPU has loaded and must then
 * find one more free, so there must be more user numbers (2^bits - 1) than CPUs. */
static unsigned min_asid_bits(void)
{
	unsigned b = 1;

	while ((1U << b) - 1 <= NR_CPUS)
		b++;
	return b;
}

void asid_init(unsigned hw_bits)
{
	unsigned want = (unsigned)cmdline_get_ulong("asid_bits", ASID_MAX_BITS);

	asids.bits = MIN(MIN(hw_bits, want), ASID_MAX_BITS);
	if (asids.bits && asids.bits < min_asid_bits()) {
		if (hw_bits >= min_asid_bits())
			pr_info("asid: %u bits leave fewer ASIDs than CPUs (%u): using %u\n",
				asids.bits, NR_CPUS, min_asid_bits());
		asids.bits = hw_bits >= min_asid_bits() ? min_asid_bits() : 0;
	}
	asids.generation = 1ULL << asids.bits;
	set_used(0); /* the kernel's */
}

unsigned asid_bits(void)
{
	return asids.bits;
}

unsigned long asid_of(const struct mm_struct *mm)
{
	return READ_ONCE(mm->asid) & (nr_asids() - 1);
}

/* Ends the generation. The numbers loaded on a CPU now stay with their mms (those CPUs keep
 * running them, entries and all); every other number is free again, which is safe only
 * because every CPU invalidates all before its next switch. Lock held. */
static __noinline void asid_rollover(void)
{
	asids.generation += nr_asids();
	for (unsigned long i = 0; i < ARRAY_SIZE(asids.used); i++)
		asids.used[i] = 0;
	set_used(0);
	for (unsigned c = 0; c < ncpus; c++) {
		unsigned long n = asids.active[c] & (nr_asids() - 1);

		if (n) {
			set_used(n);
			asids.active[c] = asids.generation | n;
			WRITE_ONCE(asids.active_mm[c]->asid, asids.active[c]);
		}
		/* The rule that makes recycling safe; tests drop it to see the model object. */
		if (tlb_test_omit != TLB_OMIT_ROLLOVER_FLUSH)
			asids.flush_pending[c] = true;
	}
	asid_stats.rollovers++;
}

/* Gives mm a number of the current generation: its old one if free, else the first free;
 * rolls over if none is. Lock held. */
static __noinline void asid_new(struct mm_struct *mm)
{
	unsigned long n = mm->asid & (nr_asids() - 1);

	if (!n || used(n)) {
		for (n = 1; n < nr_asids() && used(n); n++)
			;
		if (n == nr_asids()) {
			asid_rollover();
			if ((mm->asid >> asids.bits) == (asids.generation >> asids.bits))
				return; /* it was loaded elsewhere: the rollover kept its number */
			for (n = 1; n < nr_asids() && used(n); n++)
				;
			if (n == nr_asids())
				panic(
				    "asid: %lu ASIDs, all loaded on some CPU right after a rollover",
				    nr_asids());
		}
	}
	set_used(n);
	WRITE_ONCE(mm->asid, asids.generation | n);
	asid_stats.assigned++;
}

unsigned long asid_for_switch(struct mm_struct *next, unsigned cpu, bool *flush)
{
	unsigned long n = 0;

	if (!asids.bits) {
		*flush = true;
		stat_add(&asid_stats.switch_flushes, 1);
		return 0;
	}
	raw_spin_lock(&asids.lock);
	if (next != &init_mm) {
		if ((next->asid >> asids.bits) != (asids.generation >> asids.bits))
			asid_new(next);
		n = next->asid & (nr_asids() - 1);
	}
	asids.active[cpu] = n ? next->asid : 0;
	asids.active_mm[cpu] = next;
	*flush = asids.flush_pending[cpu];
	asids.flush_pending[cpu] = false;
	raw_spin_unlock(&asids.lock);
	if (*flush)
		stat_add(&asid_stats.switch_flushes, 1);
	return n;
}
