// SPDX-License-Identifier: GPL-2.0
/*
 * Cases of the nbbs core that the unit and stress tests leave out, for
 * `make coverage` (KTAP output): API corners (layout names, a NULL info,
 * a range that wraps around the address space, a short free-block array),
 * racing frees of one block, and a contention hammer: threads on their own
 * emulated CPUs allocating and freeing on a pool of a few blocks, so that
 * CAS conflicts, rollbacks, rescans and summary updates happen even on two
 * cores, also on pools with hot blocks.  Every case runs on both layouts.
 *
 * NBBS_SEED=<n> fixes the seeds; NBBS_STRESS_SECONDS=<s> the length of each
 * timed phase (default 0.5).
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nbbs_user.h>
#include <linux/atomic.h>
#include <linux/err.h>
#include <linux/kernel.h>
#include "nbbs_core.h"
#include "nbbs_test.h"

#define HAMMER_THREADS	4
#define HAMMER_HOLD	3

static u64 seed;
static double seconds = 0.5;
static const unsigned int layouts[] = { NBBS_POOL_TREE, NBBS_POOL_PACKED };
static char arena[1 << 16] __aligned(4096);

static const char *layout_name(unsigned int flags)
{
	if (flags & NBBS_POOL_HOT)
		return flags & NBBS_POOL_TREE ? "tree-hot" : "packed-hot";
	return flags == NBBS_POOL_TREE ? "tree" : "packed";
}

#ifdef NBBS_FAULT_INJECT
/* The kernel's lever on metadata allocations (nbbs_internal.h). */
extern atomic_t nbbs_fault_alloc_nth;
#endif

static void case_api_corners(unsigned int flags)
{
	struct nbbs_pool *pool;
	unsigned long maximal[2];
	char name[80];

	CHECK(!strcmp(nbbs_layout_name(NBBS_LAYOUT_TREE), "tree"));
	CHECK(!strcmp(nbbs_layout_name(NBBS_LAYOUT_PACKED), "packed"));
	CHECK(!strcmp(nbbs_layout_name(7), "?"));
	/* A range whose last byte wraps past the end of the address space. */
	pool = nbbs_pool_create_flags((void *)(~0UL - 4095), 8192, 12, 0,
				      GFP_KERNEL, flags);
	CHECK(PTR_ERR(pool) == -EINVAL);

	pool = nbbs_pool_create_flags(arena, 1024, 3, 7, GFP_KERNEL, flags);
	if (CHECK(!IS_ERR_OR_NULL(pool))) {
		nbbs_pool_info(pool, NULL);	/* must not crash */
		CHECK(nbbs_pool_free_blocks(pool, NULL, 8) == -EINVAL);
		/* Fewer entries than orders: only those are filled. */
		CHECK(nbbs_pool_free_blocks(pool, maximal, 2) == 2);
		CHECK(maximal[0] == 0 && maximal[1] == 0);
		CHECK(nbbs_pool_free_blocks(pool, maximal, 0) == 0);
		nbbs_pool_destroy(pool);
	}
#ifdef NBBS_FAULT_INJECT
	/* nbbs_fault_alloc_nth = 2: the second metadata allocation fails. */
	atomic_set(&nbbs_fault_alloc_nth, 2);
	pool = nbbs_pool_create_flags(arena, 1024, 3, 7, GFP_KERNEL, flags);
	CHECK(PTR_ERR(pool) == -ENOMEM);
	CHECK(atomic_read(&nbbs_fault_alloc_nth) == 0);
#endif
	snprintf(name, sizeof(name), "API corners [%s]", layout_name(flags));
	ktap_result(name);
}

/* ---- racing frees of one block ---- */

struct race {
	struct nbbs_pool *pool;
	pthread_barrier_t start, done;
	void *block;
	int stop;
	int result[2];
};

struct racer {
	struct race *r;
	pthread_t thread;
	int id;
};

static void *racer_fn(void *arg)
{
	struct racer *me = arg;
	struct race *r = me->r;

	nbbs_user_set_cpu(me->id + 1);
	for (;;) {
		pthread_barrier_wait(&r->start);
		if (r->stop)
			break;
		r->result[me->id] = nbbs_free(r->pool, r->block);
		pthread_barrier_wait(&r->done);
	}
	return NULL;
}

static void case_race(unsigned int flags)
{
	struct race r = { 0 };
	struct racer rc[2];
	unsigned long rounds = 0, bad = 0;
	int wins;
	double end = now_seconds() + seconds;
	u64 rs = seed;
	void *keep;
	char name[80];
	int i;

	r.pool = nbbs_pool_create_flags(arena, 4096, 3, 9, GFP_KERNEL, flags);
	if (!CHECK(!IS_ERR_OR_NULL(r.pool)))
		goto out;
	keep = nbbs_alloc(r.pool, 2);
	pthread_barrier_init(&r.start, NULL, 3);
	pthread_barrier_init(&r.done, NULL, 3);
	for (i = 0; i < 2; i++) {
		rc[i].r = &r;
		rc[i].id = i;
		pthread_create(&rc[i].thread, NULL, racer_fn, &rc[i]);
	}
	while (now_seconds() < end && rounds < 500000) {
		r.block = nbbs_alloc(r.pool, rnd_below(&rs, 6));
		if (!CHECK(r.block))
			break;
		pthread_barrier_wait(&r.start);
		pthread_barrier_wait(&r.done);
		wins = !r.result[0] + !r.result[1];
		if (wins != 1 || r.result[0] + r.result[1] != -EINVAL)
			bad++;
		rounds++;
	}
	r.stop = 1;
	pthread_barrier_wait(&r.start);
	for (i = 0; i < 2; i++)
		pthread_join(rc[i].thread, NULL);
	pthread_barrier_destroy(&r.start);
	pthread_barrier_destroy(&r.done);
	if (!CHECK(bad == 0))
		printf("# %lu of %lu rounds without exactly one winner\n", bad, rounds);
	CHECK(nbbs_free(r.pool, keep) == 0);
	CHECK(nbbs_pool_live_blocks(r.pool) == 0);
	CHECK(nbbs_alloc(r.pool, 9) == arena);
	CHECK(nbbs_free(r.pool, arena) == 0);
	nbbs_pool_destroy(r.pool);
	printf("# %s: %lu rounds\n", layout_name(flags), rounds);
out:
	snprintf(name, sizeof(name), "racing frees of one block: one wins [%s]",
		 layout_name(flags));
	ktap_result(name);
}

/* ---- contention on a pool of a few blocks ---- */

struct hammer {
	struct nbbs_pool *pool;
	unsigned int max_order;
	unsigned char owner[64];	/* per smallest block: thread + 1 */
	double deadline;
	long overlaps;
	long errors;
	unsigned long ops;
};

struct hammerer {
	struct hammer *h;
	pthread_t thread;
	unsigned int id;
	u64 rs;
};

static bool hammer_mark(struct hammer *h, char *p, unsigned int order,
			unsigned char from, unsigned char to)
{
	unsigned long leaf = (p - arena) >> 3, i;
	bool ok = true;

	for (i = 0; i < 1UL << order; i++) {
		unsigned char want = from;

		if (!__atomic_compare_exchange_n(&h->owner[leaf + i], &want, to, false,
						 __ATOMIC_RELAXED, __ATOMIC_RELAXED))
			ok = false;
	}
	return ok;
}

static void *hammer_fn(void *arg)
{
	struct hammerer *me = arg;
	struct hammer *h = me->h;
	char *held[HAMMER_HOLD] = { NULL };
	unsigned int order[HAMMER_HOLD];
	unsigned long ops = 0;
	unsigned int k;

	nbbs_user_set_cpu(me->id);
	while (now_seconds() < h->deadline) {
		for (k = 0; k < HAMMER_HOLD; k++) {
			if (held[k] && rnd_below(&me->rs, 2)) {
				if (!hammer_mark(h, held[k], order[k], me->id + 1, 0))
					__atomic_add_fetch(&h->overlaps, 1, __ATOMIC_RELAXED);
				if (nbbs_free(h->pool, held[k]))
					__atomic_add_fetch(&h->errors, 1, __ATOMIC_RELAXED);
				held[k] = NULL;
			} else if (!held[k]) {
				order[k] = rnd_below(&me->rs, h->max_order + 1);
				held[k] = nbbs_alloc(h->pool, order[k]);
				if (held[k] && !hammer_mark(h, held[k], order[k], 0, me->id + 1))
					__atomic_add_fetch(&h->overlaps, 1, __ATOMIC_RELAXED);
			}
			ops++;
		}
	}
	for (k = 0; k < HAMMER_HOLD; k++) {
		if (!held[k])
			continue;
		hammer_mark(h, held[k], order[k], me->id + 1, 0);
		if (nbbs_free(h->pool, held[k]))
			__atomic_add_fetch(&h->errors, 1, __ATOMIC_RELAXED);
	}
	__atomic_add_fetch(&h->ops, ops, __ATOMIC_RELAXED);
	return NULL;
}

static void case_hammer(unsigned int flags, unsigned int depth, unsigned int max_order)
{
	struct hammerer w[HAMMER_THREADS];
	struct hammer h = { .max_order = max_order };
	struct nbbs_stats st;
	char name[96];
	unsigned int i;
	void *p;

	h.pool = nbbs_pool_create_flags(arena, 8UL << depth, 3, max_order, GFP_KERNEL, flags);
	if (!CHECK(!IS_ERR_OR_NULL(h.pool)))
		goto out;
	h.deadline = now_seconds() + seconds;
	for (i = 0; i < HAMMER_THREADS; i++) {
		w[i].h = &h;
		w[i].id = i;
		w[i].rs = seed * (i + 3) + depth;
		pthread_create(&w[i].thread, NULL, hammer_fn, &w[i]);
	}
	for (i = 0; i < HAMMER_THREADS; i++)
		pthread_join(w[i].thread, NULL);
	nbbs_pool_stats(h.pool, &st);
	printf("# %s %u leaves max %u: %lu ops, conflicts %llu rollbacks %llu",
	       layout_name(flags), 1U << depth, max_order, h.ops,
	       (unsigned long long)st.cas_conflicts, (unsigned long long)st.rollbacks);
	printf(" restarts %llu giveups %llu lowered %llu\n",
	       (unsigned long long)st.scan_restarts, (unsigned long long)st.scan_giveups,
	       (unsigned long long)st.chunks_lowered);
	CHECK(h.ops > 0);
	CHECK(h.overlaps == 0 && h.errors == 0);
	CHECK(st.invalid_free == 0);
	CHECK(nbbs_pool_live_blocks(h.pool) == 0);
	p = nbbs_alloc(h.pool, max_order);
	CHECK(p == arena || (max_order < depth && p));
	CHECK(nbbs_free(h.pool, p) == 0);
	nbbs_pool_destroy(h.pool);
out:
	snprintf(name, sizeof(name),
		 "contention on %u blocks, max order %u: no overlap, nothing lost [%s]",
		 1U << depth, max_order, layout_name(flags));
	ktap_result(name);
}

int main(void)
{
	const char *s = getenv("NBBS_STRESS_SECONDS");
	int planned = 2 * 6;
	unsigned int i;

	ktap_plan(planned);
	seed = test_seed();
	if (s && *s)
		seconds = atof(s);
	/* The refused frees of the races are expected: keep them quiet. */
	nbbs_user_console_loglevel = 3;
	for (i = 0; i < ARRAY_SIZE(layouts); i++) {
		case_api_corners(layouts[i]);
		case_race(layouts[i]);
		case_hammer(layouts[i], 3, 3);
		case_hammer(layouts[i], 5, 5);
		case_hammer(layouts[i], 6, 2);
		case_hammer(layouts[i] | NBBS_POOL_HOT, 5, 5);
	}
	return ktap_finish(planned);
}
