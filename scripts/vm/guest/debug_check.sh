#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=dash  # busybox ash in the guest: POSIX plus local
#
# Guest script of `make check-debug`: nbbs under a debug kernel built by
# scripts/debug/kernel.sh (kcsan: KCSAN, lockdep, DEBUG_ATOMIC_SLEEP;
# kasan: KASAN, kmemleak, DEBUG_VM, SLUB_DEBUG).  Prints KTAP results at
# the top level; the host (scripts/vm/boot.sh) fails the run on any
# KCSAN, KASAN, lockdep, WARN or BUG report in the kernel log.
#
#   1. the kernel's debugging tools are on (debugfs kcsan, /proc/lockdep,
#      kmemleak), and kmemleak starts from a clean slate; KCSAN watches
#      every DEBUG_KCSAN_SKIP_WATCH (400) accesses instead of 4000;
#   2. the kselftest (selftests/nbbs.sh through kselftest's runner.sh);
#   3. for layout=tree, then layout=packed: nbbs.ko loads with that
#      layout; the sample client takes and returns its block; test_nbbs
#      (both layouts) with DEBUG_THREADS threads, more than the vCPUs;
#      every stress workload on the stress tester's (nbbs_stress.ko)
#      nbbs-LAYOUT and nbbs-LAYOUT-hot backends
#      with DEBUG_THREADS kthreads; a kmemleak scan while nbbs is still
#      loaded (so its functions have names); unload;
#   4. a kmemleak scan after everything is unloaded: no leak that names
#      nbbs or lies in the modules' code (addresses of unloaded modules);
#   5. nothing of nbbs is left loaded, the kernel is not tainted by an
#      oops, a bad page (KASAN) or a lockup.
# shellcheck source=scripts/vm/guest/lib.sh
. /guest/lib.sh
# shellcheck source=scripts/vm/guest/stress_check.sh
. /guest/stress_check.sh

KO=/nbbs
DBG=/sys/kernel/debug/nbbs
KML=/sys/kernel/debug/kmemleak
THREADS=${DEBUG_THREADS:-$((4 * $(nproc)))}
STRESS_MS=${DEBUG_STRESS_MS:-300}
TEST_OPS=${DEBUG_TEST_OPS:-20000}
MODPFX=

# kmemleak_scan NAME: scan now; every suspected leak becomes a diagnostic,
# and the result fails when one names nbbs or lies in the module area
# ($MODPFX, the top of the modules' load address).  Objects younger than
# 5 s are not reported by kmemleak, hence the wait, and an object is only
# reported once its contents did not change between two scans: scan twice.
kmemleak_scan() {
	local ours

	if [ ! -w $KML ]; then
		# Only the kasan debug kernel is built with kmemleak.
		case $(uname -r) in
		*kasan*) fail "kmemleak $1 (no $KML)" ;;
		*) skip "kmemleak $1" "this debug kernel is built without kmemleak" ;;
		esac
		return
	fi
	sleep 6
	echo scan >$KML
	echo scan >$KML
	cat $KML >/tmp/kmemleak.out
	if [ -s /tmp/kmemleak.out ]; then
		diag "kmemleak $1: $(grep -c '^unreferenced object' /tmp/kmemleak.out) suspected leak(s):"
		sed 's/^/#   /' /tmp/kmemleak.out
	fi
	ours=$(awk -v pfx="${MODPFX:-nbbs}" '
		/^unreferenced object/ { n++ }
		n && (/nbbs/ || index($0, pfx)) { hit[n] = 1 }
		END { c = 0; for (i in hit) c++; print c }' /tmp/kmemleak.out)
	[ "$ours" -eq 0 ] || diag "kmemleak $1: $ours leak(s) from nbbs"
	result "kmemleak $1: no leak from nbbs" "$ours"
	# Reported leaks are not reported again by the next scan.
	echo clear >$KML
}

# layout_run LAYOUT: load nbbs with that layout and put it through all.
layout_run() {
	local v="$1" mark ret w args

	kmark "debug: layout=$v"
	if ! insmod $KO/nbbs.ko layout="$v"; then
		fail "layout=$v: load"
		return
	fi
	pass "layout=$v: load"
	# The modules' load address, to recognise their code in a leak's
	# backtrace once they are gone.
	MODPFX=$(awk '$1 == "nbbs" { for (i = 2; i <= NF; i++) if ($i ~ /^0x/) print substr($i, 3, 10) }' /proc/modules)
	want "config layout" "$(kv $DBG/config layout)" "$v"
	result "layout=$v: debugfs config shows it" $?

	ret=0
	if insmod $KO/nbbs_sample.ko; then
		want "stats live with the sample loaded" "$(kv $DBG/stats live)" 1 || ret=1
		rmmod nbbs_sample || ret=1
		want "stats live after the sample" "$(kv $DBG/stats live)" 0 || ret=1
	else
		ret=1
	fi
	result "layout=$v: sample client" $ret

	# test_nbbs runs every test on both layouts; the invalid-free WARNs
	# it provokes on purpose are forgiven inside the window.
	expect_invalid_free_warn begin
	mark=$(klog_mark)
	ret=1
	insmod $KO/test_nbbs.ko stress_threads="$THREADS" stress_ops="$TEST_OPS" && ret=0
	expect_invalid_free_warn end
	klog_since "$mark" | sed -n 's/^\[[ 0-9.]*\] test_nbbs: //p' >/tmp/test_nbbs.out
	grep -E '^not ok|tests passed|stress:|race:' /tmp/test_nbbs.out | sed 's/^/# test_nbbs: /'
	grep -q '^not ok' /tmp/test_nbbs.out && ret=1
	result "layout=$v: test_nbbs, $THREADS stress threads x $TEST_OPS ops" $ret
	# While test_nbbs and nbbs are loaded their code has names.
	kmemleak_scan "after test_nbbs (layout=$v)"
	loaded test_nbbs && rmmod test_nbbs

	# Every workload on this layout, more kthreads than vCPUs.
	insmod $KO/nbbs_stress.ko || fail "layout=$v: load nbbs_stress"
	for w in cached ls tt co rand bulk fill; do
		args=$(workload_args $w)
		for b in "nbbs-$v" "nbbs-$v-hot"; do
			stress_one "$b $w threads=$THREADS $args" \
				"backend=$b workload=$w threads=$THREADS $args arena=16M max_order=8 ms=$STRESS_MS"
		done
	done
	kmemleak_scan "after the stress runs (layout=$v)"

	ret=0
	loaded nbbs_stress && { rmmod nbbs_stress || ret=1; }
	rmmod nbbs || ret=1
	[ -e $DBG ] && ret=1
	result "layout=$v: unload" $ret
}

ktap_begin
diag "kernel $(uname -r), $(nproc) CPUs, $THREADS threads"

# KCSAN sets up a watchpoint once in skip_watch (4000) memory accesses; a
# TCG guest runs few of them, so watch ten times as often.
KCSAN_SKIP=/sys/module/kcsan/parameters/skip_watch
if [ -w $KCSAN_SKIP ]; then
	echo "${DEBUG_KCSAN_SKIP_WATCH:-400}" >$KCSAN_SKIP
	diag "kcsan skip_watch $(cat $KCSAN_SKIP)"
fi

# 1. the tools are on
case $(uname -r) in
*kcsan*)
	ret=0
	[ -r /sys/kernel/debug/kcsan ] || { diag "no debugfs kcsan"; ret=1; }
	grep -q '^enabled: 1' /sys/kernel/debug/kcsan 2>/dev/null ||
		{ diag "KCSAN not enabled"; ret=1; }
	result "KCSAN is enabled" $ret
	[ -r /proc/lockdep ]
	result "lockdep is on" $?
	;;
*kasan*)
	dmesg | grep -q 'KernelAddressSanitizer initialized'
	result "KASAN is initialized" $?
	if [ -w $KML ]; then
		# Whatever boot left behind is not ours: report it, then start clean.
		echo scan >$KML
		echo scan >$KML
		n=$(grep -c '^unreferenced object' $KML)
		diag "kmemleak at boot: $n suspected leak(s), cleared"
		echo clear >$KML
		pass "kmemleak is on"
	else
		fail "kmemleak is on"
	fi
	;;
esac

# 2. the kselftest, as kselftest's runner.sh runs it (see check.sh)
expect_invalid_free_warn begin
run_kselftest
expect_invalid_free_warn end

# 3. each layout
layout_run tree
layout_run packed

# 4. nothing leaked once everything is gone
kmemleak_scan "after unloading everything"

# 5. the end state (a KASAN report sets the bad-page taint)
[ -r /sys/kernel/debug/kcsan ] && diag "kcsan: $(tr '\n' ' ' </sys/kernel/debug/kcsan)"
check_clean_end

ktap_end
