/* Per-CPU data and SMP bring-up (kernel/smp.c). */
#ifndef MICA_CPU_H
#define MICA_CPU_H

#include <mica/arch.h>
#include <mica/compiler.h>
#include <mica/types.h>

#define NR_CPUS 8
#define BOOT_STACK_SIZE (16 * 1024)

/*
 * One per CPU, indexed by Mica's own CPU number (0 = the boot CPU), which differs from the
 * firmware's id (hart id, MPIDR, APIC id) kept in hwid.
 */
struct cpu {
	unsigned id;	       /* Mica's CPU number: cpus[id] is this struct */
	unsigned long hwid;    /* firmware id */
	bool online;	       /* set by the CPU itself at the end of its bring-up */
	unsigned id_seen;      /* the id this CPU read through arch_this_cpu() once up */
	unsigned long ticks;   /* timer ticks taken on this CPU (written only by it) */
	unsigned long irqs;    /* interrupts taken on this CPU (written only by it) */
	unsigned long ipis;    /* IPIs taken (written only by it) */
	const char *task_name; /* what runs here, for printk and panic, until tasks exist */
	unsigned long boot_stack_top;
	unsigned long arch[8]; /* port-private per-CPU words (e.g. a scratch slot for trap entry) */
};

extern struct cpu cpus[NR_CPUS];
extern unsigned ncpus; /* CPUs known from the firmware (boot CPU included), <= NR_CPUS */

static inline struct cpu *this_cpu(void)
{
	return arch_this_cpu();
}

static inline unsigned smp_processor_id(void)
{
	return this_cpu()->id;
}

/* Number of CPUs that have come online. */
unsigned num_online_cpus(void);

/* Brings every secondary CPU up and waits (bounded) for each; reports any that did not come. */
void smp_boot_secondaries(void);

/* Generic entry of a secondary CPU, reached from the port's secondary start stub. */
void secondary_start_kernel(struct cpu *c) __noreturn;

/* Called by the port's IPI handler on the receiving CPU. */
void smp_handle_ipi(void);

/* Stops every other CPU (used by panic); waits up to about 100 ms for them. */
void smp_stop_others(void);

/* The idle loop: halts the CPU until an interrupt, forever. */
void cpu_idle_loop(void) __noreturn;

#endif
