# SPDX-License-Identifier: GPL-2.0
#
# The core's sources, for every userspace build (user.mk, fuzz.mk, the
# mutation lane); Kbuild lists the same for the module.  Included first.

# The allocator, top layer first (nbbs_internal.h).
NBBS_CORE_SRCS := nbbs_core.c nbbs_hot.c nbbs_scan.c nbbs_protocol.c
# The encodings, which nbbs_protocol.c includes (not compiled on their own).
NBBS_CORE_INCLUDED := nbbs_tree.c nbbs_packed.c
# Only in builds with -DNBBS_FAULT_INJECT.
NBBS_FAULT_SRCS := nbbs_fault.c
# The workloads and the overlap checker that the userspace stress test and
# benchmark share with the kernel's stress tester (nbbs_stress.ko).
NBBS_WORKLOAD_SRCS := nbbs_workload.c
