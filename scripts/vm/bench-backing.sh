#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make bench-vm-backing`: boot the Debian kernel under qemu once, run the
# stress tester on nbbs.ko's own pool over a contig, a huge-page vmalloc
# and a 4 KiB-page vmalloc arena of the same size, in turns
# (scripts/vm/guest/bench_backing.sh), and write the rows to a CSV.
#
#   scripts/vm/bench-backing.sh KVER OUT.csv
#
# Environment: BENCH_VCPUS (default 4), BENCH_MS (per run, default 200),
# BENCH_ARENA (default 256M), BENCH_ROUNDS (default 3), BENCH_MEM (MiB,
# default 2048).  Boots with init_on_alloc=0, like bench.sh.  Under TCG
# the guest's TLB is qemu's software TLB: the figures compare the backings
# within this run, not with hardware.
set -euo pipefail

kver=${1:?usage: bench-backing.sh KVER OUT.csv}
out=${2:?usage: bench-backing.sh KVER OUT.csv}
top=$(realpath "$(dirname "$0")/../..")
build=${BUILD:-$top/build}
vcpus=${BENCH_VCPUS:-4}
ms=${BENCH_MS:-200}
arena=${BENCH_ARENA:-256M}
rounds=${BENCH_ROUNDS:-3}
mem=${BENCH_MEM:-2048}

mkdir -p "$(dirname "$out")"
tmp=$(mktemp "$out.XXXXXX")
trap 'rm -f "$tmp"' EXIT
{
	echo "backing,map_page_size,round,vcpus,workload,order,occupancy,ops,ns_per_op,mops,p50_ns,p99_ns,overlaps"
	echo "# vm: Linux $kver under qemu TCG, $vcpus vCPUs on $(nproc) host cores, init_on_alloc=0, touch=lines, $ms ms a run, arena $arena, $(date -u +%Y-%m-%d)"
} >"$tmp"
"$top/scripts/vm/boot.sh" -k "$kver" -c "$vcpus" -M "$mem" -t 1200 -n bench-backing \
	-a "init_on_alloc=0 BENCH_MS=$ms BENCH_ARENA=$arena BENCH_ROUNDS=$rounds" \
	"$top/scripts/vm/guest/bench_backing.sh" | grep -v '^csv: '
sed -n 's/^csv: //p' "$build/vm/$kver/bench-backing.log" >>"$tmp"
mv "$tmp" "$out"
trap - EXIT
# Mean Mops/s over the rounds, per backing and workload, and the ratio to
# contig in the same run.
awk -F, '!/^[#b]/ { k = $5; s[$1, k] += $10; c[$1, k]++; ws[k] = 1 }
	END {
		printf "%-8s %10s %14s %12s\n", "workload", "contig", "vmalloc-huge", "vmalloc-4K"
		for (w in ws) {
			base = s["contig", w] / c["contig", w]
			printf "%-8s %10.3f %8.3f (%.2fx) %6.3f (%.2fx)\n", w, base,
			       s["vmalloc-huge", w] / c["vmalloc-huge", w],
			       s["vmalloc-huge", w] / c["vmalloc-huge", w] / base,
			       s["vmalloc-4K", w] / c["vmalloc-4K", w],
			       s["vmalloc-4K", w] / c["vmalloc-4K", w] / base
		}
	}' "$out"
echo "bench-backing: $(grep -vc '^[#b]' "$out") runs in $out"
