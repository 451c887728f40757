#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install the Debian packages nbbs needs, only those that are missing.
# Safe to run repeatedly; needs root (apt-get) the first time.
set -eu

pkgs=(
	build-essential make gcc gcc-multilib clang libclang-rt-14-dev
	linux-headers-amd64 linux-image-amd64
	linux-image-6.12-amd64 linux-headers-6.12-amd64
	linux-source-6.12
	qemu-system-x86 busybox-static cpio kmod rsync
	sparse python3-sphinx gnuplot-nox spin
	flex bison bc libelf-dev libssl-dev
)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
