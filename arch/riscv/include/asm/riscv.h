/* What the RISC-V port's files call in one another (not part of the port contract). */
#ifndef ASM_RISCV_RISCV_H
#define ASM_RISCV_RISCV_H

#include <mica/types.h>

struct boot_info;
struct cpu;
struct trap_frame;

/* head.S: where a hart started by SBI HSM begins, a0 = hart id (a1 is not relied on). */
void riscv_secondary_entry(unsigned long hartid);
/* entry.S: the trap vector (stvec), and a read of stimecmp that trap.c may skip. */
void riscv_trap_entry(void);
int riscv_sstc_probe(void);
extern const char riscv_sstc_probe_insn[];

/* switch.S: where a context made by arch_context_init() starts (entry in s1, arg in s2). */
void riscv_task_trampoline(void);

/* Linker script: the image, and the end of its code. */

/* console.c: waits until the UART has sent every byte it holds. */
void riscv_console_flush(void);

/* mmu.c: builds the kernel page table for RAM and the devices; turns it on on this hart;
 * reads riscv_ad= (who sets A/D in user PTEs) on the boot hart. */
void riscv_mmu_init(const struct boot_info *bi);
void riscv_mmu_enable(void);
void riscv_ad_init(void);

/* tlb.c: this hart's ASID probe; on the boot hart also asid_init() and the RFENCE check. */
void riscv_tlb_cpu_init(struct cpu *c);

/* timer.c and smp.c: the interrupt handlers behind trap.c. */
void riscv_timer_interrupt(void);
void riscv_ipi_interrupt(void);

#endif
