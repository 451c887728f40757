#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=dash  # busybox ash in the guest: POSIX plus local
#
# Guest script of `make vm-shell`: a root shell in the test VM, for poking
# at nbbs by hand.  Leaving the shell powers the VM off.
cat <<'EOT'
nbbs test VM.  The modules are in /nbbs (and installed for modprobe):
    insmod /nbbs/nbbs.ko [size=64M min_block=4096 max_order=10 backing=auto]
    insmod /nbbs/nbbs_sample.ko
    insmod /nbbs/nbbs_stress.ko [run="backend=nbbs workload=rand ms=1000"]
                                     the stress tester: nbbs/stress/run, result
    cd /sys/kernel/debug/nbbs; cat config stats free
    /kselftest/nbbs/nbbs.sh          the kselftest (with nbbs unloaded)
    modprobe test_nbbs               the in-kernel tests
exit (or Ctrl-D) powers off; Ctrl-A X quits qemu at once.
EOT
# cttyhack gives the shell a controlling terminal, so Ctrl-C works.
setsid cttyhack sh -l
