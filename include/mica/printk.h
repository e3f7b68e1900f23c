/*
 * printk: kernel messages on the console, one whole line per call, never interleaved with
 * another CPU's line. Each line is prefixed with the time since boot and the CPU:
 *     [    0.012345 cpu1] cpu1 online (hwid 0x1)
 * Messages less important than the console log level (boot parameter loglevel=N, default 6,
 * so pr_debug is hidden) are dropped.
 */
#ifndef MICA_PRINTK_H
#define MICA_PRINTK_H

#include <mica/compiler.h>
#include <mica/types.h>

enum log_level {
	LOG_EMERG = 0,
	LOG_ALERT,
	LOG_CRIT,
	LOG_ERR,
	LOG_WARNING,
	LOG_NOTICE,
	LOG_INFO,
	LOG_DEBUG,
};

/* Longest formatted message of one printk; longer ones are cut and end in "[...]". */
#define PRINTK_LINE_MAX 240

void printk(int level, const char *fmt, ...) __printf(2, 3);
void vprintk(int level, const char *fmt, va_list ap);
#define pr_emerg(...) printk(LOG_EMERG, __VA_ARGS__)
#define pr_err(...) printk(LOG_ERR, __VA_ARGS__)
#define pr_warn(...) printk(LOG_WARNING, __VA_ARGS__)
#define pr_notice(...) printk(LOG_NOTICE, __VA_ARGS__)
#define pr_info(...) printk(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) printk(LOG_DEBUG, __VA_ARGS__)

/* Writes a line with no prefix (KTAP output must start at column 0). Whole-line atomic too. */
void console_write_line(const char *fmt, ...) __printf(1, 2);

/* Writes n bytes as they are (user programs' output: no prefix, no added newline), under the
 * console lock so they do not interleave with printk lines. */
void console_write_raw(const char *buf, size_t n);

/* Messages with level >= this are dropped. */
extern int console_loglevel;

/* Panic only: lets this CPU take the console even if a stopped CPU held its lock. */
void console_force_unlock(void);

/*
 * vsnprintf: the kernel's formatter. Conversions: %d %i %u %x %X %o %c %s %p %%, flags - 0 +
 * space #, width and precision (also *), length hh h l ll z t. Extensions: %pS prints a code
 * address symbolised as "function+0xoff/0xsize" (or the bare hex if no symbol covers it);
 * %pB does the same for a return address, naming the function that made the call even when
 * the call was its last instruction (backtraces use it).
 * Returns the length the whole output would have had (like C99), even when it was cut to fit
 * size; the buffer is always terminated when size > 0.
 */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);
/* vsnprintf for a message that must not be cut silently: output that did not fit in size
 * (at least 6) ends in "[...]". Returns what vsnprintf returns. */
int vsnprintf_marked(char *buf, size_t size, const char *fmt, va_list ap);

#endif
