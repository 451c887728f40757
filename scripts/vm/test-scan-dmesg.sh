#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Unit test of scripts/vm/scan-dmesg.sh: feeds it made-up kernel logs and
# checks which it accepts.  Prints KTAP.  The logs follow the shape of a
# real WARN() report from the 6.1 and 6.12 kernels.
set -u
scan=$(dirname "$0")/scan-dmesg.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
failed=0

begin='[    4.50] nbbs-vm: expect invalid-free WARN begin'
mark='[    4.53] test_nbbs: EXPECTED WARNING: nbbs: invalid free'
end='[    4.60] nbbs-vm: expect invalid-free WARN end'

# warn MESSAGE FUNCTION: a WARN() block as the kernel prints it.
warn() {
	cat <<EOT
[    4.54] ------------[ cut here ]------------
[    4.54] $1
[    4.54] WARNING: CPU: 2 PID: 111 at nbbs_core.c:10 $2
[    4.54] Modules linked in: test_nbbs(OE+) nbbs(OE)
[    4.54] CPU: 2 PID: 111 Comm: insmod Tainted: G           OE      6.1.0-56-amd64 #1
[    4.54] RIP: 0010:nbbs_free+0x2d/0x40 [nbbs]
[    4.54] Call Trace:
[    4.54]  <TASK>
[    4.54]  t_init+0x12/0x1000 [test_nbbs]
[    4.54]  </TASK>
[    4.54] ---[ end trace 0000000000000000 ]---
EOT
}
good_warn() {
	echo "$mark"
	warn "nbbs: invalid free of 0000000000001234 (offset 0x40)" \
		"nbbs_free+0x2d/0x40 [nbbs]"
}

# expect NAME WANT: run the scan over $tmp/log; WANT is 0 (clean) or 1.
expect() {
	local got

	"$scan" "$tmp/log" >"$tmp/out" 2>&1
	got=$?
	n=$((n + 1))
	if [ "$got" -eq "$2" ]; then
		echo "ok $n scan-dmesg: $1"
	else
		echo "not ok $n scan-dmesg: $1 (exit $got, wanted $2)"
		sed 's/^/# /' "$tmp/out"
		failed=1
	fi
}

echo "TAP version 13"
echo "1..22"

printf '[    0.00] Linux version 6.1\n[    1.00] all fine\n' >"$tmp/log"
expect "a clean log passes" 0

{ echo "$begin"; good_warn; echo "$end"; } >"$tmp/log"
expect "the invalid-free WARN inside its window is forgiven" 0

{ good_warn; } >"$tmp/log"
expect "the invalid-free WARN outside a window fails" 1

{ echo "$begin"; echo "$mark"; warn "refcount_t: underflow" "refcount_warn_saturate+0x1/0x2"; echo "$end"; } >"$tmp/log"
expect "another WARN inside the window fails" 1

{ echo "$begin"; echo "$mark"; warn "nbbs: invalid free of 0x1" "kfree+0x1/0x2"; echo "$end"; } >"$tmp/log"
expect "the message from outside nbbs fails" 1

{ echo "$begin"; good_warn | sed '/Call Trace/i [    4.54] BUG: unable to handle page fault'; echo "$end"; } >"$tmp/log"
expect "a BUG inside a forgiven block fails" 1

{ echo "$begin"; good_warn | sed '/end trace/d'; echo "$end"; } >"$tmp/log"
expect "a block without its end fails" 1

{ echo "$begin"; good_warn | sed '/Modules linked/a [    4.54] ------------[ cut here ]------------'; echo "$end"; } >"$tmp/log"
expect "a block nested in a forgiven one fails" 1

{ echo "$begin"; good_warn; echo "$end"; echo '[    9.00] BUG: soft lockup - CPU#1 stuck for 22s!'; } >"$tmp/log"
expect "a soft lockup after the window fails" 1

{ echo "$begin"; good_warn | sed '/EXPECTED/d'; echo "$end"; } >"$tmp/log"
expect "the WARN without its test's marker fails" 1

{ echo "$begin"; good_warn; good_warn | sed '/EXPECTED/d'; echo "$end"; } >"$tmp/log"
expect "two WARNs after one marker fail" 1

printf '[    1.00] =====\n[    1.00] BUG kmalloc-64 (Tainted: G O): Right Redzone overwritten\n' >"$tmp/log"
expect "a SLUB debug report fails" 1

# The debug kernels' reports (make check-debug).
printf '[    2.00] ====\n[    2.00] BUG: KCSAN: data-race in nbbs_alloc [nbbs] / nbbs_free [nbbs]\n' >"$tmp/log"
expect "a KCSAN report fails" 1

printf '[    2.00] ====\n[    2.00] BUG: KASAN: slab-use-after-free in nbbs_free+0x1/0x2 [nbbs]\n' >"$tmp/log"
expect "a KASAN report fails" 1

printf '[    2.00] ======\n[    2.00] WARNING: possible circular locking dependency detected\n' >"$tmp/log"
expect "a lockdep report fails" 1

printf '[    2.00] INFO: lockdep is turned off.\n' >"$tmp/log"
expect "lockdep turning itself off fails" 1

printf '[    2.00] kmemleak: Kernel memory leak detector disabled\n' >"$tmp/log"
expect "kmemleak disabling itself fails" 1

# The kernel's own workqueue tick race (6.12 KCSAN), as the debug lane met it.
wq_race() {
	cat <<EOT
[  259.97] ==================================================================
[  259.97] BUG: KCSAN: data-race in wq_worker_tick+0xc5/0x162
[  259.97] 
[  259.97] race at unknown origin, with read to 0xffff888009410120 of 8 bytes by interrupt on cpu 0:
[  259.97]  $1
[  259.97]  sched_tick+0x17c/0x19e
[  259.97]  nbbs_alloc+0x39/0x42a [nbbs]
[  259.97] 
[  259.97] value changed: 0x00000001d447aafe -> 0x00000001d44820ee
[  259.97] 
[  259.97] Reported by Kernel Concurrency Sanitizer on:
[  259.97] ==================================================================
EOT
}
wq_race "wq_worker_tick+0xc5/0x162" >"$tmp/log"
expect "the workqueue tick's KCSAN race of unknown origin is forgiven" 0

wq_race "nbbs_free+0x1/0x2 [nbbs]" >"$tmp/log"
expect "a wq_worker_tick report whose first frame is nbbs fails" 1

wq_race "wq_worker_tick+0xc5/0x162" | sed 's/race at unknown origin, with read/read-write/' >"$tmp/log"
expect "a wq_worker_tick report with a known other side fails" 1

{ wq_race "wq_worker_tick+0xc5/0x162"; printf '[  260.00] BUG: KCSAN: data-race in nbbs_alloc [nbbs] / nbbs_free [nbbs]\n'; } >"$tmp/log"
expect "a KCSAN report after the forgiven one fails" 1

{ echo "$begin"; echo "$mark"
  warn "nbbs: invalid free of 0x1" "nbbs_free+0x2d/0x40 [nbbs]" | sed '/Modules linked/q'
  wq_race "wq_worker_tick+0xc5/0x162"
  warn "nbbs: invalid free of 0x1" "nbbs_free+0x2d/0x40 [nbbs]" | sed '1,/Modules linked/d'
  echo "$end"; } >"$tmp/log"
expect "the workqueue tick's race inside an expected WARN is forgiven, the WARN too" 0

exit $failed
