/* The periodic tick (kernel/tick.c). */
#ifndef MICA_TIME_H
#define MICA_TIME_H

#include <mica/types.h>

#define HZ 100
#define NSEC_PER_SEC 1000000000ULL
#define NSEC_PER_MSEC 1000000ULL

/* Ticks since boot, counted on the boot CPU. */
extern volatile unsigned long jiffies;

/* Called by each port's timer interrupt on the CPU that took it. */
void tick_handle(void);

/* Busy-waits (interrupts as they are) for at least ns nanoseconds of arch_clock_ns(). */
void ndelay_spin(u64 ns);

#endif
