#!/usr/bin/env bash
# scripts/newlib.sh ARCH: prints, as the one line on stdout, the directory holding newlib for a
# Mica port's user programs: DIR/include (the headers) and DIR/lib/libc.a, DIR/lib/libm.a.
# Builds it first when it is not cached yet (riscv, x86: about a minute each on 2 cores; arm:
# Debian's prebuilt newlib, nothing to build).
# Progress and errors go to stderr. Exit status: 0 with the directory printed, non-zero (and
# nothing on stdout) otherwise. See docs/syscalls.md, "newlib".
#
# Cache: ${MICA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mica}/newlib-<arch>-<key>, outside the
# source tree so `make clean` and a fresh clone keep it. <key> hashes this script (the recipe:
# flags, configure options), the compiler's and binutils' versions and the newlib tarball, so a
# change to any of them builds a new directory and a stale one is never used. A build runs in a
# temporary directory beside the cache and is renamed into place only once installed whole: an
# interrupted build leaves no half cache. Force a rebuild: delete the directory (or set
# MICA_CACHE to an empty place).
#
# The target flags below must match the ones user programs are compiled with
# (user/arch/<arch>/user.mk): they are one ABI.
set -eu

usage() {
	echo "usage: scripts/newlib.sh riscv|arm|x86" >&2
	exit 2
}
[ $# -eq 1 ] || usage
arch=$1

say() { echo "newlib.sh: $*" >&2; }
die() {
	say "error: $*"
	exit 1
}

cache=${MICA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mica}
tarball=/usr/src/newlib/newlib-3.3.0.tar.xz # Debian's newlib-source (scripts/install-deps.sh)

# Per-port recipe. Each port sets cc (the compiler) and, for the ports that are built, cross
# (the binutils' prefix), target (configure --target) and cflags (CFLAGS_FOR_TARGET).
#
# Common newlib options (the ones Debian's ARM newlib uses, plus C99 formats so printf knows
# %zu, %jd, %hhd): long long and C99 in printf/scanf; atexit-registered finalisers (so exit()
# runs destructors); no syscalls of newlib's own (user/lib/ supplies them); no NLS.
common_opts="--disable-multilib --enable-newlib-io-long-long --enable-newlib-io-c99-formats
	--enable-newlib-register-fini --disable-newlib-supplied-syscalls --disable-nls"
# -g: students step into printf in gdb; sections: --gc-sections can drop what a program never
# calls.
common_cflags="-O2 -g -ffunction-sections -fdata-sections"

case $arch in
riscv)
	cc=riscv64-unknown-elf-gcc
	cross=riscv64-unknown-elf-
	target=riscv64-unknown-elf
	# rv64imac/lp64: no F/D, because the kernel saves no FP state for user threads on RISC-V;
	# floating point is libgcc's soft float. medany: user programs are linked at 64 GiB,
	# beyond medlow's +-2 GiB around address 0 (the RISC-V psABI, "Code models").
	cflags="$common_cflags -march=rv64imac -mabi=lp64 -mcmodel=medany"
	;;
x86)
	cc=gcc
	cross=
	target=x86_64-elf
	# The host gcc targets x86_64-linux-gnu. Its Linux predefines must go: newlib's
	# sys/config.h turns on __DYNAMIC_REENT__ (a __getreent() we do not have) and glibc
	# compatibility when it sees __linux__. -nostdinc keeps glibc's /usr/include out of the
	# build (newlib's headers come first anyway; this makes a header newlib lacks an error,
	# not a silent glibc one).
	#
	# -fpie: user programs are linked at 512 GiB, where the small code model's 32-bit absolute
	# addresses (mov $sym, %edi) cannot reach; position-independent code reaches everything
	# %rip-relatively, and the static link turns its GOT loads back into direct ones. Not
	# -mcmodel=large, which makes every address a 64-bit immediate.
	#
	# The red zone stays (no -mno-red-zone): the 128 bytes below %rsp are only unsafe where an
	# interrupt can arrive on the same stack, and from user mode the CPU switches to the kernel
	# stack (TSS.RSP0, Intel SDM vol. 3A 6.12.1) and `syscall` never touches %rsp. A future
	# signal delivery must skip them, as Linux does. It also lets us link the host's libgcc,
	# which is built with the red zone.
	#
	# No stack protector and no _FORTIFY_SOURCE, whatever the host gcc defaults to: the canary
	# lives at %fs:0x28 and user space has no TLS block.
	gccinc=$(gcc -print-file-name=include)
	cflags="$common_cflags -fpie -fno-stack-protector -U_FORTIFY_SOURCE
		-U__linux__ -U__linux -Ulinux -U__gnu_linux__ -U__unix__ -U__unix -Uunix
		-nostdinc -isystem $gccinc"
	;;
arm)
	cc=arm-none-eabi-gcc
	# Debian's libnewlib-arm-none-eabi, prebuilt. User programs use these flags; GCC maps them
	# to the soft-float ARMv7-A multilib (thumb/v7-a/nofp: Thumb-2 code, reached from ARM code
	# by BLX interworking).
	arm_flags="-mcpu=cortex-a15 -marm -mfloat-abi=soft"
	arm_newlib=/usr/lib/arm-none-eabi
	;;
*)
	usage
	;;
esac

command -v "$cc" >/dev/null 2>&1 || die "$cc not found (run scripts/install-deps.sh)"

# The key: this script, the compiler (version and configuration), the binutils, the source.
key_inputs() {
	cat "${BASH_SOURCE[0]}"
	"$cc" -v 2>&1
	if [ "$arch" = arm ]; then
		dpkg-query -W -f='${Version}\n' libnewlib-arm-none-eabi 2>/dev/null || true
		"$cc" $arm_flags -print-multi-directory
	else
		"${cross}ld" --version | head -n1
		"${cross}as" --version | head -n1
		ls -l --time-style=+%s "$tarball"
	fi
}
[ "$arch" = arm ] || [ -f "$tarball" ] ||
	die "$tarball missing: install Debian's newlib-source (scripts/install-deps.sh)"
key=$(key_inputs | sha256sum | cut -c1-16)
dest=$cache/newlib-$arch-$key

if [ -f "$dest/lib/libc.a" ]; then
	echo "$dest"
	exit 0
fi

mkdir -p "$cache" || die "cannot create the cache directory $cache"

# A directory renamed into place at the end; same file system as $dest, so the rename is atomic.
tmp=$(mktemp -d "$cache/.newlib-$arch-$key.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM HUP

if [ "$arch" = arm ]; then
	multi=$("$cc" $arm_flags -print-multi-directory)
	case $multi in
	*nofp*) ;;
	*) die "$cc $arm_flags picks multilib '$multi', not a soft-float one" ;;
	esac
	lib=$arm_newlib/newlib/$multi
	[ -f "$lib/libc.a" ] && [ -f "$lib/libm.a" ] ||
		die "$lib/libc.a missing: install libnewlib-arm-none-eabi (scripts/install-deps.sh)"
	mkdir "$tmp/out"
	ln -s "$arm_newlib/include" "$tmp/out/include"
	ln -s "$lib" "$tmp/out/lib"
	echo "Debian's libnewlib-arm-none-eabi, multilib $multi" >"$tmp/out/README"
	mv -T "$tmp/out" "$dest" 2>/dev/null || [ -f "$dest/lib/libc.a" ] ||
		die "could not move the result into $dest"
	echo "$dest"
	exit 0
fi

log=$cache/newlib-$arch-$key.log
say "building newlib 3.3.0 for $arch with $cc into $dest (about a minute; log: $log)"
start=$(date +%s)

fail() {
	say "error: $1 failed. The first errors in $log:"
	grep -m 5 -E 'error:|\*\*\*' "$log" >&2 || true
	say "and its last 30 lines:"
	tail -n 30 "$log" >&2
	exit 1
}

(
	set -e
	mkdir "$tmp/src" "$tmp/build"
	tar -xJf "$tarball" -C "$tmp/src" --strip-components=1
	if [ "$arch" = x86 ]; then
		# newlib's host table (newlib/configure.host) has no x86_64-*-elf entry, and its
		# default is -DMISSING_SYSCALL_NAMES without libc/syscalls: _write_r would call
		# write(), and read(), write(), fork(), ... would not exist. One entry makes x86 like
		# riscv and arm: libc/syscalls provides the POSIX names over _write_r and friends,
		# which call the _write, _read, ... of user/lib/.
		sed -i '/^# Host specific flag settings/,/^case "\${host}" in$/{/^case/a\
  x86_64-*-elf*)\
	syscall_dir=syscalls\
	;;
}' "$tmp/src/newlib/configure.host"
		grep -q '^  x86_64-\*-elf\*)$' "$tmp/src/newlib/configure.host"
	fi
	cd "$tmp/build"
	# Every target tool named: for x86 there is no x86_64-elf-readelf and the like, and a
	# missing one is no error to configure (without readelf it silently decides there is no
	# .init_array and __libc_init_array is left out). MAKEINFO=true: no texinfo manuals.
	tools=""
	for t in ar as ld nm objcopy objdump ranlib readelf strip; do
		T=$(echo $t | tr a-z A-Z)
		tools="$tools ${T}_FOR_TARGET=${cross}$t"
	done
	"$tmp/src/configure" --target="$target" --prefix="$tmp/prefix" $common_opts \
		CC_FOR_TARGET="$cc" $tools CFLAGS_FOR_TARGET="$(echo $cflags)" MAKEINFO=true
) >"$log" 2>&1 || fail "configure"

make -C "$tmp/build" -j"$(nproc)" all-target-newlib MAKEINFO=true >>"$log" 2>&1 || fail "make"
make -C "$tmp/build" install-target-newlib MAKEINFO=true >>"$log" 2>&1 || fail "make install"

out=$tmp/prefix/$target
[ -f "$out/lib/libc.a" ] && [ -f "$out/lib/libm.a" ] || fail "the install (no lib/libc.a)"
# crt0 runs constructors through __libc_init_array, which exists only with this.
grep -q 'define HAVE_INITFINI_ARRAY' "$out/include/newlib.h" ||
	fail "configure's .init_array check (HAVE_INITFINI_ARRAY unset in newlib.h)"
secs=$(($(date +%s) - start))
echo "newlib 3.3.0, $arch, built in ${secs} s with: $cc $(echo $cflags)" >"$out/README"
cp "$log" "$out/build.log"
mv -T "$out" "$dest" 2>/dev/null || [ -f "$dest/lib/libc.a" ] ||
	die "could not move the result into $dest"
rm -f "$log"
say "built in ${secs} s: $dest"
echo "$dest"
