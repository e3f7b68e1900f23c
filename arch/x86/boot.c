/*
 * The boot CPU's path from head.S to start_kernel(): per-CPU pointer, traps, console, then the
 * PVH start info (command line, memory map) and ACPI (HPET for the clock, CPUs) become a
 * struct boot_info.
 */
#include <asm/boot.h>
#include <asm/lapic.h>
#include <asm/pvh.h>
#include <mica/bootinfo.h>
#include <mica/cpu.h>
#include <mica/panic.h>
#include <mica/printk.h>
#include <mica/sections.h>

static struct boot_info x86_boot_info;

/* Copies what the loader passed into bi: the command line and the RAM of its memory map. */
static void x86_read_start_info(struct boot_info *bi, const struct hvm_start_info *si)
{
	const struct hvm_memmap_table_entry *map;

	if (si->magic != PVH_START_MAGIC)
		panic("x86_read_start_info: bad PVH start info magic 0x%x", si->magic);
	if (si->cmdline_paddr)
		boot_set_cmdline(bi, (const char *)si->cmdline_paddr);
	if (si->version < 1) {
		pr_err("x86_read_start_info: PVH start info version 0 has no memory map");
		return;
	}
	map = (const struct hvm_memmap_table_entry *)si->memmap_paddr;
	for (u32 i = 0; i < si->memmap_entries; i++)
		if (map[i].type == PVH_MEMMAP_RAM)
			boot_add_mem(bi, map[i].addr, map[i].size);
}

void x86_boot_main(u32 start_info_pa)
{
	const struct hvm_start_info *si = (const void *)(unsigned long)start_info_pa;
	struct boot_info *bi = &x86_boot_info;

	BUILD_BUG_ON(X86_BOOT_STACK_SIZE != BOOT_STACK_SIZE);
	arch_set_this_cpu(&cpus[0]); /* printk and panic need this_cpu() */
	x86_trap_init();	     /* from here a fault panics instead of resetting */
	x86_console_init();
	x86_mmu_init_cpu(); /* may panic: after the console */
	x86_lapic_probe();
	x86_read_start_info(bi, si);
	x86_acpi_init(si->rsdp_paddr);
	x86_clock_init(); /* needs the HPET, found through ACPI */

	bi->kernel_start = (unsigned long)__kernel_start;
	bi->kernel_end = (unsigned long)__kernel_end;
	x86_acpi_find_cpus(bi);
	x86_smp_init(bi);
	start_kernel(bi);
}
