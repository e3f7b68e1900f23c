/*
 * Cross-CPU function calls (DESIGN SMP-1; kernel/smp_call.c). fn(arg) runs on the target CPU
 * in its IPI handler: interrupt context, interrupts masked, so fn must be short and must not
 * sleep. `wait` makes the caller wait until every target has run fn; without it the call is
 * asynchronous and the caller must keep arg alive until fn has used it.
 * A waiting call with interrupts masked could deadlock against a CPU calling us: reported.
 */
#ifndef MICA_SMP_CALL_H
#define MICA_SMP_CALL_H

#include <mica/types.h>

typedef void (*smp_call_fn)(void *arg);

/* Runs fn(arg) on CPU `cpu` (which may be this one: then directly, interrupts masked).
 * Returns 0, or -EINVAL for a CPU that is not online. */
int smp_call_function_single(unsigned cpu, smp_call_fn fn, void *arg, bool wait);
/* On every other online CPU whose bit (1UL << cpu number) is set in mask. */
void smp_call_function_mask(unsigned long mask, smp_call_fn fn, void *arg, bool wait);
/* On every other online CPU. */
void smp_call_function(smp_call_fn fn, void *arg, bool wait);
/* On every online CPU, this one included. */
void on_each_cpu(smp_call_fn fn, void *arg, bool wait);

/* Boot CPU, before any call. */
void smp_call_init(void);
/* From smp_handle_ipi(): runs what is queued for this CPU. */
void smp_call_run_queue(void);

#endif
