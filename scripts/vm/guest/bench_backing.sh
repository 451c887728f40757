#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=dash  # busybox ash in the guest: POSIX plus local
#
# Guest script of `make bench-vm-backing` (scripts/vm/bench-backing.sh):
# the same stress runs on nbbs.ko's own pool over an arena of each backing,
# of one size, in one boot:
#
#   contig        backing=contig: physically contiguous, direct-mapped
#   vmalloc-huge  backing=vmalloc (vmalloc_huge=1): 2 MiB pages where it
#                 can get them
#   vmalloc-4K    backing=vmalloc vmalloc_huge=0: 4 KiB pages
#
# Each run is backend=default with blocks touched in every cache line
# (touch=lines), as many threads as CPUs, BENCH_MS milliseconds; the
# backings take turns, BENCH_ROUNDS rounds, so that drift in the host's
# speed falls on all of them.  Prints "csv: ..." rows of
# bench/backing.csv; exits 1 when a load or a run failed or a run reported
# an overlap, a stamp error, a misplaced or a leaked block.
# shellcheck source=scripts/vm/guest/lib.sh
. /guest/lib.sh

KO=/nbbs
DBG=/sys/kernel/debug/nbbs
MS=${BENCH_MS:-200}
ARENA=${BENCH_ARENA:-256M}
ROUNDS=${BENCH_ROUNDS:-3}
n=$(nproc)
bad=0

# The workloads: a thread's own few blocks (cached, rand), bursts (ls),
# and blocks spread over the whole arena by a 90% fill (fill), where the
# page size of the mapping matters most.
WORKLOADS="cached:0 rand:0 ls:0 co:0 fill:0"

# run BACKING ROUND LINE: one run on the loaded pool; a CSV row.
run() {
	local res map

	map=$(kv $DBG/config map_page_size)
	if ! echo "backend=default threads=$n touch=lines ms=$MS $3" >$DBG/stress/run; then
		diag "FAILED: $1 $3"
		bad=$((bad + 1))
		return
	fi
	res=$(tail -n 1 $DBG/stress/result)
	diag "$1: $res"
	echo "$res" | awk -v b="$1" -v round="$2" -v map="$map" -v vcpus="$n" '{
		for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		printf "csv: %s,%d,%d,%d,%s,%s,%s,%s,%s,%s,%s,%s,%s\n", b, map, round, vcpus,
		       v["workload"], v["order"], v["occupancy"], v["ops"], v["ns_per_op"],
		       v["mops"], v["p50_ns"], v["p99_ns"], v["overlaps"]
		exit (v["overlaps"] != 0 || v["stamp_errors"] != 0 || v["misplaced"] != 0 ||
		      v["leaked"] != 0)
	}' || bad=$((bad + 1))
}

diag "kernel $(uname -r), $n CPUs, arena $ARENA, $MS ms a run, $ROUNDS rounds"
start=$(date +%s)
round=1
while [ $round -le "$ROUNDS" ]; do
	for b in contig vmalloc-huge vmalloc-4K; do
		case $b in
		contig) args="backing=contig" ;;
		vmalloc-huge) args="backing=vmalloc vmalloc_huge=1" ;;
		vmalloc-4K) args="backing=vmalloc vmalloc_huge=0" ;;
		esac
		# shellcheck disable=SC2086  # a list of parameters
		if ! insmod $KO/nbbs.ko size=$ARENA $args; then
			diag "FAILED: insmod nbbs.ko size=$ARENA $args"
			bad=$((bad + 1))
			continue
		fi
		if insmod $KO/nbbs_stress.ko; then
			for wo in $WORKLOADS; do
				w=${wo%:*}
				o=${wo#*:}
				case $w in
				fill) run $b $round "workload=fill order=$o occupancy=90" ;;
				*) run $b $round "workload=$w order=$o" ;;
				esac
			done
			rmmod nbbs_stress
		else
			bad=$((bad + 1))
		fi
		rmmod nbbs
	done
	round=$((round + 1))
done
diag "bench-backing: $(($(date +%s) - start)) s, $bad bad runs"
[ $bad -eq 0 ]
