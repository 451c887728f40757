# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=dash  # busybox ash in the guest: POSIX plus local
#
# Show nbbs's debugfs stress tester at work (`make run`): the same short
# experiment on each backend, then every result line.  Run as
# `sh /guest/stress.sh` with nbbs.ko and nbbs_stress.ko loaded.  Exit status: 0 when every run
# succeeded and reported no overlap, stamp error, misplaced or leaked
# block.
DBG=/sys/kernel/debug/nbbs/stress
rc=0

if [ ! -e $DBG/run ]; then
	echo "# no $DBG/run: nbbs_stress.ko is not loaded, or did not find nbbs's debugfs directory"
	exit 1
fi
echo "# $DBG/run takes one line of key=value words:"
sed 's/^/#   /' $DBG/run
for b in nbbs spinlock pages genpool; do
	line="backend=$b workload=rand threads=$(($(nproc) * 2)) order=3 ms=300"
	echo "\$ echo \"$line\" >$DBG/run"
	echo "$line" >$DBG/run || rc=1
done
echo "\$ cat $DBG/result"
cat $DBG/result
grep -vq 'overlaps=0 stamp_errors=0 misplaced=0 leaked=0' $DBG/result && rc=1
exit $rc
