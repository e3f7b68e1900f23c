/*
 * From QEMU's PVH hand-off to C: 32-bit protected mode -> long mode, on the boot CPU and (from
 * trampoline.S) on every secondary CPU.
 *
 *  x86_pvh_entry     boot CPU, 32-bit, paging off, %ebx = struct hvm_start_info (asm/pvh.h)
 *  x86_ap_entry32    secondary CPU, 32-bit, arriving from the real-mode trampoline
 *  x86_enter_long_mode   shared: PAE, CR3, EFER.LME, paging, then a far jump into 64-bit code
 *  x86_boot64 / x86_ap_entry64   64-bit: segments, stack, first C function
 *
 * Page tables: one identity map of the low 4 GiB with 2 MiB pages (PML4 -> 1 PDPT -> 4 page
 * directories), built once by the boot CPU and shared by all. It covers the kernel, RAM up to
 * 4 GiB and the LAPIC/IOAPIC/HPET MMIO near 0xfee00000. Memory types come from the MTRRs the
 * firmware set (UC for the MMIO hole), so every entry is plain write-back. The 2 MiB entries
 * are global (G): once x86_mmu_init_cpu() sets CR4.PGE, CR3 loads keep their TLB entries
 * (SDM 3A 4.10.2.4); until then G is ignored. The map never changes after boot, so no global
 * entry ever needs invalidating.
 */
#include <asm/boot.h>
#include <asm/pvh.h>
#include <asm/x86.h>

	.cfi_sections .debug_frame

/* The PVH entry note QEMU looks for (hw/i386/x86.c, read_pvh_start_addr): it reads the
 * descriptor at 12 + namesz rounded up to the note segment's alignment, as 8 bytes for an
 * ELF64, hence .balign 4 and a .quad. */
	.section .note.Xen, "a", @note
	.balign 4
	.long 2f - 1f			/* namesz */
	.long 4f - 3f			/* descsz */
	.long PVH_ELFNOTE_PHYS32_ENTRY
1:	.asciz "Xen"
2:	.balign 4
3:	.quad x86_pvh_entry
4:	.balign 4

	.text
	.code32
	.globl x86_pvh_entry
	.type x86_pvh_entry, @function
x86_pvh_entry:
	cli
	cld
	/* The loader's GDT may live anywhere; switch to ours before touching memory. */
	lgdt x86_gdt_ptr
	ljmp $X86_CS32, $1f
1:	mov $X86_DS, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %ss
	mov %ebx, %esi			/* start_info, kept for x86_boot_main */

	/* Zero .bss: page tables, stacks and C's zero-initialised data live there. */
	mov $__bss_start, %edi
	mov $__bss_end, %ecx
	sub %edi, %ecx
	xor %eax, %eax
	rep stosb

	/* PML4[0] -> PDPT; PDPT[0..3] -> the 4 page directories; 2048 global PDEs of 2 MiB. */
	movl $(x86_pdpt + X86_PTE_P + X86_PTE_W), x86_pml4
	mov $(x86_pd + X86_PTE_P + X86_PTE_W), %eax
	xor %ecx, %ecx
2:	mov %eax, x86_pdpt(, %ecx, 8)
	add $4096, %eax
	inc %ecx
	cmp $4, %ecx
	jb 2b
	mov $(X86_PTE_P + X86_PTE_W + X86_PTE_PS + X86_PTE_G), %eax
	xor %ecx, %ecx
3:	mov %eax, x86_pd(, %ecx, 8)
	add $0x200000, %eax
	inc %ecx
	cmp $(4 * 512), %ecx
	jb 3b

	mov $x86_boot64, %edi
	jmp x86_enter_long_mode
	.size x86_pvh_entry, . - x86_pvh_entry

/* A secondary CPU, in protected mode on our GDT (trampoline.S). */
	.globl x86_ap_entry32
	.type x86_ap_entry32, @function
x86_ap_entry32:
	mov $X86_DS, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %ss
	mov $x86_ap_entry64, %edi
	jmp x86_enter_long_mode
	.size x86_ap_entry32, . - x86_ap_entry32

/*
 * Enters IA-32e mode the way SDM Vol. 3A 9.8.5 lists it: PAE on, CR3 = the PML4, EFER.LME = 1,
 * then CR0.PG = 1 (the CPU is now in compatibility mode), then a far jump to a 64-bit code
 * segment. In: %edi = the 64-bit code to continue at. Keeps %esi. Needs no stack (neither
 * caller has one yet). Caching is switched on too: a CPU fresh from INIT has CR0.CD and CR0.NW
 * set (SDM 3A 9.1.1, table 9-1).
 */
	.type x86_enter_long_mode, @function
x86_enter_long_mode:
	mov %cr4, %eax
	or $X86_CR4_PAE, %eax
	mov %eax, %cr4
	mov $x86_pml4, %eax
	mov %eax, %cr3
	mov $X86_MSR_EFER, %ecx
	rdmsr
	or $X86_EFER_LME, %eax
	wrmsr
	mov %cr0, %eax
	and $~(X86_CR0_CD | X86_CR0_NW | X86_CR0_EM), %eax
	or $(X86_CR0_PE | X86_CR0_WP | X86_CR0_PG), %eax
	mov %eax, %cr0
	ljmp $X86_CS64, $1f
	.code64
1:	mov %edi, %edi			/* 32-bit results leave the upper halves undefined */
	jmp *%rdi
	.size x86_enter_long_mode, . - x86_enter_long_mode

/* Flat data segments; %fs and %gs get the null selector (their bases are set by MSR). */
.macro X86_LOAD_DATA_SEGMENTS
	mov $X86_DS, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %ss
	xor %eax, %eax
	mov %eax, %fs
	mov %eax, %gs
.endm

/* Boot CPU in 64-bit mode: x86_boot_main(start_info). The first frame: rbp = 0 ends Mica's
 * frame-pointer walk, and an undefined return address ends gdb's. */
	.globl x86_boot64
	.type x86_boot64, @function
x86_boot64:
	.cfi_startproc
	.cfi_undefined rip
	X86_LOAD_DATA_SEGMENTS
	mov $(x86_boot_stack + X86_BOOT_STACK_SIZE), %rsp
	xor %ebp, %ebp
	mov %esi, %edi
	call x86_boot_main
	ud2				/* x86_boot_main never returns */
	.cfi_endproc
	.size x86_boot64, . - x86_boot64

/* Secondary CPU in 64-bit mode: its stack and struct cpu are x86_ap_start[its APIC id], which
 * arch_cpu_start() filled before the SIPI. CPUID.01H:EBX[31:24] is the initial APIC id. */
	.globl x86_ap_entry64
	.type x86_ap_entry64, @function
x86_ap_entry64:
	.cfi_startproc
	.cfi_undefined rip
	X86_LOAD_DATA_SEGMENTS
	mov $1, %eax
	cpuid
	shr $24, %ebx
	shl $4, %ebx			/* sizeof(struct x86_ap_start) == 16, checked in smp.c */
	mov x86_ap_start(%rbx), %rsp
	mov x86_ap_start + 8(%rbx), %rdi
	xor %ebp, %ebp
	call x86_secondary_main
	ud2
	.cfi_endproc
	.size x86_ap_entry64, . - x86_ap_entry64

	.data
	.balign 16
	.globl x86_gdt
x86_gdt:
	.quad 0
	.quad 0x00cf9a000000ffff	/* X86_CS32: base 0, limit 4 GiB, 32-bit code */
	.quad 0x00af9a000000ffff	/* X86_CS64: L = 1 (SDM 3A 3.4.5, 5.2.1) */
	.quad 0x00cf92000000ffff	/* X86_DS: base 0, limit 4 GiB, writable data */
	.if . - x86_gdt != X86_GDT_SIZE
	.error "X86_GDT_SIZE does not match the GDT"
	.endif
x86_gdt_ptr:
	.word X86_GDT_SIZE - 1
	.quad x86_gdt

	.bss
	.balign 4096
	.globl x86_pml4			/* the kernel's top table: arch_kernel_pgd() (mmu.c) */
x86_pml4:
	.skip 4096
x86_pdpt:
	.skip 4096
x86_pd:
	.skip 4 * 4096
	.balign 16
x86_boot_stack:
	.skip X86_BOOT_STACK_SIZE
