/* MMIO accessors for the port's devices (mapped as Device memory, so accesses to one device
 * reach it in program order: ARM ARM A3.5, "Device and Strongly-ordered memory"). */
#ifndef ASM_IO_H
#define ASM_IO_H

#include <mica/types.h>

static inline u32 arm_readl(unsigned long addr)
{
	return *(volatile u32 *)addr;
}

static inline void arm_writel(unsigned long addr, u32 v)
{
	*(volatile u32 *)addr = v;
}

/* Waits until every earlier memory access is complete (ARM ARM A3.8, "Memory barriers"). */
static inline void arm_dsb(void)
{
	__asm__ __volatile__("dsb" : : : "memory");
}

#endif
