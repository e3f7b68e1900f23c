/*
 * The x86 side of the generic memory layer: the paging features every CPU turns on, the
 * kernel's top table, TLB invalidation and address-space switches (<mica/tlbflush.h>). The
 * page-table format is in <asm/pgtable.h>, the user copies in uaccess.S, the page-fault
 * decoding in trap.c. Good breakpoints: arch_switch_mm, arch_local_flush_tlb_range.
 *
 * TLB (SDM 3A 4.10; docs/port-x86.md, "TLB rules"). The kernel's identity map is global
 * (head.S, CR4.PGE set below), so its TLB entries survive CR3 loads; every user entry is
 * non-global and belongs to the CR3 it was loaded under. No PCIDs: QEMU 7.2's TCG CPUs do not
 * offer them (CPUID.01H:ECX.PCID [bit 17] = 0 on qemu64, max, Haswell and Skylake-Client), so
 * CR4.PCIDE stays 0, asid_init() is not called, and every CR3 load drops the previous mm's
 * entries (arch_switch_mm() always gets asid 0 and flush true). Kernel threads run lazily on
 * the user tables they find loaded (ARCH_TLB_LAZY, <asm/pgtable.h>).
 */
#include <asm/boot.h>
#include <asm/x86.h>
#include <mica/mm_types.h>
#include <mica/panic.h>
#include <mica/pgtable.h>
#include <mica/tlbflush.h>

#define X86_CPUID_EXT_FEATURES 0x80000001u
#define X86_CPUID_EXT_EDX_NX (1u << 20) /* CPUID.80000001H:EDX.NX: EFER.NXE may be set */
#define X86_CPUID_FEATURES 1u
#define X86_CPUID_EDX_PGE (1u << 13) /* CPUID.01H:EDX.PGE: CR4.PGE may be set */

extern pgd_t x86_pml4[PTRS_PER_PGD]; /* head.S */

/*
 * Turns on, on this CPU, what the page tables of <asm/pgtable.h> rely on. Called once per CPU
 * from its boot path, before it can load a user address space:
 *   - EFER.NXE, so that PTE bit 63 means execute-disable; with NXE clear that bit is reserved
 *     and any PTE with it faults with RSVD set (SDM 3A 4.1.4, 4.5). Setting NXE on a CPU
 *     without the feature raises #GP, hence the CPUID check first.
 *   - CR4.PGE, so that the kernel's global entries (head.S) stay in the TLB across CR3 loads
 *     (SDM 3A 4.10.2.4). Setting it invalidates the whole TLB, global entries included (SDM 3A
 *     4.10.4.1), and raises #GP on a CPU without the feature, hence CPUID again.
 *   - CR0.WP (set by head.S), so that ring 0 too is refused writes to read-only pages (SDM 3A
 *     4.6.1). Without it, copy_to_user() into a copy-on-write page would write the shared
 *     frame instead of faulting and getting a copy.
 *   - CR4.SMAP clear (its reset value), so that ring 0 may read and write user pages
 *     without stac/clac around the copies (SDM 3A 4.6.1).
 */
void x86_mmu_init_cpu(void)
{
	u32 r[4];

	x86_cpuid(X86_CPUID_EXT_FEATURES, r); /* exists: its LM bit is how we got to long mode */
	if (!(r[3] & X86_CPUID_EXT_EDX_NX))
		panic("x86_mmu_init_cpu: no execute-disable bit (CPUID.80000001H:EDX[20])");
	x86_wrmsr(X86_MSR_EFER, x86_rdmsr(X86_MSR_EFER) | X86_EFER_NXE);
	x86_cpuid(X86_CPUID_FEATURES, r);
	if (!(r[3] & X86_CPUID_EDX_PGE))
		panic("x86_mmu_init_cpu: no global pages (CPUID.01H:EDX[13])");
	x86_write_cr4(x86_read_cr4() | X86_CR4_PGE);
	if (!(x86_read_cr0() & X86_CR0_WP))
		panic("x86_mmu_init_cpu: CR0.WP is clear: head.S must set it");
	if (x86_read_cr4() & X86_CR4_SMAP)
		panic("x86_mmu_init_cpu: CR4.SMAP is set, but uaccess.S has no stac/clac");
}

pgd_t *arch_kernel_pgd(void)
{
	return x86_pml4;
}

/* ---- TLB maintenance (<mica/tlbflush.h>) ---- */

/* INVLPG per page: it drops the page's TLB entries, global or not, and every
 * paging-structure-cache entry (SDM 3A 4.10.4.1), so it is enough after a PTE change, but it
 * acts on the address space loaded now. Without PCIDs that is the only one this CPU holds
 * user translations of (a CR3 load dropped the others): if mm is not loaded here (the CPU ran
 * it once and is in its mask), none of its entries is left, and the INVLPGs only drop a few
 * entries of the loaded mm at the same addresses. */
void arch_local_flush_tlb_range(struct mm_struct *mm, unsigned long start, unsigned long end)
{
	(void)mm;
	for (unsigned long a = start & PAGE_MASK; a < end; a += PAGE_SIZE)
		x86_invlpg(a);
}

/* Reloading CR3 drops every non-global TLB entry and all paging-structure caches (SDM 3A
 * 4.10.4.1, MOV to CR3 with CR4.PCIDE = 0): every user translation and every walk, which is
 * what the hook promises. Only the kernel's global entries stay, and those never change. */
void arch_local_flush_tlb_all(void)
{
	x86_write_cr3(x86_read_cr3());
}

/* CR3 takes the PML4's physical address, which is its address (identity map, SDM 3A 4.5,
 * table 4-12). The load drops the previous mm's translations and walks (all but the kernel's
 * global entries), so flush is always met; and being serialising it comes after this CPU's
 * earlier page-table stores. Without PCIDs asid is always 0. */
void arch_switch_mm(struct mm_struct *next, unsigned long asid, bool flush)
{
	unsigned long pgd = (unsigned long)next->pgd;

	(void)flush;
	BUG_ON(asid);
	BUG_ON(pgd & ~PAGE_MASK);
	x86_write_cr3(pgd);
}
