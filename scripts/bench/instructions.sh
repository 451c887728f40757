#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Instructions per operation of two commits of the core, side by side: the
# userspace benchmark of BASE (default: HEAD~1) and of the working tree, one
# thread, each backend and workload run under valgrind's callgrind, counting
# only the workers' loop (worker_fn and what it calls).  Unlike timings,
# the count does not depend on what else the machine runs, so it compares
# two versions of the code on a busy 2-CPU host.  It counts work, not time:
# cache misses and atomics cost far more than their one instruction.
#
#   scripts/bench/instructions.sh [BASE [OUT]]   (default OUT: build/instructions.csv)
#
# Environment: BENCH_MS (default 300), BACKENDS, WORKLOADS.
set -eu
cd "$(dirname "$0")/../.."

base=${1:-HEAD~1}
out=${2:-build/instructions.csv}
ms=${BENCH_MS:-300}
backends=${BACKENDS:-nbbs-tree nbbs-packed nbbs-tree-hot nbbs-packed-hot}
workloads=${WORKLOADS:-cached ls co rand}
command -v valgrind >/dev/null || apt-get install -y valgrind >/dev/null
. scripts/bench/two-builds.sh
bench_two_builds "$base"

# ir_per_op BIN BACKEND WORKLOAD: instructions of the loop / operations
ir_per_op() {
	valgrind --tool=callgrind --toggle-collect=worker_fn \
		--callgrind-out-file="$tmp/cg" "$1" --no-header --ms="$ms" \
		--threads=1 --backend="$2" --workload="$3" --seed=1 \
		>"$tmp/csv" 2>/dev/null
	ops=$(tail -n 1 "$tmp/csv" | cut -d, -f9)
	ir=$(callgrind_annotate "$tmp/cg" 2>/dev/null |
	     sed -n 's/^ *\([0-9,]*\) .*PROGRAM TOTALS.*/\1/p' | tr -d ,)
	echo $((ir / ops))
}

mkdir -p "$(dirname "$out")"
echo "backend,workload,old,new" >"$out"
echo "# $(git rev-parse --short "$base") (old) against the working tree (new): instructions per operation, 1 thread"
echo "| backend | workload | old | new | new/old |"
echo "|---|---|---|---|---|"
for be in $backends; do
	for wl in $workloads; do
		o=$(ir_per_op "$tmp/old" "$be" "$wl")
		n=$(ir_per_op "$tmp/new" "$be" "$wl")
		echo "$be,$wl,$o,$n" >>"$out"
		awk -v b="$be" -v w="$wl" -v o="$o" -v n="$n" \
			'BEGIN { printf "| %s | %s | %d | %d | %.2f |\n", b, w, o, n, n / o }'
	done
done
