# User programs on the x86-64 port, included by the top-level Makefile's `user` rule
# (docs/syscalls.md). The compiler is the host gcc, as for the kernel (arch/x86/arch.mk).

# The flags newlib was built with (scripts/newlib.sh explains each; the two must agree): the
# host gcc's Linux predefines removed (newlib's headers change the ABI when they see
# __linux__), -fpie because the program sits at 512 GiB, beyond the small code model's
# 32-bit absolute addresses, no stack protector (its canary is TLS, %fs:0x28). SSE and the
# red zone are used: the kernel must save the SSE state of user threads.
USER_ARCH_CFLAGS := -m64 -march=x86-64 -fpie -fno-stack-protector -U_FORTIFY_SOURCE \
	-U__linux__ -U__linux -Ulinux -U__gnu_linux__ -U__unix__ -U__unix -Uunix
# A static, non-PIE link of that code. --no-relax: ld would turn GOT loads of a symbol into
# instructions with its address as a 32-bit immediate (cmpq $sym, ...), which cannot hold an
# address at 512 GiB ("failed to convert GOTPCREL relocation"); the GOT stays, filled at link
# time. No RELRO: no dynamic linker will mprotect it.
USER_ARCH_LDFLAGS := -no-pie -Wl,--no-relax -Wl,-z,norelro
# USER_BASE (arch/x86/include/asm/pgtable.h) + 64 KiB: the first 64 KiB stay unmapped.
USER_TEXT := 0x8000010000
