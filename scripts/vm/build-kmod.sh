#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build nbbs.ko, nbbs_stress.ko, test_nbbs.ko and samples/nbbs_sample.ko for
# one kernel.
#
#   scripts/vm/build-kmod.sh KVER [SRC [OUT]]
#
# KVER  kernel release to build for (e.g. 6.1.0-56-amd64); its build tree
#       is /lib/modules/KVER/build or /usr/src/linux-headers-KVER.
# SRC   source tree holding Kbuild (default: the repository root).
# OUT   build directory (default: SRC/build/kmod/KVER).
# Further arguments go to make (e.g. W=1 C=1).
#
# KMOD_KDIR (environment), when set, is the build tree to use instead of
# the one of KVER: a kernel built with O=, as scripts/debug/kernel.sh does.
#
# kbuild with M= writes its objects next to the sources, so every kernel
# version is built in its own copy of the sources.  Only sources whose
# content changed are copied again, so a second run rebuilds only those.
# On success the .ko files are in OUT (nbbs.ko, nbbs_stress.ko, test_nbbs.ko) and
# OUT/samples (nbbs_sample.ko).
set -eu

kver=${1:?usage: build-kmod.sh KVER [SRC [OUT [MAKE ARGS...]]]}
src=$(realpath "${2:-$(dirname "$0")/../..}")
out=${3:-$src/build/kmod/$kver}

kdir=
for d in ${KMOD_KDIR:+"$KMOD_KDIR"} "/lib/modules/$kver/build" "/usr/src/linux-headers-$kver"; do
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
#
# Files are compared by content (-c) and written with the time of the copy
# (no -t): a changed source is always newer than its object, even when it
# changed twice within the second of the last build.  --delete drops
# sources that went away; objects and kbuild's generated *.mod.c are
# excluded, so they are kept.
mkdir -p "$out"
# One build per copy at a time: a second caller (another make in the same
# checkout) waits here instead of racing kbuild in the same directory.
exec 9>"$out.lock"
flock 9
rsync -r -c --delete --prune-empty-dirs \
	--exclude=/build/ --exclude=/.git/ --exclude=/user/ \
	--exclude=/selftests/ --exclude=/scripts/ --exclude=/Documentation/ \
	--exclude='*.mod.c' \
	--include='*/' --include=Kbuild --include='*.c' --include='*.h' \
	--exclude='*' \
	"$src/" "$out/"

echo "build-kmod: building $out against $kdir"
make -C "$kdir" M="$out" -j"$(nproc)" "${@:4}" modules
