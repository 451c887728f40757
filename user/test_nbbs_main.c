// SPDX-License-Identifier: GPL-2.0
/*
 * test_nbbs in userspace: the in-kernel test module, test_nbbs.c, compiled
 * unchanged against the shim and loaded here as insmod would load it.
 *
 *   build/user/test_nbbs [name=value ...]
 *
 * Arguments are the module's parameters (stress_threads, stress_ops,
 * race_rounds, seed, layout).  $NBBS_LAYOUT picks the layout, as for every
 * userspace test (user/test_layout.h), and $NBBS_SEED the seed; arguments
 * win.  Unless given, the stress test runs 8 threads of 20000 operations:
 * the module's default of two threads per online CPU would be 128 threads
 * over the shim's 64 CPUs.
 *
 * As nbbs.ko does before any client loads, the core is set up first (its
 * CPU hotplug callback, which remove_cpu() runs) and the default pool is
 * built.  The module reports to the kernel log ("test_nbbs: ok 1 ..."),
 * which is the shim's printk() here; this program reads it as the VM
 * lanes read dmesg (scripts/vm/guest/check.sh) and prints KTAP on stdout:
 * the module's results, its other lines as comments, and three results of
 * its own, as the VM lanes judge a load:
 *   - the module loads: its init returns 0;
 *   - one invalid-free WARN per "EXPECTED WARNING" marker the module
 *     printed, and no other WARN (scripts/vm/scan-dmesg.sh);
 *   - nothing the module allocated is left once it is unloaded (kmemleak).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nbbs_user.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include "nbbs_core.h"
#include "../nbbs_internal.h"	/* nbbs_core_init(), as nbbs.ko calls it */
#include "test_layout.h"	/* fault injection rates of the inject build */

#define PREFIX		"test_nbbs: "
#define MARKER		"EXPECTED WARNING: nbbs: invalid free"

static int results;
static int failures;
static int markers;
static int summary_passed = -1;
static int summary_failed = -1;

/* Every message of the kernel log: keep those of test_nbbs, as KTAP. */
static void log_line(int level, const char *msg)
{
	int passed, failed;
	size_t len;

	len = strcspn(msg, "\n");
	if (strncmp(msg, PREFIX, strlen(PREFIX))) {
		if (level <= 3)	/* nbbs's errors; its warnings are expected */
			printf("# %.*s\n", (int)len, msg);
		return;
	}
	msg += strlen(PREFIX);
	len -= strlen(PREFIX);
	if (!strncmp(msg, "ok ", 3)) {
		results++;
	} else if (!strncmp(msg, "not ok ", 7)) {
		results++;
		failures++;
	} else {
		if (!strncmp(msg, MARKER, strlen(MARKER)))
			markers++;
		if (sscanf(msg, "%d tests passed, %d failed", &passed, &failed) == 2) {
			summary_passed = passed;
			summary_failed = failed;
		}
		printf("# ");
	}
	printf("%.*s\n", (int)len, msg);
	fflush(stdout);
}

static void result(bool ok, const char *fmt, ...) __printf(2, 3);

static void result(bool ok, const char *fmt, ...)
{
	va_list ap;

	results++;
	failures += !ok;
	printf("%sok %d ", ok ? "" : "not ", results);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

static void set_param(const char *name, const char *val, const char *from)
{
	int err = nbbs_user_param_set(name, val);

	if (err) {
		fprintf(stderr, "test_nbbs: %s: %s=%s: %s\n", from, name, val,
			strerror(-err));
		exit(2);
	}
	printf("# %s=%s (%s)\n", name, val, from);
}

int main(int argc, char **argv)
{
	unsigned long warnings;
	long live;
	int i, ret;

	printf("TAP version 13\n");
	set_param("stress_threads", "8", "default here");
	set_param("stress_ops", "20000", "default here");
	set_param("model_ops", "20000", "default here");
	if (getenv("NBBS_LAYOUT") && *getenv("NBBS_LAYOUT"))
		set_param("layout", getenv("NBBS_LAYOUT"), "$NBBS_LAYOUT");
	if (getenv("NBBS_SEED") && *getenv("NBBS_SEED"))
		set_param("seed", getenv("NBBS_SEED"), "$NBBS_SEED");
	for (i = 1; i < argc; i++) {
		char *eq = strchr(argv[i], '=');

		if (!eq) {
			fprintf(stderr, "usage: %s [name=value ...]\n", argv[0]);
			return 2;
		}
		*eq = '\0';
		set_param(argv[i], eq + 1, "argument");
	}

	/* "nbbs.ko": the hotplug callback and the default pool. */
	if (nbbs_core_init() || !nbbs_default_pool()) {
		printf("Bail out! nbbs could not be set up\n");
		return 1;
	}
	live = nbbs_user_allocs_live();
	warnings = nbbs_user_warnings();

	nbbs_user_log = log_line;
	nbbs_user_console_loglevel = 0;	/* the log is printed above */
	ret = nbbs_user_module_init();
	if (!ret)
		nbbs_user_module_exit();
	nbbs_user_log = NULL;

	result(!ret && summary_failed == 0 && summary_passed == results - failures,
	       "test_nbbs loads: init returned %d, the module counted %d passed, %d failed",
	       ret, summary_passed, summary_failed);
	warnings = nbbs_user_warnings() - warnings;
	result(warnings == (unsigned long)markers,
	       "one invalid-free WARN per marker: %lu WARNs, %d markers",
	       warnings, markers);
	result(nbbs_user_allocs_live() == live,
	       "nothing left allocated after unloading: %ld allocations",
	       nbbs_user_allocs_live() - live);
	printf("1..%d\n# %d passed, %d failed\n", results, results - failures,
	       failures);
	nbbs_core_exit();
	return failures ? 1 : 0;
}
