/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nbbs - the interface of the debugfs files (nbbs_debugfs.c) to the module
 * glue (nbbs_main.c).  The dependency is one way: nbbs_main.c calls
 * nbbs_debugfs_init() with what the files show, and nbbs_debugfs.c reads
 * nothing of nbbs_main.c.  Not for other modules: they use nbbs_core.h.
 */
#ifndef _NBBS_MODULE_H
#define _NBBS_MODULE_H

#include <linux/types.h>

struct nbbs_pool;

/**
 * struct nbbs_debugfs_pool - what /sys/kernel/debug/nbbs shows of a pool
 *                            beside what the pool says of itself
 * @pool: the pool
 * @backing: where its memory comes from: "pages" or "vmalloc"
 * @backing_requested: what the backing= parameter asked: "auto", "pages"
 *                     or "vmalloc"
 * @hot: the pool keeps hot blocks per CPU (NBBS_POOL_HOT)
 *
 * The strings are static; @pool must outlive nbbs_debugfs_exit().
 */
struct nbbs_debugfs_pool {
	struct nbbs_pool *pool;
	const char *backing;
	const char *backing_requested;
	bool hot;
};

void nbbs_debugfs_init(const struct nbbs_debugfs_pool *pool);
void nbbs_debugfs_exit(void);

#endif /* _NBBS_MODULE_H */
