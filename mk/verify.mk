# SPDX-License-Identifier: GPL-2.0
#
# Model checking of the lock-free protocol of nbbs_core.c with SPIN.
#
#   make check-model        every configuration of verify/check-model.sh
#                           (about a minute on 2 cores, < 1 GB); fails on
#                           any error
#   make check-model-full   adds the 3-CPU run (about 3 minutes, 3 GB)
#
# Logs, pan sources and trails go to $(BUILD)/model/<configuration>/.

.PHONY: check-model check-model-full

check-model:
	verify/check-model.sh "" $(BUILD)/model

check-model-full:
	verify/check-model.sh full $(BUILD)/model
