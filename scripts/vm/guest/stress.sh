# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=dash  # busybox ash in the guest: POSIX plus local
#
# Run nbbs's debugfs stress tester once, if it is there, and show what it
# reports.  Sourced-free helper: `sh /guest/stress.sh`, nbbs loaded.
# Exit status: the stress run's (non-zero when the write to run failed).
DBG=/sys/kernel/debug/nbbs/stress

if [ ! -e $DBG/run ]; then
	echo "# no $DBG/run: this nbbs has no stress tester"
	exit 4
fi
for f in "$DBG"/*; do
	[ -f "$f" ] && [ -r "$f" ] && [ "$f" != $DBG/run ] &&
		echo "# $(basename "$f"): $(tr '\n' ' ' <"$f")"
done
echo "# starting the stress run"
if echo 1 >$DBG/run; then rc=0; else rc=1; fi
[ -r $DBG/run ] && sed 's/^/# /' $DBG/run
exit $rc
