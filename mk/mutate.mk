# SPDX-License-Identifier: GPL-2.0
#
# Mutation testing of the core's concurrency decisions:
#
#   make check-mutate                  every mutant of verify/mutants.txt
#   make check-mutate MUTANTS="a b"    only those
#
# Each mutant is applied to a copy of the core in build/mutate/<name>/ and
# the userspace unit and stress tests (mk/user.mk's flags, plain and with
# fault injection, every layout the mutant names) run against it, each
# under MUTATE_TIMEOUT seconds, until one fails.  KTAP: "ok N mutant <name>
# killed by <run>: <first failed test>"; "not ok" when a mutant survives,
# no longer applies or does not compile, or when the unmutated copy fails.
# Run logs in build/mutate/<name>/.  About 5 minutes on two busy cores.

MUTANTS ?=
MUTATE_JOBS ?= 2
MUTATE_TIMEOUT ?= 60
MUTATE_STRESS_SECONDS ?= 1.5

.PHONY: check-mutate

# mk/user.mk is read after this file: name its include directory in full.
check-mutate: $(BUILD)/user/.include-stamp
	@MUTATE_CC='$(USER_CC)' MUTATE_CFLAGS='$(USER_CFLAGS) -O2' \
	MUTATE_INJECT='-DNBBS_FAULT_INJECT' MUTATE_FAULTS='$(USER_FAULTS)' \
	MUTATE_CORE_SRCS='$(NBBS_CORE_SRCS)' MUTATE_FAULT_SRCS='$(NBBS_FAULT_SRCS)' \
	MUTATE_CORE_INCLUDED='$(NBBS_CORE_INCLUDED)' \
	MUTATE_LAYOUTS='$(USER_LAYOUTS)' MUTATE_TIMEOUT='$(MUTATE_TIMEOUT)' \
	MUTATE_JOBS='$(MUTATE_JOBS)' MUTATE_STRESS_SECONDS='$(MUTATE_STRESS_SECONDS)' \
	python3 scripts/mutate.py verify/mutants.txt $(MUTANTS)
