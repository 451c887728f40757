# SPDX-License-Identifier: GPL-2.0
#
# nbbs under debug kernels: KCSAN with lockdep and DEBUG_ATOMIC_SLEEP, and
# KASAN with kmemleak, DEBUG_VM and SLUB debug.  Both are small x86_64
# kernels built from Debian's linux-source-6.12 (tinyconfig plus
# scripts/debug/base.config plus scripts/debug/<flavour>.config) and
# cached in build/debug-kernel/<flavour>-<hash>; the modules are built
# against them and tested under qemu (scripts/debug/check.sh).
#
#   make check-debug          both flavours (KTAP)
#   make check-debug-kcsan    one flavour (also check-debug-kasan)
#   make debug-kernels        only build (or find cached) both kernels
#   make debug-clean          remove the cached kernels and their source
#
# DEBUG_CPUS (vCPUs, default 2), DEBUG_MEM (MiB, 1024), DEBUG_TIMEOUT (s
# per boot, 900) and DEBUG_APPEND (kernel command line; KEY=VALUE words
# reach the guest script, e.g. DEBUG_STRESS_MS=1000) tune the boots.  An
# uncached kernel takes several minutes on 2 cores; the build runs with
# make -j$(nproc) (DEBUG_KERNEL_JOBS overrides).

DEBUG_FLAVOURS := kcsan kasan

.PHONY: check-debug debug-kernels debug-clean $(DEBUG_FLAVOURS:%=check-debug-%)

check-debug: deps
	scripts/debug/check.sh $(DEBUG_FLAVOURS)

$(DEBUG_FLAVOURS:%=check-debug-%): check-debug-%: deps
	scripts/debug/check.sh $*

debug-kernels: deps
	for f in $(DEBUG_FLAVOURS); do scripts/debug/kernel.sh $$f || exit 1; done

debug-clean:
	rm -rf $(BUILD)/debug-kernel
