# User programs on the RISC-V port, included by the top-level Makefile's `user` rule
# (docs/syscalls.md). The compiler is the kernel's (CROSS_COMPILE, arch/riscv/arch.mk).

# The ABI newlib is built for (scripts/newlib.sh; the two must agree): rv64imac/lp64, no F/D
# (the kernel saves no FP state for user threads), medany (linked at 64 GiB, beyond medlow's
# reach). Plain rv64imac in -march, not the kernel's _zicsr_zifencei: with those GCC 12 picks
# the lp64d libgcc (see arch/riscv/arch.mk); user code has no CSR or fence.i to issue.
USER_ARCH_CFLAGS := -march=rv64imac -mabi=lp64 -mcmodel=medany
USER_ARCH_LDFLAGS :=
# USER_BASE (arch/riscv/include/asm/pgtable.h) + 64 KiB: the first 64 KiB stay unmapped.
USER_TEXT := 0x1000010000
