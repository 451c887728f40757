# SPDX-License-Identifier: GPL-2.0
#
# The core's sources, for every userspace build (user.mk, fuzz.mk, the
# mutation lane); Kbuild lists the same for the module.  Included first.

# The packed layout needs 64-bit words: the -m32 build leaves it out.
NBBS_CORE_SRCS := nbbs_core.c nbbs_packed.c
# Only in builds with -DNBBS_FAULT_INJECT.
NBBS_FAULT_SRCS := nbbs_fault.c
# The workloads and the overlap checker that the userspace stress test and
# benchmark share with the kernel's stress tester (nbbs_stress.ko).
NBBS_WORKLOAD_SRCS := nbbs_workload.c
