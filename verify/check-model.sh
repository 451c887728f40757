#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Model-check verify/protocol.pml (the protocol of nbbs_protocol.c, with
# both encodings: the packed layout, LEVELS = 3, and the tree layout,
# LEVELS = 1) and verify/hot.pml (the hot blocks of NBBS_POOL_HOT pools)
# with SPIN; prints KTAP, one test per run, after two checks that the C
# code is the one modelled (the rollback, and verify/drift.sh).
#
#   verify/check-model.sh [full] [OUTDIR]
#
# Each configuration is "name|spin -D flags|expect[|model]", model being a
# file in verify/ (protocol.pml if left out) and expect pass (exhaustive search,
# "errors: 0" required), fail (a known-bad version of the protocol: SPIN must find
# an assertion violation, which shows that the properties can catch that
# bug) or todo (a known hole of the protocol as implemented: reported as
# "not ok ... # TODO", which KTAP does not count as a failure, while SPIN
# finds the violation; "ok ... # TODO" once it no longer does, to be made a
# pass configuration).  The runs marked full are long (minutes, gigabytes)
# and only run with the argument full.
set -u
cd "$(dirname "$0")/.." || exit 1

full=${1:-}
out=${2:-build/model}

PAN_CFLAGS="-O2 -w -DSAFETY -DCOLLAPSE -DVECTORSZ=2048"

configs=(
	# The protocol of nbbs_protocol.c, tree encoding (LEVELS = 1, one
	# node a word): three rows (4 + 2 + 1 words), so that the climb and
	# the release walk cross two word boundaries and a release announces
	# in a grandparent; four rows; a forest of two roots.
	"tree-3row-2cpu|-DLEVELS=1|pass"
	"tree-4row-2cpu|-DLEVELS=1 -DDEPTH=3|pass"
	"tree-forest-2cpu|-DLEVELS=1 -DDEPTH=3 -DMAXO=2|pass"
	"tree-3row-2cpu-2rounds|-DLEVELS=1 -DROUNDS=2 -DSPAN=2|pass"
	"tree-stray-free|-DLEVELS=1 -DSTRAY -DSPAN=2|pass"
	"tree-stray-free-find-first-reuse|-DLEVELS=1 -DSTRAY -DSPAN=2 -DFIND_FIRST -DSTRICT|fail"
	"tree-width1-aba|-DLEVELS=1 -DW=1 -DNPROC=3 -DOHI=0 -DSPAN=2|fail"
	"tree-width2-aba|-DLEVELS=1 -DW=2 -DNPROC=3 -DOHI=0 -DSPAN=2 -DROUNDS=2|fail"
	"tree-mutant-release-no-recheck|-DLEVELS=1 -DMUTANT=1|fail"
	"tree-mutant-climb-ignores-coal|-DLEVELS=1 -DMUTANT=2|fail"
	# the rollback of nbbs_try_node() before the fix (orig-rollback-loses-space
	# of the retired verify/nbbs.pml): it loses the root's mark
	"tree-mutant-rollback-to-blocker|-DLEVELS=1 -DMUTANT=3 -DROUNDS=2 -DSPAN=2|fail"
	"tree-mutant-free-ignores-committed|-DLEVELS=1 -DMUTANT=4 -DSTRAY|fail"
	"tree-mutant-cas-without-version|-DLEVELS=1 -DMUTANT=5 -DNPROC=3 -DOHI=0|fail"
	# Hot blocks: one block (or two) of one hot order, 2 CPUs, per-access
	# migration, 2 users, a double free at any moment, a drainer; the
	# state bits, with drains that read every slot.
	"hot-1blk-2slot||pass|hot.pml"
	"hot-1blk-1slot-anystart|-DNSLOT=1 -DANYSTART|pass|hot.pml"
	"hot-2blk-2slot|-DNBLK=2|pass|hot.pml"
	"hot-1user-2rounds|-DROUNDS=2 -DNUSER=1|pass|hot.pml"
	"hot-rolled-back-claims|-DNSLOT=1 -DTRANSIENT|pass|hot.pml"
	"hot-stray-free|-DNSLOT=1 -DSTRAY -DNO_DOUBLE_FREE|pass|hot.pml"
	# A stray (double) free whose find reads a claim about to be rolled
	# back: refused now that a release takes only LIVE blocks.
	"hot-stray-free-meets-rolled-back-claim|-DNSLOT=1 -DSTRAY -DTRANSIENT -DNO_DOUBLE_FREE|pass|hot.pml"
	# The protocol before LIVE (NONE -> CACHED release, RECLAIM): the
	# same run parks a block never handed out (see "History" in hot.pml).
	"hot-orig-stray-free-meets-rolled-back-claim|-DORIG -DNSLOT=1 -DSTRAY -DTRANSIENT -DNO_DOUBLE_FREE|fail|hot.pml"
	"hot-mutant-reclaim-without-cas|-DMUTANT=1|fail|hot.pml"
	"hot-mutant-park-ignores-cached|-DMUTANT=2|fail|hot.pml"
	"hot-mutant-pop-trusts-slot|-DMUTANT=3|fail|hot.pml"
	"hot-mutant-full-slots-no-cas|-DMUTANT=4 -DNSLOT=1|fail|hot.pml"
	"hot-mutant-claim-no-live-release-takes-none|-DMUTANT=5|fail|hot.pml"
	# The per-CPU mask of the filled slots (nbbs_hot_fill_slot() and
	# nbbs_hot_take_slot(), preemption off) with an interrupt handler
	# that calls nbbs_alloc() and nbbs_free() on the CPU it interrupts.
	"hot-mask-irq-2blk|-DHOT_MASK -DTAKE_AND_FIRST -DNBLK=2 -DNUSER=1 -DROUNDS=2 -DNO_DOUBLE_FREE|pass|hot.pml"
	"hot-mask-irq-2users|-DHOT_MASK -DTAKE_AND_FIRST -DNO_DOUBLE_FREE|pass|hot.pml"
	"hot-mask-irq-1slot|-DHOT_MASK -DTAKE_AND_FIRST -DNSLOT=1 -DNO_DOUBLE_FREE|pass|hot.pml"
	"hot-mask-irq-double-free|-DHOT_MASK -DTAKE_AND_FIRST -DNUSER=1|pass|hot.pml"
	# A drain can miss a block whose nbbs_free() returned: the take's
	# xchg comes before its and (see "Found with HOT_MASK" in hot.pml);
	# with the and first (a proposal, not the C code) it cannot.
	"hot-mask-drain-strict|-DHOT_MASK -DDRAIN_STRICT -DTAKE_AND_FIRST -DNBLK=2 -DNUSER=1 -DROUNDS=2 -DNO_DOUBLE_FREE|pass|hot.pml"
	"hot-mask-mutant-take-xchg-first|-DHOT_MASK -DDRAIN_STRICT -DNBLK=2 -DNUSER=1 -DROUNDS=2 -DNO_DOUBLE_FREE|fail|hot.pml"
	# Mutants of the mask; 8 is the order of 9cff947, which loses a
	# block for good (P3) when the monitor of P5 is left out.
	"hot-mask-mutant-fill-no-second-or|-DHOT_MASK -DMUTANT=6 -DNBLK=2 -DNUSER=1 -DROUNDS=2 -DNO_DOUBLE_FREE|fail|hot.pml"
	"hot-mask-mutant-take-no-reread|-DHOT_MASK -DMUTANT=7 -DNBLK=2 -DNUSER=1 -DROUNDS=2 -DNO_DOUBLE_FREE|fail|hot.pml"
	"hot-mask-mutant-9cff947-order|-DHOT_MASK -DMUTANT=8 -DNBLK=2 -DNUSER=1 -DROUNDS=2 -DNO_DOUBLE_FREE|fail|hot.pml"
	"hot-mask-mutant-9cff947-order-loses-block|-DHOT_MASK -DMUTANT=8 -DNO_MASK_INV -DNBLK=2 -DNUSER=1 -DROUNDS=2 -DNO_DOUBLE_FREE|fail|hot.pml"
	"hot-mask-mutant-no-preempt-off|-DHOT_MASK -DMUTANT=9 -DNBLK=2 -DNUSER=1 -DROUNDS=2 -DNO_DOUBLE_FREE|fail|hot.pml"
	# The same protocol, packed encoding (LEVELS = 3, the default: three
	# levels a word, committed allocations): two rows, a top word over 2
	# (or 4) row-0 words.
	"packed-2w-2cpu||pass"
	"packed-4w-2cpu|-DDEPTH=4|pass"
	"packed-2w-2cpu-2rounds|-DROUNDS=2 -DSPAN=2|pass"
	# a stray (double) free at any moment, transient claims included
	"packed-stray-free|-DSTRAY -DSPAN=2|pass"
	# The first design of the free found, then tested the committed flag:
	# it can take a block committed at its address meanwhile with the
	# order it found before, and the block is lost (see "Found" in
	# protocol.pml).  Testing the flag first, as shipped, cannot.
	"packed-stray-free-find-first-reuse|-DSTRAY -DSPAN=2 -DFIND_FIRST -DSTRICT|fail"
	# Version width: a release stalled between its parent read and its
	# parent CAS while the parent is written 2^W times.  W = 8 stands for
	# the shipped 41 bits (no word is written 255 times in these runs).
	"packed-width8-3cpu|-DNPROC=3 -DOHI=0 -DSPAN=2|pass"
	"packed-width1-aba|-DW=1 -DNPROC=3 -DOHI=0 -DSPAN=2|fail"
	"packed-width2-aba|-DW=2 -DNPROC=3 -DOHI=0 -DSPAN=2 -DROUNDS=2|fail"
	"packed-mutant-release-no-recheck|-DMUTANT=1|fail"
	"packed-mutant-climb-ignores-coal|-DMUTANT=2|fail"
	"packed-mutant-rollback-to-blocker|-DMUTANT=3 -DROUNDS=2 -DSPAN=2|fail"
	"packed-mutant-free-ignores-committed|-DMUTANT=4 -DSTRAY -DSPAN=2|fail"
	"packed-mutant-cas-without-version|-DMUTANT=5 -DNPROC=3 -DOHI=0 -DSPAN=2|fail"
)
if [ "$full" = full ]; then
	configs+=(
		# the width scenario of tree-width1-aba, which W = 8 passes
		"tree-width8-3cpu|-DLEVELS=1 -DNPROC=3 -DOHI=0 -DSPAN=2|pass"
		# a stray free of any of the 4 leaves
		"tree-stray-free-anyleaf|-DLEVELS=1 -DSTRAY|pass"
		# two interrupt handlers, which may nest
		"hot-mask-nested-irq|-DHOT_MASK -DTAKE_AND_FIRST -DNIRQ=2 -DNUSER=1 -DNO_DOUBLE_FREE|pass|hot.pml"
	)
fi

mkdir -p "$out"
rm -f "$out"/result-* "$out"/failed-*
echo "KTAP version 1"
echo "1..$((${#configs[@]} + 2))"
n=0
bad=0

# The models verify the rollback of nbbs_claim() that continues like a
# release up to the top row and stops below an OCC ancestor
# (protocol.pml, MUTANT 3 is the rollback that stops at the blocker's
# row); the C code must implement that protocol, or the runs below prove
# the wrong thing.
n=$((n + 1))
if grep -q 'nbbs_unmark(.*, crow, cw, b, pool->rows - 1,' nbbs_protocol.c; then
	echo "ok $n nbbs_protocol.c-implements-modeled-rollback"
else
	echo "# nbbs_claim() no longer rolls back up to the top row (pool->rows - 1):"
	echo "# see tree-mutant-rollback-to-blocker, and revisit verify/protocol.pml"
	echo "not ok $n nbbs_protocol.c-implements-modeled-rollback"
	bad=1
fi

# Drift: the C functions each model stands for must be the ones it was
# last checked against (verify/models.sha), or the runs below prove
# things about code that no longer ships.
n=$((n + 1))
if drift=$(verify/drift.sh 2>&1); then
	echo "ok $n models-match-c-code"
else
	grep -v '^ok \|^KTAP\|^1\.\.' <<<"$drift" | sed 's/^# //; s/^/# /'
	echo "not ok $n models-match-c-code"
	bad=1
fi
# One configuration: its KTAP lines on stdout, status 1 if it failed.
run_config() {
	local n=$1 c=$2 name defs expect model dir start secs errors states found
	IFS='|' read -r name defs expect model <<<"$c"
	# MODEL_ONLY=regex: run only the configurations it matches.
	if [ -n "${MODEL_ONLY:-}" ] && ! [[ $name =~ $MODEL_ONLY ]]; then
		echo "ok $n $name # SKIP not in MODEL_ONLY"
		return 0
	fi
	model=${model:-protocol.pml}
	dir=$out/$name
	rm -rf "$dir"
	mkdir -p "$dir"
	cp "verify/$model" "$dir/"
	start=$(date +%s)
	# shellcheck disable=SC2086
	if ! (cd "$dir" && spin $defs -a "$model" >spin.log 2>&1 &&
	      gcc $PAN_CFLAGS -o pan pan.c >cc.log 2>&1); then
		echo "# $name: spin/gcc failed, see $dir"
		echo "not ok $n $name"
		return 1
	fi
	(cd "$dir" && ./pan -m1000000 -w26 >pan.log 2>&1)
	secs=$(($(date +%s) - start))
	errors=$(sed -n 's/.*errors: \([0-9]*\).*/\1/p' "$dir/pan.log")
	states=$(sed -n 's/^ *\([0-9.e+]*\) states, stored.*/\1/p' "$dir/pan.log")
	echo "# $name ($defs): errors: ${errors:-?}, states: ${states:-?}, ${secs}s"
	found=
	if [ "${errors:-0}" != 0 ] && grep -q 'assertion violated' "$dir/pan.log"; then
		found=1
	fi
	if [ "$expect" = pass ] && [ "${errors:-x}" = 0 ] &&
	   ! grep -q 'Search not completed' "$dir/pan.log"; then
		echo "ok $n $name"
	elif [ "$expect" = fail ] && [ -n "$found" ]; then
		echo "# $name: $(grep -m1 'assertion violated' "$dir/pan.log")"
		echo "ok $n $name"
	elif [ "$expect" = todo ] && [ -n "$found" ]; then
		echo "# $name: $(grep -m1 'assertion violated' "$dir/pan.log")"
		echo "# trail: (cd $dir && spin $defs -t $model | grep '^ *P')"
		echo "not ok $n $name # TODO known hole, see verify/$model"
	elif [ "$expect" = todo ] && [ "${errors:-x}" = 0 ] &&
	     ! grep -q 'Search not completed' "$dir/pan.log"; then
		echo "ok $n $name # TODO no longer fails: make it a pass configuration"
	else
		grep -m1 'assertion violated\|error' "$dir/pan.log" | sed 's/^/# /'
		[ "$expect" != fail ] && [ -f "$dir/$model.trail" ] &&
			echo "# trail: (cd $dir && spin $defs -t $model | grep '^ *P')"
		echo "not ok $n $name"
		return 1
	fi
}

# MODEL_JOBS configurations at a time (default 2: each takes one CPU and
# under 1 GB); their lines are printed in order once all are done.
jobs=${MODEL_JOBS:-2}
first=$((n + 1))
for c in "${configs[@]}"; do
	n=$((n + 1))
	while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
		wait -n
	done
	(run_config "$n" "$c" >"$out/result-$n" || touch "$out/failed-$n") &
done
wait
for i in $(seq "$first" "$n"); do
	cat "$out/result-$i"
	[ -e "$out/failed-$i" ] && bad=1
	rm -f "$out/result-$i" "$out/failed-$i"
done
exit $bad
