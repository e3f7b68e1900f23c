# The ARMv7-A port: Cortex-A15 on QEMU's virt board, built with arm-none-eabi-gcc.
# Included by the top-level Makefile (the variables it expects are listed there).

CROSS_COMPILE := arm-none-eabi-
# ARM state only (-marm): the frame-pointer unwinder knows ARM frames (fp = r11), not Thumb's.
# Soft float: the kernel saves no FPU state, so it must never touch VFP/NEON registers.
# -mno-unaligned-access: the hand-off runs C with the MMU off, when every data access is
# Strongly-ordered (ARM ARM B3.2.1) and an unaligned one faults whatever SCTLR.A says (A3.2.1).
ARCH_CFLAGS := -mcpu=cortex-a15 -marm -mfloat-abi=soft -mno-unaligned-access
ARCH_LDFLAGS := -Wl,--build-id=none -z max-page-size=4096
ARCH_SRCS := arch/arm/head.S arch/arm/entry.S arch/arm/switch.S arch/arm/boot.c arch/arm/mmu.c \
	arch/arm/console.c arch/arm/trap.c arch/arm/gic.c arch/arm/timer.c arch/arm/smp.c \
	arch/arm/power.c arch/arm/cpu.c arch/arm/task.c arch/arm/uaccess.S
# 64-bit division (__aeabi_uldivmod). This multilib (thumb/v7-a/nofp) is soft float; its Thumb
# code is reached by BLX, which the linker inserts (interworking, ARM ARM A4.1.1).
ARCH_LIBS := $(shell $(CROSS_COMPILE)gcc $(ARCH_CFLAGS) -print-libgcc-file-name)
ARCH_POSTLINK :=

QEMU := qemu-system-arm
# Semihosting is how the kernel sets QEMU's exit status (see docs/port-arm.md); without
# virtualization=on the CPU starts in SVC mode and PSCI is reached with hvc.
QEMU_MACHINE := -machine virt -cpu cortex-a15 -semihosting-config enable=on,target=native
QEMU_KERNEL := $(BUILD)/mica.elf
GDB_ARCH := arm
