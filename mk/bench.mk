# SPDX-License-Identifier: GPL-2.0
#
# Benchmarks of nbbs against the same tree under a lock (see bench/README.md):
#
#   make bench              bench-user, then bench-vm where a fragment defines
#                           it (mk/bench-vm.mk), then bench-report
#   make bench-user         the native userspace matrix, bench/user.csv, and
#                           the arena-size sweep, bench/arena.csv
#   make bench-report       PNG plots in bench/ and the ratio table
#                           (bench/ratios.txt) from whatever CSVs exist
#   make bench-quick        a short matrix with the overlap check on, printed
#   make check-bench-smoke  every workload x backend for 50 ms, overlaps fail
#
# None of these is a pass/fail timing test.  Each experiment of the matrix
# runs BENCH_REPEAT times for BENCH_MS milliseconds, the fastest is kept;
# BENCH_THREADS sets the thread counts.
#
# Included by the top Makefile, which exports BUILD.  Built like the
# userspace tests (mk/user.mk): gcc -O2, no sanitizers, its own libnbbs.a.

BENCH_BIN := $(BUILD)/user/bench_nbbs_core
BENCH_DIR := bench
BENCH_MS ?= 120
BENCH_REPEAT ?= 3
BENCH_THREADS ?= 1,2,4

.PHONY: bench-build bench bench-user bench-report bench-quick check-bench-smoke

# The core as the benchmark runs it: one thread per emulated CPU, so the
# shim's this_cpu operations cost what the kernel's do (no lock prefix).
BENCH_FLAGS := -O2 -DNBBS_USER_PCPU_OWNED

$(BENCH_BIN): user/bench_nbbs_core.c $(BUILD)/user/bench/libnbbs.a $(BUILD)/user/.include-stamp
	$(USER_CC) $(USER_CFLAGS) $(BENCH_FLAGS) $< $(BUILD)/user/bench/libnbbs.a -o $@

bench-build: $(BENCH_BIN)

bench-user: $(BENCH_BIN)
	BENCH=$(BENCH_BIN) BENCH_MS=$(BENCH_MS) BENCH_REPEAT=$(BENCH_REPEAT) \
		BENCH_THREADS=$(BENCH_THREADS) \
		scripts/bench/user.sh $(BENCH_DIR)

bench-report:
	mkdir -p $(BENCH_DIR)
	scripts/bench/plot.sh $(BENCH_DIR)
	scripts/bench/ratios.sh $(BENCH_DIR) | tee $(BENCH_DIR)/ratios.txt

# bench-vm belongs to the VM lane; it is run when some fragment defines it.
bench:
	$(MAKE) bench-user
	@if $(MAKE) -n bench-vm >/dev/null 2>&1; then \
		$(MAKE) bench-vm; \
	else \
		echo "bench: no bench-vm target: plotting the VM results already in $(BENCH_DIR)/, if any"; \
	fi
	$(MAKE) bench-report

bench-quick: $(BENCH_BIN)
	$(BENCH_BIN) --quick --threads=1,2 --order=0,3

check-bench-smoke: $(BENCH_BIN)
	$(BENCH_BIN) --smoke
