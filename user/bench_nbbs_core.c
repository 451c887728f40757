// SPDX-License-Identifier: GPL-2.0
/*
 * Native userspace benchmark of the nbbs core (pthreads).
 *
 * The same tree is measured three ways, on the same workloads:
 *
 *   nbbs      nbbs_alloc() and nbbs_free() as they are: lock-free (the
 *             -hot backends: a pool with per-CPU hot blocks, NBBS_POOL_HOT)
 *   spinlock  every nbbs_alloc()/nbbs_free() under one pthread_spinlock_t
 *   mutex     every nbbs_alloc()/nbbs_free() under one pthread_mutex_t
 *
 * Workloads (per thread; "order" is the order column of the CSV), those of
 * the kernel stress tester (nbbs_workload.h).  What one operation ("op" in
 * ops, ns_per_op, mops) is, is said for each:
 *
 *   cached  allocate one block of the order and free it, repeatedly.
 *           op = one allocation-release pair.
 *   ls      linux-scalability: a burst of --burst allocations, then their
 *           releases.  op = one allocation-release pair.
 *   tt      threadtest: rounds of many allocations (up to 512, fewer where
 *           the arena is small), then all their releases.
 *           op = one allocation-release pair.
 *   co      constant occupancy: the thread holds 31 blocks, 1 of order+4,
 *           2 of order+3, 4 of order+2, 8 of order+1, 16 of order, and
 *           repeatedly frees a random one and allocates the same order.
 *           op = one release-allocation pair.  Needs order+4 <= max_order.
 *   rand    32 slots: a random slot is freed if it holds a block, else
 *           filled with a block of a random order 0..order.
 *           op = one allocation attempt (its later release included).
 *   bulk    allocate many (up to 4096) blocks, then free them all; the two
 *           phases are timed apart and reported as bulk-alloc (op = one
 *           allocation) and bulk-free (op = one release).
 *   fill    before the run, every smallest block is allocated and a random
 *           share (100 - occupancy percent) of them freed again; then rand
 *           over orders 0..order on what is left.  op = one allocation
 *           attempt; failed ones count, their cost is the point.
 *
 * Results are CSV lines (see CSV_HEADER), ns_per_op being thread time per
 * operation (elapsed time x threads / ops) and mops the aggregate rate.
 * p50_ns and p99_ns come from a latency histogram fed with every 64th
 * operation, timed with the TSC: the pair for cached and co, the
 * allocation call for ls, tt, rand and fill, the call of each phase for
 * bulk.
 *
 * Correctness while measuring (--check, on by default with --quick and
 * --smoke): an ownership bitmap over the smallest blocks (nbbs_workload.h,
 * the checker of the kernel stress tester and the stress test) is claimed
 * when a block is handed out and released when it is freed, so any
 * overlap of two live blocks is counted exactly.
 * Blocks outside the arena or misaligned, refused frees and blocks still
 * live in the tree after a run are counted in the same overlaps column,
 * which must always be 0.
 *
 * Touching (--touch, default ends): every block handed out gets a stamp
 * (its thread, address and order) in its first and last cache line
 * (lines: in every cache line), checked before the free; a changed stamp
 * counts in the overlaps column too.  The arena is then a writable mapping,
 * populated before the runs up to TOUCH_POPULATE_MAX bytes (larger arenas
 * take their page faults in the runs).  --touch=none maps it PROT_NONE and
 * the allocator's metadata is all that is measured.
 *
 * Page size of the arena (--pages): the kernel's choice by default;
 * huge asks for transparent huge pages (madvise MADV_HUGEPAGE on a 2 MiB
 * aligned mapping), base forbids them (MADV_NOHUGEPAGE).  The userspace
 * counterpart of nbbs.ko's contig or vmalloc_huge arena against a 4 KiB
 * vmalloc one: what the page size of the mapping costs touched blocks on
 * real hardware (a VM under TCG has no real TLB).
 *
 * Emulated CPUs: the shim's per-CPU data has NBBS_USER_NR_CPUS slots; the
 * benchmark sets nr_cpu_ids to --cpus (default: the larger of the online
 * CPUs and the threads), as a kernel on such a machine would have, and
 * runs worker i as CPU i, pinned to host CPU i modulo the online CPUs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#ifdef __has_builtin
#if __has_builtin(__builtin_ia32_rdtsc)
#define BENCH_RDTSC	1
#endif
#endif

#include <nbbs_user.h>
#include <linux/cpumask.h>
#include <linux/err.h>
#include <linux/kernel.h>
#include "nbbs_core.h"
#include "nbbs_workload.h"

#define CSV_HEADER \
	"env,vcpus,backend,workload,threads,order,max_order,occupancy,ops,ns_per_op,mops,p50_ns,p99_ns,fails,overlaps"

#define MAX_THREADS	NBBS_USER_NR_CPUS
#define SAMPLE_MASK	63UL	/* time every 64th operation */
#define HIST_SUB	64	/* histogram buckets per power of two */
#define HIST_BUCKETS	(HIST_SUB * 40)
/* tt and bulk hold more blocks per round here than the kernel's default. */
#define TT_BATCH	512
#define BULK_BATCH	4096
#define MAX_LIST	16
#define CACHELINE	64
/* Arenas up to this size are populated before the runs when blocks are touched. */
#define TOUCH_POPULATE_MAX	(4UL << 30)

/* --pages: how the arena is mapped. */
enum arena_pages { PAGES_DEFAULT, PAGES_BASE, PAGES_HUGE };
#define HUGE_ALIGN	(2UL << 20)

enum lock { LOCK_NONE, LOCK_SPIN, LOCK_MUTEX };
enum workload {
	WL_CACHED = NBBS_WL_CACHED,
	WL_LS = NBBS_WL_LS,
	WL_TT = NBBS_WL_TT,
	WL_CO = NBBS_WL_CO,
	WL_RAND = NBBS_WL_RAND,
	WL_BULK = NBBS_WL_BULK,
	WL_FILL = NBBS_WL_FILL,
	NR_WORKLOADS = NBBS_NR_WORKLOADS,
};

/*
 * A backend: the lock around the calls, and the layout of the tree where the
 * core offers more than one (nbbs_pool_create_flags()); a name without a
 * layout uses the core's default one.
 */
static const struct backend {
	const char *name;
	enum lock lock;
	unsigned int flags;
} backend_tab[] = {
	{ "nbbs", LOCK_NONE, 0 },
	{ "spinlock", LOCK_SPIN, 0 },
	{ "mutex", LOCK_MUTEX, 0 },
#ifdef NBBS_POOL_PACKED
	{ "nbbs-tree", LOCK_NONE, NBBS_POOL_TREE },
	{ "nbbs-packed", LOCK_NONE, NBBS_POOL_PACKED },
	{ "spinlock-tree", LOCK_SPIN, NBBS_POOL_TREE },
	{ "spinlock-packed", LOCK_SPIN, NBBS_POOL_PACKED },
	{ "mutex-tree", LOCK_MUTEX, NBBS_POOL_TREE },
	{ "mutex-packed", LOCK_MUTEX, NBBS_POOL_PACKED },
#endif
#ifdef NBBS_POOL_HOT
	{ "nbbs-hot", LOCK_NONE, NBBS_POOL_HOT },
	{ "nbbs-tree-hot", LOCK_NONE, NBBS_POOL_TREE | NBBS_POOL_HOT },
	{ "nbbs-packed-hot", LOCK_NONE, NBBS_POOL_PACKED | NBBS_POOL_HOT },
#endif
};

#define NR_BACKENDS	ARRAY_SIZE(backend_tab)

/*
 * --backend=all: each layout lock-free, with and without hot blocks, and
 * under the spinlock (the same layout without hot blocks is the baseline
 * of each), and the default layout under the mutex.
 */
#if defined(NBBS_POOL_HOT)
static const int backends_all[] = { 3, 4, 10, 11, 5, 6, 2 };
#elif defined(NBBS_POOL_PACKED)
static const int backends_all[] = { 3, 4, 5, 6, 2 };
#else
static const int backends_all[] = { 0, 1, 2 };
#endif

static const char *backend_names[NR_BACKENDS];
static const char *workload_names[NR_WORKLOADS];

struct bench;

/* One worker thread; aligned so that no two share a cache line. */
struct worker {
	struct bench *b;
	pthread_t thread;
	unsigned int id;
	u64 rs;			/* random state */
	u64 ops;		/* operations (free ops for bulk-free) */
	u64 ops2;		/* bulk: allocations */
	u64 fails;
	u64 errors;		/* overlaps, misplaced blocks, refused frees */
	u64 ns2;		/* bulk: time in the allocation phase */
	u64 ns;			/* elapsed (bulk: time in the free phase) */
	u32 *hist;		/* latency histogram (bulk-free's for bulk) */
	u32 *hist2;		/* bulk-alloc's */
} __aligned(CACHELINE);

struct bench {
	/* read-mostly during a run */
	struct nbbs_pool *pool;
	char *base;
	size_t size;
	unsigned int min_shift;
	unsigned int max_order;
	unsigned long leaves;
	int backend;
	enum lock lock;
	enum workload workload;
	unsigned int threads;
	unsigned int order;
	double occupancy;
	unsigned int burst;
	bool check;
	enum nbbs_touch touch;
	struct nbbs_owner own;	/* ownership bitmap, one bit per smallest block */
	unsigned long *prefill;	/* fill: smallest blocks held by the pre-fill */
	pthread_barrier_t barrier;
	u64 t_start;

	int stop __aligned(CACHELINE);
	pthread_spinlock_t spin __aligned(CACHELINE);
	pthread_mutex_t mutex __aligned(CACHELINE);
};

static double ns_per_tick = 1.0;

static inline u64 ticks(void)
{
#ifdef BENCH_RDTSC
	return __builtin_ia32_rdtsc();
#else
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
#endif
}

static u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void calibrate_ticks(void)
{
	u64 t0 = now_ns(), c0 = ticks(), t1, c1;
	struct timespec d = { 0, 20000000 };

	nanosleep(&d, NULL);
	t1 = now_ns();
	c1 = ticks();
	if (c1 > c0)
		ns_per_tick = (double)(t1 - t0) / (double)(c1 - c0);
}

/* xorshift64* and a multiply-shift range reduction: no division. */
static inline u64 rnd_next(u64 *s)
{
	u64 x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545f4914f6cdd1dULL;
}

static inline u32 rnd_below(u64 *s, u32 n)
{
	return (u32)(((rnd_next(s) >> 32) * n) >> 32);
}

static inline unsigned int hist_index(u64 ns)
{
	unsigned int msb, idx;

	if (ns < HIST_SUB)
		return ns;
	msb = 63 - __builtin_clzll(ns);
	idx = (msb - 5) * HIST_SUB + ((ns >> (msb - 6)) & (HIST_SUB - 1));
	return min(idx, HIST_BUCKETS - 1U);
}

static u64 hist_value(unsigned int idx)
{
	unsigned int msb;

	if (idx < HIST_SUB)
		return idx;
	msb = idx / HIST_SUB + 5;
	return (u64)(idx % HIST_SUB + HIST_SUB) << (msb - 6);
}

static inline void sample(u32 *hist, u64 dt)
{
	hist[hist_index((u64)(dt * ns_per_tick))]++;
}

static inline bool stopped(struct bench *b)
{
	return __atomic_load_n(&b->stop, __ATOMIC_RELAXED);
}

/* The backends. */
static inline void *b_alloc(struct bench *b, unsigned int order)
{
	void *p;

	switch (b->lock) {
	case LOCK_SPIN:
		pthread_spin_lock(&b->spin);
		p = nbbs_alloc(b->pool, order);
		pthread_spin_unlock(&b->spin);
		return p;
	case LOCK_MUTEX:
		pthread_mutex_lock(&b->mutex);
		p = nbbs_alloc(b->pool, order);
		pthread_mutex_unlock(&b->mutex);
		return p;
	default:
		return nbbs_alloc(b->pool, order);
	}
}

static inline int b_free(struct bench *b, void *p)
{
	int ret;

	switch (b->lock) {
	case LOCK_SPIN:
		pthread_spin_lock(&b->spin);
		ret = nbbs_free(b->pool, p);
		pthread_spin_unlock(&b->spin);
		return ret;
	case LOCK_MUTEX:
		pthread_mutex_lock(&b->mutex);
		ret = nbbs_free(b->pool, p);
		pthread_mutex_unlock(&b->mutex);
		return ret;
	default:
		return nbbs_free(b->pool, p);
	}
}

/* What @w writes into the block @p of @order it holds. */
static inline u64 touch_stamp(struct worker *w, char *p, unsigned int order)
{
	return ((u64)(w->id + 1) << 56) ^ (u64)(uintptr_t)p ^ order;
}

/* Allocate through the backend; check placement and ownership if asked. */
static inline char *get(struct worker *w, unsigned int order)
{
	struct bench *b = w->b;
	char *p = b_alloc(b, order);

	if (!p) {
		w->fails++;
		return NULL;
	}
	if (b->check) {
		long idx = nbbs_owner_index(&b->own, p, order);

		if (idx < 0) {
			w->errors++;
			return NULL;	/* leaked on purpose: never hand it on */
		}
		w->errors += nbbs_owner_claim(&b->own, idx, order);
	}
	nbbs_touch_write(p, 1UL << (order + b->min_shift), b->touch, touch_stamp(w, p, order));
	return p;
}

static inline void put(struct worker *w, char *p, unsigned int order)
{
	struct bench *b = w->b;

	if (!nbbs_touch_ok(p, 1UL << (order + b->min_shift), b->touch,
			   touch_stamp(w, p, order)))
		w->errors++;
	if (b->check)
		w->errors += nbbs_owner_release(&b->own, nbbs_owner_index(&b->own, p, order),
						order);
	if (b_free(b, p))
		w->errors++;
}

/* cached: op = one allocation-release pair. */
static inline void cached_op(struct worker *w, unsigned int order)
{
	char *p = get(w, order);

	if (p)
		put(w, p, order);
}

static void run_cached(struct worker *w)
{
	unsigned int order = w->b->order;
	u64 ops, t;

	for (ops = 0; ; ops++) {
		if (!(ops & SAMPLE_MASK)) {
			if (stopped(w->b))
				break;
			t = ticks();
			cached_op(w, order);
			sample(w->hist, ticks() - t);
		} else {
			cached_op(w, order);
		}
	}
	w->ops = ops;
}

/*
 * ls and tt: rounds of @batch allocations, then their releases.
 * op = one allocation-release pair; the allocation calls are sampled.
 */
static void run_batches(struct worker *w, unsigned int batch)
{
	struct bench *b = w->b;
	unsigned int order = b->order, i, n;
	char **p = calloc(batch, sizeof(*p));
	u64 ops = 0, t;

	if (!p)
		abort();
	while (!stopped(b)) {
		for (i = 0, n = 0; i < batch; i++, ops++) {
			if (!(ops & SAMPLE_MASK)) {
				t = ticks();
				p[n] = get(w, order);
				sample(w->hist, ticks() - t);
			} else {
				p[n] = get(w, order);
			}
			if (p[n])
				n++;
		}
		for (i = 0; i < n; i++)
			put(w, p[i], order);
	}
	w->ops = ops;
	free(p);
}

/* co: op = one release-allocation pair over the 31 blocks held. */
static void run_co(struct worker *w)
{
	struct bench *b = w->b;
	char *p[NBBS_CO_BLOCKS];
	unsigned int ord[NBBS_CO_BLOCKS], i;
	u64 ops, t;

	/* The largest first: 1 block of order+4, 2 of order+3, ... 16 of order. */
	for (i = NBBS_CO_BLOCKS; i-- > 0; ) {
		ord[i] = nbbs_co_order(i, b->order, b->max_order);
		p[i] = get(w, ord[i]);
	}
	w->fails = 0;
	pthread_barrier_wait(&b->barrier);
	for (ops = 0; ; ops++) {
		bool timed = !(ops & SAMPLE_MASK);

		if (timed && stopped(b))
			break;
		i = rnd_below(&w->rs, NBBS_CO_BLOCKS);
		t = timed ? ticks() : 0;
		if (p[i])
			put(w, p[i], ord[i]);
		p[i] = get(w, ord[i]);
		if (timed)
			sample(w->hist, ticks() - t);
	}
	w->ops = ops;
	for (i = 0; i < NBBS_CO_BLOCKS; i++)
		if (p[i])
			put(w, p[i], ord[i]);
}

/* rand and fill: op = one allocation attempt, which is sampled. */
static void run_rand(struct worker *w)
{
	struct bench *b = w->b;
	unsigned int slots = nbbs_workloads[NBBS_WL_RAND].objs, s;
	char **p = calloc(slots, sizeof(*p));
	unsigned int *ord = calloc(slots, sizeof(*ord));
	u64 ops = 0, t;

	if (!p || !ord)
		abort();
	for (;;) {
		s = rnd_below(&w->rs, slots);
		if (p[s]) {
			put(w, p[s], ord[s]);
			p[s] = NULL;
			continue;
		}
		ord[s] = rnd_below(&w->rs, b->order + 1);
		if (!(ops & SAMPLE_MASK)) {
			if (stopped(b))
				break;
			t = ticks();
			p[s] = get(w, ord[s]);
			sample(w->hist, ticks() - t);
		} else {
			p[s] = get(w, ord[s]);
		}
		ops++;
	}
	w->ops = ops;
	for (s = 0; s < slots; s++)
		if (p[s])
			put(w, p[s], ord[s]);
	free(p);
	free(ord);
}

/* bulk: op = one allocation (bulk-alloc) or one release (bulk-free). */
static void run_bulk(struct worker *w, unsigned int batch)
{
	struct bench *b = w->b;
	unsigned int order = b->order, i, n;
	char **p = calloc(batch, sizeof(*p));
	u64 allocs = 0, frees = 0, t, t0, t1;

	if (!p)
		abort();
	while (!stopped(b)) {
		t0 = ticks();
		for (i = 0, n = 0; i < batch; i++, allocs++) {
			if (!(allocs & SAMPLE_MASK)) {
				t = ticks();
				p[n] = get(w, order);
				sample(w->hist2, ticks() - t);
			} else {
				p[n] = get(w, order);
			}
			if (p[n])
				n++;
		}
		t1 = ticks();
		w->ns2 += (u64)((t1 - t0) * ns_per_tick);
		for (i = 0; i < n; i++, frees++) {
			if (!(frees & SAMPLE_MASK)) {
				t = ticks();
				put(w, p[i], order);
				sample(w->hist, ticks() - t);
			} else {
				put(w, p[i], order);
			}
		}
		w->ns += (u64)((ticks() - t1) * ns_per_tick);
	}
	w->ops = frees;
	w->ops2 = allocs;
	free(p);
}

/* Blocks per batch (tt, bulk) such that all threads' batches fit in half the arena. */
static unsigned int batch_size(struct bench *b, unsigned int want)
{
	unsigned long fit = b->leaves / 2 / b->threads >> b->order;

	return max(1UL, min((unsigned long)want, fit));
}

static void *worker_fn(void *arg)
{
	struct worker *w = arg;
	struct bench *b = w->b;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t set;

	if (ncpu > 0) {
		CPU_ZERO(&set);
		CPU_SET(w->id % ncpu, &set);
		pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	}
	nbbs_user_set_cpu(w->id);
	/* co fills its blocks before the start; everyone else starts at once */
	if (b->workload != WL_CO)
		pthread_barrier_wait(&b->barrier);
	switch (b->workload) {
	case WL_CACHED:
		run_cached(w);
		break;
	case WL_LS:
		run_batches(w, b->burst);
		break;
	case WL_TT:
		run_batches(w, batch_size(b, TT_BATCH));
		break;
	case WL_CO:
		run_co(w);
		break;
	case WL_BULK:
		run_bulk(w, batch_size(b, BULK_BATCH));
		break;
	default:
		run_rand(w);
		break;
	}
	if (b->workload != WL_BULK)
		w->ns = now_ns() - b->t_start;
	return NULL;
}

/* fill: allocate every smallest block, free a random share; not timed. */
static unsigned long prefill(struct bench *b, u64 *rs)
{
	unsigned long i, errors = 0;
	u64 keep = (u64)(b->occupancy / 100.0 * (double)(1ULL << 32));

	for (i = 0; i < b->leaves; i++) {
		char *p = nbbs_alloc(b->pool, 0);

		if (!p || (unsigned long)(p - b->base) >= b->size) {
			errors++;
			continue;
		}
	}
	for (i = 0; i < b->leaves; i++) {
		char *p = b->base + (i << b->min_shift);

		if ((rnd_next(rs) >> 32) < keep) {
			b->prefill[i / BITS_PER_LONG] |= 1UL << (i % BITS_PER_LONG);
			if (b->check)
				nbbs_owner_claim(&b->own, i, 0);
		} else if (nbbs_free(b->pool, p)) {
			errors++;
		}
	}
	return errors;
}

static unsigned long unfill(struct bench *b)
{
	unsigned long i, errors = 0;

	for (i = 0; i < b->leaves; i++)
		if (b->prefill[i / BITS_PER_LONG] & (1UL << (i % BITS_PER_LONG)))
			if (nbbs_free(b->pool, b->base + (i << b->min_shift)))
				errors++;
	return errors;
}

struct result {
	u64 ops;
	double ns_per_op;
	double mops;
	u64 p50;
	u64 p99;
	u64 fails;
	u64 overlaps;
};

static void percentiles(u32 *hist, u64 *p50, u64 *p99)
{
	u64 total = 0, acc = 0;
	unsigned int i;

	*p50 = 0;
	*p99 = 0;
	for (i = 0; i < HIST_BUCKETS; i++)
		total += hist[i];
	if (!total)
		return;
	for (i = 0; i < HIST_BUCKETS; i++) {
		acc += hist[i];
		if (!*p50 && acc * 2 >= total)
			*p50 = hist_value(i);
		if (acc * 100 >= total * 99) {
			*p99 = hist_value(i);
			break;
		}
	}
}

static const char *env_name = "user";
static bool arena_column;
static bool show_stats;
static long vcpus;
static FILE *csv;

/* What a row says about its run. */
struct row {
	int backend;
	const char *workload;
	unsigned int threads;
	unsigned int order;
	unsigned int max_order;
	double occupancy;
	size_t size;
};

static void print_row(const struct row *w, const struct result *r)
{
	fprintf(csv, "%s,%ld,%s,%s,%u,%u,%u,%g,%llu,%.2f,%.3f,%llu,%llu,%llu,%llu",
		env_name, vcpus, backend_names[w->backend], w->workload, w->threads, w->order,
		w->max_order, w->occupancy, (unsigned long long)r->ops, r->ns_per_op, r->mops,
		(unsigned long long)r->p50, (unsigned long long)r->p99,
		(unsigned long long)r->fails, (unsigned long long)r->overlaps);
	if (arena_column)
		fprintf(csv, ",%zu", w->size);
	fputc('\n', csv);
	fflush(csv);
}

/* --stats: the pool's counters for the run (pre-fill included), as a comment. */
static void print_stats(struct bench *b)
{
	struct nbbs_stats st;
	u64 allocs = 0, frees = 0, fails = 0;
	unsigned int i;

	nbbs_pool_stats(b->pool, &st);
	for (i = 0; i <= NBBS_ORDER_LIMIT; i++) {
		allocs += st.alloc[i];
		frees += st.free[i];
		fails += st.alloc_fail[i];
	}
	fprintf(csv, "# stats %s %s threads=%u order=%u occ=%g: ",
		backend_names[b->backend], workload_names[b->workload], b->threads, b->order,
		b->occupancy);
	fprintf(csv, "allocs %llu fails %llu frees %llu, atomics per alloc %.2f per free %.2f, ",
		(unsigned long long)allocs, (unsigned long long)fails,
		(unsigned long long)frees,
		(double)st.alloc_atomics / (double)max(allocs + fails, 1ULL),
		(double)st.free_atomics / (double)max(frees, 1ULL));
	fprintf(csv, "cas_conflicts %llu rollbacks %llu scan_restarts %llu scan_giveups %llu, ",
		(unsigned long long)st.cas_conflicts, (unsigned long long)st.rollbacks,
		(unsigned long long)st.scan_restarts, (unsigned long long)st.scan_giveups);
	fprintf(csv, "chunks_skipped %llu chunks_lowered %llu, ",
		(unsigned long long)st.chunks_skipped, (unsigned long long)st.chunks_lowered);
	fprintf(csv, "hot_allocs %llu hot_frees %llu hot_reclaims %llu\n",
		(unsigned long long)st.hot_allocs, (unsigned long long)st.hot_frees,
		(unsigned long long)st.hot_reclaims);
}

static void summarize(struct worker *ws, unsigned int n, bool second, struct result *r)
{
	u32 *hist = calloc(HIST_BUCKETS, sizeof(*hist));
	u64 ns = 0, i, j;

	if (!hist)
		abort();
	memset(r, 0, sizeof(*r));
	for (i = 0; i < n; i++) {
		r->ops += second ? ws[i].ops2 : ws[i].ops;
		ns += second ? ws[i].ns2 : ws[i].ns;
		for (j = 0; j < HIST_BUCKETS; j++)
			hist[j] += second ? ws[i].hist2[j] : ws[i].hist[j];
	}
	/* ns: summed thread time; ns_per_op: thread time per op */
	if (r->ops) {
		r->ns_per_op = (double)ns / (double)r->ops;
		r->mops = r->ns_per_op > 0 ? 1e3 * n / r->ns_per_op : 0;
	}
	percentiles(hist, &r->p50, &r->p99);
	free(hist);
}

/* Parameters of one run; the arena is shared by all runs of one shape. */
struct run_cfg {
	char *base;
	size_t size;
	unsigned int min_shift;
	unsigned int max_order;
	atomic_long_t *owner;
	unsigned long *prefill;
	unsigned int cpus;
	unsigned int burst;
	bool check;
	enum nbbs_touch touch;
	unsigned int ms;
	unsigned int repeat;
	u64 seed;
};

/*
 * One run; fills @res (and @res[1] with bulk-free for bulk) and returns the
 * overlaps (errors of any kind).
 */
static long run_once(const struct run_cfg *cfg, int be, enum workload wl,
		     unsigned int threads, unsigned int order, double occupancy,
		     struct result *res)
{
	struct bench *b;
	struct worker *ws;
	struct timespec d;
	unsigned long bitmap_bytes;
	u64 rs = cfg->seed ^ (0x9e3779b97f4a7c15ULL * (order + 1));
	long errors = 0;
	unsigned int i;

	b = aligned_alloc(CACHELINE, sizeof(*b));
	ws = aligned_alloc(CACHELINE, sizeof(*ws) * threads);
	if (!b || !ws)
		abort();
	memset(b, 0, sizeof(*b));
	memset(ws, 0, sizeof(*ws) * threads);
	b->base = cfg->base;
	b->size = cfg->size;
	b->min_shift = cfg->min_shift;
	b->max_order = cfg->max_order;
	b->leaves = cfg->size >> cfg->min_shift;
	b->backend = be;
	b->lock = backend_tab[be].lock;
	b->workload = wl;
	b->threads = threads;
	b->order = order;
	b->occupancy = occupancy;
	b->burst = cfg->burst;
	b->check = cfg->check;
	b->touch = cfg->touch;
	b->own.map = cfg->owner;
	b->own.nr_bits = b->leaves;
	b->own.base = b->base;
	b->own.shift = b->min_shift;
	b->prefill = cfg->prefill;
	bitmap_bytes = DIV_ROUND_UP(b->leaves, BITS_PER_LONG) * sizeof(long);
	if (b->check)
		memset(b->own.map, 0, nbbs_owner_map_bytes(b->leaves));
	pthread_spin_init(&b->spin, PTHREAD_PROCESS_PRIVATE);
	pthread_mutex_init(&b->mutex, NULL);
	pthread_barrier_init(&b->barrier, NULL, threads + 1);

	nr_cpu_ids = max(cfg->cpus, threads);
	nbbs_user_set_cpu(0);	/* the pre-fill runs as CPU 0 */
#ifdef NBBS_POOL_PACKED
	if (backend_tab[be].flags)
		b->pool = nbbs_pool_create_flags(b->base, b->size, b->min_shift, b->max_order,
						 GFP_KERNEL, backend_tab[be].flags);
	else
#endif
		b->pool = nbbs_pool_create(b->base, b->size, b->min_shift, b->max_order,
					   GFP_KERNEL);
	if (IS_ERR(b->pool)) {
		fprintf(stderr, "bench: nbbs_pool_create: %ld\n", PTR_ERR(b->pool));
		exit(2);
	}
	if (wl == WL_FILL) {
		memset(b->prefill, 0, bitmap_bytes);
		errors += prefill(b, &rs);
	}

	for (i = 0; i < threads; i++) {
		ws[i].b = b;
		ws[i].id = i;
		ws[i].rs = rnd_next(&rs) | 1;
		ws[i].hist = calloc(HIST_BUCKETS, sizeof(u32));
		ws[i].hist2 = calloc(HIST_BUCKETS, sizeof(u32));
		if (!ws[i].hist || !ws[i].hist2)
			abort();
		if (pthread_create(&ws[i].thread, NULL, worker_fn, &ws[i])) {
			perror("bench: pthread_create");
			exit(2);
		}
	}
	pthread_barrier_wait(&b->barrier);
	b->t_start = now_ns();
	d.tv_sec = cfg->ms / 1000;
	d.tv_nsec = (cfg->ms % 1000) * 1000000L;
	nanosleep(&d, NULL);
	__atomic_store_n(&b->stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < threads; i++)
		pthread_join(ws[i].thread, NULL);

	if (wl == WL_FILL)
		errors += unfill(b);
	/* every block must be back: the tree is empty again */
	errors += nbbs_pool_live_blocks(b->pool);
	for (i = 0; i < threads; i++)
		errors += ws[i].errors;

	/* bulk: res[0] the allocation phase, res[1] the release phase */
	summarize(ws, threads, wl == WL_BULK, &res[0]);
	for (i = 0; i < threads; i++)
		res[0].fails += ws[i].fails;
	if (wl == WL_BULK)
		summarize(ws, threads, false, &res[1]);

	if (show_stats)
		print_stats(b);
	nbbs_pool_destroy(b->pool);
	pthread_barrier_destroy(&b->barrier);
	pthread_mutex_destroy(&b->mutex);
	pthread_spin_destroy(&b->spin);
	for (i = 0; i < threads; i++) {
		free(ws[i].hist);
		free(ws[i].hist2);
	}
	free(ws);
	free(b);
	return errors;
}

/* "a,b,c" of names into indexes; "all" selects those of @all, or every name. */
static int parse_names(const char *arg, const char * const *names, int nr,
		       int *out, int max, const int *all, int nr_all)
{
	char *s = strdup(arg), *tok, *save = NULL;
	int n = 0, i;

	if (!s)
		abort();
	for (tok = strtok_r(s, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "all")) {
			for (i = 0; i < (all ? nr_all : nr) && n < max; i++)
				out[n++] = all ? all[i] : i;
			continue;
		}
		for (i = 0; i < nr; i++)
			if (!strcmp(tok, names[i]))
				break;
		if (i == nr || n == max) {
			fprintf(stderr, "bench: unknown or too many: %s\n", tok);
			exit(2);
		}
		out[n++] = i;
	}
	free(s);
	return n;
}

static int parse_numbers(const char *arg, double *out, int max)
{
	char *s = strdup(arg), *tok, *save = NULL, *end;
	int n = 0;

	if (!s)
		abort();
	for (tok = strtok_r(s, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (n == max) {
			fprintf(stderr, "bench: too many values in %s\n", arg);
			exit(2);
		}
		out[n++] = strtod(tok, &end);
		if (end == tok || *end) {
			fprintf(stderr, "bench: not a number: %s\n", tok);
			exit(2);
		}
	}
	free(s);
	return n;
}

/* A size with an optional K, M, G or T suffix (powers of 1024). */
static size_t parse_size(const char *arg)
{
	char *end;
	unsigned long long v = strtoull(arg, &end, 0);
	const char *units = "KMGT", *u = *end ? strchr(units, *end) : NULL;

	if (u) {
		v <<= 10 * (u - units + 1);
		end++;
	}
	if (end == arg || *end) {
		fprintf(stderr, "bench: bad size %s\n", arg);
		exit(2);
	}
	return v;
}

static void help(void)
{
	fputs("usage: bench_nbbs_core [options]\n"
	      "  --backend=LIST     nbbs,spinlock,mutex (the default layout), or with a\n"
	      "                     layout where the core has several: nbbs-tree,\n"
	      "                     nbbs-packed, spinlock-tree...; -hot for a pool with\n"
	      "                     per-CPU hot blocks (nbbs-hot, nbbs-packed-hot...);\n"
	      "                     all (default): each layout lock-free, with and\n"
	      "                     without hot blocks, and under the spinlock, the\n"
	      "                     default layout under the mutex\n"
	      "  --workload=LIST    cached,ls,tt,co,rand,bulk,fill or all (default all)\n"
	      "  --threads=LIST     worker threads (default 1,2)\n"
	      "  --order=LIST       block orders; the largest random order for rand/fill\n"
	      "                     (default 0)\n"
	      "  --occupancy=LIST   fill: percent of the arena pre-filled (default 0,50,90,99)\n"
	      "  --arena=LIST       arena sizes, K/M/G/T suffixes (default 1G)\n"
	      "  --min-shift=N      log2 of the smallest block (default 12)\n"
	      "  --max-order=N      largest order of the pool (default 10)\n"
	      "  --ms=N             duration of each run in ms (default 300)\n"
	      "  --repeat=N         run each experiment N times, print the fastest\n"
	      "                     (default 1; overlaps are those of all runs)\n"
	      "  --burst=N          ls: allocations per burst (default 16)\n"
	      "  --cpus=N           emulated CPUs, nr_cpu_ids (default max(online, threads))\n"
	      "  --touch=HOW        what each block gets from its holder: ends (default:\n"
	      "                     a stamp in its first and last cache line, checked\n"
	      "                     before the free), lines (every cache line), none\n"
	      "                     (the arena is PROT_NONE)\n"
	      "  --pages=HOW        page size of the arena's mapping: default (the\n"
	      "                     kernel's THP setting), huge (MADV_HUGEPAGE), base\n"
	      "                     (MADV_NOHUGEPAGE)\n"
	      "  --check, --no-check  ownership bitmap (default off; on with --quick/--smoke)\n"
	      "  --quick            50 ms runs with the check on\n"
	      "  --smoke            every workload x backend briefly, KTAP, fails on overlap\n"
	      "  --no-header        no CSV header line\n"
	      "  --arena-column     append the arena size in bytes to each row\n"
	      "  --seed=N           random seed (default 1)\n"
	      "  --stats            print the pool's counters after each run (# lines)\n",
	      stderr);
}

enum {
	OPT_BACKEND = 256, OPT_WORKLOAD, OPT_THREADS, OPT_ORDER, OPT_OCC, OPT_ARENA,
	OPT_MIN_SHIFT, OPT_MAX_ORDER, OPT_MS, OPT_BURST, OPT_CPUS, OPT_CHECK,
	OPT_NO_CHECK, OPT_QUICK, OPT_SMOKE, OPT_NO_HEADER, OPT_ARENA_COLUMN, OPT_SEED,
	OPT_STATS, OPT_REPEAT, OPT_TOUCH, OPT_PAGES,
};

static const struct option options[] = {
	{ "backend", required_argument, NULL, OPT_BACKEND },
	{ "workload", required_argument, NULL, OPT_WORKLOAD },
	{ "threads", required_argument, NULL, OPT_THREADS },
	{ "order", required_argument, NULL, OPT_ORDER },
	{ "occupancy", required_argument, NULL, OPT_OCC },
	{ "arena", required_argument, NULL, OPT_ARENA },
	{ "min-shift", required_argument, NULL, OPT_MIN_SHIFT },
	{ "max-order", required_argument, NULL, OPT_MAX_ORDER },
	{ "ms", required_argument, NULL, OPT_MS },
	{ "burst", required_argument, NULL, OPT_BURST },
	{ "cpus", required_argument, NULL, OPT_CPUS },
	{ "check", no_argument, NULL, OPT_CHECK },
	{ "no-check", no_argument, NULL, OPT_NO_CHECK },
	{ "quick", no_argument, NULL, OPT_QUICK },
	{ "smoke", no_argument, NULL, OPT_SMOKE },
	{ "no-header", no_argument, NULL, OPT_NO_HEADER },
	{ "arena-column", no_argument, NULL, OPT_ARENA_COLUMN },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "stats", no_argument, NULL, OPT_STATS },
	{ "repeat", required_argument, NULL, OPT_REPEAT },
	{ "touch", required_argument, NULL, OPT_TOUCH },
	{ "pages", required_argument, NULL, OPT_PAGES },
	{ "help", no_argument, NULL, 'h' },
	{ }
};

/*
 * One experiment, repeated cfg->repeat times: prints the row of the fastest
 * repetition, with the overlaps of all.  Returns the overlaps, -1 if the
 * experiment does not apply.
 */
static long run_one(const struct run_cfg *cfg, int be, enum workload wl,
		    unsigned int threads, unsigned int order, double occupancy)
{
	struct result best[2], res[2];
	struct row row = {
		.backend = be, .workload = workload_names[wl], .threads = threads,
		.order = order, .max_order = cfg->max_order,
		.occupancy = wl == WL_FILL ? occupancy : 0, .size = cfg->size,
	};
	long errors = 0;
	unsigned int rep;

	if (order > cfg->max_order || (wl == WL_CO && order + NBBS_CO_EXTRA > cfg->max_order))
		return -1;
	memset(best, 0, sizeof(best));
	for (rep = 0; rep < max(cfg->repeat, 1U); rep++) {
		memset(res, 0, sizeof(res));
		errors += run_once(cfg, be, wl, threads, order, occupancy, res);
		if (!rep || res[0].mops > best[0].mops)
			memcpy(best, res, sizeof(best));
	}
	best[0].overlaps = errors;
	best[1].overlaps = errors;
	if (wl == WL_BULK) {
		row.workload = "bulk-alloc";
		print_row(&row, &best[0]);
		row.workload = "bulk-free";
		print_row(&row, &best[1]);
	} else {
		print_row(&row, &best[0]);
	}
	return errors;
}

struct lists {
	double threads[MAX_LIST];
	double orders[MAX_LIST];
	double occs[MAX_LIST];
	int nr_threads;
	int nr_orders;
	int nr_occs;
};

/* Every threads x order (x occupancy for fill) run of one backend and workload. */
static int run_list(const struct run_cfg *cfg, int be, enum workload wl,
		    const struct lists *l, bool smoke, int *tests)
{
	int ti, oi, ci, failed = 0;
	long err;

	for (ti = 0; ti < l->nr_threads; ti++) {
		for (oi = 0; oi < l->nr_orders; oi++) {
			for (ci = 0; ci < (wl == WL_FILL ? l->nr_occs : 1); ci++) {
				err = run_one(cfg, be, wl, l->threads[ti], l->orders[oi],
					      wl == WL_FILL ? l->occs[ci] : 0);
				if (err < 0)
					continue;
				if (err)
					fprintf(stderr, "bench: %ld overlaps or errors: %s %s\n",
						err, backend_names[be], workload_names[wl]);
				failed += !!err;
				if (!smoke)
					continue;
				(*tests)++;
				printf("%sok %d %s %s, %g threads, order %g: %ld overlaps\n",
				       err ? "not " : "", *tests, workload_names[wl],
				       backend_names[be], l->threads[ti], l->orders[oi], err);
				fflush(stdout);
			}
		}
	}
	return failed;
}

/* Bytes of this process's anonymous memory in transparent huge pages. */
static size_t huge_bytes(void)
{
	unsigned long kb = 0;
	char line[256];
	FILE *f = fopen("/proc/self/smaps_rollup", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "AnonHugePages: %lu kB", &kb) == 1)
			break;
	fclose(f);
	return kb << 10;
}

/*
 * Map an arena of @size bytes as --touch and --pages ask; *@mapping and
 * *@mapped are what to munmap().  NULL when the mapping fails.  Without
 * touching the arena is PROT_NONE: the allocator only computes addresses
 * in it.  Touched arenas up to TOUCH_POPULATE_MAX are populated here, after
 * the madvise(), so that --pages decides the page size of every byte.
 */
static void *map_arena(size_t size, enum nbbs_touch touch, enum arena_pages pages,
		       void **mapping, size_t *mapped)
{
	size_t extra = pages == PAGES_HUGE ? HUGE_ALIGN : 0, i;
	char *base;
	void *m;

	m = mmap(NULL, size + extra,
		 touch == NBBS_TOUCH_NONE ? PROT_NONE : PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m == MAP_FAILED)
		return NULL;
	*mapping = m;
	*mapped = size + extra;
	base = (char *)(((uintptr_t)m + extra) & ~(uintptr_t)(extra ? extra - 1 : 0));
	if (pages == PAGES_HUGE)
		madvise(base, size, MADV_HUGEPAGE);
	else if (pages == PAGES_BASE)
		madvise(base, size, MADV_NOHUGEPAGE);
	if (touch != NBBS_TOUCH_NONE && size <= TOUCH_POPULATE_MAX)
		for (i = 0; i < size; i += 4096)
			base[i] = 0;
	return base;
}

int main(int argc, char **argv)
{
	int backends[NR_BACKENDS], workloads[NR_WORKLOADS] = { 0, 1, 2, 3, 4, 5, 6 };
	int nr_backends = ARRAY_SIZE(backends_all), nr_workloads = NR_WORKLOADS;
	struct lists lists = {
		.threads = { 1, 2 }, .orders = { 0 }, .occs = { 0, 50, 90, 99 },
		.nr_threads = 2, .nr_orders = 1, .nr_occs = 4,
	};
	size_t arenas[MAX_LIST] = { 1UL << 30 };
	int nr_arenas = 1;
	struct run_cfg cfg = {
		.min_shift = 12, .max_order = 10, .burst = nbbs_workloads[NBBS_WL_LS].objs,
		.ms = 300, .repeat = 1, .seed = 1, .touch = NBBS_TOUCH_ENDS,
	};
	bool header = true, smoke = false, quick = false;
	int check = -1, opt, a, bi, wi, ti, tests = 0, failed = 0;
	enum arena_pages pages = PAGES_DEFAULT;
	size_t mapped = 0;
	void *mapping = NULL;
	char *arena_list = NULL;

	for (a = 0; a < NR_BACKENDS; a++)
		backend_names[a] = backend_tab[a].name;
	for (a = 0; a < NR_WORKLOADS; a++)
		workload_names[a] = nbbs_workloads[a].name;
	for (a = 0; a < nr_backends; a++)
		backends[a] = backends_all[a];
	vcpus = sysconf(_SC_NPROCESSORS_ONLN);
	cfg.cpus = vcpus > 0 ? vcpus : 1;
	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (opt) {
		case OPT_BACKEND:
			nr_backends = parse_names(optarg, backend_names, NR_BACKENDS, backends,
						  NR_BACKENDS, backends_all,
						  ARRAY_SIZE(backends_all));
			break;
		case OPT_WORKLOAD:
			nr_workloads = parse_names(optarg, workload_names, NR_WORKLOADS,
						   workloads, NR_WORKLOADS, NULL, 0);
			break;
		case OPT_THREADS:
			lists.nr_threads = parse_numbers(optarg, lists.threads, MAX_LIST);
			break;
		case OPT_ORDER:
			lists.nr_orders = parse_numbers(optarg, lists.orders, MAX_LIST);
			break;
		case OPT_OCC:
			lists.nr_occs = parse_numbers(optarg, lists.occs, MAX_LIST);
			break;
		case OPT_ARENA:
			arena_list = optarg;
			break;
		case OPT_MIN_SHIFT:
			cfg.min_shift = atoi(optarg);
			break;
		case OPT_MAX_ORDER:
			cfg.max_order = atoi(optarg);
			break;
		case OPT_MS:
			cfg.ms = atoi(optarg);
			break;
		case OPT_BURST:
			cfg.burst = max(1, atoi(optarg));
			break;
		case OPT_CPUS:
			cfg.cpus = atoi(optarg);
			break;
		case OPT_CHECK:
			check = 1;
			break;
		case OPT_NO_CHECK:
			check = 0;
			break;
		case OPT_QUICK:
			quick = true;
			break;
		case OPT_SMOKE:
			smoke = true;
			break;
		case OPT_NO_HEADER:
			header = false;
			break;
		case OPT_ARENA_COLUMN:
			arena_column = true;
			break;
		case OPT_REPEAT:
			cfg.repeat = max(1, atoi(optarg));
			break;
		case OPT_STATS:
			show_stats = true;
			break;
		case OPT_TOUCH:
			a = nbbs_touch_parse(optarg);
			if (a < 0) {
				fprintf(stderr, "bench: --touch must be none, ends or lines\n");
				return 2;
			}
			cfg.touch = a;
			break;
		case OPT_PAGES:
			if (!strcmp(optarg, "default")) {
				pages = PAGES_DEFAULT;
			} else if (!strcmp(optarg, "base")) {
				pages = PAGES_BASE;
			} else if (!strcmp(optarg, "huge")) {
				pages = PAGES_HUGE;
			} else {
				fprintf(stderr, "bench: --pages must be default, base or huge\n");
				return 2;
			}
			break;
		case OPT_SEED:
			cfg.seed = strtoull(optarg, NULL, 0) | 1;
			break;
		default:
			help();
			return opt == 'h' ? 0 : 2;
		}
	}
	if (optind < argc) {
		help();
		return 2;
	}
	if (arena_list) {
		char *s = strdup(arena_list), *tok, *save = NULL;

		nr_arenas = 0;
		for (tok = strtok_r(s, ",", &save); tok && nr_arenas < MAX_LIST;
		     tok = strtok_r(NULL, ",", &save))
			arenas[nr_arenas++] = parse_size(tok);
		free(s);
	}
	if (smoke) {
		/* every workload x backend, 2 threads, order 3, fill at 90% */
		nr_backends = NR_BACKENDS;
		nr_workloads = NR_WORKLOADS;
		for (a = 0; a < NR_BACKENDS; a++)
			backends[a] = a;
		for (a = 0; a < NR_WORKLOADS; a++)
			workloads[a] = a;
		lists.threads[0] = 2;
		lists.nr_threads = 1;
		lists.orders[0] = 3;
		lists.nr_orders = 1;
		lists.occs[0] = 90;
		lists.nr_occs = 1;
		arenas[0] = 64UL << 20;
		nr_arenas = 1;
	}
	if (quick || smoke)
		cfg.ms = 50;
	cfg.check = check < 0 ? quick || smoke : check;
	if (cfg.cpus < 1 || cfg.cpus > NBBS_USER_NR_CPUS) {
		fprintf(stderr, "bench: --cpus must be 1..%d\n", NBBS_USER_NR_CPUS);
		return 2;
	}
	for (ti = 0; ti < lists.nr_threads; ti++) {
		if (lists.threads[ti] < 1 || lists.threads[ti] > MAX_THREADS) {
			fprintf(stderr, "bench: threads must be 1..%d\n", MAX_THREADS);
			return 2;
		}
	}
	calibrate_ticks();
	csv = stdout;
	if (smoke) {
		int planned = nr_backends * nr_workloads;

		printf("TAP version 13\n1..%d\n", planned);
		fflush(stdout);
		csv = stderr;	/* rows as diagnostics */
	}
	if (header)
		fprintf(csv, "%s%s\n", CSV_HEADER, arena_column ? ",arena_bytes" : "");

	for (a = 0; a < nr_arenas; a++) {
		unsigned long leaves = arenas[a] >> cfg.min_shift;
		size_t bitmap = DIV_ROUND_UP(leaves, BITS_PER_LONG) * sizeof(long);

		cfg.size = arenas[a];
		cfg.base = map_arena(cfg.size, cfg.touch, pages, &mapping, &mapped);
		cfg.owner = malloc(nbbs_owner_map_bytes(leaves));
		cfg.prefill = malloc(bitmap);
		if (!cfg.base || !cfg.owner || !cfg.prefill) {
			fprintf(stderr, "bench: no memory for a %zu-byte arena\n", cfg.size);
			return 2;
		}
		if (pages != PAGES_DEFAULT)
			fprintf(stderr, "# arena of %zu bytes: %zu bytes in huge pages\n",
				cfg.size, huge_bytes());
		for (bi = 0; bi < nr_backends; bi++)
			for (wi = 0; wi < nr_workloads; wi++)
				failed += run_list(&cfg, backends[bi], workloads[wi],
						   &lists, smoke, &tests);
		munmap(mapping, mapped);
		free(cfg.owner);
		free(cfg.prefill);
	}
	if (smoke)
		printf("# %d passed, %d failed\n", tests - failed, failed);
	return failed ? 1 : 0;
}
