/* Declarations shared by the ARM port's own files (not part of the port contract). */
#ifndef ARCH_ARM_ARM_H
#define ARCH_ARM_ARM_H

#include <mica/bootinfo.h>
#include <mica/compiler.h>
#include <mica/types.h>

struct trap_frame;

/* Linker script symbols. */

/* entry.S */
extern char arm_vectors[];
void arm_trap_return(void); /* restores the frame at r4 (arch_return_to_user) */

/* head.S */
void arm_secondary_entry(void);	     /* where PSCI CPU_ON starts a secondary CPU */
void arm_mmu_enable(const u32 *pgd); /* this CPU: translation through pgd, caches on */

/* cpu.c: sends this CPU's exceptions to arm_vectors (done again by arch_cpu_init). */
void arm_set_vectors(void);

/* mmu.c: builds the kernel's translation table and turns the MMU on (boot CPU). */
extern u32 arm_kernel_pgd[];
void arm_mmu_init(const struct boot_info *bi);

/* gic.c */
void arm_gic_init_cpu(struct cpu *c);
void arm_gic_enable_ppi(unsigned intid);
void arm_handle_irq(struct trap_frame *tf);

/* switch.S: where a new task's first switch lands (entry in r4, arg in r5). */
void arm_task_trampoline(void);

/* task.c: the trampoline's panic when a task's entry function returns. */
void arm_task_entry_returned(void (*entry)(void *)) __noreturn;

/* timer.c: the virtual timer's interrupt. */
void arm_timer_irq(void);

/* trap.c */
void arm_trap_link_frames(struct trap_frame *tf);
void arm_trap_unexpected(struct trap_frame *tf) __noreturn;
void arm_trap_abort(struct trap_frame *tf);
void arm_trap_svc(struct trap_frame *tf);
void arm_trap_undef(struct trap_frame *tf);
void arm_trap_exit_user(struct trap_frame *tf);

/* power.c: set once arch_exit() has asked QEMU to exit (see the svc case in trap.c). */
extern volatile bool arm_exit_requested;

#endif
