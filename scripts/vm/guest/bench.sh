#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=dash  # busybox ash in the guest: POSIX plus local
#
# Guest script of `make bench-vm` (scripts/vm/bench.sh boots it once per
# vCPU count): the stress tester's matrix, one CSV row per run.
#
#   backends nbbs-tree, nbbs-packed (the two layouts of the tree),
#            nbbs-packed-hot (with per-CPU hot blocks), spinlock (the
#            default layout under one lock), pages, genpool
#   x workloads cached, ls, tt, co, rand, bulk  x orders 0, 3, 6, 9
#   + fill (rand over orders 0..BENCH_FILL_ORDER) at occupancies 0, 50,
#     90, 99
# with as many threads as CPUs, BENCH_MS milliseconds a run, over an arena
# of BENCH_ARENA bytes (largest order 10).  Settings come from the kernel
# command line (the kernel passes unknown NAME=value words to init's
# environment).
#
# Prints each result line as a diagnostic and each row as "csv: ..." in
# the columns of bench/results.csv; exits 1 when a run failed or reported
# an overlap, a stamp error, a misplaced or a leaked block.
# shellcheck source=scripts/vm/guest/lib.sh
. /guest/lib.sh

KO=/nbbs
RUN=/sys/kernel/debug/nbbs/stress/run
RESULT=/sys/kernel/debug/nbbs/stress/result
MS=${BENCH_MS:-100}
ARENA=${BENCH_ARENA:-256M}
FILL_ORDER=${BENCH_FILL_ORDER:-3}
# Lists come comma-separated: the kernel command line splits on spaces.
BACKENDS=$(echo "${BENCH_BACKENDS:-nbbs-tree,nbbs-packed,nbbs-packed-hot,spinlock,pages,genpool}" | tr , ' ')
WORKLOADS=$(echo "${BENCH_WORKLOADS:-cached,ls,tt,co,rand,bulk}" | tr , ' ')
ORDERS=$(echo "${BENCH_ORDERS:-0,3,6,9}" | tr , ' ')
OCCUPANCIES=$(echo "${BENCH_OCCUPANCIES:-0,50,90,99}" | tr , ' ')
n=$(nproc)
bad=0

# bench LINE: run one experiment; print its result and its CSV row.
bench() {
	local res

	if ! echo "$1 threads=$n arena=$ARENA max_order=10 ms=$MS" >$RUN; then
		diag "FAILED: $1"
		bad=$((bad + 1))
		return
	fi
	res=$(tail -n 1 $RESULT)
	diag "$res"
	echo "$res" | awk -v vcpus="$n" '{
		for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		printf "csv: vm,%d,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s\n", vcpus,
		       v["backend"], v["workload"], v["threads"], v["order"], v["max_order"],
		       v["occupancy"], v["ops"], v["ns_per_op"], v["mops"], v["p50_ns"],
		       v["p99_ns"], v["fails"], v["overlaps"]
		exit (v["overlaps"] != 0 || v["stamp_errors"] != 0 || v["misplaced"] != 0 ||
		      v["leaked"] != 0)
	}' || bad=$((bad + 1))
}

diag "kernel $(uname -r), $n CPUs, command line: $(cat /proc/cmdline)"
diag "init_on_alloc=$(grep -o 'init_on_alloc=[0-9]' /proc/cmdline || echo default)," \
	"$MS ms a run, arena $ARENA"
insmod $KO/nbbs.ko size=4M || exit 1
insmod $KO/nbbs_stress.ko || { rmmod nbbs; exit 1; }
start=$(date +%s)
for w in $WORKLOADS; do
	for o in $ORDERS; do
		for b in $BACKENDS; do
			bench "backend=$b workload=$w order=$o"
		done
	done
done
for occ in $OCCUPANCIES; do
	for b in $BACKENDS; do
		bench "backend=$b workload=fill order=$FILL_ORDER occupancy=$occ"
	done
done
rmmod nbbs_stress
rmmod nbbs
diag "bench: $(($(date +%s) - start)) s, $bad bad runs"
[ $bad -eq 0 ]
