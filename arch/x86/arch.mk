# x86-64 port: qemu-system-x86_64 (q35, TCG), built with the host gcc.
CROSS_COMPILE :=

# -mno-red-zone: interrupts arrive on the kernel stack and would overwrite the 128 bytes below
# %rsp that the SysV ABI lets leaf functions use. -mgeneral-regs-only: the kernel never touches
# the x87/SSE registers, so they are saved only when a user thread is switched away (fpu.c).
# -mcmodel=small: the kernel is linked and identity-mapped at 1 MiB, below 2 GiB.
ARCH_CFLAGS := -m64 -march=x86-64 -mno-red-zone -mgeneral-regs-only -mcmodel=small \
	-fno-pic -fno-pie -fno-asynchronous-unwind-tables
# -z noexecstack: the .S files carry no .note.GNU-stack, and a kernel has no such notion anyway.
ARCH_LDFLAGS := -no-pie -Wl,--build-id=none -z max-page-size=4096 -z noexecstack
ARCH_SRCS := arch/x86/head.S arch/x86/trampoline.S arch/x86/entry.S arch/x86/switch.S \
	arch/x86/boot.c arch/x86/acpi.c arch/x86/console.c arch/x86/cpu.c arch/x86/trap.c \
	arch/x86/lapic.c arch/x86/timer.c arch/x86/smp.c arch/x86/task.c arch/x86/mmu.c \
	arch/x86/uaccess.S arch/x86/user.c arch/x86/fpu.c
# No libgcc: the host's is built with the red zone (a link error names any helper GCC needs).
ARCH_LIBS :=
ARCH_POSTLINK :=

QEMU := qemu-system-x86_64
# isa-debug-exit: a write of v to port 0xf4 makes QEMU exit with (v << 1) | 1 (see cpu.c).
QEMU_MACHINE := -machine q35 -cpu qemu64 -nic none \
	-device isa-debug-exit,iobase=0xf4,iosize=0x04
# The ELF64 itself: QEMU boots it through its PVH note (head.S), and gdb reads the same file.
QEMU_KERNEL := $(BUILD)/mica.elf
GDB_ARCH := i386:x86-64
