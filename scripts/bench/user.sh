#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The native userspace benchmark matrix of the nbbs core (make bench-user).
#
#   scripts/bench/user.sh [outdir]     (default bench/)
#
# Writes outdir/user.csv: backends x workloads x orders 0, 3, 6, 9 x threads,
# and fill at 0/50/90/99% occupancy (random orders 0..5); and outdir/arena.csv:
# ns/op against the arena size, 4 MiB .. 16 GiB of 4 KiB blocks, 2 threads.
# Each experiment runs BENCH_REPEAT times (default 3) for BENCH_MS ms
# (default 120) and the fastest repetition is kept, which filters out the
# moments when other work took the CPUs.  Blocks are touched as users do
# (the program's --touch, BENCH_TOUCH: ends by default).  Environment:
# BENCH (the program), BENCH_MS, BENCH_REPEAT, BENCH_THREADS (default
# 1,2,4), BENCH_ARENAS (default 4M,...,16G), BENCH_TOUCH.
set -eu
cd "$(dirname "$0")/../.."

out=${1:-bench}
bin=${BENCH:-build/user/bench_nbbs_core}
ms=${BENCH_MS:-120}
rep=${BENCH_REPEAT:-3}
threads=${BENCH_THREADS:-1,2,4}
arenas=${BENCH_ARENAS:-4M,16M,64M,256M,1G,4G,16G}
touch=${BENCH_TOUCH:-ends}
mkdir -p "$out"

comments() {
	echo "# nbbs userspace benchmark, $(date -u +%Y-%m-%dT%H:%MZ), commit ${BENCH_COMMIT:-$(git rev-parse --short HEAD 2>/dev/null || echo unknown)}"
	echo "# host: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1), kernel $(uname -r)"
	echo "# other work may have been running on the host meanwhile; best of $rep runs of $ms ms, overlap check off"
	echo "# load average before the runs: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "# op: cached, ls, tt, co = one allocation-release pair; rand, fill = one allocation"
	echo "#     attempt (failed ones included, the release of a successful one included);"
	echo "#     bulk-alloc = one allocation; bulk-free = one release"
	echo "# ns_per_op = elapsed x threads / ops; mops = ops / elapsed; p50/p99 of every 64th op"
	echo "# blocks touched: ${BENCH_TOUCH:-ends} (a stamp written after each allocation, checked before the free)"
}

start=$(date +%s)
echo "bench-user: matrix -> $out/user.csv"
{
	comments
	"$bin" --ms="$ms" --repeat="$rep" --threads="$threads" --order=0,3,6,9 --touch="$touch" \
		--workload=cached,ls,tt,co,rand,bulk
	"$bin" --no-header --ms="$ms" --repeat="$rep" --threads="$threads" --order=5 --touch="$touch" \
		--workload=fill --occupancy=0,50,90,99
} >"$out/user.csv.tmp"
mv "$out/user.csv.tmp" "$out/user.csv"

echo "bench-user: arena sweep -> $out/arena.csv"
{
	comments
	echo "# arena sweep: 4 KiB blocks, max order 10, 2 threads, best of 2 runs; fill: orders 0..5"
	"$bin" --arena-column --ms="$ms" --repeat=2 --threads=2 --arena="$arenas" --touch="$touch" \
		--workload=cached,co,rand --order=0
	"$bin" --arena-column --no-header --ms="$ms" --repeat=2 --threads=2 --arena="$arenas" --touch="$touch" \
		--workload=fill --order=5 --occupancy=0,90
} >"$out/arena.csv.tmp"
mv "$out/arena.csv.tmp" "$out/arena.csv"

bad=$(grep -v '^#' "$out/user.csv" "$out/arena.csv" | awk -F, '$15 ~ /^[0-9]+$/ && $15 > 0' | wc -l)
echo "bench-user: done in $(( $(date +%s) - start ))s, $bad rows with overlaps"
