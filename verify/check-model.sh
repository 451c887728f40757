#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Model-check verify/nbbs.pml with SPIN; prints KTAP, one test per run.
#
#   verify/check-model.sh [full] [OUTDIR]
#
# Each configuration is "name|spin -D flags|expect", expect being pass
# (exhaustive search, "errors: 0" required) or fail (a known-bad protocol
# variant: SPIN must find an assertion violation, which shows that the
# properties can catch that bug).  The runs marked full are long (minutes,
# gigabytes) and only run with the argument full.
set -u
cd "$(dirname "$0")/.."

full=${1:-}
out=${2:-build/model}
model=verify/nbbs.pml

PAN_CFLAGS="-O2 -w -DSAFETY -DCOLLAPSE -DVECTORSZ=2048"

configs=(
	# The protocol as verified (the rollback fix included).
	"tree4-2cpu-anystart||pass"
	"forest4-2cpu-anystart|-DMAXO=1|pass"
	"tree8-2cpu|-DDEPTH=3 -DFIXED_START|pass"
	"tree8-order2-2cpu-2rounds|-DDEPTH=3 -DMAXO=2 -DFIXED_START -DROUNDS=2|pass"
	"tree4-2cpu-2rounds|-DFIXED_START -DROUNDS=2|pass"
	"tree4-2cpu-hold2|-DFIXED_START -DNHOLD=2|pass"
	"doublefree-3cpu|-DDOUBLE_FREE -DNPROC=3 -DFIXED_START|pass"
	"doublefree-3cpu-anystart|-DDOUBLE_FREE -DNPROC=3|pass"
	# The rollback of nbbs_try_node before the fix loses the root's mark.
	"orig-rollback-loses-space|-DORIG_ROLLBACK -DFIXED_START -DROUNDS=2|fail"
	# Mutants: the properties must catch each of these broken protocols.
	"mutant-climb-ignores-coal|-DMUTANT=1 -DFIXED_START -DROUNDS=2|fail"
	"mutant-unmark-no-recheck|-DMUTANT=2 -DFIXED_START -DROUNDS=2|fail"
	"mutant-cas-without-version|-DMUTANT=4 -DFIXED_START -DROUNDS=2|fail"
)
if [ "$full" = full ]; then
	configs+=(
		"tree4-3cpu|-DNPROC=3 -DFIXED_START|pass"
	)
fi

mkdir -p "$out"
echo "KTAP version 1"
echo "1..$((${#configs[@]} + 1))"
n=0
bad=0

# The model verifies the rollback of nbbs_try_node() that continues like a
# release and stops below an OCC ancestor (nbbs.pml, FIX); the C code must
# implement that protocol, or the runs below prove the wrong thing.
n=$((n + 1))
if ! grep -q 'ilog2(\*\?blocker) - 1' nbbs_core.c; then
	echo "ok $n nbbs_core.c-implements-modeled-rollback"
else
	echo "# nbbs_core.c still rolls back only below the blocker: it loses"
	echo "# space (see orig-rollback-loses-space); apply the fix in verify/nbbs.pml"
	echo "not ok $n nbbs_core.c-implements-modeled-rollback"
	bad=1
fi
for c in "${configs[@]}"; do
	n=$((n + 1))
	IFS='|' read -r name defs expect <<<"$c"
	dir=$out/$name
	rm -rf "$dir"
	mkdir -p "$dir"
	cp $model "$dir/"
	start=$(date +%s)
	# shellcheck disable=SC2086
	if ! (cd "$dir" && spin $defs -a nbbs.pml >spin.log 2>&1 &&
	      gcc $PAN_CFLAGS -o pan pan.c >cc.log 2>&1); then
		echo "# $name: spin/gcc failed, see $dir"
		echo "not ok $n $name"
		bad=1
		continue
	fi
	(cd "$dir" && ./pan -m1000000 -w26 >pan.log 2>&1)
	secs=$(($(date +%s) - start))
	errors=$(sed -n 's/.*errors: \([0-9]*\).*/\1/p' "$dir/pan.log")
	states=$(sed -n 's/^ *\([0-9.e+]*\) states, stored.*/\1/p' "$dir/pan.log")
	echo "# $name ($defs): errors: ${errors:-?}, states: ${states:-?}, ${secs}s"
	if [ "$expect" = pass ] && [ "${errors:-x}" = 0 ] &&
	   ! grep -q 'Search not completed' "$dir/pan.log"; then
		echo "ok $n $name"
	elif [ "$expect" = fail ] && [ "${errors:-0}" != 0 ] &&
	     grep -q 'assertion violated' "$dir/pan.log"; then
		echo "# $name: $(grep -m1 'assertion violated' "$dir/pan.log")"
		echo "ok $n $name"
	else
		grep -m1 'assertion violated\|error' "$dir/pan.log" | sed 's/^/# /'
		[ "$expect" = pass ] && [ -f "$dir/nbbs.pml.trail" ] &&
			echo "# trail: (cd $dir && spin $defs -t nbbs.pml | grep '^ *P')"
		echo "not ok $n $name"
		bad=1
	fi
done
exit $bad
