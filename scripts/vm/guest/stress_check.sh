# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=dash  # busybox ash in the guest: POSIX plus local
#
# The stress tester's part of `make check-vm-check`, sourced by check.sh
# after lib.sh.  stress_check prints KTAP results through pass/fail/skip:
#
#   1. every workload on every backend (each layout of the nbbs tree),
#      (STRESS_MS, 150 ms a run), some
#      with twice as many threads as CPUs, with the hrtimer (irq=1) or
#      whole-block verification (verify=1), ls stamping every cache line
#      (touch=lines) and bulk none (touch=none), the rest the first and the
#      last (touch=ends, the default); each result line must show
#      operations, the touch= asked for, and zero overlaps, stamp errors,
#      misplaced and leaked blocks;
#   1b. nmi=1 (NMIs through the local APIC to every CPU, x86) on the
#      default layout and on a hot pool: the NMI handlers did operations
#      on every CPU, the line is clean, and the kernel log of the run has
#      no unknown NMI and no report;
#   2. a run stopped by an operation count instead of a duration;
#   3. bad lines fail with EINVAL and a message naming the key, and run
#      nothing: unknown names, sizes past 2^64, hex, an arena above half
#      the RAM, irq_us below 100, irq=1 with verify=1 or touch=lines on
#      blocks above 64 KiB, nmi=1 touch=lines on blocks above 64 KiB; so
#      do writes that are not one whole line (no newline, two lines, 512
#      bytes or more); the bounds themselves run clean;
#   4. a second run while one is in progress fails with EBUSY;
#   4b. nbbs_stress.ko loaded with a run= line that does not parse fails
#      the load with EINVAL and a message, and leaves nothing behind;
#   5. nbbs_stress.ko loaded with run=... unloads in the middle of that
#      run: the threads stop and the run still reports a clean line;
#   6. the same while fill is still taking every block of a large arena:
#      the fill stops, the unload is quick, no result line.
# The stress tester is its own module, nbbs_stress.ko, loaded after
# nbbs.ko and unloaded before it (stress_load, stress_unload).  Expects
# both unloaded; leaves them unloaded.

STRESS_DIR=/sys/kernel/debug/nbbs/stress
STRESS_MS=${STRESS_MS:-150}

# stress_load [ARGS...]: load nbbs.ko with ARGS, then the stress tester.
# shellcheck disable=SC2120  # inject_check.sh passes nbbs.ko's parameters
stress_load() {
	insmod "$KO"/nbbs.ko "$@" || return 1
	insmod "$KO"/nbbs_stress.ko || { rmmod nbbs; return 1; }
}

# stress_unload: the stress tester first: it uses nbbs.ko.
stress_unload() {
	rmmod nbbs_stress && rmmod nbbs
}

# stress_bad_param NAME LINE PATTERN: nbbs_stress.ko run="LINE" fails to
# load with EINVAL, a message matching PATTERN is logged, and neither the
# module nor its stress directory stays.  Expects nbbs.ko loaded.
stress_bad_param() {
	local mark out ret=0

	mark=$(klog_mark)
	# Quoted: the kernel splits parameters at spaces outside quotes.
	if out=$(insmod "$KO"/nbbs_stress.ko "run=\"$2\"" 2>&1); then
		diag "run=$2 loaded"
		rmmod nbbs_stress
		ret=1
	else
		# kmod's insmod names EINVAL "Invalid parameters".
		case "$out" in
		*"Invalid parameters"* | *"Invalid argument"*) ;;
		*) diag "not EINVAL: $out"; ret=1 ;;
		esac
		klog_since "$mark" | grep 'nbbs: stress: ' | grep -q "$3" ||
			{ diag "no message matching '$3'"; ret=1; }
		diag "$(klog_since "$mark" | grep 'nbbs: stress: ' | tail -n 1)"
	fi
	if loaded nbbs_stress || [ -e $STRESS_DIR ]; then
		diag "nbbs_stress left behind"
		ret=1
	fi
	result "stress: nbbs_stress.ko run=$1 fails the load (EINVAL)" $ret
}

# field LINE KEY: the value of KEY=... in a result line.
field() {
	echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"
}

# stress_write LINE: write LINE to the run file (the shell reports errors).
stress_write() {
	echo "$1" >$STRESS_DIR/run
}

# stress_clean LINE: the line has operations and no error count.
stress_clean() {
	local ret=0 k

	[ "$(field "$1" ops)" -gt 0 ] 2>/dev/null || { diag "no operations"; ret=1; }
	for k in overlaps stamp_errors misplaced leaked; do
		want "$k" "$(field "$1" $k)" 0 || ret=1
	done
	return $ret
}

# stress_one NAME LINE: run LINE; the newest result must be its, and clean.
stress_one() {
	local res t ret=0

	if ! echo "$2" >$STRESS_DIR/run; then
		fail "stress $1: the write failed"
		return
	fi
	res=$(tail -n 1 $STRESS_DIR/result)
	diag "$res"
	want "backend" "$(field "$res" backend)" "$(field "$2" backend)" || ret=1
	want "workload" "$(field "$res" workload)" "$(field "$2" workload)" || ret=1
	t=$(field "$2" touch)
	want "touch" "$(field "$res" touch)" "${t:-ends}" || ret=1
	stress_clean "$res" || ret=1
	result "stress $1" $ret
}

# stress_refuse NAME TEXT PATTERN: writing TEXT (with echo -ne: \n is a
# newline, none is added) to the run file fails with EINVAL, a message
# matching PATTERN is logged, no run happens.
stress_refuse() {
	local mark out last ret=0

	last=$(tail -n 1 $STRESS_DIR/result)
	mark=$(klog_mark)
	# echo, not printf: busybox's printf does not say why a write failed.
	# shellcheck disable=SC3037  # busybox echo has -n and -e
	if out=$( (echo -ne "$2" >$STRESS_DIR/run) 2>&1); then
		diag "$1 was accepted"
		ret=1
	else
		case "$out" in
		*"Invalid argument"*) ;;
		*) diag "not EINVAL: $out"; ret=1 ;;
		esac
		klog_since "$mark" | grep 'nbbs: stress: ' | grep -q "$3" ||
			{ diag "no message matching '$3'"; ret=1; }
		diag "$(klog_since "$mark" | grep 'nbbs: stress: ' | tail -n 1)"
	fi
	want "the last result" "$(tail -n 1 $STRESS_DIR/result)" "$last" || ret=1
	result "stress refuses $1" $ret
}

# stress_bad LINE KEY: the line fails with EINVAL, the log names KEY.
stress_bad() {
	stress_refuse "'$1'" "$1\\n" "$2"
}

stress_matrix() {
	local n cpus2 b w args

	n=$(nproc)
	cpus2=$((2 * n))
	for b in nbbs-tree nbbs-packed nbbs-tree-hot nbbs-packed-hot spinlock pages genpool; do
		for w in cached ls tt co rand bulk fill; do
			case $w in
			cached) args="threads=$n order=0 verify=1" ;;
			ls) args="threads=$n order=3 touch=lines" ;;
			tt) args="threads=$cpus2 order=1" ;;
			co) args="threads=$cpus2 order=2 verify=1" ;;
			rand) args="threads=$cpus2 order=5 irq=1 irq_us=500" ;;
			bulk) args="threads=$n order=4 touch=none" ;;
			fill) args="threads=$n order=3 occupancy=90 irq=1" ;;
			esac
			stress_one "$b $w $args" \
				"backend=$b workload=$w $args arena=16M max_order=8 ms=$STRESS_MS"
		done
	done
}

# stress_nmi NAME LINE: run LINE (with nmi=1); clean, with NMI operations on
# every CPU, at most two per NMI sent, and nothing in the kernel log about
# unknown NMIs or bugs.
stress_nmi() {
	local mark res ret=0 bad

	mark=$(klog_mark)
	if ! stress_write "$2"; then
		fail "stress $1: the write failed"
		return
	fi
	res=$(tail -n 1 $STRESS_DIR/result)
	diag "$res"
	want "backend" "$(field "$res" backend)" "$(field "$2" backend)" || ret=1
	stress_clean "$res" || ret=1
	[ "$(field "$res" nmi_ops)" -gt 0 ] 2>/dev/null || { diag "no operations in NMI"; ret=1; }
	want "nmi_cpus" "$(field "$res" nmi_cpus)" "$(nproc)" || ret=1
	# A handler acts only on an NMI the run sent: a release and an allocation.
	[ "$(field "$res" nmi_ops)" -le $((2 * $(field "$res" nmi_sent))) ] 2>/dev/null ||
		{ diag "more NMI operations than 2 per NMI sent"; ret=1; }
	bad=$(klog_since "$mark" |
		grep -E 'NMI received for unknown reason|Dazed and confused|WARNING:|BUG:|Call Trace')
	[ -z "$bad" ] || { diag "kernel log: $bad"; ret=1; }
	result "stress $1" $ret
}

stress_check() {
	local mark res start secs ret

	# shellcheck disable=SC2119  # nbbs.ko with its default parameters
	if ! stress_load; then
		fail "stress: load nbbs and nbbs_stress"
		return
	fi
	# nbbs_stress.ko puts its files in nbbs's directory: a missing file is
	# a failure.
	if [ ! -e $STRESS_DIR/run ]; then
		diag "no $STRESS_DIR/run: none of the stress tests can run"
		fail "stress: $STRESS_DIR/run exists"
		stress_unload
		return
	fi

	# 1. the matrix
	start=$(date +%s)
	stress_matrix
	diag "stress matrix: $(($(date +%s) - start)) s"

	# 1b. allocation and release from NMI on every CPU
	stress_nmi "nmi=1 nbbs rand" \
		"backend=nbbs workload=rand threads=$(nproc) order=3 nmi=1 ms=400"
	stress_nmi "nmi=1 nbbs-hot cached irq=1 verify=1" \
		"backend=nbbs-hot workload=cached threads=$((2 * $(nproc))) order=0 irq=1 nmi=1 nmi_us=200 verify=1 ms=400"

	# 2. stopped by an operation count, more threads than CPUs
	stress_one "ops=20000 stop" "backend=nbbs workload=cached threads=$((2 * $(nproc))) ops=20000"
	res=$(tail -n 1 $STRESS_DIR/result)
	[ "$(field "$res" ops)" -ge 20000 ]
	result "stress ops=20000 does at least 20000 operations" $?

	# 3. bad lines
	stress_bad "backend=slab" backend
	stress_bad "workload=rand threads=x" threads
	stress_bad "order=9 max_order=8" order
	stress_bad "bogus=1" bogus
	stress_bad "backend=pages min_block=64" min_block
	stress_bad "arena=1T" arena
	mib=1
	while [ $((mib << 10)) -lt "$(meminfo_kb MemTotal)" ]; do mib=$((mib * 2)); done
	stress_bad "arena=${mib}M max_order=8" arena
	stress_bad "arena=18014398509483008K max_order=8" arena
	stress_bad "min_block=0x1000" min_block
	stress_bad "ms=0x10" ms
	stress_bad "irq=1 irq_us=0" irq_us
	stress_bad "irq=1 irq_us=99" irq_us
	stress_bad "irq=1 verify=1 order=5" verify
	stress_bad "touch=all" touch
	stress_bad "irq=1 touch=lines order=5" touch=lines
	stress_bad "nmi=1 touch=lines min_block=32K" touch=lines
	stress_refuse "a line without its newline" \
		"backend=nbbs workload=cached threads=1 ms=10" "no newline"
	stress_refuse "two lines in one write" "ms=10\\nms=10\\n" "more than one line"
	stress_refuse "a write of 600 bytes" "$(printf '%0599d' 0)\\n" "at most 511"
	stress_one "at the bounds irq_us=100" \
		"backend=nbbs workload=rand threads=2 order=0 irq=1 irq_us=100 ms=$STRESS_MS"
	stress_one "at the bounds irq=1 verify=1 64K blocks" \
		"backend=nbbs workload=rand threads=2 order=4 irq=1 verify=1 ms=$STRESS_MS"
	stress_one "at the bounds irq=1 touch=lines 64K blocks" \
		"backend=nbbs workload=rand threads=2 order=4 irq=1 touch=lines ms=$STRESS_MS"
	stress_bad "backend=spinlock nmi=1" nmi
	stress_bad "nmi=1 nmi_us=10" nmi_us

	# 4. one run at a time
	echo "backend=nbbs workload=cached threads=2 ms=2000" >$STRESS_DIR/run &
	sleep 1
	ret=0
	if out=$(stress_write "backend=nbbs workload=cached ms=10" 2>&1); then
		diag "a second run started while one was in progress"
		ret=1
	else
		case "$out" in
		*"busy"*) ;;
		*) diag "not EBUSY: $out"; ret=1 ;;
		esac
	fi
	wait
	result "stress refuses a second run with EBUSY" $ret
	rmmod nbbs_stress

	# 4b. a run= line that does not parse fails the load
	stress_bad_param bogus "workload=nope" workload
	stress_bad_param irq-us "irq=1 irq_us=0" irq_us

	# 5. unload in the middle of a run started by the module parameter
	mark=$(klog_mark)
	ret=0
	if insmod "$KO"/nbbs_stress.ko \
		"run=\"backend=nbbs workload=rand threads=$((2 * $(nproc))) order=4 ms=60000\""; then
		sleep 1
		start=$(date +%s)
		rmmod nbbs_stress || ret=1
		secs=$(($(date +%s) - start))
		diag "rmmod took ${secs} s"
		[ "$secs" -le 10 ] || ret=1
		res=$(klog_since "$mark" | sed -n 's/^.*nbbs: stress: \(backend=.*\)$/\1/p' | tail -n 1)
		diag "$res"
		[ -n "$res" ] || { diag "no result line"; ret=1; }
		[ -z "$res" ] || stress_clean "$res" || ret=1
	else
		ret=1
	fi
	result "stress: unloading nbbs_stress mid-run stops the run cleanly" $ret

	# 6. unload while fill takes each of 4M smallest blocks
	mark=$(klog_mark)
	ret=0
	if insmod "$KO"/nbbs_stress.ko \
		"run=\"backend=nbbs workload=fill arena=32M min_block=8 max_order=8 order=0 threads=1 ms=60000\""; then
		sleep 2
		start=$(date +%s)
		rmmod nbbs_stress || ret=1
		secs=$(($(date +%s) - start))
		diag "rmmod took ${secs} s"
		[ "$secs" -le 10 ] || ret=1
		res=$(klog_since "$mark" | grep 'nbbs: stress: workload=fill: stopped')
		diag "$res"
		case "$res" in
		*"nbbs_stress is unloading"*) ;;
		*) diag "the unload did not stop the fill"; ret=1 ;;
		esac
		if klog_since "$mark" | grep -q 'nbbs: stress: backend='; then
			diag "a result line for a run that never started"
			ret=1
		fi
	else
		ret=1
	fi
	result "stress: unloading nbbs_stress stops fill's setup" $ret
	rmmod nbbs
}
