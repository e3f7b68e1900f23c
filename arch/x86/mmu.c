/*
 * The x86 side of the generic memory layer: the paging features every CPU turns on, the
 * kernel's top table, TLB invalidation and address-space switches (<mica/tlbflush.h>). The
 * page-table format is in <asm/pgtable.h>, the user copies in uaccess.S, the page-fault
 * decoding in trap.c. Good breakpoints: arch_switch_mm, arch_local_flush_tlb_range.
 *
 * No PCIDs and no global pages (CR4.PCIDE = CR4.PGE = 0): every TLB entry belongs to the
 * current CR3 and a CR3 load drops them all.
 */
#include <asm/boot.h>
#include <asm/x86.h>
#include <mica/mm_types.h>
#include <mica/panic.h>
#include <mica/pgtable.h>
#include <mica/tlbflush.h>

#define X86_CPUID_EXT_FEATURES 0x80000001u
#define X86_CPUID_EXT_EDX_NX (1u << 20) /* CPUID.80000001H:EDX.NX: EFER.NXE may be set */

extern pgd_t x86_pml4[PTRS_PER_PGD]; /* head.S */

/*
 * Turns on, on this CPU, what the page tables of <asm/pgtable.h> rely on. Called once per CPU
 * from its boot path, before it can load a user address space:
 *   - EFER.NXE, so that PTE bit 63 means execute-disable; with NXE clear that bit is reserved
 *     and any PTE with it faults with RSVD set (SDM 3A 4.1.4, 4.5). Setting NXE on a CPU
 *     without the feature raises #GP, hence the CPUID check first.
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

/* INVLPG per page: it drops the page's TLB entries and, as a side effect, every
 * paging-structure cache entry (SDM 3A 4.10.4.1), so it is enough after a PTE change. */
void arch_local_flush_tlb_range(struct mm_struct *mm, unsigned long start, unsigned long end)
{
	(void)mm; /* without PCIDs the TLB holds only the current CR3's translations */
	for (unsigned long a = start & PAGE_MASK; a < end; a += PAGE_SIZE)
		x86_invlpg(a);
}

/* Reloading CR3 drops every non-global TLB entry and all paging-structure caches (SDM 3A
 * 4.10.4.1); Mica maps nothing global. */
void arch_local_flush_tlb_all(void)
{
	x86_write_cr3(x86_read_cr3());
}

/* CR3 takes the PML4's physical address, which is its address (identity map, SDM 3A 4.5,
 * table 4-12). The load flushes the previous mm's translations, and being serialising it
 * comes after this CPU's earlier page-table stores. */
void arch_switch_mm(struct mm_struct *next, unsigned long asid, bool flush)
{
	(void)asid; /* no ASIDs yet (asid_init() not called): always 0, and flush always true */
	(void)flush;
	unsigned long pgd = (unsigned long)next->pgd;

	BUG_ON(pgd & ~PAGE_MASK);
	x86_write_cr3(pgd);
}
