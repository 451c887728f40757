# SPDX-License-Identifier: GPL-2.0
#
# Fuzzing and line coverage of the nbbs core in userspace (user/README.md).
#
#   make check-fuzz   build the libFuzzer harness (user/fuzz_nbbs_core.c,
#                     clang -fsanitize=fuzzer,address,undefined) and run it
#                     for FUZZ_CHECK_TIME seconds (default 45) on a copy of
#                     the corpus user/fuzz-corpus/; KTAP, fails on any crash
#   make fuzz         the same for FUZZ_TIME seconds (default 600), new
#                     inputs kept in build/fuzz/corpus/
#   make fuzz-merge   minimize user/fuzz-corpus/ plus build/fuzz/corpus/
#                     back into user/fuzz-corpus/ (libFuzzer -merge=1,
#                     edges only: -use_counters=0 keeps it to a few dozen)
#   make coverage     the core, unit tests, stress test, a replay of the
#                     fuzz corpus and user/coverage_nbbs_core.c built with
#                     gcc --coverage, run on both layouts; gcov's line
#                     coverage of nbbs_core.c and nbbs_packed.c, and the
#                     lines never run (build/cov/*.gcov has the rest)
#
# Included by the top Makefile before user.mk: rules name $(BUILD)/user
# directly, and USER_* variables are used in recipes only.

FUZZ_OUT := $(BUILD)/fuzz
COV_OUT := $(BUILD)/cov
FUZZ_CHECK_TIME ?= 45
FUZZ_TIME ?= 600
FUZZ_CORPUS := user/fuzz-corpus
FUZZ_SRCS := $(NBBS_CORE_SRCS) $(NBBS_FAULT_SRCS) user/nbbs_user.c user/nbbs_user_task.c \
	user/default_pool.c $(NBBS_WORKLOAD_SRCS)
# Fault injection built in: inputs choose how many of the core's CASes fail.
FUZZ_SAN = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=all -DNBBS_FAULT_INJECT
# stderr closed: the refused frees WARN there.  ASan/UBSan reports and
# libFuzzer's own lines still come out (libFuzzer keeps a copy of stderr).
FUZZ_FLAGS = -max_len=512 -close_fd_mask=2 -print_final_stats=1 \
	-artifact_prefix=$(FUZZ_OUT)/ -timeout=20 -rss_limit_mb=1024

.PHONY: check-fuzz fuzz fuzz-merge coverage

# Rebuilt when the flags here or the core's headers change.
FUZZ_DEPS := $(BUILD)/user/.include-stamp mk/fuzz.mk nbbs_internal.h nbbs_fault.h nbbs_core.h \
	$(NBBS_CORE_INCLUDED)

$(FUZZ_OUT)/obj/%.o: %.c $(FUZZ_DEPS)
	@mkdir -p $(dir $@)
	$(USER_CLANG) $(USER_CFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer-no-link -c $< -o $@


$(FUZZ_OUT)/fuzz_nbbs_core: $(addprefix $(FUZZ_OUT)/obj/,$(FUZZ_SRCS:.c=.o) \
		user/fuzz_nbbs_core.o)
	$(USER_CLANG) $(USER_CFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer $^ -o $@

# $(call fuzz_run,seconds,corpus dir): run, then judge the log.
define fuzz_run
	@mkdir -p $(2); cp -n $(FUZZ_CORPUS)/* $(2)/; \
	log=$(FUZZ_OUT)/fuzz.log; \
	echo "# fuzz_nbbs_core for $(1) s on $(2) ($$(ls $(2) | wc -l) inputs), log $$log"; \
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	$(FUZZ_OUT)/fuzz_nbbs_core $(FUZZ_FLAGS) -max_total_time=$(1) $(2) \
		>$$log 2>&1; rc=$$?; \
	execs=$$(sed -n 's/^stat::number_of_executed_units: *//p' $$log); \
	cov=$$(grep -E '^#[0-9]+.*(DONE|pulse|NEW|REDUCE)' $$log | tail -n 1 | \
		sed -n 's/.* cov: \([0-9]*\).*/\1/p'); \
	if [ $$rc -eq 0 ] && [ -n "$$execs" ]; then \
		echo "ok 1 fuzz nbbs core: $$execs executions, $${cov:-?} edges, no crash"; \
	else \
		grep -E 'check failed|pool:|ERROR|SUMMARY|runtime error|Test unit written' $$log | head -n 20; \
		echo "not ok 1 fuzz nbbs core: crash or failure (exit $$rc, $${execs:-?} executions)"; \
		exit 1; \
	fi
endef

check-fuzz: $(FUZZ_OUT)/fuzz_nbbs_core
	@rm -rf $(FUZZ_OUT)/check-corpus
	$(call fuzz_run,$(FUZZ_CHECK_TIME),$(FUZZ_OUT)/check-corpus)

fuzz: $(FUZZ_OUT)/fuzz_nbbs_core
	$(call fuzz_run,$(FUZZ_TIME),$(FUZZ_OUT)/corpus)

fuzz-merge: $(FUZZ_OUT)/fuzz_nbbs_core
	mkdir -p $(FUZZ_OUT)/corpus $(FUZZ_CORPUS)
	rm -rf $(FUZZ_OUT)/merged && mkdir -p $(FUZZ_OUT)/merged
	$(FUZZ_OUT)/fuzz_nbbs_core -merge=1 -use_counters=0 -close_fd_mask=2 \
		$(FUZZ_OUT)/merged \
		$(FUZZ_CORPUS) $(FUZZ_OUT)/corpus
	rm -f $(FUZZ_CORPUS)/* && cp $(FUZZ_OUT)/merged/* $(FUZZ_CORPUS)/
	@echo "# $(FUZZ_CORPUS): $$(ls $(FUZZ_CORPUS) | wc -l) inputs"

# ---- coverage ----

# The core has fault injection built in, off unless a program turns it on:
# the tests built with -DNBBS_FAULT_INJECT (inject/) read the rates from
# NBBS_FAULT_FAIL/NBBS_FAULT_DELAY, the fuzz replay from its inputs.
COV_FLAGS = -O0 --coverage
COV_FAULTS := NBBS_FAULT_FAIL=300 NBBS_FAULT_DELAY=100
COV_PROGS := test_nbbs test_nbbs_core stress_nbbs_core fuzz_replay coverage_nbbs_core \
	inject/test_nbbs inject/test_nbbs_core inject/stress_nbbs_core
COV_STRESS_SECONDS ?= 1
COV_FILES := $(NBBS_CORE_SRCS)

$(COV_OUT)/obj/%.o: %.c $(FUZZ_DEPS)
	@mkdir -p $(dir $@)
	$(USER_CC) $(USER_CFLAGS) $(COV_FLAGS) -c $< -o $@

$(addprefix $(COV_OUT)/obj/,$(COV_FILES:.c=.o) $(NBBS_FAULT_SRCS:.c=.o)) $(COV_OUT)/obj/user/fuzz_replay.o \
$(COV_OUT)/obj/user/coverage_nbbs_core.o \
$(COV_OUT)/obj/user/inject/%.o: COV_FLAGS += -DNBBS_FAULT_INJECT
$(COV_OUT)/obj/user/fuzz_replay.o: COV_FLAGS += -DNBBS_FUZZ_MAIN

$(COV_OUT)/obj/user/fuzz_replay.o: user/fuzz_nbbs_core.c $(FUZZ_DEPS)
	@mkdir -p $(dir $@)
	$(USER_CC) $(USER_CFLAGS) $(COV_FLAGS) -c $< -o $@

$(COV_OUT)/obj/user/inject/%.o: user/%.c $(FUZZ_DEPS)
	@mkdir -p $(dir $@)
	$(USER_CC) $(USER_CFLAGS) $(COV_FLAGS) -c $< -o $@

$(COV_OUT)/obj/user/test_nbbs_core.o $(COV_OUT)/obj/user/stress_nbbs_core.o \
$(COV_OUT)/obj/user/inject/test_nbbs_core.o $(COV_OUT)/obj/user/inject/stress_nbbs_core.o \
$(COV_OUT)/obj/user/coverage_nbbs_core.o: user/nbbs_test.h user/test_layout.h

$(COV_OUT)/libnbbs.a: $(addprefix $(COV_OUT)/obj/,$(FUZZ_SRCS:.c=.o))
	rm -f $@
	ar rcs $@ $^

# test_nbbs: the in-kernel test module and its loader (mk/user.mk).
$(COV_OUT)/obj/test_nbbs.o $(COV_OUT)/obj/user/inject/test_nbbs.o: test_nbbs.c $(FUZZ_DEPS)
	@mkdir -p $(dir $@)
	$(USER_CC) $(USER_CFLAGS) $(COV_FLAGS) -DKBUILD_MODNAME=\"test_nbbs\" -c $< -o $@
$(COV_OUT)/obj/user/test_nbbs_main.o $(COV_OUT)/obj/user/inject/test_nbbs_main.o: \
	user/nbbs_test.h user/test_layout.h
$(COV_OUT)/test_nbbs: $(COV_OUT)/obj/test_nbbs.o $(COV_OUT)/obj/user/test_nbbs_main.o \
		$(COV_OUT)/libnbbs.a
	$(USER_CC) $(USER_CFLAGS) $(COV_FLAGS) $^ -o $@
$(COV_OUT)/inject/test_nbbs: $(COV_OUT)/obj/user/inject/test_nbbs.o \
		$(COV_OUT)/obj/user/inject/test_nbbs_main.o $(COV_OUT)/libnbbs.a
	@mkdir -p $(dir $@)
	$(USER_CC) $(USER_CFLAGS) $(COV_FLAGS) $^ -o $@

$(COV_OUT)/%: $(COV_OUT)/obj/user/%.o $(COV_OUT)/libnbbs.a
	@mkdir -p $(dir $@)
	$(USER_CC) $(USER_CFLAGS) $(COV_FLAGS) $< $(COV_OUT)/libnbbs.a -o $@

# Each program on both layouts (the replay picks layouts from its inputs),
# then one gcov summary per core file and the lines never executed.
coverage: $(addprefix $(COV_OUT)/,$(COV_PROGS))
	@find $(COV_OUT) -name '*.gcda' -delete; rc=0; \
	for tv in test_nbbs:tree test_nbbs:packed test_nbbs:tree-hot test_nbbs:packed-hot \
		  test_nbbs_core:tree test_nbbs_core:packed \
		  test_nbbs_core:tree-hot test_nbbs_core:packed-hot \
		  stress_nbbs_core:tree stress_nbbs_core:packed \
		  stress_nbbs_core:tree-hot stress_nbbs_core:packed-hot coverage_nbbs_core:both \
		  inject/test_nbbs:tree:inject inject/test_nbbs:packed:inject \
		  inject/test_nbbs_core:tree:inject inject/test_nbbs_core:packed:inject \
		  inject/stress_nbbs_core:tree:inject inject/stress_nbbs_core:packed:inject \
		  inject/stress_nbbs_core:packed-hot:inject; do \
		t=$${tv%%:*}; v=$${tv#*:}; f=$${v#*:}; v=$${v%%:*}; \
		[ "$$f" = inject ] || f=; [ $$v = both ] && v=; \
		log=$(COV_OUT)/$$(echo $$t | tr / -)-$${v:-both}.log; \
		echo "# $$t ($${v:-both layouts}$${f:+, CAS faults injected})"; \
		env $${f:+$(COV_FAULTS)} NBBS_LAYOUT=$$v NBBS_STRESS_SECONDS=$(COV_STRESS_SECONDS) \
			$(COV_OUT)/$$t >$$log 2>&1 || \
			{ echo "# $$t FAILED, see $$log"; rc=1; }; \
		grep -E '^(not ok|# [0-9]+ passed)' $$log; \
	done; \
	if out=$$($(COV_OUT)/fuzz_replay $(FUZZ_CORPUS) 2>/dev/null); then \
		echo "ok 1 fuzz corpus replay: $$(echo "$$out" | tail -n 1 | sed 's/^# fuzz corpus replay: //')"; \
	else echo "$$out" | tail -n 5; echo "not ok 1 fuzz corpus replay"; rc=1; fi; \
	n=1; for f in $(COV_FILES); do \
		n=$$((n + 1)); \
		gcov -t -o $(COV_OUT)/obj $$f 2>/dev/null | \
			awk -v f=$$f '/^ *-: *0:Source:/ { keep = ($$0 ~ (":Source:" f "$$")) } keep' \
			>$(COV_OUT)/$$f.gcov; \
		set -- $$(gcov -n -o $(COV_OUT)/obj $$f 2>/dev/null | \
			sed -n "/^File '$$f'/{n;s/^Lines executed:\([0-9.]*\)% of \([0-9]*\)/\1 \2/p;}"); \
		echo "# $$f: $$1% of $$2 lines; not executed:"; \
		grep -E '^ *#####:' $(COV_OUT)/$$f.gcov | sed 's/^ *#####: *\([0-9]*\):/#   \1:/'; \
		if awk "BEGIN { exit !($$1 >= 95) }"; then \
			echo "ok $$n coverage $$f: $$1% of $$2 lines"; \
		else echo "not ok $$n coverage $$f: $$1% of $$2 lines, want 95%"; rc=1; fi; \
	done; exit $$rc
