/*
 * Supervisor CSRs and their bits, from the RISC-V privileged spec v1.12 chapter 4 (section
 * numbers below), plus the Sstc extension's stimecmp. Usable from C and from assembly.
 */
#ifndef ASM_RISCV_CSR_H
#define ASM_RISCV_CSR_H

/* sstatus (4.1.1) */
#define SSTATUS_SIE (1UL << 1)	/* supervisor interrupts enabled */
#define SSTATUS_SPIE (1UL << 5) /* SIE before the trap; sret copies it back */
#define SSTATUS_SPP (1UL << 8)	/* privilege before the trap: 1 = S, 0 = U */
#define SSTATUS_SUM (1UL << 18) /* S-mode may access U pages (only inside uaccess.S) */

/* sie / sip bits (4.1.3): the interrupt number is the bit index */
#define IRQ_S_SOFT 1
#define IRQ_S_TIMER 5
#define IRQ_S_EXT 9
#define SIE_SSIE (1UL << IRQ_S_SOFT)
#define SIE_STIE (1UL << IRQ_S_TIMER)
#define SIP_SSIP (1UL << IRQ_S_SOFT)

/* scause (4.1.8): top bit set for interrupts, the rest is the code of Table 4.2 */
#define CAUSE_INTERRUPT (1UL << 63)
#define CAUSE_ILLEGAL_INSN 2
#define CAUSE_BREAKPOINT 3
#define CAUSE_USER_ECALL 8
#define CAUSE_FETCH_PAGE_FAULT 12
#define CAUSE_LOAD_PAGE_FAULT 13
#define CAUSE_STORE_PAGE_FAULT 15

/* satp (4.1.11): MODE in bits 63:60, ASID 59:44, PPN of the root table 43:0 */
#define SATP_MODE_SV39 (8UL << 60)
#define SATP_ASID_SHIFT 44
#define SATP_ASID_MASK (0xffffUL << SATP_ASID_SHIFT) /* ASIDMAX = 16 bits for Sv39 */

/* Sstc: supervisor timer compare, an interrupt is pending while time >= stimecmp */
#define CSR_STIMECMP 0x14d

#ifndef __ASSEMBLY__

/* Two steps so a CSR given as a macro (CSR_STIMECMP) is expanded before it is quoted. */
#define __csr_str(x) #x
#define __csr_name(x) __csr_str(x)

#define csr_read(csr)                                                                    \
	({                                                                               \
		unsigned long __v;                                                       \
		__asm__ __volatile__("csrr %0, " __csr_name(csr) : "=r"(__v)::"memory"); \
		__v;                                                                     \
	})

#define csr_write(csr, val) \
	__asm__ __volatile__("csrw " __csr_name(csr) ", %0" ::"rK"((unsigned long)(val)) : "memory")

/* Set / clear bits, returning the CSR's old value. */
#define csr_read_set(csr, bits)                                          \
	({                                                               \
		unsigned long __v;                                       \
		__asm__ __volatile__("csrrs %0, " __csr_name(csr) ", %1" \
				     : "=r"(__v)                         \
				     : "rK"((unsigned long)(bits))       \
				     : "memory");                        \
		__v;                                                     \
	})
#define csr_read_clear(csr, bits)                                        \
	({                                                               \
		unsigned long __v;                                       \
		__asm__ __volatile__("csrrc %0, " __csr_name(csr) ", %1" \
				     : "=r"(__v)                         \
				     : "rK"((unsigned long)(bits))       \
				     : "memory");                        \
		__v;                                                     \
	})
#define csr_set(csr, bits) ((void)csr_read_set(csr, bits))
#define csr_clear(csr, bits) ((void)csr_read_clear(csr, bits))

#endif /* !__ASSEMBLY__ */
#endif
