#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The fault-injection lane (`make check-vm-inject`): nbbs.ko and
# test_nbbs.ko built with make NBBS_FAULT_INJECT=y, in a copy of their
# own (build/kmod/KVER-inject, so the normal build is untouched), tested
# in Debian's 6.1 kernel under qemu by scripts/vm/guest/inject_check.sh:
# every allocation of init failed in turn, no leak, test_nbbs's injection
# tests, and every stress workload on both layouts with a share of the
# core's compare-and-swaps failed or delayed.
#
#   scripts/vm/inject-check.sh [KVER]      default: $KVER
#
# Prints the guest's KTAP results, then three of its own, numbered on from
# the guest's: the modules built, the guest finished, and the kernel log
# holds no WARN, BUG or oops other than the deliberate invalid-free ones
# (scripts/vm/scan-dmesg.sh, run by boot.sh).  Environment: VM_CPUS (4),
# VM_MEM (MiB, 1024), VM_TIMEOUT (s, 300), VM_APPEND (kernel command line).
set -u
top=$(realpath "$(dirname "$0")/../..")
cd "$top" || exit 1
build=${BUILD:-$top/build}

kver=${1:-${KVER:?no kernel release (KVER)}}
kmod=$build/kmod/$kver-inject
out=$build/vm/$kver
mkdir -p "$out"
start=$(date +%s)

scripts/vm/build-kmod.sh "$kver" "$top" "$kmod" NBBS_FAULT_INJECT=y \
	>"$out/inject_build.log" 2>&1
build_rc=$?
sed 's/^/# /' "$out/inject_build.log"
if [ $build_rc -ne 0 ]; then
	echo "not ok 1 modules built with NBBS_FAULT_INJECT=y against $kver"
	exit 1
fi

scripts/vm/boot.sh -k "$kver" -m "$kmod" -n inject_check \
	-c "${VM_CPUS:-4}" -M "${VM_MEM:-1024}" -t "${VM_TIMEOUT:-300}" \
	${VM_APPEND:+-a "$VM_APPEND"} \
	scripts/vm/guest/inject_check.sh | tee "$out/inject_check.out"
rc=${PIPESTATUS[0]}

# Number on from the guest's results (its plan, or its last result).
n=$(sed -n 's/^\(not \)\{0,1\}ok \([0-9]\{1,\}\) .*/\2/p' "$out/inject_check.out" | tail -n 1)
n=${n:-0}
failed=0
result() {
	n=$((n + 1))
	if [ "$2" -eq 0 ]; then
		echo "ok $n $1"
	else
		echo "not ok $n $1"
		failed=1
	fi
}
result "modules built with NBBS_FAULT_INJECT=y against $kver ($kmod)" 0
! grep -qE '^boot.sh: FAIL: the guest (ran past|stopped before)' "$out/inject_check.out"
result "the guest finished within ${VM_TIMEOUT:-300} s" $?
! grep -q '^boot.sh: FAIL: the kernel log' "$out/inject_check.out"
result "kernel log: no WARN, BUG or oops but the expected invalid-free ones" $?
echo "# vm-inject: $(($(date +%s) - start)) s"
[ "$rc" -eq 0 ] && [ $failed -eq 0 ]
