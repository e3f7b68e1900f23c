/*
 * Suites that must end the kernel, run only when named (the runner, tests/run, knows each
 * must panic, and checks the report: reason, CPU, registers for a trap, and a backtrace
 * naming the function below).
 *
 *   panic_call  panic() called directly
 *   panic_trap  an illegal instruction, which the port's trap handler must turn into a panic
 *   must_fail   an ordinary failing expectation: proves a failure reaches QEMU's exit status
 *   panic_double_free  a frame freed twice: the page allocator must refuse it with a panic
 */
#include <mica/ktest.h>
#include <mica/mm.h>
#include <mica/panic.h>
#include <mica/spinlock.h>

/* Held across the panic: the report must list it (locks held at panic). */
static DEFINE_SPINLOCK(panic_test_lock);

static __noinline void ktest_panic_here(void)
{
	panic("ktest: expected panic from %s", __func__);
}

static void calls_panic(struct ktest *t)
{
	ktest_log(t, "expecting a panic now");
	spin_lock(&panic_test_lock);
	ktest_panic_here();
}

static __noinline void ktest_trap_here(void)
{
	__builtin_trap(); /* ud2 / udf / ebreak-or-unimp: an unexpected trap in kernel mode */
}

static void takes_illegal_instruction(struct ktest *t)
{
	ktest_log(t, "expecting a trap now");
	ktest_trap_here();
}

static void fails_on_purpose(struct ktest *t)
{
	KTEST_EXPECT_EQ(t, 1 + 1, 3);
}

static __noinline void ktest_free_twice(void)
{
	struct page *p = alloc_page(GFP_KERNEL);

	if (!p)
		return; /* no memory: the runner then sees no panic and fails the boot */
	free_page(p);
	free_page(p);
}

static void frees_a_page_twice(struct ktest *t)
{
	ktest_log(t, "expecting a panic now");
	ktest_free_twice();
}

KTEST_SUITE(panic_call, KTEST_MANUAL, KTEST_CASE(calls_panic));
KTEST_SUITE(panic_trap, KTEST_MANUAL, KTEST_CASE(takes_illegal_instruction));
KTEST_SUITE(must_fail, KTEST_MANUAL, KTEST_CASE(fails_on_purpose));
KTEST_SUITE(panic_double_free, KTEST_MANUAL, KTEST_CASE(frees_a_page_twice));
