/*
 * Address-space identifiers (DESIGN TLB-4; kernel/mm/asid.c, book chapter
 * docs/mm-pagetables.md, "ASIDs").
 *
 * A TLB entry tagged with an ASID matches only while that ASID is loaded, so a context switch
 * need not flush: the previous mm's entries stay, harmless, and are still there when it comes
 * back. The price is bookkeeping. There are few ASIDs (ARMv7: 8 bits; RISC-V: what the hart
 * implements; x86 PCIDs: 12 bits), and Mica uses at most 2^ASID_MAX_BITS of them, so numbers
 * are recycled by generations:
 *
 *   - mm->asid holds a generation in its high bits and a number in its low bits; ASID number 0
 *     is the kernel's (init_mm) and never given to a user mm.
 *   - A switch finds the mm's number still valid if its generation is the current one. If
 *     not, the mm gets a free number of this generation (its old number if that is free).
 *   - When no number is left: a ROLLOVER. The generation advances, every number becomes free
 *     except those loaded on some CPU right now (their mms keep them), and every CPU must
 *     invalidate its whole TLB (all ASIDs) before it next switches: that flush is what makes
 *     re-giving a number safe, since entries tagged with it may belong to an mm that ran long
 *     ago. A number is never given back when its mm dies, for the same reason.
 *
 * One lock serialises every switch that needs it (a switch whose mm's generation is current
 * takes it only to read this CPU's pending flush): simple, and at 4 CPUs cheap. Linux's arm64
 * allocator avoids even that with per-CPU atomics; that is a lab.
 *
 * Boot parameter asid_bits=N uses fewer bits than the hardware has (0: no ASIDs, every switch
 * flushes), so tests can run more processes than there are ASIDs and force rollovers. There
 * must be more user ASIDs than CPUs (a rollover keeps every CPU's own), so N is raised to 4
 * (15 user ASIDs for up to 8 CPUs) if it is lower; hardware with fewer gets none.
 */
#ifndef MICA_ASID_H
#define MICA_ASID_H

#include <mica/types.h>

struct mm_struct;

#define ASID_MAX_BITS 8 /* at most 256 ASIDs, whatever the hardware has */

/* The port, at boot (before the first user mm runs): how many ASID bits the hardware has
 * (0: none). Reads asid_bits= and keeps the smaller. */
void asid_init(unsigned hw_bits);
/* The bits in use: 0 means no ASIDs (each switch flushes the whole TLB). */
unsigned asid_bits(void);

/*
 * For switch_mm_irqs_off() on CPU cpu, interrupts masked, before next's tables are loaded:
 * the ASID number to load with them (0 for init_mm), and *flush set if this CPU must first
 * invalidate every TLB entry of every ASID (a rollover since it last did, or no ASIDs).
 */
unsigned long asid_for_switch(struct mm_struct *next, unsigned cpu, bool *flush);

/* The number mm was last given (0 if none yet), for a port's flush by ASID. */
unsigned long asid_of(const struct mm_struct *mm);

struct asid_stats {
	unsigned long assigned;	      /* numbers given to mms */
	unsigned long rollovers;      /* generations ended */
	unsigned long switch_flushes; /* switches that had to flush all (rollover or no ASIDs) */
};
extern struct asid_stats asid_stats;

#endif
