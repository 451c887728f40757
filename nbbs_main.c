// SPDX-License-Identifier: GPL-2.0
/*
 * nbbs - module glue: reserve the arena, build the default pool over it,
 * publish it through nbbs_default_pool() and debugfs.
 *
 * Module parameters (all read-only once loaded, see modinfo nbbs.ko):
 *
 *   size=64M       bytes in the arena: decimal digits, optionally followed
 *                  by K, M or G (nbbs_parse_bytes()); at most the memory
 *                  available when nbbs loads
 *   min_block=4K   smallest block, a power of two of at least 8 bytes
 *                  (default PAGE_SIZE)
 *   max_order=-1   largest block is min_block << max_order; -1 picks
 *                  min(log2(size / min_block), NBBS_DEFAULT_MAX_ORDER)
 *   backing=auto   where the arena's memory comes from (nbbs_arena.c):
 *                  pages, contig, vmalloc, phys, or auto: pages when the
 *                  arena fits in one block of the page allocator, else
 *                  contig, else vmalloc
 *   node=-1        NUMA node of a pages or contig arena; -1: any
 *   phys=none      backing=phys: physical address of the range
 *   phys_cache=wb  backing=phys: map it write-back (wb) or write-combining
 *                  (wc)
 *   vmalloc_huge=1 backing=vmalloc: 0 maps the arena with base pages only
 *   layout=packed  layout of the tree: packed (three levels per 64-bit word,
 *                  fewer atomics per call; the default on 64-bit kernels) or
 *                  tree (one 64-bit word per node)
 *   hot=1          each CPU keeps the blocks it frees of orders 0..3 and
 *                  reuses them (NBBS_POOL_HOT, see nbbs_core.h); 0: no
 *
 * Only in a module built with make NBBS_FAULT_INJECT=y:
 *
 *   fault_alloc_nth=0
 *                  fail the n-th allocation of init on purpose (the arena
 *                  counts, then each metadata allocation of the pool, see
 *                  nbbs_meta_alloc()); 0: off.  Init then fails with
 *                  -ENOMEM and frees what it allocated; a count that init
 *                  did not reach is dropped once the pool is built.
 *
 * The arena must be a power-of-two multiple of min_block (that is, a power
 * of two no smaller than min_block): the buddy tree is complete, so every
 * byte of it belongs to exactly one largest block.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ctype.h>
#include <linux/errno.h>
#include <linux/err.h>
#include <linux/gfp.h>
#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/nodemask.h>
#include <linux/numa.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/overflow.h>
#include <linux/sizes.h>
#include <linux/string.h>

#include "nbbs_arena.h"
#include "nbbs_core.h"
#include "nbbs_fault.h"
#include "nbbs_module.h"

/*
 * Default cap on the largest order.  Allocation climbs from the block's
 * level up to max_order, so each level above the common block sizes costs
 * every allocation and release an extra atomic on a node shared by more
 * CPUs.  Order 10 matches the page allocator (4 MiB blocks with 4 KiB
 * pages) and keeps the climb short; max_order= raises it up to the whole
 * arena when a user needs larger blocks.
 */
#define NBBS_DEFAULT_MAX_ORDER	10

/* --- module parameters --- */

static unsigned long long nbbs_param_size = SZ_64M;
static unsigned long long nbbs_param_min_block = PAGE_SIZE;
static int nbbs_param_max_order = -1;
static enum nbbs_backing nbbs_param_backing = NBBS_BACKING_AUTO;
static unsigned int nbbs_param_layout = NBBS_LAYOUT_DEFAULT;
static int nbbs_param_node = NUMA_NO_NODE;
static bool nbbs_param_phys_set;
static phys_addr_t nbbs_param_phys;
static bool nbbs_param_phys_wc;
static bool nbbs_param_phys_cache_set;
static bool nbbs_param_vmalloc_huge = true;
static bool nbbs_param_vmalloc_huge_set;

/**
 * nbbs_parse_bytes() - read a byte count: decimal digits, then optionally K,
 * M or G (times 2^10, 2^20, 2^30), and nothing else
 * @str: the text
 * @bytes: the count, set only on success
 *
 * Unlike memparse(), a leading 0 does not mean octal, 0x is refused, and a
 * count too large for 64 bits is refused instead of wrapping around.
 * Exported for the stress tester (nbbs_stress.ko), whose run lines take
 * byte counts exactly as nbbs.ko's parameters do.
 *
 * Context: Any context.
 * Return: 0; -EINVAL when @str is not of that form; -ERANGE when the count
 * is 2^64 or more.
 */
int nbbs_parse_bytes(const char *str, unsigned long long *bytes)
{
	unsigned long long v = 0;
	unsigned int shift = 0;
	const char *p;

	if (!isdigit(*str))
		return -EINVAL;
	for (p = str; isdigit(*p); p++) {
		if (check_mul_overflow(v, 10ULL, &v) ||
		    check_add_overflow(v, (unsigned long long)(*p - '0'), &v))
			return -ERANGE;
	}
	switch (*p) {
	case 'K':
	case 'k':
		shift = 10;
		break;
	case 'M':
	case 'm':
		shift = 20;
		break;
	case 'G':
	case 'g':
		shift = 30;
		break;
	}
	if (shift)
		p++;
	if (*p)
		return -EINVAL;
	if (v > U64_MAX >> shift)
		return -ERANGE;
	*bytes = v << shift;
	return 0;
}
EXPORT_SYMBOL_GPL(nbbs_parse_bytes);

static int nbbs_bytes_set(const char *val, const struct kernel_param *kp)
{
	unsigned long long bytes;
	int ret = nbbs_parse_bytes(val, &bytes);

	if (ret == -ERANGE) {
		pr_err("%s=%s: too large: at most 2^64 - 1 bytes\n", kp->name, val);
		return -EINVAL;
	}
	if (ret) {
		pr_err("%s=%s: not a byte count: decimal digits, optionally followed by K, M or G\n",
		       kp->name, val);
		return -EINVAL;
	}
	*(unsigned long long *)kp->arg = bytes;
	return 0;
}

static int nbbs_bytes_get(char *buf, const struct kernel_param *kp)
{
	return scnprintf(buf, PAGE_SIZE, "%llu\n", *(unsigned long long *)kp->arg);
}

static const struct kernel_param_ops nbbs_bytes_ops = {
	.set = nbbs_bytes_set,
	.get = nbbs_bytes_get,
};

static int nbbs_backing_set(const char *val, const struct kernel_param *kp)
{
	int i = nbbs_backing_parse(val);

	if (i < 0) {
		pr_err("backing=%s: must be auto, pages, contig, vmalloc or phys\n", val);
		return -EINVAL;
	}
	*(enum nbbs_backing *)kp->arg = i;
	return 0;
}

static int nbbs_backing_get(char *buf, const struct kernel_param *kp)
{
	return scnprintf(buf, PAGE_SIZE, "%s\n",
			 nbbs_backing_name(*(enum nbbs_backing *)kp->arg));
}

static const struct kernel_param_ops nbbs_backing_ops = {
	.set = nbbs_backing_set,
	.get = nbbs_backing_get,
};

/* phys=ADDR: a physical address, decimal or 0x hexadecimal (never octal). */
static int nbbs_phys_set(const char *val, const struct kernel_param *kp)
{
	bool hex = val[0] == '0' && (val[1] == 'x' || val[1] == 'X');
	u64 addr;

	if (kstrtou64(hex ? val + 2 : val, hex ? 16 : 10, &addr) ||
	    addr != (phys_addr_t)addr) {
		pr_err("phys=%s: not a physical address (decimal, or hexadecimal after 0x)\n",
		       val);
		return -EINVAL;
	}
	nbbs_param_phys = addr;
	nbbs_param_phys_set = true;
	return 0;
}

static int nbbs_phys_get(char *buf, const struct kernel_param *kp)
{
	if (!nbbs_param_phys_set)
		return scnprintf(buf, PAGE_SIZE, "none\n");
	return scnprintf(buf, PAGE_SIZE, "%pa\n", &nbbs_param_phys);
}

static const struct kernel_param_ops nbbs_phys_ops = {
	.set = nbbs_phys_set,
	.get = nbbs_phys_get,
};

static int nbbs_phys_cache_set(const char *val, const struct kernel_param *kp)
{
	static const char * const names[] = { "wb", "wc" };
	int i = sysfs_match_string(names, val);

	if (i < 0) {
		pr_err("phys_cache=%s: must be wb or wc\n", val);
		return -EINVAL;
	}
	nbbs_param_phys_wc = i;
	nbbs_param_phys_cache_set = true;
	return 0;
}

static int nbbs_phys_cache_get(char *buf, const struct kernel_param *kp)
{
	return scnprintf(buf, PAGE_SIZE, "%s\n", nbbs_param_phys_wc ? "wc" : "wb");
}

static const struct kernel_param_ops nbbs_phys_cache_ops = {
	.set = nbbs_phys_cache_set,
	.get = nbbs_phys_cache_get,
};

static int nbbs_vmalloc_huge_set(const char *val, const struct kernel_param *kp)
{
	int ret = param_set_bool(val, kp);

	if (!ret)
		nbbs_param_vmalloc_huge_set = true;
	return ret;
}

static const struct kernel_param_ops nbbs_vmalloc_huge_ops = {
	.set = nbbs_vmalloc_huge_set,
	.get = param_get_bool,
};

static int nbbs_layout_set(const char *val, const struct kernel_param *kp)
{
	static const char * const names[] = {
		[NBBS_LAYOUT_TREE] = "tree",
		[NBBS_LAYOUT_PACKED] = "packed",
	};
	int i = sysfs_match_string(names, val);

	if (i < 0) {
		pr_err("layout=%s: must be tree or packed\n", val);
		return -EINVAL;
	}
	*(unsigned int *)kp->arg = i;
	return 0;
}

static int nbbs_layout_get(char *buf, const struct kernel_param *kp)
{
	return scnprintf(buf, PAGE_SIZE, "%s\n",
			 nbbs_layout_name(*(unsigned int *)kp->arg));
}

static const struct kernel_param_ops nbbs_layout_ops = {
	.set = nbbs_layout_set,
	.get = nbbs_layout_get,
};

module_param_cb(size, &nbbs_bytes_ops, &nbbs_param_size, 0444);
MODULE_PARM_DESC(size,
		 "Arena bytes, a power-of-two multiple of min_block; K/M/G suffixes (default 64M)");
module_param_cb(min_block, &nbbs_bytes_ops, &nbbs_param_min_block, 0444);
MODULE_PARM_DESC(min_block,
		 "Smallest block in bytes, a power of two >= 8; K/M/G suffixes (default PAGE_SIZE)");
module_param_named(max_order, nbbs_param_max_order, int, 0444);
MODULE_PARM_DESC(max_order,
		 "Largest block is min_block << max_order; -1: min(log2(size/min_block), 10) (default -1)");
module_param_cb(backing, &nbbs_backing_ops, &nbbs_param_backing, 0444);
MODULE_PARM_DESC(backing,
		 "Arena memory: pages, contig (physically contiguous, any size), vmalloc, phys (phys=), or auto: pages, else contig, else vmalloc (default auto)");
module_param_named(node, nbbs_param_node, int, 0444);
MODULE_PARM_DESC(node,
		 "NUMA node of a pages or contig arena; -1: any, the local one first (default -1)");
module_param_cb(phys, &nbbs_phys_ops, NULL, 0444);
MODULE_PARM_DESC(phys,
		 "backing=phys: physical address of a range reserved at boot (memmap=SIZE$ADDR), aligned to a page and min_block");
module_param_cb(phys_cache, &nbbs_phys_cache_ops, NULL, 0444);
MODULE_PARM_DESC(phys_cache,
		 "backing=phys: map the range write-back (wb) or write-combining (wc) (default wb)");
module_param_cb(vmalloc_huge, &nbbs_vmalloc_huge_ops, &nbbs_param_vmalloc_huge, 0444);
MODULE_PARM_DESC(vmalloc_huge,
		 "backing=vmalloc: 1 maps with huge pages where it can, 0 with base pages only (default 1)");
module_param_cb(layout, &nbbs_layout_ops, &nbbs_param_layout, 0444);
MODULE_PARM_DESC(layout,
		 "Tree layout: packed (3 levels per 64-bit word) or tree (a word per node) (default packed on 64-bit)");
static bool nbbs_param_hot = true;
module_param_named(hot, nbbs_param_hot, bool, 0444);
MODULE_PARM_DESC(hot,
		 "1: each CPU keeps up to 16 freed blocks of each order 0..3 for reuse; 0: none (default 1)");

/* --- the default pool --- */

static struct nbbs_arena nbbs_arena;
static struct nbbs_pool *nbbs_default;

/**
 * nbbs_default_pool() - the pool that nbbs.ko builds when it loads
 *
 * The pool covers the arena reserved from the module parameters and lives
 * until nbbs.ko is unloaded, which the module loader prevents while a module
 * that calls this function is loaded.
 *
 * Context: Any context.
 * Return: the default pool; never NULL once nbbs.ko has loaded.
 */
struct nbbs_pool *nbbs_default_pool(void)
{
	return nbbs_default;
}
EXPORT_SYMBOL_GPL(nbbs_default_pool);

/*
 * Check the parameters against each other.  On success, *min_shift and
 * *max_order hold the pool's shape.
 */
static int nbbs_check_params(unsigned int *min_shift, unsigned int *max_order)
{
	unsigned long long size = nbbs_param_size;
	unsigned long long min_block = nbbs_param_min_block;
	unsigned int arena_order, limit;

	if (min_block < (1ULL << NBBS_MIN_SHIFT_LIMIT) || min_block > ULONG_MAX ||
	    !is_power_of_2(min_block)) {
		pr_err("min_block=%llu: must be a power of two of at least %u bytes\n",
		       min_block, 1U << NBBS_MIN_SHIFT_LIMIT);
		return -EINVAL;
	}
	if (size < min_block || size > ULONG_MAX || size > SIZE_MAX ||
	    !is_power_of_2(size)) {
		pr_err("size=%llu: must be a power-of-two multiple of min_block=%llu\n",
		       size, min_block);
		return -EINVAL;
	}

	*min_shift = ilog2(min_block);
	arena_order = ilog2(size) - *min_shift;
	limit = min_t(unsigned int, arena_order, NBBS_ORDER_LIMIT);

	if (nbbs_param_max_order == -1) {
		*max_order = min_t(unsigned int, limit, NBBS_DEFAULT_MAX_ORDER);
		return 0;
	}
	if (nbbs_param_max_order < 0 || nbbs_param_max_order > limit) {
		pr_err("max_order=%d: must be -1 or 0..%u (size=%llu is %llu blocks of %llu bytes)\n",
		       nbbs_param_max_order, limit, size, size / min_block, min_block);
		return -EINVAL;
	}
	*max_order = nbbs_param_max_order;
	return 0;
}

/* Check the parameters of the backing against each other. */
static int nbbs_check_backing(void)
{
	bool phys = nbbs_param_backing == NBBS_BACKING_PHYS;
	int node = nbbs_param_node;

	if (phys && !nbbs_param_phys_set) {
		pr_err("backing=phys needs phys=ADDR, the start of a range reserved at boot\n");
		return -EINVAL;
	}
	if (!phys && nbbs_param_phys_set) {
		pr_err("phys= is only for backing=phys\n");
		return -EINVAL;
	}
	if (!phys && nbbs_param_phys_cache_set) {
		pr_err("phys_cache= is only for backing=phys\n");
		return -EINVAL;
	}
	if (nbbs_param_vmalloc_huge_set && nbbs_param_backing != NBBS_BACKING_VMALLOC &&
	    nbbs_param_backing != NBBS_BACKING_AUTO) {
		pr_err("vmalloc_huge= is only for backing=vmalloc and auto (whose last resort is vmalloc)\n");
		return -EINVAL;
	}
	if (node != NUMA_NO_NODE &&
	    (node < 0 || node >= MAX_NUMNODES || !node_state(node, N_MEMORY))) {
		pr_err("node=%d: not a node with memory (-1: any)\n", node);
		return -EINVAL;
	}
	if (node != NUMA_NO_NODE &&
	    (nbbs_param_backing == NBBS_BACKING_VMALLOC || phys)) {
		pr_err("node=%d: only for backing=pages, contig and auto, not %s\n",
		       node, nbbs_backing_name(nbbs_param_backing));
		return -EINVAL;
	}
	if ((nbbs_param_backing == NBBS_BACKING_CONTIG || phys) &&
	    nbbs_param_size < PAGE_SIZE) {
		pr_err("backing=%s: size=%llu is less than a page\n",
		       nbbs_backing_name(nbbs_param_backing), nbbs_param_size);
		return -EINVAL;
	}
	return 0;
}

static int __init nbbs_init(void)
{
	struct nbbs_debugfs_pool view;
	unsigned int min_shift, max_order, flags;
	struct nbbs_pool *pool;
	int ret;

	ret = nbbs_check_params(&min_shift, &max_order);
	if (!ret)
		ret = nbbs_check_backing();
	if (ret)
		return ret;

	ret = nbbs_core_init();
	if (ret)
		return ret;

	ret = nbbs_fault_init_begin();
	if (ret)
		goto out_core;

	nbbs_arena.size = nbbs_param_size;
	nbbs_arena.align = 1UL << min_shift;
	nbbs_arena.requested = nbbs_param_backing;
	nbbs_arena.node = nbbs_param_node;
	nbbs_arena.phys_addr = nbbs_param_phys;
	nbbs_arena.phys_wc = nbbs_param_phys_wc;
	nbbs_arena.huge = nbbs_param_vmalloc_huge;
	ret = nbbs_arena_reserve(&nbbs_arena);
	if (ret)
		goto out_fault;

	flags = (nbbs_param_layout == NBBS_LAYOUT_PACKED ? NBBS_POOL_PACKED :
		 NBBS_POOL_TREE) | (nbbs_param_hot ? NBBS_POOL_HOT : 0);
	/*
	 * The direct map tells the core where pages and contig arenas lie;
	 * a memremap()ed range must say it.
	 */
	if (nbbs_arena.backing == NBBS_BACKING_PHYS)
		pool = nbbs_pool_create_phys(nbbs_arena.base, nbbs_arena.phys,
					     nbbs_arena.size, min_shift, max_order,
					     GFP_KERNEL, flags);
	else
		pool = nbbs_pool_create_flags(nbbs_arena.base, nbbs_arena.size,
					      min_shift, max_order, GFP_KERNEL,
					      flags);
	if (IS_ERR(pool)) {
		ret = PTR_ERR(pool);
		pr_err("cannot build the %s pool (size=%zu min_shift=%u max_order=%u): %d\n",
		       nbbs_layout_name(nbbs_param_layout), nbbs_arena.size,
		       min_shift, max_order, ret);
		nbbs_arena_release(&nbbs_arena);
		goto out_fault;
	}
	nbbs_default = pool;
	nbbs_fault_init_end(0);

	/* debugfs is optional: its failures are not the module's. */
	view.pool = pool;
	view.backing = nbbs_backing_name(nbbs_arena.backing);
	view.backing_requested = nbbs_backing_name(nbbs_arena.requested);
	view.hot = nbbs_param_hot;
	view.node = nbbs_arena.nid;
	view.map_page_size = nbbs_arena.map_page_size;
	view.cache = nbbs_arena.backing == NBBS_BACKING_PHYS && nbbs_arena.phys_wc ?
		     "wc" : "wb";
	nbbs_debugfs_init(&view);

	pr_info("%zu bytes (%s, %s%s%s), blocks of %lu..%lu bytes, %zu bytes of metadata\n",
		nbbs_arena.size, nbbs_backing_name(nbbs_arena.backing),
		nbbs_arena.phys != NBBS_PHYS_NONE ? "physically contiguous, " : "",
		nbbs_layout_name(nbbs_pool_layout(pool)),
		nbbs_param_hot ? ", hot blocks" : "",
		1UL << min_shift, 1UL << (min_shift + max_order),
		nbbs_pool_metadata_bytes(pool));
	return 0;

out_fault:
	nbbs_fault_init_end(ret);
out_core:
	nbbs_core_exit();
	return ret;
}

static void __exit nbbs_exit(void)
{
	unsigned long live;

	nbbs_debugfs_exit();

	/* Modules using the pool are gone; a live block is a client's leak. */
	live = nbbs_pool_live_blocks(nbbs_default);
	if (live)
		pr_warn("%lu blocks still allocated at unload\n", live);

	nbbs_pool_destroy(nbbs_default);
	nbbs_default = NULL;
	nbbs_arena_release(&nbbs_arena);
	nbbs_core_exit();
}

module_init(nbbs_init);
module_exit(nbbs_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("nbbs: a non-blocking buddy allocator");
