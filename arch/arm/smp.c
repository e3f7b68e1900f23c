/*
 * Secondary CPUs: started through PSCI CPU_ON (Arm DEN 0022, "Power State Coordination
 * Interface", CPU_ON), which QEMU emulates behind `hvc` when the CPU has no EL2 of its own.
 */
#include <asm/arch.h>
#include <mica/arch.h>
#include <mica/cpu.h>
#include <mica/errno.h>

#include "arm.h"

#define PSCI_CPU_ON 0x84000003 /* SMC32 function ID */

/* PSCI return codes (DEN 0022, "Return error codes"). */
#define PSCI_SUCCESS 0
#define PSCI_NOT_SUPPORTED -1
#define PSCI_INVALID_PARAMETERS -2
#define PSCI_DENIED -3
#define PSCI_ALREADY_ON -4
#define PSCI_ON_PENDING -5

BUILD_BUG_ON(__builtin_offsetof(struct cpu, boot_stack_top) != CPU_BOOT_STACK_TOP);

void arm_secondary_main(struct cpu *c) __noreturn;

/* A PSCI call, by the SMC Calling Convention (DEN 0028): function ID and arguments in r0-r3,
 * result in r0, r1-r3 may be overwritten. */
static long psci_call(u32 fn, unsigned long a1, unsigned long a2, unsigned long a3)
{
	register unsigned long r0 __asm__("r0") = fn;
	register unsigned long r1 __asm__("r1") = a1;
	register unsigned long r2 __asm__("r2") = a2;
	register unsigned long r3 __asm__("r3") = a3;

	__asm__ __volatile__("hvc #0" : "+r"(r0), "+r"(r1), "+r"(r2), "+r"(r3) : : "memory");
	return (long)r0;
}

static int psci_to_errno(long ret)
{
	switch (ret) {
	case PSCI_SUCCESS:
		return 0;
	case PSCI_NOT_SUPPORTED:
		return -ENOSYS;
	case PSCI_INVALID_PARAMETERS:
		return -EINVAL;
	case PSCI_DENIED:
		return -EPERM;
	case PSCI_ALREADY_ON:
	case PSCI_ON_PENDING:
		return -EBUSY;
	default:
		return -EIO;
	}
}

/* The CPU starts at arm_secondary_entry (a physical address: the kernel is identity-mapped)
 * with r0 = c, and head.S takes it on to arm_secondary_main(). */
int arch_cpu_start(struct cpu *c)
{
	return psci_to_errno(
	    psci_call(PSCI_CPU_ON, c->hwid, (unsigned long)arm_secondary_entry, (unsigned long)c));
}

/* A secondary CPU's first C, MMU on, on c's boot stack, interrupts masked. */
void arm_secondary_main(struct cpu *c)
{
	arch_set_this_cpu(c);
	arm_set_vectors(); /* before anything can fault (arch_cpu_init sets it again) */
	secondary_start_kernel(c);
}
