/*
 * Lock checking (contract in <mica/lockdep.h>; the book chapter is docs/lockdep.md).
 *
 * Two parts:
 *   - per task, the stack of held locks (struct task.held_locks), changed only by the task and
 *     by interrupt handlers running on top of it, always with interrupts masked;
 *   - one global graph of lock classes. A dependency A -> B says "B was taken while A was
 *     held", with both code sites. Taking B while holding A adds A -> B unless B ->* A is
 *     already a path: then the two orders can deadlock, which is reported, and the dependency
 *     is stored as refused: never followed, but found by the next such acquisition, so each
 *     pair is reported once.
 * The graph only grows and an entry never changes once published (release store), so the fast
 * path, "is A -> B known?", reads it without a lock. Writers take graph_lock, a raw spinlock,
 * with interrupts masked. lockdep takes no checked lock and calls nothing that does (printk
 * and backtraces use raw locks): it never recurses into itself.
 * After Linux kernel/locking/lockdep.c (check_prev_add, check_noncircular), much reduced: no
 * irq-safety states, no chain cache, no read-recursion rules.
 */
#include <mica/arch.h>
#include <mica/cpu.h>
#include <mica/lockdep.h>
#include <mica/panic.h>
#include <mica/preempt.h>
#include <mica/printk.h>
#include <mica/sched.h>
#include <mica/spinlock.h>

#define CLASS_HASH_SIZE 256 /* buckets; a power of 2 */
#define REPORT_PATH_MAX 8   /* links of a reported ring printed in full */

struct lock_class {
	const void *key;
	const char *name;	      /* the first lock seen of the class */
	struct lock_class *hash_next; /* same bucket of class_hash */
	struct lock_dep *deps;	      /* classes taken while this one was held, newest first */
	/* guarded by graph_lock: state of the search under way */
	unsigned visited;     /* generation of the last search that reached it */
	struct lock_dep *via; /* the dependency that search reached it by */
};

struct lock_dep {
	struct lock_class *from, *to;
	struct lock_dep *next;		  /* next dependency out of `from` */
	unsigned long from_site, to_site; /* where `from` was taken; where `to` was, `from` held */
	bool refused;			  /* would close a cycle: reported, not part of the graph */
};

/* All guarded by graph_lock for writing; classes and dependencies are read lock-free once
 * published (m->class, class_hash heads are written under the lock too). */
static struct lock_class classes[LOCKDEP_MAX_CLASSES];
static unsigned nr_classes;
static struct lock_class *class_hash[CLASS_HASH_SIZE];
static struct lock_dep deps[LOCKDEP_MAX_DEPS];
static unsigned nr_deps;
static struct lock_class *search_queue[LOCKDEP_MAX_CLASSES + 1]; /* start, then each once */
static unsigned search_gen;
static DEFINE_SPINLOCK(graph_lock); /* raw: lockdep must not check itself */

static int graph_off;	 /* a table is full: orders are no longer checked */
static int depth_warned; /* told once that a task held more than LOCKDEP_MAX_HELD locks */

unsigned long lockdep_reports;
unsigned long lockdep_assert_failures;
struct lockdep_report lockdep_last_report;

static unsigned long graph_lock_take(void)
{
	unsigned long flags = arch_irq_save();

	raw_spin_lock(&graph_lock);
	return flags;
}

static void graph_lock_drop(unsigned long flags)
{
	raw_spin_unlock(&graph_lock);
	arch_irq_restore(flags);
}

/* Orders are checked unless a table filled up, or a panic stopped the CPU that may hold
 * graph_lock. */
static bool checking(void)
{
	return !READ_ONCE(graph_off) && !panic_in_progress();
}

/* Stops order checking for good, saying so once. */
static void turn_off(const char *what, unsigned max)
{
	if (!__atomic_exchange_n(&graph_off, 1, __ATOMIC_RELAXED))
		pr_err("lockdep: all %u %s in use: lock order checking is off from now on", max,
		       what);
}

/* Interrupt nesting of the current context: orders are recorded only within one. */
static u16 irq_context(const struct task *t)
{
	return (t->preempt_count & (HARDIRQ_MASK | SOFTIRQ_MASK)) >> SOFTIRQ_SHIFT;
}

/* ---- classes ---- */

static unsigned class_hash_of(const void *key)
{
	unsigned long k = (unsigned long)key;

	return (k >> 4 ^ k >> 12) & (CLASS_HASH_SIZE - 1);
}

/* The class of m, registered on its first acquisition. NULL once the table is full. */
static struct lock_class *class_of(struct lockdep_map *m)
{
	struct lock_class *c = __atomic_load_n(&m->class, __ATOMIC_ACQUIRE);
	const void *key = m->key ? m->key : m;
	unsigned h = class_hash_of(key);
	unsigned long flags;

	if (likely(c))
		return c;
	flags = graph_lock_take();
	for (c = class_hash[h]; c; c = c->hash_next)
		if (c->key == key)
			break;
	if (!c && nr_classes < LOCKDEP_MAX_CLASSES) {
		c = &classes[nr_classes++];
		c->key = key;
		c->name = m->name;
		c->hash_next = class_hash[h];
		class_hash[h] = c;
	}
	if (c)
		__atomic_store_n(&m->class, c, __ATOMIC_RELEASE);
	graph_lock_drop(flags);
	if (!c)
		turn_off("lock classes", LOCKDEP_MAX_CLASSES);
	return c;
}

/* ---- the graph ---- */

/* The dependency from -> to, accepted or refused, if recorded. Lock-free. */
static struct lock_dep *find_dep(struct lock_class *from, struct lock_class *to)
{
	struct lock_dep *d = __atomic_load_n(&from->deps, __ATOMIC_ACQUIRE);

	for (; d; d = d->next)
		if (d->to == to)
			return d;
	return NULL;
}

/* graph_lock held. Breadth-first search for a path start ->* target of one or more accepted
 * dependencies; returns its last link (follow ->from->via back to start), or NULL. */
static struct lock_dep *find_path(struct lock_class *start, struct lock_class *target)
{
	unsigned head = 0, tail = 0;

	if (++search_gen == 0) { /* wrapped: old marks would look fresh */
		for (unsigned i = 0; i < nr_classes; i++)
			classes[i].visited = 0;
		search_gen = 1;
	}
	/* start is not marked: a path back to it (start == target) is found like any other. */
	search_queue[tail++] = start;
	while (head < tail) {
		struct lock_class *c = search_queue[head++];

		for (struct lock_dep *d = c->deps; d; d = d->next) {
			if (d->refused || d->to->visited == search_gen)
				continue;
			d->to->visited = search_gen;
			d->to->via = d;
			if (d->to == target)
				return d;
			search_queue[tail++] = d->to;
		}
	}
	return NULL;
}

/* A ring found by check_new_dep, copied out of the search state to be printed unlocked. */
struct ring {
	unsigned len;				/* links in the path new ->* held */
	struct lock_dep *link[REPORT_PATH_MAX]; /* first links; the last link last */
};

/* graph_lock held. Copies the path from start that ends in `last` into r: its first links,
 * and `last` in the final slot. */
static void copy_path(struct ring *r, struct lock_class *start, struct lock_dep *last)
{
	unsigned n = 1, shown;

	for (struct lock_dep *d = last; d->from != start; d = d->from->via)
		n++;
	r->len = n;
	shown = MIN(n, REPORT_PATH_MAX);
	r->link[shown - 1] = last;
	for (struct lock_dep *d = last; n-- > 0; d = d->from->via) /* n: d's place in the path */
		if (n < shown - 1)
			r->link[n] = d;
}

/*
 * Records "nc taken while hc was held" (h: the held entry, site: where nc is taken). Returns
 * true, with the ring in *r, if nc ->* hc was already known: the new order would close it.
 */
static bool check_new_dep(struct held_lock *h, struct lock_class *hc, struct lock_class *nc,
			  unsigned long site, struct ring *r)
{
	unsigned long flags = graph_lock_take();
	struct lock_dep *d, *path = NULL;

	if (find_dep(hc, nc)) { /* another CPU recorded it meanwhile */
		graph_lock_drop(flags);
		return false;
	}
	if (nr_deps == LOCKDEP_MAX_DEPS) {
		graph_lock_drop(flags);
		turn_off("lock dependencies", LOCKDEP_MAX_DEPS);
		return false;
	}
	path = find_path(nc, hc);
	if (path)
		copy_path(r, nc, path);
	d = &deps[nr_deps++];
	*d = (struct lock_dep){ .from = hc,
				.to = nc,
				.next = hc->deps,
				.from_site = h->site,
				.to_site = site,
				.refused = path != NULL };
	__atomic_store_n(&hc->deps, d, __ATOMIC_RELEASE);
	graph_lock_drop(flags);
	return path != NULL;
}

static void print_held(const struct task *t, int level)
{
	unsigned n = MIN(t->lockdep_depth, LOCKDEP_MAX_HELD);

	printk(level, "%u lock(s) held by %s:", t->lockdep_depth, t->name);
	for (unsigned i = 0; i < n; i++)
		printk(level, "  #%u: %s, taken at %pS%s", i, t->held_locks[i].map->name,
		       (void *)t->held_locks[i].site, t->held_locks[i].irq_ctx ? " (in irq)" : "");
	if (t->lockdep_depth > n)
		printk(level, "  ... and %u more, not recorded", t->lockdep_depth - n);
}

/* Says that taking m at site while holding h closes the ring r (interrupts masked). */
static __noinline void report_cycle(struct task *t, struct lockdep_map *m, unsigned long site,
				    const struct held_lock *h, const struct ring *r)
{
	unsigned shown = MIN(r->len, REPORT_PATH_MAX);

	lockdep_last_report = (struct lockdep_report){ .taken = m,
						       .held = h->map,
						       .taken_site = site,
						       .held_site = h->site,
						       .earlier_site = r->link[0]->to_site,
						       .ring_len = r->len };
	__atomic_add_fetch(&lockdep_reports, 1, __ATOMIC_RELAXED);
	pr_warn("WARNING: possible circular locking dependency: task %s takes %s at %pS", t->name,
		m->name, (void *)site);
	pr_warn("  while holding %s (taken at %pS);", h->map->name, (void *)h->site);
	for (unsigned i = 0; i < shown; i++) {
		const struct lock_dep *d = r->link[i];

		if (i == shown - 1 && r->len > shown)
			pr_warn("  ... %u more links ...", r->len - shown);
		pr_warn("  %s %s was held when %s was taken at %pS", i ? "and" : "earlier",
			d->from->name, d->to->name, (void *)d->to_site);
	}
	print_held(t, LOG_WARNING);
	backtrace_print(0, (unsigned long)__builtin_frame_address(0));
}

/* Checks nc, about to be pushed at site, against every lock t holds in the same context. */
static void check_order(struct task *t, struct lockdep_map *m, struct lock_class *nc,
			unsigned long site, u16 ctx)
{
	struct lock_class *prev = NULL;
	struct ring r = { .len = 0 };

	for (unsigned i = 0; i < t->lockdep_depth; i++) {
		struct held_lock *h = &t->held_locks[i];
		struct lock_class *hc = __atomic_load_n(&h->map->class, __ATOMIC_ACQUIRE);

		/* Same class: nesting, no order. Runs of one class (MX-5) cost one lookup. */
		if (h->irq_ctx != ctx || !hc || hc == nc || hc == prev)
			continue;
		prev = hc;
		if (likely(find_dep(hc, nc)))
			continue;
		if (check_new_dep(h, hc, nc, site, &r))
			report_cycle(t, m, site, h, &r);
	}
}

/* ---- the API ---- */

void lockdep_init_map(struct lockdep_map *m, const char *name, const struct lock_class_key *key)
{
	m->name = name;
	m->key = key;
	m->class = NULL;
}

/* Pushes m on the current task's held stack; with `check`, records and checks the order of
 * every lock already held before it. */
static void acquire(struct lockdep_map *m, unsigned long site, bool read, bool check)
{
	/* Masked: an interrupt handler's locks go on this same stack. */
	unsigned long flags = arch_irq_save();
	struct task *t = this_cpu()->curr;
	unsigned n = t->lockdep_depth;
	u16 ctx = irq_context(t);

	if (n < LOCKDEP_MAX_HELD) {
		struct lock_class *c = check && checking() ? class_of(m) : NULL;

		if (c)
			check_order(t, m, c, site, ctx);
		t->held_locks[n] = (struct held_lock){ m, site, read, ctx };
	} else if (!__atomic_exchange_n(&depth_warned, 1, __ATOMIC_RELAXED)) {
		pr_err("lockdep: %s holds more than %u locks: the rest are not checked", t->name,
		       LOCKDEP_MAX_HELD);
	}
	t->lockdep_depth = n + 1;
	arch_irq_restore(flags);
}

void lock_acquire(struct lockdep_map *m, unsigned long site, bool read)
{
	acquire(m, site, read, true);
}

/* A trylock never waits, so it cannot be half of a deadlock: held, but no order recorded
 * (locks taken after it, while it is held, still are). */
void lock_acquire_trylock(struct lockdep_map *m, unsigned long site, bool read)
{
	acquire(m, site, read, false);
}

void lock_release(struct lockdep_map *m, unsigned long site)
{
	unsigned long flags = arch_irq_save();
	struct task *t = this_cpu()->curr;
	unsigned n = MIN(t->lockdep_depth, LOCKDEP_MAX_HELD);

	for (unsigned i = n; i-- > 0;)
		if (t->held_locks[i].map == m) {
			for (unsigned j = i; j + 1 < n; j++)
				t->held_locks[j] = t->held_locks[j + 1];
			t->lockdep_depth--;
			arch_irq_restore(flags);
			return;
		}
	if (t->lockdep_depth > LOCKDEP_MAX_HELD) { /* one of those not recorded */
		t->lockdep_depth--;
		arch_irq_restore(flags);
		return;
	}
	arch_irq_restore(flags);
	pr_err("BUG: %s releases %s, which it does not hold (at %pS)", t->name, m->name,
	       (void *)site);
}

bool lock_is_held(const struct lockdep_map *m)
{
	unsigned long flags = arch_irq_save();
	struct task *t = this_cpu()->curr;
	bool held = false;

	for (unsigned i = 0; i < MIN(t->lockdep_depth, LOCKDEP_MAX_HELD) && !held; i++)
		held = t->held_locks[i].map == m;
	arch_irq_restore(flags);
	return held;
}

bool __lockdep_assert_held(const struct lockdep_map *m, const char *file, int line)
{
	/* Past LOCKDEP_MAX_HELD the stack is incomplete: no verdict rather than a false one. */
	if (likely(lock_is_held(m)) || current->lockdep_depth > LOCKDEP_MAX_HELD)
		return false;
	__atomic_add_fetch(&lockdep_assert_failures, 1, __ATOMIC_RELAXED);
	pr_warn("WARNING: lockdep_assert_held: %s does not hold %s", current->name, m->name);
	print_held(current, LOG_WARNING);
	__warn(file, line, "lockdep_assert_held()");
	return true;
}

void lockdep_print_held_locks(const struct task *t)
{
	if (t->lockdep_depth)
		print_held(t, LOG_EMERG);
}

bool lockdep_depends(const struct lockdep_map *a, const struct lockdep_map *b)
{
	struct lock_class *ca = __atomic_load_n(&a->class, __ATOMIC_ACQUIRE);
	struct lock_class *cb = __atomic_load_n(&b->class, __ATOMIC_ACQUIRE);
	unsigned long flags;
	bool found;

	if (!ca || !cb || !checking())
		return false;
	flags = graph_lock_take();
	found = find_path(ca, cb) != NULL;
	graph_lock_drop(flags);
	return found;
}
