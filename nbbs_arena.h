/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nbbs - the memory under nbbs.ko's default pool (nbbs_arena.c), as the
 * module glue (nbbs_main.c) asks for it.  Not for other modules.
 */
#ifndef _NBBS_ARENA_H
#define _NBBS_ARENA_H

#include <linux/types.h>

/**
 * enum nbbs_backing - where the memory of the default pool comes from
 * @NBBS_BACKING_AUTO: pages when the arena fits the page allocator's largest
 *                     block, else contig, else vmalloc (only ever
 *                     requested, never the backing in use)
 * @NBBS_BACKING_PAGES: one alloc_pages() block: physically contiguous,
 *                      direct-mapped
 * @NBBS_BACKING_CONTIG: a range of any size taken with alloc_contig_range():
 *                       physically contiguous, direct-mapped
 * @NBBS_BACKING_VMALLOC: vmalloc memory, mapped with huge pages where it can
 *                        be: contiguous only in virtual addresses
 * @NBBS_BACKING_PHYS: a physical range outside the page allocator (reserved
 *                     at boot with memmap=, or persistent memory), mapped
 *                     with memremap() and never given to the page allocator
 * @NBBS_NR_BACKINGS: the number of values above
 */
enum nbbs_backing {
	NBBS_BACKING_AUTO,
	NBBS_BACKING_PAGES,
	NBBS_BACKING_CONTIG,
	NBBS_BACKING_VMALLOC,
	NBBS_BACKING_PHYS,
	NBBS_NR_BACKINGS
};

/**
 * struct nbbs_arena - the memory under the default pool
 *
 * What nbbs_arena_reserve() is asked for:
 * @size: bytes in the arena, a power of two
 * @align: alignment the pool needs: its smallest block
 * @requested: the backing= parameter
 * @node: NUMA node for pages and contig, or NUMA_NO_NODE: any, the local
 *        one first
 * @phys_addr: backing=phys: physical address of the range; else unused
 * @phys_wc: backing=phys: map write-combining instead of write-back
 * @huge: backing=vmalloc: map with huge pages where possible
 *
 * What it reserved:
 * @base: first byte of the arena, aligned to @align
 * @backing: the backing in use (never auto)
 * @page_order: pages backing: order of the alloc_pages() block
 * @mapping: vmalloc and phys backings: what vmalloc() or memremap()
 *           returned, @base or below it
 * @phys: physical address of @base, or NBBS_PHYS_NONE (vmalloc)
 * @nid: NUMA node of the memory, or NUMA_NO_NODE (vmalloc, phys)
 * @map_page_size: smallest page size the kernel maps the arena with, read
 *                 at load; 0 where nbbs cannot read it (not x86)
 */
struct nbbs_arena {
	size_t size;
	size_t align;
	enum nbbs_backing requested;
	int node;
	phys_addr_t phys_addr;
	bool phys_wc;
	bool huge;

	void *base;
	enum nbbs_backing backing;
	unsigned int page_order;
	void *mapping;
	phys_addr_t phys;
	int nid;
	unsigned long map_page_size;
};

const char *nbbs_backing_name(enum nbbs_backing backing);
int nbbs_backing_parse(const char *name);
int nbbs_arena_reserve(struct nbbs_arena *arena);
void nbbs_arena_release(struct nbbs_arena *arena);

#endif /* _NBBS_ARENA_H */
