#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build (once) a small x86_64 debug kernel from Debian's linux-source-6.12
# for the nbbs debug lane, and print its build directory.
#
#   scripts/debug/kernel.sh FLAVOUR      FLAVOUR: kcsan or kasan
#
# The kernel is `make tinyconfig` plus scripts/debug/base.config (what the
# VM harness needs) plus scripts/debug/FLAVOUR.config, settled with
# `make olddefconfig`; every option the fragments set is then checked in
# .config, so one that did not stick (a dependency missing) fails the
# build instead of quietly testing less.  `make bzImage modules` leaves
# what an external module build needs (scripts, generated headers,
# Module.symvers) beside arch/x86/boot/bzImage.
#
# The result is cached in build/debug-kernel/FLAVOUR-HASH, HASH covering
# both fragments, the source tarball's name, size and time, and this
# script: a second call finds it complete and prints "cached" (on
# stderr).  An interrupted build resumes where it stopped.  The source is
# extracted once into build/debug-kernel/src/.
#
# stdout: the build directory (use it as KDIR, its bzImage to boot).
# stderr: progress; the full make output is in BUILD_DIR/build.log.
# DEBUG_KERNEL_JOBS sets make -j (default: the number of CPUs).
set -eu

flavour=${1:?usage: kernel.sh kcsan|kasan}
here=$(realpath "$(dirname "$0")")
top=$(realpath "$here/../..")
base=$here/base.config
frag=$here/$flavour.config
[ -f "$frag" ] || { echo "debug-kernel: no $frag" >&2; exit 2; }
jobs=${DEBUG_KERNEL_JOBS:-$(nproc)}

say() {
	echo "debug-kernel: $*" >&2
}

tarball=/usr/src/linux-source-6.12.tar.xz
if [ ! -f "$tarball" ]; then
	say "$tarball missing (run make deps)"
	exit 1
fi

# Host tools a kernel build needs beyond the compiler (objtool: libelf).
need=()
for t in flex bison bc; do
	command -v "$t" >/dev/null || need+=("$t")
done
[ -f /usr/include/gelf.h ] || need+=(libelf-dev)
if [ ${#need[@]} -ne 0 ]; then
	say "installing ${need[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends "${need[@]}" >/dev/null
fi

hash=$( {
	cat "$base" "$frag" "$0"
	stat -c '%n %s %Y' "$tarball"
} | sha256sum | cut -c1-12)
dbk=$top/build/debug-kernel
out=$dbk/$flavour-$hash
mkdir -p "$dbk"

# One builder per directory at a time; a second caller waits, then finds
# the kernel cached.
exec 9>"$out.lock"
flock 9

if [ -f "$out/.done" ]; then
	say "$flavour: cached in $out ($(cat "$out/.done"))"
	echo "$out"
	exit 0
fi

# ---- the source, extracted once per tarball ----
name=$(basename "$tarball" .tar.xz)
src=$dbk/src/$name
stamp=$(stat -c '%s %Y' "$tarball")
(
	flock 8
	if [ ! -f "$src/.extracted" ] || [ "$(cat "$src/.extracted")" != "$stamp" ]; then
		say "extracting $tarball"
		rm -rf "$src"
		mkdir -p "$dbk/src"
		tar -C "$dbk/src" -xf "$tarball"
		echo "$stamp" >"$src/.extracted"
	fi
) 8>"$dbk/src.lock"

# ---- configure ----
start=$(date +%s)
mkdir -p "$out"
log=$out/build.log
kmake() {
	make -C "$src" O="$out" ARCH=x86_64 "$@" >>"$log" 2>&1
}
fail() {
	say "$flavour: $*; last lines of $log:"
	tail -n 30 "$log" >&2
	exit 1
}
: >"$log"
say "$flavour: configuring in $out"
kmake tinyconfig || fail "tinyconfig failed"
"$src/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" "$base" "$frag" \
	>>"$log" 2>&1 || fail "merge_config failed"
kmake olddefconfig || fail "olddefconfig failed"

# Every option of the fragments must have stuck.
bad=0
while IFS= read -r line; do
	case $line in
	CONFIG_*=n)
		opt=${line%=n}
		if grep -q "^$opt=" "$out/.config"; then
			say "$flavour: $opt is set, the fragment turns it off"
			bad=1
		fi
		;;
	CONFIG_*=*)
		if ! grep -qxF "$line" "$out/.config"; then
			say "$flavour: $line did not stick: $(grep "^${line%%=*}=\|^# ${line%%=*} " "$out/.config" || echo unset)"
			bad=1
		fi
		;;
	esac
done < <(cat "$base" "$frag")
[ $bad -eq 0 ] || exit 1

# ---- build ----
say "$flavour: make -j$jobs bzImage modules (log: $log)"
kmake -j"$jobs" bzImage modules || fail "build failed"
for f in arch/x86/boot/bzImage Module.symvers scripts/mod/modpost; do
	[ -e "$out/$f" ] || fail "no $f after the build"
done
kver=$(make -s -C "$src" O="$out" ARCH=x86_64 kernelrelease 2>/dev/null | tail -n 1)
secs=$(($(date +%s) - start))
echo "$kver built in ${secs}s" >"$out/.done"
say "$flavour: $kver built in ${secs}s"
echo "$out"
