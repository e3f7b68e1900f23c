/*
 * The ARM hand-off: from head.S's _start (boot CPU, SVC mode, MMU off, on arm_boot_stack) to
 * start_kernel(), with the MMU on. Nothing else in the kernel reads the DTB.
 */
#include <asm/cp15.h>
#include <asm/virt.h>
#include <mica/bootinfo.h>
#include <mica/cpu.h>
#include <mica/panic.h>
#include <mica/sections.h>

#include "arm.h"

void arm_boot_main(void) __noreturn;

/* The boot CPU's stack; secondaries get theirs from smp_boot_secondaries(). */
static char arm_boot_stack[BOOT_STACK_SIZE] __aligned(16);
/* Read by head.S (a word, so the assembly needs no C constant). */
const unsigned long arm_boot_stack_top = (unsigned long)&arm_boot_stack[BOOT_STACK_SIZE];

static struct boot_info arm_boot_info;

void arm_boot_main(void)
{
	struct boot_info *bi = &arm_boot_info;

	arch_set_this_cpu(&cpus[0]);
	arm_set_vectors(); /* a fault in the hand-off is reported, not a silent hang */
	/* The boot CPU goes first; fdt_parse() adds the others from /cpus. */
	boot_add_cpu(bi, arm_read_mpidr() & MPIDR_AFFINITY_MASK);
	if (fdt_parse((const void *)VIRT_DTB_BASE, bi))
		panic("arm_boot_main: no device tree at 0x%x (is the kernel linked at 0x%x?)",
		      VIRT_DTB_BASE, VIRT_KERNEL_BASE);
	bi->kernel_start = (unsigned long)__kernel_start;
	bi->kernel_end = (unsigned long)__kernel_end;
	/* The PL011 needs no set-up under QEMU (a real board's firmware would have done it). */
	arm_mmu_init(bi);
	start_kernel(bi);
}
