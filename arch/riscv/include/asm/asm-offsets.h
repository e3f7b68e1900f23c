/*
 * Structure offsets the assembly needs, written by hand (the build has no asm-offsets step).
 * trap.c, task.c and smp.c check each one against the C layout at compile time.
 */
#ifndef ASM_RISCV_ASM_OFFSETS_H
#define ASM_RISCV_ASM_OFFSETS_H

/* struct trap_frame */
#define TF_X(n) ((n)*8)
#define TF_SEPC 256
#define TF_SSTATUS 264
#define TF_SCAUSE 272
#define TF_STVAL 280
#define TF_TRAP_RECORD_END 312 /* end of trap_record: the handler's frame pointer */
#define TF_SIZE 336

/* struct arch_context */
#define CTX_RA 0
#define CTX_SP 8
#define CTX_S(n) (16 + (n)*8)
#define CTX_SIZE 112

/* struct cpu, and the size of one element of cpus[] */
#define CPU_HWID 8
#define CPU_BOOT_STACK_TOP 48
#define CPU_SIZE 176
#define CPU_SCRATCH 56	  /* arch[0]: the interrupted sp, for a moment at trap entry */
#define CPU_KSTACK_TOP 64 /* arch[1]: the current user thread's kernel stack top */

/* BOOT_STACK_SIZE of <mica/cpu.h>, for the boot hart's stack in head.S */
#define RISCV_BOOT_STACK_SIZE (16 * 1024)

#endif
