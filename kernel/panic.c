/* panic(), BUG and WARN, and the frame-pointer backtrace. */
#include <mica/arch.h>
#include <mica/atomic.h>
#include <mica/cpu.h>
#include <mica/panic.h>
#include <mica/printk.h>
#include <mica/sched.h>
#include <mica/string.h>

#define BACKTRACE_MAX_FRAMES 32

static atomic_t panicking = ATOMIC_INIT(-1); /* CPU number of the panicking CPU, or -1 */

bool panic_in_progress(void)
{
	return atomic_read(&panicking) >= 0;
}

/* A frame pointer worth following: aligned and inside the stack the walk started on. */
static bool fp_plausible(unsigned long fp, unsigned long lo, unsigned long hi)
{
	return fp && !(fp & (sizeof(long) - 1)) && fp > lo && fp <= hi;
}

void backtrace_print(unsigned long pc, unsigned long fp)
{
	/* Every kernel stack is at most BOOT_STACK_SIZE and fp walks upwards within it. */
	unsigned long lo = fp - sizeof(long), hi = fp + BOOT_STACK_SIZE;
	int n = 0;

	pr_emerg("Backtrace:");
	if (pc)
		pr_emerg("  [<%08lx>] %pS", pc, (void *)pc);
	while (fp_plausible(fp, lo, hi) && n++ < BACKTRACE_MAX_FRAMES) {
		unsigned long ret = 0, next = arch_unwind_frame(fp, &ret);

		if (!ret)
			break;
		pr_emerg("  [<%08lx>] %pB", ret, (void *)ret);
		if (next <= fp) /* stacks grow down: callers' frames are higher */
			break;
		lo = fp;
		fp = next;
	}
	if (n > BACKTRACE_MAX_FRAMES)
		pr_emerg("  ... (more than %d frames)", BACKTRACE_MAX_FRAMES);
}

/* Makes this CPU the only one that reports; a second panicking CPU just stops. */
static void panic_enter(void)
{
	int me;

	arch_irq_disable();
	me = (int)smp_processor_id();
	if (!atomic_cmpxchg(&panicking, -1, me)) {
		if (atomic_read(&panicking) == me) {
			/* panic inside panic: say so and leave, the first report is on screen */
			console_force_unlock();
			pr_emerg("panic: nested panic on cpu%d", me);
			arch_exit(EXIT_PANIC);
		}
		arch_halt();
	}
	smp_stop_others();
	console_force_unlock();
}

static void __noreturn panic_finish(void)
{
	pr_emerg("---[ end Kernel panic ]---");
	arch_exit(EXIT_PANIC);
}

static void panic_header(const char *fmt, va_list ap)
{
	char reason[200];
	struct cpu *c = this_cpu();

	vsnprintf_marked(reason, sizeof(reason), fmt, ap);
	pr_emerg("Kernel panic - not syncing: %s", reason);
	pr_emerg("CPU: %u (hwid 0x%lx)  task: %s  preempt_count: 0x%x  arch: %s", c->id, c->hwid,
		 c->curr->name, c->curr->preempt_count, arch_name);
}

void panic(const char *fmt, ...)
{
	va_list ap;

	panic_enter();
	va_start(ap, fmt);
	panic_header(fmt, ap);
	va_end(ap);
	lockdep_print_held_locks(this_cpu()->curr);
	backtrace_print(0, (unsigned long)__builtin_frame_address(0));
	panic_finish();
}

void panic_trap(const struct trap_frame *tf, const char *fmt, ...)
{
	va_list ap;

	panic_enter();
	va_start(ap, fmt);
	panic_header(fmt, ap);
	va_end(ap);
	arch_dump_regs(tf);
	lockdep_print_held_locks(this_cpu()->curr);
	backtrace_print(arch_trap_pc(tf), arch_trap_fp(tf));
	panic_finish();
}

void __bug(const char *file, int line, const char *cond)
{
	panic("BUG at %s:%d: %s", file, line, cond);
}

void __warn(const char *file, int line, const char *cond)
{
	pr_warn("WARNING at %s:%d: %s", file, line, cond);
	backtrace_print(0, (unsigned long)__builtin_frame_address(0));
}
