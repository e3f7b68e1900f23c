/*
 * Suite tlb_riscv (DESIGN TLB-3, TLB-4; docs/port-riscv.md, "TLB rules"): the RISC-V port's
 * own TLB rules, on the hardware. satp carries the mm's root and ASID after a switch; two
 * address spaces ping-ponging on one hart keep their data and, with ASIDs, switch without
 * flushing; accessed/dirty bits come back after being cleared, set by the hart (riscv_ad=hw,
 * which QEMU 7.2 does in hardware) or by page faults (riscv_ad=trap, counted); other harts
 * are invalidated through SBI RFENCE, not IPIs. tests/run boots it again with riscv_ad=trap.
 *
 * And the must-panic suite panic_tlb_remote_hart: a page cached on two harts is unmapped
 * while the remote fence leaves the highest-numbered CPU out (the test-only omission
 * TLB_OMIT_REMOTE_HART); the TLB model must panic when the page is freed, naming it.
 *
 * RISC-V only: the whole file is.
 */
#ifdef __riscv

#include <asm/csr.h>
#include <mica/asid.h>
#include <mica/cpu.h>
#include <mica/preempt.h>
#include <mica/smp_call.h>
#include <mica/tlb_model.h>
#include <mica/wait.h>

#include "mm_test.h"

#define PINGPONG_ROUNDS 2000
#define FENCE_ROUNDS 100

static unsigned highest_cpu(void)
{
	return num_online_cpus() - 1;
}

static unsigned long satp_now(void)
{
	unsigned long flags = arch_irq_save(), satp = csr_read(satp);

	arch_irq_restore(flags);
	return satp;
}

/* satp (4.1.11) after use_mm(): Sv39, the mm's root, and the ASID the allocator gave it;
 * after unuse_mm(): the kernel's root and ASID 0. */
static void satp_holds_the_mm_root_and_its_asid_after_a_switch(struct ktest *t)
{
	struct mm_struct *mm = mmt_enter();
	unsigned long satp;

	KTEST_ASSERT(t, mm);
	satp = satp_now();
	KTEST_EXPECT_EQ(t, satp & ~SATP_ASID_MASK,
			SATP_MODE_SV39 | (unsigned long)mm->pgd >> PAGE_SHIFT);
	KTEST_EXPECT_EQ(t, (satp & SATP_ASID_MASK) >> SATP_ASID_SHIFT, asid_of(mm));
	if (asid_bits())
		KTEST_EXPECT(t, asid_of(mm) != 0); /* 0 is the kernel's */
	ktest_log(t, "satp 0x%lx: ASID %lu (%u-bit ASIDs in use)", satp, asid_of(mm), asid_bits());
	mmt_leave(mm);
	KTEST_EXPECT_EQ(t, satp_now(), SATP_MODE_SV39 | (unsigned long)init_mm.pgd >> PAGE_SHIFT);
}

/* One side of the ping-pong: its own address space, its own word, checked after every
 * switch back to it. */
struct side {
	struct completion wake;
	struct side *other;
	unsigned long word, bad;
	bool setup_failed;
	u64 t_first, t_last; /* clock at the first and the last wake-up */
};

static void side_fn(void *arg)
{
	struct side *s = arg;
	struct mm_struct *mm = mmt_enter();
	unsigned long v;

	s->setup_failed = !mm || mmt_map(mm, UB, PGS(1), RW) || mmt_put(UB, s->word);
	for (unsigned i = 0; i < PINGPONG_ROUNDS; i++) {
		wait_for_completion(&s->wake);
		if (i == 0)
			s->t_first = arch_clock_ns();
		if (!s->setup_failed && (mmt_get(UB, &v) || v != s->word))
			s->bad++;
		complete(&s->other->wake);
	}
	s->t_last = arch_clock_ns();
	if (mm)
		mmt_leave(mm);
}

/* Two threads with an address space each hand a token back and forth on one CPU, so every
 * switch is an address-space switch. With ASIDs none flushes the TLB, except once per CPU
 * after a rollover (<mica/asid.h>); without, every one does. Also the round-trip figure. */
static void two_address_spaces_switch_without_flushing_with_asids(struct ktest *t)
{
	static struct side s[2];
	unsigned cpu = num_online_cpus() > 1 ? 1 : 0;
	unsigned long flushes = mmt_stat(&asid_stats.switch_flushes);
	unsigned long rollovers = mmt_stat(&asid_stats.rollovers);
	struct task *th[2];

	for (int i = 0; i < 2; i++) {
		s[i] = (struct side){ .other = &s[1 - i], .word = 0x5a5a0000UL + (unsigned long)i };
		init_completion(&s[i].wake);
	}
	th[0] = kthread_create(side_fn, &s[0], "asid-ping");
	th[1] = kthread_create(side_fn, &s[1], "asid-pong");
	KTEST_ASSERT(t, th[0] && th[1]);
	for (int i = 0; i < 2; i++) {
		kthread_bind(th[i], cpu);
		kthread_start(th[i]);
	}
	complete(&s[0].wake);
	for (int i = 0; i < 2; i++)
		kthread_join(th[i]);
	flushes = mmt_stat(&asid_stats.switch_flushes) - flushes;
	rollovers = mmt_stat(&asid_stats.rollovers) - rollovers;
	ktest_log(t,
		  "round trip between two address spaces on cpu%u: %llu ns; %lu of %u switches "
		  "flushed all (%u-bit ASIDs, %lu rollovers)",
		  cpu, (unsigned long long)((s[0].t_last - s[0].t_first) / (PINGPONG_ROUNDS - 1)),
		  flushes, 2 * PINGPONG_ROUNDS, asid_bits(), rollovers);
	KTEST_EXPECT(t, !s[0].setup_failed && !s[1].setup_failed);
	KTEST_EXPECT_EQ(t, s[0].bad + s[1].bad, 0);
	if (asid_bits())
		KTEST_EXPECT(t, flushes <= ncpus * (rollovers + 1));
	else
		KTEST_EXPECT(t, flushes >= 2 * (PINGPONG_ROUNDS - 1));
}

/* Makes the PTE mapping addr old and clean, then invalidates it everywhere, so the next
 * access and the next write must set A and D again (or fault to have them set). */
static void make_old_and_clean(struct mm_struct *mm, unsigned long addr)
{
	spinlock_t *ptl;
	pmd_t *pmd;
	pte_t *ptep;

	down_read(&mm->mmap_lock);
	if (walk_pmd(mm, addr, false, &pmd)) {
		ptep = pte_offset_map_lock(pmd, addr, &ptl);
		set_pte_at(mm, addr, ptep, pte_mkclean(pte_mkold(ptep_get(ptep))));
		spin_unlock(ptl);
	}
	up_read(&mm->mmap_lock);
	flush_tlb_range(mm, addr, addr + PAGE_SIZE);
}

static const char *who_set(unsigned long faults)
{
	return faults ? "a page fault" : "the hart";
}

/*
 * 4.3.1: A and D are set by the hart or by the kernel on a page fault. Either way, in either
 * A/D mode, the generic helpers must see the same thing: written through copy_to_user, the
 * page is young and dirty; made old and clean, the next read makes it young and the next
 * write dirty. With riscv_ad=trap the hart must not be able to set them itself (V clear while
 * old, W clear while clean), and exactly one young/dirty fault sets each.
 */
static void young_and_dirty_are_set_again_after_mkold_and_mkclean(struct ktest *t)
{
	struct mm_struct *mm = mmt_enter();
	unsigned long v, yd, read_faults, write_faults;
	pte_t p;

	KTEST_ASSERT(t, mm);
	KTEST_ASSERT_EQ(t, mmt_map(mm, UB, PGS(1), RW), 0);
	KTEST_ASSERT_EQ(t, mmt_put(UB, 1), 0);
	p = mmt_pte(mm, UB);
	KTEST_EXPECT(t, pte_present(p) && pte_write(p) && pte_young(p) && pte_dirty(p));
	KTEST_EXPECT(t, (p.val & _PAGE_V) && (p.val & _PAGE_W)); /* the hart may write it */

	make_old_and_clean(mm, UB);
	p = mmt_pte(mm, UB);
	KTEST_EXPECT(t, pte_present(p) && pte_write(p) && !pte_young(p) && !pte_dirty(p));
	if (riscv_ad_trap)
		KTEST_EXPECT(t, !(p.val & (_PAGE_V | _PAGE_W)));

	yd = mmt_stat(&fault_stats.young_dirty);
	KTEST_EXPECT_EQ(t, mmt_get(UB, &v), 0);
	KTEST_EXPECT_EQ(t, v, 1);
	read_faults = mmt_stat(&fault_stats.young_dirty) - yd;
	p = mmt_pte(mm, UB);
	KTEST_EXPECT(t, pte_present(p) && pte_young(p) && !pte_dirty(p));
	if (riscv_ad_trap)
		KTEST_EXPECT(t, (p.val & _PAGE_V) && !(p.val & _PAGE_W));

	yd = mmt_stat(&fault_stats.young_dirty);
	KTEST_EXPECT_EQ(t, mmt_put(UB, 2), 0);
	write_faults = mmt_stat(&fault_stats.young_dirty) - yd;
	p = mmt_pte(mm, UB);
	KTEST_EXPECT(t, pte_young(p) && pte_dirty(p) && (p.val & _PAGE_W));
	KTEST_EXPECT_EQ(t, mmt_get(UB, &v), 0);
	KTEST_EXPECT_EQ(t, v, 2);

	if (riscv_ad_trap) {
		KTEST_EXPECT_EQ(t, read_faults, 1);
		KTEST_EXPECT_EQ(t, write_faults, 1);
	}
	ktest_log(t, "riscv_ad=%s: A set again by %s, D by %s (%lu and %lu young/dirty faults)",
		  riscv_ad_trap ? "trap" : "hw", who_set(read_faults), who_set(write_faults),
		  read_faults, write_faults);
	mmt_leave(mm);
}

/* The IPI way, for comparison: each target runs the local invalidation of one page. */
static void flush_page_here(void *arg)
{
	unsigned long addr = *(unsigned long *)arg;

	arch_local_flush_tlb_range(NULL, addr, addr + PAGE_SIZE);
}

/* Other harts get SBI remote fences (SBI spec 8), no IPI: a flush of an mm loaded on the
 * highest-numbered CPU counts a remote fence and no IPI, the port's hook reports every CPU it
 * was given as fenced, and the model sees the record of that CPU gone. Also the figure: one
 * page on every other CPU, by SBI fence and by IPI. */
static void other_cpus_are_fenced_through_sbi_not_ipis(struct ktest *t)
{
	unsigned long others, fenced, ipis, fences, addr = UB;
	u64 t0, sbi_ns, ipi_ns;
	struct mm_struct *mm;
	struct mmt_holder h;
	struct page *p;

	if (num_online_cpus() < 2)
		KTEST_SKIP(t, "needs two CPUs");
	mm = mmt_enter();
	KTEST_ASSERT(t, mm);
	KTEST_ASSERT_EQ(t, mmt_map(mm, UB, PGS(1), RW), 0);
	KTEST_ASSERT_EQ(t, mmt_put(UB, 1), 0);
	KTEST_ASSERT(t, mmt_holder_start(&h, mm, UB, highest_cpu()));
	p = alloc_page(GFP_KERNEL);
	KTEST_ASSERT(t, p);

	ipis = mmt_stat(&tlb_stats.ipis);
	fences = mmt_stat(&tlb_stats.remote_fences);
	tlb_model_clear(mm, UB, p); /* a stand-in record (the model keys it by frame) */
	flush_tlb_range(mm, UB, UB + PAGE_SIZE);
	KTEST_EXPECT_EQ(t, tlb_model_stale_cpus(p), 0);
	KTEST_EXPECT_EQ(t, mmt_stat(&tlb_stats.ipis) - ipis, 0);
	KTEST_EXPECT(t, mmt_stat(&tlb_stats.remote_fences) - fences >= 1);

	/* The hook wants preemption off (it must not fence its own CPU); this thread is
	 * bound to one CPU, so others stays right between the calls. */
	others = ((1UL << num_online_cpus()) - 1) & ~(1UL << smp_processor_id());
	preempt_disable();
	fenced = arch_remote_flush_tlb(others, mm, 0, 0, true); /* everything */
	preempt_enable();
	t0 = arch_clock_ns();
	for (unsigned i = 0; i < FENCE_ROUNDS; i++) {
		preempt_disable();
		fenced &= arch_remote_flush_tlb(others, mm, addr, addr + PAGE_SIZE, false);
		preempt_enable();
	}
	sbi_ns = (arch_clock_ns() - t0) / FENCE_ROUNDS;
	t0 = arch_clock_ns();
	for (unsigned i = 0; i < FENCE_ROUNDS; i++)
		smp_call_function_mask(others, flush_page_here, &addr, true);
	ipi_ns = (arch_clock_ns() - t0) / FENCE_ROUNDS;
	KTEST_EXPECT_EQ(t, fenced, others);
	ktest_log(t, "one page on %u other CPUs: SBI remote fence %llu ns, IPI round %llu ns",
		  (unsigned)__builtin_popcountl(others), (unsigned long long)sbi_ns,
		  (unsigned long long)ipi_ns);

	free_page(p);
	mmt_holder_leave(&h);
	mmt_leave(mm);
}

KTEST_SUITE(tlb_riscv, 0, KTEST_CASE(satp_holds_the_mm_root_and_its_asid_after_a_switch),
	    KTEST_CASE(two_address_spaces_switch_without_flushing_with_asids),
	    KTEST_CASE(young_and_dirty_are_set_again_after_mkold_and_mkclean),
	    KTEST_CASE(other_cpus_are_fenced_through_sbi_not_ipis));

/* ---- the must-panic suite ---- */

/* A page mapped and cached on this CPU and the highest-numbered one, unmapped while the SBI
 * fence leaves that CPU out: the page's free must panic, naming the frame and that CPU. */
static void remote_fence_leaving_out_a_hart_is_caught(struct ktest *t)
{
	struct mm_struct *mm = mmt_enter();
	struct mmt_holder h;

	KTEST_ASSERT(t, mm && tlb_model_enabled && num_online_cpus() > 1);
	KTEST_ASSERT(t, smp_processor_id() != highest_cpu());
	KTEST_ASSERT_EQ(t, mmt_map(mm, UB, PGS(1), RW), 0);
	KTEST_ASSERT_EQ(t, mmt_put(UB, 1), 0);
	KTEST_ASSERT(t, mmt_holder_start(&h, mm, UB, highest_cpu()));
	ktest_log(t, "expecting a panic now: cpu%u keeps the translation the fence skipped",
		  highest_cpu());
	tlb_test_omit = TLB_OMIT_REMOTE_HART;
	mmt_unmap(mm, UB, PGS(1));
	tlb_test_omit = TLB_OMIT_NONE;
	KTEST_EXPECT(t, false); /* not reached */
}

KTEST_SUITE(panic_tlb_remote_hart, KTEST_MANUAL,
	    KTEST_CASE(remote_fence_leaving_out_a_hart_is_caught));

#endif /* __riscv */
