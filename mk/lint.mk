# SPDX-License-Identifier: GPL-2.0
#
# Style and static checks, as the kernel applies them:
#
#   make check-build-w1   the modules with W=1 and sparse (C=1), warnings fail
#   make check-lint       checkpatch --strict and kernel-doc on every source
#
# checkpatch and kernel-doc come from Debian's linux-source-6.12, extracted
# into build/ksrc by scripts/ksrc.sh.

LINT_SOURCES = $(sort $(wildcard *.c *.h samples/*.c samples/*.h user/*.c user/*.h))

.PHONY: check-build-w1 check-lint

check-build-w1:
	rm -rf $(BUILD)/lint/$(KVER)
	mkdir -p $(BUILD)/lint
	scripts/vm/build-kmod.sh $(KVER) $(CURDIR) $(BUILD)/lint/$(KVER) W=1 C=1 \
		>$(BUILD)/lint/build-$(KVER).log 2>&1; rc=$$?; \
		cat $(BUILD)/lint/build-$(KVER).log; [ $$rc -eq 0 ]
	@if grep -E 'warning:|error:' $(BUILD)/lint/build-$(KVER).log; then \
		echo "check-build-w1: warnings above"; exit 1; fi
	@echo "ok 1 build W=1 C=1 against $(KVER): no warnings"

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
