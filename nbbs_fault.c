// SPDX-License-Identifier: GPL-2.0
/*
 * nbbs - fault injection, built only into test builds (make
 * NBBS_FAULT_INJECT=y; -DNBBS_FAULT_INJECT in userspace).  See nbbs_fault.h.
 *
 * The knobs of nbbs.ko: the module parameter fault_alloc_nth (fail the n-th
 * allocation of init) and, in /sys/kernel/debug/nbbs/,
 * fault_cas_fail_permille, fault_cas_delay_permille and fault_alloc_nth
 * (Documentation/nbbs.rst, "debugfs").
 */
#define pr_fmt(fmt) "nbbs: " fmt

#include <linux/atomic.h>
#include <linux/export.h>
#include <linux/kernel.h>
#include <linux/printk.h>
#include <linux/processor.h>
#ifdef MODULE
#include <linux/debugfs.h>
#include <linux/moduleparam.h>
#endif

#include "nbbs_fault.h"

#ifndef NBBS_FAULT_INJECT
#error "only for builds with -DNBBS_FAULT_INJECT (make NBBS_FAULT_INJECT=y)"
#endif

unsigned int nbbs_fault_fail_permille;
unsigned int nbbs_fault_delay_permille;
static atomic_t nbbs_fault_seq;

/* Delay and/or fail this CAS, at the rates set in debugfs or by the tests. */
bool nbbs_fault_cas(void)
{
	unsigned int fail = READ_ONCE(nbbs_fault_fail_permille);
	unsigned int delay = READ_ONCE(nbbs_fault_delay_permille);
	unsigned int i;
	u32 x;

	if (!fail && !delay)
		return false;
	/* A hashed sequence: cheap, lock-free, good enough to spread faults. */
	x = (u32)atomic_inc_return_relaxed(&nbbs_fault_seq) * 2654435761u;
	x ^= x >> 15;
	if (x % 1000 < delay)
		for (i = 0; i < 1000; i++)
			cpu_relax();
	return (x >> 10) % 1000 < fail;
}

atomic_t nbbs_fault_alloc_nth;
EXPORT_SYMBOL_GPL(nbbs_fault_alloc_nth);	/* for test_nbbs.ko */

/* Count an allocation; true for the one that nbbs_fault_alloc_nth picked. */
bool nbbs_fault_alloc(void)
{
	int n = atomic_read(&nbbs_fault_alloc_nth);

	/* Relaxed: a test sets the count before the allocations it aims at. */
	while (n > 0)
		if (atomic_try_cmpxchg_relaxed(&nbbs_fault_alloc_nth, &n, n - 1))
			return n == 1;
	return false;
}

#ifdef MODULE
static int nbbs_param_fault_alloc_nth;
module_param_named(fault_alloc_nth, nbbs_param_fault_alloc_nth, int, 0444);
MODULE_PARM_DESC(fault_alloc_nth,
		 "Fault injection: fail the n-th allocation of init (arena, then pool metadata); 0: off (default 0)");

/* Arm nbbs_fault_alloc_nth for init, before it allocates anything. */
int nbbs_fault_init_begin(void)
{
	if (nbbs_param_fault_alloc_nth < 0) {
		pr_err("fault_alloc_nth=%d: must be 0 (off) or the number of the allocation to fail\n",
		       nbbs_param_fault_alloc_nth);
		return -EINVAL;
	}
	atomic_set(&nbbs_fault_alloc_nth, nbbs_param_fault_alloc_nth);
	return 0;
}

/*
 * Init is over, with @ret: drop what is left of the count, so that it
 * cannot fail a later pool (a stress run's), and say whether the injected
 * failure happened.  The count reaches 0 exactly when it did.
 */
void nbbs_fault_init_end(int ret)
{
	int left = atomic_xchg(&nbbs_fault_alloc_nth, 0);

	if (nbbs_param_fault_alloc_nth <= 0 || left)
		return;
	if (ret)
		pr_err("fault_alloc_nth=%d: allocation %d of init failed on purpose, init fails with %d\n",
		       nbbs_param_fault_alloc_nth, nbbs_param_fault_alloc_nth, ret);
	else
		pr_info("fault_alloc_nth=%d: allocation %d of init failed on purpose, init recovered\n",
			nbbs_param_fault_alloc_nth, nbbs_param_fault_alloc_nth);
}

/* Above this, a CAS retry loop could spin for very long, or forever. */
#define NBBS_FAULT_FAIL_MAX	900

static int fault_fail_get(void *data, u64 *val)
{
	*val = READ_ONCE(nbbs_fault_fail_permille);
	return 0;
}

static int fault_fail_set(void *data, u64 val)
{
	if (val > NBBS_FAULT_FAIL_MAX) {
		pr_err("fault_cas_fail_permille=%llu: at most %u, so that a CAS retried still succeeds\n",
		       val, NBBS_FAULT_FAIL_MAX);
		return -EINVAL;
	}
	WRITE_ONCE(nbbs_fault_fail_permille, val);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(fault_fail_fops, fault_fail_get, fault_fail_set, "%llu\n");

static int fault_delay_get(void *data, u64 *val)
{
	*val = READ_ONCE(nbbs_fault_delay_permille);
	return 0;
}

static int fault_delay_set(void *data, u64 val)
{
	if (val > 1000) {
		pr_err("fault_cas_delay_permille=%llu: at most 1000 (per mille)\n", val);
		return -EINVAL;
	}
	WRITE_ONCE(nbbs_fault_delay_permille, val);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(fault_delay_fops, fault_delay_get, fault_delay_set, "%llu\n");

static int fault_nth_get(void *data, u64 *val)
{
	*val = atomic_read(&nbbs_fault_alloc_nth);
	return 0;
}

static int fault_nth_set(void *data, u64 val)
{
	s64 n = val;

	if (n < 0 || n > INT_MAX) {
		pr_err("fault_alloc_nth=%lld: must be 0 (off) to %d\n", n, INT_MAX);
		return -EINVAL;
	}
	atomic_set(&nbbs_fault_alloc_nth, n);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE_SIGNED(fault_nth_fops, fault_nth_get, fault_nth_set, "%lld\n");

/* The debugfs files of fault injection, in nbbs.ko's directory @dir. */
void nbbs_fault_debugfs(struct dentry *dir)
{
	debugfs_create_file_unsafe("fault_cas_fail_permille", 0644, dir, NULL,
				   &fault_fail_fops);
	debugfs_create_file_unsafe("fault_cas_delay_permille", 0644, dir, NULL,
				   &fault_delay_fops);
	debugfs_create_file_unsafe("fault_alloc_nth", 0644, dir, NULL,
				   &fault_nth_fops);
}
#endif /* MODULE */
