// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the nbbs core that only userspace runs.  The API's cases
 * (every order, exhaustion, coalescing, invalid frees, statistics, a model
 * of the arena, creation errors, ...) are test_nbbs.c's, which runs in the
 * kernel and here alike (build/user/test_nbbs).  These are left:
 *   - create_enomem: every allocation of nbbs_pool_create() fails in turn
 *     through the shim's allocator, in every build (test_nbbs does it
 *     through nbbs_fault_alloc_nth, built only with NBBS_FAULT_INJECT);
 *   - null_pool: NULL and error pointers as pools; each WARNs, which the
 *     VM lanes' log check would take for a bug;
 *   - default_pool: the shim's default pool, built once by racing threads;
 *   - hot_*: hot blocks slot by slot (NBBS_HOT_ORDERS, NBBS_HOT_SLOTS of
 *     nbbs_internal.h), moving one thread between emulated CPUs.
 */
#include <errno.h>
#include <stddef.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nbbs_user.h>
#include <linux/err.h>
#include <linux/kernel.h>
#include "nbbs_core.h"
#include "../nbbs_internal.h"	/* NBBS_HOT_ORDERS, NBBS_HOT_SLOTS */
#include "test_layout.h"
#include "nbbs_test.h"

/* Every allocation of nbbs_pool_create() may fail: ERR_PTR(-ENOMEM), no leak. */
static void case_create_enomem(void)
{
	static char arena[1 << 16] __aligned(4096);
	struct nbbs_pool *pool;
	long live = nbbs_user_allocs_live();
	long total = nbbs_user_allocs_total();
	long n, needed;

	pool = nbbs_pool_create(arena, sizeof(arena), 6, 10, GFP_KERNEL);
	if (!CHECK(!IS_ERR_OR_NULL(pool)))
		return;
	needed = nbbs_user_allocs_total() - total;
	CHECK(needed >= 1);
	nbbs_pool_destroy(pool);
	CHECK(nbbs_user_allocs_live() == live);

	for (n = 1; n <= needed; n++) {
		nbbs_user_fail_nth_alloc(n);
		pool = nbbs_pool_create(arena, sizeof(arena), 6, 10, GFP_KERNEL);
		nbbs_user_fail_nth_alloc(0);
		if (!CHECK(IS_ERR(pool) && PTR_ERR(pool) == -ENOMEM)) {
			printf("# allocation %ld of %ld failing: create gave %p\n", n,
			       needed, (void *)pool);
			if (!IS_ERR_OR_NULL(pool))
				nbbs_pool_destroy(pool);
		}
		CHECK(nbbs_user_allocs_live() == live);
	}
	/* One past the last: it succeeds and works. */
	nbbs_user_fail_nth_alloc(needed + 1);
	pool = nbbs_pool_create(arena, sizeof(arena), 6, 10, GFP_KERNEL);
	nbbs_user_fail_nth_alloc(0);
	if (CHECK(!IS_ERR_OR_NULL(pool))) {
		void *p = nbbs_alloc(pool, 10);

		CHECK(p == arena);
		CHECK(nbbs_free(pool, p) == 0);
		nbbs_pool_destroy(pool);
	}
	CHECK(nbbs_user_allocs_live() == live);
	printf("# nbbs_pool_create() makes %ld allocations\n", needed);
}

/* NULL and error pointers where a pool is expected. */
static void case_null_pool(void)
{
	unsigned long calls = nbbs_null_pool_calls();
	unsigned long maximal[4];
	struct nbbs_info info;
	char c;

	CHECK(!nbbs_alloc(NULL, 0));
	CHECK(nbbs_free(NULL, &c) == -EINVAL);
	CHECK(nbbs_free(NULL, NULL) == 0);
	CHECK(nbbs_null_pool_calls() == calls + 2);
	memset(&info, 0xff, sizeof(info));
	nbbs_pool_info(NULL, &info);
	CHECK(!info.base && !info.size && !info.min_shift && !info.max_order);
	CHECK(nbbs_pool_free_blocks(NULL, maximal, 4) == -EINVAL);
	CHECK(nbbs_pool_live_blocks(NULL) == 0);
	nbbs_pool_destroy(NULL);
	nbbs_pool_destroy(ERR_PTR(-ENOMEM));
}

static void *default_pool_thread(void *arg)
{
	return nbbs_default_pool();
}

static void case_default_pool(void)
{
	struct nbbs_pool *pool, *other[4];
	struct nbbs_info info;
	pthread_t t[4];
	void *p;
	int i;

	for (i = 0; i < 4; i++)
		CHECK(pthread_create(&t[i], NULL, default_pool_thread, NULL) == 0);
	pool = nbbs_default_pool();
	for (i = 0; i < 4; i++) {
		other[i] = NULL;
		pthread_join(t[i], (void **)&other[i]);
		CHECK(other[i] == pool);
	}
	if (!CHECK(pool))
		return;
	nbbs_pool_info(pool, &info);
	CHECK(info.size == 64UL << 20 && info.min_shift == 12 && info.max_order == 10);
	CHECK((uintptr_t)info.base % (4096UL << 10) == 0);
	p = nbbs_alloc(pool, 10);
	CHECK(p && (char *)p >= (char *)info.base &&
	      (char *)p < (char *)info.base + info.size);
	if (p)
		memset(p, 0x5a, 4096UL << 10);	/* the arena is real memory */
	CHECK(nbbs_free(pool, p) == 0);
	CHECK(nbbs_pool_live_blocks(pool) == 0);
}

/*
 * Hot blocks (NBBS_POOL_HOT), whatever $NBBS_LAYOUT says: a pool of each
 * layout, 64 blocks of 64 bytes, largest order 6, on emulated CPUs 0 and 1.
 */
static struct nbbs_pool *hot_pool(char *arena, unsigned int layout)
{
	struct nbbs_pool *pool;

	nbbs_user_set_cpu(0);
	pool = nbbs_pool_create_flags(arena, 64 * 64, 6, 6, GFP_KERNEL,
				      layout | NBBS_POOL_HOT);
	return IS_ERR(pool) ? NULL : pool;
}

/* The layouts: both, on 32-bit too. */
static unsigned int nr_layouts(void)
{
	return 2;
}

static u64 hot_stat(struct nbbs_pool *pool, size_t off)
{
	struct nbbs_stats st;

	nbbs_pool_stats(pool, &st);
	return *(u64 *)((char *)&st + off);
}

#define HOT_STAT(pool, field)	hot_stat(pool, offsetof(struct nbbs_stats, field))

/* A freed block comes back on the CPU's next allocation of its order. */
static void case_hot_reuse(void)
{
	static char arena[64 * 64] __aligned(4096);
	static const unsigned int layouts[] = { NBBS_POOL_TREE, NBBS_POOL_PACKED };
	unsigned long maximal[7];
	unsigned int l, k;

	for (l = 0; l < nr_layouts(); l++) {
		struct nbbs_pool *pool = hot_pool(arena, layouts[l]);
		void *p, *q, *big;

		if (!CHECK(pool))
			return;
		big = nbbs_alloc(pool, 5);	/* keeps the tree busy above */
		for (k = 0; k < NBBS_HOT_ORDERS; k++) {
			p = nbbs_alloc(pool, k);
			CHECK(p && nbbs_free(pool, p) == 0);
			/* Parked: free for the pool's views, not coalesced. */
			CHECK(nbbs_pool_live_blocks(pool) == 1);
			CHECK(nbbs_pool_free_blocks(pool, maximal, 7) == 7);
			CHECK(maximal[k] >= 1);
			q = nbbs_alloc(pool, k);
			CHECK(q == p);
			CHECK(nbbs_free(pool, q) == 0);
		}
		CHECK(HOT_STAT(pool, hot_allocs) == NBBS_HOT_ORDERS);
		CHECK(HOT_STAT(pool, hot_frees) == 2 * NBBS_HOT_ORDERS);
		/* Order 4 and up are released in the tree at once. */
		p = nbbs_alloc(pool, NBBS_HOT_ORDERS);
		CHECK(p && nbbs_free(pool, p) == 0);
		CHECK(HOT_STAT(pool, hot_frees) == 2 * NBBS_HOT_ORDERS);
		CHECK(nbbs_free(pool, big) == 0);
		/* One block parked per order: drain gives back all four. */
		CHECK(nbbs_pool_drain(pool) == NBBS_HOT_ORDERS);
		CHECK(nbbs_pool_drain(pool) == 0);
		CHECK(HOT_STAT(pool, hot_reclaims) == NBBS_HOT_ORDERS);
		CHECK(nbbs_pool_free_blocks(pool, maximal, 7) == 7);
		CHECK(maximal[6] == 1 && maximal[0] == 0 && maximal[5] == 0);
		nbbs_pool_destroy(pool);
	}
	CHECK(nbbs_pool_drain(NULL) == 0);
}

/*
 * Double frees are refused: of a parked block, of a reclaimed one, and of
 * one released in the tree because the CPU's slots were full.
 */
static void case_hot_double_free(void)
{
	static char arena[64 * 64] __aligned(4096);
	static const unsigned int layouts[] = { NBBS_POOL_TREE, NBBS_POOL_PACKED };
	void *held[NBBS_HOT_SLOTS + 1];
	unsigned int l, i;

	for (l = 0; l < nr_layouts(); l++) {
		struct nbbs_pool *pool = hot_pool(arena, layouts[l]);
		void *p, *q;

		if (!CHECK(pool))
			return;
		p = nbbs_alloc(pool, 1);
		CHECK(p && nbbs_free(pool, p) == 0);
		CHECK(nbbs_free(pool, p) == -EINVAL);		/* parked */
		CHECK(nbbs_free(pool, (char *)p + 64) == -EINVAL);	/* interior */
		CHECK(nbbs_pool_drain(pool) == 1);
		CHECK(nbbs_free(pool, p) == -EINVAL);		/* reclaimed */
		/* The tree gives it out again: an ordinary block once more. */
		q = nbbs_alloc(pool, 1);
		CHECK(q == p && nbbs_free(pool, q) == 0);
		CHECK(nbbs_pool_drain(pool) == 1);

		/* One more than the slots: the last goes to the tree. */
		for (i = 0; i <= NBBS_HOT_SLOTS; i++)
			CHECK((held[i] = nbbs_alloc(pool, 0)));
		for (i = 0; i <= NBBS_HOT_SLOTS; i++)
			CHECK(nbbs_free(pool, held[i]) == 0);
		CHECK(HOT_STAT(pool, hot_frees) == NBBS_HOT_SLOTS + 2);
		CHECK(nbbs_free(pool, held[NBBS_HOT_SLOTS]) == -EINVAL);
		CHECK(nbbs_free(pool, held[0]) == -EINVAL);
		CHECK(HOT_STAT(pool, invalid_free) == 5);
		/* The parked ones come back last in, first out. */
		for (i = NBBS_HOT_SLOTS; i--; )
			CHECK(nbbs_alloc(pool, 0) == held[i]);
		for (i = 0; i < NBBS_HOT_SLOTS; i++)
			CHECK(nbbs_free(pool, held[i]) == 0);
		/* Nothing lost: the whole pool as one block. */
		p = nbbs_alloc(pool, 6);
		CHECK(p == arena && nbbs_free(pool, p) == 0);
		CHECK(nbbs_pool_live_blocks(pool) == 0);
		nbbs_pool_destroy(pool);
	}
}

/*
 * Blocks parked on another CPU are found by a failing allocation, and a
 * stale slot (its block reclaimed, then handed out and parked again
 * elsewhere) never gives a block twice.
 */
static void case_hot_other_cpu(void)
{
	static char arena[64 * 64] __aligned(4096);
	static const unsigned int layouts[] = { NBBS_POOL_TREE, NBBS_POOL_PACKED };
	void *held[64];
	unsigned int l, i, n;

	for (l = 0; l < nr_layouts(); l++) {
		struct nbbs_pool *pool = hot_pool(arena, layouts[l]);
		void *p, *q;

		if (!CHECK(pool))
			return;
		p = nbbs_alloc(pool, 0);
		CHECK(p && nbbs_free(pool, p) == 0);	/* parked on CPU 0 */
		nbbs_user_set_cpu(1);
		q = nbbs_alloc(pool, 6);		/* needs CPU 0's block */
		CHECK(q == arena);
		CHECK(nbbs_free(pool, q) == 0);
		/* Every smallest block, on CPU 1: p among them. */
		for (n = 0; n < 64 && (held[n] = nbbs_alloc(pool, 0)); n++)
			;
		CHECK(n == 64);
		for (i = 0; i < n; i++)
			if (held[i] == p)
				CHECK(nbbs_free(pool, held[i]) == 0);	/* parked on 1 */
		nbbs_user_set_cpu(0);
		/* CPU 0's slot still names p: taking it is right, p is parked. */
		CHECK(nbbs_alloc(pool, 0) == p);
		CHECK(!nbbs_alloc(pool, 0));		/* the slot of 1 is stale */
		nbbs_user_set_cpu(1);
		CHECK(!nbbs_alloc(pool, 0));
		for (i = 0; i < n; i++)
			CHECK(nbbs_free(pool, held[i]) == 0);
		CHECK(nbbs_alloc(pool, 6) == arena);
		CHECK(nbbs_pool_live_blocks(pool) == 1);
		nbbs_pool_destroy(pool);
		nbbs_user_set_cpu(0);
	}
}

static const struct {
	const char *name;
	void (*fn)(void);
} pool_cases[] = {
	{ "create_enomem", case_create_enomem },
	{ "null_pool", case_null_pool },
	{ "default_pool", case_default_pool },
	{ "hot_reuse", case_hot_reuse },
	{ "hot_double_free", case_hot_double_free },
	{ "hot_other_cpu", case_hot_other_cpu },
};

#define NR_POOL_CASES	ARRAY_SIZE(pool_cases)

int main(void)
{
	int planned = NR_POOL_CASES;
	unsigned int c;

	ktap_plan(planned);
	nbbs_user_console_loglevel = 3;	/* the invalid frees are expected */
	for (c = 0; c < NR_POOL_CASES; c++) {
		nbbs_user_set_cpu(0);
		pool_cases[c].fn();
		ktap_result(pool_cases[c].name);
	}
	return ktap_finish(planned);
}
