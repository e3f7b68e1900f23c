/* Per-CPU set-up: where this CPU's exceptions go, and its share of the interrupt controller. */
#include <asm/cp15.h>
#include <asm/mmu.h>
#include <mica/arch.h>
#include <mica/asid.h>
#include <mica/cpu.h>

#include "arm.h"

const char arch_name[] = "arm";

/* Exceptions to arm_vectors (entry.S): VBAR, with SCTLR.V clear so the high vectors at
 * 0xffff0000 are not used instead (ARM ARM B1.8.1). */
void arm_set_vectors(void)
{
	arm_write_vbar((unsigned long)arm_vectors);
	arm_write_sctlr(arm_read_sctlr() & ~SCTLR_V);
	__asm__ __volatile__("isb" : : : "memory");
}

/* On the boot CPU also turns on the ASID allocator: the first hook after the command line is
 * read (asid_bits=) and before any user mm runs. Short descriptors have 8-bit ASIDs (ARM ARM
 * B4.1, "CONTEXTIDR"); arch_switch_mm() (mmu.c) loads them. */
void arch_cpu_init(struct cpu *c)
{
	arm_set_vectors();
	arm_gic_init_cpu(c);
	if (c->id == 0)
		asid_init(ARM_ASID_BITS);
}
