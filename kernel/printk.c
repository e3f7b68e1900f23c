/* printk and the console lock (contract in <mica/printk.h>). */
#include <mica/arch.h>
#include <mica/cpu.h>
#include <mica/printk.h>
#include <mica/spinlock.h>
#include <mica/string.h>

int console_loglevel = LOG_INFO + 1;

/* Raw: printk must work anywhere, even inside the scheduler and lockdep. */
static DEFINE_SPINLOCK(console_lock);

static void console_puts(const char *s)
{
	for (; *s; s++) {
		if (*s == '\n')
			arch_console_putc('\r');
		arch_console_putc(*s);
	}
}

/*
 * Takes the console lock unless this CPU already holds it (a trap taken in the middle of a
 * printk, e.g. a fault inside vsnprintf, must still be able to report). Returns whether it
 * was taken, to pass to console_unlock().
 */
static bool console_lock_take(unsigned long *flags)
{
	*flags = arch_irq_save();
	if (spin_held_by_me(&console_lock))
		return false;
	raw_spin_lock(&console_lock);
	return true;
}

static void console_unlock(bool taken, unsigned long flags)
{
	if (taken)
		raw_spin_unlock(&console_lock);
	arch_irq_restore(flags);
}

void console_write_raw(const char *buf, size_t n)
{
	unsigned long flags;
	bool taken = console_lock_take(&flags);

	for (size_t i = 0; i < n; i++) {
		if (buf[i] == '\n')
			arch_console_putc('\r');
		arch_console_putc(buf[i]);
	}
	console_unlock(taken, flags);
}

void console_force_unlock(void)
{
	console_lock = (spinlock_t)SPINLOCK_INIT(console_lock);
}

/* Formats into line[], marking a cut line, and makes it end in exactly one newline. */
static void format_line(char *line, size_t size, const char *fmt, va_list ap)
{
	static const char cut[] = "[...]\n";
	int n = vsnprintf(line, size - 1, fmt, ap);

	if ((size_t)n >= size - 1) {
		memcpy(line + size - sizeof(cut), cut, sizeof(cut));
		return;
	}
	if (n == 0 || line[n - 1] != '\n') {
		line[n] = '\n';
		line[n + 1] = '\0';
	}
}

void vprintk(int level, const char *fmt, va_list ap)
{
	char line[PRINTK_LINE_MAX + 2];
	char prefix[40];
	unsigned long flags;
	u64 ns;
	bool taken;

	if (level >= console_loglevel)
		return;
	format_line(line, sizeof(line), fmt, ap);
	ns = arch_clock_ns();
	snprintf(prefix, sizeof(prefix), "[%5lu.%06lu cpu%u] ", (unsigned long)(ns / 1000000000),
		 (unsigned long)(ns % 1000000000 / 1000), smp_processor_id());
	taken = console_lock_take(&flags);
	console_puts(prefix);
	console_puts(line);
	console_unlock(taken, flags);
}

void printk(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintk(level, fmt, ap);
	va_end(ap);
}

void console_write_line(const char *fmt, ...)
{
	char line[PRINTK_LINE_MAX + 2];
	unsigned long flags;
	va_list ap;
	bool taken;

	va_start(ap, fmt);
	format_line(line, sizeof(line), fmt, ap);
	va_end(ap);
	taken = console_lock_take(&flags);
	console_puts(line);
	console_unlock(taken, flags);
}
