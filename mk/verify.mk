# SPDX-License-Identifier: GPL-2.0
#
# Model checking of the lock-free protocol of nbbs_core.c with SPIN: the
# tree (verify/nbbs.pml) and the hot blocks of NBBS_POOL_HOT pools
# (verify/hot.pml).
#
#   make check-model        every configuration of verify/check-model.sh
#                           (about two minutes on 2 cores, < 1.5 GB); fails
#                           on any error ("not ok ... # TODO" lines are
#                           known holes, reported but not failures)
#   make check-model-full   adds the 3-CPU tree run (about 3 minutes, 3 GB)
#
# Logs, pan sources and trails go to $(BUILD)/model/<configuration>/.

.PHONY: check-model check-model-full

check-model:
	verify/check-model.sh "" $(BUILD)/model

check-model-full:
	verify/check-model.sh full $(BUILD)/model
