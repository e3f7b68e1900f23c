/*
 * The TLB model (DESIGN TLB-6): what it checks and what covers what is in <mica/tlb_model.h>.
 *
 * Records live in a fixed pool (no allocation: the hooks run under PTE locks, in IPI handlers
 * and in the scheduler's switch with interrupts masked), on one list that invalidations walk
 * and in a hash by frame number that the page allocator's check looks up. A record exists
 * only between a clear and the flush that covers it, so in a correct kernel the list is
 * short-lived: a few thousand records at most (one full gather per unmapping CPU), empty
 * almost always. One lock guards it all, taken with interrupts masked; it is a leaf (nothing
 * is called under it) and not checked by lockdep, which would otherwise watch every PTE
 * clear.
 */
#include <mica/asid.h>
#include <mica/cmdline.h>
#include <mica/cpu.h>
#include <mica/list.h>
#include <mica/mm_types.h>
#include <mica/panic.h>
#include <mica/printk.h>
#include <mica/spinlock.h>
#include <mica/tlb_model.h>

#include "mm_internal.h"

#define MODEL_RECORDS 16384
#define MODEL_HASH 1024

struct tlb_rec {
	struct list_head all;  /* on model.live, or model.free */
	struct tlb_rec *hnext; /* hash chain by frame number */
	struct page *page;     /* the frame a stale translation may reach */
	struct mm_struct *mm;
	unsigned long addr; /* the user address it was mapped at (a table: one it covered) */
	unsigned long cpus; /* CPUs that may still cache it */
	void *site;	    /* where the entry was cleared */
	bool table;	    /* a page-table page (walk caches) rather than a leaf */
};

static struct {
	spinlock_t lock;
	struct list_head live, free;
	struct tlb_rec *hash[MODEL_HASH];
	struct mm_struct *loaded[NR_CPUS]; /* each CPU's tables, as the model saw it switch */
	u64 asid_owner[NR_CPUS][1 << ASID_MAX_BITS]; /* mm->id whose entries may carry ASID n */
	bool owes_flush[NR_CPUS]; /* skipped while lazy: must invalidate all before it leaves */
	struct tlb_rec pool[MODEL_RECORDS];
} model = {
	.lock = SPINLOCK_INIT(model.lock),
	.live = LIST_HEAD_INIT(model.live),
	.free = LIST_HEAD_INIT(model.free),
};

bool tlb_model_enabled;
unsigned tlb_test_skip_flushes;
enum tlb_test_omission tlb_test_omit;
struct tlb_model_stats tlb_model_stats;

static unsigned long model_lock(void)
{
	unsigned long flags = arch_irq_save();

	raw_spin_lock(&model.lock);
	return flags;
}

static void model_unlock(unsigned long flags)
{
	raw_spin_unlock(&model.lock);
	arch_irq_restore(flags);
}

static struct tlb_rec **bucket(struct page *page)
{
	return &model.hash[page_to_pfn(page) % MODEL_HASH];
}

/* Called once at boot from pgtable_init(), before any user mm exists. */
void tlb_model_init(void)
{
	for (unsigned i = 0; i < MODEL_RECORDS; i++)
		list_add_tail(&model.pool[i].all, &model.free);
	tlb_model_enabled = cmdline_get_ulong("tlb_model", 1) != 0;
}

static void record(struct mm_struct *mm, unsigned long addr, struct page *page, bool table,
		   void *site)
{
	struct tlb_rec *r;
	unsigned long flags, cpus;

	/* The clear came first; a CPU that sets its bit after this read loads the tables after
	 * the clear and cannot hold the old entry (<mica/tlbflush.h>). */
	smp_mb();
	cpus = __atomic_load_n(&mm->cpumask, __ATOMIC_RELAXED);
	if (!cpus)
		return; /* no CPU ever loaded the mm: nothing can be cached */
	flags = model_lock();
	if (list_empty(&model.free)) {
		model_unlock(flags);
		tlb_model_enabled = false;
		stat_add(&tlb_model_stats.overflows, 1);
		pr_warn("tlb_model: more than %u translations awaiting a flush; the model is off\n",
			MODEL_RECORDS);
		return;
	}
	r = list_first_entry(&model.free, struct tlb_rec, all);
	list_del_init(&r->all);
	list_add_tail(&r->all, &model.live);
	r->page = page;
	r->mm = mm;
	r->addr = addr;
	r->cpus = cpus;
	r->site = site;
	r->table = table;
	r->hnext = *bucket(page);
	*bucket(page) = r;
	tlb_model_stats.recorded++;
	if (++tlb_model_stats.pending > tlb_model_stats.max_pending)
		tlb_model_stats.max_pending = tlb_model_stats.pending;
	model_unlock(flags);
}

void tlb_model_clear(struct mm_struct *mm, unsigned long addr, struct page *page)
{
	if (tlb_model_enabled)
		record(mm, addr, page, false, __builtin_return_address(0));
}

void tlb_model_unhook(struct mm_struct *mm, unsigned long addr, struct page *table)
{
	if (tlb_model_enabled)
		record(mm, addr, table, true, __builtin_return_address(0));
}

/* Unlinks a record no CPU can reach any more. Model lock held. */
static void drop(struct tlb_rec *r)
{
	struct tlb_rec **pp = bucket(r->page);

	while (*pp != r)
		pp = &(*pp)->hnext;
	*pp = r->hnext;
	list_del_init(&r->all);
	list_add(&r->all, &model.free);
	tlb_model_stats.pending--;
}

void tlb_model_flushed(unsigned long cpus, struct mm_struct *mm, unsigned long start,
		       unsigned long end, bool all)
{
	struct tlb_rec *r, *tmp;
	unsigned long flags;

	if (!tlb_model_enabled || (!all && !READ_ONCE(tlb_model_stats.pending)))
		return;
	flags = model_lock();
	if (all)
		for (unsigned c = 0; c < NR_CPUS; c++)
			if (cpus & (1UL << c)) {
				for (unsigned n = 0; n < (1U << ASID_MAX_BITS); n++)
					model.asid_owner[c][n] = 0;
				model.owes_flush[c] = false;
			}
	list_for_each_entry_safe(r, tmp, &model.live, all)
	{
		if (!all && (r->table || r->mm != mm || r->addr < start || r->addr >= end))
			continue;
		r->cpus &= ~cpus;
		if (!r->cpus)
			drop(r);
	}
	model_unlock(flags);
}

void tlb_model_switch(unsigned cpu, struct mm_struct *next, unsigned long asid, bool flush)
{
	u64 owner;

	model.loaded[cpu] = next;
	if (!tlb_model_enabled)
		return;
	if (flush)
		tlb_model_flushed(1UL << cpu, NULL, 0, 0, true);
	if (!asid)
		return; /* the kernel's, or no ASIDs */
	owner = READ_ONCE(model.asid_owner[cpu][asid]);
	if (owner && owner != next->id)
		panic(
		    "TLB model: ASID %lu reused on CPU %u for mm %p (id %llu) while entries of mm "
		    "id %llu may still carry it: no flush since",
		    asid, cpu, next, (unsigned long long)next->id, (unsigned long long)owner);
	WRITE_ONCE(model.asid_owner[cpu][asid], next->id);
}

void tlb_model_lazy_skip(unsigned cpu, struct mm_struct *mm, unsigned long start, unsigned long end,
			 bool all)
{
	struct tlb_rec *r, *tmp;
	unsigned long flags;

	if (!tlb_model_enabled)
		return;
	flags = model_lock();
	model.owes_flush[cpu] = true;
	list_for_each_entry_safe(r, tmp, &model.live, all)
	{
		/* Leaves only: the lazy CPU's walks still go through the tables it has loaded. */
		if (r->table || r->mm != mm || (!all && (r->addr < start || r->addr >= end)))
			continue;
		r->cpus &= ~(1UL << cpu);
		if (!r->cpus)
			drop(r);
	}
	model_unlock(flags);
}

void tlb_model_lazy_leave(unsigned cpu)
{
	/* Set only while cpu is lazy, under its lazy lock, which cpu took on its way out. */
	if (tlb_model_enabled && READ_ONCE(model.owes_flush[cpu]))
		panic(
		    "TLB model: CPU %u leaves lazy TLB mode without the full invalidation it owes "
		    "since a leaf flush left it out",
		    cpu);
}

/* The details first, one line each, then the panic with the short reason. */
static __noinline void tlb_model_report(const struct tlb_rec *r, unsigned long pfn)
{
	unsigned cpu = __builtin_ctzl(r->cpus);

	if (r->table) {
		pr_emerg("TLB model: mm %p, the table for 0x%lx, unhooked at %pS\n", r->mm, r->addr,
			 r->site);
		pr_emerg("TLB model: missing flush: a full invalidation (walk caches) on CPUs "
			 "0x%lx\n",
			 r->cpus);
		panic("TLB model: page-table frame 0x%lx freed while CPU %u may still cache a walk "
		      "through it",
		      pfn, cpu);
	}
	pr_emerg("TLB model: mm %p, address 0x%lx, PTE cleared at %pS\n", r->mm, r->addr, r->site);
	pr_emerg("TLB model: missing flush: invalidation of [0x%lx, 0x%lx) on CPUs 0x%lx\n",
		 r->addr, r->addr + PAGE_SIZE, r->cpus);
	panic("TLB model: frame 0x%lx freed while CPU %u may still cache its translation", pfn,
	      cpu);
}

void tlb_model_check_free(struct page *page, unsigned order)
{
	struct tlb_rec found, *r;
	unsigned long flags, pfn = 0;
	bool stale = false;

	if (!tlb_model_enabled || !READ_ONCE(tlb_model_stats.pending))
		return;
	flags = model_lock();
	for (unsigned long i = 0; i < (1UL << order) && !stale; i++)
		for (r = *bucket(page + i); r; r = r->hnext)
			if (r->page == page + i) {
				found = *r; /* records never name no CPU: see drop() */
				pfn = page_to_pfn(page + i);
				stale = true;
				break;
			}
	model_unlock(flags);
	if (stale)
		tlb_model_report(&found, pfn);
}

void tlb_model_check_mm_free(struct mm_struct *mm)
{
	struct tlb_rec found, *r;
	unsigned long flags;
	bool stale = false;

	if (!tlb_model_enabled)
		return;
	for (unsigned i = 0; i < NR_CPUS; i++)
		if (READ_ONCE(model.loaded[i]) == mm)
			panic("TLB model: mm %p freed while CPU %u still has its tables loaded", mm,
			      i);
	flags = model_lock();
	list_for_each_entry(r, &model.live, all) if (r->mm == mm)
	{
		found = *r;
		stale = true;
		break;
	}
	model_unlock(flags);
	if (stale)
		tlb_model_report(&found, page_to_pfn(found.page));
}

unsigned long tlb_model_stale_cpus(struct page *page)
{
	struct tlb_rec *r;
	unsigned long flags, cpus = 0;

	flags = model_lock();
	for (r = *bucket(page); r; r = r->hnext)
		if (r->page == page)
			cpus |= r->cpus;
	model_unlock(flags);
	return cpus;
}

unsigned long tlb_model_pending(struct mm_struct *mm, unsigned long start, unsigned long end)
{
	struct tlb_rec *r;
	unsigned long flags, n = 0;

	flags = model_lock();
	list_for_each_entry(r, &model.live,
			    all) if (r->mm == mm && r->addr >= start && r->addr < end) n++;
	model_unlock(flags);
	return n;
}
