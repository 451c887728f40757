#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=dash  # busybox ash in the guest: POSIX plus local
#
# Guest script of `make check-vm-inject`: nbbs.ko and test_nbbs.ko built
# with make NBBS_FAULT_INJECT=y (scripts/vm/inject-check.sh builds them).
# Prints KTAP results at the top level; the host adds the kernel log scan.
#
#   1. modinfo shows the fault_alloc_nth parameter.
#   2. For several parameter sets (both layouts, vmalloc, pages and
#      contig backing): insmod nbbs.ko fault_alloc_nth=n for n = 1, 2, ... fails
#      with ENOMEM, a message naming the failed step and one saying the
#      failure was injected, and leaves nothing loaded, until n passes the
#      allocations init makes; that load is a whole pool (debugfs free:
#      every largest and every smallest block allocatable, nothing live),
#      the sample client takes and returns a block, debugfs
#      fault_alloc_nth reads 0 (init dropped the unused count), unload.
#   3. backing=auto: a failed page allocation of the arena falls back to
#      contig, a failed contig arena to vmalloc, and the load succeeds.
#   4. Repeated failed loads (each allocation of init in turn, both
#      layouts) leak no memory: free memory, vmalloc, live kmalloc objects
#      and per-CPU memory before and after.
#   5. test_nbbs (its fault-injection build): every test on both layouts,
#      among them the failed metadata allocations of nbbs_pool_create.
#   6. (with the stress tester, nbbs_stress.ko, loaded after nbbs.ko)
#      debugfs fault_alloc_nth=1 fails the next stress run's pool with
#      ENOMEM; the run after it succeeds.  The fault files refuse values
#      out of bounds (fail > 900, delay > 1000, nth < 0) and keep theirs.
#   7. For layout=tree, then packed: with fault_cas_fail_permille=300 and
#      fault_cas_delay_permille=100, every stress workload on the
#      nbbs-LAYOUT backend with twice as many kthreads as vCPUs: zero
#      overlaps, stamp errors, misplaced and leaked blocks; the runs' pools
#      counted CAS conflicts for at least 20% of the operations (the
#      injection took effect: here 75% to 170% with it, under 1% without);
#      unload.  Over both layouts, some claims were rolled back (real
#      races, which the injected delays widen: an injected failure itself
#      is retried, never rolled back).
#   8. Nothing of nbbs is left loaded, no client leaked a block, no oops
#      taint.
# shellcheck source=scripts/vm/guest/lib.sh
. /guest/lib.sh
# shellcheck source=scripts/vm/guest/stress_check.sh
. /guest/stress_check.sh

KO=/nbbs
DBG=/sys/kernel/debug/nbbs
THREADS=${INJECT_THREADS:-$((2 * $(nproc)))}
STRESS_MS=${INJECT_STRESS_MS:-150}
# More allocations than init makes (5 today): a load that still fails at
# this n fails the test.
MAX_NTH=32

# ---- helpers ----

# pool_whole: the default pool's debugfs files show it whole and unused:
# every smallest block and every largest block allocatable, nothing live.
pool_whole() {
	local c=$DBG/config f=$DBG/free ret=0 max

	max=$(kv $c max_order)
	want "free free_bytes" "$(kv $f free_bytes)" "$(kv $c size)" || ret=1
	want "free allocatable_order_0" "$(kv $f allocatable_order_0)" \
		"$(kv $c leaves)" || ret=1
	want "free allocatable_order_$max" "$(kv $f "allocatable_order_$max")" \
		"$(kv $c top_blocks)" || ret=1
	want "free live_blocks" "$(kv $f live_blocks)" 0 || ret=1
	want "stats live" "$(kv $DBG/stats live)" 0 || ret=1
	return $ret
}

# sample_block: the sample client holds one block of the pool, returns it.
sample_block() {
	insmod $KO/nbbs_sample.ko || return 1
	want "stats live with the sample loaded" "$(kv $DBG/stats live)" 1 ||
		{ rmmod nbbs_sample; return 1; }
	rmmod nbbs_sample || return 1
	want "stats live after the sample" "$(kv $DBG/stats live)" 0
}

# nbbs_gone: nbbs is not loaded and its debugfs directory is gone.
nbbs_gone() {
	if loaded nbbs || [ -e "$DBG" ]; then
		diag "nbbs left behind"
		rmmod nbbs 2>/dev/null
		return 1
	fi
}

# fail_load N "ARGS": insmod nbbs.ko ARGS fault_alloc_nth=N; returns 0 when
# the load failed as an injected failure must, 2 when it succeeded (nbbs
# is then loaded), 1 otherwise.
fail_load() {
	local n="$1" mark out msg ret=0

	mark=$(klog_mark)
	kmark "inject: insmod nbbs.ko $2 fault_alloc_nth=$n"
	# shellcheck disable=SC2086  # ARGS is a list of parameters
	if out=$(insmod $KO/nbbs.ko $2 fault_alloc_nth="$n" 2>&1); then
		return 2
	fi
	# kmod's insmod names ENOMEM by its strerror.
	case "$out" in
	*"Cannot allocate memory"*) ;;
	*) diag "n=$n: not ENOMEM: $out"; ret=1 ;;
	esac
	msg=$(klog_since "$mark" | grep -v 'nbbs-vm:' | grep 'nbbs: ')
	if ! echo "$msg" | grep -q "fault_alloc_nth=$n: allocation $n of init failed on purpose"; then
		diag "n=$n: no message of the injected failure"
		ret=1
	fi
	# The failed step's own message comes before the injection's.
	diag "n=$n: $(echo "$msg" | grep -v 'fault_alloc_nth=' | tail -n 1 | sed 's/^\[[ 0-9.]*\] //')"
	nbbs_gone || ret=1
	return $ret
}

# init_faults NAME "ARGS": fail each allocation of init in turn, then load
# and check the pool; sets INIT_ALLOCS to the allocations init made.
init_faults() {
	local name="$1" args="$2" n=0 rc ret=0

	INIT_ALLOCS=
	while [ $n -lt $MAX_NTH ]; do
		n=$((n + 1))
		fail_load $n "$args"
		rc=$?
		[ $rc -eq 2 ] && break
		[ $rc -eq 0 ] || ret=1
	done
	if [ $rc -ne 2 ]; then
		fail "init $name: fails cleanly at each allocation, then loads"
		diag "still failing at fault_alloc_nth=$n"
		fail "init $name: then a whole pool (not loaded)"
		return
	fi
	INIT_ALLOCS=$((n - 1))
	diag "init $name (${args:-defaults}) makes $INIT_ALLOCS allocations; loaded with fault_alloc_nth=$n"
	# At least the arena, the pool and its tree: three.
	[ "$INIT_ALLOCS" -ge 3 ] || { diag "too few allocations"; ret=1; }
	result "init $name: fails cleanly at each of its $INIT_ALLOCS allocations, then loads" $ret

	ret=0
	want "debugfs fault_alloc_nth after init" "$(cat $DBG/fault_alloc_nth)" 0 || ret=1
	pool_whole || ret=1
	sample_block || ret=1
	rmmod nbbs || ret=1
	nbbs_gone || ret=1
	result "init $name: then a whole pool, every largest and smallest block free, unloads" $ret
}

# ---- the tests ----

ktap_begin
diag "kernel $(uname -r), $(nproc) CPUs, $THREADS stress threads"

# 1. the parameter
modinfo -F parm $KO/nbbs.ko | grep -q '^fault_alloc_nth:'
result "modinfo lists fault_alloc_nth (a fault-injection build)" $?

# 2. each allocation of init fails in turn
init_faults packed-vmalloc "backing=vmalloc"
ALLOCS_PACKED=$INIT_ALLOCS
init_faults tree-vmalloc "layout=tree backing=vmalloc"
ALLOCS_TREE=$INIT_ALLOCS
init_faults packed-pages "backing=pages size=4M"
init_faults packed-contig "backing=contig size=8M"
init_faults tree-8B-pages "size=1M min_block=8 max_order=17 layout=tree backing=pages"

# 3. auto backing: the arena's pages fail and contig takes over; a contig
#    arena fails and vmalloc takes over
auto_fallback() {
	local mark ret=0

	mark=$(klog_mark)
	if insmod $KO/nbbs.ko "size=$1" fault_alloc_nth=1; then
		want "config backing_requested" "$(kv $DBG/config backing_requested)" auto || ret=1
		want "config backing" "$(kv $DBG/config backing)" "$2" || ret=1
		klog_since "$mark" | grep -q 'nbbs: fault_alloc_nth=1: allocation 1 of init failed on purpose, init recovered' ||
			{ diag "no message of the recovered failure"; ret=1; }
		pool_whole || ret=1
		rmmod nbbs || ret=1
	else
		ret=1
	fi
	nbbs_gone || ret=1
	result "init auto size=$1: a failed $3 arena falls back to $2" $ret
}
auto_fallback 4M contig pages
auto_fallback 64M vmalloc contig

# 4. no leak over repeated failed loads: each allocation of init fails in
#    turn, on both layouts, LEAK_ROUNDS times, after a round that warms
#    the caches up.  The pool (1 MiB of 8-byte blocks, vmalloc) has a 4 kB
#    chunk summary and 1 MiB (tree) or 140 kB (packed) of tree words, so
#    whatever init leaks shows in one of: free memory (large kmalloc),
#    vmalloc (the arena), the bytes of live kmalloc objects (the pool
#    structure, the summary) or the per-CPU allocator's pages.
leak_round() {
	local v n allocs

	for v in tree packed; do
		[ $v = tree ] && allocs=${ALLOCS_TREE:-5} || allocs=${ALLOCS_PACKED:-5}
		n=1
		while [ $n -le "$allocs" ]; do
			# shellcheck disable=SC2086  # LEAK_POOL is a list of parameters
			if insmod $KO/nbbs.ko $LEAK_POOL layout=$v fault_alloc_nth=$n 2>/dev/null; then
				diag "$LEAK_POOL layout=$v fault_alloc_nth=$n loaded"
				rmmod nbbs
			fi
			LEAK_LOADS=$((LEAK_LOADS + 1))
			n=$((n + 1))
		done
	done
}

# kmalloc_bytes: bytes in live objects of the kmalloc caches (objects on
# the nodes' partial lists are free; those of CPU slabs count as live).
kmalloc_bytes() {
	awk 'NR > 2 && $1 ~ /^kmalloc-[0-9]+k?$/ { s += $2 * $4 } END { printf "%d", s }' \
		/proc/slabinfo
}

LEAK_POOL="size=1M min_block=8 max_order=10 backing=vmalloc"
LEAK_ROUNDS=${INJECT_LEAK_ROUNDS:-4}
LEAK_LOADS=0
leak_round
LEAK_LOADS=0
before=$(memfree_kb)
vbefore=$(vmalloc_kb)
kbefore=$(kmalloc_bytes)
pbefore=$(meminfo_kb Percpu)
i=0
while [ $i -lt "$LEAK_ROUNDS" ]; do
	leak_round
	i=$((i + 1))
done
after=$(memfree_kb)
vafter=$(vmalloc_kb)
kafter=$(kmalloc_bytes)
pafter=$(meminfo_kb Percpu)
diag "over $LEAK_LOADS failed loads of $LEAK_POOL (tree and packed, each allocation of init):"
diag "free $before -> $after kB, vmalloc $vbefore -> $vafter kB," \
	"kmalloc objects $kbefore -> $kafter bytes, percpu $pbefore -> $pafter kB"
# Measured here without a leak: free and vmalloc move by under 64 kB,
# kmalloc objects by under 1 kB.  Leaking the pool structure at each
# failure after it (768 bytes with slub_debug's red zones) adds some
# 90 kB per 10 rounds.
ret=0
[ $((before - after)) -lt 512 ] || ret=1
[ $((vafter - vbefore)) -lt 512 ] || ret=1
[ $((kafter - kbefore)) -lt 4096 ] || ret=1
[ $((pafter - pbefore)) -lt 64 ] || ret=1
result "no memory leaked over $LEAK_LOADS failed loads" $ret

# 5. test_nbbs, built with fault injection
expect_invalid_free_warn begin
mark=$(klog_mark)
ret=1
if insmod $KO/nbbs.ko; then
	if insmod $KO/test_nbbs.ko; then
		ret=0
		rmmod test_nbbs
	fi
	rmmod nbbs || ret=1
fi
expect_invalid_free_warn end
klog_since "$mark" | sed -n 's/^\[[ 0-9.]*\] test_nbbs: //p' >/tmp/test_nbbs.out
grep -E '^not ok|tests passed|create faults:' /tmp/test_nbbs.out | sed 's/^/# test_nbbs: /'
for v in tree packed; do
	line=$(grep -E "^(not )?ok [0-9]+ failed metadata allocations in nbbs_pool_create \[$v\]" /tmp/test_nbbs.out)
	case "$line" in
	"ok "*) pass "test_nbbs: failed metadata allocations in nbbs_pool_create [$v]" ;;
	*) diag "${line:-no result}"; fail "test_nbbs: failed metadata allocations in nbbs_pool_create [$v]" ;;
	esac
done
grep -q '^not ok' /tmp/test_nbbs.out && ret=1
result "test_nbbs (fault-injection build) loads: $(grep -o '[0-9]* tests passed, [0-9]* failed' /tmp/test_nbbs.out)" $ret

# 6. debugfs fault_alloc_nth fails the next pool a stress run builds
ret=0
if stress_load; then
	mark=$(klog_mark)
	echo 1 >$DBG/fault_alloc_nth
	if out=$(stress_write "backend=nbbs workload=cached threads=2 ms=20" 2>&1); then
		diag "the run succeeded"
		ret=1
	else
		case "$out" in
		*"Cannot allocate memory"* | *"Out of memory"*) ;;
		*) diag "not ENOMEM: $out"; ret=1 ;;
		esac
	fi
	klog_since "$mark" | grep -q 'nbbs: stress: cannot build a pool' ||
		{ diag "no message"; ret=1; }
	want "debugfs fault_alloc_nth after the failure" "$(cat $DBG/fault_alloc_nth)" 0 || ret=1
	stress_write "backend=nbbs workload=cached threads=2 ms=20" || ret=1
	stress_unload || ret=1
else
	ret=1
fi
result "debugfs fault_alloc_nth=1 fails the next stress run's pool with ENOMEM, then off" $ret

# 6b. the fault files refuse values out of bounds and keep theirs
ret=0
if insmod $KO/nbbs.ko; then
	echo 300 >$DBG/fault_cas_fail_permille || ret=1
	write_refused $DBG/fault_cas_fail_permille 901 'fault_cas_fail_permille=901: at most 900' || ret=1
	write_refused $DBG/fault_cas_delay_permille 1001 'fault_cas_delay_permille=1001: at most 1000' || ret=1
	write_refused $DBG/fault_alloc_nth -1 'fault_alloc_nth=-1: must be 0' || ret=1
	want "fault_cas_fail_permille" "$(cat $DBG/fault_cas_fail_permille)" 300 || ret=1
	echo 0 >$DBG/fault_cas_fail_permille || ret=1
	rmmod nbbs || ret=1
else
	ret=1
fi
result "debugfs fault files refuse fail > 900, delay > 1000, nth < 0 with EINVAL and a message" $ret

# 7. CAS faults under the stress tester, each layout
ROLLBACKS=0
for v in tree packed; do
	if ! stress_load layout=$v; then
		fail "cas faults layout=$v: load"
		continue
	fi
	echo 300 >$DBG/fault_cas_fail_permille
	echo 100 >$DBG/fault_cas_delay_permille
	diag "layout=$v: fault_cas_fail_permille $(cat $DBG/fault_cas_fail_permille)," \
		"fault_cas_delay_permille $(cat $DBG/fault_cas_delay_permille)"
	first=$(($(wc -l <$STRESS_DIR/result) + 1))
	for w in cached ls tt co rand bulk fill; do
		args=$(workload_args $w)
		stress_one "cas faults nbbs-$v $w threads=$THREADS $args" \
			"backend=nbbs-$v workload=$w threads=$THREADS $args arena=16M max_order=8 ms=$STRESS_MS"
	done
	# The runs' own lines (the file keeps the last 64).
	tail -n +"$first" $STRESS_DIR/result | awk '
		{ for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		  ops += v["ops"]; cas += v["cas_conflicts"]; rb += v["rollbacks"]; n++ }
		END { printf "%d %d %d %d\n", n, ops, cas, rb }' >/tmp/cas.out
	read -r runs ops cas rb </tmp/cas.out
	diag "layout=$v: $runs runs, $ops operations, $cas cas conflicts, $rb rollbacks"
	ret=0
	[ "$runs" -eq 7 ] || ret=1
	# Injected failures count as conflicts: 30% of the CASes, and every
	# operation makes at least one.
	[ $((cas * 5)) -ge "$ops" ] && [ "$ops" -gt 0 ] || ret=1
	result "cas faults layout=$v: the injection took effect ($cas cas conflicts in $ops operations)" $ret
	ROLLBACKS=$((ROLLBACKS + rb))

	echo 0 >$DBG/fault_cas_fail_permille
	echo 0 >$DBG/fault_cas_delay_permille
	ret=0
	stress_unload || ret=1
	nbbs_gone || ret=1
	result "cas faults layout=$v: unload" $ret
done
[ "$ROLLBACKS" -gt 0 ]
result "cas faults: claims were rolled back ($ROLLBACKS over both layouts)" $?

# 8. the end state
check_clean_end
diag "init allocations: packed $ALLOCS_PACKED, tree $ALLOCS_TREE"

ktap_end
