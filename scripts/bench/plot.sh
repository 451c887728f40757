#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# PNG plots of the nbbs benchmarks (make bench-report), with gnuplot.
#
#   scripts/bench/plot.sh [dir]     (default bench/)
#
# Reads dir/user.csv (userspace, env=user), dir/results.csv (the VM lane,
# env=vm) and dir/arena.csv, whichever exist; lines starting with # are
# comments.  Writes into dir:
#   <env>-<workload>.png  throughput (Mops/s) against threads (vCPUs in the
#                         VM), one panel per order, one line per backend
#   <env>-fill.png        ns/op against occupancy, one panel per thread count
#   arena.png             ns/op against arena size, from arena.csv
set -eu
cd "$(dirname "$0")/../.."

dir=${1:-bench}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
command -v gnuplot >/dev/null || { echo "plot: gnuplot missing (make deps)"; exit 1; }

term='set terminal pngcairo size 1200,900 font "DejaVu Sans,11"'
n=0

# The same colour for a backend in every plot; lock-free ones solid,
# locked ones dashed.
style() {
	local c
	case $1 in
	nbbs | nbbs-tree) c='#0072b2' ;;
	nbbs-packed) c='#009e73' ;;
	nbbs-tree-hot | nbbs-hot) c='#56b4e9' ;;
	nbbs-packed-hot) c='#8c510a' ;;
	nbbs*) c='#56b4e9' ;;
	spinlock | spinlock-tree) c='#d55e00' ;;
	spinlock-packed) c='#e69f00' ;;
	mutex*) c='#cc79a7' ;;
	pages*) c='#000000' ;;
	genpool*) c='#999999' ;;
	*) c='#f0e442' ;;
	esac
	case $1 in
	nbbs*) echo "lc rgb '$c' dt 1 pt 7" ;;
	*) echo "lc rgb '$c' dt 2 pt 6" ;;
	esac
}

# Throughput against threads (user) or vCPUs (vm) per workload and order.
# Columns: 1 env 2 vcpus 3 backend 4 workload 5 threads 6 order 7 max_order
# 8 occupancy 9 ops 10 ns_per_op 11 mops 12 p50 13 p99 14 fails 15 overlaps
throughput() {
	local csv=$1 env=$2 xcol xname wl orders o f b panels cols rows i
	[ -f "$csv" ] || { echo "plot: no $csv, skipped"; return 0; }
	if [ "$env" = vm ]; then xcol=2; xname=vCPUs; else xcol=5; xname=threads; fi
	# In the VM, where several thread counts ran per vCPU count, prefer
	# threads == vCPUs; data files: env/wl/order/backend -> "x mops".
	awk -F, -v x="$xcol" -v d="$tmp" -v env="$env" '
		/^#/ || $1 != env || $4 == "fill" { next }
		{
			k = $4 SUBSEP $6 SUBSEP $3 SUBSEP $x
			pri = (env != "vm" || $5 == $2) ? 2 : 1
			if (pri >= best[k]) { best[k] = pri; val[k] = $11 }
		}
		END {
			for (k in val) {
				split(k, a, SUBSEP)
				f = d "/" env "_" a[1] "_" a[2] "_" a[3] ".dat"
				print a[4], val[k] >> f
				wls[a[1]] = 1
			}
			for (w in wls) print w > (d "/" env ".workloads")
		}' "$csv"
	[ -f "$tmp/$env.workloads" ] || return 0
	for wl in $(sort "$tmp/$env.workloads"); do
		orders=$(ls "$tmp" | sed -n "s/^${env}_${wl}_\([0-9]*\)_.*\.dat$/\1/p" | sort -nu)
		panels=$(echo "$orders" | wc -w)
		cols=$(( panels > 1 ? 2 : 1 )); rows=$(( (panels + 1) / 2 ))
		{
			echo "$term"
			echo "set output '$dir/$env-$wl.png'"
			echo "set multiplot layout $rows,$cols title '$env: $wl, throughput against $xname (higher is better)'"
			echo "set grid; set key outside right top; set xlabel '$xname'; set ylabel 'Mops/s'"
			echo "set yrange [0:*]; set offsets 0.2, 0.2, 0, 0; set xtics 1"
			for o in $orders; do
				echo "set title 'order $o'"
				i=0; printf 'plot '
				for f in "$tmp/${env}_${wl}_${o}_"*.dat; do
					sort -n "$f" -o "$f"
					b=${f##*_}; b=${b%.dat}
					[ $i -gt 0 ] && printf ', '
					printf "'%s' using 1:2 with linespoints lw 2 %s title '%s'" \
						"$f" "$(style "$b")" "$b"
					i=$((i + 1))
				done
				echo
			done
			echo "unset multiplot"
		} >"$tmp/plot.gp"
		gnuplot "$tmp/plot.gp" && n=$((n + 1))
	done
}

# fill: ns/op against occupancy, a panel per thread count, a line per backend.
fill() {
	local csv=$1 env=$2 threads t f b i panels cols rows
	[ -f "$csv" ] || return 0
	awk -F, -v d="$tmp" -v env="$env" '
		/^#/ || $1 != env || $4 != "fill" { next }
		{ val[$5 SUBSEP $3 SUBSEP $8] = $10 }
		END {
			for (k in val) {
				split(k, a, SUBSEP)
				print a[3], val[k] >> (d "/fill_" env "_" a[1] "_" a[2] ".dat")
			}
		}' "$csv"
	threads=$(ls "$tmp" | sed -n "s/^fill_${env}_\([0-9]*\)_.*\.dat$/\1/p" | sort -nu)
	[ -n "$threads" ] || return 0
	panels=$(echo "$threads" | wc -w)
	cols=$(( panels > 1 ? 2 : 1 )); rows=$(( (panels + 1) / 2 ))
	{
		echo "$term"
		echo "set output '$dir/$env-fill.png'"
		echo "set multiplot layout $rows,$cols title '$env: fill, random orders after pre-filling (lower is better)'"
		echo "set grid; set key top left; set logscale y"
		echo "set xlabel 'occupancy (%)'; set ylabel 'ns per operation (thread time)'"
		echo "set xrange [-5:104]"
		for t in $threads; do
			echo "set title '$t thread(s)'"
			i=0; printf 'plot '
			for f in "$tmp/fill_${env}_${t}_"*.dat; do
				sort -n "$f" -o "$f"
				b=${f##*_}; b=${b%.dat}
				[ $i -gt 0 ] && printf ', '
				printf "'%s' using 1:2 with linespoints lw 2 %s title '%s'" \
					"$f" "$(style "$b")" "$b"
				i=$((i + 1))
			done
			echo
		done
		echo "unset multiplot"
	} >"$tmp/plot.gp"
	gnuplot "$tmp/plot.gp" && n=$((n + 1))
}

# arena.csv: ns/op against arena size, a panel per workload, a line per backend.
arena() {
	local csv=$dir/arena.csv f i b w ws panels rows
	[ -f "$csv" ] || { echo "plot: no $csv, skipped"; return 0; }
	awk -F, -v d="$tmp" '
		/^#/ || $1 == "env" { next }
		{
			w = $4; if (w == "fill") w = "fill" $8
			print $16 / 1048576, $10 >> (d "/arena_" w "_" $3 ".dat")
		}' "$csv"
	ws=$(ls "$tmp" | sed -n 's/^arena_\([^_]*\)_.*\.dat$/\1/p' | sort -u)
	panels=$(echo "$ws" | wc -w)
	rows=$(( (panels + 1) / 2 ))
	{
		echo "$term"
		echo "set output '$dir/arena.png'"
		echo "set multiplot layout $rows,2 title 'ns per operation against arena size, 4 KiB blocks, max order 10, 2 threads (lower is better)'"
		echo "set grid; set key outside right top; set logscale x 2; set logscale y"
		echo "set xtics ('4M' 4, '16M' 16, '64M' 64, '256M' 256, '1G' 1024, '4G' 4096, '16G' 16384, '64G' 65536)"
		echo "set offsets graph 0.03, graph 0.03, 0, 0"
		echo "set xlabel 'arena size'; set ylabel 'ns per operation'"
		for w in $ws; do
			case $w in
			fill*) echo "set title 'fill at ${w#fill}% occupancy, orders 0..5'" ;;
			*) echo "set title '$w, order 0'" ;;
			esac
			i=0; printf 'plot '
			for f in "$tmp/arena_${w}_"*.dat; do
				sort -n "$f" -o "$f"
				b=${f##*/arena_"${w}"_}; b=${b%.dat}
				[ $i -gt 0 ] && printf ', '
				printf "'%s' using 1:2 with linespoints lw 2 %s title '%s'" \
					"$f" "$(style "$b")" "$b"
				i=$((i + 1))
			done
			echo
		done
		echo "unset multiplot"
	} >"$tmp/plot.gp"
	gnuplot "$tmp/plot.gp" && n=$((n + 1))
}

throughput "$dir/user.csv" user
fill "$dir/user.csv" user
throughput "$dir/results.csv" vm
fill "$dir/results.csv" vm
arena
echo "plot: $n PNG files in $dir/"
