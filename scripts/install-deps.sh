#!/usr/bin/env bash
# Installs the Debian packages Mica needs, only when a tool is missing.
# Idempotent: a second run with everything present does nothing and prints nothing.
# Called by `make` itself; safe to run by hand.  Needs root or sudo for apt-get.
set -eu

# tool -> Debian package that provides it
need=(
	"qemu-system-riscv64:qemu-system-misc"
	"qemu-system-arm:qemu-system-arm"
	"qemu-system-x86_64:qemu-system-x86"
	"arm-none-eabi-gcc:gcc-arm-none-eabi"
	"riscv64-unknown-elf-gcc:gcc-riscv64-unknown-elf"
	"gdb-multiarch:gdb-multiarch"
	"dtc:device-tree-compiler"
	"python3:python3"
	"clang-format:clang-format"
)
# packages with no single tool to probe for: checked by a file they install
files=(
	"/usr/lib/arm-none-eabi/newlib/libc.a:libnewlib-arm-none-eabi"
	"/usr/lib/picolibc/riscv64-unknown-elf/lib/libc.a:picolibc-riscv64-unknown-elf"
	"/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin:opensbi"
	"/usr/src/newlib:newlib-source"
)

missing=()
for pair in "${need[@]}"; do
	command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
done
for pair in "${files[@]}"; do
	[ -e "${pair%%:*}" ] || missing+=("${pair#*:}")
done

if [ ${#missing[@]} -gt 0 ]; then
	echo "install-deps: installing ${missing[*]}"
	sudo=""
	if [ "$(id -u)" -ne 0 ]; then
		if command -v sudo >/dev/null 2>&1; then
			sudo="sudo"
		else
			echo "install-deps: not root and no sudo; run as root:" >&2
			echo "  apt-get update && apt-get install -y ${missing[*]}" >&2
			exit 1
		fi
	fi
	export DEBIAN_FRONTEND=noninteractive
	$sudo apt-get update -qq >/dev/null
	if ! $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; then
		echo "install-deps: apt-get failed; try by hand:" >&2
		echo "  apt-get update && apt-get install -y ${missing[*]}" >&2
		exit 1
	fi
fi

# QEMU 7.2 is the oldest the ports were checked against (sifive_test exit codes, PSCI 1.1).
for q in qemu-system-riscv64 qemu-system-arm qemu-system-x86_64; do
	v=$($q --version | sed -n 's/.*version \([0-9]*\)\.\([0-9]*\).*/\1 \2/p' | head -n1)
	set -- $v
	if [ "${1:-0}" -lt 7 ] || { [ "${1:-0}" -eq 7 ] && [ "${2:-0}" -lt 2 ]; }; then
		echo "install-deps: $q is version ${1:-?}.${2:-?}; Mica needs QEMU >= 7.2." >&2
		echo "  On Debian 11 or older, install qemu from backports, or use Debian 12." >&2
		exit 1
	fi
done
