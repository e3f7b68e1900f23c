/*
 * The local APIC in xAPIC mode (Intel SDM Vol. 3A chapter 10): each CPU's timer, its IPIs, and
 * the end-of-interrupt register. Interrupt vectors Mica uses are listed here, in one place.
 */
#ifndef ASM_LAPIC_H
#define ASM_LAPIC_H

#include <mica/types.h>

#define X86_NR_EXCEPTIONS 32	 /* vectors 0-31 are reserved for exceptions (SDM 3A 6.2) */
#define X86_TIMER_VECTOR 0x20	 /* the LAPIC timer's tick */
#define X86_IPI_VECTOR 0xf0	 /* Mica's one IPI: smp_handle_ipi() */
#define X86_SPURIOUS_VECTOR 0xff /* SDM 3A 10.9: low 4 bits must be 1 on older CPUs */

/* Finds the LAPIC (IA32_APIC_BASE) and masks the legacy 8259 PICs; once, on the boot CPU. */
void x86_lapic_probe(void);
/* Software-enables this CPU's LAPIC with every local interrupt source masked. */
void x86_lapic_init_cpu(void);
/* This CPU's APIC id, the hwid Mica and ACPI's MADT use. */
u32 x86_lapic_id(void);
/* Signals end of interrupt for the in-service vector (not for the spurious vector). */
void x86_lapic_eoi(void);

/* Delivery modes of the interrupt command register (SDM 3A 10.6.1). */
#define X86_ICR_FIXED 0x000
#define X86_ICR_INIT 0x500
#define X86_ICR_STARTUP 0x600
/* Sends an IPI of `mode` (with `vector`) to the CPU whose APIC id is `apic_id`. */
void x86_lapic_send_ipi(u32 apic_id, u32 mode, u8 vector);

/* Starts this CPU's LAPIC timer counting `count` * 16 bus clocks down once, then raising
 * `vector`; vector 0 raises nothing (for calibration), count 0 stops the timer. */
void x86_lapic_timer_oneshot(u32 count, u8 vector);
/* What is left of the count. */
u32 x86_lapic_timer_count(void);

#endif
