# The initramfs (kernel/proc/initramfs.c): a newc cpio archive of the user programs
# (USER_PROGS: one per user/*.c with a main, built by `make user` before the kernel), made by
# scripts/mkcpio.py and linked into the image as initramfs_cpio[] .. initramfs_cpio_end[].
# Included by the top-level Makefile. A program that is not built yet is left out (the
# kernel then says so when asked to run it).

INITRAMFS_FILES = $(wildcard $(USER_PROGS))
INITRAMFS_OBJ := $(BUILD)/obj/initramfs.o

$(BUILD)/initramfs.cpio: scripts/mkcpio.py $(INITRAMFS_FILES) FORCE
	@mkdir -p $(dir $@)
	@python3 scripts/mkcpio.py $@.new $(INITRAMFS_FILES)
	@if cmp -s $@.new $@; then rm -f $@.new; else mv $@.new $@; echo "  CPIO    $@"; fi

$(INITRAMFS_OBJ): $(BUILD)/initramfs.cpio
	@mkdir -p $(dir $@)
	@printf '\t.section .rodata\n\t.balign 8\n\t.globl initramfs_cpio, initramfs_cpio_end\ninitramfs_cpio:\n\t.incbin "%s"\ninitramfs_cpio_end:\n' \
		$< | $(CC) $(ARCH_CFLAGS) -x assembler -c - -o $@

.PHONY: FORCE
FORCE:
