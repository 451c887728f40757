# SPDX-License-Identifier: GPL-2.0
#
# A long run of the stress tests, not part of `make check`:
#
#   make soak      SOAK_TIME seconds (default 600): the userspace stress
#                  test on both layouts, then the in-kernel stress tester in
#                  the VM (every workload, both layouts) when qemu and the
#                  KVER kernel are there (SOAK_VM=0: userspace only).
#                  Prints operations, overlaps and lost blocks; fails unless
#                  both are 0 (scripts/soak.sh, logs in build/soak/)

SOAK_TIME ?= 600
SOAK_VM ?= 1

.PHONY: soak

soak:
	@SOAK_TIME=$(SOAK_TIME) SOAK_VM=$(SOAK_VM) scripts/soak.sh
