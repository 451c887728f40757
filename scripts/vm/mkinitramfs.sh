#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the busybox initramfs that the nbbs VM tests boot.
#
#   scripts/vm/mkinitramfs.sh KVER KMOD_DIR GUEST_SCRIPT OUT.cpio.gz
#
# KVER          kernel release the modules were built for
# KMOD_DIR      where scripts/vm/build-kmod.sh left nbbs.ko, nbbs_stress.ko,
#               test_nbbs.ko and samples/nbbs_sample.ko
# GUEST_SCRIPT  shell script that /init runs (as /guest/main)
#
# The image holds:
#   /init                   scripts/vm/guest/init
#   /bin, /sbin             busybox-static and its applets; kmod's modprobe,
#                           insmod, rmmod, lsmod, modinfo (with the shared
#                           libraries kmod needs), which kselftest/module.sh
#                           relies on (busybox modprobe has no -n)
#   /lib/modules/KVER/extra the modules, indexed by depmod, so modprobe
#                           finds them by name as in an installed kernel
#   /nbbs                   the same modules, for insmod with parameters
#   /kselftest              the kselftest layout: kselftest/ helpers taken
#                           from the kernel source and nbbs/ installed from
#                           selftests/ with lib.mk's own install rule
#   /guest                  scripts/vm/guest/*.sh and the guest script
#
# The Debian kernels have everything the guest needs built in (8250 serial
# console, devtmpfs, initramfs gzip, debugfs), so no kernel module other
# than nbbs's goes into the image.
set -eu

kver=${1:?usage: mkinitramfs.sh KVER KMOD_DIR GUEST_SCRIPT OUT.cpio.gz}
kmod_dir=$(realpath "${2:?}")
script=$(realpath "${3:?}")
out=${4:?}

top=$(realpath "$(dirname "$0")/../..")
build=${BUILD:-$top/build}
vmdir=$top/scripts/vm

# ---- kselftest helpers, extracted from the kernel source at build time ----
#
# build/ksft holds tools/testing/selftests/{lib.mk,kselftest.h,kselftest/}
# of the newest linux-source tarball, extracted once.
ksrc_tar=$(printf '%s\n' /usr/src/linux-source-*.tar.xz | sort -V | tail -n 1)
if [ ! -f "$ksrc_tar" ]; then
	echo "mkinitramfs: no /usr/src/linux-source-*.tar.xz (run make deps)" >&2
	exit 1
fi
ksft=$build/ksft
ksft_st=$ksft/tools/testing/selftests
mkdir -p "$build"
(
	flock 9
	if [ ! -f "$ksft/.stamp" ] || [ "$ksrc_tar" -nt "$ksft/.stamp" ]; then
		rm -rf "$ksft"
		mkdir -p "$ksft"
		ksrc_top=$(basename "$ksrc_tar" .tar.xz)
		tar -xJf "$ksrc_tar" -C "$ksft" --strip-components=1 \
			"$ksrc_top/tools/testing/selftests/lib.mk" \
			"$ksrc_top/tools/testing/selftests/kselftest.h" \
			"$ksrc_top/tools/testing/selftests/kselftest"
		touch "$ksft/.stamp"
	fi
) 9>"$build/ksft.lock"

# ---- the image tree ----
stage=$(mktemp -d "${out%.cpio.gz}.stage.XXXXXX")
trap 'rm -rf "$stage"' EXIT
root=$stage/root

# A private selftests tree for this run: lib.mk and kselftest/ beside a
# copy of selftests/ as nbbs/, where "include ../lib.mk" finds lib.mk.
mkdir -p "$stage/selftests"
cp -a "$ksft_st"/{lib.mk,kselftest.h,kselftest} "$stage/selftests/"
cp -a "$top/selftests" "$stage/selftests/nbbs"

mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp,root,guest,nbbs,kselftest/kselftest}

# busybox and its applets (no /usr: kselftest/runner.sh would take a
# busybox /usr/bin/timeout for coreutils' and pass it --foreground).
cp /bin/busybox "$root/bin/busybox"
for applet in $(/bin/busybox --list); do
	[ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"
done

# kmod, with the libraries ldd lists, overriding busybox's module tools.
cp /bin/kmod "$root/bin/kmod"
ldd /bin/kmod | awk '/=> \// { print $3 } /^\t\/lib/ { print $1 }' |
	while read -r lib; do
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
for tool in modprobe insmod rmmod lsmod modinfo depmod; do
	rm -f "$root/bin/$tool"
	ln -sf ../bin/kmod "$root/sbin/$tool"
done
# /bin/ld-linux path as the kernel loader expects it, if usr-merged.
[ -e "$root/lib64/ld-linux-x86-64.so.2" ] || {
	mkdir -p "$root/lib64"
	cp -L /lib64/ld-linux-x86-64.so.2 "$root/lib64/"
}

# The modules, installed and indexed as modules_install would.
moddir=$root/lib/modules/$kver
mkdir -p "$moddir/extra"
for ko in nbbs.ko nbbs_stress.ko test_nbbs.ko samples/nbbs_sample.ko; do
	if [ -f "$kmod_dir/$ko" ]; then
		cp "$kmod_dir/$ko" "$moddir/extra/"
		cp "$kmod_dir/$ko" "$root/nbbs/"
	else
		echo "mkinitramfs: warning: $kmod_dir/$ko not built" >&2
	fi
done
for f in modules.builtin modules.builtin.modinfo modules.order; do
	[ -f "/lib/modules/$kver/$f" ] && cp "/lib/modules/$kver/$f" "$moddir/"
done
depmod -b "$root" "$kver"

# The kselftest: helpers from the kernel source, nbbs/ through lib.mk.
cp "$stage"/selftests/kselftest/{module.sh,ktap_helpers.sh,runner.sh} \
	"$root/kselftest/kselftest/"
make -s -C "$stage/selftests/nbbs" install INSTALL_PATH="$root/kselftest/nbbs" >/dev/null

# /init and the guest scripts.
install -m 0755 "$vmdir/guest/init" "$root/init"
cp "$vmdir"/guest/*.sh "$root/guest/"
install -m 0755 "$script" "$root/guest/main"

mkdir -p "$(dirname "$out")"
(cd "$root" && find . -print0 | sort -z |
	cpio --null -o -H newc --owner=0:0 --quiet) | gzip -1 >"$out.tmp"
mv "$out.tmp" "$out"
echo "mkinitramfs: $out ($(du -h "$out" | cut -f1))"
