#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=dash  # busybox ash in the guest: POSIX plus local
#
# Guest script of `make check-vm-check` (and -6.12): every in-kernel test
# of nbbs in one boot.  Prints KTAP results at the top level; the host
# (scripts/vm/boot.sh) adds the kernel log scan.
#
#   1. modinfo shows the parameters.
#   2. nbbs.ko loads with several parameter sets; for each, the debugfs
#      files match the parameters and show a fresh, whole pool; the sample
#      client loads, holds one block, and gives it back on unload; nbbs
#      unloads and its debugfs directory goes away.
#   2b. Every backing (pages, contig of 256 MiB, vmalloc with huge and
#      with base pages, and phys, write-back and write-combining, over the
#      range memmap= reserved): config says what the memory is, the stress
#      tester runs on that arena with zero overlaps, and the unload gives
#      the memory back.
#   3. Bad parameters fail the load with -EINVAL and a message, leaving
#      nothing loaded: sizes memparse() would have wrapped or read as
#      octal; an arena of all the memory fails with -ENOMEM, without the
#      OOM killer, and so does a contig arena larger than its node; phys=
#      missing, on System RAM, on no memory at all, on the firmware's own
#      reserved range, unaligned or past the reserved range fails with
#      -EINVAL, and so do phys_cache= and vmalloc_huge= with a backing
#      they do not apply to.  (A bad run= line of
#      nbbs_stress.ko: stress_check.sh.)
#   4. Loading and unloading (good and bad) many times leaks no arena.
#   5. The kselftest (selftests/nbbs.sh, run by kselftest's runner.sh),
#      which loads test_nbbs through kselftest/module.sh.
#   6. test_nbbs again, with more threads and operations, over 4 CPUs;
#      each of its in-kernel tests is reported as a result of its own.
#   7. The debugfs stress tester (nbbs_stress.ko): every workload on every
#      backend with zero overlaps, its errors, an unload mid-run
#      (stress_check.sh).
#   8. At the end nothing of nbbs is loaded, no client leaked a block, and
#      the kernel is not tainted by an oops, a bad page or a lockup.
# shellcheck source=scripts/vm/guest/lib.sh
. /guest/lib.sh

KO=/nbbs
DBG=/sys/kernel/debug/nbbs

# shellcheck source=scripts/vm/guest/stress_check.sh
. /guest/stress_check.sh

# The range the kernel was booted to reserve for backing=phys
# (memmap=16M$ADDR, see mk/vm.mk), as 0x...; empty when there is none.
RESERVED=$(tr ' ' '\n' </proc/cmdline | sed -n 's/^memmap=16M\$\(0x[0-9a-fA-F]*\)$/\1/p' | head -n 1)

# Largest order the page allocator serves (MAX_ORDER was exclusive before
# 6.4, inclusive after); all Debian x86 kernels here: 4 MiB blocks.
PAGES_MAX=$((4 << 20))

# ---- helpers ----

# check_pool SIZE MIN_BLOCK MAX_ORDER BACKING: the debugfs files of a
# freshly loaded nbbs describe this pool, whole and unused.
check_pool() {
	local c=$DBG/config s=$DBG/stats f=$DBG/free ret=0 leaves contiguous

	for x in "$c" "$s" "$f"; do
		if [ ! -r "$x" ]; then
			diag "$x is missing"
			return 1
		fi
		# Every line is "key value"; stats and free values are numbers.
		if ! awk -v numeric="$([ "$x" = "$c" ] && echo 0 || echo 1)" '
			NF != 2 || (numeric && $2 !~ /^[0-9]+(\.[0-9]+)?$/) { print "# bad line: " $0; bad = 1 }
			END { exit bad || NR == 0 }' "$x"; then
			diag "$x does not parse"
			ret=1
		fi
	done
	leaves=$(($1 / $2))
	want "config size" "$(kv "$c" size)" "$1" || ret=1
	want "config min_block" "$(kv "$c" min_block)" "$2" || ret=1
	want "config max_order" "$(kv "$c" max_order)" "$3" || ret=1
	want "config backing" "$(kv "$c" backing)" "$4" || ret=1
	case $4 in
	pages | contig | phys) contiguous=1 ;;
	*) contiguous=0 ;;
	esac
	want "config phys_contiguous" "$(kv "$c" phys_contiguous)" $contiguous || ret=1
	want "config layout" "$(kv "$c" layout)" "${5:-packed}" || ret=1
	want "config hot" "$(kv "$c" hot)" "${6:-1}" || ret=1
	want "config leaves" "$(kv "$c" leaves)" "$leaves" || ret=1
	want "config max_block" "$(kv "$c" max_block)" "$(($2 << $3))" || ret=1
	want "config top_blocks" "$(kv "$c" top_blocks)" "$(($1 / ($2 << $3)))" || ret=1
	want "stats live" "$(kv "$s" live)" 0 || ret=1
	want "stats invalid_free" "$(kv "$s" invalid_free)" 0 || ret=1
	want "free free_bytes" "$(kv "$f" free_bytes)" "$1" || ret=1
	want "free allocatable_order_0" "$(kv "$f" allocatable_order_0)" "$leaves" || ret=1
	want "free free_blocks_order_$3" "$(kv "$f" "free_blocks_order_$3")" \
		"$(($1 / ($2 << $3)))" || ret=1
	want "free live_blocks" "$(kv "$f" live_blocks)" 0 || ret=1
	return $ret
}

# check_sample: the sample client loads, holds one block, frees it.
check_sample() {
	insmod $KO/nbbs_sample.ko || return 1
	want "stats live with the sample loaded" "$(kv $DBG/stats live)" 1 ||
		{ rmmod nbbs_sample; return 1; }
	rmmod nbbs_sample || return 1
	want "stats live after the sample" "$(kv $DBG/stats live)" 0 || return 1
	want "free free_bytes after the sample" "$(kv $DBG/free free_bytes)" \
		"$(kv $DBG/config size)"
}

# check_drain SIZE MIN_BLOCK MAX_ORDER: in a hot pool the sample's blocks of
# orders 0..3 stay parked on CPUs, counted free but not coalesced; debugfs
# drain gives them back, counts them in hot_reclaims, and the pool is whole.
check_drain() {
	local mark n before

	before=$(kv $DBG/stats hot_reclaims)
	mark=$(klog_mark)
	echo 1 >$DBG/drain || return 1
	n=$(klog_since "$mark" | sed -n 's/^.*nbbs: drain: \([0-9]*\) blocks given back$/\1/p')
	diag "drain gave back ${n:-nothing}"
	[ -n "$n" ] && [ "$n" -ge 1 ] || return 1
	want "stats hot_reclaims" "$(kv $DBG/stats hot_reclaims)" "$((before + n))" || return 1
	want "free free_blocks_order_$3 after drain" "$(kv $DBG/free "free_blocks_order_$3")" \
		"$(($1 / ($2 << $3)))"
}

# unload_nbbs: rmmod nbbs; the debugfs directory goes with it.
unload_nbbs() {
	rmmod nbbs || return 1
	if [ -e "$DBG" ]; then
		diag "$DBG remains after rmmod"
		return 1
	fi
}

# params NAME "ARGS" SIZE MIN_BLOCK MAX_ORDER BACKING [LAYOUT [HOT]]: one
# parameter set; LAYOUT is the expected layout, packed by default, and HOT
# 0 for a pool without hot blocks (hot=0), 1 by default.
params() {
	local name="$1" args="$2"

	shift 2
	kmark "params $name: insmod nbbs.ko $args"
	# shellcheck disable=SC2086  # ARGS is a list of parameters
	if ! insmod $KO/nbbs.ko $args; then
		# What needs the module cannot run: each step fails.
		fail "params $name: load"
		fail "params $name: debugfs (not loaded)"
		fail "params $name: sample (not loaded)"
		fail "params $name: unload (not loaded)"
		return
	fi
	pass "params $name: load"
	check_pool "$@"
	result "params $name: debugfs" $?
	check_sample
	result "params $name: sample" $?
	if [ "${6:-1}" = 1 ]; then
		check_drain "$@"
		result "params $name: drain" $?
	fi
	unload_nbbs
	result "params $name: unload" $?
}

# backing NAME "ARGS" BACKING CONTIGUOUS [MAP_PAGE_SIZE]: nbbs.ko loads
# with ARGS; config shows BACKING, phys_contiguous CONTIGUOUS, the page size
# of the mapping (MAP_PAGE_SIZE when given), and for phys the reserved
# range, its caching and its claim in /proc/iomem; the stress tester runs
# on the arena itself (backend=default), blocks touched in every cache line
# or verified whole, with zero overlaps; after the unload MemFree is back
# and the claim is gone.
backing() {
	local name="$1" args="$2" c=$DBG/config ret=0 before after res line map

	before=$(memfree_kb)
	kmark "backing $name: insmod nbbs.ko $args"
	# shellcheck disable=SC2086  # ARGS is a list of parameters
	if ! insmod $KO/nbbs.ko $args; then
		fail "backing $name: load"
		return
	fi
	diag "$(grep -E '^(backing|phys|node|map_page_size|cache) ' $c | tr '\n' ' ')"
	want "config backing" "$(kv $c backing)" "$3" || ret=1
	want "config phys_contiguous" "$(kv $c phys_contiguous)" "$4" || ret=1
	map=$(kv $c map_page_size)
	if [ -n "$5" ]; then
		want "config map_page_size" "$map" "$5" || ret=1
	elif [ "$map" -lt 4096 ] || [ $((map % 4096)) -ne 0 ]; then
		diag "map_page_size $map is not a page size"
		ret=1
	fi
	if [ "$3" = phys ]; then
		want "config phys" "$(($(kv $c phys)))" "$((RESERVED))" || ret=1
		case $args in
		*phys_cache=wc*) want "config cache" "$(kv $c cache)" wc || ret=1 ;;
		*) want "config cache" "$(kv $c cache)" wb || ret=1 ;;
		esac
		grep -q ' : nbbs$' /proc/iomem || { diag "no nbbs claim in /proc/iomem"; ret=1; }
	elif [ "$4" = 1 ]; then
		[ "$(kv $c phys)" != none ] || { diag "no physical address"; ret=1; }
	fi
	result "backing $name: config" $ret

	ret=0
	if insmod $KO/nbbs_stress.ko; then
		for line in "workload=rand order=3 touch=lines" \
			    "workload=co order=0 verify=1" \
			    "workload=fill order=2 occupancy=90"; do
			if ! echo "backend=default threads=$(nproc) $line ms=$STRESS_MS" \
				>$STRESS_DIR/run; then
				diag "$line: the write failed"
				ret=1
				continue
			fi
			res=$(tail -n 1 $STRESS_DIR/result)
			diag "$res"
			want "backend" "$(field "$res" backend)" default || ret=1
			stress_clean "$res" || ret=1
		done
		rmmod nbbs_stress || ret=1
	else
		ret=1
	fi
	result "backing $name: stress on the arena, zero overlaps" $ret

	ret=0
	unload_nbbs || ret=1
	after=$(memfree_kb)
	diag "MemFree before $before kB, after the unload $after kB"
	[ $((before - after)) -lt 2048 ] || ret=1
	if grep -q ' : nbbs$' /proc/iomem; then
		diag "/proc/iomem still has nbbs's claim"
		ret=1
	fi
	result "backing $name: unload gives the memory back" $ret
}

# bad NAME "ARGS" [ENOMEM]: the load must fail with EINVAL (or ENOMEM) and
# say why in the log; nothing may be left loaded, and no OOM kill happen.
bad() {
	local name="$1" errno="${3:-EINVAL}" mark out rc ret=0

	mark=$(klog_mark)
	kmark "bad params $name: insmod nbbs.ko $2"
	# shellcheck disable=SC2086
	out=$(insmod $KO/nbbs.ko $2 2>&1)
	rc=$?
	if [ $rc -eq 0 ]; then
		diag "insmod nbbs.ko $2 succeeded"
		rmmod nbbs
		ret=1
	else
		# kmod's insmod names EINVAL "Invalid parameters".
		case "$errno: $out" in
		"EINVAL: "*"Invalid parameters"* | "EINVAL: "*"Invalid argument"*) ;;
		"ENOMEM: "*"Cannot allocate memory"*) ;;
		*) diag "not $errno: $out"; ret=1 ;;
		esac
		if ! klog_since "$mark" | grep -v 'nbbs-vm:' | grep -q 'nbbs: '; then
			diag "no nbbs message in the kernel log"
			ret=1
		fi
		if klog_since "$mark" | grep -qiE 'oom-kill|out of memory'; then
			diag "the OOM killer ran"
			ret=1
		fi
		if loaded nbbs || [ -e "$DBG" ]; then
			diag "nbbs left behind"
			ret=1
		fi
	fi
	[ $ret -eq 0 ] && diag "$(klog_since "$mark" | grep -v 'nbbs-vm:' | grep 'nbbs: ' | tail -n 1)"
	result "bad params $name: $2 ($errno)" $ret
}

# ---- the tests ----

ktap_begin
diag "kernel $(uname -r), $(nproc) CPUs"

# 1. modinfo
out=$(modinfo -F parm $KO/nbbs.ko)
ret=0
for p in size min_block max_order backing node phys phys_cache vmalloc_huge layout hot; do
	echo "$out" | grep -q "^$p:" || { diag "modinfo: no parameter $p"; ret=1; }
done
result "modinfo lists size, min_block, max_order, backing, node, phys, phys_cache, vmalloc_huge, layout, hot" $ret
modinfo -F parm $KO/nbbs_stress.ko | grep -q '^run:'
result "modinfo lists nbbs_stress.ko's run" $?

# 2. parameter sets:    name      args                                   size      min_block max_order backing
params defaults         ""                                               $((64 << 20)) 4096 10 contig
params 4M-pages-auto    "size=4M min_block=4096 max_order=10"            $((4 << 20))  4096 10 pages
params 16M-64B-vmalloc  "size=16M min_block=64 max_order=8 backing=vmalloc" $((16 << 20)) 64 8 vmalloc
params pages            "backing=pages size=4M"                          $((4 << 20))  4096 10 pages
params 1M-8B-whole      "size=1M min_block=8 max_order=17"               $((1 << 20))  8    17 pages
params 128M-2M-blocks   "size=128M min_block=2M"                         $((128 << 20)) $((2 << 20)) 6 contig
params 256M-contig      "size=256M"                                      $((256 << 20)) 4096 10 contig
params contig-node-0    "backing=contig node=0 size=8M"                  $((8 << 20))  4096 10 contig
params vmalloc-4K-pages "backing=vmalloc vmalloc_huge=0 size=32M"        $((32 << 20)) 4096 10 vmalloc
params tree-layout      "layout=tree hot=0"                             $((64 << 20)) 4096 10 contig tree 0
params tree-8B-whole    "size=1M min_block=8 max_order=17 layout=tree"  $((1 << 20))  8    17 pages tree
params packed-explicit  "layout=packed size=16M max_order=12 hot=0"     $((16 << 20)) 4096 12 contig packed 0
params packed-hot       "hot=1"                                          $((64 << 20)) 4096 10 contig packed 1
params tree-hot         "layout=tree hot=1 size=4M"                     $((4 << 20))  4096 10 pages  tree 1
if [ -n "$RESERVED" ]; then
	params phys         "backing=phys phys=$RESERVED size=16M"           $((16 << 20)) 4096 10 phys
	params phys-wc-tree "backing=phys phys=$RESERVED phys_cache=wc size=8M layout=tree" \
		$((8 << 20)) 4096 10 phys tree
else
	skip "params phys: the kernel was booted without memmap=16M\$ADDR"
fi

# 2b. every backing: what config says of the memory, a stress run on the
#     arena itself, and the memory given back at unload
backing pages   "backing=pages size=4M"                  pages   1
backing contig  "backing=contig size=256M"               contig  1
backing vmalloc-huge "backing=vmalloc size=64M"          vmalloc 0 2097152
backing vmalloc-4K "backing=vmalloc vmalloc_huge=0 size=64M" vmalloc 0 4096
if [ -n "$RESERVED" ]; then
	backing phys    "backing=phys phys=$RESERVED size=16M"   phys 1
	backing phys-wc "backing=phys phys=$RESERVED size=16M phys_cache=wc" phys 1
else
	skip "backing phys: the kernel was booted without memmap=16M\$ADDR"
fi

# 3. bad parameters
bad zero-size           "size=0"
bad not-power-of-two    "size=3M"
bad min-block-100       "min_block=100"
bad max-order-40        "max_order=40"
bad max-order-past-arena "size=4M max_order=11"
bad size-below-block    "size=4K min_block=8K"
bad not-a-size          "size=lots"
bad backing-bogus       "backing=bogus"
bad layout-bogus       "layout=bogus"
bad hot-bogus           "hot=2"
bad pages-too-large     "backing=pages size=$((PAGES_MAX * 2))"
# memparse() read these as 1M, 4K (wrapped around 2^64), 8M (octal) and 4M
bad size-wraps          "size=18014398509483008K"
bad min-block-wraps     "min_block=18014398509481988K"
bad size-octal          "size=010M"
bad size-hex            "size=0x400000"
bad size-past-2-64      "size=18446744073709551616"
bad min-block-suffix    "min_block=4KB"
# an arena of all the VM's memory (the power of two at or above it):
# refused, not left to the OOM killer
mib=1
while [ $((mib << 10)) -lt "$(meminfo_kb MemTotal)" ]; do mib=$((mib * 2)); done
bad size-all-memory     "size=${mib}M" ENOMEM
bad contig-past-node    "backing=contig node=0 size=$((mib * 2))M" ENOMEM
bad node-without-memory "node=7"
bad node-vmalloc        "backing=vmalloc node=0"
bad contig-below-page   "backing=contig size=2K min_block=8"
bad phys-missing        "backing=phys size=16M"
bad phys-without-backing "phys=0x20000000 size=16M"
bad phys-not-address    "backing=phys phys=lots size=16M"
bad phys-cache-bogus    "phys_cache=uc"
bad phys-cache-no-phys  "phys_cache=wc size=16M"
bad vmalloc-huge-contig "backing=contig vmalloc_huge=0"
# RAM the kernel owns (16 MiB up, where the kernel image lies), an address
# with no memory at all (128 GiB), and, with memmap=, a start inside the
# reserved range that is not page aligned and a size that runs past it
bad phys-system-ram     "backing=phys phys=0x1000000 size=16M"
bad phys-nothing-there  "backing=phys phys=0x2000000000 size=16M"
# the BIOS flash window below 4 GiB, "Reserved" in /proc/iomem but reserved
# by the firmware's own E820 map
bad phys-firmware       "backing=phys phys=0xfffc0000 size=256K"
if [ -n "$RESERVED" ]; then
	bad phys-unaligned  "backing=phys phys=$((RESERVED + 2048)) size=4M"
	bad phys-past-reserved "backing=phys phys=$RESERVED size=32M"
fi

# 4. no leak over repeated loads, good and bad
before=$(memfree_kb)
vbefore=$(vmalloc_kb)
for _ in 1 2 3 4 5; do
	insmod $KO/nbbs.ko && rmmod nbbs
	insmod $KO/nbbs.ko backing=vmalloc && rmmod nbbs
	insmod $KO/nbbs.ko backing=contig size=512M 2>/dev/null && rmmod nbbs
	insmod $KO/nbbs.ko size=4M backing=pages && rmmod nbbs
	insmod $KO/nbbs.ko size=16M min_block=64 && rmmod nbbs
	insmod $KO/nbbs.ko size=4M max_order=11 2>/dev/null
	insmod $KO/nbbs.ko size=${mib}M 2>/dev/null
	if insmod $KO/nbbs.ko size=4M; then
		insmod $KO/nbbs_stress.ko run=workload=nope 2>/dev/null
		rmmod nbbs
	fi
done
after=$(memfree_kb)
vafter=$(vmalloc_kb)
diag "free before $before kB, after $after kB; vmalloc before $vbefore kB, after $vafter kB"
diag "over 5 x (64M contig + 64M vmalloc + 512M contig, loaded or refused + 2 x 4M pages + 16M auto + three refused loads)"
# A leaked arena costs at least 5 x 4 MiB, a leaked vmalloc arena 5 x 16
# MiB; between runs the totals move by about 100 kB.
ret=0
[ $((before - after)) -lt 2048 ] || ret=1
[ $((vafter - vbefore)) -lt 1024 ] || ret=1
result "no memory leaked over repeated loads" $ret

# 5. the kselftest, as kselftest's runner.sh runs it
expect_invalid_free_warn begin
mark=$(klog_mark)
run_kselftest
expect_invalid_free_warn end
# test_nbbs's summary and any failure (step 6 lists every test).
klog_since "$mark" | grep -E 'test_nbbs: ([0-9]+ tests|not ok)' | sed 's/^/# dmesg: /'

# 6. test_nbbs again, harder, over every CPU
expect_invalid_free_warn begin
mark=$(klog_mark)
ret=1
if insmod $KO/nbbs.ko; then
	if insmod $KO/test_nbbs.ko stress_threads=$((4 * $(nproc))) stress_ops=20000; then
		ret=0
		rmmod test_nbbs
	fi
	rmmod nbbs || ret=1
fi
expect_invalid_free_warn end
# Each in-kernel test's own result line, as a result here: a failure then
# names the test.  (Its summary and stress figures become diagnostics.)
klog_since "$mark" | sed -n 's/^\[[ 0-9.]*\] test_nbbs: //p' >/tmp/test_nbbs.out
grep -vE '^(not )?ok [0-9]+ ' /tmp/test_nbbs.out | sed 's/^/# test_nbbs: /'
while read -r verdict rest; do
	case "$verdict $rest" in
	"ok "[0-9]*) pass "test_nbbs: ${rest#* }" ;;
	"not ok "[0-9]*) rest=${rest#ok }; fail "test_nbbs: ${rest#* }" ;;
	esac
done </tmp/test_nbbs.out
result "test_nbbs with $((4 * $(nproc))) stress threads x 20000 ops loads" $ret

# 7. the debugfs stress tester: every workload on every backend, its
#    errors, and an unload in the middle of a run (stress_check.sh)
stress_check

# 8. the end state
check_clean_end

ktap_end
