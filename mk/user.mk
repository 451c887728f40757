# SPDX-License-Identifier: GPL-2.0
#
# The nbbs core in userspace: nbbs_core.c, unchanged, built against the
# kernel-header shim in user/include/ (see user/README.md).
#
#   make user              build/user/libnbbs.a and build/user/include/
#   make check-user-test   unit and stress tests, built with gcc and clang
#                          (-O2), the example built with the documented
#                          command line, and the deterministic interleavings
#                          (user/interleave_nbbs_core.c, core built with
#                          -DNBBS_HOOKS)
#   make check-user-tsan   the same tests under ThreadSanitizer
#   make check-user-asan   the same tests under AddressSanitizer + UBSan
#   make check-user-m32    the unit and stress tests built with -m32
#
# Included by the top Makefile, which exports BUILD.  Test programs print
# KTAP; scripts/check.sh counts their "ok N" / "not ok N" lines.

USER_OUT := $(BUILD)/user
USER_INC := $(USER_OUT)/include

USER_CC ?= gcc
USER_CLANG ?= clang

# The kernel's own warning set (-Wall -Wextra, minus what Kbuild turns off
# below W=2/W=3), plus the declarations it insists on; all as errors.
USER_WARN := -Wall -Wextra -Werror -Wundef -Wstrict-prototypes \
	-Wmissing-prototypes -Wmissing-declarations \
	-Wno-sign-compare -Wno-unused-parameter -Wno-missing-field-initializers \
	-Wno-type-limits -Wno-shift-negative-value
# Kernel code generation assumptions that C code may rely on.
USER_CFLAGS := -std=gnu11 -g -pthread -fno-strict-aliasing -fno-strict-overflow \
	-I$(USER_INC) $(USER_WARN)

USER_TSAN := -O1 -fsanitize=thread
USER_ASAN := -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=all

USER_HDRS := nbbs_core.h nbbs_internal.h nbbs_fault.h nbbs_workload.h \
	$(NBBS_CORE_INCLUDED) $(wildcard user/include/*.h user/include/linux/*.h)
USER_LIB_SRCS := $(NBBS_CORE_SRCS) user/nbbs_user.c user/nbbs_user_task.c \
	user/default_pool.c $(NBBS_WORKLOAD_SRCS)
# test_nbbs: the in-kernel test module, test_nbbs.c, loaded by user/test_nbbs_main.c.
USER_TESTS := test_nbbs test_nbbs_core stress_nbbs_core
USER_TEST_DEPS := user/nbbs_test.h user/test_layout.h

export TSAN_OPTIONS ?= halt_on_error=0 second_deadlock_stack=1 exitcode=66
export ASAN_OPTIONS ?= detect_leaks=1:abort_on_error=1:strict_string_checks=1
export UBSAN_OPTIONS ?= print_stacktrace=1:halt_on_error=1

.PHONY: user user-clean check-user-test check-user-tsan check-user-asan \
	check-user-m32 user-m32

user: $(USER_OUT)/libnbbs.a $(USER_OUT)/.include-stamp

user-clean:
	rm -rf $(USER_OUT)

# build/user/include: nbbs_core.h beside the shim, as a program sees them;
# nbbs_workload.h for the test programs.
$(USER_OUT)/.include-stamp: $(USER_HDRS)
	rm -rf $(USER_INC)
	mkdir -p $(USER_INC)/linux
	cp nbbs_core.h nbbs_workload.h user/include/*.h $(USER_INC)/
	cp user/include/linux/*.h $(USER_INC)/linux/
	touch $@

# $(call user_variant,name,out-dir,compiler,extra flags[,library sources])
define user_variant
$(2)/obj/%.o: %.c $(USER_OUT)/.include-stamp
	@mkdir -p $$(dir $$@)
	$(3) $(USER_CFLAGS) $(4) -c $$< -o $$@

$(2)/libnbbs.a: $(addprefix $(2)/obj/,$(patsubst %.c,%.o,$(or $(5),$(USER_LIB_SRCS))))
	rm -f $$@
	ar rcs $$@ $$^

$(2)/%: $(2)/obj/user/%.o $(2)/libnbbs.a
	$(3) $(USER_CFLAGS) $(4) $$< $(2)/libnbbs.a -o $$@

$(2)/obj/user/test_nbbs_core.o $(2)/obj/user/stress_nbbs_core.o: $(USER_TEST_DEPS)
$(2)/obj/user/test_nbbs_main.o: $(USER_TEST_DEPS)

# The module's object, named as Kbuild names it, and its "insmod".
$(2)/obj/test_nbbs.o: test_nbbs.c $(USER_OUT)/.include-stamp
	@mkdir -p $$(dir $$@)
	$(3) $(USER_CFLAGS) $(4) -DKBUILD_MODNAME=\"test_nbbs\" -c $$< -o $$@
$(2)/test_nbbs: $(2)/obj/test_nbbs.o $(2)/obj/user/test_nbbs_main.o $(2)/libnbbs.a
	$(3) $(USER_CFLAGS) $(4) $$^ -o $$@

user-$(1): $(addprefix $(2)/,$(USER_TESTS))
endef

$(eval $(call user_variant,gcc,$(USER_OUT),$(USER_CC),-O2))
$(eval $(call user_variant,clang,$(USER_OUT)/clang,$(USER_CLANG),-O2))
$(eval $(call user_variant,tsan,$(USER_OUT)/tsan,$(USER_CLANG),$(USER_TSAN)))
# The core with fault injection (nbbs_fault.h): conflicts on purpose.
$(eval $(call user_variant,inject,$(USER_OUT)/inject,$(USER_CC),-O2 -DNBBS_FAULT_INJECT,$(USER_LIB_SRCS) $(NBBS_FAULT_SRCS)))
$(eval $(call user_variant,inject-tsan,$(USER_OUT)/inject-tsan,$(USER_CLANG),$(USER_TSAN) -DNBBS_FAULT_INJECT,$(USER_LIB_SRCS) $(NBBS_FAULT_SRCS)))
$(eval $(call user_variant,tsan-gcc,$(USER_OUT)/tsan-gcc,$(USER_CC),$(USER_TSAN)))
$(eval $(call user_variant,asan,$(USER_OUT)/asan,$(USER_CC),$(USER_ASAN)))
$(eval $(call user_variant,asan-clang,$(USER_OUT)/asan-clang,$(USER_CLANG),$(USER_ASAN)))
# 32-bit (-m32, gcc-multilib): both layouts, on the 64-bit atomics of a
# 32-bit CPU (cmpxchg8b).
$(eval $(call user_variant,m32,$(USER_OUT)/m32,$(USER_CC),-O2 -m32))

# The deterministic interleavings: the core's NBBS_HOOK() points call the test.
$(eval $(call user_variant,hooks,$(USER_OUT)/hooks,$(USER_CC),-O2 -DNBBS_HOOKS))
$(USER_OUT)/hooks/obj/user/interleave_nbbs_core.o: $(USER_TEST_DEPS)
# The benchmark's: one thread per emulated CPU, this_cpu ops without lock (percpu.h).
$(eval $(call user_variant,bench,$(USER_OUT)/bench,$(USER_CC),-O2 -DNBBS_USER_PCPU_OWNED))

# Injected faults: 300/1000 CAS fail, 100/1000 are delayed.
USER_FAULTS := NBBS_FAULT_FAIL=300 NBBS_FAULT_DELAY=100

# Every layout, with and without per-CPU hot blocks (user/test_layout.h).
USER_LAYOUTS ?= tree packed tree-hot packed-hot

# Run every test program given, even after a failure; fail if any failed.
# Programs built with fault injection (inject*/) run with $(USER_FAULTS).
user_run = rc=0; for t in $(1); do for v in $(USER_LAYOUTS); do \
	case $$t in */inject*/*) f="$(USER_FAULTS)";; *) f=;; esac; \
	echo "\# $$t ($$v) $$f"; env NBBS_LAYOUT=$$v $$f $(2) $$t || rc=1; \
	done; done; exit $$rc

# The documented way to use the library, compiled exactly so.
$(USER_OUT)/example: user/example.c user
	cc -I$(USER_INC) user/example.c $(USER_OUT)/libnbbs.a -lpthread -o $@

check-user-test: user user-gcc user-clang user-inject $(USER_OUT)/example \
		$(USER_OUT)/hooks/interleave_nbbs_core
	@rc=0; echo "# $(USER_OUT)/hooks/interleave_nbbs_core"; \
	$(USER_OUT)/hooks/interleave_nbbs_core || rc=1; \
	($(call user_run,$(addprefix $(USER_OUT)/,$(USER_TESTS)) \
		$(addprefix $(USER_OUT)/clang/,$(USER_TESTS)) $(USER_OUT)/example \
		$(addprefix $(USER_OUT)/inject/,$(USER_TESTS)))) || rc=1; exit $$rc

# The 32-bit build, every layout.  A host kernel without 32-bit execution
# (IA32 emulation off, as in some micro-VMs) builds the tests and skips
# running them, saying so: a skip, not a pass.
check-user-m32: user-m32
	@printf 'int main(void) { return 0; }\n' | \
		$(USER_CC) -m32 -x c - -o $(USER_OUT)/m32/exec-probe && \
	if ! $(USER_OUT)/m32/exec-probe 2>/dev/null; then \
		echo "ok 1 32-bit tests # SKIP this kernel cannot execute 32-bit programs (built, not run)"; \
		exit 0; \
	fi; \
	$(call user_run,$(addprefix $(USER_OUT)/m32/,$(USER_TESTS)))

check-user-tsan: user-tsan user-tsan-gcc user-inject-tsan
	@$(call user_run,$(addprefix $(USER_OUT)/tsan/,$(USER_TESTS)) \
		$(addprefix $(USER_OUT)/tsan-gcc/,$(USER_TESTS)) \
		$(USER_OUT)/inject-tsan/stress_nbbs_core)

check-user-asan: user-asan user-asan-clang
	@$(call user_run,$(addprefix $(USER_OUT)/asan/,$(USER_TESTS)) \
		$(addprefix $(USER_OUT)/asan-clang/,$(USER_TESTS)))
