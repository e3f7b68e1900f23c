/*
 * Allocation fault injection (DESIGN PG-2): makes chosen alloc_pages() calls fail, so that the
 * fallback paths of their callers run in tests. Syntax and API: include/mica/mm.h. Candidates
 * are counted; the mode decides from the count (every Nth, after N) or from a seeded xorshift
 * generator (probability), so a failing run can be repeated with the same seed.
 */
#include <mica/cmdline.h>
#include <mica/errno.h>
#include <mica/mm.h>
#include <mica/printk.h>
#include <mica/spinlock.h>
#include <mica/string.h>

#include "mm_internal.h"

static DEFINE_SPINLOCK(fault_lock);
static struct {
	enum fault_mode mode; /* guarded by fault_lock (read without it on the fast path) */
	unsigned long n;      /* guarded by fault_lock: N, or P per mille */
	bool nowait_only;     /* guarded by fault_lock */
	unsigned long seen;   /* guarded by fault_lock: candidates since the last set */
	u32 rng;	      /* guarded by fault_lock: xorshift32 state, never 0 */
} fault;
static unsigned long injected;

/* xorshift32 (Marsaglia, "Xorshift RNGs", J. Stat. Software 8(14), 2003). */
static u32 xorshift32(u32 *s)
{
	u32 x = *s;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *s = x;
}

bool fault_should_fail(gfp_t gfp)
{
	unsigned long flags;
	bool fail = false;

	if (likely(READ_ONCE(fault.mode) == FAULT_NONE))
		return false;
	flags = spin_lock_irqsave(&fault_lock);
	if (fault.mode != FAULT_NONE && !(fault.nowait_only && (gfp & __GFP_WAIT))) {
		fault.seen++;
		if (fault.mode == FAULT_EVERY)
			fail = fault.seen % fault.n == 0;
		else if (fault.mode == FAULT_AFTER)
			fail = fault.seen > fault.n;
		else
			fail = xorshift32(&fault.rng) % 1000 < fault.n;
	}
	spin_unlock_irqrestore(&fault_lock, flags);
	if (fail)
		__atomic_add_fetch(&injected, 1, __ATOMIC_RELAXED);
	return fail;
}

void fault_inject_set(enum fault_mode mode, unsigned long n, bool nowait_only, u32 seed)
{
	unsigned long flags = spin_lock_irqsave(&fault_lock);

	fault.n = n;
	fault.nowait_only = nowait_only;
	fault.seen = 0;
	fault.rng = seed ? seed : 0x9e3779b9u;
	WRITE_ONCE(fault.mode, mode);
	spin_unlock_irqrestore(&fault_lock, flags);
}

void fault_inject_clear(void)
{
	fault_inject_set(FAULT_NONE, 0, false, 0);
}

unsigned long fault_inject_count(void)
{
	return __atomic_load_n(&injected, __ATOMIC_RELAXED);
}

/* Parses a decimal number ending at `stop` or the end of s; returns the text after it. */
static const char *parse_num(const char *s, char stop, unsigned long *out)
{
	char buf[24];
	size_t len = 0;

	while (s[len] && s[len] != stop && s[len] != ',')
		len++;
	if (len == 0 || len >= sizeof(buf))
		return NULL;
	memcpy(buf, s, len);
	buf[len] = 0;
	if (kstrtoul(buf, out))
		return NULL;
	return s + len;
}

int fault_inject_parse(const char *s)
{
	static const char *const names[] = {
		[FAULT_EVERY] = "every:", [FAULT_AFTER] = "after:", [FAULT_PROB] = "prob:"
	};
	enum fault_mode mode = FAULT_NONE;
	unsigned long n, seed = 0;
	bool nowait = false;

	for (unsigned m = FAULT_EVERY; m <= FAULT_PROB; m++)
		if (!strncmp(s, names[m], strlen(names[m])))
			mode = m, s += strlen(names[m]);
	if (mode == FAULT_NONE || !(s = parse_num(s, ':', &n)))
		return -EINVAL;
	if (mode == FAULT_PROB && *s == ':' && !(s = parse_num(s + 1, 0, &seed)))
		return -EINVAL;
	if (!strcmp(s, ",nowait"))
		nowait = true, s += strlen(s);
	if (*s || (mode == FAULT_EVERY && n == 0) || (mode == FAULT_PROB && n > 1000) ||
	    seed > 0xffffffffUL)
		return -EINVAL;
	fault_inject_set(mode, n, nowait, (u32)seed);
	return 0;
}

void fault_inject_boot(void)
{
	char buf[64];
	int len = cmdline_get("fail_alloc", buf, sizeof(buf));

	if (len == -ENOENT)
		return;
	if (len < 0 || fault_inject_parse(buf)) {
		pr_err(
		    "fail_alloc: bad value \"%s\"; want every:N, after:N or prob:PERMILLE[:SEED], "
		    "optionally followed by ,nowait",
		    buf);
		return;
	}
	pr_warn("fail_alloc: allocation fault injection on (%s)", buf);
}
