#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build nbbs.ko, test_nbbs.ko and samples/nbbs_sample.ko for one kernel.
#
#   scripts/vm/build-kmod.sh KVER [SRC [OUT]]
#
# KVER  kernel release to build for (e.g. 6.1.0-56-amd64); its build tree
#       is /lib/modules/KVER/build or /usr/src/linux-headers-KVER.
# SRC   source tree holding Kbuild (default: the repository root).
# OUT   build directory (default: SRC/build/kmod/KVER).
# Further arguments go to make (e.g. W=1 C=1).
#
# kbuild with M= writes its objects next to the sources, so every kernel
# version is built in its own copy of the sources.  The copy keeps the
# files' modification times, so a second run only rebuilds what changed.
# On success the .ko files are in OUT (nbbs.ko, test_nbbs.ko) and
# OUT/samples (nbbs_sample.ko).
set -eu

kver=${1:?usage: build-kmod.sh KVER [SRC [OUT [MAKE ARGS...]]]}
src=$(realpath "${2:-$(dirname "$0")/../..}")
out=${3:-$src/build/kmod/$kver}

kdir=
for d in "/lib/modules/$kver/build" "/usr/src/linux-headers-$kver"; do
	if [ -f "$d/Makefile" ]; then
		kdir=$d
		break
	fi
done
if [ -z "$kdir" ]; then
	echo "build-kmod: no build tree for $kver (install linux-headers-$kver)" >&2
	exit 1
fi

# Copy only what kbuild needs: the Kbuild files, C sources and headers of
# the top level and samples/.  Tests, tools and build outputs stay out.
mkdir -p "$out"
# One build per copy at a time: a second caller (another make in the same
# checkout) waits here instead of racing kbuild in the same directory.
exec 9>"$out.lock"
flock 9
(
	cd "$src"
	find . -path ./build -prune -o -path ./.git -prune \
		-o -path ./user -prune -o -path ./selftests -prune \
		-o -path ./scripts -prune -o -path ./Documentation -prune \
		-o -type f \( -name Kbuild -o -name '*.c' -o -name '*.h' \) \
		-print0 |
		tar --null -T - -cf -
) | tar -xpf - -C "$out"

# A source file deleted from the tree must not linger in the copy: drop
# any copied source that no longer exists upstream.
(
	cd "$out"
	find . -type f \( -name Kbuild -o -name '*.c' -o -name '*.h' \) \
		! -name '*.mod.c' -print
) | while read -r f; do
	[ -e "$src/$f" ] || rm -f "$out/$f"
done

echo "build-kmod: building $out against $kdir"
make -C "$kdir" M="$out" -j"$(nproc)" "${@:4}" modules
