/* The SBI calling convention (RISC-V SBI spec v1.0, chapter 3): an ecall from S-mode. */
#include <asm/sbi.h>
#include <mica/errno.h>

struct riscv_sbiret riscv_sbi_call(unsigned long ext, unsigned long fid, unsigned long arg0,
				   unsigned long arg1, unsigned long arg2, unsigned long arg3)
{
	register unsigned long a0 __asm__("a0") = arg0;
	register unsigned long a1 __asm__("a1") = arg1;
	register unsigned long a2 __asm__("a2") = arg2;
	register unsigned long a3 __asm__("a3") = arg3;
	register unsigned long a6 __asm__("a6") = fid;
	register unsigned long a7 __asm__("a7") = ext;

	/* SBI spec 3.1: every register but a0 and a1 is preserved across the call. */
	__asm__ __volatile__("ecall"
			     : "+r"(a0), "+r"(a1)
			     : "r"(a2), "r"(a3), "r"(a6), "r"(a7)
			     : "memory");
	return (struct riscv_sbiret){ .error = (long)a0, .value = (long)a1 };
}

int riscv_sbi_errno(long error)
{
	/* SBI spec 3.2, Table 1 */
	switch (error) {
	case 0:
		return 0;
	case -2: /* SBI_ERR_NOT_SUPPORTED */
		return -ENOSYS;
	case -3: /* SBI_ERR_INVALID_PARAM */
	case -5: /* SBI_ERR_INVALID_ADDRESS */
		return -EINVAL;
	case -4: /* SBI_ERR_DENIED */
		return -EPERM;
	case -6: /* SBI_ERR_ALREADY_AVAILABLE */
		return -EBUSY;
	default: /* SBI_ERR_FAILED and anything newer */
		return -EIO;
	}
}
