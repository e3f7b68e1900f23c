/*
 * Short-descriptor page tables for the generic walker (<mica/pgtable.h> lists what this
 * provides; DESIGN TLB-2; docs/port-arm.md, "Page tables, faults and TLB").
 * ARM ARM B3.5: a first-level table of 4096 entries, one per MiB, each a section or a pointer
 * to a second-level table of 256 small pages (1 KiB).
 *
 * Mica's view has two levels (p4d, pud and pmd folded into the pgd). One generic "pmd" entry
 * is a PAIR of first-level descriptors covering 2 MiB, so that one 4 KiB page holds everything
 * below it:
 *
 *     PTE-table page, one per pmd entry
 *     +0     512 software PTEs (pte_t): what generic code reads and writes
 *     +2048  hardware second-level table, first MiB  (PTEs 0..255)   <- pmd desc[0]
 *     +3072  hardware second-level table, second MiB (PTEs 256..511) <- pmd desc[1]
 *
 * so the hardware entry of the software PTE at ptep is the word 512 PTEs further on. The
 * hardware keeps no young or dirty bit (the access flag is off, SCTLR.AFE = 0), so they live
 * in the software PTE and come from faults: set_pte_at() gives the hardware an entry only for
 * a young PTE, and a writable one only if it is dirty too; the generic fault handler sets
 * young/dirty and writes the PTE again.
 *
 * Which of those changes need a TLB flush (ARM ARM B3.9: an entry that gives a translation
 * fault is never held in a TLB; B3.10.1, "General TLB maintenance requirements"):
 *   young set     none to valid: no TLB can hold the empty entry, the next access walks.
 *   young cleared valid to none (aging): none for correctness. A TLB may go on using the
 *                 entry, so the page only looks older than it is until the entry is evicted
 *                 or flushed; nothing may rely on that fault to stop an access (unmapping,
 *                 write-protecting and cleaning decide on the software PTE, and flush).
 *   dirty set     read-only to read/write: the CPU that took the permission fault may still
 *                 hold the read-only entry and would fault again at once, so it invalidates
 *                 the page (the generic fault handler does); another CPU holding it takes
 *                 one spurious fault and does the same.
 *   dirty or write cleared   read/write to read-only: flushed on every CPU of the mm before
 *                 anything relies on it, like any loss of rights.
 *
 * Address space: the kernel's identity map of RAM from 1 GiB (0x40000000) and of the devices
 * below it; user space is [2 GiB, 3 GiB), which pgtable_init() checks the kernel leaves empty.
 */
#ifndef ASM_ARM_PGTABLE_H
#define ASM_ARM_PGTABLE_H

#include <asm/mmu.h>
#include <mica/compiler.h>
#include <mica/mm.h>
#include <mica/panic.h>
#include <mica/types.h>
#include <mica/vm_flags.h>

#define PGDIR_SHIFT 21	  /* one pgd entry: two first-level descriptors, 2 MiB */
#define PTRS_PER_PGD 2048 /* the 4096 first-level descriptors, in pairs */
#define PGD_ORDER 2	  /* 16 KiB, which is also TTBR0's alignment with TTBCR.N = 0 */
#define PTRS_PER_PTE 512

#define USER_BASE 0x80000000UL /* 2 GiB */
#define USER_TOP 0xC0000000UL  /* 3 GiB */

/* TLBIMVAIS and TLBIALLIS reach every CPU in the inner-shareable domain (ARM ARM B4.2.2,
 * "TLB maintenance operations"): <mica/tlbflush.h> sends no IPI. */
#define ARCH_TLB_BROADCAST 1

typedef struct {
	u32 desc[2]; /* first-level descriptors for the even and the odd MiB */
} pgd_t;
typedef struct {
	u32 val;
} pte_t;

/* The fold headers in this order, each on the one before (blank lines keep the order from
 * clang-format's include sorting). */
#include <mica/pgtable-nop4d.h>

#include <mica/pgtable-nopud.h>

#include <mica/pgtable-nopmd.h>

/* Where the hardware tables start in a PTE-table page: after the software PTEs. */
#define ARM_PTE_HW_OFFSET (PTRS_PER_PTE * sizeof(pte_t))

/* Completes this CPU's table stores before any later access, and so makes them visible to the
 * table walkers of every CPU: the walks read through the caches (TTBR0's walk attributes,
 * ARM_TTBR_WALK_WBWA), so no cache cleaning is needed (ARM ARM B3.10.1, "TLB maintenance
 * operations and the memory order model"; A3.8.3 for DSB). */
static inline void arm_pgtable_sync(void)
{
	__asm__ __volatile__("dsb ishst" : : : "memory");
}

/* ---- pmd = a pair of first-level descriptors (the only real entry above the PTEs) ---- */

/* desc[0] is written last when a table is installed (pmd_populate), so it alone says
 * whether the pair is there: a walker that sees it set sees desc[1] set too. */
static inline int pmd_none(pmd_t e)
{
	return e.desc[0] == 0;
}
/* Not a pair of page-table descriptors into one page: a kernel section, or junk. */
static inline int pmd_bad(pmd_t e)
{
	return (e.desc[0] & ARM_PDE_TYPE_MASK) != ARM_PDE_TYPE_TABLE ||
	       e.desc[1] != e.desc[0] + ARM_L2_TABLE_SIZE;
}
static inline void pmd_clear(pmd_t *e)
{
	WRITE_ONCE(e->desc[0], 0);
	WRITE_ONCE(e->desc[1], 0);
	arm_pgtable_sync();
}
/* Points both descriptors at the hardware halves of the (zeroed) PTE-table page `table`, in
 * domain 0. PXN: the kernel never executes user memory (a prefetch abort if it tries). */
static inline void pmd_populate(pmd_t *e, void *table)
{
	u32 d = ((u32)(unsigned long)table + ARM_PTE_HW_OFFSET) | ARM_PDE_PXN | ARM_PDE_TYPE_TABLE;

	arm_pgtable_sync(); /* the zeroed table reaches the walkers before the pointer to it */
	/* The odd MiB first, then the even one, which is what pmd_none() tests: a walker without
	 * page_table_lock (a fault holding only mmap_lock, gup_fast) never sees half a pair. */
	WRITE_ONCE(e->desc[1], d + ARM_L2_TABLE_SIZE);
	arm_pgtable_sync();
	WRITE_ONCE(e->desc[0], d);
	arm_pgtable_sync();
}
static inline void *pmd_table(pmd_t e)
{
	return (void *)(unsigned long)(e.desc[0] & PAGE_MASK); /* identity map */
}

/* ---- PTEs: software bits, the frame in bits 31..12; <mica/pgtable.h> builds the bit
 * helpers (pte_write, pte_mkdirty, ...) on these names ---- */

#define _PAGE_PRESENT (1u << 0)	  /* accessible (readable at least) */
#define _PAGE_PROT_NONE (1u << 1) /* present but no access at all (PROT_NONE) */
#define _PAGE_WRITE (1u << 2)
#define _PAGE_EXEC (1u << 3)
#define _PAGE_USER (1u << 4)
#define _PAGE_YOUNG (1u << 5) /* accessed since last made old */
#define _PAGE_DIRTY (1u << 6) /* written since last made clean */

static inline unsigned long pte_pfn(pte_t p)
{
	return p.val >> PAGE_SHIFT;
}
/* A present, young, clean user PTE. ARM has no write-only or execute-only page: any access
 * right makes the page readable (B3.7.1). */
static inline pte_t pfn_pte(unsigned long pfn, unsigned long vm_flags)
{
	u32 v = (u32)pfn << PAGE_SHIFT | _PAGE_USER | _PAGE_YOUNG;

	if (vm_flags & VM_WRITE)
		v |= _PAGE_WRITE;
	if (vm_flags & VM_EXEC)
		v |= _PAGE_EXEC;
	v |= (vm_flags & (VM_READ | VM_WRITE | VM_EXEC)) ? _PAGE_PRESENT : _PAGE_PROT_NONE;
	return (pte_t){ v };
}
/* ---- the hardware entry behind a software PTE ---- */

/* The hardware small-page descriptor for p (B3.5.1). None unless present and young, so the
 * first access after pte_mkold() faults (translation fault, page); read-only unless writable
 * and dirty, so the first write to a clean page faults (permission fault, page). Every PTE
 * below USER_TOP is a user one: AP gives PL0 the access, nG keeps it out of other address
 * spaces, and the memory type is the kernel's RAM's (ARM_PTE_NORMAL). */
static inline u32 arm_pte_hw(pte_t p)
{
	u32 hw;

	if (!(p.val & _PAGE_PRESENT) || !(p.val & _PAGE_YOUNG))
		return 0;
	hw = (p.val & PAGE_MASK) | ARM_PTE_NORMAL | ARM_PTE_NG;
	hw |= ((p.val & _PAGE_WRITE) && (p.val & _PAGE_DIRTY)) ? ARM_PTE_AP_USER_RW
							       : ARM_PTE_AP_USER_RO;
	if (!(p.val & _PAGE_EXEC))
		hw |= ARM_PTE_XN;
	return hw;
}

static inline u32 *arm_pte_hwp(pte_t *ptep)
{
	return &ptep->val + PTRS_PER_PTE;
}

struct mm_struct;

/*
 * Writes the software PTE and the hardware entry derived from it, then makes the entry
 * usable: DSB for the walkers, ISB so the next instruction of this CPU translates through
 * it. The caller holds the PTE lock and flushes the TLB if a live entry lost rights.
 *
 * Break-before-make (ARM ARM B3.10.1, "General TLB maintenance requirements"): a live entry
 * may change here in its permissions only. A new frame (output address) needs the old entry
 * emptied (ptep_get_and_clear) and invalidated on every CPU first, or two translations of one
 * address could meet in a TLB; writing one live hardware entry over another with a different
 * frame panics. An entry with no hardware part (an old or PROT_NONE one) may still
 * be cached if nobody flushed since it lost it: that is the TLB model's to catch, when the old
 * frame is freed. (Memory type, shareability and nG, which would need the same, never
 * change: arm_pte_hw().)
 */
static inline void set_pte_at(struct mm_struct *mm, unsigned long addr, pte_t *ptep, pte_t pte)
{
	u32 old = READ_ONCE(*arm_pte_hwp(ptep)), new = arm_pte_hw(pte);

	(void)mm;
	if (old && new && ((old ^ new) & PAGE_MASK))
		panic("set_pte_at: 0x%lx moves from frame 0x%lx to 0x%lx without break-before-make",
		      addr, (unsigned long)(old >> PAGE_SHIFT), (unsigned long)(new >> PAGE_SHIFT));
	WRITE_ONCE(ptep->val, pte.val);
	WRITE_ONCE(*arm_pte_hwp(ptep), new);
	arm_pgtable_sync();
	__asm__ __volatile__("isb" : : : "memory");
}
#define set_pte_at set_pte_at

/* Empties both words and returns the software PTE. Young and dirty are software bits here, so
 * nothing can change the entry behind the PTE lock; the exchange keeps the generic contract. */
static inline pte_t ptep_get_and_clear(struct mm_struct *mm, unsigned long addr, pte_t *ptep)
{
	pte_t old = { __atomic_exchange_n(&ptep->val, 0, __ATOMIC_RELAXED) };

	(void)mm, (void)addr;
	WRITE_ONCE(*arm_pte_hwp(ptep), 0);
	arm_pgtable_sync();
	return old;
}
#define ptep_get_and_clear ptep_get_and_clear

/* Young is software's alone here (the hardware entry exists only while it is set): clearing it
 * rewrites both tables through set_pte_at, so the next access faults and sets it again. */
static inline int ptep_test_and_clear_young(struct mm_struct *mm, unsigned long addr, pte_t *ptep)
{
	pte_t old = (pte_t){ READ_ONCE(ptep->val) };

	if (!(old.val & _PAGE_YOUNG))
		return 0;
	set_pte_at(mm, addr, ptep, (pte_t){ old.val & ~_PAGE_YOUNG });
	return 1;
}
#define ptep_test_and_clear_young ptep_test_and_clear_young

/* The kernel's first-level table (mmu.c), viewed as pgd pairs. */
pgd_t *arch_kernel_pgd(void);

#endif
