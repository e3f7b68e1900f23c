/*
 * ktest: in-kernel tests. A suite is a named list of cases, registered with KTEST_SUITE() into
 * the .ktest_suites linker section. The kernel command line picks suites (`ktest=all`,
 * `ktest=printk,smp`); results print as KTAP version 1 (nested, as KUnit does) and QEMU then
 * exits with EXIT_SUCCESS or EXIT_TEST_FAILED.
 *
 *	static void adds_up(struct ktest *t) { KTEST_EXPECT_EQ(t, 1 + 1, 2); }
 *	KTEST_SUITE(arith, 0, KTEST_CASE(adds_up));
 */
#ifndef MICA_KTEST_H
#define MICA_KTEST_H

#include <mica/compiler.h>
#include <mica/types.h>

struct ktest {
	const char *name;
	bool failed;
	const char *skip_reason; /* non-NULL: the case was skipped */
};

struct ktest_case {
	const char *name;
	void (*run)(struct ktest *t);
};

/* Suite flags. */
#define KTEST_MANUAL 0x1 /* not part of ktest=all; runs only when named (must-panic, must-fail) */

struct ktest_suite {
	const char *name;
	const struct ktest_case *cases;
	unsigned ncases;
	unsigned flags;
};

#define KTEST_CASE(fn)  \
	{               \
#fn, fn \
	}

#define KTEST_SUITE(sname, sflags, ...)                                                          \
	static const struct ktest_case __ktest_cases_##sname[] = { __VA_ARGS__ };                \
	static const struct ktest_suite __ktest_suite_##sname = {                                \
		#sname, __ktest_cases_##sname, ARRAY_SIZE(__ktest_cases_##sname), (sflags)       \
	};                                                                                       \
	static const struct ktest_suite *__ktest_ptr_##sname __used __section(".ktest_suites") = \
	    &__ktest_suite_##sname

/* Records a failed expectation with its place and message. Returns ok. */
bool ktest_check(struct ktest *t, bool ok, const char *file, int line, const char *fmt, ...)
    __printf(5, 6);
/* Prints a KTAP diagnostic line ("# ...") inside the running case. */
void ktest_log(struct ktest *t, const char *fmt, ...) __printf(2, 3);

#define KTEST_EXPECT(t, cond) ktest_check(t, !!(cond), __FILE__, __LINE__, "%s", #cond)
#define KTEST_EXPECT_EQ(t, a, b)                                                                 \
	({                                                                                       \
		long long __a = (long long)(a), __b = (long long)(b);                            \
		ktest_check(t, __a == __b, __FILE__, __LINE__, "%s == %s: %lld != %lld", #a, #b, \
			    __a, __b);                                                           \
	})
#define KTEST_EXPECT_STREQ(t, a, b)                                          \
	({                                                                   \
		const char *__a = (a), *__b = (b);                           \
		ktest_check(t, !strcmp(__a, __b), __FILE__, __LINE__,        \
			    "%s == %s: \"%s\" != \"%s\"", #a, #b, __a, __b); \
	})
/* The ASSERT forms end the case at once (they return from the test function). */
#define KTEST_ASSERT(t, cond)               \
	do {                                \
		if (!KTEST_EXPECT(t, cond)) \
			return;             \
	} while (0)
#define KTEST_ASSERT_EQ(t, a, b)               \
	do {                                   \
		if (!KTEST_EXPECT_EQ(t, a, b)) \
			return;                \
	} while (0)
#define KTEST_SKIP(t, reason)                \
	do {                                 \
		(t)->skip_reason = (reason); \
		return;                      \
	} while (0)

/* Runs fn(args + i * stride) in a thread pinned to each online CPU i, and joins them all.
 * Returns false (and records a failure) if a thread could not be created. */
bool ktest_run_on_each_cpu(struct ktest *t, void (*fn)(void *), void *args, size_t stride,
			   const char *name);

/* Runs the suites `filter` names ("all" or a comma list). Returns the number of failed cases,
 * or -1 if the filter named no known suite. */
int ktest_main(const char *filter);

#endif
