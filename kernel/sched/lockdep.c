/* Lock checking (contract in <mica/lockdep.h>). FIRST VERSION: held-lock stacks only; the
 * class graph and cycle reports come next. */
#include <mica/lockdep.h>
#include <mica/panic.h>
#include <mica/printk.h>
#include <mica/sched.h>

unsigned long lockdep_reports;

void lockdep_init_map(struct lockdep_map *m, const char *name, const struct lock_class_key *key)
{
	m->name = name;
	m->key = key;
	m->class = NULL;
}

void lock_acquire(struct lockdep_map *m, unsigned long site, bool read)
{
	struct task *t = current;

	if (t->lockdep_depth < LOCKDEP_MAX_HELD)
		t->held_locks[t->lockdep_depth] = (struct held_lock){ m, site, read };
	t->lockdep_depth++;
}

void lock_release(struct lockdep_map *m, unsigned long site)
{
	struct task *t = current;
	unsigned n = MIN(t->lockdep_depth, LOCKDEP_MAX_HELD);

	for (unsigned i = n; i-- > 0;)
		if (t->held_locks[i].map == m) {
			for (unsigned j = i; j + 1 < n; j++)
				t->held_locks[j] = t->held_locks[j + 1];
			t->lockdep_depth--;
			return;
		}
	if (t->lockdep_depth > LOCKDEP_MAX_HELD) {
		t->lockdep_depth--;
		return;
	}
	pr_err("BUG: %s releases %s, which it does not hold (at %pS)", t->name, m->name,
	       (void *)site);
}

bool lock_is_held(const struct lockdep_map *m)
{
	struct task *t = current;

	for (unsigned i = 0; i < MIN(t->lockdep_depth, LOCKDEP_MAX_HELD); i++)
		if (t->held_locks[i].map == m)
			return true;
	return false;
}

void lockdep_print_held_locks(const struct task *t)
{
	if (!t->lockdep_depth)
		return;
	pr_emerg("%u lock(s) held by %s:", t->lockdep_depth, t->name);
	for (unsigned i = 0; i < MIN(t->lockdep_depth, LOCKDEP_MAX_HELD); i++)
		pr_emerg("  #%u: %s, taken at %pS", i, t->held_locks[i].map->name,
			 (void *)t->held_locks[i].site);
}
