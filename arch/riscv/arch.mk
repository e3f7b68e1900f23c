# RISC-V port: rv64 in S-mode under OpenSBI on `qemu-system-riscv64 -machine virt`.
# Included by the top-level Makefile, which documents each variable; this is the annotated one.

# Bare-metal toolchain (Debian gcc-riscv64-unknown-elf, GCC 12.2).
CROSS_COMPILE := riscv64-unknown-elf-

# -march: rv64imac plus the two extensions binutils 2.40 splits out of the base ISA, zicsr
#   (csrr/csrw) and zifencei (fence.i). No F/D: the kernel never touches floating point, so
#   there is no FPU state to save in a trap.
# -mabi=lp64: the soft-float ABI that goes with no F/D.
# -mcmodel=medany: code and data may sit anywhere within +-2 GiB of the pc (we link at
#   0x80200000, above the 2 GiB that medlow can reach).
# -mno-relax: no linker relaxation, hence no gp-relative accesses and no __global_pointer$.
#   Two reasons: gp stays free (the future user-mode port need not save/restore a kernel gp),
#   and relaxation would make code size depend on where .rodata lands, which changes between
#   the two kallsyms links and would move functions (scripts/kallsyms.py --check fails).
ARCH_CFLAGS := -march=rv64imac_zicsr_zifencei -mabi=lp64 -mcmodel=medany -mno-relax

ARCH_LDFLAGS := -Wl,--build-id=none -Wl,--no-relax -z max-page-size=4096

ARCH_SRCS := arch/riscv/head.S arch/riscv/entry.S arch/riscv/boot.c arch/riscv/console.c \
	arch/riscv/mmu.c arch/riscv/sbi.c arch/riscv/trap.c arch/riscv/timer.c \
	arch/riscv/smp.c arch/riscv/power.c arch/riscv/switch.S arch/riscv/task.c arch/riscv/tlb.c \
	arch/riscv/uaccess.S

# libgcc for any helper GCC may call (__clzdi2, __popcountdi2, ...; 64-bit division is a
# hardware instruction here). The multilib is named explicitly: with `_zicsr` in -march,
# GCC 12 no longer matches the rv64imac/lp64 multilib and would hand us the lp64d default.
ARCH_LIBS := $(shell $(CROSS_COMPILE)gcc -march=rv64imac -mabi=lp64 -print-libgcc-file-name)

ARCH_POSTLINK :=

QEMU := qemu-system-riscv64
# -bios default: the OpenSBI 1.1 build shipped with QEMU, which loads the ELF at 0x80200000.
QEMU_MACHINE := -machine virt -bios default
QEMU_KERNEL := $(BUILD)/mica.elf
GDB_ARCH := riscv:rv64
