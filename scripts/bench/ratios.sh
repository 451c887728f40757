#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Ratio table of the nbbs benchmarks (make bench-report): for every
# workload, order, thread count (and vCPU count, occupancy), the throughput
# of each nbbs backend divided by that of each other backend of the same
# run matrix; above 1 means nbbs is faster.  Then the figures of the
# targets of issues 3 and 4 for the userspace runs.  Informative only: the
# exit status is 0 whatever the figures.
#
#   scripts/bench/ratios.sh [dir]     (default bench/; reads user.csv, results.csv)
set -eu
cd "$(dirname "$0")/../.."

dir=${1:-bench}
found=0
for csv in "$dir/user.csv" "$dir/results.csv"; do
	[ -f "$csv" ] || { echo "ratios: no $csv, skipped"; continue; }
	found=1
	awk -F, '
	/^#/ || $1 == "env" { next }
	{
		k = $1 SUBSEP $2 SUBSEP $4 SUBSEP $6 SUBSEP $5 SUBSEP $8
		mops[k, $3] = $11
		if (!(k in seen)) { seen[k] = 1; keys[++nk] = k }
		if (!($3 in isb)) { isb[$3] = 1; bs[++nb] = $3 }
	}
	END {
		hdr = sprintf("%-4s %5s %-10s %5s %7s %4s  %-12s %9s", "env", "vcpus",
			      "workload", "order", "threads", "occ", "nbbs", "Mops/s")
		for (j = 1; j <= nb; j++)
			if (bs[j] !~ /^nbbs/)
				hdr = hdr sprintf(" %10s", "/" bs[j])
		print hdr
		for (i = 1; i <= nk; i++) {
			split(keys[i], a, SUBSEP)
			for (m = 1; m <= nb; m++) {
				if (bs[m] !~ /^nbbs/ || !((keys[i], bs[m]) in mops))
					continue
				v = mops[keys[i], bs[m]]
				line = sprintf("%-4s %5s %-10s %5s %7s %4s  %-12s %9.2f", a[1],
					       a[2], a[3], a[4], a[5], a[6], bs[m], v)
				for (j = 1; j <= nb; j++) {
					if (bs[j] ~ /^nbbs/)
						continue
					o = 0
					if ((keys[i], bs[j]) in mops)
						o = mops[keys[i], bs[j]]
					if (o > 0)
						line = line sprintf(" %10.2f", v / o)
					else
						line = line sprintf(" %10s", "-")
				}
				print line
			}
		}
	}' "$csv"
	echo
done
[ $found -eq 1 ] || exit 0

[ -f "$dir/user.csv" ] || exit 0
echo "Targets (userspace; informative, not a test):"
awk -F, '
function ratio(a, b) { return b > 0 ? a / b : 0 }
/^#/ || $1 != "user" { next }
{
	mops[$3, $4, $5, $6, $8] = $11; ns[$3, $4, $5, $6, $8] = $10
	if ($4 == "cached" && $5 == 1 && $6 == 0) p50[$3] = $12
	if ($3 ~ /^nbbs/ && !($3 in isn)) { isn[$3] = 1; nb[++n] = $3 }
	if (!($3 in isb)) { isb[$3] = 1; all[++na] = $3 }
}
END {
	split("cached co rand", w3, " "); split("cached co ls", w4, " ")
	for (j = 1; j <= n; j++) {
		b = nb[j]
		# the baseline: the same layout under the spinlock, if measured
		sl = b; sub(/-hot$/, "", sl); sub(/^nbbs/, "spinlock", sl)
		if (!((sl, "cached", 1, 0, 0) in mops))
			sl = "spinlock"
		printf "%s, 2 threads, order 0, against %s (issue 3: >= 3x):\n", b, sl
		for (i = 1; i <= 3; i++)
			printf "  %-6s %6.2f Mops/s vs %6.2f: %.2fx\n", w3[i],
			       mops[b, w3[i], 2, 0, 0], mops[sl, w3[i], 2, 0, 0],
			       ratio(mops[b, w3[i], 2, 0, 0], mops[sl, w3[i], 2, 0, 0])
		printf "%s, 2 threads, order 0 (issue 4: cached, co >= 50 Mops/s; ls >= 20):\n", b
		for (i = 1; i <= 3; i++)
			printf "  %-6s %6.2f Mops/s (%s %6.2f, mutex %6.2f)\n", w4[i],
			       mops[b, w4[i], 2, 0, 0], sl, mops[sl, w4[i], 2, 0, 0],
			       mops["mutex", w4[i], 2, 0, 0]
		printf "%s, 1 thread cached, order 0, ns/op against %s (issue 4: <= 1.2x):\n", b, sl
		printf "  %.1f ns vs %.1f ns: %.2fx (p50 %d vs %d ns)\n", ns[b, "cached", 1, 0, 0],
		       ns[sl, "cached", 1, 0, 0],
		       ratio(ns[b, "cached", 1, 0, 0], ns[sl, "cached", 1, 0, 0]),
		       p50[b], p50[sl]
	}
	printf "fill, orders 0..5, 2 threads: ns/op when empty and the cost at each occupancy\n"
	printf "relative to empty (issue 3: 90%% <= 3x; issue 4: 90%% <= 2x, 99%% <= 4x):\n"
	for (j = 1; j <= na; j++) {
		b = all[j]
		printf "  %-12s empty %8.1f ns, 50%% %6.1fx, 90%% %6.1fx, 99%% %6.1fx\n", b,
		       ns[b, "fill", 2, 5, 0],
		       ratio(ns[b, "fill", 2, 5, 50], ns[b, "fill", 2, 5, 0]),
		       ratio(ns[b, "fill", 2, 5, 90], ns[b, "fill", 2, 5, 0]),
		       ratio(ns[b, "fill", 2, 5, 99], ns[b, "fill", 2, 5, 0])
	}
}' "$dir/user.csv"
