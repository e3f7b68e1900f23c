/*
 * <time.h> for Mica: newlib's, with the two POSIX options it hides unless the target says it
 * has them (newlib's sys/features.h sets them only for RTEMS and Cygwin), so that
 * clock_gettime(), nanosleep() and CLOCK_MONOTONIC are declared. user/lib/posix.c provides
 * them.
 *
 * CLOCK_REALTIME and CLOCK_MONOTONIC keep newlib's values (1 and 4); the kernel's are Linux's
 * (MICA_CLOCK_REALTIME 0, MICA_CLOCK_MONOTONIC 1, <mica/abi.h>), and clock_gettime()
 * translates. Any other clock fails with EINVAL.
 */
#ifndef MICA_USER_TIME_H
#define MICA_USER_TIME_H

#ifndef _POSIX_TIMERS
#define _POSIX_TIMERS 200809L
#endif
#ifndef _POSIX_MONOTONIC_CLOCK
#define _POSIX_MONOTONIC_CLOCK 200809L
#endif

#include_next <time.h>

#endif
