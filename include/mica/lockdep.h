/*
 * Lock checking (kernel/sched/lockdep.c; the book chapter is docs/lockdep.md).
 *
 * Every checked lock (spinlock, mutex, rwsem) embeds a lockdep_map naming its class: locks
 * initialised at one place (one *_init() call site, whose static lock_class_key is the class)
 * share a class; a statically initialised lock (key NULL) is a class of its own.
 *
 * Invariants lockdep checks and keeps:
 *   - each task has a stack of the locks it holds, innermost last, listed at panic and read by
 *     lockdep_assert_held();
 *   - the graph of classes has an edge A -> B ("B was taken while A was held", with both code
 *     sites) for every order seen; it never has a cycle. An acquisition whose new edge would
 *     close one (the AB-BA pattern, or a longer ring) is reported with every site of the ring,
 *     once per pair of classes, and the edge is kept out of the graph;
 *   - only orders seen within one context count: a lock taken in an interrupt handler makes no
 *     edge from the locks of the task it interrupted (see docs/lockdep.md for what that misses);
 *   - taking a second lock of a class already held (nesting one class) makes no edge.
 * If a table fills up, lockdep says so once and stops checking orders; held stacks go on.
 */
#ifndef MICA_LOCKDEP_H
#define MICA_LOCKDEP_H

#include <mica/compiler.h>
#include <mica/types.h>

struct task;
struct lock_class;

/* A static object whose address identifies a lock class (one per *_init() call site). */
struct lock_class_key {
	char unused;
};

struct lockdep_map {
	const char *name;
	const void *key;	  /* class key; NULL: the map's own address */
	struct lock_class *class; /* resolved at first acquire */
};

#define LOCKDEP_MAP_INIT(lockname)                             \
	{                                                      \
		.name = (lockname), .key = NULL, .class = NULL \
	}

/* What a task holds: one entry per acquisition, innermost last. */
struct held_lock {
	struct lockdep_map *map;
	unsigned long site; /* code address of the acquisition */
	bool read;
	u16 irq_ctx; /* hardirq and softirq depth at the acquisition (0: task context) */
};
/* Deep enough for DESIGN MX-5 (hundreds of mutexes held at once). */
#define LOCKDEP_MAX_HELD 384
/* Sizes of the graph's static tables. */
#define LOCKDEP_MAX_CLASSES 512
#define LOCKDEP_MAX_DEPS 4096

void lockdep_init_map(struct lockdep_map *m, const char *name, const struct lock_class_key *key);
/* Call after taking the lock (trylock: only when it succeeded). Checks the order against the
 * graph, reports a possible deadlock, pushes m on the current task's held stack. */
void lock_acquire(struct lockdep_map *m, unsigned long site, bool read);
/* The same for a successful trylock: held, but its own order against held locks is not
 * recorded (a trylock never waits, so it cannot deadlock). */
void lock_acquire_trylock(struct lockdep_map *m, unsigned long site, bool read);
/* Call before releasing it. */
void lock_release(struct lockdep_map *m, unsigned long site);
/* True if the current task holds m. */
bool lock_is_held(const struct lockdep_map *m);
/* Prints the locks t holds (panic, and the debug reports of mutexes). */
void lockdep_print_held_locks(const struct task *t);
/* True if the graph records that a's class is taken before b's: a path of one or more
 * dependencies (tests). False if either was never acquired or checking is off; false for one
 * class, as nesting a class records nothing. */
bool lockdep_depends(const struct lockdep_map *a, const struct lockdep_map *b);

/* Reports of possible deadlocks made since boot (tests read it). */
extern unsigned long lockdep_reports;
/* What the last report said (tests check its sites; two reports at once may mix). */
struct lockdep_report {
	const struct lockdep_map *taken, *held; /* the lock being taken; the held one it follows */
	unsigned long taken_site, held_site;
	unsigned long earlier_site; /* the recorded order's first link: where the second lock of
				     * the ring was taken while `taken` was held */
	unsigned ring_len;	    /* dependencies in the known path taken ->* held */
};
extern struct lockdep_report lockdep_last_report;
/* lockdep_assert_held() failures since boot (tests read it). */
extern unsigned long lockdep_assert_failures;

/* Backs lockdep_assert_held(): WARNs and returns true if the current task does not hold m. */
bool __lockdep_assert_held(const struct lockdep_map *m, const char *file, int line);
/* States a locking contract: the caller holds l (any lock with a dep_map). Evaluates to true,
 * after a WARNING with a backtrace, if it does not. */
#define lockdep_assert_held(l) __lockdep_assert_held(&(l)->dep_map, __FILE__, __LINE__)

#endif
