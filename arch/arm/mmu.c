/*
 * The kernel's translation table. For now an identity map made only of 1 MiB sections (ARM ARM
 * B3.5.1, short-descriptor first-level entries): RAM as Normal write-back cacheable memory, the
 * devices the port uses as Device memory, everything else unmapped (a translation fault).
 * Every CPU shares this one table (TTBR0). Later issues replace it with the generic page-table
 * walker and 1 KiB second-level tables.
 */
#include <asm/mmu.h>
#include <asm/virt.h>
#include <mica/bootinfo.h>
#include <mica/panic.h>
#include <mica/printk.h>
#include <mica/sections.h>

#include "arm.h"

#define SECTION_SIZE (1UL << ARM_SECTION_SHIFT)

u32 arm_kernel_pgd[ARM_PGD_ENTRIES] __aligned(ARM_PGD_ALIGN);

/* Maps [base, base + size) onto itself with section attributes attr, rounded out to whole
 * sections; whatever lies above 4 GiB (beyond a 32-bit address) is reported and left out. */
static void map_identity(u64 base, u64 size, u32 attr)
{
	u64 first = base >> ARM_SECTION_SHIFT,
	    end = (base + size + SECTION_SIZE - 1) >> ARM_SECTION_SHIFT;

	if (end > ARM_PGD_ENTRIES) {
		pr_warn("arm_mmu: [0x%llx-0x%llx) is above 4 GiB, not mapped",
			(unsigned long long)MAX(base, 1ULL << 32),
			(unsigned long long)(base + size));
		end = ARM_PGD_ENTRIES;
	}
	for (u64 i = first; i < end; i++)
		arm_kernel_pgd[i] = (u32)(i << ARM_SECTION_SHIFT) | attr;
}

/* True if the section holding addr maps RAM. */
static bool mapped_as_ram(unsigned long addr)
{
	return arm_kernel_pgd[addr >> ARM_SECTION_SHIFT] ==
	       (ALIGN_DOWN(addr, SECTION_SIZE) | ARM_SECT_NORMAL);
}

void arm_mmu_init(const struct boot_info *bi)
{
	for (unsigned i = 0; i < bi->nmem; i++)
		map_identity(bi->mem[i].base, bi->mem[i].size, ARM_SECT_NORMAL);
	/* Otherwise the MMU would come on under our feet with nothing to fetch from. */
	if (!mapped_as_ram((unsigned long)__kernel_start) ||
	    !mapped_as_ram((unsigned long)__kernel_end - 1))
		panic("arm_mmu_init: the kernel image is not in the RAM the DTB reports");
	map_identity(VIRT_GICD_BASE, VIRT_GICC_BASE + 0x2000 - VIRT_GICD_BASE, ARM_SECT_DEVICE);
	map_identity(VIRT_UART_BASE, 0x1000, ARM_SECT_DEVICE);
	arm_mmu_enable(arm_kernel_pgd);
}
