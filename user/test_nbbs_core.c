// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the nbbs core in userspace, one KTAP case per behaviour and
 * pool shape: every order, exhaustion, coalescing, size-less and invalid
 * frees, bad orders, statistics, creation errors and injected allocation
 * failures, and a randomized run against a model of the arena.
 *
 * NBBS_SEED=<n> replays the randomized cases.
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
#include "../nbbs_internal.h"	/* nbbs_core_init() */
#include <linux/cpuhotplug.h>
#include "test_layout.h"
#include "nbbs_test.h"

struct shape {
	const char *name;
	unsigned int min_shift;	/* smallest block: 1 << min_shift bytes */
	unsigned int depth;	/* arena: 1 << depth smallest blocks */
	unsigned int max_order;
	size_t base_off;	/* arena start past a page boundary */
};

/* base_off makes "aligned from base" differ from "aligned in memory". */
static const struct shape shapes[] = {
	{ "8B x512 max9",	3, 9, 9, 8 },
	{ "8B x2 max1",		3, 1, 1, 0 },
	{ "8B x1 max0",		3, 0, 0, 8 },
	{ "64B x1024 max4",	6, 10, 4, 64 },
	{ "64B x4096 max0",	6, 12, 0, 192 },
	{ "4K x1024 max10",	12, 10, 10, 4096 * 3 },
	{ "4K x256 max3",	12, 8, 3, 0 },
};

#define NR_SHAPES	ARRAY_SIZE(shapes)

struct fx {
	const struct shape *s;
	struct nbbs_pool *pool;
	char *mem;
	char *base;
	size_t size;
	unsigned long leaves;
	unsigned int min_shift;
	unsigned int max_order;
	unsigned char *live;	/* per smallest block: held by the test */
	void **held;		/* blocks held, at most one per leaf */
	unsigned int *held_order;
	unsigned long nr_held;
};

static u64 seed;

static size_t bsize(const struct fx *f, unsigned int order)
{
	return 1UL << (f->min_shift + order);
}

static bool fx_init(struct fx *f, const struct shape *s)
{
	memset(f, 0, sizeof(*f));
	f->s = s;
	f->min_shift = s->min_shift;
	f->max_order = s->max_order;
	f->leaves = 1UL << s->depth;
	f->size = f->leaves << s->min_shift;
	f->mem = aligned_alloc(4096, (f->size + s->base_off + 8191) & ~4095UL);
	f->live = calloc(f->leaves, 1);
	f->held = calloc(f->leaves, sizeof(*f->held));
	f->held_order = calloc(f->leaves, sizeof(*f->held_order));
	if (!CHECK(f->mem && f->live && f->held && f->held_order))
		return false;
	f->base = f->mem + s->base_off;
	f->pool = nbbs_pool_create(f->base, f->size, f->min_shift, f->max_order,
				   GFP_KERNEL);
	if (!CHECK(!IS_ERR_OR_NULL(f->pool))) {
		f->pool = NULL;
		return false;
	}
	return true;
}

static void fx_fini(struct fx *f)
{
	nbbs_pool_destroy(f->pool);
	free(f->mem);
	free(f->live);
	free(f->held);
	free(f->held_order);
}

/* Leaf index of block @p of @order, checking where it lies; -1 if wrong. */
static long block_leaf(struct fx *f, void *p, unsigned int order)
{
	uintptr_t off;

	if (!CHECK((char *)p >= f->base && (char *)p < f->base + f->size))
		return -1;
	off = (char *)p - f->base;
	if (!CHECK(off % bsize(f, order) == 0))
		return -1;
	if (!CHECK(off + bsize(f, order) <= f->size))
		return -1;
	return off >> f->min_shift;
}

/* Allocate one block and record it; false when nbbs_alloc() gave NULL. */
static bool take(struct fx *f, unsigned int order)
{
	void *p = nbbs_alloc(f->pool, order);
	unsigned long i, n = 1UL << order;
	long leaf;

	if (!p)
		return false;
	leaf = block_leaf(f, p, order);
	if (leaf < 0)
		return true;
	for (i = 0; i < n; i++) {
		if (!CHECK(!f->live[leaf + i]))
			break;
		f->live[leaf + i] = 1;
	}
	f->held[f->nr_held] = p;
	f->held_order[f->nr_held] = order;
	f->nr_held++;
	return true;
}

/* Free held block number @k, size-less, and forget it. */
static void give(struct fx *f, unsigned long k)
{
	void *p = f->held[k];
	long leaf = ((char *)p - f->base) >> f->min_shift;
	unsigned long i;

	CHECK(nbbs_free(f->pool, p) == 0);
	for (i = 0; i < 1UL << f->held_order[k]; i++)
		f->live[leaf + i] = 0;
	f->nr_held--;
	f->held[k] = f->held[f->nr_held];
	f->held_order[k] = f->held_order[f->nr_held];
}

static void give_all(struct fx *f)
{
	while (f->nr_held)
		give(f, f->nr_held - 1);
}

/* Model: number of maximal free blocks per order, as nbbs_pool_free_blocks(). */
static void model_maximal(const struct fx *f, unsigned long *maximal)
{
	unsigned int j;
	unsigned long node, i;

	for (j = 0; j <= f->max_order; j++) {
		unsigned long n = 1UL << j;

		maximal[j] = 0;
		for (node = 0; node < f->leaves >> j; node++) {
			bool free_here = true, free_parent = true;
			unsigned long pstart = (node >> 1) << (j + 1);

			for (i = 0; i < n && free_here; i++)
				free_here = !f->live[node * n + i];
			if (!free_here)
				continue;
			if (j < f->max_order)
				for (i = 0; i < 2 * n && free_parent; i++)
					free_parent = !f->live[pstart + i];
			if (j == f->max_order || !free_parent)
				maximal[j]++;
		}
	}
}

/* Model: is an aligned run of 2^order free smallest blocks left? */
static bool model_has_free(const struct fx *f, unsigned int order)
{
	unsigned long n = 1UL << order, b, i;

	for (b = 0; b < f->leaves; b += n) {
		for (i = 0; i < n && !f->live[b + i]; i++)
			;
		if (i == n)
			return true;
	}
	return false;
}

/*
 * The pool's own view agrees with what the test holds.  Blocks a hot pool
 * keeps per CPU are free but not coalesced: give them back first, so the
 * tree matches the model of a buddy system.
 */
static void check_views(struct fx *f)
{
	unsigned long got[NBBS_ORDER_LIMIT + 1], want[NBBS_ORDER_LIMIT + 1];
	unsigned int j;
	int n;

	CHECK(nbbs_pool_live_blocks(f->pool) == f->nr_held);
	nbbs_pool_drain(f->pool);
	CHECK(nbbs_pool_live_blocks(f->pool) == f->nr_held);
	n = nbbs_pool_free_blocks(f->pool, got, NBBS_ORDER_LIMIT + 1);
	if (!CHECK(n == (int)f->max_order + 1))
		return;
	model_maximal(f, want);
	for (j = 0; j <= f->max_order; j++)
		if (!CHECK(got[j] == want[j]))
			printf("# order %u: pool says %lu maximal free blocks, model %lu\n",
			       j, got[j], want[j]);
}

static void check_all_free(struct fx *f)
{
	CHECK(f->nr_held == 0);
	check_views(f);
}

/* Fill the pool with blocks of @order; returns how many it gave. */
static unsigned long fill(struct fx *f, unsigned int order)
{
	unsigned long n = 0;

	while (take(f, order))
		n++;
	return n;
}

/* ---- cases over every shape ---- */

static void case_every_order(struct fx *f)
{
	struct nbbs_info info;
	unsigned int k;

	nbbs_pool_info(f->pool, &info);
	CHECK(info.base == f->base && info.size == f->size);
	CHECK(info.min_shift == f->min_shift && info.max_order == f->max_order);
	for (k = 0; k <= f->max_order; k++) {
		if (!CHECK(take(f, k)))
			continue;
		check_views(f);
		give_all(f);
	}
	/* Every order at once, while the others are held. */
	for (k = 0; k <= f->max_order && f->max_order < f->s->depth; k++)
		CHECK(take(f, k));
	check_views(f);
	give_all(f);
	check_all_free(f);
}

static void case_exhaust(struct fx *f)
{
	unsigned int k;

	for (k = 0; k <= f->max_order; k++) {
		unsigned long got = fill(f, k);

		if (!CHECK(got == f->leaves >> k))
			printf("# order %u: %lu blocks, want %lu\n", k, got, f->leaves >> k);
		CHECK(!nbbs_alloc(f->pool, k));
		CHECK(!nbbs_alloc(f->pool, 0));
		check_views(f);
		give_all(f);
		check_all_free(f);
	}
}

static void case_coalesce(struct fx *f)
{
	u64 rs = seed ^ f->leaves;
	unsigned long i, j, got;
	void *tmp;
	unsigned int to;

	/* All smallest, freed in random order, then all largest. */
	CHECK(fill(f, 0) == f->leaves);
	for (i = f->nr_held; i > 1; i--) {
		j = rnd_below(&rs, i);
		tmp = f->held[i - 1];
		f->held[i - 1] = f->held[j];
		f->held[j] = tmp;
		to = f->held_order[i - 1];
		f->held_order[i - 1] = f->held_order[j];
		f->held_order[j] = to;
	}
	give_all(f);
	got = fill(f, f->max_order);
	CHECK(got == f->leaves >> f->max_order);
	give_all(f);

	/* Mixed orders until full, then back to all largest and all smallest. */
	for (i = 0; i < 4 * f->leaves; i++)
		take(f, rnd_below(&rs, f->max_order + 1));
	check_views(f);
	while (f->nr_held)
		give(f, rnd_below(&rs, f->nr_held));
	CHECK(fill(f, f->max_order) == f->leaves >> f->max_order);
	give_all(f);
	CHECK(fill(f, 0) == f->leaves);
	give_all(f);
	check_all_free(f);
}

static u64 stat_invalid(struct fx *f)
{
	struct nbbs_stats st;

	nbbs_pool_stats(f->pool, &st);
	return st.invalid_free;
}

/* nbbs_free(@p) must be refused, counted once, and change nothing. */
static void expect_invalid(struct fx *f, void *p)
{
	u64 before = stat_invalid(f);
	unsigned long live = nbbs_pool_live_blocks(f->pool);

	if (!CHECK(nbbs_free(f->pool, p) == -EINVAL))
		printf("# free of %p (base %p) accepted\n", p, (void *)f->base);
	CHECK(stat_invalid(f) == before + 1);
	CHECK(nbbs_pool_live_blocks(f->pool) == live);
}

static void case_invalid_free(struct fx *f)
{
	unsigned long warnings = nbbs_user_warnings();
	unsigned int top = f->max_order;
	long local;
	char *p, *lo, *hi;

	/* Never allocated: the arena's start, end and outside. */
	expect_invalid(f, f->base);
	expect_invalid(f, f->base + f->size);
	expect_invalid(f, f->base - 8);
	expect_invalid(f, &local);
	expect_invalid(f, f->base + 1);
	CHECK(nbbs_free(f->pool, NULL) == 0);
	/* The first invalid free of a pool WARNs, once. */
	CHECK(nbbs_user_warnings() == warnings + 1);

	/* A live largest block: interior and misaligned pointers, then double free. */
	if (!CHECK(take(f, top)))
		return;
	p = f->held[0];
	expect_invalid(f, p + 1);
	expect_invalid(f, p + 4);
	if (top)
		expect_invalid(f, p + bsize(f, top - 1));
	if (bsize(f, top) > bsize(f, 0))
		expect_invalid(f, p + bsize(f, 0));
	if (bsize(f, top) > 8)
		expect_invalid(f, p + bsize(f, top) - 8);
	give(f, 0);
	expect_invalid(f, p);

	/*
	 * Two smallest blocks; with the lower one freed, the pointers below
	 * the higher one are free blocks under a partly used subtree.
	 */
	if (f->leaves >= 2) {
		if (!CHECK(take(f, 0)) || !CHECK(take(f, 0)))
			return;
		lo = f->held[0];
		hi = f->held[1];
		if (lo > hi) {
			hi = f->held[0];
			lo = f->held[1];
		}
		give(f, f->held[0] == lo ? 0 : 1);
		expect_invalid(f, hi - bsize(f, 0));
		expect_invalid(f, f->base);
		give_all(f);
		expect_invalid(f, hi);
	}
	CHECK(nbbs_user_warnings() == warnings + 1);

	/* Nothing was lost: all of it allocatable, largest then smallest. */
	CHECK(fill(f, f->max_order) == f->leaves >> f->max_order);
	give_all(f);
	CHECK(fill(f, 0) == f->leaves);
	give_all(f);
	check_all_free(f);
}

static void case_bad_order(struct fx *f)
{
	struct nbbs_stats st;
	unsigned int k;

	CHECK(!nbbs_alloc(f->pool, f->max_order + 1));
	CHECK(!nbbs_alloc(f->pool, NBBS_ORDER_LIMIT + 1));
	CHECK(!nbbs_alloc(f->pool, ~0u));
	CHECK(!nbbs_alloc(f->pool, 1u << 31));
	nbbs_pool_stats(f->pool, &st);
	CHECK(st.alloc_bad_order == 4);
	for (k = 0; k <= NBBS_ORDER_LIMIT; k++)
		CHECK(st.alloc[k] == 0 && st.alloc_fail[k] == 0);
	check_all_free(f);
}

static void case_stats(struct fx *f)
{
	u64 alloc[NBBS_ORDER_LIMIT + 1] = { 0 }, freed[NBBS_ORDER_LIMIT + 1] = { 0 };
	u64 fail[NBBS_ORDER_LIMIT + 1] = { 0 };
	u64 rs = seed + 7;
	struct nbbs_stats st;
	unsigned int k;
	unsigned long i;

	for (i = 0; i < 3 * f->leaves + 50; i++) {
		if (f->nr_held && rnd_below(&rs, 3) == 0) {
			unsigned long h = rnd_below(&rs, f->nr_held);

			freed[f->held_order[h]]++;
			give(f, h);
			continue;
		}
		k = rnd_below(&rs, f->max_order + 1);
		nbbs_user_set_cpu(rnd_below(&rs, 4));
		if (take(f, k))
			alloc[k]++;
		else
			fail[k]++;
	}
	for (i = 0; i < f->nr_held; i++)
		freed[f->held_order[i]]++;
	give_all(f);
	nbbs_user_set_cpu(0);
	nbbs_pool_stats(f->pool, &st);
	for (k = 0; k <= NBBS_ORDER_LIMIT; k++) {
		CHECK(st.alloc[k] == alloc[k]);
		CHECK(st.free[k] == freed[k]);
		CHECK(st.alloc_fail[k] == fail[k]);
	}
	CHECK(st.invalid_free == 0 && st.alloc_bad_order == 0);
	/* Sequential: no concurrent release, so never a rescan or a give-up. */
	CHECK(st.scan_restarts == 0 && st.scan_giveups == 0);
#ifndef NBBS_FAULT_INJECT
	/* (Injected CAS failures count as conflicts and change nothing else.) */
	CHECK(st.cas_conflicts == 0);
#endif
	CHECK(st.alloc_atomics >= alloc[0]);
	check_all_free(f);
}

/*
 * Random operations against the model, from several emulated CPUs: a NULL
 * must mean that the model has no aligned free run of that order, and every
 * block must be free in the model.
 */
static void case_model(struct fx *f)
{
	u64 alloc[NBBS_ORDER_LIMIT + 1] = { 0 }, fail[NBBS_ORDER_LIMIT + 1] = { 0 };
	u64 rs = seed * 3 + f->leaves;
	unsigned long ops = 20000, i, false_null = 0;
	struct nbbs_stats st;
	u64 invalid = 0;
	unsigned int k;

	for (i = 0; i < ops; i++) {
		unsigned int r = rnd_below(&rs, 100);

		nbbs_user_set_cpu(rnd_below(&rs, NBBS_USER_NR_CPUS));
		if (r < 45 && f->nr_held) {
			give(f, rnd_below(&rs, f->nr_held));
		} else if (r < 47) {
			/* a smallest-block pointer: valid if a live block starts there */
			unsigned long leaf = rnd_below(&rs, f->leaves), h;
			char *p = f->base + (leaf << f->min_shift);

			for (h = 0; h < f->nr_held && f->held[h] != p; h++)
				;
			if (h < f->nr_held) {
				give(f, h);
			} else {
				CHECK(nbbs_free(f->pool, p) == -EINVAL);
				invalid++;
			}
		} else {
			/* favour small orders, as real users do */
			k = rnd_below(&rs, f->max_order + 1);
			k = rnd_below(&rs, k + 1);
			if (take(f, k)) {
				alloc[k]++;
			} else {
				fail[k]++;
				if (!CHECK(!model_has_free(f, k)) && false_null++ < 3)
					printf("# op %lu: order %u NULL with a free run\n", i, k);
			}
		}
		if (i % 97 == 0)
			check_views(f);
	}
	check_views(f);
	give_all(f);
	nbbs_user_set_cpu(0);
	nbbs_pool_stats(f->pool, &st);
	for (k = 0; k <= f->max_order; k++)
		CHECK(st.alloc[k] == alloc[k] && st.alloc_fail[k] == fail[k]);
	CHECK(st.invalid_free == invalid);
	check_all_free(f);
}

struct shape_case {
	const char *name;
	void (*fn)(struct fx *f);
};

static const struct shape_case shape_cases[] = {
	{ "every_order", case_every_order },
	{ "exhaust", case_exhaust },
	{ "coalesce", case_coalesce },
	{ "invalid_free", case_invalid_free },
	{ "bad_order", case_bad_order },
	{ "stats", case_stats },
	{ "model", case_model },
};

#define NR_SHAPE_CASES	ARRAY_SIZE(shape_cases)

/* ---- cases about pools as a whole ---- */

static void expect_create_einval(void *base, size_t size, unsigned int min_shift,
				 unsigned int max_order)
{
	long live = nbbs_user_allocs_live();
	struct nbbs_pool *pool = nbbs_pool_create(base, size, min_shift, max_order,
						  GFP_KERNEL);

	if (!CHECK(IS_ERR(pool) && PTR_ERR(pool) == -EINVAL)) {
		printf("# create(%p, %zu, %u, %u) gave %p\n", base, size, min_shift,
		       max_order, (void *)pool);
		if (!IS_ERR_OR_NULL(pool))
			nbbs_pool_destroy(pool);
	}
	CHECK(nbbs_user_allocs_live() == live);
}

static void case_create_bad_args(void)
{
	static char arena[1 << 16] __aligned(4096);

	expect_create_einval(NULL, 4096, 12, 0);
	expect_create_einval(arena, 0, 6, 0);
	expect_create_einval(arena, 3 * 64, 6, 0);	/* 3 blocks */
	expect_create_einval(arena, 6 * 64, 6, 1);	/* 6 blocks */
	expect_create_einval(arena, 64 + 8, 6, 0);	/* not a multiple */
	expect_create_einval(arena, 32, 6, 0);		/* less than a block */
	expect_create_einval(arena, 4096, 2, 0);	/* 4-byte blocks */
	expect_create_einval(arena, 4096, 0, 0);
	expect_create_einval(arena, 4096, 6, 7);	/* 64 blocks: order 6 at most */
	expect_create_einval(arena, 4096, 12, 1);
	expect_create_einval(arena, 1 << 16, 3, NBBS_ORDER_LIMIT + 1);
	expect_create_einval(arena, 1 << 16, 3, ~0u);
	expect_create_einval(arena, 1 << 16, 64, 0);
	expect_create_einval(arena, 1 << 16, ~0u, 0);
	/* A range that wraps around the address space. */
	expect_create_einval((void *)(UINTPTR_MAX - 4095), 1 << 16, 12, 0);
	/* A base not aligned to the smallest block: blocks would not be. */
	expect_create_einval(arena + 8, 1 << 10, 6, 0);
	expect_create_einval(arena + 2048, 1 << 12, 12, 0);
}

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

/* Destroying a pool with live blocks frees all its metadata. */
static void case_destroy_live(void)
{
	static char arena[1 << 14] __aligned(4096);
	long live = nbbs_user_allocs_live();
	struct nbbs_pool *pool;
	int i;

	pool = nbbs_pool_create(arena, sizeof(arena), 4, 5, GFP_KERNEL);
	if (!CHECK(!IS_ERR_OR_NULL(pool)))
		return;
	for (i = 0; i < 10; i++)
		CHECK(nbbs_alloc(pool, i % 6));
	CHECK(nbbs_pool_live_blocks(pool) == 10);
	nbbs_pool_destroy(pool);
	CHECK(nbbs_user_allocs_live() == live);
}

/* With 4 KiB blocks the metadata is at most 0.5% of the arena. */
static void case_metadata(void)
{
	size_t size = 64UL << 20;
	struct nbbs_pool *pool;
	char *arena = aligned_alloc(4096, size);
	size_t meta;

	if (!CHECK(arena))
		return;
	pool = nbbs_pool_create(arena, size, 12, 10, GFP_KERNEL);
	if (CHECK(!IS_ERR_OR_NULL(pool))) {
		meta = nbbs_pool_metadata_bytes(pool);
		printf("# 64 MiB of 4 KiB blocks, %u CPUs: %zu metadata bytes, %.3f%%\n",
		       NBBS_USER_NR_CPUS, meta, 100.0 * meta / size);
		/*
		 * The tree layout's 64-bit node words cost 16 bytes per smallest
		 * block (0.39%), the 64 emulated CPUs about 96 KiB (0.15%).
		 */
		CHECK(meta > 0 && meta <= size / 160);
		nbbs_pool_destroy(pool);
	}
	free(arena);
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
 * A failing allocation in a single thread, where no release can complete
 * meanwhile, must not count a rescan: scan_restarts means "a release
 * completed while the scan was failing".  The scan here is cut short by a
 * live block that covers the whole level.
 */
static void case_no_rescan_alone(void)
{
	static char arena[1 << 12] __aligned(4096);
	static const unsigned int depth[] = { 1, 9 };
	struct nbbs_stats st;
	unsigned int i;

	for (i = 0; i < 2; i++) {
		struct nbbs_pool *pool = nbbs_pool_create(arena, 8UL << depth[i], 3,
							  depth[i], GFP_KERNEL);
		void *p;

		if (!CHECK(!IS_ERR_OR_NULL(pool)))
			return;
		p = nbbs_alloc(pool, depth[i]);
		CHECK(p && nbbs_free(pool, p) == 0);	/* one release, long done */
		p = nbbs_alloc(pool, depth[i]);
		CHECK(p == arena);
		CHECK(!nbbs_alloc(pool, 0));
		nbbs_pool_stats(pool, &st);
		if (!CHECK(st.scan_restarts == 0 && st.scan_giveups == 0))
			printf("# 8B x%lu max%u: %llu restarts, %llu giveups after one NULL\n",
			       1UL << depth[i], depth[i],
			       (unsigned long long)st.scan_restarts,
			       (unsigned long long)st.scan_giveups);
		CHECK(nbbs_free(pool, p) == 0);
		nbbs_pool_destroy(pool);
	}
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

/*
 * A CPU that goes offline gives the blocks it parked back to the tree, and
 * its slots are empty when it comes back (the shim runs the hotplug
 * teardown callback as the kernel does once the CPU is dead).
 */
static void case_hot_cpu_dead(void)
{
	static char arena[64 * 64] __aligned(4096);
	static const unsigned int layouts[] = { NBBS_POOL_TREE, NBBS_POOL_PACKED };
	unsigned int l, i;
	void *held[3];

	if (!CHECK(nbbs_core_init() == 0))
		return;
	for (l = 0; l < nr_layouts(); l++) {
		struct nbbs_pool *pool = hot_pool(arena, layouts[l]);
		void *p;

		if (!CHECK(pool))
			break;
		nbbs_user_set_cpu(1);
		for (i = 0; i < 3; i++)
			held[i] = nbbs_alloc(pool, i);
		for (i = 0; i < 3; i++)
			CHECK(held[i] && nbbs_free(pool, held[i]) == 0);
		CHECK(HOT_STAT(pool, hot_frees) == 3);
		nbbs_user_set_cpu(0);
		nbbs_user_cpu_dead(1);
		CHECK(HOT_STAT(pool, hot_reclaims) == 3);
		/* Back in the tree: the whole pool as one block, no drain needed. */
		p = nbbs_alloc(pool, 6);
		CHECK(p == arena && nbbs_free(pool, p) == 0);
		CHECK(HOT_STAT(pool, hot_reclaims) == 3);
		/* CPU 1 comes back with empty slots. */
		nbbs_user_set_cpu(1);
		p = nbbs_alloc(pool, 0);
		CHECK(p && HOT_STAT(pool, hot_allocs) == 0);
		CHECK(nbbs_free(pool, p) == 0);
		nbbs_user_set_cpu(0);
		nbbs_pool_drain(pool);
		CHECK(nbbs_pool_live_blocks(pool) == 0);
		nbbs_pool_destroy(pool);
	}
	nbbs_core_exit();
}

static const struct {
	const char *name;
	void (*fn)(void);
} pool_cases[] = {
	{ "create_bad_args", case_create_bad_args },
	{ "create_enomem", case_create_enomem },
	{ "null_pool", case_null_pool },
	{ "destroy_live", case_destroy_live },
	{ "metadata_ratio", case_metadata },
	{ "default_pool", case_default_pool },
	{ "no_rescan_alone", case_no_rescan_alone },
	{ "hot_reuse", case_hot_reuse },
	{ "hot_double_free", case_hot_double_free },
	{ "hot_other_cpu", case_hot_other_cpu },
	{ "hot_cpu_dead", case_hot_cpu_dead },
};

#define NR_POOL_CASES	ARRAY_SIZE(pool_cases)

int main(void)
{
	int planned = NR_SHAPES * NR_SHAPE_CASES + NR_POOL_CASES;
	unsigned int s, c;
	char name[128];
	long live;

	ktap_plan(planned);
	seed = test_seed();
	nbbs_user_console_loglevel = 3;	/* the invalid frees are expected */
	live = nbbs_user_allocs_live();

	for (s = 0; s < NR_SHAPES; s++) {
		for (c = 0; c < NR_SHAPE_CASES; c++) {
			struct fx f;

			nbbs_user_set_cpu(0);
			if (fx_init(&f, &shapes[s]))
				shape_cases[c].fn(&f);
			fx_fini(&f);
			CHECK(nbbs_user_allocs_live() == live);
			snprintf(name, sizeof(name), "%s %s", shape_cases[c].name,
				 shapes[s].name);
			ktap_result(name);
		}
	}
	for (c = 0; c < NR_POOL_CASES; c++) {
		nbbs_user_set_cpu(0);
		pool_cases[c].fn();
		ktap_result(pool_cases[c].name);
	}
	return ktap_finish(planned);
}
