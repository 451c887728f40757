/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nbbs - fault injection, for test builds only (make NBBS_FAULT_INJECT=y,
 * or -DNBBS_FAULT_INJECT in userspace): a chosen share of the tree's
 * compare-and-swaps is delayed or made to fail, so that retries, rollbacks
 * and the hand-over of a release's marks run often even on a machine with
 * two CPUs, and a chosen allocation of metadata fails, so that every
 * failure path of pool creation and module init runs in turn.  An injected
 * CAS failure leaves the expected value as it was, like a CAS that lost to
 * a write of the same value; every caller re-reads and decides again.
 *
 * Everything here compiles to nothing in other builds.  The kernel's own
 * should_fail() needs CONFIG_FAULT_INJECTION, which Debian's kernels lack.
 */
#ifndef _NBBS_FAULT_H
#define _NBBS_FAULT_H

#include <linux/atomic.h>
#include <linux/types.h>

struct dentry;

#ifdef NBBS_FAULT_INJECT
extern unsigned int nbbs_fault_fail_permille;
extern unsigned int nbbs_fault_delay_permille;
extern atomic_t nbbs_fault_alloc_nth;
bool nbbs_fault_cas(void);
bool nbbs_fault_alloc(void);
int nbbs_fault_init_begin(void);
void nbbs_fault_init_end(int ret);
void nbbs_fault_debugfs(struct dentry *dir);
#else
static inline bool nbbs_fault_cas(void)
{
	return false;
}

static inline bool nbbs_fault_alloc(void)
{
	return false;
}

static inline int nbbs_fault_init_begin(void)
{
	return 0;
}

static inline void nbbs_fault_init_end(int ret)
{
}

static inline void nbbs_fault_debugfs(struct dentry *dir)
{
}
#endif

/*
 * nbbs_meta_alloc - an allocation of the pool's metadata (or, in nbbs.ko,
 * of the arena): NULL without calling @expr when fault injection picked
 * it.  nbbs_fault_alloc_nth = n makes the n-th such allocation from then
 * on fail, so that every failure path of pool creation and module init
 * can be run in turn.
 */
#define nbbs_meta_alloc(expr)	(nbbs_fault_alloc() ? NULL : (expr))

#endif /* _NBBS_FAULT_H */
