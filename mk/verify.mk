# SPDX-License-Identifier: GPL-2.0
#
# Model checking with SPIN: the lock-free protocol of nbbs_protocol.c in
# both encodings (verify/protocol.pml, LEVELS=1 tree and LEVELS=3 packed)
# and the hot blocks of NBBS_POOL_HOT pools (verify/hot.pml).
#
#   make check-model        the drift check (verify/drift.sh: has the C code
#                           of a model changed since the model was last
#                           revisited?) and every configuration of
#                           verify/check-model.sh, two at a time (about 2.5
#                           minutes on 2 cores, < 2 GB); fails on any error ("not ok
#                           ... # TODO" lines are known holes, reported but
#                           not failures)
#   make check-model-full   adds tree-width8-3cpu, tree-stray-free-anyleaf and
#                           hot-mask-nested-irq (a few minutes more)
#   make check-drift        the drift check alone
#
# Logs, pan sources and trails go to $(BUILD)/model/<configuration>/.

.PHONY: check-model check-model-full check-drift

# verify/check-model.sh runs verify/drift.sh as its test 2 (one KTAP stream).
check-model:
	verify/check-model.sh "" $(BUILD)/model

check-model-full:
	verify/check-model.sh full $(BUILD)/model

check-drift:
	verify/drift.sh
