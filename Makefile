# SPDX-License-Identifier: GPL-2.0
#
# nbbs top-level Makefile.
#
#   make            build nbbs.ko, nbbs_stress.ko, test_nbbs.ko and the sample client
#   make run        build, boot Debian's kernel under qemu, load, stress, print debugfs
#   make check      every test: lint, docs, userspace (plain, TSan, ASan+UBSan),
#                   benchmark smoke, SPIN model, VM on 6.1 and 6.12, the
#                   fault-injection build in the VM
#   make user       build/user/libnbbs.a and build/user/include/ (the core in userspace)
#   make bench      userspace and VM benchmarks, CSV, plots and ratio tables in bench/
#   make docs       render Documentation/ with Sphinx into build/docs/html
#   make install    modules_install + depmod for the kernel of KDIR (see dkms.conf)
#   make vm-shell   a root shell in the test VM with the modules ready
#
# KDIR is the kernel build tree to compile against: the running kernel's when
# it has one, otherwise the Debian headers of KVER (Debian 12's 6.1 kernel).

KVER ?= $(shell ls -1 /usr/src 2>/dev/null | sed -n 's/^linux-headers-\(6\.1\.[0-9.-]*-amd64\)$$/\1/p' | sort -V | tail -n 1)
KDIR ?= $(firstword $(wildcard /lib/modules/$(shell uname -r)/build) /usr/src/linux-headers-$(KVER))
BUILD := $(CURDIR)/build

# Exported to the steps of make check, which run after `deps` installed the
# headers: a value computed before that (empty, or a missing tree) is not
# passed on, so that each step looks again.
export BUILD
ifneq ($(KVER),)
export KVER
endif
ifneq ($(wildcard $(KDIR)/Makefile),)
export KDIR
endif

.PHONY: all modules clean deps check check-deps
all: modules

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	rm -rf $(BUILD)/user $(BUILD)/vm

# Install the Debian packages the build and the tests need (idempotent).
deps:
	scripts/deps.sh

check-deps: deps
	@echo "ok 1 build and test dependencies installed"

# Every test, each step counted; ends with "N passed, N failed, N skipped".
check:
	scripts/check.sh

# Each test lane lives in its own fragment: user, vm, lint, ...
include $(sort $(wildcard mk/*.mk))
