#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=dash  # busybox ash in the guest: POSIX plus local
#
# Guest script of `make run`: show a person nbbs at work.
#
# Loads nbbs.ko with its default parameters, runs the sample client, loads
# the stress tester (nbbs_stress.ko) and runs it, prints every debugfs file
# (the per-order counters as tables), shows nbbs's kernel messages, and
# unloads.  Exits non-zero when a step fails.
# shellcheck source=scripts/vm/guest/lib.sh
. /guest/lib.sh

KO=/nbbs
DBG=/sys/kernel/debug/nbbs
failed=0

# step TEXT: a heading.
step() {
	echo
	echo "==== $*"
}

# show_config: the config file as it is.
show_config() {
	step "$DBG/config"
	sed 's/^/    /' $DBG/config
}

# show_stats: totals, then one row per order.
show_stats() {
	step "$DBG/stats"
	grep -v '_order_' $DBG/stats | sed 's/^/    /'
	awk '
		/^alloc_order_/      { split($1, a, "_"); o = a[3]; al[o] = $2; if (o > max) max = o }
		/^free_order_/       { split($1, a, "_"); fr[a[3]] = $2 }
		/^alloc_fail_order_/ { split($1, a, "_"); fa[a[4]] = $2 }
		END {
			printf "    %5s %12s %12s %12s\n", "order", "alloc", "free", "alloc_fail"
			for (o = 0; o <= max; o++)
				printf "    %5d %12d %12d %12d\n", o, al[o], fr[o], fa[o]
		}' $DBG/stats
}

# show_free: totals, then one row per order, like /proc/buddyinfo.
show_free() {
	step "$DBG/free"
	grep -v '_order_' $DBG/free | sed 's/^/    /'
	awk '
		/^free_blocks_order_/ { split($1, a, "_"); o = a[4]; fb[o] = $2; if (o > max) max = o }
		/^allocatable_order_/ { split($1, a, "_"); al[a[3]] = $2 }
		END {
			printf "    %5s %12s %12s\n", "order", "free_blocks", "allocatable"
			for (o = 0; o <= max; o++)
				printf "    %5d %12d %12d\n", o, fb[o], al[o]
		}' $DBG/free
}

# run CMD...: run a command, echoing it; count a failure.
run() {
	echo "\$ $*"
	"$@" || { echo "!!! failed: $*"; failed=1; return 1; }
}

mark=$(klog_mark)
step "load nbbs with its default parameters"
if ! run insmod $KO/nbbs.ko; then
	klog_since "$mark"
	exit 1
fi
show_config

step "the sample client (samples/nbbs_sample.ko)"
run insmod $KO/nbbs_sample.ko && run rmmod nbbs_sample

step "the stress tester (nbbs_stress.ko, $DBG/stress)"
if run insmod $KO/nbbs_stress.ko; then
	sh /guest/stress.sh || failed=1
	run rmmod nbbs_stress
fi

show_stats
show_free

step "kernel messages of nbbs"
klog_since "$mark" | grep -E 'nbbs|test_nbbs' | grep -v 'nbbs-vm:' | sed 's/^/    /'

step "unload"
run rmmod nbbs
echo
if [ $failed -eq 0 ]; then
	echo "make run: all steps passed"
else
	echo "make run: some steps FAILED"
fi
exit $failed
