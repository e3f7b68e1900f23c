/*
 * The GICv2 interrupt controller (ARM IHI 0048B): the distributor, shared by all CPUs, routes
 * interrupts; each CPU's interface (the same address, banked per CPU) hands them over
 * (acknowledge = read GICC_IAR, done = write GICC_EOIR). Mica uses two per-CPU interrupts:
 * SGI 1 as its IPI and the virtual timer's PPI. Everything stays in group 0, the default.
 */
#include <asm/io.h>
#include <asm/virt.h>
#include <mica/arch.h>
#include <mica/cpu.h>
#include <mica/panic.h>
#include <mica/preempt.h>

#include "arm.h"

#define GICD_CTLR 0x000
#define GICD_ISENABLER 0x100  /* one bit per interrupt; words 0 (IDs 0-31) banked per CPU */
#define GICD_IPRIORITYR 0x400 /* one byte per interrupt; lower is more urgent */
#define GICD_ITARGETSR 0x800  /* one byte per interrupt: a mask of CPU interfaces */
#define GICD_SGIR 0xf00

#define GICC_CTLR 0x00
#define GICC_PMR 0x04 /* priority mask: only priorities below it are signalled */
#define GICC_IAR 0x0c
#define GICC_EOIR 0x10

#define GIC_SPURIOUS 1023
#define GIC_PRIORITY 0xa0

static void gicd_write(unsigned off, u32 v)
{
	arm_writel(VIRT_GICD_BASE + off, v);
}

/* Sets one interrupt's priority; for IDs 0-31 this CPU's own copy. */
static void gic_set_priority(unsigned intid, u8 prio)
{
	*(volatile u8 *)(VIRT_GICD_BASE + GICD_IPRIORITYR + intid) = prio;
}

/* Lets PPI or SGI `intid` through on the calling CPU (GICD_ISENABLER0 is banked). */
void arm_gic_enable_ppi(unsigned intid)
{
	gic_set_priority(intid, GIC_PRIORITY);
	gicd_write(GICD_ISENABLER, 1u << intid);
}

/*
 * The calling CPU's part: the distributor once (boot CPU), then this CPU's interface, its IPI,
 * and c's bit for SGI target lists. GICD_ITARGETSR0-7 read as this CPU's own mask (GIC spec
 * 4.3.12): the GIC's CPU numbering need not match MPIDR.
 */
void arm_gic_init_cpu(struct cpu *c)
{
	if (c->id == 0)
		gicd_write(GICD_CTLR, 1); /* forward group 0 interrupts to the CPU interfaces */
	c->arch[ARM_CPU_GIC_MASK] = arm_readl(VIRT_GICD_BASE + GICD_ITARGETSR) & 0xff;
	arm_gic_enable_ppi(VIRT_IRQ_IPI);
	arm_writel(VIRT_GICC_BASE + GICC_PMR, 0xf0);
	arm_writel(VIRT_GICC_BASE + GICC_CTLR, 1);
}

void arch_send_ipi(struct cpu *c)
{
	/* Our stores (e.g. a stop request) must be visible before the IPI can be taken. */
	arm_dsb();
	/* TargetListFilter 0: the CPUs in the list (GIC spec 4.3.15). */
	gicd_write(GICD_SGIR, (u32)c->arch[ARM_CPU_GIC_MASK] << 16 | VIRT_IRQ_IPI);
}

/* Handles one acknowledged interrupt and ends it (EOIR), on this CPU's banked interface. */
static void gic_handle_one(struct trap_frame *tf, u32 iar)
{
	struct cpu *c = this_cpu();
	unsigned intid = iar & 0x3ff;

	WRITE_ONCE(c->irqs, c->irqs + 1);
	switch (intid) {
	case VIRT_IRQ_VTIMER:
		arm_timer_irq();
		break;
	case VIRT_IRQ_IPI:
		/* End it first: smp_handle_ipi() may stop this CPU for good. */
		arm_writel(VIRT_GICC_BASE + GICC_EOIR, iar);
		smp_handle_ipi();
		return;
	default:
		panic_trap(tf, "unexpected interrupt %u", intid);
	}
	arm_writel(VIRT_GICC_BASE + GICC_EOIR, iar);
}

/*
 * From arm_irq_entry, IRQs masked, on the interrupted task's SVC stack (the trap frame is there
 * too): acknowledges one interrupt and handles it between irq_enter() and irq_exit(). irq_exit()
 * may switch to another task, and this one may come back on another CPU, so the interrupt is
 * ended before it (EOIR goes to the acknowledging CPU's interface, and an active interrupt would
 * block its priority there), and nothing of this CPU is used after it.
 */
void arm_handle_irq(struct trap_frame *tf)
{
	u32 iar;

	arm_trap_link_frames(tf);
	irq_enter();
	iar = arm_readl(VIRT_GICC_BASE + GICC_IAR);
	if ((iar & 0x3ff) != GIC_SPURIOUS) /* spurious: already taken back, e.g. by another CPU */
		gic_handle_one(tf, iar);
	irq_exit();
}
