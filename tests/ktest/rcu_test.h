/* Small helpers the rcu and rcu_stall suites share. */
#ifndef TESTS_KTEST_RCU_TEST_H
#define TESTS_KTEST_RCU_TEST_H

#include <mica/arch.h>
#include <mica/sched.h>
#include <mica/time.h>

/* Spins until *flag is nonzero or ms pass. Returns true if it was set. */
static inline bool wait_flag(const int *flag, unsigned long ms)
{
	u64 end = arch_clock_ns() + ms * NSEC_PER_MSEC;

	while (!__atomic_load_n(flag, __ATOMIC_ACQUIRE))
		if (arch_clock_ns() > end)
			return false;
	return true;
}

static inline void set_flag(int *flag)
{
	__atomic_store_n(flag, 1, __ATOMIC_RELEASE);
}

static inline struct task *start_pinned(void (*fn)(void *), void *arg, const char *name,
					unsigned cpu)
{
	struct task *th = kthread_create(fn, arg, name);

	if (th) {
		kthread_bind(th, cpu);
		kthread_start(th);
	}
	return th;
}

#endif
