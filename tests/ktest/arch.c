/*
 * Suite arch: the port hooks the scheduler stands on, tested without the scheduler.
 * A side context is switched to and from directly with arch_switch_to().
 */
#include <mica/arch.h>
#include <mica/ktest.h>

#define SIDE_STACK_SIZE 8192

static struct arch_context main_ctx, side_ctx;
static char side_stack[SIDE_STACK_SIZE] __aligned(16);
static volatile unsigned long side_runs;
static void *volatile side_arg;

/* Runs on side_stack forever: counts, then hands the CPU back. */
static void side_entry(void *arg)
{
	side_arg = arg;
	for (;;) {
		side_runs++;
		arch_switch_to(&side_ctx, &main_ctx);
	}
}

/* Keeps several values live across the switch, in callee-saved registers at -O2. */
static __noinline unsigned long mix_across_switch(unsigned long seed)
{
	unsigned long a = seed * 3, b = seed ^ 0x5a5a, c = seed + 77, d = seed << 3, e = ~seed;

	arch_switch_to(&main_ctx, &side_ctx);
	return a + (b << 1) + (c << 2) + (d << 3) + (e << 4);
}

static unsigned long mix_expected(unsigned long seed)
{
	unsigned long a = seed * 3, b = seed ^ 0x5a5a, c = seed + 77, d = seed << 3, e = ~seed;

	return a + (b << 1) + (c << 2) + (d << 3) + (e << 4);
}

static void context_switch_round_trips(struct ktest *t)
{
	unsigned long flags = arch_irq_save();
	bool regs_ok = true;

	side_runs = 0;
	arch_context_init(&side_ctx, (unsigned long)&side_stack[SIDE_STACK_SIZE], side_entry,
			  (void *)0x1234);
	for (unsigned long i = 0; i < 1000; i++)
		regs_ok &= mix_across_switch(i * 2654435761UL) == mix_expected(i * 2654435761UL);
	arch_irq_restore(flags);

	KTEST_EXPECT_EQ(t, side_runs, 1000);
	KTEST_EXPECT(t, side_arg == (void *)0x1234);
	KTEST_EXPECT(t, regs_ok); /* callee-saved registers survived every switch */
}

KTEST_SUITE(arch, 0, KTEST_CASE(context_switch_round_trips));
