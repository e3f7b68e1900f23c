/* The ktest runner: selects suites, runs cases on the boot CPU, prints KTAP version 1. */
#include <mica/arch.h>
#include <mica/ktest.h>
#include <mica/printk.h>
#include <mica/sched.h>
#include <mica/string.h>
#include <mica/time.h>

extern const struct ktest_suite *const __ktest_suites_start[];
extern const struct ktest_suite *const __ktest_suites_end[];

#define FOR_EACH_SUITE(s)                                                 \
	for (const struct ktest_suite *const *__p = __ktest_suites_start; \
	     __p < __ktest_suites_end && ((s) = *__p, 1); __p++)

#define SUITE_INDENT "    "

bool ktest_check(struct ktest *t, bool ok, const char *file, int line, const char *fmt, ...)
{
	char msg[160];
	va_list ap;

	if (ok)
		return true;
	t->failed = true;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	console_write_line(SUITE_INDENT "# %s: EXPECTATION FAILED at %s:%d", t->name, file, line);
	console_write_line(SUITE_INDENT "#   %s", msg);
	return false;
}

void ktest_log(struct ktest *t, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf_marked(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	console_write_line(SUITE_INDENT "# %s: %s", t->name, msg);
}

bool ktest_run_on_each_cpu(struct ktest *t, void (*fn)(void *), void *args, size_t stride,
			   const char *name)
{
	struct task *th[NR_CPUS];
	unsigned n;

	for (n = 0; n < ncpus; n++) {
		th[n] = kthread_create(fn, (char *)args + n * stride, name);
		if (!ktest_check(t, th[n] != NULL, __FILE__, __LINE__, "no task for %s/%u", name,
				 n))
			break;
		kthread_bind(th[n], n);
	}
	for (unsigned i = 0; i < n; i++) /* all created first: they start together */
		kthread_start(th[i]);
	for (unsigned i = 0; i < n; i++)
		kthread_join(th[i]);
	return n == ncpus;
}

/* True if `name` is one of the comma-separated words of `list`. */
static bool in_list(const char *list, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = list; *p;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		if (len == n && !strncmp(p, name, n))
			return true;
		p += len + (end ? 1 : 0);
	}
	return false;
}

static bool selected(const struct ktest_suite *s, const char *filter)
{
	if (!strcmp(filter, "all"))
		return !(s->flags & KTEST_MANUAL);
	return in_list(filter, s->name);
}

/* Checks every word of the filter names a suite; prints what exists if not. */
static bool filter_valid(const char *filter)
{
	const struct ktest_suite *s;
	bool ok = true;

	if (!strcmp(filter, "all"))
		return true;
	for (const char *p = filter; *p;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		bool found = false;

		FOR_EACH_SUITE (s)
			found |= strlen(s->name) == len && !strncmp(s->name, p, len);
		if (!found) {
			console_write_line("# ktest: no suite named '%.*s'", (int)len, p);
			ok = false;
		}
		p += len + (end ? 1 : 0);
	}
	if (!ok) {
		FOR_EACH_SUITE (s)
			console_write_line("# ktest: suite available: %s%s", s->name,
					   s->flags & KTEST_MANUAL ? " (manual)" : "");
	}
	return ok;
}

/* Runs one suite as a KTAP subtest; returns its failed-case count, counts skips in *skipped.
 * Not inlined, so a backtrace from inside a test case names it. */
static __noinline unsigned run_suite(const struct ktest_suite *s, unsigned index, unsigned *skipped)
{
	unsigned failed = 0;
	u64 t0 = arch_clock_ns();

	console_write_line(SUITE_INDENT "KTAP version 1");
	console_write_line(SUITE_INDENT "# Subtest: %s", s->name);
	console_write_line(SUITE_INDENT "1..%u", s->ncases);
	for (unsigned i = 0; i < s->ncases; i++) {
		struct ktest t = { .name = s->cases[i].name };

		s->cases[i].run(&t);
		if (t.failed) {
			failed++;
			console_write_line(SUITE_INDENT "not ok %u %s", i + 1, t.name);
		} else if (t.skip_reason) {
			(*skipped)++;
			console_write_line(SUITE_INDENT "ok %u %s # SKIP %s", i + 1, t.name,
					   t.skip_reason);
		} else {
			console_write_line(SUITE_INDENT "ok %u %s", i + 1, t.name);
		}
	}
	console_write_line(SUITE_INDENT "# %s: %u cases in %lu ms", s->name, s->ncases,
			   (unsigned long)((arch_clock_ns() - t0) / NSEC_PER_MSEC));
	console_write_line("%s %u %s", failed ? "not ok" : "ok", index, s->name);
	return failed;
}

int ktest_main(const char *filter)
{
	const struct ktest_suite *s;
	unsigned nsuites = 0, index = 0, failed = 0, skipped = 0, ncases = 0;

	console_write_line("KTAP version 1");
	if (!filter_valid(filter)) {
		console_write_line("1..0 # SKIP bad ktest= filter");
		return -1;
	}
	FOR_EACH_SUITE (s)
		nsuites += selected(s, filter);
	console_write_line("1..%u", nsuites);
	FOR_EACH_SUITE (s) {
		if (!selected(s, filter))
			continue;
		failed += run_suite(s, ++index, &skipped);
		ncases += s->ncases;
	}
	console_write_line("# ktest: %u suites, %u cases: %u passed, %u failed, %u skipped",
			   nsuites, ncases, ncases - failed - skipped, failed, skipped);
	return (int)failed;
}
