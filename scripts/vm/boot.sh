#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot a Debian kernel under qemu (TCG) with the nbbs initramfs, run one
# guest script in it, and judge the result.
#
#   scripts/vm/boot.sh [options] GUEST_SCRIPT
#
#   -k KVER      kernel release to boot (/boot/vmlinuz-KVER); default $KVER
#   -K IMAGE     boot this kernel image instead of /boot/vmlinuz-KVER (a
#                kernel of KVER built elsewhere, e.g. scripts/debug/kernel.sh)
#   -m DIR       where build-kmod.sh put the modules;
#                default build/kmod/KVER
#   -n NAME      name of this run: logs go to build/vm/KVER/NAME.*;
#                default the script's name without .sh
#   -c CPUS      virtual CPUs (default 4)
#   -M MiB       guest memory (default 1024)
#   -t SECONDS   wall-clock limit on the host (default 300)
#   -a ARGS      extra kernel command line
#   -i           interactive: the console is this terminal (quit qemu with
#                Ctrl-A X), no time limit, no judgement of the result
#
# The console (first serial port) is shown on stdout, carriage returns
# removed, and saved to build/vm/KVER/NAME.log; the guest's whole kernel
# log arrives on the second serial port, saved to NAME.dmesg.  Both land
# there when the run ends (a running boot works in NAME.run.XXXXXX/).
#
# Exit status: the guest script's, unless the guest did not finish (hung
# past the limit, panicked, oopsed with oops=panic) or its kernel log holds
# a WARN, BUG or oops (scripts/vm/scan-dmesg.sh): then 1.
set -eu

# The whole script is one function, read before it runs: editing this file
# while a boot is in progress cannot change what the running copy does.
main() {
	top=$(realpath "$(dirname "$0")/../..")
	build=${BUILD:-$top/build}

	kver=${KVER:-}
	kmod=
	name=
	cpus=4
	mem=1024
	limit=300
	extra=
	interactive=
	vmlinuz=
	while getopts k:K:m:n:c:M:t:a:i opt; do
		case $opt in
		k) kver=$OPTARG ;;
		K) vmlinuz=$OPTARG ;;
		m) kmod=$OPTARG ;;
		n) name=$OPTARG ;;
		c) cpus=$OPTARG ;;
		M) mem=$OPTARG ;;
		t) limit=$OPTARG ;;
		a) extra=$OPTARG ;;
		i) interactive=1 ;;
		*) sed -n '4,22s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
		esac
	done
	shift $((OPTIND - 1))
	script=${1:?usage: boot.sh [options] GUEST_SCRIPT}
	[ -n "$kver" ] || { echo "boot.sh: no kernel release (-k or KVER)" >&2; exit 2; }
	kmod=${kmod:-$build/kmod/$kver}
	name=${name:-$(basename "$script" .sh)}

	vmlinuz=${vmlinuz:-/boot/vmlinuz-$kver}
	if [ ! -r "$vmlinuz" ]; then
		echo "boot.sh: $vmlinuz missing or unreadable (run make deps, as root)" >&2
		exit 1
	fi

	# Each boot works in a directory of its own, so two runs of the same lane
	# (a person and CI in one checkout) cannot write into each other's files;
	# the logs move to their stable names when the run ends.
	out=$build/vm/$kver
	mkdir -p "$out"
	work=$(mktemp -d "$out/$name.run.XXXXXX")
	trap 'rm -rf "$work"' EXIT
	initrd=$work/initrd.cpio.gz
	log=$work/console.log
	dmesg=$work/dmesg.log

	"$top/scripts/vm/mkinitramfs.sh" "$kver" "$kmod" "$script" "$initrd"

	# Kernel command line:
	#   console=ttyS0       everything on the first serial port
	#   loglevel=1          keep kernel messages off the console so that the
	#                       guest's KTAP lines stay whole; the full log is
	#                       collected from ttyS1 (oops and panic output still
	#                       shows: they raise the console level themselves)
	#   log_buf_len=8M      the log must not wrap before it is collected
	#   printk.devkmsg=on   the guest's /dev/kmsg markers are never rate-limited
	#   oops=panic panic=-1 an oops stops the guest at once; with -no-reboot
	#                       the panic's reboot ends qemu instead of hanging
	#   slub_debug=FZP page_poison=1
	#                       red zones, sanity checks and poisoning in the slab
	#                       and page allocators catch overruns and use after
	#                       free in nbbs's metadata (reported as BUG ...)
	append="console=ttyS0 loglevel=1 log_buf_len=8M printk.devkmsg=on"
	append+=" oops=panic panic=-1 slub_debug=FZP page_poison=1 $extra"

	if [ -n "$interactive" ]; then
		echo "boot.sh: booting $kver, $cpus CPUs, $mem MiB; Ctrl-A X quits"
		qemu-system-x86_64 \
			-accel tcg -smp "$cpus" -m "$mem" \
			-kernel "$vmlinuz" -initrd "$initrd" \
			-append "${append/loglevel=1/loglevel=4}" \
			-display none -no-reboot \
			-serial mon:stdio -serial "file:$dmesg"
		exit 0
	fi

	echo "boot.sh: booting $kver, $cpus CPUs, $mem MiB, limit ${limit}s: $name"
	start=$(date +%s)
	set +e
	# -serial stdio -serial file: the console on stdout, the kernel log in a
	# file.  timeout -k: if qemu ignores SIGTERM it is killed 10 s later.
	timeout -k 10 "$limit" qemu-system-x86_64 \
		-accel tcg -smp "$cpus" -m "$mem" \
		-kernel "$vmlinuz" -initrd "$initrd" -append "$append" \
		-display none -monitor none -no-reboot \
		-serial stdio -serial "file:$dmesg" \
		</dev/null 2>&1 | sed -u 's/\r$//' | tee "$log"
	qemu_rc=${PIPESTATUS[0]}
	set -e
	echo "boot.sh: qemu exited $qemu_rc after $(($(date +%s) - start))s"

	rc=$(sed -n 's/^nbbs-vm: exit \([0-9]\{1,\}\)$/\1/p' "$log" | tail -n 1)
	if [ "$qemu_rc" -eq 124 ] || [ "$qemu_rc" -eq 137 ]; then
		echo "boot.sh: FAIL: the guest ran past ${limit}s and was stopped"
		rc=1
	elif [ -z "$rc" ]; then
		echo "boot.sh: FAIL: the guest stopped before its end marker (panic?)"
		rc=1
	fi

	# Scan the full kernel log; when the guest died before sending it, the
	# console holds what there is (the panic output among it).
	scan=$dmesg
	[ -s "$scan" ] || scan=$log
	if ! "$top/scripts/vm/scan-dmesg.sh" "$scan"; then
		echo "boot.sh: FAIL: the kernel log has a WARN, BUG or oops (see below)"
		rc=1
	fi
	mv -f "$log" "$out/$name.log"
	mv -f "$dmesg" "$out/$name.dmesg"
	echo "boot.sh: logs in $out/$name.log and $out/$name.dmesg"
	exit "$rc"
}

main "$@"
