# Mica's one Makefile: `make [ARCH=riscv|arm|x86] [all|qemu|qemu-gdb|gdb|test|user|format|clean]`.
# Every target first runs scripts/install-deps.sh, which installs missing Debian packages.

ARCHES := riscv arm x86
.DEFAULT_GOAL := all
ARCH ?= riscv
SMP ?= 4
MEM ?= 128M
OPT ?= -O2
KTEST ?= all
# Extra kernel command-line words for `make qemu` (e.g. CMDLINE="ktest=printk loglevel=7").
CMDLINE ?=
# gdb stub port: per user, so two people on one machine do not collide.
GDBPORT ?= $(shell echo $$((25000 + $$(id -u) % 5000)))

ifeq ($(filter $(ARCH),$(ARCHES)),)
$(error ARCH=$(ARCH) is not a Mica port; choose one of: $(ARCHES))
endif

BUILD := build/$(ARCH)
# Ports the test target covers: all of them, unless ARCH was given on the command line.
ifeq ($(origin ARCH),command line)
TEST_ARCHES := $(ARCH)
else
TEST_ARCHES := $(ARCHES)
endif

# The port says: CROSS_COMPILE, ARCH_CFLAGS, ARCH_LDFLAGS, ARCH_SRCS, ARCH_LIBS, QEMU,
# QEMU_MACHINE, QEMU_KERNEL, GDB_ARCH (see arch/riscv/arch.mk for the annotated version).
include arch/$(ARCH)/arch.mk

CC := $(CROSS_COMPILE)gcc
LD := $(CROSS_COMPILE)ld
NM := $(CROSS_COMPILE)nm
OBJCOPY := $(CROSS_COMPILE)objcopy

CFLAGS := -std=gnu11 $(OPT) -g -Wall -Wextra -Werror -Wno-unused-parameter \
	-ffreestanding -fno-common -fno-stack-protector -fno-omit-frame-pointer \
	-fno-optimize-sibling-calls -fno-strict-aliasing \
	-nostdinc -isystem $(shell $(CC) -print-file-name=include 2>/dev/null) \
	-Iinclude -Iarch/$(ARCH)/include -MMD -MP $(ARCH_CFLAGS)
LDFLAGS := -nostdlib -static $(ARCH_LDFLAGS)

GENERIC_SRCS := $(wildcard boot/*.c kernel/*.c kernel/lib/*.c kernel/sched/*.c \
	kernel/mm/*.c kernel/proc/*.c tests/ktest/*.c)
SRCS := $(GENERIC_SRCS) $(ARCH_SRCS)
# Device trees the tests parse (tests/ktest/*.dts), linked in as <name>_dtb in .rodata.
DTS_SRCS := $(wildcard tests/ktest/*.dts)
OBJS := $(patsubst %,$(BUILD)/obj/%.o,$(basename $(SRCS))) \
	$(patsubst %.dts,$(BUILD)/obj/%.dtb.o,$(DTS_SRCS)) $(BUILD)/obj/initramfs.o

KERNEL := $(BUILD)/mica.elf

.PHONY: all kernel deps qemu qemu-gdb gdb test test-build bench user user-progs format clean help
# The user programs first (the kernel's initramfs holds them), then the kernel, in a second
# make that sees them.
all: deps
	@$(MAKE) --no-print-directory ARCH=$(ARCH) OPT='$(OPT)' user
	@$(MAKE) --no-print-directory ARCH=$(ARCH) OPT='$(OPT)' kernel
kernel: $(KERNEL) $(BUILD)/qemu.args

deps:
	@scripts/install-deps.sh

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/obj/%.o: %.S
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	@$(CC) $(CFLAGS) -D__ASSEMBLY__ -c $< -o $@

$(BUILD)/obj/%.dtb.o: %.dts
	@mkdir -p $(dir $@)
	@echo "  DTC     $<"
	@dtc -q -I dts -O dtb -o $(BUILD)/obj/$*.dtb $<
	@printf '\t.section .rodata\n\t.balign 8\n\t.globl %s_dtb\n%s_dtb:\n\t.incbin "%s"\n' \
		$(notdir $*) $(notdir $*) $(BUILD)/obj/$*.dtb | $(CC) $(ARCH_CFLAGS) -x assembler -c - -o $@

$(BUILD)/kernel.lds: arch/$(ARCH)/kernel.lds.S include/mica/sections.lds.h
	@mkdir -p $(dir $@)
	@$(CC) -E -P -x c -D__ASSEMBLY__ -Iinclude -Iarch/$(ARCH)/include -MMD -MP -MT $@ \
		-MF $@.d $< -o $@

# Two links: the first has an empty symbol table; its symbols become the table of the second.
$(BUILD)/kallsyms0.c:
	@mkdir -p $(dir $@)
	@python3 scripts/kallsyms.py /dev/null $@

$(BUILD)/%.o: $(BUILD)/%.c
	@$(CC) $(CFLAGS) -c $< -o $@

$(KERNEL): $(OBJS) $(BUILD)/kallsyms0.o $(BUILD)/kernel.lds scripts/kallsyms.py
	@echo "  LD      $@"
	@$(CC) $(LDFLAGS) -T $(BUILD)/kernel.lds -o $(BUILD)/mica.pass1.elf $(OBJS) \
		$(BUILD)/kallsyms0.o $(ARCH_LIBS)
	@$(NM) -S -n $(BUILD)/mica.pass1.elf | python3 scripts/kallsyms.py - $(BUILD)/kallsyms.c
	@$(CC) $(CFLAGS) -c $(BUILD)/kallsyms.c -o $(BUILD)/kallsyms.o
	@$(CC) $(LDFLAGS) -T $(BUILD)/kernel.lds -o $@ $(OBJS) $(BUILD)/kallsyms.o $(ARCH_LIBS)
	@$(NM) -S -n $@ | python3 scripts/kallsyms.py --check - $(BUILD)/kallsyms.c
	@$(ARCH_POSTLINK)

# QEMU's command line, one word a line, without -smp, -append and gdb options: tests/run
# reads it, so the test runner and `make qemu` boot exactly the same machine.
$(BUILD)/qemu.args: Makefile arch/$(ARCH)/arch.mk
	@mkdir -p $(dir $@)
	@printf '%s\n' $(QEMU) $(QEMU_MACHINE) -m $(MEM) -kernel $(QEMU_KERNEL) \
		-display none -no-reboot > $@

QEMU_RUN = $(QEMU) $(QEMU_MACHINE) -m $(MEM) -smp $(SMP) -kernel $(QEMU_KERNEL) \
	-display none -no-reboot -serial mon:stdio -append "expect_cpus=$(SMP) $(CMDLINE)"

qemu: all
	@echo "Booting Mica ($(ARCH), $(SMP) CPUs). Quit: Ctrl-A X."
	$(QEMU_RUN)

qemu-gdb: all
	@echo "QEMU halted, gdb stub on port $(GDBPORT). In another terminal: make ARCH=$(ARCH) gdb"
	$(QEMU_RUN) -S -gdb tcp::$(GDBPORT)

gdb: deps $(KERNEL)
	gdb-multiarch -q -ex 'set architecture $(GDB_ARCH)' -ex 'file $(KERNEL)' \
		-x tools/gdbinit -ex 'target remote :$(GDBPORT)'

# Builds every port under test, then boots them all (tests/run does the judging).
test-build: deps
	@for a in $(TEST_ARCHES); do $(MAKE) --no-print-directory ARCH=$$a OPT='$(OPT)' all || exit 1; done

test: test-build
	@python3 tests/run --arch "$(TEST_ARCHES)" --smp $(SMP) --ktest $(KTEST)

# Figures, not verdicts: boots ktest=bench on every port under test (tests/ktest/bench.c).
bench: test-build
	@python3 tests/run --bench --arch "$(TEST_ARCHES)" --smp $(SMP)

# ---- User programs: `make [ARCH=..] user` (docs/syscalls.md) ----
# Every user/*.c with a main() (a line starting `int main(` or `main(`) becomes the program
# build/<arch>/user/bin/<name> (where scripts/initramfs.mk packs the initramfs from, so build
# the kernel after this): a static ELF linked at USER_TEXT, the port's USER_BASE + 64 KiB,
# from user/arch/<arch>/crt0.S, the file itself, user/lib/ and user/arch/<arch>/ (system
# calls, POSIX glue), then newlib's libc and libm and libgcc. Add a program: drop user/foo.c;
# one that outgrows a file keeps its main there and adds user/foo/*.c (linked in too).
# newlib comes from scripts/newlib.sh, which builds it into a cache outside the tree the first
# time (about a minute per port); the script runs only here, handing its directory to a second
# make as NEWLIB. `all` (and so `qemu` and `test`) runs `user` before the kernel.
# Per port (user/arch/<arch>/user.mk): USER_ARCH_CFLAGS, USER_ARCH_LDFLAGS, USER_TEXT.
include user/arch/$(ARCH)/user.mk

USER_BUILD := $(BUILD)/user
USER_MAIN_RE := ^(int[[:space:]]+)?main[[:space:]]*[(]
USER_PROGS := $(patsubst user/%.c,$(USER_BUILD)/bin/%, \
	$(shell grep -lE '$(USER_MAIN_RE)' user/*.c 2>/dev/null))
USER_CRT0 := $(USER_BUILD)/obj/user/arch/$(ARCH)/crt0.o
include scripts/initramfs.mk
USER_LIB_OBJS := $(patsubst %,$(USER_BUILD)/obj/%.o,$(basename \
	$(wildcard user/lib/*.c) $(filter-out %/crt0.S,$(wildcard user/arch/$(ARCH)/*.S))))
# Recursive (=): NEWLIB is only known inside the second make.
USER_CFLAGS = -std=gnu11 $(OPT) -g -Wall -Wextra -Werror -Wno-unused-parameter -fno-common \
	-ffunction-sections -fdata-sections -nostdinc -Iuser/include -Iinclude/uapi \
	-isystem $(NEWLIB)/include -isystem $(shell $(CC) -print-file-name=include) \
	$(addprefix -isystem ,$(wildcard $(shell $(CC) -print-file-name=include-fixed))) \
	-MMD -MP $(USER_ARCH_CFLAGS)
# The toolchain's default linker script, its text segment (ELF and program headers first)
# moved to USER_TEXT; --gc-sections drops the functions a program never reaches.
USER_LDFLAGS = -nostdlib -static -Wl,-Ttext-segment=$(USER_TEXT) -Wl,--gc-sections \
	-Wl,--build-id=none -z max-page-size=4096 -z noexecstack $(USER_ARCH_LDFLAGS)
USER_LIBS = $(NEWLIB)/lib/libc.a $(NEWLIB)/lib/libm.a \
	$(shell $(CC) $(USER_ARCH_CFLAGS) -print-libgcc-file-name)

user: deps
	@newlib=$$(scripts/newlib.sh $(ARCH)) && \
		$(MAKE) --no-print-directory ARCH=$(ARCH) OPT='$(OPT)' NEWLIB="$$newlib" user-progs

# The rules below exist only in the second make: elsewhere (the kernel's make) the programs in
# build/<arch>/user/bin/ are files the initramfs packs as they are, never rebuilt.
ifeq ($(NEWLIB),)
user-progs:
	@echo "user-progs: run \`make user\`, which finds newlib first" >&2; exit 1
else
user-progs: $(USER_PROGS)

$(USER_BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(USER_CFLAGS) -c $< -o $@

$(USER_BUILD)/obj/%.o: %.S
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	@$(CC) $(USER_CFLAGS) -c $< -o $@

# crt0 first, as is customary. Every user/lib object is linked (not an archive): a definition
# there then always wins over newlib's own (its do-nothing __malloc_lock). A program's own
# folder (user/<name>/*.c) comes in after its main file.
user_prog_objs = $(patsubst %.c,$(USER_BUILD)/obj/%.o,$(wildcard user/$(1)/*.c))
.SECONDEXPANSION:
$(USER_PROGS): $(USER_BUILD)/bin/%: $(USER_CRT0) $(USER_BUILD)/obj/user/%.o \
		$$(call user_prog_objs,$$*) $(USER_LIB_OBJS)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	@$(CC) $(USER_CFLAGS) $(USER_LDFLAGS) -o $@ $^ \
		-Wl,--start-group $(USER_LIBS) -Wl,--end-group

-include $(wildcard $(USER_BUILD)/obj/user/*.d $(USER_BUILD)/obj/user/*/*.d \
	$(USER_BUILD)/obj/user/*/*/*.d)
endif

format:
	@clang-format -i $$(git ls-files '*.c' '*.h' ':!:*.lds.h')

clean:
	rm -rf build

help:
	@sed -n '1,3p' Makefile

-include $(OBJS:.o=.d) $(BUILD)/kernel.lds.d
