/*
 * Short-descriptor translation tables (ARM ARM B3.5): the first level, 4096 entries of 1 MiB
 * covering the 4 GiB address space, each a section (the kernel's identity map) or a pointer
 * to a 256-entry second-level table of 4 KiB small pages (user memory, <asm/pgtable.h>).
 * Hardware bit names, shared by mmu.c, <asm/pgtable.h> and head.S.
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
#define ARM_SECT_S (1 << 16)  /* shareable */
#define ARM_SECT_NG (1 << 17) /* not global; the kernel's sections leave it clear */

/* First-level page-table descriptor bits (ARM ARM B3.5.1): bits[1:0] = 0b01, the domain in
 * bits[8:5] (0 here), the second-level table's address in bits[31:10] (1 KiB aligned).
 * PXN (privileged execute-never for everything below it) exists only with the Large Physical
 * Address Extension, which the Cortex-A15 has (ID_MMFR0.VMSA >= 4, checked in mmu.c). */
#define ARM_PDE_TYPE_TABLE (1 << 0)
#define ARM_PDE_TYPE_MASK (3 << 0)
#define ARM_PDE_PXN (1 << 2)
#define ARM_L2_TABLE_SIZE 1024 /* 256 four-byte entries, one MiB of small pages */

/* Second-level small-page descriptor bits (ARM ARM B3.5.1): the frame in bits[31:12]. */
#define ARM_PTE_XN (1 << 0)	    /* never execute */
#define ARM_PTE_TYPE_SMALL (1 << 1) /* bit[1] = 1: a small page (bit[0] is XN) */
#define ARM_PTE_B (1 << 2)
#define ARM_PTE_C (1 << 3)
#define ARM_PTE_AP0 (1 << 4) /* AP[1:0] in bits[5:4], AP[2] in bit 9 */
#define ARM_PTE_AP1 (1 << 5)
#define ARM_PTE_TEX(x) ((x) << 6)
#define ARM_PTE_AP2 (1 << 9)
#define ARM_PTE_S (1 << 10)  /* shareable */
#define ARM_PTE_NG (1 << 11) /* not global: tagged with the ASID (CONTEXTIDR) */

/* AP[2:0] with SCTLR.AFE = 0 (head.S clears it), ARM ARM B3.7.1, Table B3-8 "VMSAv7 MMU access
 * permissions": 0b011 read/write at PL1 and PL0; 0b111 read-only at PL1 and PL0 (0b110 means
 * the same but is deprecated). Read-only binds the kernel too, so even a plain kernel store
 * through a user pointer cannot slip past copy-on-write. */
#define ARM_PTE_AP_USER_RW (ARM_PTE_AP1 | ARM_PTE_AP0)
#define ARM_PTE_AP_USER_RO (ARM_PTE_AP2 | ARM_PTE_AP1 | ARM_PTE_AP0)

/* Memory types through TEX/C/B with TEX remap off (ARM ARM B3.8, "Memory region attributes",
 * the table for the short-descriptor format without TEX remap):
 * Normal, inner and outer write-back write-allocate (TEX 001, C 1, B 1), shareable;
 * Shareable Device (TEX 000, C 0, B 1), never executable. */
#define ARM_SECT_NORMAL                                                                    \
	(ARM_SECT_TYPE | ARM_SECT_AP_KERN_RW | ARM_SECT_TEX(1) | ARM_SECT_C | ARM_SECT_B | \
	 ARM_SECT_S)
#define ARM_SECT_DEVICE (ARM_SECT_TYPE | ARM_SECT_AP_KERN_RW | ARM_SECT_B | ARM_SECT_XN)
/* The same Normal memory type for a small page: user pages and the kernel's RAM agree. */
#define ARM_PTE_NORMAL (ARM_PTE_TYPE_SMALL | ARM_PTE_TEX(1) | ARM_PTE_C | ARM_PTE_B | ARM_PTE_S)

/* TTBR0 walk attributes with the Multiprocessing Extensions (ARM ARM B4.1, "TTBR0"): the
 * hardware reads the table through the caches, inner and outer write-back write-allocate
 * (IRGN = 0b01: bit 6; RGN = 0b01: bit 3), shareable (S, bit 1), inner shareable (NOS, bit 5). */
#define ARM_TTBR_WALK_WBWA ((1 << 6) | (1 << 5) | (1 << 3) | (1 << 1))

/* CONTEXTIDR (ARM ARM B4.1, "CONTEXTIDR"): the current ASID in bits[7:0], which tags every
 * non-global TLB entry (B3.9, "Global and process-specific translation table entries"); PROCID
 * in bits[31:8] is for trace and debug only. */
#define ARM_ASID_BITS 8
#define ARM_CONTEXTIDR_ASID_MASK ((1u << ARM_ASID_BITS) - 1)

/* DACR: domain 0 (every mapping's) is "client": accesses are checked against AP bits. */
#define ARM_DACR_D0_CLIENT 1

#endif
