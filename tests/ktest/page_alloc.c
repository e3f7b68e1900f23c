/*
 * Suite page_alloc (DESIGN PG-1, PG-2): blocks of every order come out aligned and merge back,
 * no frame is handed out twice or from reserved RAM, __GFP_ZERO zeroes, GFP_NOWAIT works in an
 * interrupt handler, concurrent CPUs keep the counts exact, and fault injection fails exactly
 * the allocations it should, quietly under __GFP_NOWARN.
 */
#include <mica/arch.h>
#include <mica/cpu.h>
#include <mica/ktest.h>
#include <mica/mm.h>
#include <mica/preempt.h>
#include <mica/rcu.h>
#include <mica/sched.h>
#include <mica/sections.h>
#include <mica/smp_call.h>
#include <mica/string.h>
#include <mica/time.h>

#define QUIET (GFP_KERNEL | __GFP_NOWARN)

static bool pfn_aligned(struct page *p, unsigned order)
{
	return (page_to_pfn(p) & ((1UL << order) - 1)) == 0;
}

static void every_order_allocates_aligned(struct ktest *t)
{
	unsigned long before = nr_free_pages();

	for (unsigned o = 0; o < MAX_ORDER; o++) {
		struct page *p = alloc_pages(QUIET, o);

		if (!KTEST_EXPECT(t, p != NULL)) {
			ktest_log(t, "order %u failed", o);
			continue;
		}
		KTEST_EXPECT(t, pfn_aligned(p, o));
		KTEST_EXPECT_EQ(t, page_count(p), 1);
		KTEST_EXPECT_EQ(t, nr_free_pages(), before - (1UL << o));
		free_pages(p, o);
		KTEST_EXPECT_EQ(t, nr_free_pages(), before);
	}
}

/* How many largest blocks can be taken now (all given back before returning). */
static unsigned count_max_blocks(void)
{
	static struct page *blk[64];
	unsigned n = 0;

	while (n < ARRAY_SIZE(blk) && (blk[n] = alloc_pages(QUIET, MAX_ORDER - 1)))
		n++;
	for (unsigned i = 0; i < n; i++)
		free_pages(blk[i], MAX_ORDER - 1);
	return n;
}

#define MANY 2000
static struct page *many[MANY];

/* Splitting largest blocks into single frames and freeing those in a scrambled order must
 * merge them back into as many largest blocks as before. */
static void freed_frames_merge_back(struct ktest *t)
{
	unsigned long before = nr_free_pages();
	unsigned blocks = count_max_blocks();
	unsigned n = 0;

	KTEST_ASSERT(t, blocks > 0);
	while (n < MANY && (many[n] = alloc_page(QUIET)))
		n++;
	KTEST_EXPECT_EQ(t, n, MANY);
	for (unsigned i = 0; i < n; i += 2) /* evens, then odds: buddies meet late */
		free_page(many[i]);
	for (unsigned i = 1; i < n; i += 2)
		free_page(many[i]);
	KTEST_EXPECT_EQ(t, nr_free_pages(), before);
	KTEST_EXPECT_EQ(t, count_max_blocks(), blocks);
}

static unsigned long frame_seen[(32768 + 8 * sizeof(long) - 1) / (8 * sizeof(long))];

static void no_frame_handed_out_twice_or_reserved(struct ktest *t)
{
	unsigned long kstart = virt_to_pfn(__kernel_start),
		      kend = virt_to_pfn(__kernel_end + PAGE_SIZE - 1) - 1;
	unsigned long mstart = virt_to_pfn(mem_map);
	unsigned long mend = virt_to_pfn(mem_map + (mem_map_end_pfn - mem_map_first_pfn) - 1);
	unsigned long span = mem_map_end_pfn - mem_map_first_pfn;
	unsigned n = 0, dup = 0, bad = 0, clobbered = 0;

	if (span > 8 * sizeof(frame_seen))
		KTEST_SKIP(t, "more RAM than the test's bitmap covers");
	memset(frame_seen, 0, sizeof(frame_seen));
	while (n < MANY && (many[n] = alloc_page(QUIET)))
		n++;
	KTEST_EXPECT_EQ(t, n, MANY);
	for (unsigned i = 0; i < n; i++) {
		unsigned long pfn = page_to_pfn(many[i]), bit = pfn - mem_map_first_pfn;
		unsigned long *w = &frame_seen[bit / (8 * sizeof(long))],
			      m = 1UL << (bit % (8 * sizeof(long)));

		dup += !!(*w & m);
		*w |= m;
		bad += pfn == 0 || mm_frame_reserved(pfn) || (pfn >= kstart && pfn <= kend) ||
		       (pfn >= mstart && pfn <= mend) || (many[i]->flags & PG_reserved);
		*(unsigned long *)page_address(many[i]) = pfn; /* who owns this frame */
	}
	for (unsigned i = 0; i < n; i++)
		clobbered += *(unsigned long *)page_address(many[i]) != page_to_pfn(many[i]);
	for (unsigned i = 0; i < n; i++)
		free_page(many[i]);
	KTEST_EXPECT_EQ(t, dup, 0);
	KTEST_EXPECT_EQ(t, bad, 0);
	KTEST_EXPECT_EQ(t, clobbered, 0);
}

static bool all_zero(const void *v, size_t n)
{
	const unsigned long *w = v;

	for (size_t i = 0; i < n / sizeof(long); i++)
		if (w[i])
			return false;
	return true;
}

static void gfp_zero_zeroes(struct ktest *t)
{
	for (unsigned o = 0; o < 3; o++) {
		struct page *p = alloc_pages(QUIET, o);

		KTEST_ASSERT(t, p != NULL);
		memset(page_address(p), 0xa5, PAGE_SIZE << o);
		free_pages(p, o);
		p = alloc_pages(QUIET | __GFP_ZERO, o); /* the free lists are LIFO: same frames */
		KTEST_ASSERT(t, p != NULL);
		KTEST_EXPECT(t, all_zero(page_address(p), PAGE_SIZE << o));
		free_pages(p, o);
	}
	void *z = get_zeroed_page(QUIET);

	KTEST_ASSERT(t, z != NULL);
	KTEST_EXPECT(t, all_zero(z, PAGE_SIZE));
	free_page(virt_to_page(z));
}

struct ipi_alloc {
	int ok;
	unsigned long sleep_reports;
};

static void alloc_in_handler(void *arg)
{
	struct ipi_alloc *r = arg;
	unsigned long before = might_sleep_reports;
	struct page *p = alloc_pages(GFP_NOWAIT, 1);

	if (p) {
		memset(page_address(p), 1, 2 * PAGE_SIZE);
		free_pages(p, 1);
	}
	r->ok = p != NULL;
	r->sleep_reports = might_sleep_reports - before;
}

static void nowait_works_in_ipi_handler(struct ktest *t)
{
	struct ipi_alloc r = { 0, 0 };
	unsigned long before = nr_free_pages();

	if (ncpus < 2)
		KTEST_SKIP(t, "needs 2 CPUs");
	KTEST_ASSERT_EQ(t, smp_call_function_single(1, alloc_in_handler, &r, true), 0);
	KTEST_EXPECT(t, r.ok);
	KTEST_EXPECT_EQ(t, r.sleep_reports, 0);
	KTEST_EXPECT_EQ(t, nr_free_pages(), before);
}

/* ---- concurrent allocation keeps the counts exact ---- */

#define HELD 16
#define ROUNDS 400

struct churn {
	unsigned cpu;
	unsigned failures, corrupt;
};

/* Each live block holds its own pfn in every word-sized slot we check (first and last). */
static void stamp(struct page *p, unsigned o)
{
	unsigned long *w = page_address(p);

	w[0] = page_to_pfn(p);
	w[((PAGE_SIZE << o) / sizeof(long)) - 1] = page_to_pfn(p);
}

static bool stamped(struct page *p, unsigned o)
{
	unsigned long *w = page_address(p);

	return w[0] == page_to_pfn(p) && w[((PAGE_SIZE << o) / sizeof(long)) - 1] == page_to_pfn(p);
}

static void churn_thread(void *arg)
{
	struct churn *c = arg;
	struct page *held[HELD] = { 0 };
	unsigned ord[HELD] = { 0 };
	u32 rng = 0x1234567u + c->cpu * 7919u;

	for (unsigned i = 0; i < ROUNDS; i++) {
		unsigned slot = i % HELD;

		if (held[slot]) {
			c->corrupt += !stamped(held[slot], ord[slot]);
			free_pages(held[slot], ord[slot]);
		}
		rng = rng * 1103515245u + 12345u;
		ord[slot] = (rng >> 16) % 4;
		/* Every fourth from "interrupt-safe" context, as a handler would. */
		held[slot] = alloc_pages((i & 3) ? QUIET : (GFP_NOWAIT | __GFP_NOWARN), ord[slot]);
		if (held[slot])
			stamp(held[slot], ord[slot]);
		else
			c->failures++;
	}
	for (unsigned s = 0; s < HELD; s++)
		if (held[s]) {
			c->corrupt += !stamped(held[s], ord[s]);
			free_pages(held[s], ord[s]);
		}
}

static void no_work(void *arg)
{
}

static void concurrent_alloc_free_counts_exact(struct ktest *t)
{
	struct churn c[NR_CPUS];
	unsigned long before;

	/* Threads themselves take memory (stacks, and task slabs the task cache then keeps):
	 * start and join a set once so the count below sees only the churn's own pages. */
	KTEST_ASSERT(t, ktest_run_on_each_cpu(t, no_work, c, sizeof(c[0]), "pa_warmup"));
	rcu_barrier();
	before = nr_free_pages();
	for (unsigned i = 0; i < ncpus; i++)
		c[i] = (struct churn){ .cpu = i };
	KTEST_ASSERT(t, ktest_run_on_each_cpu(t, churn_thread, c, sizeof(c[0]), "pa_churn"));
	for (unsigned i = 0; i < ncpus; i++) {
		KTEST_EXPECT_EQ(t, c[i].failures, 0);
		KTEST_EXPECT_EQ(t, c[i].corrupt, 0);
	}
	KTEST_EXPECT_EQ(t, nr_free_pages(), before);
}

/* ---- fault injection ---- */

static void fault_every_nth_fails_exactly_those(struct ktest *t)
{
	unsigned long inj = fault_inject_count(), warns = alloc_fail_warnings;
	unsigned long before = nr_free_pages();
	unsigned wrong = 0;

	fault_inject_set(FAULT_EVERY, 3, false, 0);
	for (unsigned i = 1; i <= 30; i++) {
		struct page *p = alloc_page(QUIET);

		wrong += (p == NULL) != (i % 3 == 0);
		if (p)
			free_page(p);
	}
	fault_inject_clear();
	KTEST_EXPECT_EQ(t, wrong, 0);
	KTEST_EXPECT_EQ(t, fault_inject_count() - inj, 10);
	KTEST_EXPECT_EQ(t, alloc_fail_warnings, warns); /* __GFP_NOWARN: not a line */
	KTEST_EXPECT_EQ(t, nr_free_pages(), before);
}

static void fault_after_n_fails_the_rest(struct ktest *t)
{
	unsigned wrong = 0;

	fault_inject_set(FAULT_AFTER, 5, false, 0);
	for (unsigned i = 1; i <= 12; i++) {
		struct page *p = alloc_page(QUIET);

		wrong += (p == NULL) != (i > 5);
		if (p)
			free_page(p);
	}
	fault_inject_clear();
	KTEST_EXPECT_EQ(t, wrong, 0);
}

static void fault_nowait_only_spares_gfp_kernel(struct ktest *t)
{
	struct page *k, *n;

	fault_inject_set(FAULT_EVERY, 1, true, 0);
	k = alloc_page(QUIET);
	n = alloc_page(GFP_NOWAIT | __GFP_NOWARN);
	fault_inject_clear();
	KTEST_EXPECT(t, k != NULL);
	KTEST_EXPECT(t, n == NULL);
	if (k)
		free_page(k);
	if (n)
		free_page(n);
}

/* A bit per allocation: 1 if it failed. */
static u64 prob_pattern(u32 seed, unsigned *fails)
{
	u64 bits = 0;

	*fails = 0;
	fault_inject_set(FAULT_PROB, 500, false, seed);
	for (unsigned i = 0; i < 64; i++) {
		struct page *p = alloc_page(QUIET);

		if (p)
			free_page(p);
		else
			bits |= 1ULL << i, (*fails)++;
	}
	fault_inject_clear();
	return bits;
}

static void fault_probability_is_seeded_and_plausible(struct ktest *t)
{
	unsigned f1, f2, f3;
	u64 a = prob_pattern(42, &f1), b = prob_pattern(42, &f2), c = prob_pattern(7, &f3);

	KTEST_EXPECT(t, a == b);	       /* same seed, same failures */
	KTEST_EXPECT(t, a != c);	       /* 2^-64 to be equal by chance */
	KTEST_EXPECT(t, f1 >= 12 && f1 <= 52); /* 500 per mille of 64: ~32, far from the tails */
	KTEST_EXPECT(t, f3 >= 12 && f3 <= 52);
}

static void failure_warns_unless_nowarn(struct ktest *t)
{
	unsigned long warns = alloc_fail_warnings;
	struct page *p;

	fault_inject_set(FAULT_EVERY, 1, false, 0);
	p = alloc_page(GFP_KERNEL); /* one warning line naming this function */
	KTEST_EXPECT(t, p == NULL);
	KTEST_EXPECT_EQ(t, alloc_fail_warnings - warns, 1);
	p = alloc_page(QUIET);
	KTEST_EXPECT(t, p == NULL);
	KTEST_EXPECT_EQ(t, alloc_fail_warnings - warns, 1);
	fault_inject_clear();
}

static void fail_alloc_syntax(struct ktest *t)
{
	static const char *const good[] = { "every:7",	    "every:7,nowait", "after:0",
					    "after:100",    "prob:10",	      "prob:1000:1234",
					    "prob:5,nowait" };
	static const char *const bad[] = { "",
					   "every:",
					   "every:0",
					   "every:7x",
					   "every:7,now",
					   "prob:1001",
					   "prob:5:",
					   "often:3",
					   "after:-1",
					   "every:7,nowait,",
					   "prob:1:99999999999" };

	for (unsigned i = 0; i < ARRAY_SIZE(good); i++)
		if (!KTEST_EXPECT_EQ(t, fault_inject_parse(good[i]), 0))
			ktest_log(t, "rejected \"%s\"", good[i]);
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++)
		if (!KTEST_EXPECT(t, fault_inject_parse(bad[i]) != 0))
			ktest_log(t, "accepted \"%s\"", bad[i]);
	fault_inject_clear();
	/* A parsed value takes effect. */
	KTEST_ASSERT_EQ(t, fault_inject_parse("every:1,nowait"), 0);
	KTEST_EXPECT(t, alloc_page(GFP_NOWAIT | __GFP_NOWARN) == NULL);
	fault_inject_clear();
}

static void order0_cost(struct ktest *t)
{
	const unsigned n = 2000;
	u64 t0 = arch_clock_ns();

	for (unsigned i = 0; i < n; i++)
		free_page(alloc_page(GFP_KERNEL));
	ktest_log(t, "figure: alloc_page+free_page %llu ns", (arch_clock_ns() - t0) / n);
}

/* Every free frame can be had, then none (NULL, no warning), and all come back. The frames
 * are chained through their own first word, so the test needs no array of its own. */
static void exhaustion_returns_null_then_recovers(struct ktest *t)
{
	void *chain = NULL;
	unsigned long before, got = 0;

	rcu_barrier(); /* slabs freed by earlier cases through RCU are back first */
	before = nr_free_pages();
	for (;;) {
		struct page *p = alloc_page(GFP_NOWAIT | __GFP_NOWARN);

		if (!p)
			break;
		*(void **)page_address(p) = chain;
		chain = page_address(p);
		got++;
	}
	KTEST_EXPECT_EQ(t, nr_free_pages(), 0);
	KTEST_EXPECT(t, alloc_pages(GFP_NOWAIT | __GFP_NOWARN, 3) == NULL);
	while (chain) {
		void *next = *(void **)chain;

		free_page(virt_to_page(chain));
		chain = next;
	}
	KTEST_EXPECT_EQ(t, got, before);
	KTEST_EXPECT_EQ(t, nr_free_pages(), before);
	/* merged back: a large block is available again */
	struct page *big = alloc_pages(GFP_KERNEL, MAX_ORDER - 1);
	KTEST_EXPECT(t, big != NULL);
	if (big)
		free_pages(big, MAX_ORDER - 1);
}

KTEST_SUITE(page_alloc, 0, KTEST_CASE(exhaustion_returns_null_then_recovers),
	    KTEST_CASE(every_order_allocates_aligned), KTEST_CASE(freed_frames_merge_back),
	    KTEST_CASE(no_frame_handed_out_twice_or_reserved), KTEST_CASE(gfp_zero_zeroes),
	    KTEST_CASE(nowait_works_in_ipi_handler), KTEST_CASE(concurrent_alloc_free_counts_exact),
	    KTEST_CASE(fault_every_nth_fails_exactly_those),
	    KTEST_CASE(fault_after_n_fails_the_rest),
	    KTEST_CASE(fault_nowait_only_spares_gfp_kernel),
	    KTEST_CASE(fault_probability_is_seeded_and_plausible),
	    KTEST_CASE(failure_warns_unless_nowarn), KTEST_CASE(fail_alloc_syntax),
	    KTEST_CASE(order0_cost));
