/*
 * Calls into the Supervisor Binary Interface (OpenSBI in M-mode), RISC-V SBI spec v1.0.
 * Only the extensions Mica uses: BASE, TIME, IPI, RFENCE and HSM (all present in OpenSBI 1.1).
 */
#ifndef ASM_RISCV_SBI_H
#define ASM_RISCV_SBI_H

#include <mica/types.h>

/* Extension ids (SBI spec chapters 4, 6, 7, 8 and 9): ASCII of their names, but BASE. */
#define SBI_EXT_BASE 0x10
#define SBI_EXT_TIME 0x54494D45	  /* "TIME" */
#define SBI_EXT_IPI 0x735049	  /* "sPI" */
#define SBI_EXT_RFENCE 0x52464E43 /* "RFNC" */
#define SBI_EXT_HSM 0x48534D	  /* "HSM" */

#define SBI_BASE_PROBE_EXTENSION 3 /* value: nonzero if the extension a0 is there */
#define SBI_TIME_SET_TIMER 0
#define SBI_IPI_SEND_IPI 0
#define SBI_RFENCE_SFENCE_VMA 1 /* (hart_mask, hart_mask_base, start_addr, size) */
#define SBI_HSM_HART_START 0

/* An RFENCE size meaning "the whole address space" (SBI spec 8: 2^XLEN - 1). */
#define SBI_RFENCE_ALL (~0UL)

struct riscv_sbiret {
	long error; /* SBI_SUCCESS (0) or a negative SBI error code (SBI spec 3.2) */
	long value;
};

/* Makes one SBI call (SBI spec 3: a7 = extension, a6 = function, a0-a3 = arguments; a call
 * that takes fewer ignores the rest). */
struct riscv_sbiret riscv_sbi_call(unsigned long ext, unsigned long fid, unsigned long arg0,
				   unsigned long arg1, unsigned long arg2, unsigned long arg3);

/* Turns an SBI error code into a negative errno. */
int riscv_sbi_errno(long error);

#endif
