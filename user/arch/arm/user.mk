# User programs on the ARM port, included by the top-level Makefile's `user` rule
# (docs/syscalls.md). The compiler is the kernel's (CROSS_COMPILE, arch/arm/arch.mk).

# ARM state and soft float, as the kernel (no VFP state is saved); GCC maps these flags to
# Debian newlib's thumb/v7-a/nofp multilib (scripts/newlib.sh checks), whose Thumb-2 code is
# reached by BLX interworking. User code may make unaligned accesses (GCC's default for
# ARMv7-A, and newlib's memcpy): the kernel must leave SCTLR.A clear.
USER_ARCH_CFLAGS := -mcpu=cortex-a15 -marm -mfloat-abi=soft
USER_ARCH_LDFLAGS :=
# USER_BASE (arch/arm/include/asm/pgtable.h) + 64 KiB: the first 64 KiB stay unmapped.
USER_TEXT := 0x80010000
