/*
 * Suite gup (DESIGN RT-3, RT-1): pinning user pages. The fast path pins mapped pages without a
 * lock and the pins hold the right frames; a range with a hole or a forbidden page is -EFAULT
 * with every reference given back; a write pin of a read-only, clean or copy-on-write-shared
 * page falls back to the slow path, which faults (breaking COW: both sides keep their data);
 * a pinned page outlives munmap and goes back with the last put_user_pages(). Then the race
 * the lockless walk is built for: other CPUs unmap (freeing the page tables), map and touch a
 * range while this CPU pins it over and over; every pin must hold a live page of the right
 * address with the writers' data, and every frame must come back. Last, the slow path's
 * allocations fail by injection: -ENOMEM with nothing pinned and nothing leaked.
 */
#include <mica/arch.h>
#include <mica/cpu.h>
#include <mica/gup.h>
#include <mica/string.h>
#include <mica/time.h>

#include "mm_test.h"

static unsigned long snap(const unsigned long *counter)
{
	return __atomic_load_n(counter, __ATOMIC_RELAXED);
}

/* The frame mapped at addr now (NULL if none). */
static struct page *mapped_page(struct mm_struct *mm, unsigned long addr)
{
	pte_t pte = mmt_pte(mm, addr);

	return pte_none(pte) ? NULL : pfn_to_page(pte_pfn(pte));
}

static unsigned long page_word(struct page *p, unsigned i)
{
	return ((const unsigned long *)page_address(p))[i];
}

static void pins_mapped_pages_and_reads_their_contents(struct ktest *t)
{
	struct mm_struct *mm = mmt_enter();
	unsigned long base = UB + PMD_SIZE - PGS(4); /* across a PTE-table edge */
	unsigned long fast = snap(&gup_stats.fast_pinned), ok = snap(&gup_stats.calls[GUP_FAST_OK]);
	unsigned long slow = snap(&gup_stats.slow_pinned), v = 0;
	struct page *pages[8];

	KTEST_ASSERT(t, mm);
	KTEST_ASSERT_EQ(t, mmt_map(mm, base, PGS(8), RW), 0);
	for (int i = 0; i < 8; i++)
		KTEST_ASSERT_EQ(t, mmt_put(base + PGS(i), 0x100 + i), 0);
	KTEST_ASSERT_EQ(t, get_user_pages_fast(base, 8, false, pages), 8);
	KTEST_EXPECT_EQ(t, snap(&gup_stats.fast_pinned) - fast, 8);
	KTEST_EXPECT_EQ(t, snap(&gup_stats.calls[GUP_FAST_OK]) - ok, 1);
	for (int i = 0; i < 8; i++) {
		KTEST_EXPECT(t, pages[i] == mapped_page(mm, base + PGS(i)));
		KTEST_EXPECT_EQ(t, page_word(pages[i], 0), 0x100 + i);
		KTEST_EXPECT_EQ(t, page_count(pages[i]), 2); /* the PTE's and ours */
	}
	put_user_pages(pages, 8);
	for (int i = 0; i < 8; i++)
		KTEST_EXPECT_EQ(t, page_count(pages[i]), 1);
	/* Written pages are dirty: a write pin needs no fault, and lands in the user's data. */
	KTEST_ASSERT_EQ(t, get_user_pages_fast(base + PGS(2), 1, true, pages), 1);
	((unsigned long *)page_address(pages[0]))[0] = 77;
	put_user_pages(pages, 1);
	KTEST_EXPECT_EQ(t, mmt_get(base + PGS(2), &v), 0);
	KTEST_EXPECT_EQ(t, v, 77);
	KTEST_EXPECT_EQ(t, snap(&gup_stats.slow_pinned), slow);
	/* Never touched, in a span with no PTE table yet: the slow path faults them in. */
	base = UB + 4 * PMD_SIZE;
	KTEST_ASSERT_EQ(t, mmt_map(mm, base, PGS(3), RW), 0);
	KTEST_ASSERT_EQ(t, get_user_pages_fast(base, 3, false, pages), 3);
	KTEST_EXPECT_EQ(t, snap(&gup_stats.slow_pinned) - slow, 3);
	for (int i = 0; i < 3; i++) {
		KTEST_EXPECT(t, pages[i] == mapped_page(mm, base + PGS(i)));
		KTEST_EXPECT_EQ(t, page_word(pages[i], 0), 0);
	}
	put_user_pages(pages, 3);
	KTEST_EXPECT_EQ(t, get_user_pages_fast(UB, 0, false, pages), 0);
	mmt_leave(mm);
}

static void unmapped_or_forbidden_range_is_efault_with_nothing_pinned(struct ktest *t)
{
	struct mm_struct *mm = mmt_enter();
	struct page *pages[6], *before[4];
	int kernel_word;

	KTEST_ASSERT(t, mm);
	KTEST_ASSERT_EQ(t, mmt_map(mm, UB, PGS(4), RW), 0); /* UB+4 pages on: a hole */
	for (int i = 0; i < 4; i++) {
		KTEST_ASSERT_EQ(t, mmt_put(UB + PGS(i), i), 0);
		before[i] = mapped_page(mm, UB + PGS(i));
	}
	/* Four pages pinned by the fast path, then the hole: all four given back. */
	KTEST_EXPECT_EQ(t, get_user_pages_fast(UB, 6, false, pages), -EFAULT);
	KTEST_EXPECT_EQ(t, get_user_pages_fast(UB + PGS(2), 3, true, pages), -EFAULT);
	for (int i = 0; i < 4; i++)
		KTEST_EXPECT_EQ(t, page_count(before[i]), 1);
	/* Ranges no mapping can make valid. */
	KTEST_EXPECT_EQ(t, get_user_pages_fast(UB - PAGE_SIZE, 1, false, pages), -EFAULT);
	KTEST_EXPECT_EQ(t, get_user_pages_fast(USER_TOP - PAGE_SIZE, 2, false, pages), -EFAULT);
	KTEST_EXPECT_EQ(
	    t, get_user_pages_fast((unsigned long)&kernel_word & PAGE_MASK, 1, false, pages),
	    -EFAULT);
	KTEST_EXPECT_EQ(t, get_user_pages_fast(UB + 8, 1, false, pages), -EINVAL);
	KTEST_EXPECT_EQ(t, get_user_pages_fast(UB, -1, false, pages), -EINVAL);
	/* PROT_NONE: "present" to Mica, but no access: neither path pins it. */
	KTEST_ASSERT_EQ(t, mmt_protect(mm, UB + PGS(1), PGS(1), 0), 0);
	KTEST_EXPECT_EQ(t, get_user_pages_fast(UB, 2, false, pages), -EFAULT);
	KTEST_EXPECT_EQ(t, page_count(before[0]), 1);
	KTEST_EXPECT_EQ(t, page_count(before[1]), 1);
	/* Read-only: pinned for reading, never for writing. */
	KTEST_ASSERT_EQ(t, mmt_protect(mm, UB + PGS(1), PGS(1), VM_READ), 0);
	KTEST_ASSERT_EQ(t, get_user_pages_fast(UB + PGS(1), 1, false, pages), 1);
	KTEST_EXPECT(t, pages[0] == before[1]);
	put_user_pages(pages, 1);
	KTEST_EXPECT_EQ(t, get_user_pages_fast(UB, 2, true, pages), -EFAULT);
	KTEST_EXPECT_EQ(t, page_count(before[0]), 1);
	KTEST_EXPECT_EQ(t, page_count(before[1]), 1);
	mmt_leave(mm);
}

/* Switches this thread from one mm to another, keeping a reference on the one it leaves. */
static void switch_to(struct mm_struct *from, struct mm_struct *to)
{
	mm_get(from);
	unuse_mm(from);
	use_mm(to);
	mm_put(to);
}

static void write_pin_of_shared_or_clean_page_faults_in_slow_path(struct ktest *t)
{
	unsigned long free_before = (mmt_warm_caches(), mmt_free_pages());
	unsigned long needs = snap(&gup_stats.calls[GUP_NEEDS_FAULT]);
	unsigned long copies = snap(&fault_stats.cow_copy), v = 0;
	struct mm_struct *parent = mmt_enter(), *child = mm_create();
	struct page *pages[2], *shared;

	KTEST_ASSERT(t, parent && child);
	KTEST_ASSERT_EQ(t, mmt_map(parent, UB, PGS(2), RW), 0);
	KTEST_ASSERT_EQ(t, mmt_put(UB, 10), 0);
	KTEST_ASSERT_EQ(t, mmt_put(UB + PGS(1), 11), 0);
	KTEST_ASSERT_EQ(t, dup_mmap(child, parent), 0);
	shared = mapped_page(parent, UB);
	KTEST_EXPECT(t, shared == mapped_page(child, UB));
	/* A read pin shares: the fast path, no copy. */
	KTEST_ASSERT_EQ(t, get_user_pages_fast(UB, 1, false, pages), 1);
	KTEST_EXPECT(t, pages[0] == shared);
	put_user_pages(pages, 1);
	KTEST_EXPECT_EQ(t, snap(&fault_stats.cow_copy), copies);
	/* A write pin must not write into the child's page: slow path, copy, pin the copy. */
	KTEST_ASSERT_EQ(t, get_user_pages_fast(UB, 1, true, pages), 1);
	KTEST_EXPECT_EQ(t, snap(&gup_stats.calls[GUP_NEEDS_FAULT]) - needs, 1);
	KTEST_EXPECT_EQ(t, snap(&fault_stats.cow_copy) - copies, 1);
	KTEST_EXPECT(t, pages[0] != shared && pages[0] == mapped_page(parent, UB));
	KTEST_EXPECT(t, pte_write(mmt_pte(parent, UB)) && pte_dirty(mmt_pte(parent, UB)));
	((unsigned long *)page_address(pages[0]))[0] = 20;
	put_user_pages(pages, 1);
	KTEST_EXPECT_EQ(t, mmt_get(UB, &v), 0);
	KTEST_EXPECT_EQ(t, v, 20); /* the parent sees what was written through the pin */
	switch_to(parent, child);
	KTEST_EXPECT_EQ(t, mmt_get(UB, &v), 0);
	KTEST_EXPECT_EQ(t, v, 10); /* the child keeps its data */
	KTEST_EXPECT(t, mapped_page(child, UB) == shared);
	switch_to(child, parent);
	mm_put(child);
	/* Clean but writable (read-faulted only): a write pin faults to set dirty first, so
	 * dirty tracking sees the kernel's write. */
	KTEST_ASSERT_EQ(t, mmt_map(parent, UB + PGS(4), PGS(1), RW), 0);
	KTEST_ASSERT_EQ(t, mmt_get(UB + PGS(4), &v), 0);
	KTEST_EXPECT(t, !pte_dirty(mmt_pte(parent, UB + PGS(4))));
	needs = snap(&gup_stats.calls[GUP_NEEDS_FAULT]);
	KTEST_ASSERT_EQ(t, get_user_pages_fast(UB + PGS(4), 1, true, pages), 1);
	KTEST_EXPECT_EQ(t, snap(&gup_stats.calls[GUP_NEEDS_FAULT]) - needs, 1);
	KTEST_EXPECT(t, pte_dirty(mmt_pte(parent, UB + PGS(4))));
	put_user_pages(pages, 1);
	/* Read-only VMA: the slow path's fault is refused, -EFAULT, nothing pinned. */
	KTEST_ASSERT_EQ(t, mmt_map(parent, UB + PGS(8), PGS(1), RO), 0);
	KTEST_ASSERT_EQ(t, get_user_pages_fast(UB + PGS(8), 1, false, pages), 1);
	shared = pages[0];
	put_user_pages(pages, 1);
	KTEST_EXPECT_EQ(t, get_user_pages_fast(UB + PGS(8), 1, true, pages), -EFAULT);
	KTEST_EXPECT_EQ(t, page_count(shared), 1);
	mmt_leave(parent);
	KTEST_EXPECT_EQ(t, mmt_free_pages(), free_before);
}

static void pinned_page_outlives_munmap_until_put_user_pages(struct ktest *t)
{
	unsigned long free_before = (mmt_warm_caches(), mmt_free_pages()), base = UB + PMD_SIZE;
	struct mm_struct *mm = mmt_enter();
	unsigned long empty;
	struct page *pages[4];

	KTEST_ASSERT(t, mm);
	empty = mmt_free_pages(); /* the mm exists, nothing is mapped */
	KTEST_ASSERT_EQ(t, mmt_map(mm, base, PGS(4), RW), 0);
	for (int i = 0; i < 4; i++)
		KTEST_ASSERT_EQ(t, mmt_put(base + PGS(i), 0xab00 + i), 0);
	KTEST_ASSERT_EQ(t, get_user_pages_fast(base, 4, false, pages), 4);
	KTEST_ASSERT_EQ(t, mmt_unmap(mm, base, PGS(4)), 0);
	KTEST_EXPECT_EQ(t, mm_nr_pgtables(mm), 0);
	/* Tables went back; the four pages did not: our pins hold them, data intact. */
	KTEST_EXPECT_EQ(t, mmt_free_pages(), empty - 4);
	for (int i = 0; i < 4; i++) {
		KTEST_EXPECT_EQ(t, page_count(pages[i]), 1);
		KTEST_EXPECT_EQ(t, atomic_read(&pages[i]->mapcount), 0);
		KTEST_EXPECT_EQ(t, page_word(pages[i], 0), 0xab00 + i);
	}
	put_user_pages(pages, 4);
	KTEST_EXPECT_EQ(t, mmt_free_pages(), empty);
	mmt_leave(mm);
	KTEST_EXPECT_EQ(t, mmt_free_pages(), free_before);
}

/* ---- the race: lockless pins against munmap on other CPUs ---- */

/*
 * The pinner runs for RACE_MIN_NS, then on until the race has provably happened (see
 * race_proven()), for RACE_MAX_NS at most, and RACE_PINS calls at most (a call that falls back
 * waits for the writers' mmap_lock, milliseconds under QEMU: a run makes hundreds of calls, not
 * tens of thousands). Each call widens the fast path's window between reading a PTE and
 * taking the page's reference to RACE_WINDOW_NS (gup_fast_race_window_ns), so that writers'
 * unmaps land inside it.
 */
#define RACE_MIN_NS (1500 * NSEC_PER_MSEC)
#define RACE_MAX_NS (3500 * NSEC_PER_MSEC)
#define RACE_PINS 60000
#define RACE_WINDOW_NS 100000
#define RACE_PAGES 4	     /* pages in each writer's slice */
#define RACE_WORDS_WRITTEN 8 /* words each writer writes in each page of its slice */
#define RACE_TOUCHES 24	     /* times it writes them between a map and the next unmap */

/* Where a writer is in its round, so the pinner can aim at slices about to be unmapped. */
enum slice_state {
	SLICE_CHANGING, /* being mapped and written */
	SLICE_MAPPED,	/* mapped and written */
	SLICE_DOOMED,	/* being unmapped now, or next */
};

struct race {
	struct mm_struct *mm;
	unsigned writers;		   /* CPUs 1..writers, one slice each */
	unsigned long pins;		   /* calls to make at most */
	u64 min_ns, max_ns;		   /* how long the pinner runs (see above) */
	int stop;			   /* set by the pinner when done */
	int state[NR_CPUS];		   /* writer w's slice: enum slice_state (a hint) */
	unsigned long remaps;		   /* the writers' rounds */
	unsigned long before[GUP_NR_ENDS]; /* gup_stats.calls[] when the pinner started */
	/* the pinner's findings */
	unsigned long pinned, efault, other_err, bad, outlived;
	unsigned long bad_addr, bad_pfn; /* the first bad pin */
};

struct race_arg {
	struct race *r;
	unsigned cpu;
};

/* Writer w's slice straddles the edge between two PTE tables that nothing else uses, so
 * every munmap of it frees both tables: the lockless walk races with table freeing too. */
static unsigned long slice(unsigned w)
{
	return UB + PMD_SIZE * (2 * w + 2) - PGS(RACE_PAGES / 2);
}

/* What the writers store in the page at addr: never 0, different for every page. */
static unsigned long pattern(unsigned long addr)
{
	return (addr ^ 0x5a5a5a5aUL) | 1;
}

/* Writes the pattern of each page of writer w's slice into RACE_WORDS_WRITTEN words of it,
 * spread over the page. */
static void race_touch(unsigned w)
{
	for (unsigned i = 0; i < RACE_PAGES; i++) {
		unsigned long a = slice(w) + PGS(i);

		for (unsigned j = 0; j < RACE_WORDS_WRITTEN; j++)
			mmt_put(a + j * (PAGE_SIZE / RACE_WORDS_WRITTEN), pattern(a));
	}
}

/* Until the pinner is done: unmaps its slice, maps it again and writes it, a few times over
 * (no fault, no lock: the slice stays mapped for a while, for the fast path to find), saying
 * where it is in r->state[w]. */
static void race_writer(struct race *r, unsigned w)
{
	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		mmt_unmap(r->mm, slice(w), PGS(RACE_PAGES));
		WRITE_ONCE(r->state[w], SLICE_CHANGING);
		mmt_map(r->mm, slice(w), PGS(RACE_PAGES), RW);
		race_touch(w);
		WRITE_ONCE(r->state[w], SLICE_MAPPED);
		for (int i = 1; i < RACE_TOUCHES; i++)
			race_touch(w);
		WRITE_ONCE(r->state[w], SLICE_DOOMED);
		race_touch(w);
		__atomic_add_fetch(&r->remaps, 1, __ATOMIC_RELAXED);
	}
}

/* True if every byte of w is 0 or the pattern's byte: a word the writer is storing while we
 * look may be half written (x86's user copy is `rep movsb`, byte by byte). */
static bool pattern_or_part(unsigned long w, unsigned long pat)
{
	for (; w; w >>= 8, pat >>= 8)
		if ((w & 0xff) && (w & 0xff) != (pat & 0xff))
			return false;
	return true;
}

/* True if a pinned page is what a pin of addr must hold: a live anonymous page (the allocator
 * clears mapping when it frees one) made for this address (index: pgoff = addr's page), not a
 * page table or a slab page, and every word 0 (demand-zero, not written yet) or the writers'
 * pattern for addr. A pin of a freed page would fail this once it is reused. */
static bool pin_is_valid(struct page *p, unsigned long addr)
{
	const unsigned long *w = page_address(p);

	if (page_count(p) < 1 || !((unsigned long)p->mapping & PAGE_MAPPING_ANON) ||
	    p->index != addr >> PAGE_SHIFT || (p->flags & (PG_buddy | PG_pgtable | PG_slab)))
		return false;
	for (unsigned i = 0; i < PAGE_SIZE / sizeof(*w); i++)
		if (!pattern_or_part(w[i], pattern(addr)))
			return false;
	return true;
}

/* get_user_pages_fast() calls whose fast path ended with `end` since the snapshot `before`. */
static unsigned long calls_since(const unsigned long *before, enum gup_fast_end end)
{
	return snap(&gup_stats.calls[end]) - before[end];
}

/* The race has happened, and was survived, in each way it can: a pin whose page was unmapped
 * while held; a lockless walk that found the tables already freed by a writer's munmap; an
 * unmap that landed between the PTE read and the reference, caught by the checks after it. */
static bool race_proven(struct race *r)
{
	return r->outlived && calls_since(r->before, GUP_NO_TABLE) &&
	       calls_since(r->before, GUP_PTE_CHANGED) + calls_since(r->before, GUP_PAGE_FREED);
}

/* The slice to pin next: one about to be unmapped if any, else a mapped one, else any; the
 * search starts at a different writer each time. */
static unsigned long race_target(struct race *r, unsigned long n)
{
	unsigned best = n % r->writers;

	for (unsigned k = 1; k < r->writers; k++) {
		unsigned w = (n + k) % r->writers;

		if (READ_ONCE(r->state[w]) > READ_ONCE(r->state[best]))
			best = w;
	}
	return slice(best);
}

/* Pins a slice and checks every page it got. */
static void race_pin_once(struct race *r, unsigned long n)
{
	unsigned long base = race_target(r, n);
	struct page *pages[RACE_PAGES];
	int ret = get_user_pages_fast(base, RACE_PAGES, n & 4, pages);

	if (ret != RACE_PAGES) {
		r->efault += ret == -EFAULT;
		r->other_err += ret != -EFAULT;
		return;
	}
	r->pinned++;
	for (int i = 0; i < RACE_PAGES; i++) {
		if (!pin_is_valid(pages[i], base + PGS(i)) && !r->bad++) {
			r->bad_addr = base + PGS(i);
			r->bad_pfn = page_to_pfn(pages[i]);
		}
		/* Unmapped while we held it: the race happened on this page. */
		r->outlived += atomic_read(&pages[i]->mapcount) == 0;
	}
	put_user_pages(pages, RACE_PAGES);
}

static void race_pinner(struct race *r)
{
	u64 start = arch_clock_ns(), t;
	unsigned long n;

	for (int i = 0; i < GUP_NR_ENDS; i++)
		r->before[i] = snap(&gup_stats.calls[i]);
	WRITE_ONCE(gup_fast_race_window_ns, RACE_WINDOW_NS);
	for (n = 0; n < r->pins; n++) {
		t = arch_clock_ns() - start;
		if (t >= r->max_ns || (t >= r->min_ns && race_proven(r)))
			break;
		race_pin_once(r, n);
	}
	WRITE_ONCE(gup_fast_race_window_ns, 0);
	r->pins = n;
	__atomic_store_n(&r->stop, 1, __ATOMIC_RELEASE);
}

static void race_thread(void *arg)
{
	struct race_arg *a = arg;

	use_mm(a->r->mm);
	if (a->cpu == 0)
		race_pinner(a->r);
	else if (a->cpu <= a->r->writers)
		race_writer(a->r, a->cpu - 1);
	unuse_mm(a->r->mm);
}

/* One run: a new mm, the pinner on CPU 0, a writer on each other CPU; then the mm is freed. */
static bool race_run(struct ktest *t, struct race *r, unsigned long pins, u64 min_ns, u64 max_ns)
{
	struct race_arg args[NR_CPUS];

	*r = (struct race){ .mm = mm_create(),
			    .writers = num_online_cpus() - 1,
			    .pins = pins,
			    .min_ns = min_ns,
			    .max_ns = max_ns };
	if (!KTEST_EXPECT(t, r->mm))
		return false;
	for (unsigned i = 0; i < NR_CPUS; i++)
		args[i] = (struct race_arg){ r, i };
	if (!ktest_run_on_each_cpu(t, race_thread, args, sizeof(args[0]), "gup-race"))
		return false;
	mm_put(r->mm);
	return true;
}

static void lockless_pins_never_hold_a_freed_page_under_racing_munmap(struct ktest *t)
{
	unsigned long fast, slow, free_before;
	u64 t0;
	struct race r;

	if (num_online_cpus() < 2)
		KTEST_SKIP(t, "needs two CPUs");
	/* A short first run warms every cache the real one uses, so frames can be counted. */
	mmt_warm_caches();
	KTEST_ASSERT(t, race_run(t, &r, 200, 0, RACE_MIN_NS / 4));
	free_before = mmt_free_pages();
	fast = snap(&gup_stats.fast_pinned);
	slow = snap(&gup_stats.slow_pinned);
	t0 = arch_clock_ns();
	KTEST_ASSERT(t, race_run(t, &r, RACE_PINS, RACE_MIN_NS, RACE_MAX_NS));
	ktest_log(t,
		  "%lu calls in %llu ms against %u writers (%lu remaps): %lu pinned, %lu -EFAULT",
		  r.pins, (unsigned long long)((arch_clock_ns() - t0) / NSEC_PER_MSEC), r.writers,
		  r.remaps, r.pinned, r.efault);
	fast = snap(&gup_stats.fast_pinned) - fast;
	slow = snap(&gup_stats.slow_pinned) - slow;
	ktest_log(t, "pages pinned: %lu fast, %lu slow; %lu pins outlived their mapping", fast,
		  slow, r.outlived);
	for (int i = 0; i < GUP_NR_ENDS; i++)
		ktest_log(t, "fast path ended: %-16s %lu", gup_fast_end_name(i),
			  calls_since(r.before, i));
	if (!KTEST_EXPECT_EQ(t, r.bad, 0))
		ktest_log(t, "first bad pin: 0x%lx -> frame 0x%lx", r.bad_addr, r.bad_pfn);
	KTEST_EXPECT_EQ(t, r.other_err, 0);
	KTEST_EXPECT(t, r.pinned > 0 && fast > 0);
	KTEST_EXPECT(t, race_proven(&r));
	KTEST_EXPECT_EQ(t, mmt_free_pages(), free_before);
}

/* ---- failure injection in the slow path ---- */

/* Maps 8 pages across a PTE-table edge, writes the first three (the fast path pins those),
 * and pins all 8 with allocations failing as fault_inject_set(mode, n, seed) says: the other
 * five, and the second PTE table, must be faulted in. Returns what the pin returned, after
 * checking nothing stayed pinned and every frame came back (empty: the count with nothing
 * mapped). */
static int injected_pin(struct ktest *t, struct mm_struct *mm, unsigned long empty,
			enum fault_mode mode, unsigned long n, u32 seed)
{
	unsigned long base = UB + PMD_SIZE - PGS(4);
	struct page *pages[8], *held[3];
	int ret;

	if (!KTEST_EXPECT_EQ(t, mmt_map(mm, base, PGS(8), RW), 0))
		return -EINVAL;
	for (int i = 0; i < 3; i++) {
		KTEST_EXPECT_EQ(t, mmt_put(base + PGS(i), i), 0);
		held[i] = mapped_page(mm, base + PGS(i));
	}
	fault_inject_set(mode, n, false, seed);
	ret = get_user_pages_fast(base, 8, n & 1, pages);
	fault_inject_clear();
	if (ret == 8)
		put_user_pages(pages, 8);
	else
		KTEST_EXPECT_EQ(t, ret, -ENOMEM);
	for (int i = 0; i < 3; i++)
		KTEST_EXPECT_EQ(t, page_count(held[i]), 1);
	KTEST_EXPECT_EQ(t, mmt_unmap(mm, base, PGS(8)), 0);
	KTEST_EXPECT_EQ(t, mmt_free_pages(), empty);
	return ret;
}

static void slow_path_allocation_failures_leave_nothing_pinned_or_leaked(struct ktest *t)
{
	unsigned long oom = snap(&fault_stats.oom), empty;
	struct mm_struct *mm = (mmt_warm_caches(), mmt_enter());
	unsigned calls = 0, failed = 0;

	KTEST_ASSERT(t, mm);
	empty = mmt_free_pages();
	/* after:N cuts the slow path at each of its allocations in turn, until N is past them;
	 * then random failures. */
	for (unsigned long n = 0; n < 16; n++, calls++)
		failed += injected_pin(t, mm, empty, FAULT_AFTER, n, 0) != 8;
	for (u32 seed = 1; seed <= 8; seed++, calls++)
		failed += injected_pin(t, mm, empty, FAULT_PROB, 300, seed) != 8;
	ktest_log(t, "%u of %u calls failed with -ENOMEM", failed, calls);
	KTEST_EXPECT(t, failed > 0 && failed < calls);
	KTEST_EXPECT(t, snap(&fault_stats.oom) > oom);
	mmt_leave(mm);
}

KTEST_SUITE(gup, 0, KTEST_CASE(pins_mapped_pages_and_reads_their_contents),
	    KTEST_CASE(unmapped_or_forbidden_range_is_efault_with_nothing_pinned),
	    KTEST_CASE(write_pin_of_shared_or_clean_page_faults_in_slow_path),
	    KTEST_CASE(pinned_page_outlives_munmap_until_put_user_pages),
	    KTEST_CASE(lockless_pins_never_hold_a_freed_page_under_racing_munmap),
	    KTEST_CASE(slow_path_allocation_failures_leave_nothing_pinned_or_leaked));
