/*
 * <sched.h> for Mica: newlib's, plus sched_yield(), which newlib declares only for targets
 * with _POSIX_THREADS or _POSIX_PRIORITY_SCHEDULING (neither is Mica: no pthreads, no
 * scheduling policies). POSIX.1-2008 makes sched_yield part of the base. user/lib/posix.c.
 */
#ifndef MICA_USER_SCHED_H
#define MICA_USER_SCHED_H

#include_next <sched.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Gives the CPU to another runnable thread, if any. Returns 0. */
int sched_yield(void);

#ifdef __cplusplus
}
#endif

#endif
