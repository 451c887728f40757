# SPDX-License-Identifier: GPL-2.0
#
# The in-VM benchmark: the stress tester's matrix on Debian's 6.1 kernel
# under qemu at 1, 2, 4 and 8 vCPUs (scripts/vm/bench.sh), written to
# bench/results.csv (env=vm), the columns of bench/user.csv.
#
#   make bench-vm          the whole matrix: 560 runs, about 8 minutes under
#                          TCG on 2 host cores
#   make bench-vm BENCH_VM_VCPUS="4" BENCH_VM_MS=50
#                          a part of it
#
#   make bench-vm-backing  nbbs.ko's own pool over a contig, a huge-page
#                          vmalloc and a 4 KiB-page vmalloc arena of one
#                          size, touched blocks, in turns in one boot
#                          (scripts/vm/bench-backing.sh): bench/backing.csv
#
# The guest boots with init_on_alloc=0 (the pages backend is not charged
# for zeroing); timings under TCG compare backends with each other only.

BENCH_VM_VCPUS ?= 1 2 4 8
BENCH_VM_MS ?= 100
BENCH_VM_ARENA ?= 256M
BENCH_VM_CSV ?= bench/results.csv

.PHONY: bench-vm bench-vm-backing

bench-vm: vm-kmod
	BENCH_VCPUS="$(BENCH_VM_VCPUS)" BENCH_MS=$(BENCH_VM_MS) \
		BENCH_ARENA=$(BENCH_VM_ARENA) \
		scripts/vm/bench.sh "$(KVER)" $(BENCH_VM_CSV)

BENCH_VM_BACKING_CSV ?= bench/backing.csv
BENCH_VM_BACKING_MS ?= 200
# As many vCPUs as host cores: more would measure the host's scheduler.
BENCH_VM_BACKING_VCPUS ?= 2
BENCH_VM_BACKING_ROUNDS ?= 5

bench-vm-backing: vm-kmod
	BENCH_VCPUS=$(BENCH_VM_BACKING_VCPUS) BENCH_ROUNDS=$(BENCH_VM_BACKING_ROUNDS) \
	BENCH_MS=$(BENCH_VM_BACKING_MS) BENCH_ARENA=$(BENCH_VM_ARENA) \
		scripts/vm/bench-backing.sh "$(KVER)" $(BENCH_VM_BACKING_CSV)
