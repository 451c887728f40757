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
 * @backing: where its memory comes from: "pages", "contig", "vmalloc" or
 *           "phys"
 * @backing_requested: what the backing= parameter asked: "auto" or one of
 *                     those
 * @hot: the pool keeps hot blocks per CPU (NBBS_POOL_HOT)
 * @node: NUMA node of the memory, or NUMA_NO_NODE
 * @map_page_size: smallest page size of the memory's mapping, 0: unknown
 * @cache: how the memory is mapped: "wb" (write-back) or "wc"
 *
 * The strings are static; @pool must outlive nbbs_debugfs_exit().
 */
struct nbbs_debugfs_pool {
	struct nbbs_pool *pool;
	const char *backing;
	const char *backing_requested;
	bool hot;
	int node;
	unsigned long map_page_size;
	const char *cache;
};

void nbbs_debugfs_init(const struct nbbs_debugfs_pool *pool);
void nbbs_debugfs_exit(void);

#endif /* _NBBS_MODULE_H */
