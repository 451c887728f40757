/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nbbs - internal interface between the module glue (nbbs_main.c) and the
 * debugfs files (nbbs_debugfs.c).  Not for other modules: they use
 * nbbs_core.h.
 */
#ifndef _NBBS_MODULE_H
#define _NBBS_MODULE_H

#include <linux/mmzone.h>
#include <linux/types.h>

struct dentry;
struct nbbs_pool;

/**
 * enum nbbs_backing - where the memory of the default pool comes from
 * @NBBS_BACKING_AUTO: pages when the arena fits the page allocator's largest
 *                     order, vmalloc otherwise (only ever requested, never
 *                     the backing actually in use)
 * @NBBS_BACKING_PAGES: one physically contiguous alloc_pages() block
 * @NBBS_BACKING_VMALLOC: virtually contiguous vmalloc() memory
 */
enum nbbs_backing {
	NBBS_BACKING_AUTO,
	NBBS_BACKING_PAGES,
	NBBS_BACKING_VMALLOC,
};

/**
 * struct nbbs_arena - the default pool and the memory under it
 * @pool: the pool built over @base
 * @base: first byte of the arena, aligned to @align
 * @mapping: vmalloc backing: what vmalloc returned, @base or below it
 * @size: bytes in the arena
 * @align: alignment the pool needs: its smallest block
 * @backing: the backing in use (pages or vmalloc, never auto)
 * @requested: the backing the module parameter asked for
 * @page_order: order of the alloc_pages() block, for pages backing only
 * @hot: the pool keeps hot blocks per CPU (module parameter hot=1)
 */
struct nbbs_arena {
	struct nbbs_pool *pool;
	void *base;
	void *mapping;
	size_t size;
	size_t align;
	enum nbbs_backing backing;
	enum nbbs_backing requested;
	unsigned int page_order;
	bool hot;
};

const char *nbbs_backing_name(enum nbbs_backing backing);
int nbbs_parse_bytes(const char *str, unsigned long long *bytes);

/*
 * The nbbs debugfs directory (/sys/kernel/debug/nbbs), valid between
 * nbbs_debugfs_init() and nbbs_debugfs_exit().  Other parts of the module
 * (the stress tester) add their files under it; it may be an ERR_PTR when
 * debugfs is unavailable, which the debugfs API accepts as a parent and
 * ignores.
 */
extern struct dentry *nbbs_debugfs_dir;

void nbbs_debugfs_init(const struct nbbs_arena *arena);
void nbbs_debugfs_exit(void);

/* The stress tester (nbbs_stress.c): /sys/kernel/debug/nbbs/stress. */
int nbbs_stress_check_param(void);
void nbbs_stress_init(void);
void nbbs_stress_exit(void);

/* --- compatibility with the kernels nbbs is built for (6.1 .. 6.12) --- */

/*
 * nbbs_max_page_order - the largest order alloc_pages() can serve.
 *
 * 6.8 renamed the limit MAX_PAGE_ORDER (inclusive).  Before 6.4 it was
 * MAX_ORDER, exclusive, as in 6.1.  6.4 to 6.7 have an inclusive MAX_ORDER;
 * there this answers one order less than possible, which is safe.
 */
static inline unsigned int nbbs_max_page_order(void)
{
#ifdef MAX_PAGE_ORDER
	return MAX_PAGE_ORDER;
#else
	return MAX_ORDER - 1;
#endif
}

#endif /* _NBBS_MODULE_H */
