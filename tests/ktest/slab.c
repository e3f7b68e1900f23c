/*
 * Suite slab (DESIGN PG-3): objects never overlap, kmalloc picks the right size class and
 * sends big sizes to the page allocator, kfree(NULL) is fine, a TYPESAFE_BY_RCU cache gives
 * its slabs' frames back only after a grace period, and CPUs allocating at once stay exact.
 */
#include <mica/arch.h>
#include <mica/cpu.h>
#include <mica/ktest.h>
#include <mica/mm.h>
#include <mica/rcu.h>
#include <mica/sched.h>
#include <mica/slab.h>
#include <mica/string.h>

#define NOBJ 600

static void *objs[NOBJ];

static void fill(void *p, size_t n, unsigned tag)
{
	memset(p, (int)(tag & 0xff), n);
}

static bool filled(const void *p, size_t n, unsigned tag)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i] != (tag & 0xff))
			return false;
	return true;
}

static void many_objects_do_not_overlap(struct ktest *t)
{
	struct kmem_cache *c = kmem_cache_create("test_72", 72, 8, 0);
	unsigned long before = nr_free_pages();
	unsigned bad = 0;

	KTEST_ASSERT(t, c != NULL);
	for (unsigned i = 0; i < NOBJ; i++) {
		objs[i] = kmem_cache_alloc(c, GFP_KERNEL);
		KTEST_ASSERT(t, objs[i] != NULL);
		KTEST_EXPECT_EQ(t, (unsigned long)objs[i] % 8, 0);
		fill(objs[i], 72, i);
	}
	for (unsigned i = 0; i < NOBJ; i++)
		bad += !filled(objs[i], 72, i);
	KTEST_EXPECT_EQ(t, bad, 0);
	KTEST_EXPECT_EQ(t, c->nr_objs, NOBJ);
	KTEST_EXPECT(t, c->nr_slabs >= NOBJ / c->objs_per_slab);
	for (unsigned i = 0; i < NOBJ; i++)
		kmem_cache_free(c, objs[i]);
	KTEST_EXPECT_EQ(t, c->nr_objs, 0);
	KTEST_EXPECT(t, c->nr_slabs <= 1); /* one empty slab is kept */
	kmem_cache_destroy(c);
	KTEST_EXPECT_EQ(t, nr_free_pages(), before);
}

static void kmalloc_size_classes(struct ktest *t)
{
	static const size_t sizes[] = { 1, 15, 16, 17, 64, 100, 1000, 2047, 2048 };
	static const unsigned class[] = { 16, 16, 16, 32, 64, 128, 1024, 2048, 2048 };

	for (unsigned i = 0; i < ARRAY_SIZE(sizes); i++) {
		void *p = kmalloc(sizes[i], GFP_KERNEL);
		struct page *pg;

		KTEST_ASSERT(t, p != NULL);
		pg = virt_to_page(p);
		KTEST_EXPECT(t, pg->flags & PG_slab);
		KTEST_EXPECT_EQ(t, ((struct kmem_cache *)pg->mapping)->size, class[i]);
		KTEST_EXPECT_EQ(t, (unsigned long)p % 16, 0);
		fill(p, sizes[i], 0x5a);
		kfree(p);
	}
	KTEST_EXPECT(t, kmalloc(0, GFP_KERNEL) == NULL);
	kfree(NULL);
}

static void kmalloc_big_sizes_use_pages(struct ktest *t)
{
	static const size_t sizes[] = { 2049, 4096, 4097, 10000, 1u << 20 };
	static const unsigned pages[] = { 1, 1, 2, 4, 256 };
	unsigned long before = nr_free_pages();

	for (unsigned i = 0; i < ARRAY_SIZE(sizes); i++) {
		void *p = kmalloc(sizes[i], GFP_KERNEL);

		KTEST_ASSERT(t, p != NULL);
		KTEST_EXPECT_EQ(t, (unsigned long)p % PAGE_SIZE, 0);
		KTEST_EXPECT(t, virt_to_page(p)->flags & PG_kmalloc_large);
		KTEST_EXPECT_EQ(t, before - nr_free_pages(), pages[i]);
		fill(p, sizes[i], i);
		KTEST_EXPECT(t, filled(p, sizes[i], i));
		kfree(p);
		KTEST_EXPECT_EQ(t, nr_free_pages(), before);
	}
	KTEST_EXPECT(t, kmalloc(8UL << 20, GFP_KERNEL | __GFP_NOWARN) == NULL); /* > 4 MiB */
}

static void kmalloc_zero_and_fault_injection(struct ktest *t)
{
	void *p = kmalloc(200, GFP_KERNEL);

	KTEST_ASSERT(t, p != NULL);
	fill(p, 200, 0xff);
	kfree(p);
	p = kmalloc(200, GFP_KERNEL | __GFP_ZERO); /* the same object, LIFO */
	KTEST_ASSERT(t, p != NULL);
	KTEST_EXPECT(t, filled(p, 200, 0));
	kfree(p);
	/* A big kmalloc fails when its page allocation is made to fail. */
	fault_inject_set(FAULT_EVERY, 1, false, 0);
	p = kmalloc(3 * PAGE_SIZE, GFP_KERNEL | __GFP_NOWARN);
	fault_inject_clear();
	KTEST_EXPECT(t, p == NULL);
	kfree(p);
}

struct rcu_obj {
	int key;
	int alive;
	char pad[200];
};

/* Freed slabs of a TYPESAFE_BY_RCU cache reach the page allocator only after a grace period:
 * inside a read-side section (which holds every grace period off) none may come back. */
static void typesafe_by_rcu_frees_after_grace_period(struct ktest *t)
{
	struct kmem_cache *c =
	    kmem_cache_create("test_rcu", sizeof(struct rcu_obj), 0, SLAB_TYPESAFE_BY_RCU);
	unsigned long before, slabs, freed_early, freed_later;
	unsigned n, lost = 0;

	KTEST_ASSERT(t, c != NULL);
	n = 4 * c->objs_per_slab;
	KTEST_ASSERT(t, n <= NOBJ);
	before = nr_free_pages();
	for (unsigned i = 0; i < n; i++) {
		struct rcu_obj *o = kmem_cache_alloc(c, GFP_KERNEL);

		KTEST_ASSERT(t, o != NULL);
		o->key = (int)i;
		o->alive = 1;
		objs[i] = o;
	}
	slabs = c->nr_slabs;
	KTEST_EXPECT_EQ(t, slabs, 4);
	rcu_read_lock();
	for (unsigned i = 0; i < n; i++) {
		struct rcu_obj *o = objs[i];

		o->alive = 0;
		kmem_cache_free(c, o);
		/* The free pointer is kept out of the object: a reader still sees its key. */
		lost += o->key != (int)i;
	}
	freed_early = nr_free_pages() - (before - (slabs << c->order));
	rcu_read_unlock();
	rcu_barrier();
	freed_later = nr_free_pages() - (before - (slabs << c->order));
	KTEST_EXPECT_EQ(t, lost, 0);
	KTEST_EXPECT_EQ(t, freed_early, 0);
	KTEST_EXPECT_EQ(t, freed_later, (slabs - 1) << c->order); /* one empty slab is kept */
	kmem_cache_destroy(c);
	KTEST_EXPECT_EQ(t, nr_free_pages(), before);
}

#define ROUNDS 1000
#define HELD 24

struct churn {
	unsigned cpu, corrupt, failures;
};

static void kmalloc_churn(void *arg)
{
	struct churn *c = arg;
	void *held[HELD] = { 0 };
	size_t sz[HELD] = { 0 };
	u32 rng = 0xabcdefu + c->cpu * 104729u;

	for (unsigned i = 0; i < ROUNDS; i++) {
		unsigned s = i % HELD;

		if (held[s]) {
			c->corrupt +=
			    !filled(held[s], sz[s], (unsigned)(unsigned long)held[s] >> 4);
			kfree(held[s]);
		}
		rng = rng * 1103515245u + 12345u;
		sz[s] = 1 + (rng >> 16) % 3000; /* mostly slab classes, some page-sized */
		held[s] = kmalloc(sz[s], GFP_KERNEL | __GFP_NOWARN);
		if (held[s])
			fill(held[s], sz[s], (unsigned)(unsigned long)held[s] >> 4);
		else
			c->failures++;
	}
	for (unsigned s = 0; s < HELD; s++)
		if (held[s]) {
			c->corrupt +=
			    !filled(held[s], sz[s], (unsigned)(unsigned long)held[s] >> 4);
			kfree(held[s]);
		}
}

static void concurrent_kmalloc_kfree_no_overlap(struct ktest *t)
{
	struct churn c[NR_CPUS];

	for (unsigned i = 0; i < ncpus; i++)
		c[i] = (struct churn){ .cpu = i };
	KTEST_ASSERT(t, ktest_run_on_each_cpu(t, kmalloc_churn, c, sizeof(c[0]), "slab_churn"));
	for (unsigned i = 0; i < ncpus; i++) {
		KTEST_EXPECT_EQ(t, c[i].corrupt, 0);
		KTEST_EXPECT_EQ(t, c[i].failures, 0);
	}
}

static void kmalloc64_cost(struct ktest *t)
{
	const unsigned n = 5000;
	u64 t0 = arch_clock_ns();

	for (unsigned i = 0; i < n; i++)
		kfree(kmalloc(64, GFP_KERNEL));
	ktest_log(t, "figure: kmalloc(64)+kfree %llu ns", (arch_clock_ns() - t0) / n);
}

/* A cache that cannot grow returns NULL and leaks nothing; it works again once it can. */
static void cache_growth_failure_leaks_nothing(struct ktest *t)
{
	struct kmem_cache *c = kmem_cache_create("grow_fail", 96, 0, 0);
	unsigned long before, injected;
	void *obj;

	KTEST_ASSERT(t, c != NULL);
	before = nr_free_pages();
	injected = fault_inject_count();
	fault_inject_set(FAULT_EVERY, 1, false, 0);
	obj = kmem_cache_alloc(c, GFP_KERNEL | __GFP_NOWARN);
	fault_inject_clear();
	KTEST_EXPECT(t, obj == NULL);
	KTEST_EXPECT(t, fault_inject_count() > injected);
	KTEST_EXPECT_EQ(t, nr_free_pages(), before);
	obj = kmem_cache_alloc(c, GFP_KERNEL);
	KTEST_EXPECT(t, obj != NULL);
	if (obj)
		kmem_cache_free(c, obj);
	kmem_cache_destroy(c);
	KTEST_EXPECT_EQ(t, nr_free_pages(), before);
}

KTEST_SUITE(slab, 0, KTEST_CASE(cache_growth_failure_leaks_nothing),
	    KTEST_CASE(many_objects_do_not_overlap), KTEST_CASE(kmalloc_size_classes),
	    KTEST_CASE(kmalloc_big_sizes_use_pages), KTEST_CASE(kmalloc_zero_and_fault_injection),
	    KTEST_CASE(typesafe_by_rcu_frees_after_grace_period),
	    KTEST_CASE(concurrent_kmalloc_kfree_no_overlap), KTEST_CASE(kmalloc64_cost));
