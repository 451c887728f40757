// SPDX-License-Identifier: GPL-2.0
/*
 * nbbs - debugfs view of the default pool, /sys/kernel/debug/nbbs/.
 *
 * Every file prints one "key value" line per fact, values in decimal unless
 * said otherwise, so that `cat` shows them and scripts can grep them.
 *
 * config - the shape of the pool, fixed at load:
 *   base             start of the arena as a hashed pointer (%p), so
 *                    debugfs does not leak kernel addresses; it matches the
 *                    hashed value other nbbs messages print.  Block
 *                    positions are visible as offsets in those messages.
 *   size             bytes in the arena
 *   min_block        bytes in the smallest block (order 0)
 *   min_shift        log2(min_block)
 *   max_order        largest order; a block of order k has min_block << k bytes
 *   max_block        bytes in a block of max_order
 *   levels           levels of a complete binary tree over the arena, leaves
 *                    included: log2(size / min_block) + 1.  The core keeps
 *                    only the lowest max_order + 1 of them: a forest of
 *                    top_blocks trees when max_order is smaller.
 *   leaves           smallest blocks in the arena: size / min_block
 *   top_blocks       largest blocks in the arena: size / max_block
 *   nodes            tree nodes the core keeps, one per block of order
 *                    0..max_order: 2 * leaves - top_blocks
 *   backing          pages, contig, vmalloc or phys (backing=)
 *   backing_requested the backing= parameter: auto, pages, contig, vmalloc
 *                    or phys
 *   phys_contiguous  1 when the arena is physically contiguous (pages,
 *                    contig, phys): nbbs_virt_to_phys() works; else 0
 *   phys             physical address of the arena's first byte, in hex
 *                    (as /proc/iomem shows it), or none
 *   node             NUMA node of the arena's memory, -1 for none or many
 *   map_page_size    bytes in the smallest page that maps the arena, read
 *                    at load: 4096 where any of it is mapped with base
 *                    pages, 2097152 or more where all of it is huge; 0
 *                    where nbbs cannot tell (not x86)
 *   cache            wb: mapped write-back; wc: write-combining
 *                    (phys_cache=wc)
 *   metadata_bytes   bytes the core allocated to manage the pool
 *   metadata_ppm     metadata_bytes per million bytes of arena
 *   layout          the layout of the tree: packed or tree (layout=)
 *   hot              1 when CPUs keep freed blocks for reuse (hot=)
 *
 * stats - event counters summed over all CPUs (a snapshot, not an atomic
 * cut while other CPUs allocate):
 *   alloc, free, alloc_fail   totals over all orders
 *   alloc_bad_order           allocations refused for an out-of-range order
 *   cas_conflicts, rollbacks, scan_restarts, scan_giveups, chunks_skipped,
 *   chunks_lowered, invalid_free, nmi_refused, hot_allocs, hot_frees,
 *   hot_reclaims, alloc_atomics, free_atomics
 *                             as in struct nbbs_stats (nbbs_core.h)
 *   atomics_per_alloc         alloc_atomics per nbbs_alloc() call, failed
 *                             ones included, with two decimals
 *   atomics_per_free          free_atomics per nbbs_free() call, refused
 *                             ones included, with two decimals
 *   null_pool_calls           API calls given a NULL pool (all pools)
 *   live                      alloc - free: blocks allocated now
 *   alloc_order_K, free_order_K, alloc_fail_order_K
 *                             the same per order K = 0..max_order
 *
 * fault_cas_fail_permille, fault_cas_delay_permille - only in a module built
 * with make NBBS_FAULT_INJECT=y: how many of 1000 compare-and-swaps of the
 * core fail or are delayed on purpose (read and write; 0 by default).  At
 * most 900 fail, so that every retry loop still ends, and at most 1000 are
 * delayed; a larger value is refused with -EINVAL and a message.
 *
 * fault_alloc_nth - only in a module built with make NBBS_FAULT_INJECT=y:
 * write n (0 to INT_MAX) to make the n-th metadata allocation from then on
 * fail, in
 * whichever pool nbbs_pool_create() builds next (a stress run's, a
 * client's).  Reads the count as it stands: the allocation that many from
 * now fails; 0 when off or used up (the default).  The module parameter of
 * the same name does this for init.
 *
 * drain - write anything to give the blocks that CPUs keep for reuse back
 * to the tree (nbbs_pool_drain(); only hot=1 keeps any), so that free shows
 * them coalesced.  The kernel log says how many.
 *
 * free - the free space, from a walk of the tree (like /proc/buddyinfo);
 * blocks that CPUs keep for reuse count as free blocks of their order:
 *   free_blocks_order_K  maximal free blocks of order K: free blocks whose
 *                        buddy is not free too (the buddyinfo count)
 *   allocatable_order_K  order-K blocks that could be allocated now, one
 *                        after the other: the sum over L >= K of
 *                        free_blocks_order_L << (L - K)
 *   free_bytes           bytes in free blocks
 *   live_blocks          blocks allocated now (nbbs_pool_live_blocks())
 * With concurrent users the walk sees each node at a slightly different
 * time, so the lines describe the pool approximately, not at one instant.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/debugfs.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/limits.h>
#include <linux/math64.h>
#include <linux/module.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include "nbbs_core.h"
#include "nbbs_fault.h"
#include "nbbs_module.h"

static struct dentry *nbbs_debugfs_dir;
/* What nbbs_debugfs_init() was given: the files' private data. */
static struct nbbs_debugfs_pool nbbs_debugfs_pool;

static int config_show(struct seq_file *m, void *unused)
{
	const struct nbbs_debugfs_pool *dp = m->private;
	size_t meta = nbbs_pool_metadata_bytes(dp->pool);
	size_t leaves, top;
	struct nbbs_info info;

	nbbs_pool_info(dp->pool, &info);
	leaves = info.size >> info.min_shift;
	top = leaves >> info.max_order;

	seq_printf(m, "base %p\n", info.base);
	seq_printf(m, "size %zu\n", info.size);
	seq_printf(m, "min_block %lu\n", 1UL << info.min_shift);
	seq_printf(m, "min_shift %u\n", info.min_shift);
	seq_printf(m, "max_order %u\n", info.max_order);
	seq_printf(m, "max_block %lu\n", 1UL << (info.min_shift + info.max_order));
	seq_printf(m, "levels %u\n", ilog2(leaves) + 1);
	seq_printf(m, "leaves %zu\n", leaves);
	seq_printf(m, "top_blocks %zu\n", top);
	seq_printf(m, "nodes %zu\n", 2 * leaves - top);
	seq_printf(m, "backing %s\n", dp->backing);
	seq_printf(m, "backing_requested %s\n", dp->backing_requested);
	seq_printf(m, "phys_contiguous %d\n", info.phys_contiguous);
	if (info.phys_contiguous)
		seq_printf(m, "phys %pa\n", &info.phys);
	else
		seq_puts(m, "phys none\n");
	seq_printf(m, "node %d\n", dp->node);
	seq_printf(m, "map_page_size %lu\n", dp->map_page_size);
	seq_printf(m, "cache %s\n", dp->cache);
	seq_printf(m, "metadata_bytes %zu\n", meta);
	seq_printf(m, "metadata_ppm %llu\n",
		   div64_u64((u64)meta * 1000000, info.size));
	seq_printf(m, "layout %s\n", nbbs_layout_name(nbbs_pool_layout(dp->pool)));
	seq_printf(m, "hot %d\n", dp->hot);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(config);

static u64 sum_orders(const u64 *counts, unsigned int max_order)
{
	u64 sum = 0;
	unsigned int k;

	for (k = 0; k <= max_order; k++)
		sum += counts[k];
	return sum;
}

/* "key 2.38": @num / @den with two decimals, 0.00 when nothing was counted. */
static void seq_print_ratio(struct seq_file *m, const char *key, u64 num, u64 den)
{
	u64 hundredths = den ? div64_u64(num * 100, den) : 0;

	seq_printf(m, "%s %llu.%02llu\n", key, div_u64(hundredths, 100),
		   hundredths - div_u64(hundredths, 100) * 100);
}

static int stats_show(struct seq_file *m, void *unused)
{
	const struct nbbs_debugfs_pool *dp = m->private;
	struct nbbs_stats *st;
	struct nbbs_info info;
	u64 alloc, free;
	unsigned int k;

	/* Three arrays of NBBS_ORDER_LIMIT + 1 counters: too big for the stack. */
	st = kzalloc(sizeof(*st), GFP_KERNEL);
	if (!st)
		return -ENOMEM;

	nbbs_pool_info(dp->pool, &info);
	nbbs_pool_stats(dp->pool, st);
	alloc = sum_orders(st->alloc, info.max_order);
	free = sum_orders(st->free, info.max_order);

	seq_printf(m, "alloc %llu\n", alloc);
	seq_printf(m, "free %llu\n", free);
	seq_printf(m, "alloc_fail %llu\n", sum_orders(st->alloc_fail, info.max_order));
	seq_printf(m, "alloc_bad_order %llu\n", st->alloc_bad_order);
	seq_printf(m, "cas_conflicts %llu\n", st->cas_conflicts);
	seq_printf(m, "rollbacks %llu\n", st->rollbacks);
	seq_printf(m, "scan_restarts %llu\n", st->scan_restarts);
	seq_printf(m, "scan_giveups %llu\n", st->scan_giveups);
	seq_printf(m, "chunks_skipped %llu\n", st->chunks_skipped);
	seq_printf(m, "chunks_lowered %llu\n", st->chunks_lowered);
	seq_printf(m, "invalid_free %llu\n", st->invalid_free);
	seq_printf(m, "nmi_refused %llu\n", st->nmi_refused);
	seq_printf(m, "hot_allocs %llu\n", st->hot_allocs);
	seq_printf(m, "hot_frees %llu\n", st->hot_frees);
	seq_printf(m, "hot_reclaims %llu\n", st->hot_reclaims);
	seq_printf(m, "alloc_atomics %llu\n", st->alloc_atomics);
	seq_printf(m, "free_atomics %llu\n", st->free_atomics);
	seq_print_ratio(m, "atomics_per_alloc", st->alloc_atomics,
			alloc + sum_orders(st->alloc_fail, info.max_order));
	seq_print_ratio(m, "atomics_per_free", st->free_atomics, free + st->invalid_free);
	seq_printf(m, "null_pool_calls %lu\n", nbbs_null_pool_calls());
	/* Per-CPU sums are not one instant: never print a negative count. */
	seq_printf(m, "live %llu\n", alloc > free ? alloc - free : 0);

	for (k = 0; k <= info.max_order; k++)
		seq_printf(m, "alloc_order_%u %llu\n", k, st->alloc[k]);
	for (k = 0; k <= info.max_order; k++)
		seq_printf(m, "free_order_%u %llu\n", k, st->free[k]);
	for (k = 0; k <= info.max_order; k++)
		seq_printf(m, "alloc_fail_order_%u %llu\n", k, st->alloc_fail[k]);

	kfree(st);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(stats);

static int free_show(struct seq_file *m, void *unused)
{
	const struct nbbs_debugfs_pool *dp = m->private;
	unsigned long maximal[NBBS_ORDER_LIMIT + 1] = { };
	unsigned long allocatable;
	struct nbbs_info info;
	u64 free_bytes = 0;
	unsigned int k, l;
	int nr;

	nbbs_pool_info(dp->pool, &info);
	nr = nbbs_pool_free_blocks(dp->pool, maximal, info.max_order + 1);
	if (nr < 0)
		return nr;

	for (k = 0; k < nr; k++) {
		seq_printf(m, "free_blocks_order_%u %lu\n", k, maximal[k]);
		free_bytes += (u64)maximal[k] << (info.min_shift + k);
	}
	for (k = 0; k < nr; k++) {
		allocatable = 0;
		for (l = k; l < nr; l++)
			allocatable += maximal[l] << (l - k);
		seq_printf(m, "allocatable_order_%u %lu\n", k, allocatable);
	}
	seq_printf(m, "free_bytes %llu\n", free_bytes);
	seq_printf(m, "live_blocks %lu\n", nbbs_pool_live_blocks(dp->pool));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(free);

static ssize_t drain_write(struct file *file, const char __user *buf,
			   size_t count, loff_t *ppos)
{
	const struct nbbs_debugfs_pool *dp = file->private_data;

	pr_info("drain: %lu blocks given back\n", nbbs_pool_drain(dp->pool));
	return count;
}

static const struct file_operations drain_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = drain_write,
	.llseek = noop_llseek,
};

/**
 * nbbs_debugfs_init() - create /sys/kernel/debug/nbbs and its files
 * @pool: the default pool and what to say of its memory; copied, but its
 *        pool must outlive nbbs_debugfs_exit()
 *
 * Failures are not reported: debugfs is a debugging aid, and its API
 * accepts the error pointers it returns as parents.  Other modules (the
 * stress tester, nbbs_stress.ko) add their files under the directory
 * after looking it up by name.
 *
 * Context: Process context, at module load.
 */
void nbbs_debugfs_init(const struct nbbs_debugfs_pool *pool)
{
	void *data = &nbbs_debugfs_pool;

	nbbs_debugfs_pool = *pool;

	nbbs_debugfs_dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("config", 0444, nbbs_debugfs_dir, data, &config_fops);
	debugfs_create_file("stats", 0444, nbbs_debugfs_dir, data, &stats_fops);
	debugfs_create_file("free", 0444, nbbs_debugfs_dir, data, &free_fops);
	debugfs_create_file("drain", 0200, nbbs_debugfs_dir, data, &drain_fops);
	nbbs_fault_debugfs(nbbs_debugfs_dir);	/* test builds only */
}

/**
 * nbbs_debugfs_exit() - remove /sys/kernel/debug/nbbs and everything in it
 *
 * Waits for readers inside a show function to leave it, so the pool may be
 * destroyed once this returns.
 *
 * Context: Process context, at module unload.
 */
void nbbs_debugfs_exit(void)
{
	debugfs_remove(nbbs_debugfs_dir);
	nbbs_debugfs_dir = NULL;
}
