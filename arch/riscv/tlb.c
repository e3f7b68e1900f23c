/*
 * TLB maintenance for the RISC-V port: the hooks of <mica/tlbflush.h>, ASIDs and SBI remote
 * fences (DESIGN TLB-3, TLB-4; docs/port-riscv.md, "TLB rules"). RISC-V privileged spec
 * v1.12 (sections below) and SBI spec v1.0.
 *
 * sfence.vma (4.2.1) acts on this hart only; its operands choose what it covers:
 *   sfence.vma x0, x0     every entry of every ASID, the non-leaf (walk) entries too
 *   sfence.vma x0, rs2    every entry of ASID rs2, non-leaf too, but not global mappings
 *   sfence.vma va, x0     the leaf entries for va, in every ASID
 *   sfence.vma va, rs2    the leaf entries for va in ASID rs2, global mappings excepted
 * Other harts are reached through SBI RFENCE (SBI spec 8): OpenSBI runs the sfence.vma on
 * each target hart in M-mode and returns once all did. The targets' kernel is not interrupted
 * (it may have interrupts masked), so unlike an IPI the fence does not wait for a lockless
 * walker there (gup_fast): that is why freed page tables wait for an RCU grace period first
 * (<mica/gup.h>, the gather's tlb_remove_table()).
 *
 * Every invalidation here covers all ASIDs (rs2 = x0), never one mm's number: after a
 * rollover a hart that has not flushed yet may hold an mm's entries under its old number
 * while asid_of(mm) already gives the new one; and a hart switching to the mm may give it a
 * new number, and cache the entry being cleared under it, between our read of the number and
 * our fence, which would name the old one. By address alone, the entries go whatever number
 * tags them; the cost is that other address spaces lose their entries for the same addresses
 * too. A full flush must take the walk caches of every mm (the TLB model
 * counts it for all of them), which only x0, x0 does.
 *
 * Good breakpoints (none inlined): arch_switch_mm, arch_remote_flush_tlb, sbi_fence_cpus,
 * riscv_asid_probe.
 */
#include <asm/riscv.h>
#include <asm/sbi.h>
#include <mica/asid.h>
#include <mica/cpu.h>
#include <mica/mm_types.h>
#include <mica/panic.h>
#include <mica/printk.h>
#include <mica/tlb_model.h>
#include <mica/tlbflush.h>

#define BITS_PER_LONG (8 * sizeof(long))

static inline void sfence_vma_all(void)
{
	__asm__ __volatile__("sfence.vma zero, zero" ::: "memory");
}

static inline void sfence_vma_addr(unsigned long va)
{
	__asm__ __volatile__("sfence.vma %0, zero" ::"r"(va) : "memory");
}

void arch_local_flush_tlb_range(struct mm_struct *mm, unsigned long start, unsigned long end)
{
	(void)mm; /* every ASID: see the top of this file */
	start &= PAGE_MASK;
	if ((end - start) >> PAGE_SHIFT > TLB_FLUSH_ALL_THRESHOLD) {
		sfence_vma_all();
		return;
	}
	for (unsigned long a = start; a < end; a += PAGE_SIZE)
		sfence_vma_addr(a);
}

void arch_local_flush_tlb_all(void)
{
	sfence_vma_all();
}

/*
 * Loads next's root with ASID number asid (satp, 4.1.11). Writing satp flushes nothing, but
 * the hart may only use entries of the ASID now in satp, or global ones (4.2.1): the previous
 * mm's entries stay, unusable, until it comes back under the same number. Without flush
 * nothing else is needed: what this hart caches of next it cached while next ran here, and
 * every change since that took rights away was followed by a flush on this hart (it stays in
 * next's cpumask); a hart that never ran next has nothing of it. A change that only added
 * rights may still meet the old entry once: a spurious fault, which the generic handler ends
 * by flushing the page. With flush, the number may have tagged another mm's entries since
 * this hart last flushed: the spec's recipe for a recycled ASID is to write satp first, then
 * fence (4.2.1, commentary), here every ASID, as <mica/tlbflush.h> asks.
 */
void arch_switch_mm(struct mm_struct *next, unsigned long asid, bool flush)
{
	csr_write(satp, SATP_MODE_SV39 | asid << SATP_ASID_SHIFT |
			    (unsigned long)next->pgd >> PAGE_SHIFT);
	if (flush)
		sfence_vma_all();
}

/* ---- other harts: SBI RFENCE ---- */

/* The CPU to leave out under the test-only omission: the highest-numbered in targets. */
static unsigned long omitted_for_test(unsigned long targets)
{
	unsigned c;

	if (tlb_test_omit != TLB_OMIT_REMOTE_HART || !targets)
		return 0;
	c = BITS_PER_LONG - 1 - __builtin_clzl(targets);
	pr_warn("riscv: test omission: the remote fence leaves out cpu%u (hart %lu)", c,
		cpus[c].hwid);
	return 1UL << c;
}

/*
 * SBI remote_sfence_vma on the harts of the CPUs in targets, [start, start + size) or, with
 * size SBI_RFENCE_ALL, everything. SBI names harts by a mask of hart ids from hart_mask_base
 * (SBI spec 3, "hart_mask"), so CPUs whose hart ids lie within one word of the lowest go in
 * one call, the rest in further calls. Panics if the firmware refuses: a fence that did not
 * happen cannot be made up for here.
 */
static __noinline void sbi_fence_cpus(unsigned long targets, unsigned long start,
				      unsigned long size)
{
	while (targets) {
		unsigned long base = ~0UL, hart_mask = 0, sent = 0;
		struct riscv_sbiret r;

		for (unsigned c = 0; c < ncpus; c++)
			if ((targets & (1UL << c)) && cpus[c].hwid < base)
				base = cpus[c].hwid;
		for (unsigned c = 0; c < ncpus; c++)
			if ((targets & (1UL << c)) && cpus[c].hwid - base < BITS_PER_LONG) {
				hart_mask |= 1UL << (cpus[c].hwid - base);
				sent |= 1UL << c;
			}
		r = riscv_sbi_call(SBI_EXT_RFENCE, SBI_RFENCE_SFENCE_VMA, hart_mask, base, start,
				   size);
		if (r.error)
			panic(
			    "riscv: SBI remote fence of harts 0x%lx from %lu failed: SBI error %ld",
			    hart_mask, base, r.error);
		targets &= ~sent;
	}
}

/* <mica/tlbflush.h>: fences the CPUs in targets (never this one) and returns those fenced,
 * all of them but under the test-only omission. Called with preemption disabled. */
unsigned long arch_remote_flush_tlb(unsigned long targets, struct mm_struct *mm,
				    unsigned long start, unsigned long end, bool all)
{
	unsigned long size = end - start;

	(void)mm; /* every ASID: see the top of this file */
	BUG_ON(targets & (1UL << smp_processor_id()));
	if (all || size >> PAGE_SHIFT > TLB_FLUSH_ALL_THRESHOLD) {
		start = 0;
		size = SBI_RFENCE_ALL; /* sfence.vma x0, x0 on each: walk caches too */
	}
	targets &= ~omitted_for_test(targets);
	sbi_fence_cpus(targets, start, size);
	return targets;
}

/* ---- boot ---- */

/*
 * ASIDLEN, the ASID bits this hart implements (4.1.11): write ones to every ASID bit of satp,
 * keeping its mode and root, and count the ones that stick (the low bits are implemented
 * first). The kernel's mappings are global, so it runs on under any ASID; the final fence
 * drops whatever was cached under the probe's number, which a user mm may get later.
 */
static __noinline unsigned riscv_asid_probe(void)
{
	unsigned long satp = csr_read(satp), seen;

	csr_write(satp, satp | SATP_ASID_MASK);
	seen = csr_read(satp);
	csr_write(satp, satp);
	sfence_vma_all();
	return (unsigned)__builtin_popcountl(seen & SATP_ASID_MASK);
}

/*
 * Per-hart TLB set-up, from arch_cpu_init() with interrupts masked, before this hart runs any
 * user mm. The boot hart checks the firmware can fence other harts, probes its ASIDs and
 * enables them (asid_init(), which also applies asid_bits=); a secondary hart must implement
 * at least the bits in use, since an mm keeps its number on whichever hart it runs.
 */
void riscv_tlb_cpu_init(struct cpu *c)
{
	unsigned bits = riscv_asid_probe();

	if (c->id != 0) {
		if (bits < asid_bits())
			panic("riscv: hart %lu has %u ASID bits, fewer than the %u in use", c->hwid,
			      bits, asid_bits());
		return;
	}
	if (!riscv_sbi_call(SBI_EXT_BASE, SBI_BASE_PROBE_EXTENSION, SBI_EXT_RFENCE, 0, 0, 0).value)
		panic("riscv: the firmware has no SBI RFENCE extension, which remote TLB "
		      "invalidation needs");
	asid_init(bits);
	pr_info("riscv: hart %lu implements %u ASID bits; Mica uses %u (asid_bits=)", c->hwid, bits,
		asid_bits());
}
