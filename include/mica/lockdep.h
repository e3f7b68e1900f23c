/*
 * Lock checking (kernel/sched/lockdep.c). Every checked lock (spinlock, mutex, rwsem) embeds a
 * lockdep_map naming its class: locks initialised at one place (one *_init() call site) share
 * a class; a statically initialised lock is a class of its own. Each acquisition records an
 * edge "held class -> new class" with the code site; an acquisition whose new edge would close
 * a cycle (the AB-BA pattern) is reported with both sites and the edge is not added.
 * Each task keeps the stack of locks it holds, listed at panic and checked by
 * lockdep_assert_held().
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
	const void *key;           /* class key; NULL: the map's own address */
	struct lock_class *class;  /* resolved at first acquire */
};

#define LOCKDEP_MAP_INIT(lockname) { .name = (lockname), .key = NULL, .class = NULL }

/* What a task holds: one entry per acquisition, innermost last. */
struct held_lock {
	struct lockdep_map *map;
	unsigned long site; /* code address of the acquisition */
	bool read;
};
/* Deep enough for DESIGN MX-5 (hundreds of mutexes held at once). */
#define LOCKDEP_MAX_HELD 384

void lockdep_init_map(struct lockdep_map *m, const char *name, const struct lock_class_key *key);
/* Call after taking the lock (trylock: only when it succeeded). */
void lock_acquire(struct lockdep_map *m, unsigned long site, bool read);
/* Call before releasing it. */
void lock_release(struct lockdep_map *m, unsigned long site);
/* True if the current task holds m. */
bool lock_is_held(const struct lockdep_map *m);
/* Prints the locks t holds (panic, and the debug reports of mutexes). */
void lockdep_print_held_locks(const struct task *t);

/* Reports of possible deadlocks made since boot (tests read it). */
extern unsigned long lockdep_reports;

#define lockdep_assert_held(l) WARN_ON(!lock_is_held(&(l)->dep_map))

#endif
