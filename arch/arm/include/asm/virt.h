/*
 * QEMU's ARM virt board: the addresses and interrupt numbers the port uses (QEMU hw/arm/virt.c;
 * the same values are in the DTB). Memory map: MMIO below 1 GiB, RAM from 0x40000000.
 */
#ifndef ASM_VIRT_H
#define ASM_VIRT_H

#define VIRT_GICD_BASE 0x08000000 /* GICv2 distributor */
#define VIRT_GICC_BASE 0x08010000 /* GICv2 CPU interface (banked per CPU) */
#define VIRT_UART_BASE 0x09000000 /* PL011 */
#define VIRT_RAM_BASE 0x40000000
/* QEMU puts the DTB (at most 1 MiB) at the start of RAM only when an ELF kernel leaves that much
 * free there (hw/arm/boot.c), so the kernel is linked just above it (kernel.lds.S). */
#define VIRT_DTB_BASE VIRT_RAM_BASE
#define VIRT_DTB_MAX_SIZE 0x100000
#define VIRT_KERNEL_BASE (VIRT_RAM_BASE + VIRT_DTB_MAX_SIZE)

/* GIC interrupt IDs (GICv2 spec 2.2.1): SGIs 0-15, PPIs 16-31 (per CPU), SPIs from 32. */
#define VIRT_IRQ_IPI 1	   /* the SGI Mica uses as its IPI */
#define VIRT_IRQ_VTIMER 27 /* PPI 11: the generic timer's virtual timer */

#endif
