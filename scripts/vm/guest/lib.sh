# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=dash  # busybox ash in the guest: POSIX plus local
#
# Helpers for the guest scripts (sourced by /guest/main in the nbbs VM).
#
# Results are KTAP/TAP lines at the top level, numbered in order:
#   ok N name / not ok N name / ok N name # SKIP why
# and diagnostics start with "# ".  ktap_end prints the plan (a trailing
# plan, as TAP allows) and returns 1 when any test failed.

KTAP_N=0
KTAP_FAILED=0

ktap_begin() {
	echo "TAP version 13"
}

# diag TEXT...: a diagnostic line.
diag() {
	echo "# $*"
}

# pass NAME / fail NAME / skip NAME WHY: one result line.  skip is only for
# a test the kernel under test cannot run (WHY says which feature it
# lacks); a test that should run and cannot is a fail, with a diag why.
pass() {
	KTAP_N=$((KTAP_N + 1))
	echo "ok $KTAP_N $1"
}
fail() {
	KTAP_N=$((KTAP_N + 1))
	KTAP_FAILED=$((KTAP_FAILED + 1))
	echo "not ok $KTAP_N $1"
}
skip() {
	KTAP_N=$((KTAP_N + 1))
	echo "ok $KTAP_N $1 # SKIP $2"
}

# result NAME STATUS: pass when STATUS is 0, else fail.
result() {
	if [ "$2" -eq 0 ]; then pass "$1"; else fail "$1"; fi
}

ktap_end() {
	echo "1..$KTAP_N"
	diag "$((KTAP_N - KTAP_FAILED)) passed, $KTAP_FAILED failed"
	[ "$KTAP_FAILED" -eq 0 ]
}

# kmark TEXT...: a marker line in the kernel log, to find steps in it.
kmark() {
	echo "nbbs-vm: $*" >/dev/kmsg
}

# expect_invalid_free_warn begin|end: open or close the window in which
# the host's scan (scripts/vm/scan-dmesg.sh) forgives nbbs's deliberate
# "nbbs: invalid free" WARNING.  Only steps that free invalid pointers on
# purpose run inside it.
expect_invalid_free_warn() {
	kmark "expect invalid-free WARN $1"
}

# klog_mark: print the number of kernel log lines so far;
# klog_since N: print the lines logged after mark N.
klog_mark() {
	dmesg | wc -l
}
klog_since() {
	dmesg | tail -n +"$(($1 + 1))"
}

# write_refused FILE VALUE PATTERN: echo VALUE >FILE fails with EINVAL, the
# kernel log gets a message matching PATTERN, and FILE (when readable)
# reads as before.
write_refused() {
	local mark out before ret=0

	[ -r "$1" ] && before=$(cat "$1")
	mark=$(klog_mark)
	if out=$( (echo "$2" >"$1") 2>&1); then
		diag "echo $2 >$1 was accepted"
		ret=1
	else
		case "$out" in
		*"Invalid argument"*) ;;
		*) diag "not EINVAL: $out"; ret=1 ;;
		esac
		klog_since "$mark" | grep -v 'nbbs-vm:' | grep 'nbbs: ' | grep -q "$3" ||
			{ diag "no message matching '$3'"; ret=1; }
		diag "$(klog_since "$mark" | grep -v 'nbbs-vm:' | grep 'nbbs: ' | tail -n 1)"
	fi
	if [ -r "$1" ]; then
		want "$1 after the refused write" "$(cat "$1")" "$before" || ret=1
	fi
	return $ret
}

# kv FILE KEY: the value of KEY in a "key value" file; fails if absent.
kv() {
	awk -v k="$2" '$1 == k { print $2; found = 1; exit } END { exit !found }' "$1"
}

# bytes SIZE: SIZE with an optional K, M or G suffix, in bytes.
bytes() {
	case "$1" in
	*K) echo $((${1%K} << 10)) ;;
	*M) echo $((${1%M} << 20)) ;;
	*G) echo $((${1%G} << 30)) ;;
	*) echo "$1" ;;
	esac
}

# loaded MODULE: MODULE is in the kernel now.
loaded() {
	grep -q "^$1 " /proc/modules
}

# memfree_kb: free memory after dropping what can be dropped, counting the
# pages freed into the per-CPU lists (6.12 keeps many MiB there, which
# MemFree leaves out).
memfree_kb() {
	sync
	echo 3 >/proc/sys/vm/drop_caches
	awk '/^MemFree:/ { free = $2 }
	     FILENAME ~ /zoneinfo/ && $1 == "count:" { pcp += $2 }
	     END { printf "%d", free + pcp * 4 }' /proc/meminfo /proc/zoneinfo
}

# meminfo_kb KEY: a line of /proc/meminfo in kB (VmallocUsed counts the
# pages of vmalloc areas, SUnreclaim kmalloc's slabs, Percpu the per-CPU
# allocator's pages).
meminfo_kb() {
	awk -v k="$1:" '$1 == k { print $2 }' /proc/meminfo
}

# vmalloc_kb: memory in vmalloc areas.
vmalloc_kb() {
	meminfo_kb VmallocUsed
}

# want WHAT GOT EXPECTED: compare, and say what differs.
want() {
	if [ "$2" = "$3" ]; then
		return 0
	fi
	diag "$1 is '$2', expected '$3'"
	return 1
}

# run_kselftest: the kselftest of selftests/, as kselftest's runner.sh runs
# it, as the next top-level KTAP result.  A missing result line fails, and
# so does a skip, of the whole test or of one of its tests: the VM has
# everything it needs (root, the modules installed, nbbs unloaded).
run_kselftest() {
	KTAP_N=$((KTAP_N + 1))
	: >/tmp/kselftest.out
	# Appending: runner.sh writes the test's output through its own
	# O_APPEND descriptor of /dev/stdout, which a plain ">" would let the
	# result line overwrite.
	(
		# shellcheck disable=SC2034  # read by runner.sh
		BASE_DIR=/kselftest
		# shellcheck source=/dev/null
		. /kselftest/kselftest/runner.sh
		cd /kselftest/nbbs && run_one nbbs ./nbbs.sh $KTAP_N
	) >>/tmp/kselftest.out 2>&1
	if grep -qE 'ok [0-9]+ .*# *SKIP' /tmp/kselftest.out; then
		grep -vE "^(not )?ok $KTAP_N " /tmp/kselftest.out
		grep -E 'ok [0-9]+ .*# *SKIP' /tmp/kselftest.out |
			sed 's/^/# skipped, but the VM has all it needs: /'
		echo "not ok $KTAP_N selftests: nbbs: nbbs.sh # it skipped a test"
		KTAP_FAILED=$((KTAP_FAILED + 1))
		return
	fi
	cat /tmp/kselftest.out
	grep -q "^ok $KTAP_N " /tmp/kselftest.out || {
		grep -q "^not ok $KTAP_N " /tmp/kselftest.out ||
			echo "not ok $KTAP_N selftests: nbbs: nbbs.sh # no result"
		KTAP_FAILED=$((KTAP_FAILED + 1))
	}
}

# workload_args WORKLOAD: the stress tester's arguments (besides backend,
# workload and threads) for one run of WORKLOAD in the lanes that run every
# workload with a fixed number of kthreads (debug, inject).
workload_args() {
	case $1 in
	cached) echo "order=0 verify=1" ;;
	ls) echo "order=3" ;;
	tt) echo "order=1" ;;
	co) echo "order=2 verify=1" ;;
	rand) echo "order=5 irq=1 irq_us=500" ;;
	bulk) echo "order=4" ;;
	fill) echo "order=3 occupancy=90 irq=1" ;;
	esac
}

# check_clean_end: the last test of a lane: no nbbs module left, no block
# reported allocated at unload, no oops taint.
check_clean_end() {
	local ret=0 taint

	if loaded nbbs || loaded nbbs_stress || loaded test_nbbs || loaded nbbs_sample; then
		diag "modules left: $(grep -E '^(nbbs|nbbs_stress|test_nbbs|nbbs_sample) ' /proc/modules)"
		ret=1
	fi
	if dmesg | grep -q 'still allocated at unload'; then
		dmesg | grep 'still allocated at unload' | sed 's/^/# /'
		ret=1
	fi
	# Taint bits: 5 B bad page, 7 D oops, 14 L soft lockup.
	taint=$(cat /proc/sys/kernel/tainted)
	diag "taint $taint"
	[ $((taint & ((1 << 5) | (1 << 7) | (1 << 14)))) -eq 0 ] || ret=1
	result "clean end: all unloaded, no leak reported, no oops, bad-page or lockup taint" $ret
}
