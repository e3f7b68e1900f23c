/*
 * The boot hart's hand-off, from head.S to start_kernel(): find out who we are and what the
 * machine has (the device tree OpenSBI passed), then put the kernel on its own page tables.
 */
#include <asm/riscv.h>
#include <mica/arch.h>
#include <mica/bootinfo.h>
#include <mica/cpu.h>
#include <mica/panic.h>
#include <mica/sections.h>

BUILD_BUG_ON(RISCV_BOOT_STACK_SIZE != BOOT_STACK_SIZE);

static struct boot_info riscv_boot_info;
extern char riscv_boot_stack_top[];

/* Called once, by head.S on the boot hart, with the MMU off and interrupts masked. */
void __noreturn riscv_boot(unsigned long hartid, const void *dtb);
void riscv_boot(unsigned long hartid, const void *dtb)
{
	struct boot_info *bi = &riscv_boot_info;

	/* First, before anything can print: printk and panic ask which CPU they run on. */
	arch_set_this_cpu(&cpus[0]);
	cpus[0].hwid = hartid;
	cpus[0].boot_stack_top = (unsigned long)riscv_boot_stack_top;

	/* The boot hart goes first; fdt_parse() adds the other harts in device-tree order. */
	boot_add_cpu(bi, hartid);
	if (fdt_parse(dtb, bi))
		panic("riscv_boot: no valid device tree at %p (a1 from the firmware)", dtb);
	bi->kernel_start = (phys_addr_t)(unsigned long)__kernel_start;
	bi->kernel_end = (phys_addr_t)(unsigned long)__kernel_end;

	riscv_mmu_init(bi);
	riscv_mmu_enable();
	start_kernel(bi);
}
