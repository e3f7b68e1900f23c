/*
 * The local APIC in xAPIC mode: memory-mapped registers at the address IA32_APIC_BASE gives
 * (0xfee00000 on QEMU), identity-mapped by head.S. Register offsets: SDM 3A table 10-1.
 */
#include <asm/lapic.h>
#include <asm/x86.h>
#include <mica/arch.h>
#include <mica/compiler.h>

#define LAPIC_ID 0x020
#define LAPIC_TPR 0x080
#define LAPIC_EOI 0x0b0
#define LAPIC_SVR 0x0f0
#define LAPIC_ICR_LO 0x300
#define LAPIC_ICR_HI 0x310
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_LVT_LINT1 0x360
#define LAPIC_LVT_ERROR 0x370
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR 0x390
#define LAPIC_TIMER_DIV 0x3e0

#define LAPIC_SVR_ENABLE (1 << 8)
#define LAPIC_LVT_MASKED (1 << 16)
#define LAPIC_ICR_PENDING (1 << 12) /* delivery status: the last IPI is not sent yet */
#define LAPIC_ICR_ASSERT (1 << 14)
#define LAPIC_TIMER_DIV_16 0x3 /* divide configuration register, SDM 3A 10.5.4 */

static volatile u32 *x86_lapic;

static u32 lapic_read(u32 reg)
{
	return x86_lapic[reg / 4];
}

static void lapic_write(u32 reg, u32 v)
{
	x86_lapic[reg / 4] = v;
}

/* The 8259 PICs the firmware left enabled: mask every line (OCW1), Mica uses the LAPIC only. */
static void x86_pic_mask_all(void)
{
	x86_outb(0x21, 0xff);
	x86_outb(0xa1, 0xff);
}

void x86_lapic_probe(void)
{
	x86_lapic = (volatile u32 *)(x86_rdmsr(X86_MSR_APIC_BASE) & ~0xfffUL);
	x86_pic_mask_all();
}

void x86_lapic_init_cpu(void)
{
	lapic_write(LAPIC_TPR, 0); /* accept every priority class */
	/* LINT0 is where the BIOS routed the 8259 (ExtINT), LINT1 NMI: neither is used. */
	lapic_write(LAPIC_LVT_LINT0, LAPIC_LVT_MASKED);
	lapic_write(LAPIC_LVT_LINT1, LAPIC_LVT_MASKED);
	lapic_write(LAPIC_LVT_ERROR, LAPIC_LVT_MASKED);
	lapic_write(LAPIC_LVT_TIMER, LAPIC_LVT_MASKED);
	lapic_write(LAPIC_SVR, LAPIC_SVR_ENABLE | X86_SPURIOUS_VECTOR);
}

u32 x86_lapic_id(void)
{
	return lapic_read(LAPIC_ID) >> 24;
}

void x86_lapic_eoi(void)
{
	lapic_write(LAPIC_EOI, 0);
}

/*
 * The ICR is two registers and the write to the low one sends: interrupts stay masked between
 * the two writes so a handler's own IPI cannot slip in between (SDM 3A 10.6.1).
 */
void x86_lapic_send_ipi(u32 apic_id, u32 mode, u8 vector)
{
	unsigned long flags = arch_irq_save();

	while (lapic_read(LAPIC_ICR_LO) & LAPIC_ICR_PENDING)
		arch_cpu_relax();
	lapic_write(LAPIC_ICR_HI, apic_id << 24);
	lapic_write(LAPIC_ICR_LO, mode | LAPIC_ICR_ASSERT | vector); /* physical, edge */
	arch_irq_restore(flags);
}

/* The timer counts at the bus clock / 16; a write of the initial count (re)starts it, and in
 * one-shot mode it stops at 0 (SDM 3A 10.5.4). */
void x86_lapic_timer_oneshot(u32 count, u8 vector)
{
	lapic_write(LAPIC_TIMER_DIV, LAPIC_TIMER_DIV_16);
	lapic_write(LAPIC_LVT_TIMER, vector ? vector : LAPIC_LVT_MASKED);
	lapic_write(LAPIC_TIMER_INIT, count);
}

u32 x86_lapic_timer_count(void)
{
	return lapic_read(LAPIC_TIMER_CUR);
}
