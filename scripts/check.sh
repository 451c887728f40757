#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run every check step of nbbs and print one summary line.
#
# Each step is a make target whose output goes to build/check/<step>.log.
# Test programs print KTAP ("ok N name" / "not ok N name"); every such
# line at the top level of a log counts as one test, and "ok N name # SKIP
# why" as one skipped test, not a passed one: the skips are listed apart.
# A step that prints none counts as one test by its exit status, and a
# step that fails without reporting a failed test adds one failure of its
# own.  The last line is "N passed, N failed, N skipped".
set -u
cd "$(dirname "$0")/.."

STEPS=${CHECK_STEPS:-"deps build-w1 lint docs user-test user-tsan user-asan user-m32 mutate fuzz bench-smoke model vm-check vm-check-6.12 vm-inject debug"}
logdir=build/check
mkdir -p "$logdir"

passed=0
failed=0
skipped=0
failed_steps=()
skip_lines=()
for step in $STEPS; do
	log="$logdir/$step.log"
	start=$(date +%s)
	echo "=== $step"
	make --no-print-directory "check-$step" >"$log" 2>&1
	rc=$?
	skip_re='^ok [0-9]+ .*# *SKIP'
	ok=$(grep -E '^ok [0-9]+' "$log" | grep -cvE "$skip_re")
	nok=$(grep -cE '^not ok [0-9]+' "$log")
	skip=$(grep -cE "$skip_re" "$log")
	while IFS= read -r line; do
		skip_lines+=("$step: $line")
	done < <(grep -E "$skip_re" "$log")
	if [ "$ok" -eq 0 ] && [ "$nok" -eq 0 ] && [ "$skip" -eq 0 ]; then
		if [ "$rc" -eq 0 ]; then ok=1; else nok=1; fi
	elif [ "$rc" -ne 0 ] && [ "$nok" -eq 0 ]; then
		nok=1
	fi
	passed=$((passed + ok))
	failed=$((failed + nok))
	skipped=$((skipped + skip))
	if [ "$rc" -ne 0 ] || [ "$nok" -ne 0 ]; then
		failed_steps+=("$step")
		echo "--- $step FAILED (rc=$rc), last lines of $log:"
		tail -n 40 "$log"
	fi
	echo "=== $step: $ok passed, $nok failed, $skip skipped ($(( $(date +%s) - start ))s)"
done

if [ ${#skip_lines[@]} -ne 0 ]; then
	echo "skipped tests:"
	printf '  %s\n' "${skip_lines[@]}"
fi
if [ ${#failed_steps[@]} -ne 0 ]; then
	echo "failed steps: ${failed_steps[*]}"
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
