/* The x86 port's private boot-time interfaces, between its own files. */
#ifndef ASM_BOOT_H
#define ASM_BOOT_H

/* Stack of the boot CPU until it idles (head.S); = BOOT_STACK_SIZE, checked in boot.c. */
#define X86_BOOT_STACK_SIZE (16 * 1024)

/* Where secondary CPUs start in real mode: below 1 MiB, 4 KiB aligned (SDM 3A 8.4.4.1). */
#define X86_TRAMPOLINE_PA 0x8000

#ifndef __ASSEMBLY__
#include <mica/compiler.h>
#include <mica/types.h>

struct arch_context;
struct boot_info;
struct cpu;
struct trap_frame;

/* Each secondary CPU finds its stack and struct cpu here by its own APIC id (head.S). */
struct x86_ap_start {
	unsigned long stack_top;
	struct cpu *cpu;
};
extern struct x86_ap_start x86_ap_start[256];

/* The real-mode trampoline (trampoline.S), copied to X86_TRAMPOLINE_PA. */
extern const char x86_trampoline_start[], x86_trampoline_end[];

/* The image, from the linker script. */
#include <mica/sections.h>

void x86_boot_main(u32 start_info_pa) __noreturn;
void x86_secondary_main(struct cpu *c) __noreturn;

void x86_console_init(void);
void x86_console_flush(void);
/* Turns on the paging features the page tables rely on (EFER.NXE; checks CR0.WP, CR4.SMAP),
 * on this CPU: every CPU's boot path, once the console works. */
void x86_mmu_init_cpu(void);
/* Builds the IDT (once) and loads it on this CPU. */
void x86_trap_init(void);
void x86_trap_load(void);
/* Finds ACPI's root table from the RSDP at rsdp_pa, or by scanning the BIOS area if 0. */
void x86_acpi_init(u64 rsdp_pa);
/* Adds the CPUs ACPI's MADT lists to bi, boot CPU first. */
void x86_acpi_find_cpus(struct boot_info *bi);
/* The HPET's physical address from ACPI, or 0 if there is none. */
u64 x86_acpi_hpet_address(void);
/* With secondary CPUs: checks the trampoline page is RAM, copies the trampoline there and
 * records the page as reserved. */
void x86_smp_init(struct boot_info *bi);
/* Calibrates the TSC against the HPET: arch_clock_ns() counts from here. */
void x86_clock_init(void);
/* Handles the LAPIC timer interrupt. */
void x86_timer_interrupt(void);

/* User mode (user.c): this CPU's GDT with the ring-3 segments, its TSS, the SYSCALL MSRs and
 * (fpu.c) SSE; every CPU, from arch_cpu_init(). */
void x86_user_init_cpu(struct cpu *c);
/* Kills the current process if tf's rip is not canonical (IRETQ would fault in ring 0); last
 * check before every return to ring 3. Interrupts masked. */
void x86_check_user_rip(struct trap_frame *tf);

/* x87/SSE state (fpu.c). */
/* CR0 and CR4 set up so that ring 3 may use x87 and SSE: every CPU, once. */
void x86_fpu_init_cpu(void);
/* A new context's x87/SSE state: a copy of the creator's if that is a user thread (fork and
 * clone), else the initial state. From arch_context_init(). */
void x86_fpu_context_init(struct arch_context *ctx);
/* Exec: tf, the current thread's user frame, starts a new program; its x87/SSE registers go
 * to the initial state, and from now on they are switched with it. */
void x86_fpu_reset_user(struct trap_frame *tf);
#endif /* __ASSEMBLY__ */
#endif
