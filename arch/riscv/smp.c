/*
 * Secondary harts and IPIs, both through SBI (spec v1.0): HSM hart_start (chapter 9) brings
 * a hart out of OpenSBI into riscv_secondary_entry (head.S); IPI send_ipi (chapter 7) raises
 * a supervisor software interrupt (scause = interrupt 1) on the target hart.
 */
#include <asm/riscv.h>
#include <asm/sbi.h>
#include <mica/arch.h>
#include <mica/atomic.h>
#include <mica/cpu.h>
#include <mica/printk.h>

BUILD_BUG_ON(__builtin_offsetof(struct cpu, hwid) != CPU_HWID);
BUILD_BUG_ON(__builtin_offsetof(struct cpu, boot_stack_top) != CPU_BOOT_STACK_TOP);
BUILD_BUG_ON(sizeof(struct cpu) != CPU_SIZE);
BUILD_BUG_ON(__builtin_offsetof(struct cpu, arch[0]) != CPU_SCRATCH);
BUILD_BUG_ON(__builtin_offsetof(struct cpu, arch[1]) != CPU_KSTACK_TOP);

void __noreturn riscv_secondary_boot(struct cpu *c);

int arch_cpu_start(struct cpu *c)
{
	struct riscv_sbiret r;

	/* The hart reads c->boot_stack_top and the page tables with nothing else to sync on. */
	smp_mb();
	/* opaque = c, though riscv_secondary_entry finds c by hart id (see head.S for why). */
	r = riscv_sbi_call(SBI_EXT_HSM, SBI_HSM_HART_START, c->hwid,
			   (unsigned long)riscv_secondary_entry, (unsigned long)c, 0);
	return riscv_sbi_errno(r.error);
}

/* Reached from riscv_secondary_entry on c's own stack, MMU off, interrupts masked. */
void riscv_secondary_boot(struct cpu *c)
{
	arch_set_this_cpu(c);
	riscv_mmu_enable();
	secondary_start_kernel(c);
}

void arch_send_ipi(struct cpu *c)
{
	/* hart_mask bit 0 stands for hart hart_mask_base: exactly c's hart. */
	struct riscv_sbiret r = riscv_sbi_call(SBI_EXT_IPI, SBI_IPI_SEND_IPI, 1, c->hwid, 0, 0);

	if (r.error)
		pr_err("riscv: IPI to cpu%u (hart %lu) failed: SBI error %ld", c->id, c->hwid,
		       r.error);
}

void riscv_ipi_interrupt(void)
{
	/* sip.SSIP stays set until software clears it (4.1.3). Clear it before handling, so
	 * an IPI sent while we handle this one raises the interrupt again and is not lost. */
	csr_clear(sip, SIP_SSIP);
	smp_handle_ipi();
}
