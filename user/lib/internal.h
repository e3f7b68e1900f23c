/*
 * What user/lib/'s files share and programs do not see: the system-call shorthands and the
 * one place a kernel result becomes errno.
 */
#ifndef MICA_USER_LIB_INTERNAL_H
#define MICA_USER_LIB_INTERNAL_H

#include <mica.h>

/*
 * Returns r if it is a success; else (r in [-4095, -1], Linux's -errno) sets errno to
 * newlib's number for that error and returns -1. user/lib/errno.c.
 */
long __mica_ret(long r);

/* Sets errno to e, one of newlib's <errno.h> constants, and returns -1. user/lib/errno.c. */
int __mica_error(int e);

/* __mica_syscall6 with fewer arguments; each returns the raw result (-errno on failure). */
#define __mica_sys0(n) __mica_syscall6((n), 0, 0, 0, 0, 0, 0)
#define __mica_sys1(n, a) __mica_syscall6((n), (long)(a), 0, 0, 0, 0, 0)
#define __mica_sys2(n, a, b) __mica_syscall6((n), (long)(a), (long)(b), 0, 0, 0, 0)
#define __mica_sys3(n, a, b, c) __mica_syscall6((n), (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define __mica_sys4(n, a, b, c, d) \
	__mica_syscall6((n), (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)

/* The same, through __mica_ret: the result, or -1 with errno set. */
#define __mica_call0(n) __mica_ret(__mica_sys0(n))
#define __mica_call1(n, a) __mica_ret(__mica_sys1(n, a))
#define __mica_call2(n, a, b) __mica_ret(__mica_sys2(n, a, b))
#define __mica_call3(n, a, b, c) __mica_ret(__mica_sys3(n, a, b, c))
#define __mica_call4(n, a, b, c, d) __mica_ret(__mica_sys4(n, a, b, c, d))

/* Has a second thread ever been started? Until then malloc takes no lock. user/lib/thread.c. */
extern int __mica_threaded;

#endif
