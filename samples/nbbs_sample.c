// SPDX-License-Identifier: GPL-2.0
/*
 * nbbs_sample - how a kernel module uses nbbs.
 *
 * Load nbbs.ko first, then this module.  Its init:
 *   1. looks at the default pool that nbbs.ko built at load time,
 *   2. allocates blocks of several orders from it, writes them, frees them,
 *   3. builds a private pool over memory it owns, uses it, destroys it,
 *   4. keeps one block of the default pool until it is unloaded.
 * Any failure makes init fail, so a successful insmod is a passed test.
 *
 * Build it like any outside module, against nbbs_core.h and the
 * Module.symvers of the nbbs build (KBUILD_EXTRA_SYMBOLS=.../Module.symvers).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "nbbs_core.h"

/* Held from init to exit, to show a block outliving a function call. */
static void *sample_block;

/* The bytes in a block of @order of a pool whose smallest block is 2^min_shift. */
static size_t block_bytes(const struct nbbs_info *info, unsigned int order)
{
	return (size_t)1 << (info->min_shift + order);
}

/*
 * Allocate one block of @order, fill it, check the filling, free it.
 * nbbs_free() needs no size: the pool knows each live block's order.
 */
static int use_one_block(struct nbbs_pool *pool, const struct nbbs_info *info,
			 unsigned int order)
{
	size_t bytes = block_bytes(info, order);
	unsigned char *p;
	int ret;

	p = nbbs_alloc(pool, order);
	if (!p) {
		pr_err("no free block of order %u (%zu bytes)\n", order, bytes);
		return -ENOMEM;
	}

	/* A block is aligned to its own size, counted from the pool's base. */
	if ((p - (unsigned char *)info->base) % bytes) {
		pr_err("order %u block at offset %td is misaligned\n",
		       order, p - (unsigned char *)info->base);
		nbbs_free(pool, p);
		return -EFAULT;
	}

	memset(p, 0xa5, bytes);
	if (p[0] != 0xa5 || p[bytes - 1] != 0xa5) {
		pr_err("order %u block does not hold what was written\n", order);
		nbbs_free(pool, p);
		return -EFAULT;
	}

	pr_info("order %u: %zu bytes at offset %td\n",
		order, bytes, p - (unsigned char *)info->base);

	ret = nbbs_free(pool, p);
	if (ret)
		pr_err("freeing the order %u block failed: %d\n", order, ret);
	return ret;
}

/* Smallest, second smallest, a middle and the largest order of the pool. */
static int use_default_pool(struct nbbs_pool *pool)
{
	struct nbbs_info info;
	unsigned int orders[4];
	int i, ret;

	nbbs_pool_info(pool, &info);
	pr_info("default pool: base %p, %zu bytes, blocks of %zu..%zu bytes\n",
		info.base, info.size, block_bytes(&info, 0),
		block_bytes(&info, info.max_order));

	orders[0] = 0;
	orders[1] = min(1U, info.max_order);
	orders[2] = info.max_order / 2;
	orders[3] = info.max_order;
	for (i = 0; i < ARRAY_SIZE(orders); i++) {
		ret = use_one_block(pool, &info, orders[i]);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * A pool of one's own: 16 KiB of kmalloc'ed memory cut into blocks of
 * 64 bytes (min_shift 6) up to the whole 16 KiB (max_order 8).  The caller
 * owns the memory and frees it after nbbs_pool_destroy().
 */
#define SAMPLE_ARENA_SIZE	(16 * 1024)
#define SAMPLE_MIN_SHIFT	6
#define SAMPLE_MAX_ORDER	8

static int use_private_pool(void)
{
	struct nbbs_pool *pool;
	void *small, *large;
	void *arena;
	int ret = 0;

	arena = kmalloc(SAMPLE_ARENA_SIZE, GFP_KERNEL);
	if (!arena)
		return -ENOMEM;

	/* Metadata comes from the gfp given here; the arena is never touched. */
	pool = nbbs_pool_create(arena, SAMPLE_ARENA_SIZE, SAMPLE_MIN_SHIFT,
				SAMPLE_MAX_ORDER, GFP_KERNEL);
	if (IS_ERR(pool)) {
		ret = PTR_ERR(pool);
		pr_err("nbbs_pool_create failed: %d\n", ret);
		goto out_kfree;
	}

	small = nbbs_alloc(pool, 0);		/* 64 bytes */
	large = nbbs_alloc(pool, 7);		/* 8 KiB: half the arena */
	if (!small || !large) {
		pr_err("private pool: allocation failed\n");
		ret = -ENOMEM;
	} else {
		strscpy(small, "hello from a private nbbs pool", 64);
		pr_info("private pool: %s\n", (char *)small);
	}

	/* Free everything before destroying the pool; NULL frees are no-ops. */
	if (nbbs_free(pool, small) || nbbs_free(pool, large)) {
		pr_err("private pool: free failed\n");
		ret = -EINVAL;
	}
	nbbs_pool_destroy(pool);
out_kfree:
	kfree(arena);
	return ret;
}

static int __init nbbs_sample_init(void)
{
	struct nbbs_pool *pool = nbbs_default_pool();
	int ret;

	if (!pool)
		return -ENODEV;

	ret = use_default_pool(pool);
	if (ret)
		return ret;

	ret = use_private_pool();
	if (ret)
		return ret;

	sample_block = nbbs_alloc(pool, 0);
	if (!sample_block)
		return -ENOMEM;
	pr_info("holding one block until unload\n");
	return 0;
}

static void __exit nbbs_sample_exit(void)
{
	nbbs_free(nbbs_default_pool(), sample_block);
}

module_init(nbbs_sample_init);
module_exit(nbbs_sample_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("nbbs sample client: allocate and free through the nbbs API");
