// SPDX-License-Identifier: GPL-2.0
/*
 * Multithreaded stress test of the nbbs core in userspace (KTAP output).
 *
 * Threads allocate blocks of random orders and free them again.  Every
 * smallest block of a live block carries its owner's stamp (thread and
 * sequence number), checked before the block is freed, and an ownership
 * bitmap over the smallest blocks (nbbs_workload.h, the checker the kernel
 * stress tester and the benchmark use too) is claimed when a block is
 * handed out, so any overlap between two live blocks is caught exactly.
 * The bitmap operations are relaxed: the only ordering between one owner's
 * stamps and the next owner's is the one the allocator provides, which is
 * what ThreadSanitizer then checks.  A reader
 * thread sums the statistics and walks the tree meanwhile, as debugfs does.
 *
 * Then threads race nbbs_free() on one block: exactly one must win.
 *
 * NBBS_SEED=<n> fixes the seeds; NBBS_STRESS_SECONDS=<s> the duration of
 * each stress phase (default 1.5).
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nbbs_user.h>
#include <linux/bitops.h>
#include <linux/err.h>
#include <linux/kernel.h>
#include "nbbs_core.h"
#include "nbbs_workload.h"
#include "test_layout.h"
#include "nbbs_test.h"

#define MAX_THREADS	8
#define OPS_PER_THREAD	2000000UL

struct config {
	const char *name;
	unsigned int min_shift;
	unsigned int depth;
	unsigned int max_order;
	unsigned int threads;
	unsigned int slots;	/* blocks a thread holds at most */
	unsigned int cpus;	/* emulated CPUs the threads share */
};

static const struct config configs[] = {
	{ "64B x4096 max6, 8 threads on 8 CPUs", 6, 12, 6, 8, 48, 8 },
	{ "8B x1024 max10, 6 threads on 2 CPUs", 3, 10, 10, 6, 24, 2 },
	{ "4K x512 max9, 4 threads on 4 CPUs", 12, 9, 9, 4, 40, 4 },
};

#define NR_CONFIGS	ARRAY_SIZE(configs)

struct stress {
	const struct config *cfg;
	struct nbbs_pool *pool;
	char *mem;
	char *base;
	size_t size;
	unsigned long leaves;
	struct nbbs_owner own;	/* one bit per smallest block */
	double deadline;
	int stop_reader;

	/* results, summed over threads */
	long overlaps;
	long stamp_errors;
	long free_errors;
	long place_errors;
	u64 allocs[NBBS_ORDER_LIMIT + 1];
	u64 frees[NBBS_ORDER_LIMIT + 1];
	u64 nulls[NBBS_ORDER_LIMIT + 1];
	long reader_errors;
	long reader_rounds;
};

struct worker {
	struct stress *st;
	pthread_t thread;
	unsigned int id;
	u64 rs;
};

static u64 seed;
static double seconds = 1.5;

static void add(long *counter, long n)
{
	if (n)
		__atomic_fetch_add(counter, n, __ATOMIC_RELAXED);
}

static u64 stamp_of(unsigned int id, unsigned long seq)
{
	return ((u64)(id + 1) << 48) | (seq & 0xffffffffffffULL);
}

static void *worker_fn(void *arg)
{
	struct worker *w = arg;
	struct stress *st = w->st;
	const struct config *cfg = st->cfg;
	unsigned int min_shift = cfg->min_shift;
	char *ptr[64] = { NULL };
	unsigned int order[64];
	u64 stamp[64];
	long overlaps = 0, stamp_errors = 0, free_errors = 0, place_errors = 0;
	u64 allocs[NBBS_ORDER_LIMIT + 1] = { 0 }, frees[NBBS_ORDER_LIMIT + 1] = { 0 };
	u64 nulls[NBBS_ORDER_LIMIT + 1] = { 0 };
	unsigned long op, seq = 0, i, s;

	nbbs_user_set_cpu(w->id % cfg->cpus);
	for (op = 0; op < OPS_PER_THREAD; op++) {
		if (!(op & 255) && now_seconds() > st->deadline)
			break;
		s = rnd_below(&w->rs, cfg->slots);
		if (ptr[s]) {
			long leaf = nbbs_owner_index(&st->own, ptr[s], order[s]);

			for (i = 0; i < 1UL << order[s]; i++) {
				u64 v;

				memcpy(&v, ptr[s] + (i << min_shift), sizeof(v));
				if (v != stamp[s])
					stamp_errors++;
			}
			overlaps += nbbs_owner_release(&st->own, leaf, order[s]);
			if (nbbs_free(st->pool, ptr[s]))
				free_errors++;
			frees[order[s]]++;
			ptr[s] = NULL;
		} else {
			/* small orders mostly, the largest now and then */
			unsigned int k = rnd_below(&w->rs, cfg->max_order + 1);
			char *p;
			long leaf;

			k = rnd_below(&w->rs, k + 1);
			p = nbbs_alloc(st->pool, k);
			if (!p) {
				nulls[k]++;
				continue;
			}
			allocs[k]++;
			leaf = nbbs_owner_index(&st->own, p, k);
			if (leaf < 0) {
				place_errors++;
				continue;	/* leaked on purpose: never touch it */
			}
			overlaps += nbbs_owner_claim(&st->own, leaf, k);
			stamp[s] = stamp_of(w->id, seq++);
			for (i = 0; i < 1UL << k; i++)
				memcpy(p + (i << min_shift), &stamp[s], sizeof(stamp[s]));
			ptr[s] = p;
			order[s] = k;
		}
	}
	for (s = 0; s < cfg->slots; s++) {
		if (!ptr[s])
			continue;
		overlaps += nbbs_owner_release(&st->own,
					       nbbs_owner_index(&st->own, ptr[s], order[s]),
					       order[s]);
		if (nbbs_free(st->pool, ptr[s]))
			free_errors++;
		frees[order[s]]++;
	}
	add(&st->overlaps, overlaps);
	add(&st->stamp_errors, stamp_errors);
	add(&st->free_errors, free_errors);
	add(&st->place_errors, place_errors);
	for (i = 0; i <= NBBS_ORDER_LIMIT; i++) {
		__atomic_fetch_add(&st->allocs[i], allocs[i], __ATOMIC_RELAXED);
		__atomic_fetch_add(&st->frees[i], frees[i], __ATOMIC_RELAXED);
		__atomic_fetch_add(&st->nulls[i], nulls[i], __ATOMIC_RELAXED);
	}
	return NULL;
}

/* Reads what debugfs reads, while the workers run. */
static void *reader_fn(void *arg)
{
	struct stress *st = arg;
	unsigned long maximal[NBBS_ORDER_LIMIT + 1];
	struct nbbs_stats stats;
	long errors = 0, rounds = 0;

	nbbs_user_set_cpu(NBBS_USER_NR_CPUS - 1);
	while (!__atomic_load_n(&st->stop_reader, __ATOMIC_RELAXED)) {
		nbbs_pool_stats(st->pool, &stats);
		if (nbbs_pool_free_blocks(st->pool, maximal, NBBS_ORDER_LIMIT + 1) !=
		    (int)st->cfg->max_order + 1)
			errors++;
		if (nbbs_pool_live_blocks(st->pool) > st->leaves)
			errors++;
		rounds++;
	}
	st->reader_errors = errors;
	st->reader_rounds = rounds;
	return NULL;
}

/* Allocate every block of @order; all must come, then free them. */
static bool fully_allocatable(struct stress *st, unsigned int order)
{
	unsigned long n = st->leaves >> order, got = 0, i;
	void **p = calloc(n + 1, sizeof(*p));
	bool ok;

	if (!p)
		return false;
	while (got <= n && (p[got] = nbbs_alloc(st->pool, order)))
		got++;
	ok = got == n;
	if (!ok)
		printf("# order %u: %lu blocks of %lu\n", order, got, n);
	for (i = 0; i < got; i++)
		if (nbbs_free(st->pool, p[i]))
			ok = false;
	free(p);
	return ok;
}

static void config_result(const struct config *cfg, const char *what)
{
	char name[160];

	snprintf(name, sizeof(name), "%s [%s]", what, cfg->name);
	ktap_result(name);
}

static void run_config(const struct config *cfg)
{
	struct worker w[MAX_THREADS];
	struct stress st = { .cfg = cfg };
	struct nbbs_stats stats;
	pthread_t reader;
	u64 sum_allocs = 0;
	double t0;
	unsigned long align;
	unsigned int i, k;
	bool ok;

	st.leaves = 1UL << cfg->depth;
	st.size = st.leaves << cfg->min_shift;
	align = max(4096UL, 2UL << cfg->min_shift);
	st.mem = aligned_alloc(align, st.size + align);
	st.own.map = calloc(1, nbbs_owner_map_bytes(st.leaves));
	if (!CHECK(st.mem && st.own.map))
		goto out;
	/* Aligned to the smallest block, as nbbs requires, and no further. */
	st.base = st.mem + (1UL << cfg->min_shift);
	st.own.nr_bits = st.leaves;
	st.own.base = st.base;
	st.own.shift = cfg->min_shift;
	st.pool = nbbs_pool_create(st.base, st.size, cfg->min_shift, cfg->max_order,
				   GFP_KERNEL);
	if (!CHECK(!IS_ERR_OR_NULL(st.pool))) {
		st.pool = NULL;
		goto out;
	}

	t0 = now_seconds();
	st.deadline = t0 + seconds;
	CHECK(pthread_create(&reader, NULL, reader_fn, &st) == 0);
	for (i = 0; i < cfg->threads; i++) {
		w[i].st = &st;
		w[i].id = i;
		w[i].rs = seed * (i + 11) + cfg->depth;
		CHECK(pthread_create(&w[i].thread, NULL, worker_fn, &w[i]) == 0);
	}
	for (i = 0; i < cfg->threads; i++)
		pthread_join(w[i].thread, NULL);
	__atomic_store_n(&st.stop_reader, 1, __ATOMIC_RELAXED);
	pthread_join(reader, NULL);

	nbbs_pool_stats(st.pool, &stats);
	for (k = 0; k <= NBBS_ORDER_LIMIT; k++)
		sum_allocs += st.allocs[k];
	printf("# %llu allocs in %.2f s: conflicts %llu rollbacks %llu restarts %llu\n",
	       (unsigned long long)sum_allocs, now_seconds() - t0,
	       (unsigned long long)stats.cas_conflicts,
	       (unsigned long long)stats.rollbacks,
	       (unsigned long long)stats.scan_restarts);
	printf("# giveups %llu, %ld reader rounds\n",
	       (unsigned long long)stats.scan_giveups, st.reader_rounds);

	CHECK(sum_allocs > 0);
	if (!CHECK(st.overlaps == 0 && st.place_errors == 0))
		printf("# %ld overlapping smallest blocks, %ld misplaced blocks\n",
		       st.overlaps, st.place_errors);
	config_result(cfg, "no overlapping blocks");

	if (!CHECK(st.stamp_errors == 0 && st.free_errors == 0))
		printf("# %ld stamps overwritten, %ld frees refused\n",
		       st.stamp_errors, st.free_errors);
	CHECK(st.reader_errors == 0);
	config_result(cfg, "stamps intact, every free accepted");

	/* per order: the pool's count / the test's */
	ok = true;
	for (k = 0; k <= NBBS_ORDER_LIMIT; k++) {
		if (stats.alloc[k] != st.allocs[k] || stats.free[k] != st.frees[k] ||
		    stats.alloc_fail[k] != st.nulls[k]) {
			printf("# order %u: alloc %llu/%llu free %llu/%llu null %llu/%llu\n",
			       k, (unsigned long long)stats.alloc[k],
			       (unsigned long long)st.allocs[k],
			       (unsigned long long)stats.free[k],
			       (unsigned long long)st.frees[k],
			       (unsigned long long)stats.alloc_fail[k],
			       (unsigned long long)st.nulls[k]);
			ok = false;
		}
	}
	CHECK(ok);
	CHECK(stats.invalid_free == 0 && stats.alloc_bad_order == 0);
	config_result(cfg, "statistics match the operations");

	CHECK(nbbs_pool_live_blocks(st.pool) == 0);
	CHECK(fully_allocatable(&st, cfg->max_order));
	CHECK(fully_allocatable(&st, 0));
	CHECK(nbbs_pool_live_blocks(st.pool) == 0);
	config_result(cfg, "all freed; whole arena allocatable as largest, then smallest");
out:
	nbbs_pool_destroy(st.pool);
	free(st.mem);
	free(st.own.map);
}

/* ---- racing frees of one block ---- */

struct race {
	struct nbbs_pool *pool;
	pthread_barrier_t start, done;
	unsigned int threads;
	void *block;
	int stop;
	int result[MAX_THREADS];
};

struct racer {
	struct race *r;
	pthread_t thread;
	unsigned int id;
};

static void *racer_fn(void *arg)
{
	struct racer *me = arg;
	struct race *r = me->r;

	nbbs_user_set_cpu(me->id);
	for (;;) {
		pthread_barrier_wait(&r->start);
		if (r->stop)
			break;
		r->result[me->id] = nbbs_free(r->pool, r->block);
		pthread_barrier_wait(&r->done);
	}
	return NULL;
}

static void run_race(unsigned int threads)
{
	static char arena[1 << 14] __aligned(4096);
	struct racer rc[MAX_THREADS];
	struct race r = { .threads = threads };
	void *keep[3];
	unsigned long rounds = 0, bad = 0, warnings = nbbs_user_warnings();
	u64 rs = seed + threads;
	struct nbbs_stats stats;
	double end = now_seconds() + seconds / 3;
	unsigned int i, wins, k;
	char name[64];

	r.pool = nbbs_pool_create(arena, sizeof(arena), 6, 8, GFP_KERNEL);
	if (!CHECK(!IS_ERR_OR_NULL(r.pool)))
		goto report;
	/* Some blocks stay live, so the race runs in a partly used tree. */
	keep[0] = nbbs_alloc(r.pool, 0);
	keep[1] = nbbs_alloc(r.pool, 3);
	keep[2] = nbbs_alloc(r.pool, 5);
	pthread_barrier_init(&r.start, NULL, threads + 1);
	pthread_barrier_init(&r.done, NULL, threads + 1);
	for (i = 0; i < threads; i++) {
		rc[i].r = &r;
		rc[i].id = i;
		pthread_create(&rc[i].thread, NULL, racer_fn, &rc[i]);
	}
	for (;;) {
		if (now_seconds() > end || rounds >= 200000) {
			r.stop = 1;
			pthread_barrier_wait(&r.start);
			break;
		}
		k = rnd_below(&rs, 6);
		r.block = nbbs_alloc(r.pool, k);
		if (!CHECK(r.block)) {
			r.stop = 1;
			pthread_barrier_wait(&r.start);
			break;
		}
		pthread_barrier_wait(&r.start);
		pthread_barrier_wait(&r.done);
		for (i = 0, wins = 0; i < threads; i++) {
			if (r.result[i] == 0)
				wins++;
			else if (r.result[i] != -EINVAL)
				bad++;
		}
		if (wins != 1)
			bad++;
		rounds++;
	}
	for (i = 0; i < threads; i++)
		pthread_join(rc[i].thread, NULL);
	pthread_barrier_destroy(&r.start);
	pthread_barrier_destroy(&r.done);

	if (!CHECK(bad == 0))
		printf("# %lu of %lu rounds without exactly one winner\n", bad, rounds);
	CHECK(rounds > 0);
	nbbs_pool_stats(r.pool, &stats);
	CHECK(stats.invalid_free == (u64)rounds * (threads - 1));
	CHECK(nbbs_user_warnings() - warnings <= 1);
	for (i = 0; i < 3; i++)
		CHECK(nbbs_free(r.pool, keep[i]) == 0);
	CHECK(nbbs_pool_live_blocks(r.pool) == 0);
	keep[0] = nbbs_alloc(r.pool, 8);
	CHECK(keep[0] == arena);
	CHECK(nbbs_free(r.pool, keep[0]) == 0);
	nbbs_pool_destroy(r.pool);
	printf("# %u threads: %lu rounds\n", threads, rounds);
report:
	snprintf(name, sizeof(name), "racing frees of one block, %u threads: one wins",
		 threads);
	ktap_result(name);
}

int main(void)
{
	int planned = NR_CONFIGS * 4 + 2;
	const char *s = getenv("NBBS_STRESS_SECONDS");
	unsigned int c;

	ktap_plan(planned);
	seed = test_seed();
	if (s && *s)
		seconds = atof(s);
	/* The refused frees of the race are expected: keep them quiet. */
	nbbs_user_console_loglevel = 3;
	for (c = 0; c < NR_CONFIGS; c++) {
		printf("# %s\n", configs[c].name);
		run_config(&configs[c]);
	}
	run_race(2);
	run_race(4);
	return ktap_finish(planned);
}
