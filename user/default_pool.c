// SPDX-License-Identifier: GPL-2.0
/*
 * nbbs in userspace: nbbs_default_pool().
 *
 * In the kernel, nbbs.ko builds the default pool at load time over the arena
 * it reserves.  Here the first call of nbbs_default_pool() builds it, once
 * and thread-safely (pthread_once()): a 64 MiB arena from aligned_alloc(),
 * aligned to its largest block, managed in 4 KiB blocks up to order 10
 * (4 MiB), with hot blocks as nbbs.ko's default (hot=1).  The pool lives
 * until the program exits.  NULL if it could not be
 * built (an error is printed).
 */
#include <pthread.h>
#include <stdlib.h>

#include <linux/kernel.h>
#include <linux/err.h>
#include "nbbs_core.h"

#define DEFAULT_SIZE		(64UL << 20)
#define DEFAULT_MIN_SHIFT	12
#define DEFAULT_MAX_ORDER	10

static pthread_once_t default_once = PTHREAD_ONCE_INIT;
static struct nbbs_pool *default_pool;
static void *default_arena;

static void default_pool_init(void)
{
	struct nbbs_pool *pool;

	default_arena = aligned_alloc(1UL << (DEFAULT_MIN_SHIFT + DEFAULT_MAX_ORDER),
				      DEFAULT_SIZE);
	if (!default_arena) {
		pr_err("nbbs: no memory for the default arena\n");
		return;
	}
	pool = nbbs_pool_create_flags(default_arena, DEFAULT_SIZE, DEFAULT_MIN_SHIFT,
				      DEFAULT_MAX_ORDER, GFP_KERNEL, NBBS_POOL_HOT);
	if (IS_ERR(pool)) {
		pr_err("nbbs: default pool: error %ld\n", PTR_ERR(pool));
		free(default_arena);
		default_arena = NULL;
		return;
	}
	default_pool = pool;
}

struct nbbs_pool *nbbs_default_pool(void)
{
	pthread_once(&default_once, default_pool_init);
	return default_pool;
}
