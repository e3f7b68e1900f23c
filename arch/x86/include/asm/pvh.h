/*
 * The PVH boot ABI (Xen's "x86/HVM direct boot", which QEMU implements for -kernel): the loader
 * enters the 32-bit entry point named by an ELF note of type XEN_ELFNOTE_PHYS32_ENTRY, in flat
 * protected mode with paging off, %ebx = physical address of struct hvm_start_info. Layout as
 * documented in Xen's public/arch-x86/hvm/start_info.h; QEMU passes version 1.
 */
#ifndef ASM_PVH_H
#define ASM_PVH_H

#define PVH_ELFNOTE_PHYS32_ENTRY 18 /* Xen public/elfnote.h */
#define PVH_START_MAGIC 0x336ec578  /* "xEn3" with the 0x80 bit of the "E" set */

#ifndef __ASSEMBLY__
#include <mica/types.h>

struct hvm_start_info {
	u32 magic;
	u32 version; /* memmap_* exist from version 1 */
	u32 flags;
	u32 nr_modules;
	u64 modlist_paddr;
	u64 cmdline_paddr; /* NUL-terminated, or 0 */
	u64 rsdp_paddr;	   /* ACPI RSDP, or 0 */
	u64 memmap_paddr;
	u32 memmap_entries;
	u32 reserved;
};

/* The E820-style memory map the loader built. */
struct hvm_memmap_table_entry {
	u64 addr;
	u64 size;
	u32 type; /* PVH_MEMMAP_RAM, or reserved, ACPI, ... */
	u32 reserved;
};

#define PVH_MEMMAP_RAM 1

#endif /* __ASSEMBLY__ */
#endif
