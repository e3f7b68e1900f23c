/*
 * Secondary CPUs and IPIs. A secondary CPU waits for an INIT, STARTUP, STARTUP sequence of
 * IPIs (Intel SDM Vol. 3A 8.4.4), then runs trampoline.S in real mode at X86_TRAMPOLINE_PA,
 * head.S into long mode on the kernel page tables, and x86_secondary_main() here.
 */
#include <asm/boot.h>
#include <asm/lapic.h>
#include <mica/atomic.h>
#include <mica/bootinfo.h>
#include <mica/cpu.h>
#include <mica/errno.h>
#include <mica/panic.h>
#include <mica/string.h>
#include <mica/time.h>

struct x86_ap_start x86_ap_start[256];

/* True if [base, base + size) lies in one RAM region the firmware reported. */
static bool x86_is_ram(const struct boot_info *bi, u64 base, u64 size)
{
	for (unsigned i = 0; i < bi->nmem; i++)
		if (base >= bi->mem[i].base && base + size <= bi->mem[i].base + bi->mem[i].size)
			return true;
	return false;
}

void x86_smp_init(struct boot_info *bi)
{
	size_t len = x86_trampoline_end - x86_trampoline_start;

	BUILD_BUG_ON(sizeof(struct x86_ap_start) != 16); /* head.S indexes by apic id << 4 */
	if (bi->ncpus < 2)
		return;
	if (!x86_is_ram(bi, X86_TRAMPOLINE_PA, 4096))
		panic("x86_smp_init: no RAM at 0x%x for the secondary CPUs' trampoline",
		      X86_TRAMPOLINE_PA);
	/* Safe to overwrite now: everything the loader left in low memory was read already. */
	memcpy((void *)X86_TRAMPOLINE_PA, x86_trampoline_start, len);
	boot_add_reserved(bi, X86_TRAMPOLINE_PA, 4096); /* a CPU may come late: keep it */
}

int arch_cpu_start(struct cpu *c)
{
	if (c->hwid >= ARRAY_SIZE(x86_ap_start))
		return -EINVAL;
	x86_ap_start[c->hwid] = (struct x86_ap_start){ c->boot_stack_top, c };
	smp_mb(); /* published before the CPU can run */

	/* The "typical BSP initialization sequence" of SDM 3A 8.4.4.1: INIT resets the CPU into
	 * wait-for-SIPI (the BIOS left it halted in its own code); the second SIPI is for CPUs
	 * that missed the first and is ignored by one already running. */
	x86_lapic_send_ipi(c->hwid, X86_ICR_INIT, 0);
	ndelay_spin(10 * NSEC_PER_MSEC);
	for (int i = 0; i < 2; i++) {
		x86_lapic_send_ipi(c->hwid, X86_ICR_STARTUP, X86_TRAMPOLINE_PA >> 12);
		ndelay_spin(200 * 1000); /* 200 us */
	}
	return 0;
}

/* A secondary CPU's first C, on its own stack, from x86_ap_entry64 (head.S). */
void x86_secondary_main(struct cpu *c)
{
	arch_set_this_cpu(c);
	x86_trap_load();
	x86_mmu_init_cpu();
	secondary_start_kernel(c);
}

void arch_send_ipi(struct cpu *c)
{
	x86_lapic_send_ipi(c->hwid, X86_ICR_FIXED, X86_IPI_VECTOR);
}
