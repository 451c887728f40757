#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# kselftest for nbbs, the non-blocking buddy allocator module.
#
# Follows the kselftest/module.sh pattern: the in-kernel checks live in
# the test_nbbs module, which fails its own load when a check fails, and
# kselftest/module.sh loads it and reports the result.  Around that, this
# script checks what a user of nbbs.ko sees:
#
#   1  test_nbbs       the in-kernel checks (through kselftest/module.sh)
#   2  load            modprobe nbbs with its default parameters
#   3  debugfs_files   /sys/kernel/debug/nbbs/{config,stats,free} exist
#   4  config          parses as "key value" lines and is self-consistent
#   5  stats           parses, every counter a number, nothing live
#   6  free            parses and shows the whole arena free
#   7  sample          the sample client loads, uses the pool, unloads,
#                      and leaves no block allocated
#   8  unload          modprobe -r nbbs; the debugfs directory goes away
#
# Output is KTAP.  Exit status: 0 all passed, 1 a test failed, 4 skipped
# (not root, the modules are not installed, or nbbs is already loaded).
# The modules must be installed where modprobe finds them.
#
# shellcheck disable=SC3043  # local: every kselftest shell has it

DIR=$(cd "$(dirname "$0")" && pwd)
KSFT_DIR="$DIR/../kselftest"

# shellcheck source=/dev/null
. "$KSFT_DIR/ktap_helpers.sh"

MODPROBE=/sbin/modprobe		# the one kselftest/module.sh uses
DEBUGFS=/sys/kernel/debug
NBBS_DBG=$DEBUGFS/nbbs
NBBS_PARAMS=/sys/module/nbbs/parameters
NR_TESTS=8

# kv FILE KEY: print the value of KEY in a "key value" file; fail if absent.
kv() {
	awk -v k="$2" '$1 == k { print $2; found = 1; exit } END { exit !found }' "$1"
}

# is_uint VALUE: VALUE is a decimal unsigned integer.
is_uint() {
	case "$1" in
	'' | *[!0-9]*) return 1 ;;
	esac
	return 0
}

# check EXPR MESSAGE: print MESSAGE as a diagnostic when the arithmetic
# comparison EXPR is false.  Returns EXPR's truth, so callers can chain.
check() {
	if [ "$(($1))" -ne 0 ]; then
		return 0
	fi
	ktap_print_msg "$2"
	return 1
}

# pairs FILE NUMERIC: every line of FILE is "key value"; with NUMERIC=1 the
# values must also be decimal numbers.  Reports each offending line.
pairs() {
	awk -v numeric="$2" '
		NF != 2 || (numeric && $2 !~ /^[0-9]+(\.[0-9]+)?$/) {
			print "# " FILENAME ": bad line: " $0
			bad = 1
		}
		END { if (NR == 0) { print "# " FILENAME ": empty"; bad = 1 }
		      exit bad }' "$1"
}

# ---- the tests ----

test_nbbs_module() {
	local st rc

	# module.sh prints "test_nbbs: ok" or "test_nbbs: [FAIL]": keep its
	# words as diagnostics, and its exit status past the pipe in a file.
	st=$(mktemp) || return 1
	{ "$KSFT_DIR/module.sh" "test_nbbs" test_nbbs 2>&1; echo $? >"$st"; } |
		sed 's/^/# /'
	rc=$(cat "$st")
	rm -f "$st"
	return "$rc"
}

test_load() {
	$MODPROBE nbbs
}

test_debugfs_files() {
	local f ret=0

	for f in config stats free; do
		if [ ! -r "$NBBS_DBG/$f" ]; then
			ktap_print_msg "$NBBS_DBG/$f is missing"
			ret=1
		fi
	done
	return $ret
}

test_config() {
	local c=$NBBS_DBG/config k ret=0
	local size min_block min_shift max_order max_block levels leaves top p

	pairs "$c" 0 || return 1
	for k in size min_block min_shift max_order max_block levels leaves \
		 top_blocks metadata_bytes; do
		if ! is_uint "$(kv "$c" $k)"; then
			ktap_print_msg "config: $k is not a number"
			return 1
		fi
	done
	size=$(kv "$c" size)
	min_block=$(kv "$c" min_block)
	min_shift=$(kv "$c" min_shift)
	max_order=$(kv "$c" max_order)
	max_block=$(kv "$c" max_block)
	levels=$(kv "$c" levels)
	leaves=$(kv "$c" leaves)
	top=$(kv "$c" top_blocks)

	check "min_block == 1 << min_shift" "min_block $min_block != 1 << $min_shift" || ret=1
	check "size > 0 && (size & (size - 1)) == 0" "size $size is not a power of two" || ret=1
	check "leaves * min_block == size" "leaves $leaves * min_block $min_block != size $size" || ret=1
	check "(1 << (levels - 1)) == leaves" "levels $levels do not match leaves $leaves" || ret=1
	check "max_block == min_block << max_order" "max_block $max_block != min_block << max_order $max_order" || ret=1
	check "max_order < levels" "max_order $max_order beyond the tree's $levels levels" || ret=1
	check "top * max_block == size" "top_blocks $top * max_block $max_block != size $size" || ret=1
	# nodes is optional: the count of tree nodes the core keeps.
	p=$(kv "$c" nodes) && {
		check "p == 2 * leaves - top" "nodes $p != 2 * leaves - top_blocks" || ret=1
	}
	# Physically contiguous exactly when the backing is.
	case "$(kv "$c" backing):$(kv "$c" phys_contiguous)" in
	pages:1 | contig:1 | phys:1 | vmalloc:0) ;;
	*) ktap_print_msg "config: backing $(kv "$c" backing) with phys_contiguous $(kv "$c" phys_contiguous)"
	   ret=1 ;;
	esac
	p=$(kv "$c" map_page_size)
	if ! is_uint "$p" || [ $((p & 4095)) -ne 0 ]; then
		ktap_print_msg "config: map_page_size $p is not a multiple of 4096"
		ret=1
	fi

	# The module's read-only parameters must be what the pool was built
	# with (size and min_block print in bytes; max_order -1 means default).
	p=$(cat "$NBBS_PARAMS/size" 2>/dev/null)
	if is_uint "$p"; then
		check "p == size" "config size $size != parameter size $p" || ret=1
	fi
	p=$(cat "$NBBS_PARAMS/min_block" 2>/dev/null)
	if is_uint "$p"; then
		check "p == min_block" "config min_block $min_block != parameter $p" || ret=1
	fi
	return $ret
}

test_stats() {
	local s=$NBBS_DBG/stats k sum ret=0

	pairs "$s" 1 || return 1
	for k in alloc free alloc_fail invalid_free live; do
		if ! kv "$s" $k >/dev/null; then
			ktap_print_msg "stats: no $k line"
			ret=1
		fi
	done
	[ $ret -eq 0 ] || return 1
	# Nothing has used the fresh default pool yet.
	check "$(kv "$s" live) == 0" "stats: live is $(kv "$s" live) on a fresh pool" || ret=1
	# The total is the sum of the per-order counts.
	sum=$(awk '$1 ~ /^alloc_order_[0-9]+$/ { n += $2 } END { printf "%d", n }' "$s")
	check "sum == $(kv "$s" alloc)" "stats: alloc_order_K sum $sum != alloc $(kv "$s" alloc)" || ret=1
	return $ret
}

test_free() {
	local f=$NBBS_DBG/free c=$NBBS_DBG/config ret=0
	local size leaves max_order top

	pairs "$f" 1 || return 1
	size=$(kv "$c" size)
	leaves=$(kv "$c" leaves)
	max_order=$(kv "$c" max_order)
	top=$(kv "$c" top_blocks)
	# A fresh pool is all free, as largest blocks.
	check "$(kv "$f" free_bytes) == size" "free: free_bytes $(kv "$f" free_bytes) != size $size" || ret=1
	check "$(kv "$f" allocatable_order_0) == leaves" "free: allocatable_order_0 != leaves $leaves" || ret=1
	check "$(kv "$f" free_blocks_order_"$max_order") == top" "free: free_blocks_order_$max_order != top_blocks $top" || ret=1
	check "$(kv "$f" live_blocks) == 0" "free: live_blocks is not 0" || ret=1
	return $ret
}

test_sample() {
	local before after

	if ! $MODPROBE -q -n nbbs_sample; then
		ktap_print_msg "nbbs_sample is not installed: the sample test needs it"
		return 4
	fi
	before=$(kv "$NBBS_DBG/stats" alloc)
	$MODPROBE nbbs_sample || return 1
	# rmmod, not modprobe -r: that would take nbbs away with it.
	rmmod nbbs_sample || return 1
	after=$(kv "$NBBS_DBG/stats" alloc)
	check "after > before" "the sample made no allocation ($before -> $after)" || return 1
	check "$(kv "$NBBS_DBG/stats" live) == 0" "blocks still live after the sample unloaded" || return 1
	check "$(kv "$NBBS_DBG/free" free_bytes) == $(kv "$NBBS_DBG/config" size)" \
		"the arena is not all free after the sample unloaded" || return 1
}

test_unload() {
	$MODPROBE -r nbbs || return 1
	if [ -e "$NBBS_DBG" ]; then
		ktap_print_msg "$NBBS_DBG still exists after unload"
		return 1
	fi
	if grep -q '^nbbs ' /proc/modules; then
		ktap_print_msg "nbbs is still loaded"
		return 1
	fi
}

# run NAME FUNCTION: one KTAP result; FUNCTION returning 4 means skipped.
run() {
	local rc

	"$2"
	rc=$?
	if [ $rc -eq 0 ]; then
		ktap_test_pass "$1"
	elif [ $rc -eq 4 ]; then
		ktap_test_skip "$1"
	else
		ktap_test_fail "$1"
	fi
}

# ---- main ----

ktap_print_header
if [ "$(id -u)" != 0 ]; then
	ktap_skip_all "must be run as root"
	exit "$KSFT_SKIP"
fi
if ! $MODPROBE -q -n nbbs || ! $MODPROBE -q -n test_nbbs; then
	ktap_skip_all "nbbs or test_nbbs is not installed"
	exit "$KSFT_SKIP"
fi
if grep -q '^nbbs ' /proc/modules; then
	ktap_skip_all "nbbs is already loaded; unload it first"
	exit "$KSFT_SKIP"
fi
if ! grep -q ' /sys/kernel/debug debugfs ' /proc/mounts; then
	mount -t debugfs none "$DEBUGFS" 2>/dev/null
fi

ktap_set_plan $NR_TESTS

run test_nbbs test_nbbs_module
run load test_load
if grep -q '^nbbs ' /proc/modules; then
	run debugfs_files test_debugfs_files
	run config test_config
	run stats test_stats
	run free test_free
	run sample test_sample
	run unload test_unload
else
	for t in debugfs_files config stats free sample unload; do
		ktap_test_fail "$t"
	done
fi

ktap_finished
