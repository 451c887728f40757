# SPDX-License-Identifier: GPL-2.0
#
# Installing the modules into a kernel's module tree, as a user keeps them:
#
#   make install     modules_install of nbbs.ko, nbbs_stress.ko, test_nbbs.ko and the
#                    sample client into /lib/modules/<release>/extra of the
#                    kernel that KDIR belongs to (the running kernel's by
#                    default), then depmod, so that `modprobe nbbs` works
#   make uninstall   remove them again, then depmod
#
# INSTALL_MOD_PATH=<dir> installs under <dir> instead of / (packaging).
# To keep the module across kernel updates, use dkms.conf instead:
#   cp -r . /usr/src/nbbs-0.1 && dkms install nbbs/0.1

# The release the modules were built for, e.g. 6.1.0-56-amd64, from the
# vermagic of nbbs.ko (Debian's 6.1 headers say 6.1.x in kernel.release);
# evaluated when a recipe runs, after `modules` built nbbs.ko.
KRELEASE = $(or $(shell modinfo -F vermagic nbbs.ko 2>/dev/null | cut -d' ' -f1),$(shell uname -r))
NBBS_MODDIR = $(INSTALL_MOD_PATH)/lib/modules/$(KRELEASE)/extra

.PHONY: install uninstall

install: modules
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules_install
	depmod -a $(if $(INSTALL_MOD_PATH),-b $(INSTALL_MOD_PATH)) $(KRELEASE)

uninstall:
	rm -f $(NBBS_MODDIR)/nbbs.ko* $(NBBS_MODDIR)/nbbs_stress.ko* \
		$(NBBS_MODDIR)/test_nbbs.ko* \
		$(NBBS_MODDIR)/samples/nbbs_sample.ko*
	depmod -a $(if $(INSTALL_MOD_PATH),-b $(INSTALL_MOD_PATH)) $(KRELEASE)
