#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The debug lane (`make check-debug`): nbbs under debug kernels.
#
#   scripts/debug/check.sh [FLAVOUR...]      default: kcsan kasan
#
# For each flavour: build the kernel, or find it cached
# (scripts/debug/kernel.sh); build nbbs.ko, test_nbbs.ko and the sample
# against it (scripts/vm/build-kmod.sh with KMOD_KDIR); boot it under qemu
# with scripts/vm/guest/debug_check.sh (scripts/vm/boot.sh -K), which runs
# the kselftest, test_nbbs, the sample client, every stress workload on
# both layouts and kmemleak scans; and judge the kernel log: any KCSAN,
# KASAN, lockdep, WARN or BUG report fails (scripts/vm/scan-dmesg.sh).
# The KCSAN and KASAN reports found are copied whole into this output.
#
# Prints KTAP results at the top level (the guest's among them).
# Environment: DEBUG_CPUS (vCPUs, default 2), DEBUG_MEM (MiB, 1024),
# DEBUG_TIMEOUT (s per boot, 900), DEBUG_APPEND (kernel command line;
# KEY=VALUE words reach the guest script's environment, e.g.
# DEBUG_STRESS_MS=1000 DEBUG_THREADS=16 DEBUG_TEST_OPS=50000
# DEBUG_KCSAN_SKIP_WATCH=100).
set -u
top=$(realpath "$(dirname "$0")/../..")
cd "$top" || exit 1
build=${BUILD:-$top/build}

cpus=${DEBUG_CPUS:-2}
mem=${DEBUG_MEM:-1024}
limit=${DEBUG_TIMEOUT:-900}
append=${DEBUG_APPEND:-}

n=0
failed=0
ok() {
	n=$((n + 1))
	echo "ok $n $1"
}
not_ok() {
	n=$((n + 1))
	failed=1
	echo "not ok $n $1"
}

echo "TAP version 13"
flavours=("$@")
[ ${#flavours[@]} -ne 0 ] || flavours=(kcsan kasan)

for flavour in "${flavours[@]}"; do
	start=$(date +%s)
	if ! kdir=$(scripts/debug/kernel.sh "$flavour"); then
		not_ok "debug $flavour: kernel built"
		continue
	fi
	ok "debug $flavour: kernel built or cached ($(cat "$kdir/.done"))"
	# Kernels of older configurations (or of an older kernel.sh) go, and
	# the modules built for them.
	for d in "${kdir%-*}"-* "$build/kmod/debug-${flavour}"-*; do
		[ -e "$d" ] || continue
		case ${d##*/} in
		"${kdir##*/}" | "${kdir##*/}.lock" | "debug-${kdir##*/}" | "debug-${kdir##*/}.lock") ;;
		*) echo "# removing the stale $d"; rm -rf "$d" ;;
		esac
	done
	kver=$(cut -d' ' -f1 "$kdir/.done")
	# Modules of each kernel build of their own: a kernel rebuilt with
	# another configuration must not find objects compiled for the last.
	kmod=$build/kmod/debug-${kdir##*/}

	if ! KMOD_KDIR=$kdir scripts/vm/build-kmod.sh "$kver" "$top" "$kmod"; then
		not_ok "debug $flavour: modules built against $kver"
		continue
	fi
	ok "debug $flavour: modules built against $kver"

	out=$build/vm/$kver
	scripts/vm/boot.sh -k "$kver" -K "$kdir/arch/x86/boot/bzImage" -m "$kmod" \
		-c "$cpus" -M "$mem" -t "$limit" ${append:+-a "$append"} \
		-n debug_check scripts/vm/guest/debug_check.sh | tee "$build/debug-$flavour.out"
	rc=${PIPESTATUS[0]}

	# The sanitizer reports, whole: each sits between two lines of "=".
	if [ -f "$out/debug_check.dmesg" ]; then
		awk '/^(\[[ 0-9.]+\] )?={20,}/ { if (inr) { print "# " $0; inr = 0; next } start = $0; next }
		     /BUG: (KCSAN|KASAN)/ && start != "" { inr = 1; print "# " start }
		     inr { print "# " $0 }' "$out/debug_check.dmesg"
	fi
	if grep -q '^boot.sh: FAIL: the kernel log' "$build/debug-$flavour.out"; then
		not_ok "debug $flavour: no KCSAN, KASAN, lockdep, WARN or BUG report in the kernel log"
	else
		ok "debug $flavour: no KCSAN, KASAN, lockdep, WARN or BUG report in the kernel log"
	fi
	if grep -qE '^boot.sh: FAIL: the guest (ran past|stopped before)' "$build/debug-$flavour.out"; then
		not_ok "debug $flavour: the guest finished"
	fi
	[ "$rc" -eq 0 ] || failed=1
	echo "# debug $flavour: $(($(date +%s) - start)) s"
done
exit $failed
