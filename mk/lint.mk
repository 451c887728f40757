# SPDX-License-Identifier: GPL-2.0
#
# Style and static checks, as the kernel applies them:
#
#   make check-build-w1   the modules with W=1 and sparse (C=1), warnings fail
#   make check-lint       checkpatch --strict and kernel-doc on every source
#
# checkpatch and kernel-doc come from Debian's linux-source-6.12, extracted
# into build/ksrc by scripts/ksrc.sh.

LINT_SOURCES = $(sort $(filter-out %.mod.c,$(wildcard *.c *.h samples/*.c samples/*.h user/*.c user/*.h)))

.PHONY: check-build-w1 check-lint

# Both kernels nbbs supports: Debian 12's 6.1 and its 6.12 backport.
LINT_KVERS = $(KVER) $(KVER_612)

check-build-w1:
	@n=0; fail=0; mkdir -p $(BUILD)/lint; \
	for kv in $(LINT_KVERS); do \
		n=$$((n + 1)); log=$(BUILD)/lint/build-$$kv.log; \
		rm -rf $(BUILD)/lint/$$kv; \
		scripts/vm/build-kmod.sh $$kv $(CURDIR) $(BUILD)/lint/$$kv W=1 C=1 \
			>$$log 2>&1; rc=$$?; cat $$log; \
		if [ $$rc -ne 0 ] || grep -E 'warning:|error:' $$log; then \
			echo "not ok $$n build W=1 C=1 against $$kv"; fail=1; \
		else echo "ok $$n build W=1 C=1 against $$kv: no warnings"; fi; \
	done; exit $$fail

check-lint:
	@ksrc=$$(scripts/ksrc.sh) && fail=0 && n=0 && \
	for f in $(LINT_SOURCES); do \
		n=$$((n + 1)); \
		if $$ksrc/scripts/checkpatch.pl --strict --no-tree -q \
			-f $$f; then \
			echo "ok $$n checkpatch $$f"; \
		else echo "not ok $$n checkpatch $$f"; fail=1; fi; \
	done; \
	for f in $(filter-out user/%,$(LINT_SOURCES)); do \
		n=$$((n + 1)); \
		out=$$($$ksrc/scripts/kernel-doc -none -Wall $$f 2>&1); \
		if [ -z "$$out" ]; then echo "ok $$n kernel-doc $$f"; \
		else echo "$$out"; echo "not ok $$n kernel-doc $$f"; fail=1; fi; \
	done; \
	exit $$fail
