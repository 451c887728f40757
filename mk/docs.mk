# SPDX-License-Identifier: GPL-2.0
#
# The documentation, rendered as the kernel renders its own:
#
#   make docs         Documentation/ as HTML in build/docs/html, with the
#                     API pulled from the sources by kernel-doc
#   make check-docs   the same; any Sphinx or kernel-doc warning fails
#
# Uses Debian's python3-sphinx and, from linux-source-6.12 (extracted into
# build/ksrc by scripts/ksrc.sh), the kernel's Sphinx extensions
# (Documentation/sphinx) and scripts/kernel-doc.  Nothing of the kernel is
# copied into the repository.

DOCS_OUT := $(BUILD)/docs
SPHINXBUILD ?= sphinx-build

.PHONY: docs check-docs

# -W: warnings are errors; -n: every reference must resolve; -E: reread all
# sources, so a warning is reported on every run, not only the first.
docs:
	@command -v $(SPHINXBUILD) >/dev/null || scripts/deps.sh
	ksrc=$$(scripts/ksrc.sh) && \
	NBBS_KSRC=$$ksrc $(SPHINXBUILD) -b html -W --keep-going -n -E -q \
		-d $(DOCS_OUT)/doctrees Documentation $(DOCS_OUT)/html
	@echo "docs: $(DOCS_OUT)/html/index.html"

check-docs:
	@echo "TAP version 13"
	@echo "1..1"
	@if $(MAKE) --no-print-directory docs; then \
		echo "ok 1 docs render without warnings"; \
	else echo "not ok 1 docs render without warnings"; exit 1; fi
