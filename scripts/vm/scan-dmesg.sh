#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Scan a guest kernel log for reports of kernel bugs.
#
#   scripts/vm/scan-dmesg.sh LOG
#
# Exits 0 when LOG holds no report, 1 after printing every offending line
# (with its line number) otherwise.
#
# A report is any line with WARNING:, BUG:, "BUG <cache>" (SLUB debug),
# Oops, Call Trace, kernel BUG, general protection fault, Kernel panic,
# UBSAN:, an RCU stall, a hung task, or a "cut here" / "end trace" marker.
# The debug kernels' reports are among them: KCSAN's "BUG: KCSAN:",
# KASAN's "BUG: KASAN:", lockdep's "WARNING: possible ..." and
# "BUG: sleeping function called from invalid context"; so are lockdep
# turning itself off ("INFO: lockdep is turned off", DEBUG_LOCKS_WARN_ON)
# and kmemleak disabling itself (a scan that checks nothing).  Leaks that
# kmemleak suspects are judged by the guest, which knows whose they are.
#
# One exception: nbbs_free() WARNs once per pool about an invalid free, and
# the tests provoke that on purpose.  A WARNING block is forgiven only when
# all of these hold:
#   - it runs from "------------[ cut here ]------------" to
#     "---[ end trace ... ]---" with exactly one WARNING: line and at most
#     one Call Trace: in between, and no other report (BUG:, Oops, a second
#     cut here) inside it;
#   - the message between "cut here" and the WARNING: line contains
#     "nbbs: invalid free";
#   - the WARNING: line names a function of the nbbs module ("[nbbs]");
#   - it happens inside a window the guest opened on purpose, between the
#     kernel log lines "nbbs-vm: expect invalid-free WARN begin" and
#     "nbbs-vm: expect invalid-free WARN end" (scripts/vm/guest/lib.sh
#     writes them to /dev/kmsg around the steps that free invalid blocks);
#   - a marker line "EXPECTED WARNING: nbbs: invalid free", which the test
#     prints right before the first invalid free in each pool, came before
#     it and was not used up by an earlier block: one marker, one WARN.
# Anything else is reported, including a block that looks right but is
# cut off, so a hidden report cannot ride along inside a forgiven one.
#
# A second exception, the kernel's own and not nbbs's: KCSAN's "data-race
# in wq_worker_tick" as 6.12 reports it when the scheduler tick interrupts
# a long work item (test_nbbs runs its tests in work_on_cpu()) and reads
# the worker task's run time, "race at unknown origin", the read by the
# interrupt in wq_worker_tick() itself.  It is forgiven only with exactly
# that shape: the BUG: line names wq_worker_tick, the next line says
# "race at unknown origin" with a read by interrupt, and the first frame
# is wq_worker_tick; any other KCSAN report is reported.  The tick may
# also interrupt the printing of an expected nbbs WARN: the race is then
# forgiven inside the WARN block, and the block judged without it.
set -eu

log=${1:?usage: scan-dmesg.sh LOG}

awk '
function report(n, text) {
	printf "scan-dmesg: line %d: %s\n", n, text
	bad = 1
}
# Flush a block that may not be forgiven: every line of it is reported.
function reject(why,   i) {
	printf "scan-dmesg: %s:\n", why
	for (i = 1; i <= nblk; i++)
		report(blkno[i], blk[i])
	inblk = 0
	nblk = 0
}
function is_report(s) {
	return s ~ /WARNING:|BUG:|Oops|Call Trace|kernel BUG|general protection fault|Kernel panic|UBSAN:|cut here|end trace|INFO: task .* blocked for more than|rcu: INFO: .*stall|self-detected stall/ ||
	       s ~ /INFO: lockdep is turned off|DEBUG_LOCKS_WARN_ON|kmemleak: .*(disabled|Cannot allocate)/ ||
	       s ~ /^BUG [^ ]+ \(/
}
{
	line = $0
	sub(/\r$/, "", line)
	# Drop the "[   12.345678]" time stamp and an optional "[T123]" caller.
	text = line
	sub(/^\[[ 0-9.]+\] /, "", text)
	sub(/^\[ *[TC][0-9]+\] /, "", text)

	if (text ~ /nbbs-vm: expect invalid-free WARN begin/) { window = 1; next }
	if (text ~ /nbbs-vm: expect invalid-free WARN end/)   { window = 0; credits = 0; next }
	if (text ~ /EXPECTED WARNING: nbbs: invalid free/ && !inblk) { credits++; next }

	if (text ~ /-+\[ cut here \]-+/) {
		if (inblk)
			reject("a WARNING block starts inside another")
		inblk = 1; nblk = 0; premsg = 1
		msg_ok = 0; warns = 0; traces = 0; mod_ok = 0; other = 0
	}
	# The workqueue tick race (see above): decided a few lines further on.
	if (wq) {
		if (wq == 1 && text ~ /^race at unknown origin, with read to .* by interrupt on cpu/)
			wq = 2
		else if (wq == 2 && text ~ /^ *wq_worker_tick\+/)
			wq = 3
		else if (text ~ /^$/ && wq != 2)
			;
		else if (wq == 3) {
			wqforgiven++
			wq = 0
		} else {
			report(wqno, wqline)
			wq = 0
		}
		if (wq)
			next
	}
	if (text ~ /^BUG: KCSAN: data-race in wq_worker_tick\+[0-9a-fx\/]+$/) {
		wq = 1; wqno = NR; wqline = line
		next
	}
	if (!inblk) {
		if (is_report(text))
			report(NR, line)
		next
	}

	blk[++nblk] = line
	blkno[nblk] = NR
	if (premsg && text ~ /nbbs: invalid free/)
		msg_ok = 1
	if (text ~ /WARNING:/) {
		warns++
		premsg = 0
		if (text ~ /\[nbbs\]/)
			mod_ok = 1
	} else if (text ~ /Call Trace/) {
		traces++
	} else if (text !~ /cut here|end trace/ && is_report(text)) {
		other = 1
	}
	if (text ~ /---\[ end trace/) {
		if (window && credits > 0 && msg_ok && mod_ok && warns == 1 &&
		    traces <= 1 && !other) {
			credits--
			forgiven++
			inblk = 0
			nblk = 0
		} else {
			reject("a WARNING block that is not the expected nbbs invalid-free warning")
		}
	}
}
END {
	if (inblk)
		reject("a WARNING block without its end")
	if (wq && wq != 3)
		report(wqno, wqline)
	else if (wq == 3)
		wqforgiven++
	if (wqforgiven)
		printf "scan-dmesg: %d KCSAN report(s) of the kernel workqueue tick (wq_worker_tick) ignored\n", wqforgiven
	if (forgiven)
		printf "scan-dmesg: %d expected nbbs invalid-free warning(s) ignored\n", forgiven
	exit bad
}' "$log"
