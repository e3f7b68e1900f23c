/*
 * Time: arch_clock_ns() from the TSC, and the HZ tick from each CPU's LAPIC timer. Neither
 * frequency is architectural, so both are measured at boot: the TSC against the HPET (whose
 * period the hardware states), then the LAPIC timer against the TSC.
 *
 * Under QEMU TCG the guest TSC is the host's, so it runs at one constant rate on every CPU,
 * halted or not (what an "invariant TSC" promises, SDM 3B 17.17.1); qemu64 does not advertise
 * the bit, so this port relies on QEMU here.
 */
#include <asm/boot.h>
#include <asm/lapic.h>
#include <asm/x86.h>
#include <mica/arch.h>
#include <mica/panic.h>
#include <mica/printk.h>
#include <mica/time.h>

/* HPET registers, 32-bit accesses only on QEMU 7.2 (IA-PC HPET specification 1.0a, 2.3). */
#define HPET_PERIOD 0x004 /* high half of capabilities: counter period in femtoseconds */
#define HPET_CONFIG 0x010
#define HPET_CONFIG_ENABLE (1 << 0)
#define HPET_COUNTER 0x0f0 /* low half of the main counter: wraps after 42 s at 100 MHz */
#define FSEC_PER_NSEC 1000000ULL

/* Nanoseconds = TSC ticks * tsc_mult / 2^32; arch_clock_ns() is 0 until x86_clock_init(). */
static u64 tsc_base, tsc_mult;
static u32 lapic_counts_per_tick;
static volatile u32 *hpet;

/* A reading of some counter and of the TSC at the same moment. */
struct x86_clock_pair {
	u64 tsc;
	u64 ref;
};

/*
 * Reads `read_ref` between two TSC reads, a few times, and keeps the tightest pair. A vCPU is
 * a host thread that may be descheduled for milliseconds at any point; a pair it straddles
 * shows a wide gap and loses. (Polling for a timer edge instead would be late by the whole
 * preemption: measured 33% off with four QEMUs on two host cores.)
 */
static struct x86_clock_pair x86_clock_sample(u64 (*read_ref)(void))
{
	struct x86_clock_pair best = { 0, 0 };
	u64 best_gap = ~0ULL;

	for (int i = 0; i < 5; i++) {
		u64 t0 = x86_rdtsc(), ref = read_ref(), t1 = x86_rdtsc();

		if (t1 - t0 < best_gap) {
			best_gap = t1 - t0;
			best = (struct x86_clock_pair){ t0 + (t1 - t0) / 2, ref };
		}
	}
	return best;
}

static u64 x86_hpet_read(void)
{
	return hpet[HPET_COUNTER / 4];
}

void x86_clock_init(void)
{
	u64 period_fs, ticks, ns, tsc_hz;
	struct x86_clock_pair a, b;

	hpet = (volatile u32 *)x86_acpi_hpet_address();
	if (!hpet)
		panic("x86_clock_init: no HPET in the ACPI tables to time the TSC with");
	period_fs = hpet[HPET_PERIOD / 4];
	hpet[HPET_CONFIG / 4] |= HPET_CONFIG_ENABLE;

	tsc_base = x86_rdtsc();
	a = x86_clock_sample(x86_hpet_read);
	ticks = 10 * NSEC_PER_MSEC * FSEC_PER_NSEC / period_fs; /* 10 ms: 0.01% resolution */
	while ((u32)(x86_hpet_read() - a.ref) < ticks)
		;
	b = x86_clock_sample(x86_hpet_read);
	ns = (u32)(b.ref - a.ref) * period_fs / FSEC_PER_NSEC;
	tsc_hz = (b.tsc - a.tsc) * NSEC_PER_SEC / ns;
	if (!tsc_hz)
		panic("x86_clock_init: the TSC does not advance");
	tsc_mult = (NSEC_PER_SEC << 32) / tsc_hz;
	pr_info("x86: TSC runs at %llu kHz", (unsigned long long)(tsc_hz / 1000));
}

static u64 x86_tsc_to_ns(u64 ticks)
{
	return (u64)(((unsigned __int128)ticks * tsc_mult) >> 32);
}

u64 arch_clock_ns(void)
{
	return x86_tsc_to_ns(x86_rdtsc() - tsc_base);
}

static u64 x86_lapic_timer_read(void)
{
	return x86_lapic_timer_count();
}

/* The LAPIC timer's count for one tick period, measured over one period (the bus clock is the
 * same on every CPU, so the boot CPU's figure serves all). */
static u32 x86_lapic_calibrate(void)
{
	struct x86_clock_pair a, b;
	u64 counts;

	x86_lapic_timer_oneshot(~0u, 0);
	a = x86_clock_sample(x86_lapic_timer_read);
	ndelay_spin(NSEC_PER_SEC / HZ);
	b = x86_clock_sample(x86_lapic_timer_read);
	x86_lapic_timer_oneshot(0, 0);
	counts = (a.ref - b.ref) * (NSEC_PER_SEC / HZ) / x86_tsc_to_ns(b.tsc - a.tsc);
	pr_info("x86: LAPIC timer counts %llu per tick", (unsigned long long)counts);
	return (u32)counts;
}

void arch_timer_init(void)
{
	if (!lapic_counts_per_tick) /* the boot CPU, before any secondary starts */
		lapic_counts_per_tick = x86_lapic_calibrate();
	x86_lapic_timer_oneshot(lapic_counts_per_tick, X86_TIMER_VECTOR);
}

/*
 * One-shot, re-armed from now rather than the LAPIC's periodic mode: a periodic timer keeps its
 * phase, so after a tick delivered late (the vCPU preempted by the host) the next comes early.
 * Counting from now, ticks never come faster than HZ, and after a stall they resume at HZ
 * instead of catching up in a burst. jiffies drifts by the handling delay; time comes from
 * arch_clock_ns() anyway.
 */
void x86_timer_interrupt(void)
{
	x86_lapic_timer_oneshot(lapic_counts_per_tick, X86_TIMER_VECTOR);
	tick_handle();
	x86_lapic_eoi(); /* before irq_exit() (trap.c), which may switch tasks */
}
