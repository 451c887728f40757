#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The in-VM benchmark of `make bench-vm`: boot the Debian kernel under qemu
# once per vCPU count, run the stress tester's matrix in each
# (scripts/vm/guest/bench.sh), and gather the rows into one CSV.
#
#   scripts/vm/bench.sh KVER OUT.csv
#
# Environment: BENCH_VCPUS (default "1 2 4 8"), BENCH_MS (per run, default
# 100), BENCH_ARENA (default 256M), BENCH_MEM (MiB, default 2048), and the
# BENCH_BACKENDS, BENCH_WORKLOADS, BENCH_ORDERS, BENCH_OCCUPANCIES lists of
# the guest script.
#
# Every boot has init_on_alloc=0 on its command line: Debian's kernels zero
# each page they hand out (CONFIG_INIT_ON_ALLOC_DEFAULT_ON), which would
# charge the pages backend for a memset the others do not do.  The guest
# runs under TCG: figures compare backends within one run, not with real
# hardware.
set -euo pipefail

kver=${1:?usage: bench.sh KVER OUT.csv}
out=${2:?usage: bench.sh KVER OUT.csv}
top=$(realpath "$(dirname "$0")/../..")
build=${BUILD:-$top/build}
vcpus=${BENCH_VCPUS:-1 2 4 8}
ms=${BENCH_MS:-100}
arena=${BENCH_ARENA:-256M}
mem=${BENCH_MEM:-2048}

args="init_on_alloc=0 BENCH_MS=$ms BENCH_ARENA=$arena"
for v in BENCH_BACKENDS BENCH_WORKLOADS BENCH_ORDERS BENCH_OCCUPANCIES; do
	# The kernel command line splits on spaces: lists travel with commas.
	[ -n "${!v:-}" ] && args+=" $v=$(echo "${!v}" | tr ' ' ',')"
done

mkdir -p "$(dirname "$out")"
tmp=$(mktemp "$out.XXXXXX")
trap 'rm -f "$tmp"' EXIT
echo "bench-vm: kernel command line adds: $args"
echo "bench-vm: init_on_alloc=0: pages are not zeroed on allocation, for the pages backend as for the others"
start=$(date +%s)
{
	echo "env,vcpus,backend,workload,threads,order,max_order,occupancy,ops,ns_per_op,mops,p50_ns,p99_ns,fails,overlaps"
	echo "# vm: Linux $kver under qemu TCG, $(nproc) host cores, init_on_alloc=0, $ms ms a run, arena $arena, $(date -u +%Y-%m-%d)"
} >"$tmp"
for c in $vcpus; do
	"$top/scripts/vm/boot.sh" -k "$kver" -c "$c" -M "$mem" -t 900 -n "bench-$c" \
		-a "$args" "$top/scripts/vm/guest/bench.sh" | grep -v '^csv: '
	sed -n 's/^csv: //p' "$build/vm/$kver/bench-$c.log" >>"$tmp"
done
mv "$tmp" "$out"
trap - EXIT
echo "bench-vm: $(grep -vc '^[#e]' "$out") runs in $out, $(($(date +%s) - start)) s"
