// SPDX-License-Identifier: GPL-2.0
/*
 * nbbs - reserve the memory under nbbs.ko's default pool, and give it back.
 *
 * Four backings (enum nbbs_backing, Documentation/nbbs.rst "Arena
 * backings"):
 *
 *   pages    one alloc_pages() block, up to the page allocator's largest
 *            order (4 MiB on x86-64).
 *   contig   any size from a page up, physically contiguous and in the
 *            direct map: the module walks a node's zones (never
 *            ZONE_MOVABLE: the arena never moves, and would keep that
 *            memory from going offline) in aligned steps, skips a range that
 *            holds a page that can never move (reserved, slab, offline or
 *            of another zone), and takes the first range that
 *            alloc_contig_range() can empty.  free_contig_range() gives it
 *            back.  Costs page migrations at load; needs that much movable
 *            memory in one piece of one zone.
 *   vmalloc  any size, contiguous only in virtual addresses; vmalloc_huge()
 *            maps it with 2 MiB pages where it can, else 4 KiB pages.
 *   phys     a physical range the page allocator does not own: reserved at
 *            boot (memmap=SIZE$ADDR) or persistent memory, never a range
 *            the firmware reserved for itself (x86: its E820 map).  Claimed in
 *            /proc/iomem, mapped with memremap() (write-back, or
 *            write-combining), never freed to the page allocator.
 *
 * auto (the default) takes pages when the arena fits one block, else
 * contig, else vmalloc, and says so each time it falls back.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/errno.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/kernel.h>
#include <linux/memory_hotplug.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/nodemask.h>
#include <linux/page-flags.h>
#include <linux/sched/signal.h>
#include <linux/string.h>
#include <linux/topology.h>
#include <linux/vmalloc.h>

#ifdef CONFIG_X86
#include <asm/e820/api.h>
#endif

#include "nbbs_arena.h"
#include "nbbs_compat.h"
#include "nbbs_core.h"
#include "nbbs_fault.h"

static const char * const nbbs_backing_names[NBBS_NR_BACKINGS] = {
	[NBBS_BACKING_AUTO]	= "auto",
	[NBBS_BACKING_PAGES]	= "pages",
	[NBBS_BACKING_CONTIG]	= "contig",
	[NBBS_BACKING_VMALLOC]	= "vmalloc",
	[NBBS_BACKING_PHYS]	= "phys",
};

/* The parameter spelling of a backing; "?" for anything else. */
const char *nbbs_backing_name(enum nbbs_backing backing)
{
	if ((unsigned int)backing >= NBBS_NR_BACKINGS)
		return "?";
	return nbbs_backing_names[backing];
}

/* The backing of that spelling (sysfs_match_string()), or -EINVAL. */
int nbbs_backing_parse(const char *name)
{
	return sysfs_match_string(nbbs_backing_names, name);
}

/*
 * The smallest page size the kernel maps [base, base + size) with, read
 * from the page tables once: 4 KiB where any part of it is mapped with
 * small pages.  0 where nbbs cannot tell.
 */
static unsigned long nbbs_map_page_size(const void *base, size_t size)
{
#ifdef CONFIG_X86
	unsigned long addr = (unsigned long)base, end = addr + size;
	unsigned long smallest = 0, bytes;
	unsigned int level;

	while (addr < end) {
		if (!lookup_address(addr, &level) || level == PG_LEVEL_NONE)
			return 0;
		bytes = page_level_size(level);
		smallest = smallest ? min(smallest, bytes) : bytes;
		addr = (addr & ~(bytes - 1)) + bytes;
	}
	return smallest;
#else
	return 0;
#endif
}

/* --- pages --- */

static int nbbs_pages_reserve(struct nbbs_arena *arena, gfp_t gfp)
{
	unsigned int order = get_order(arena->size);
	struct page *page;

	/* node= is a promise: no fallback to other nodes. */
	if (arena->node != NUMA_NO_NODE)
		gfp |= __GFP_THISNODE;
	page = nbbs_meta_alloc(alloc_pages_node(arena->node, gfp, order));
	if (!page)
		return -ENOMEM;
	arena->base = page_address(page);
	arena->page_order = order;
	arena->phys = page_to_phys(page);
	arena->nid = page_to_nid(page);
	arena->backing = NBBS_BACKING_PAGES;
	return 0;
}

/* --- contig --- */

/* What a walk for a contig range saw, for the message when it fails. */
struct nbbs_contig_walk {
	unsigned long skipped;	/* ranges holding a page that cannot move */
	unsigned long tried;	/* ranges alloc_contig_range() could not empty */
	int err;		/* -EINTR when a fatal signal stopped the walk */
};

/*
 * alloc_contig_range() exists where the kernel can isolate and migrate
 * pages (CONFIG_CONTIG_ALLOC: compaction and memory isolation, or CMA), as
 * in Debian's kernels.  Elsewhere (a tinyconfig debug kernel) there is no
 * contig backing: backing=contig is refused and auto goes from pages to
 * vmalloc.
 */
#ifdef CONFIG_CONTIG_ALLOC

/*
 * The first page of [pfn, pfn + nr) that alloc_contig_range() can never
 * take: a hole or offline memory, a page of another zone (the range must
 * lie in one), a reserved page (the kernel image, firmware tables, memmap=
 * ranges) or a slab page (kernel objects do not move).  pfn + nr when there
 * is none; the range may still fail, on other unmovable pages.
 */
static unsigned long nbbs_contig_blocker(struct zone *zone, unsigned long pfn,
					 unsigned long nr)
{
	unsigned long end = pfn + nr;
	struct page *page;

	for (; pfn < end; pfn++) {
		page = pfn_to_online_page(pfn);
		/*
		 * The flags of pages in use change under this read; a stale
		 * answer only sends a range to alloc_contig_range(), which
		 * decides under isolation, or skips one.
		 */
		if (!page || data_race(page_zone(page) != zone ||
				       PageReserved(page) || PageSlab(page)))
			return pfn;
		if (!(pfn & 1023))
			cond_resched();
	}
	return end;
}

/*
 * Take @nr pages (at least one), physically contiguous and aligned to @step
 * pages (at least one), from node @nid: the highest zone first (low memory
 * is what devices with short address reach need), each zone from its start.
 */
static struct page *nbbs_contig_take(int nid, unsigned long nr,
				     unsigned long step,
				     struct nbbs_contig_walk *walk)
{
	pg_data_t *pgdat = NODE_DATA(nid);
	unsigned long pfn, end, blocker;
	struct zone *zone;
	int z, ret;

	/* As alloc_contig_pages() for unmovable memory: ZONE_NORMAL and below. */
	for (z = ZONE_NORMAL; z >= 0; z--) {
		zone = &pgdat->node_zones[z];
		if (!populated_zone(zone) || is_highmem(zone))
			continue;
		end = zone_end_pfn(zone);
		pfn = ALIGN(zone->zone_start_pfn, step);
		while (pfn + nr <= end) {
			if (fatal_signal_pending(current)) {
				walk->err = -EINTR;
				return NULL;
			}
			blocker = nbbs_contig_blocker(zone, pfn, nr);
			if (blocker < pfn + nr) {
				walk->skipped++;
				pfn = ALIGN(blocker + 1, step);
				continue;
			}
			/*
			 * Migrates the pages in use out of the range; when one
			 * cannot move, gives the range up (what moved stays
			 * moved).
			 */
			ret = alloc_contig_range(pfn, pfn + nr, MIGRATE_MOVABLE,
						 GFP_KERNEL | __GFP_NOWARN);
			if (!ret)
				return pfn_to_page(pfn);
			if (ret == -EINTR) {
				walk->err = ret;
				return NULL;
			}
			walk->tried++;
			pfn += step;
			cond_resched();
		}
	}
	return NULL;
}

/* nbbs_contig_take() from node @node, or from any node, the local one first. */
static struct page *nbbs_contig_take_any(int node, unsigned long nr,
					 unsigned long step,
					 struct nbbs_contig_walk *walk)
{
	struct page *page;
	int nid, local;

	if (node != NUMA_NO_NODE)
		return nbbs_contig_take(node, nr, step, walk);
	local = numa_mem_id();
	page = nbbs_contig_take(local, nr, step, walk);
	for_each_node_state(nid, N_MEMORY) {
		if (page || walk->err || nid == local)
			continue;
		page = nbbs_contig_take(nid, nr, step, walk);
	}
	return page;
}

/*
 * Reserve a contig arena; on -ENOMEM, @walk says why, for the caller's
 * message (an error for backing=contig, a note before auto's fallback).
 */
static int nbbs_contig_reserve(struct nbbs_arena *arena,
			       struct nbbs_contig_walk *walk)
{
	unsigned long nr = arena->size >> PAGE_SHIFT;
	struct page *page;
	unsigned long step;

	/*
	 * Aligned like the page allocator's largest blocks (or to the arena, if
	 * smaller), and at least to the pool's smallest block: an arena of a
	 * pageblock or more then starts on one, and the direct map can cover
	 * it with 2 MiB pages.
	 */
	if (!nr)
		return -EINVAL;
	step = min(nr, 1UL << nbbs_max_page_order());
	step = max(step, (unsigned long)(arena->align >> PAGE_SHIFT));
	page = nbbs_meta_alloc(nbbs_contig_take_any(arena->node, nr, step, walk));
	if (walk->err) {
		pr_err("backing=contig: interrupted while looking for %zu bytes\n",
		       arena->size);
		return walk->err;
	}
	if (!page)
		return -ENOMEM;
	arena->base = page_address(page);
	arena->phys = page_to_phys(page);
	arena->nid = page_to_nid(page);
	arena->backing = NBBS_BACKING_CONTIG;
	return 0;
}
#else
static int nbbs_contig_reserve(struct nbbs_arena *arena,
			       struct nbbs_contig_walk *walk)
{
	return -EOPNOTSUPP;
}
#endif

/* --- vmalloc --- */

static int nbbs_vmalloc_reserve(struct nbbs_arena *arena, gfp_t gfp)
{
	/*
	 * vmalloc() aligns to a page (vmalloc_huge() to 2 MiB only when it got
	 * huge pages); a pool needs its base aligned to its smallest block, so
	 * a larger one costs up to a block more.
	 */
	size_t extra = arena->align > PAGE_SIZE ? arena->align - PAGE_SIZE : 0;

	if (arena->huge)
		arena->mapping = nbbs_meta_alloc(vmalloc_huge(arena->size + extra, gfp));
	else
		arena->mapping = nbbs_meta_alloc(__vmalloc(arena->size + extra, gfp));
	if (!arena->mapping) {
		pr_err("cannot vmalloc the arena of %zu bytes\n", arena->size);
		return -ENOMEM;
	}
	arena->base = PTR_ALIGN(arena->mapping, arena->align);
	arena->phys = NBBS_PHYS_NONE;
	arena->nid = NUMA_NO_NODE;
	arena->backing = NBBS_BACKING_VMALLOC;
	return 0;
}

/* --- phys --- */

/* How far a walk of /proc/iomem found [start, ...) to be reserved memory. */
struct nbbs_phys_walk {
	resource_size_t next;
};

/*
 * walk_iomem_res_desc() callback, called for each memory resource over the
 * range in address order (clipped to it): stop at a gap or at a resource
 * that is not memory set aside from the page allocator.
 */
static int nbbs_phys_reserved(struct resource *res, void *arg)
{
	struct nbbs_phys_walk *walk = arg;

	if (res->start != walk->next)
		return 1;
	switch (res->desc) {
	case IORES_DESC_RESERVED:
	case IORES_DESC_PERSISTENT_MEMORY:
	case IORES_DESC_PERSISTENT_MEMORY_LEGACY:
	case IORES_DESC_SOFT_RESERVED:
		walk->next = res->end + 1;
		return 0;
	default:
		return 1;
	}
}

static int nbbs_phys_reserve(struct nbbs_arena *arena)
{
	resource_size_t start = arena->phys_addr, last;
	size_t align = max_t(size_t, arena->align, PAGE_SIZE);
	struct nbbs_phys_walk walk = { .next = start };
	void *mapping;

	if (check_add_overflow(start, (resource_size_t)arena->size - 1, &last)) {
		pr_err("backing=phys: phys=%pa size=%zu passes the end of the physical address space\n",
		       &start, arena->size);
		return -EINVAL;
	}
	if (start & (align - 1)) {
		pr_err("backing=phys: phys=%pa is not aligned to %zu bytes (a page and the smallest block)\n",
		       &start, align);
		return -EINVAL;
	}
	if (region_intersects(start, arena->size, IORESOURCE_SYSTEM_RAM,
			      IORES_DESC_NONE) != REGION_DISJOINT) {
		pr_err("backing=phys: [%pa, %pa] overlaps System RAM, which the page allocator owns: reserve it at boot with memmap=SIZE$ADDR\n",
		       &start, &last);
		return -EINVAL;
	}
	if (walk_iomem_res_desc(IORES_DESC_NONE, IORESOURCE_MEM, start, last,
				&walk, nbbs_phys_reserved) || walk.next != last + 1) {
		pr_err("backing=phys: [%pa, %pa] is not all reserved memory (see /proc/iomem): reserve it at boot with memmap=SIZE$ADDR\n",
		       &start, &last);
		return -EINVAL;
	}
#ifdef CONFIG_X86
	/*
	 * memmap= changes the kernel's E820 map, not the firmware's: a range
	 * the firmware reserved (its runtime data, SMRAM, a flash window) is
	 * not memory to hand out.
	 */
	if (e820__mapped_raw_any(start, last + 1, E820_TYPE_RESERVED)) {
		pr_err("backing=phys: [%pa, %pa] is reserved by the firmware for itself, not by memmap=\n",
		       &start, &last);
		return -EINVAL;
	}
#endif
	if (!request_mem_region(start, arena->size, KBUILD_MODNAME)) {
		pr_err("backing=phys: cannot claim [%pa, %pa]: another driver claimed it, or it spans two reserved ranges (see /proc/iomem)\n",
		       &start, &last);
		return -EBUSY;
	}
	mapping = nbbs_meta_alloc(memremap(start, arena->size,
					   arena->phys_wc ? MEMREMAP_WC : MEMREMAP_WB));
	if (!mapping || !IS_ALIGNED((unsigned long)mapping, arena->align)) {
		pr_err("backing=phys: cannot map [%pa, %pa] %s, aligned to %zu bytes\n",
		       &start, &last, arena->phys_wc ? "write-combining" : "write-back",
		       arena->align);
		if (mapping)
			memunmap(mapping);
		release_mem_region(start, arena->size);
		return -ENOMEM;
	}
	arena->mapping = mapping;
	arena->base = mapping;
	arena->phys = start;
	arena->nid = NUMA_NO_NODE;
	arena->backing = NBBS_BACKING_PHYS;
	return 0;
}

/* --- the choice --- */

/*
 * Is there @size of memory at all: on @node, or in the memory available
 * (free or reclaimable) when no node was chosen?  Keeps a load that asks
 * too much from migrating and reclaiming before it fails.
 */
static int nbbs_arena_check_size(const struct nbbs_arena *arena)
{
	unsigned long pages = arena->size >> PAGE_SHIFT, avail;

	if (arena->node != NUMA_NO_NODE) {
		avail = node_present_pages(arena->node);
		if (pages > avail) {
			pr_err("size=%zu: larger than the %llu bytes of node %d; choose a smaller size or another node\n",
			       arena->size, (u64)avail << PAGE_SHIFT, arena->node);
			return -ENOMEM;
		}
	}
	avail = si_mem_available();
	if (pages > avail) {
		pr_err("size=%zu: more than the %llu bytes of memory available; choose a smaller size\n",
		       arena->size, (u64)avail << PAGE_SHIFT);
		return -ENOMEM;
	}
	return 0;
}

/**
 * nbbs_arena_reserve() - reserve the memory the arena's request asks for
 * @arena: @size, @align, @requested, @node, @phys_addr, @phys_wc and @huge
 *         set, checked against each other by the caller (nbbs_main.c); the
 *         rest is filled in on success
 *
 * Allocations do not retry (__GFP_NORETRY) and alloc_contig_range() gives
 * up on a range it cannot empty: a load that asks too much fails with
 * -ENOMEM instead of waking the OOM killer.
 *
 * Context: Process context; may sleep for long (migration).
 *
 * Return: 0; -EINVAL for a request that cannot work; -ENOMEM when the memory
 * cannot be had; -EBUSY when a phys range is another driver's; -EINTR when a
 * fatal signal stopped the search for a contig range.
 */
int nbbs_arena_reserve(struct nbbs_arena *arena)
{
	const gfp_t gfp = GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN;
	struct nbbs_contig_walk walk = { };
	enum nbbs_backing want = arena->requested;
	bool fits = get_order(arena->size) <= nbbs_max_page_order();
	int ret;

	if (want == NBBS_BACKING_PHYS) {
		ret = nbbs_phys_reserve(arena);
		goto out;
	}
	if (want == NBBS_BACKING_PAGES && !fits) {
		pr_err("backing=pages: size=%zu exceeds the page allocator's largest block (%lu bytes); use backing=contig\n",
		       arena->size, PAGE_SIZE << nbbs_max_page_order());
		return -EINVAL;
	}
	ret = nbbs_arena_check_size(arena);
	if (ret)
		return ret;

	if (want == NBBS_BACKING_VMALLOC) {
		ret = nbbs_vmalloc_reserve(arena, gfp);
		goto out;
	}
	if ((want == NBBS_BACKING_PAGES || want == NBBS_BACKING_AUTO) && fits) {
		ret = nbbs_pages_reserve(arena, gfp);
		if (!ret)
			goto out;
		if (want == NBBS_BACKING_PAGES) {
			pr_err("backing=pages: no free block of %zu bytes (order %u)\n",
			       arena->size, get_order(arena->size));
			goto out;
		}
		pr_info("no free block of %zu bytes (order %u), trying %s\n",
			arena->size, get_order(arena->size),
			arena->size >= PAGE_SIZE ? "contig" : "vmalloc");
	}
	/* contig takes whole pages: an arena below a page goes to vmalloc. */
	if (arena->size < PAGE_SIZE)
		goto fallback;
	ret = nbbs_contig_reserve(arena, &walk);
	if (ret == -EOPNOTSUPP) {
		if (want == NBBS_BACKING_CONTIG) {
			pr_err("backing=contig: this kernel has no alloc_contig_range() (CONFIG_CONTIG_ALLOC); use backing=vmalloc\n");
			return -EINVAL;
		}
		pr_info("no page-allocator block of %zu bytes, and this kernel cannot take larger physically contiguous ranges (no CONFIG_CONTIG_ALLOC), using vmalloc\n",
			arena->size);
		goto fallback;
	}
	if (ret != -ENOMEM)
		goto out;
	if (want == NBBS_BACKING_CONTIG || arena->node != NUMA_NO_NODE) {
		pr_err("backing=%s: no physically contiguous %zu bytes%s (%lu ranges hold pages that never move, %lu more could not be emptied); try a smaller size, loading nbbs earlier (before memory fragments), or backing=vmalloc\n",
		       nbbs_backing_name(want), arena->size,
		       arena->node == NUMA_NO_NODE ? "" : " on that node",
		       walk.skipped, walk.tried);
		return -ENOMEM;
	}
	/* auto: fragmented memory is no reason to fail the load. */
	pr_info("no physically contiguous %zu bytes (%lu ranges hold pages that never move, %lu more could not be emptied), using vmalloc\n",
		arena->size, walk.skipped, walk.tried);
fallback:
	if (arena->node != NUMA_NO_NODE) {
		pr_err("no arena of %zu bytes on node %d, and vmalloc does not take node=\n",
		       arena->size, arena->node);
		return -ENOMEM;
	}
	ret = nbbs_vmalloc_reserve(arena, gfp);
out:
	if (!ret)
		arena->map_page_size = nbbs_map_page_size(arena->base, arena->size);
	return ret;
}

/**
 * nbbs_arena_release() - give back what nbbs_arena_reserve() reserved
 * @arena: a reserved arena; its pool is destroyed already
 *
 * Context: Process context.
 */
void nbbs_arena_release(struct nbbs_arena *arena)
{
	switch (arena->backing) {
	case NBBS_BACKING_PAGES:
		__free_pages(virt_to_page(arena->base), arena->page_order);
		break;
	case NBBS_BACKING_CONTIG:
		free_contig_range(PHYS_PFN(arena->phys), arena->size >> PAGE_SHIFT);
		break;
	case NBBS_BACKING_VMALLOC:
		vfree(arena->mapping);
		break;
	case NBBS_BACKING_PHYS:
		memunmap(arena->mapping);
		release_mem_region(arena->phys, arena->size);
		break;
	default:
		break;
	}
	arena->base = NULL;
	arena->mapping = NULL;
}
