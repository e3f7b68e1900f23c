/*
 * Short-descriptor translation tables (ARM ARM B3.5): for now only the first level, 4096
 * entries of 1 MiB sections covering the 4 GiB address space. Shared by mmu.c and head.S.
 */
#ifndef ASM_MMU_H
#define ASM_MMU_H

#define ARM_PGD_ENTRIES 4096
#define ARM_PGD_ALIGN 16384 /* TTBR0 holds bits [31:14] when TTBCR.N = 0 */
#define ARM_SECTION_SHIFT 20

/* First-level section descriptor bits (ARM ARM B3.5.1). */
#define ARM_SECT_TYPE (2 << 0) /* bits[1:0] = 0b10: a section */
#define ARM_SECT_B (1 << 2)
#define ARM_SECT_C (1 << 3)
#define ARM_SECT_XN (1 << 4)	      /* never execute */
#define ARM_SECT_AP_KERN_RW (1 << 10) /* AP[2:0] = 0b001: PL1 read/write, PL0 no access */
#define ARM_SECT_TEX(x) ((x) << 12)
#define ARM_SECT_S (1 << 16) /* shareable */

/* Memory types through TEX/C/B with TEX remap off (ARM ARM B3.8, "Memory region attributes",
 * the table for the short-descriptor format without TEX remap):
 * Normal, inner and outer write-back write-allocate (TEX 001, C 1, B 1), shareable;
 * Shareable Device (TEX 000, C 0, B 1), never executable. */
#define ARM_SECT_NORMAL                                                                    \
	(ARM_SECT_TYPE | ARM_SECT_AP_KERN_RW | ARM_SECT_TEX(1) | ARM_SECT_C | ARM_SECT_B | \
	 ARM_SECT_S)
#define ARM_SECT_DEVICE (ARM_SECT_TYPE | ARM_SECT_AP_KERN_RW | ARM_SECT_B | ARM_SECT_XN)

/* TTBR0 walk attributes with the Multiprocessing Extensions (ARM ARM B4.1, "TTBR0"): the
 * hardware reads the table through the caches, inner and outer write-back write-allocate
 * (IRGN = 0b01: bit 6; RGN = 0b01: bit 3), shareable (S, bit 1), inner shareable (NOS, bit 5). */
#define ARM_TTBR_WALK_WBWA ((1 << 6) | (1 << 5) | (1 << 3) | (1 << 1))

/* DACR: domain 0 (every mapping's) is "client": accesses are checked against AP bits. */
#define ARM_DACR_D0_CLIENT 1

#endif
