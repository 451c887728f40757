# SPDX-License-Identifier: GPL-2.0
#
# nbbs in a real kernel: build the modules for a Debian kernel, boot that
# kernel under qemu (TCG: no KVM here) with a busybox initramfs, run a
# guest script.  Included by the top Makefile, which exports KVER (the
# Debian 6.1 kernel) and BUILD.  The modules never load into the host.
#
#   make run                   build for 6.1, boot with 4 CPUs, load nbbs,
#                              run the sample client, load the stress
#                              tester (nbbs_stress.ko) and run it, print
#                              the debugfs files
#   make check-vm-check        every VM test on 6.1 (KTAP; see
#                              scripts/vm/guest/check.sh)
#   make check-vm-check-6.12   the same on Debian's 6.12 backport kernel
#   make check-vm-inject       the fault-injection build (NBBS_FAULT_INJECT=y,
#                              in build/kmod/<KVER>-inject) on 6.1: failed
#                              allocations at init, test_nbbs, stress runs
#                              with CAS faults (scripts/vm/inject-check.sh)
#   make vm-shell              a root shell in the VM (6.1), modules ready
#   make vm-kmod[-6.12]        only build the modules, in build/kmod/<KVER>
#   make vm-clean              remove build/kmod, build/vm and build/ksft
#
# Logs of each boot: build/vm/<KVER>/<name>.log (console) and .dmesg (the
# guest's kernel log).  VM_CPUS, VM_MEM (MiB) and VM_TIMEOUT (s) tune the
# guest; VM_APPEND adds to its kernel command line.

# Debian 12's 6.12 backport, found like KVER.  Recursively expanded, so a
# recipe that runs after `deps` installed the headers sees them.
KVER_612 ?= $(shell ls -1 /usr/src 2>/dev/null | sed -n 's/^linux-headers-\(6\.12\.[0-9.]*+deb12-amd64\)$$/\1/p' | sort -V | tail -n 1)

VM_CPUS ?= 4
VM_MEM ?= 1024
VM_TIMEOUT ?= 300
VM_APPEND ?=

vm_boot = scripts/vm/boot.sh -c $(VM_CPUS) -M $(VM_MEM) -t $(VM_TIMEOUT) \
	  $(if $(VM_APPEND),-a "$(VM_APPEND)")

# The check lanes boot with 16 MiB at 512 MiB reserved from the page
# allocator (an E820 "Reserved" range), for nbbs.ko backing=phys;
# check.sh finds the address on the kernel command line.  Single-quoted:
# the shell must pass the $ on.  They have 2 GiB: check.sh takes 256 MiB
# contig arenas after many loads, and in 1 GiB every 256 MiB window had
# come to hold an unmovable page once in four runs.
VM_CHECK_RESERVE = memmap=16M$$0x20000000
VM_CHECK_MEM ?= 2048
vm_boot_check = scripts/vm/boot.sh -c $(VM_CPUS) -M $(VM_CHECK_MEM) -t $(VM_TIMEOUT) \
	  -a '$(VM_CHECK_RESERVE) $(VM_APPEND)'

.PHONY: run vm-shell vm-kmod vm-kmod-6.12 check-vm-check check-vm-check-6.12 \
	check-vm-inject vm-clean

# Each kernel builds in its own copy of the sources (build/kmod/<KVER>).
vm-kmod: deps
	scripts/vm/build-kmod.sh "$(KVER)"

vm-kmod-6.12: deps
	scripts/vm/build-kmod.sh "$(KVER_612)"

run: vm-kmod
	$(vm_boot) -k "$(KVER)" scripts/vm/guest/run.sh

vm-shell: vm-kmod
	$(vm_boot) -i -k "$(KVER)" scripts/vm/guest/shell.sh

# The scan's own unit test first: a scan that lets reports through would
# make every boot below look clean.
check-vm-check: vm-kmod
	scripts/vm/test-scan-dmesg.sh
	$(vm_boot_check) -k "$(KVER)" scripts/vm/guest/check.sh

check-vm-check-6.12: vm-kmod-6.12
	$(vm_boot_check) -k "$(KVER_612)" scripts/vm/guest/check.sh

# Builds its own modules (NBBS_FAULT_INJECT=y) and takes VM_* itself.
check-vm-inject: deps
	VM_CPUS=$(VM_CPUS) VM_MEM=$(VM_MEM) VM_TIMEOUT=$(VM_TIMEOUT) \
		VM_APPEND="$(VM_APPEND)" scripts/vm/inject-check.sh "$(KVER)"

vm-clean:
	rm -rf $(BUILD)/kmod $(BUILD)/vm $(BUILD)/ksft
