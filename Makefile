# Mica's one Makefile: `make [ARCH=riscv|arm|x86] [all|qemu|qemu-gdb|gdb|test|format|clean]`.
# Every target first runs scripts/install-deps.sh, which installs missing Debian packages.

ARCHES := riscv arm x86
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
	kernel/mm/*.c tests/ktest/*.c)
SRCS := $(GENERIC_SRCS) $(ARCH_SRCS)
# Device trees the tests parse (tests/ktest/*.dts), linked in as <name>_dtb in .rodata.
DTS_SRCS := $(wildcard tests/ktest/*.dts)
OBJS := $(patsubst %,$(BUILD)/obj/%.o,$(basename $(SRCS))) \
	$(patsubst %.dts,$(BUILD)/obj/%.dtb.o,$(DTS_SRCS))

KERNEL := $(BUILD)/mica.elf

.PHONY: all deps qemu qemu-gdb gdb test test-build bench format clean help
all: deps $(KERNEL) $(BUILD)/qemu.args

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

format:
	@clang-format -i $$(git ls-files '*.c' '*.h' ':!:*.lds.h')

clean:
	rm -rf build

help:
	@sed -n '1,3p' Makefile

-include $(OBJS:.o=.d) $(BUILD)/kernel.lds.d
