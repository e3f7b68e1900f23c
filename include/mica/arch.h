/*
 * The port checklist: every function a port (arch/<name>/) must provide, with its contract.
 * A new port is done when each entry below exists and `make ARCH=<name> test` passes.
 *
 * Two kinds of hook:
 *  - inline hooks, in the port's <asm/arch.h> (fast paths: interrupt masking, the per-CPU
 *    pointer, cpu_relax);
 *  - out-of-line hooks, declared here and defined in arch/<name>/.
 *
 * Generic code never names an architecture; it calls these.
 */
#ifndef MICA_ARCH_H
#define MICA_ARCH_H

#include <mica/compiler.h>
#include <mica/types.h>

struct cpu;
struct trap_frame; /* defined by the port in <asm/arch.h> */
struct boot_info;

/*
 * Inline hooks the port's <asm/arch.h> must define:
 *
 *   unsigned long arch_irq_save(void)      mask interrupts on this CPU, return the old state
 *   bool arch_irqs_disabled_flags(unsigned long)  true if that old state had them masked
 *   void arch_irq_restore(unsigned long)   put back a state returned by arch_irq_save()
 *   void arch_irq_enable(void)             unmask interrupts on this CPU
 *   void arch_irq_disable(void)            mask interrupts on this CPU
 *   bool arch_irqs_disabled(void)          true if interrupts are masked on this CPU
 *   void arch_cpu_relax(void)              pause inside a spin loop (may be a no-op)
 *   struct cpu *arch_this_cpu(void)        this CPU's struct cpu, from a register that is
 *                                          set once per CPU and survives traps
 *   void arch_set_this_cpu(struct cpu *)   set that register (called once per CPU, early)
 *   unsigned long arch_trap_pc(const struct trap_frame *)   the interrupted pc
 *   unsigned long arch_trap_fp(const struct trap_frame *)   the interrupted frame pointer
 *   void arch_trap_set_pc(struct trap_frame *, unsigned long)  resume there instead
 *                                          (exception-table fixups, <mica/uaccess.h>)
 *   bool arch_trap_irqs_on(const struct trap_frame *)  interrupts were enabled where the
 *                                          trap hit
 *   bool arch_trap_from_user(const struct trap_frame *)  the trap came from user mode
 *   unsigned long arch_syscall_nr(const struct trap_frame *)   the system-call number and
 *   unsigned long arch_syscall_arg(const struct trap_frame *, int i)  argument i (0..5), in
 *                                          the registers include/uapi/mica/abi.h names
 *   void arch_syscall_set_return(struct trap_frame *, long)   the result register
 *   ELF_MACHINE                            the e_machine of this port's user programs
 *
 * and the type `struct arch_context`: what a task that is not running keeps of its CPU state
 * (the callee-saved registers, the stack pointer and where to resume), saved and loaded only by
 * arch_switch_to().
 */
#include <asm/arch.h>

/* ---- console ---- */

/* Writes one byte to the board's UART, polling. Callable with interrupts off, before the MMU is
 * on and during a panic. Callers serialise (the printk console lock). */
void arch_console_putc(char c);

/* ---- per-CPU bring-up ---- */

/* Per-CPU set-up run on every CPU (the boot CPU from start_kernel, secondaries from
 * secondary_start_kernel) before its interrupts are first enabled: trap vector, interrupt
 * controller's per-CPU part. */
void arch_cpu_init(struct cpu *c);

/* Starts the periodic tick (HZ per second) on the calling CPU. The port's timer interrupt
 * calls tick_handle() and re-arms. */
void arch_timer_init(void);

/* Starts secondary CPU `c` (c->hwid says which in the firmware's terms) on the stack whose top
 * is c->boot_stack_top. The CPU must arrive in secondary_start_kernel(c) with the MMU on, on the
 * kernel page tables, interrupts masked and arch_this_cpu() == c. Returns 0 once the request
 * was accepted (not when the CPU is up), or a negative errno. */
int arch_cpu_start(struct cpu *c);

/* Raises an inter-processor interrupt on CPU `c`. The receiving CPU's handler calls
 * smp_handle_ipi(). Safe with interrupts off, from any CPU. */
void arch_send_ipi(struct cpu *c);

/* ---- tasks ---- */

/*
 * Saves the caller's callee-saved registers, stack pointer and return address in *prev and
 * resumes the context in *next, returning from *its* call to arch_switch_to() (or, the first
 * time, entering as arch_context_init() arranged). Called with interrupts disabled; they stay
 * disabled across the switch. Nothing else of the CPU state is switched: the per-CPU pointer
 * (arch_this_cpu) belongs to the CPU, not the task.
 */
void arch_switch_to(struct arch_context *prev, struct arch_context *next);

/*
 * Prepares *ctx so that the first arch_switch_to() into it calls entry(arg) on the stack whose
 * top is stack_top (16-byte aligned), with interrupts still disabled and the frame chain ended
 * there (frame pointer 0; gdb's bt stops too). entry never returns.
 */
void arch_context_init(struct arch_context *ctx, unsigned long stack_top, void (*entry)(void *),
		       void *arg);

/*
 * Interrupts (not exceptions): the port's handler brackets its work with irq_enter() and
 * irq_exit() (<mica/preempt.h>), and calls irq_exit() last, with interrupts still disabled,
 * on the interrupted task's own kernel stack. irq_exit() may switch to another task (this is
 * kernel preemption) and come back later on ANOTHER CPU: after it, the trap exit must not
 * restore any per-CPU register from the trap frame (riscv: tp).
 */

/* ---- idle, halt, exit ---- */

/* Called with interrupts disabled: atomically enables them and waits (wfi/hlt) until one
 * arrives; returns after it was taken, with interrupts enabled. An interrupt that became
 * pending before the call is not lost (the idle loop checks for work, then calls this). */
void arch_wait_for_interrupt(void);

/* Masks interrupts and stops this CPU for good (used when another CPU panics). */
void arch_halt(void) __noreturn;

/* Makes QEMU exit with Mica's status (see EXIT_* in <mica/panic.h>); never returns. Each port
 * maps it onto its exit device and documents the mapping in docs/. */
void arch_exit(int status) __noreturn;

/* ---- time ---- */

/* Nanoseconds since some fixed point before start_kernel, monotonic on each CPU and
 * consistent across CPUs. Callable with interrupts off. */
u64 arch_clock_ns(void);

/* ---- traps and backtraces ---- */

/* Prints every register in a trap frame, one printk line per few registers. */
void arch_dump_regs(const struct trap_frame *tf);

/* One step of the frame-pointer unwinder. Given a frame pointer fp (as in arch_trap_fp() or
 * __builtin_frame_address(0)), stores the return address of that frame in *ret and returns
 * the caller's frame pointer, or 0 when the chain ends (the entry stubs end it with fp = 0).
 * Must not fault on a bad fp: generic code checks fp lies on a kernel stack first. */
unsigned long arch_unwind_frame(unsigned long fp, unsigned long *ret);

/* ---- memory ----
 *
 * In <asm/pgtable.h>: the page-table levels, PTE helpers and user range (the list is in
 * <mica/pgtable.h>). Out of line: the TLB hooks of <mica/tlbflush.h>
 * (arch_local_flush_tlb_range, arch_local_flush_tlb_all, arch_switch_mm) and the user-copy
 * routines of <mica/uaccess.h> (arch_copy_from_user, arch_copy_to_user). The trap handler
 * calls do_page_fault() (<mica/uaccess.h>) for every page fault.
 */

/* ---- user mode ----
 *
 * Every trap from user mode builds its trap frame at the very top of the current task's
 * kernel stack (task_user_frame(), <mica/proc.h>): the stack top is what
 * arch_set_kernel_stack() last named on this CPU. A system call (ecall / svc / syscall) is
 * passed to do_syscall() after the port has moved the saved pc past the instruction; every
 * trap from user mode (system call, fault, interrupt) ends with exit_to_user(tf), interrupts
 * masked, before the frame is restored. A user exception the kernel cannot resolve goes to
 * user_exception_kill() (a page fault does, through do_page_fault()).
 */

/* Makes tf a fresh user context: pc, sp, user mode, interrupts enabled, every other register
 * zero. */
void arch_user_frame_init(struct trap_frame *tf, unsigned long pc, unsigned long sp);
/* Sets the user stack pointer in tf (a new thread's stack). */
void arch_user_frame_set_sp(struct trap_frame *tf, unsigned long sp);
/* Restores tf (the current task's user frame) and enters user mode. Interrupts masked. */
void arch_return_to_user(struct trap_frame *tf) __noreturn;
/* The kernel stack top traps from user mode use on this CPU from now on (called by the
 * scheduler when it switches to a user thread). Interrupts masked. */
void arch_set_kernel_stack(unsigned long top);
/* One byte from the console if one has arrived, else -1. Never waits. */
int arch_console_getc(void);

/* ---- facts ---- */

/* Short port name, "riscv" / "arm" / "x86", printed in the banner. */
extern const char arch_name[];

#endif
