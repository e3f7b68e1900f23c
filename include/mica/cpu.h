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
struct mm_struct;

struct cpu {
	unsigned id;	     /* Mica's CPU number: cpus[id] is this struct */
	unsigned long hwid;  /* firmware id */
	bool online;	     /* set by the CPU itself at the end of its bring-up */
	unsigned id_seen;    /* the id this CPU read through arch_this_cpu() once up */
	unsigned long ticks; /* timer ticks taken on this CPU (written only by it) */
	unsigned long irqs;  /* interrupts taken on this CPU (written only by it) */
	unsigned long ipis;  /* IPIs taken (written only by it) */
	unsigned long boot_stack_top;
	unsigned long arch[8]; /* port-private per-CPU words (e.g. a scratch slot for trap entry) */
	/* The ports' assembly knows the offsets above (and the size): add fields below only. */
	struct task *curr;	   /* the task running here (written under this CPU's rq lock) */
	struct task *idle;	   /* this CPU's idle task */
	struct task *switch_prev;  /* the task just switched away from, for finish_task_switch */
	bool need_resched;	   /* set by the tick, wake-ups and the resched IPI */
	unsigned long ipi_pending; /* IPI reasons (bit per enum ipi_reason), set by the sender */
	unsigned long softirq_pending;
	struct mm_struct
	    *active_mm; /* whose tables this CPU has loaded (NULL at boot: init_mm's) */
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

/* Why a CPU was sent an IPI (bits of cpu->ipi_pending). */
enum ipi_reason {
	IPI_RESCHEDULE, /* need_resched was set from afar */
	IPI_CALL,	/* cross-CPU function calls are queued (kernel/smp_call.c) */
	IPI_STOP,	/* halt: another CPU panics */
	IPI_NOP,	/* nothing but the interrupt (tests) */
};
/* Records the reason and interrupts CPU c. */
void smp_send_ipi(struct cpu *c, enum ipi_reason why);

/* Called by the port's IPI handler on the receiving CPU. */
void smp_handle_ipi(void);

/* Stops every other CPU (used by panic); waits up to about 100 ms for them. */
void smp_stop_others(void);

#endif
