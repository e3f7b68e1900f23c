/*
 * panic(): the end of the line for a kernel bug. Prints the reason, the CPU and task, the
 * registers (for a trap) and a symbolised backtrace, stops the other CPUs, and makes QEMU exit
 * with EXIT_PANIC. Never returns.
 */
#ifndef MICA_PANIC_H
#define MICA_PANIC_H

#include <mica/compiler.h>
#include <mica/types.h>

/* Mica's exit statuses, as arch_exit() takes them (the ports map them onto QEMU). */
#define EXIT_SUCCESS 0	   /* all requested tests passed, or a clean power-off */
#define EXIT_TEST_FAILED 1 /* a ktest failed or the request was malformed */
#define EXIT_PANIC 3	   /* the kernel panicked */

struct trap_frame;

void panic(const char *fmt, ...) __noreturn __printf(1, 2);
/* For a port's trap handler: an unexpected trap, with the frame it saved. */
void panic_trap(const struct trap_frame *tf, const char *fmt, ...) __noreturn __printf(2, 3);

/* Prints a backtrace starting at frame pointer fp (and pc, if nonzero, as the first entry). */
void backtrace_print(unsigned long pc, unsigned long fp);

/* True once any CPU has started to panic. */
bool panic_in_progress(void);

void __bug(const char *file, int line, const char *cond) __noreturn;
void __warn(const char *file, int line, const char *cond);

#define BUG() __bug(__FILE__, __LINE__, "BUG()")
#define BUG_ON(cond)                                      \
	do {                                              \
		if (unlikely(cond))                       \
			__bug(__FILE__, __LINE__, #cond); \
	} while (0)
/* Reports a broken invariant with a backtrace and carries on; evaluates to the condition. */
#define WARN_ON(cond)                                      \
	({                                                 \
		bool __w = !!(cond);                       \
		if (unlikely(__w))                         \
			__warn(__FILE__, __LINE__, #cond); \
		__w;                                       \
	})

#endif
