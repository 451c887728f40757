/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nbbs - internal interface between the module glue (nbbs_main.c) and the
 * debugfs files (nbbs_debugfs.c).  Not for other modules: they use
 * nbbs_core.h.
 */
#ifndef _NBBS_MODULE_H
#define _NBBS_MODULE_H

#include <linux/types.h>

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

void nbbs_debugfs_init(const struct nbbs_arena *arena);
void nbbs_debugfs_exit(void);

#endif /* _NBBS_MODULE_H */
