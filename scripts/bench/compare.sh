#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The userspace benchmark of two commits of the core, side by side in one
# run: the benchmark of BASE (default: HEAD~1) is built in a temporary
# worktree, that of the working tree here, and the two are run in turn,
# ROUNDS times (default 3), on the same workloads; a table of the median
# Mops/s of each and their ratio goes to stdout, the CSV to OUT.
#
#   scripts/bench/compare.sh [BASE [OUT]]     (default OUT: build/compare.csv)
#
# Environment: BENCH_MS (default 300), BENCH_REPEAT (default 3), ROUNDS;
# BACKENDS and WORKLOADS (order 0), FILL_BACKENDS and OCCUPANCY (fill,
# random orders 0..5), comma-separated; BENCH_ARGS, more options for
# every run (--touch=none, --burst=64...).
set -eu
cd "$(dirname "$0")/../.."

base=${1:-HEAD~1}
out=${2:-build/compare.csv}
ms=${BENCH_MS:-300}
rep=${BENCH_REPEAT:-3}
rounds=${ROUNDS:-3}
backends=${BACKENDS:-nbbs-tree,nbbs-packed,nbbs-tree-hot,nbbs-packed-hot}
workloads=${WORKLOADS:-cached,ls,co,rand}
fill_backends=${FILL_BACKENDS:-nbbs-tree,nbbs-packed}
occupancy=${OCCUPANCY:-0,90}
. scripts/bench/two-builds.sh
bench_two_builds "$base"

mkdir -p "$(dirname "$out")"
for round in $(seq "$rounds"); do
	for b in old new; do
		# shellcheck disable=SC2086  # BENCH_ARGS is a list of options
		"$tmp/$b" --no-header --ms="$ms" --repeat="$rep" --threads=1,2 --order=0 \
			--backend="$backends" --workload="$workloads" ${BENCH_ARGS:-} |
			sed "s/^/$b,$round,/"
		# shellcheck disable=SC2086
		"$tmp/$b" --no-header --ms="$ms" --repeat="$rep" --threads=1,2 --order=5 \
			--backend="$fill_backends" --workload=fill --occupancy="$occupancy" \
			${BENCH_ARGS:-} | sed "s/^/$b,$round,/"
	done
done >"$out"

echo "# $(git rev-parse --short "$base") (old) against the working tree (new), $rounds rounds, median Mops/s"
python3 - "$out" <<'PY'
import statistics as st, sys
d = {}
for line in open(sys.argv[1]):
    r = line.strip().split(',')
    if len(r) < 13 or r[2] == 'env':
        continue
    d.setdefault((r[4], r[5], r[6], r[9]), {}).setdefault(r[0], []).append(float(r[12]))
print('| backend | workload | threads | occupancy | old | new | new/old |')
print('|---|---|---|---|---|---|---|')
for k in sorted(d):
    o, n = d[k].get('old'), d[k].get('new')
    if o and n:
        print('| %s | %s | %s | %s%% | %.1f | %.1f | %.2f |' %
              (k + (st.median(o), st.median(n), st.median(n) / st.median(o))))
PY
