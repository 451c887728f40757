// SPDX-License-Identifier: GPL-2.0
/*
 * test_nbbs - in-kernel tests of the nbbs API.
 *
 * Built the way the kernel's self-test modules are (KSTM): loading the
 * module runs every test, prints one "ok N name" or "not ok N name" line
 * per test and the summary "test_nbbs: N tests passed, M failed", and init
 * returns -EINVAL when any test failed, so `modprobe test_nbbs` is the
 * verdict.  On success the module stays loaded and does nothing more.
 *
 * Every test builds its own pool with nbbs_pool_create() over kvmalloc'ed
 * memory, so the results do not depend on the default pool or on its users.
 *
 * Expected warnings: nbbs_free() WARNs once per pool on its first invalid
 * free, with a message containing "nbbs: invalid free".  Right before the
 * first invalid free in each pool this module prints the line
 *
 *   test_nbbs: EXPECTED WARNING: nbbs: invalid free
 *
 * so a log checker may accept exactly one such WARN after each marker and
 * treat every other WARN as a failure.
 *
 * Parameters size the concurrent tests (defaults take about a second under
 * qemu's TCG emulation): stress_threads, stress_ops, race_rounds, seed.
 * layout=tree, packed, tree-hot or packed-hot runs one round of the tests
 * instead of all.
 *
 * The same file builds in userspace against the kernel-header shim
 * (user/test_nbbs_main.c loads it there; see user/README.md).
 *
 * Built with make NBBS_FAULT_INJECT=y (against an nbbs.ko built the same
 * way), one more test per layout fails each metadata allocation of
 * nbbs_pool_create_flags() in turn through nbbs_fault_alloc_nth.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/bitmap.h>
#include <linux/bitops.h>
#include <linux/completion.h>
#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/err.h>
#include <linux/io.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/prandom.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "nbbs_core.h"
#ifdef NBBS_FAULT_INJECT
#include "nbbs_fault.h"	/* nbbs_fault_alloc_nth */
#endif

static unsigned int stress_threads;
module_param(stress_threads, uint, 0444);
MODULE_PARM_DESC(stress_threads, "Threads in the stress test; 0: twice the online CPUs (default 0)");

static unsigned int stress_ops = 100000;
module_param(stress_ops, uint, 0444);
MODULE_PARM_DESC(stress_ops, "Allocations plus frees per stress thread (default 100000)");

static unsigned int race_rounds = 300;
module_param(race_rounds, uint, 0444);
MODULE_PARM_DESC(race_rounds, "Rounds of two threads freeing the same block (default 300)");

static ulong seed;
module_param(seed, ulong, 0444);
MODULE_PARM_DESC(seed, "Seed of the stress test's random orders; 0: pick one (default 0)");

static unsigned int model_ops = 2000;
module_param(model_ops, uint, 0444);
MODULE_PARM_DESC(model_ops, "Random operations of each model test (default 2000)");

static char *layout;
module_param(layout, charp, 0444);
MODULE_PARM_DESC(layout, "Run the tests on this layout only: tree, packed, tree-hot or packed-hot (default: all)");

#define WARN_MARKER "EXPECTED WARNING: nbbs: invalid free\n"

/* The seed of this run: seed, or a random one. */
static u64 run_seed;

/* --- test bookkeeping --- */

static unsigned int tests_run;
static unsigned int tests_failed;

/**
 * struct tcase - one test as it runs
 * @name: what the summary line calls it
 * @failed: checks that failed so far
 */
struct tcase {
	char name[128];
	unsigned int failed;
};

static __printf(4, 5) bool check(struct tcase *t, bool ok, int line,
				 const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	if (ok)
		return true;
	/* Report the first few failures of a test; the count says the rest. */
	if (++t->failed <= 8) {
		va_start(args, fmt);
		vaf.fmt = fmt;
		vaf.va = &args;
		pr_err("%s: line %d: %pV\n", t->name, line, &vaf);
		va_end(args);
	}
	return false;
}

/* CHECK(t, cond, fmt, ...): count a failure of cond, saying why; true if ok. */
#define CHECK(t, cond, fmt, ...) \
	check(t, !!(cond), __LINE__, "%s: " fmt, #cond, ##__VA_ARGS__)

/* The layout of the tree the private pools are built with in this round. */
static unsigned int test_layout = NBBS_LAYOUT_TREE;
/* And whether they keep hot blocks per CPU (NBBS_POOL_HOT). */
static bool test_hot;

/* nbbs_pool_create_flags() flags of this round. */
static unsigned int test_flags(void)
{
	return (test_layout == NBBS_LAYOUT_PACKED ? NBBS_POOL_PACKED : NBBS_POOL_TREE) |
	       (test_hot ? NBBS_POOL_HOT : 0);
}

/* The name of this round: the layout, and "-hot" with hot blocks. */
static const char *round_name(void)
{
	return test_hot ?
		(test_layout == NBBS_LAYOUT_PACKED ? "packed-hot" : "tree-hot") :
		nbbs_layout_name(test_layout);
}

static void tcase_end(struct tcase *t)
{
	tests_run++;
	if (t->failed) {
		tests_failed++;
		pr_err("not ok %u %s [%s] (%u checks failed)\n", tests_run, t->name,
		       round_name(), t->failed);
	} else {
		pr_info("ok %u %s [%s]\n", tests_run, t->name, round_name());
	}
}

/* --- private pools --- */

/**
 * struct tpool - a pool of the tests' own over kvmalloc'ed memory
 * @pool: the pool
 * @mem: the arena
 * @alloc: the kvmalloc'ed memory the arena lies in
 * @size: bytes in the arena
 * @min_shift: log2 of the smallest block
 * @max_order: largest order
 * @warned: the expected-warning marker was printed for this pool
 */
struct tpool {
	struct nbbs_pool *pool;
	void *mem;
	void *alloc;
	size_t size;
	unsigned int min_shift;
	unsigned int max_order;
	bool warned;
};

/**
 * struct shape - arguments of nbbs_pool_create() that a test runs with
 * @size: bytes in the arena
 * @min_shift: log2 of the smallest block
 * @max_order: largest order
 * @offset: smallest blocks between a page (or smallest block) boundary and
 *	the arena, so that blocks aligned from the arena's start are not
 *	aligned as much in memory
 */
struct shape {
	size_t size;
	unsigned int min_shift;
	unsigned int max_order;
	unsigned int offset;
};

static const struct shape shapes[] = {
	{ SZ_4K,	3,		9,	1 },	/* 8-byte blocks; one block is all */
	{ 16,		3,		1,	0 },	/* two 8-byte blocks */
	{ SZ_64K,	6,		4,	1 },	/* many largest blocks */
	{ SZ_1M,	PAGE_SHIFT,	8,	0 },	/* page-sized blocks */
	{ SZ_1M,	PAGE_SHIFT,	3,	0 },	/* 32 largest blocks of 8 pages */
	{ SZ_4M,	PAGE_SHIFT,	10,	3 },	/* one block of 1024 pages */
	{ SZ_256K,	PAGE_SHIFT,	0,	0 },	/* a single order */
	{ SZ_256K,	6,		0,	3 },	/* 4096 blocks of a single order */
	{ SZ_16K,	3,		11,	0 },	/* 2048 leaves, deepest tree here */
	{ SZ_1M,	16,		2,	0 },	/* blocks larger than a page */
	{ 8,		3,		0,	1 },	/* one 8-byte block */
};

/*
 * nbbs_pool_create() wants the arena aligned to the smallest block, which
 * kvmalloc() does not promise past a page: align it here, then move it
 * @offset smallest blocks further.
 */
static int tpool_create(struct tpool *tp, const struct shape *s)
{
	size_t align = max_t(size_t, PAGE_SIZE, (size_t)1 << s->min_shift);
	size_t off = (size_t)s->offset << s->min_shift;

	memset(tp, 0, sizeof(*tp));
	tp->size = s->size;
	tp->min_shift = s->min_shift;
	tp->max_order = s->max_order;
	tp->alloc = kvmalloc(s->size + align + off, GFP_KERNEL);
	if (!tp->alloc)
		return -ENOMEM;
	tp->mem = PTR_ALIGN(tp->alloc, align) + off;
	tp->pool = nbbs_pool_create_flags(tp->mem, s->size, s->min_shift,
					  s->max_order, GFP_KERNEL, test_flags());
	if (IS_ERR(tp->pool)) {
		kvfree(tp->alloc);
		return PTR_ERR(tp->pool);
	}
	return 0;
}

static void tpool_destroy(struct tpool *tp)
{
	nbbs_pool_destroy(tp->pool);
	kvfree(tp->alloc);
}

/*
 * The pool's free blocks per order, blocks parked per CPU in a hot pool
 * given back first, so that they count coalesced as in any buddy system.
 */
static int tp_free_blocks(struct tpool *tp, unsigned long *maximal)
{
	nbbs_pool_drain(tp->pool);
	return nbbs_pool_free_blocks(tp->pool, maximal, tp->max_order + 1);
}

/* Blocks of @order that the arena holds. */
static unsigned long tp_count(const struct tpool *tp, unsigned int order)
{
	return tp->size >> (tp->min_shift + order);
}

static size_t tp_bytes(const struct tpool *tp, unsigned int order)
{
	return (size_t)1 << (tp->min_shift + order);
}

/* Index of the smallest block at @p; tp_block_ok() must have accepted @p. */
static unsigned long tp_leaf(const struct tpool *tp, const void *p)
{
	return ((unsigned long)p - (unsigned long)tp->mem) >> tp->min_shift;
}

/* @p is inside the arena and aligned to the size of an @order block. */
static bool tp_block_ok(const struct tpool *tp, const void *p, unsigned int order)
{
	unsigned long off = (unsigned long)p - (unsigned long)tp->mem;

	return p && (unsigned long)p >= (unsigned long)tp->mem &&
	       off < tp->size && off + tp_bytes(tp, order) <= tp->size &&
	       !(off & (tp_bytes(tp, order) - 1));
}

static void tp_expect_warning(struct tpool *tp)
{
	if (!tp->warned)
		pr_info(WARN_MARKER);
	tp->warned = true;
}

/*
 * The pool is empty and whole: nothing live, every largest block free and
 * maximal, nothing smaller free.
 */
static void check_whole(struct tcase *t, struct tpool *tp, const char *when)
{
	unsigned long maximal[NBBS_ORDER_LIMIT + 1];
	unsigned int k;
	int nr;

	CHECK(t, nbbs_pool_live_blocks(tp->pool) == 0, "%s", when);
	nr = tp_free_blocks(tp, maximal);
	if (!CHECK(t, nr == tp->max_order + 1, "%s: nr %d", when, nr))
		return;
	for (k = 0; k < tp->max_order; k++)
		CHECK(t, maximal[k] == 0, "%s: order %u: %lu", when, k, maximal[k]);
	CHECK(t, maximal[tp->max_order] == tp_count(tp, tp->max_order),
	      "%s: %lu of %lu", when, maximal[tp->max_order],
	      tp_count(tp, tp->max_order));
}

/*
 * Allocate blocks of @order until the pool says no, at most @max of them,
 * into @blocks.  Returns how many were allocated.
 */
static unsigned long fill(struct tpool *tp, unsigned int order, void **blocks,
			  unsigned long max)
{
	unsigned long n;

	for (n = 0; n < max; n++) {
		blocks[n] = nbbs_alloc(tp->pool, order);
		if (!blocks[n])
			break;
		if (!(n & 255))
			cond_resched();
	}
	return n;
}

static void release(struct tcase *t, struct tpool *tp, void **blocks,
		    unsigned long n)
{
	unsigned long i;

	for (i = 0; i < n; i++) {
		CHECK(t, nbbs_free(tp->pool, blocks[i]) == 0, "block %lu", i);
		if (!(i & 255))
			cond_resched();
	}
}

/*
 * The pool gives all of itself as blocks of @order, exactly, and takes
 * them back.  @blocks has room for one more than that.
 */
static void check_fill(struct tcase *t, struct tpool *tp, unsigned int order,
		       void **blocks, const char *when)
{
	unsigned long want = tp_count(tp, order);
	unsigned long n = fill(tp, order, blocks, want + 1);

	CHECK(t, n == want, "%s: %lu blocks of order %u of %lu", when, n, order, want);
	release(t, tp, blocks, n);
}

/*
 * Take (@take) or give up the smallest blocks of the block of @order at @p
 * in @owner, one bit per smallest block the test holds.  Returns how many
 * were already in the state asked for: overlaps, or blocks never held.
 */
static unsigned long tp_own(const struct tpool *tp, unsigned long *owner,
			    const void *p, unsigned int order, bool take)
{
	unsigned long leaf = tp_leaf(tp, p), j, bad = 0;

	for (j = 0; j < (1UL << order); j++) {
		if (take)
			bad += __test_and_set_bit(leaf + j, owner);
		else
			bad += !__test_and_clear_bit(leaf + j, owner);
	}
	return bad;
}

/* No smallest block of the @nr from @first is held, says @owner. */
static bool tp_range_free(const unsigned long *owner, unsigned long first,
			  unsigned long nr)
{
	return find_next_bit(owner, first + nr, first) >= first + nr;
}

/* @owner leaves a free block of @order: a NULL from nbbs_alloc() is wrong. */
static bool tp_has_free(const struct tpool *tp, const unsigned long *owner,
			unsigned int order)
{
	unsigned long i;

	for (i = 0; i < tp_count(tp, order); i++)
		if (tp_range_free(owner, i << order, 1UL << order))
			return true;
	return false;
}

/*
 * The pool's maximal free blocks agree with @owner: a free block of order
 * k counts when k is the largest order or its buddy is not wholly free.
 */
static void check_free_blocks(struct tcase *t, struct tpool *tp,
			      const unsigned long *owner, const char *when)
{
	unsigned long maximal[NBBS_ORDER_LIMIT + 1], want, i, n;
	unsigned int k;
	int nr;

	nr = tp_free_blocks(tp, maximal);
	if (!CHECK(t, nr == tp->max_order + 1, "%s: nr %d", when, nr))
		return;
	for (k = 0; k <= tp->max_order; k++) {
		n = 1UL << k;
		want = 0;
		for (i = 0; i < tp_count(tp, k); i++)
			want += tp_range_free(owner, i * n, n) &&
				(k == tp->max_order ||
				 !tp_range_free(owner, (i ^ 1) * n, n));
		CHECK(t, maximal[k] == want,
		      "%s: order %u: %lu maximal free blocks, expected %lu",
		      when, k, maximal[k], want);
	}
}

/* The next online CPU after @cpu, wrapping around: round-robin pinning. */
static unsigned int next_cpu(unsigned int cpu)
{
	cpu = cpumask_next(cpu, cpu_online_mask);
	return cpu < nr_cpu_ids ? cpu : cpumask_first(cpu_online_mask);
}

/*
 * nbbs_free(@p) is refused, counted once in the pool's statistics, and
 * frees nothing.  Adds it to @invalid.
 */
static void expect_invalid(struct tcase *t, struct tpool *tp, const void *p,
			   const char *what, struct nbbs_stats *st,
			   unsigned long *invalid)
{
	unsigned long live = nbbs_pool_live_blocks(tp->pool);
	u64 before;

	tp_expect_warning(tp);
	nbbs_pool_stats(tp->pool, st);
	before = st->invalid_free;
	CHECK(t, nbbs_free(tp->pool, (void *)p) == -EINVAL, "%s", what);
	nbbs_pool_stats(tp->pool, st);
	CHECK(t, st->invalid_free == before + 1, "%s: invalid_free %llu, was %llu",
	      what, st->invalid_free, before);
	CHECK(t, nbbs_pool_live_blocks(tp->pool) == live, "%s: live blocks", what);
	(*invalid)++;
}

/* --- tests on one pool --- */

/* The pool describes itself as created, and starts whole. */
static void test_info(struct tcase *t, struct tpool *tp)
{
	struct nbbs_stats *st;
	struct nbbs_info info;
	unsigned int k;

	nbbs_pool_info(tp->pool, &info);
	CHECK(t, info.base == tp->mem, "%p", info.base);
	CHECK(t, info.size == tp->size, "%zu", info.size);
	CHECK(t, info.min_shift == tp->min_shift, "%u", info.min_shift);
	CHECK(t, info.max_order == tp->max_order, "%u", info.max_order);
	CHECK(t, nbbs_pool_metadata_bytes(tp->pool) > 0, "no metadata");
	check_whole(t, tp, "new pool");

	st = kzalloc(sizeof(*st), GFP_KERNEL);
	if (!CHECK(t, st, "no memory"))
		return;
	nbbs_pool_stats(tp->pool, st);
	for (k = 0; k <= NBBS_ORDER_LIMIT; k++)
		CHECK(t, !st->alloc[k] && !st->free[k] && !st->alloc_fail[k],
		      "order %u", k);
	CHECK(t, !st->invalid_free && !st->alloc_bad_order, "fresh counters");
	kfree(st);
}

/*
 * One block of every order: in the arena, aligned, writable, the rest of
 * the arena free as the pool reports it, freed.  Then one of every order
 * at once, where the arena has room for them.
 */
static void test_every_order(struct tcase *t, struct tpool *tp)
{
	void *held[NBBS_ORDER_LIMIT + 1];
	unsigned long *owner;
	unsigned int order;
	void *p;

	owner = bitmap_zalloc(tp_count(tp, 0), GFP_KERNEL);
	if (!CHECK(t, owner, "no memory"))
		return;
	for (order = 0; order <= tp->max_order; order++) {
		p = nbbs_alloc(tp->pool, order);
		if (!CHECK(t, tp_block_ok(tp, p, order), "order %u: %p", order, p))
			continue;
		memset(p, order, tp_bytes(tp, order));
		CHECK(t, nbbs_pool_live_blocks(tp->pool) == 1, "order %u", order);
		tp_own(tp, owner, p, order, true);
		check_free_blocks(t, tp, owner, "one block");
		tp_own(tp, owner, p, order, false);
		CHECK(t, nbbs_free(tp->pool, p) == 0, "order %u", order);
	}
	check_whole(t, tp, "after every order");

	/* Orders 0..max_order take 2^(max_order + 1) - 1 smallest blocks. */
	if (tp_count(tp, tp->max_order) > 1) {
		for (order = 0; order <= tp->max_order; order++) {
			held[order] = nbbs_alloc(tp->pool, order);
			if (!CHECK(t, tp_block_ok(tp, held[order], order),
				   "all at once: order %u: %p", order, held[order])) {
				held[order] = NULL;
				continue;
			}
			CHECK(t, !tp_own(tp, owner, held[order], order, true),
			      "all at once: order %u overlaps", order);
		}
		CHECK(t, nbbs_pool_live_blocks(tp->pool) == tp->max_order + 1,
		      "all at once");
		check_free_blocks(t, tp, owner, "all at once");
		for (order = 0; order <= tp->max_order; order++)
			CHECK(t, nbbs_free(tp->pool, held[order]) == 0,
			      "all at once: order %u", order);
		check_whole(t, tp, "after all orders at once");
	}
	bitmap_free(owner);
}

/*
 * Exhaust the pool with blocks of one order: exactly size / block blocks,
 * none overlapping, then NULL for that order and the smallest; the stats
 * count them, and no rescan (nothing was released during those scans);
 * freeing them in an interleaved order makes the pool whole again.
 */
static void exhaust_order(struct tcase *t, struct tpool *tp, unsigned int order,
			  void **blocks, unsigned long *owner)
{
	unsigned long expect = tp_count(tp, order);
	unsigned long n, i, j, overlaps = 0, nr_bad = 0;
	struct nbbs_stats *st0, *st1;
	void *probe, *probe_order;
	u64 fails = 0;
	unsigned int k;

	st0 = kzalloc(2 * sizeof(*st0), GFP_KERNEL);
	if (!CHECK(t, st0, "no memory"))
		return;
	st1 = st0 + 1;
	nbbs_pool_stats(tp->pool, st0);

	n = fill(tp, order, blocks, expect + 1);
	CHECK(t, n == expect, "order %u: %lu blocks, expected %lu", order, n, expect);
	probe = nbbs_alloc(tp->pool, 0);
	CHECK(t, !probe, "order %u: full pool gave a block", order);
	probe_order = nbbs_alloc(tp->pool, order);
	CHECK(t, !probe_order, "order %u: full pool gave a block of it", order);
	CHECK(t, nbbs_pool_live_blocks(tp->pool) == n, "order %u", order);

	bitmap_zero(owner, tp_count(tp, 0));
	for (i = 0; i < n; i++) {
		if (!tp_block_ok(tp, blocks[i], order)) {
			nr_bad++;
			continue;
		}
		overlaps += tp_own(tp, owner, blocks[i], order, true);
		*(unsigned long *)blocks[i] = i;	/* a stamp: the index */
	}
	CHECK(t, !nr_bad, "order %u: %lu blocks outside or misaligned", order, nr_bad);
	CHECK(t, !overlaps, "order %u: %lu smallest blocks handed out twice",
	      order, overlaps);
	check_free_blocks(t, tp, owner, "full");

	nbbs_pool_stats(tp->pool, st1);
	CHECK(t, st1->alloc[order] - st0->alloc[order] == n, "order %u", order);
	for (k = 0; k <= tp->max_order; k++)
		fails += st1->alloc_fail[k] - st0->alloc_fail[k];
	/* Failures: the NULL that ended fill(), if any, and the probes'. */
	CHECK(t, fails == (n <= expect) + !probe + !probe_order,
	      "order %u: %llu failures", order, fails);
	CHECK(t, st1->scan_restarts == st0->scan_restarts &&
	      st1->scan_giveups == st0->scan_giveups,
	      "order %u: %llu rescans, %llu give-ups with no release meanwhile",
	      order, st1->scan_restarts - st0->scan_restarts,
	      st1->scan_giveups - st0->scan_giveups);
	nbbs_free(tp->pool, probe);
	nbbs_free(tp->pool, probe_order);

	/* Free the even blocks, then the odd ones: buddies meet late. */
	for (i = 0; i < 2; i++) {
		for (j = i; j < n; j += 2) {
			CHECK(t, !blocks[j] || *(unsigned long *)blocks[j] == j,
			      "order %u: block %lu was overwritten", order, j);
			CHECK(t, nbbs_free(tp->pool, blocks[j]) == 0,
			      "order %u: block %lu", order, j);
		}
		cond_resched();
	}
	nbbs_pool_stats(tp->pool, st1);
	CHECK(t, st1->free[order] - st0->free[order] == n, "order %u", order);
	kfree(st0);
	check_whole(t, tp, "after exhaustion");
}

static void test_exhaust(struct tcase *t, struct tpool *tp)
{
	unsigned long *owner;
	unsigned int order;
	void **blocks;

	blocks = kvmalloc_array(tp_count(tp, 0) + 1, sizeof(*blocks), GFP_KERNEL);
	owner = bitmap_zalloc(tp_count(tp, 0), GFP_KERNEL);
	if (CHECK(t, blocks && owner, "no memory")) {
		for (order = 0; order <= tp->max_order; order++)
			exhaust_order(t, tp, order, blocks, owner);
	}
	bitmap_free(owner);
	kvfree(blocks);
}

/* Free @n blocks in a random order. */
static void release_shuffled(struct tcase *t, struct tpool *tp, void **blocks,
			     unsigned long n, struct rnd_state *rnd)
{
	unsigned long i, j;

	for (i = n; i > 1; i--) {
		j = prandom_u32_state(rnd) % i;	/* swap() reads its arguments twice */
		swap(blocks[i - 1], blocks[j]);
	}
	release(t, tp, blocks, n);
}

/*
 * Full coalescing: the arena is allocatable as all its largest blocks, and
 * after freeing them as all its smallest blocks; with every other smallest
 * block freed, no larger block can be had, and freeing the rest rebuilds
 * the largest blocks.  So it does after the smallest blocks, or blocks of
 * random orders, are freed in a random order.
 */
static void test_coalesce(struct tcase *t, struct tpool *tp)
{
	unsigned long leaves = tp_count(tp, 0);
	unsigned long maximal[NBBS_ORDER_LIMIT + 1];
	struct rnd_state rnd;
	unsigned long n, i;
	void **blocks;
	int nr;

	blocks = kvmalloc_array(leaves + 1, sizeof(*blocks), GFP_KERNEL);
	if (!CHECK(t, blocks, "no memory"))
		return;

	check_fill(t, tp, tp->max_order, blocks, "largest");

	n = fill(tp, 0, blocks, leaves + 1);
	CHECK(t, n == leaves, "%lu smallest blocks of %lu", n, leaves);

	/* Free the blocks at even leaf indices: each free block's buddy is live. */
	for (i = 0; i < n; i++) {
		if (!tp_block_ok(tp, blocks[i], 0) || tp_leaf(tp, blocks[i]) & 1)
			continue;
		CHECK(t, nbbs_free(tp->pool, blocks[i]) == 0, "leaf %lu", i);
		blocks[i] = NULL;
	}
	nr = tp_free_blocks(tp, maximal);
	if (CHECK(t, nr == tp->max_order + 1, "nr %d", nr))
		CHECK(t, maximal[0] == DIV_ROUND_UP(leaves, 2) &&
		      (nr == 1 || maximal[1] == 0),
		      "free order 0: %lu of %lu", maximal[0], DIV_ROUND_UP(leaves, 2));
	if (tp->max_order && leaves > 1)
		CHECK(t, !nbbs_alloc(tp->pool, 1), "order 1 from a checkerboard");
	CHECK(t, nbbs_pool_live_blocks(tp->pool) == leaves / 2, "live");

	release(t, tp, blocks, n);	/* the odd ones; NULL frees are no-ops */
	check_whole(t, tp, "after the checkerboard");

	check_fill(t, tp, tp->max_order, blocks, "largest again");

	prandom_seed_state(&rnd, run_seed ^ leaves);
	n = fill(tp, 0, blocks, leaves + 1);
	CHECK(t, n == leaves, "%lu smallest blocks of %lu", n, leaves);
	release_shuffled(t, tp, blocks, n, &rnd);
	check_whole(t, tp, "after the smallest blocks in a random order");

	/* Random orders, 4 tries per smallest block: the pool ends up full. */
	for (i = n = 0; i < 4 * leaves && n < leaves; i++) {
		blocks[n] = nbbs_alloc(tp->pool, prandom_u32_state(&rnd) %
				       (tp->max_order + 1));
		n += !!blocks[n];
	}
	release_shuffled(t, tp, blocks, n, &rnd);
	check_whole(t, tp, "after random orders in a random order");
	check_fill(t, tp, tp->max_order, blocks, "at last, largest");
	check_fill(t, tp, 0, blocks, "at last, smallest");
	kvfree(blocks);
}

/*
 * Every kind of invalid free is refused with -EINVAL, counted, and harms
 * nothing: the live block it pointed into is still live, and the pool is
 * whole again afterwards, all of it allocatable.  NULL is a no-op;
 * out-of-range orders are refused and counted, and count as nothing else.
 */
static void test_invalid_free(struct tcase *t, struct tpool *tp)
{
	size_t min_block = tp_bytes(tp, 0), top_bytes = tp_bytes(tp, tp->max_order);
	unsigned long leaves = tp_count(tp, 0);
	unsigned long invalid = 0;
	struct nbbs_stats *st, *st0;
	char *p, *lo, *hi, *foreign;
	void **blocks;
	unsigned int k;
	long local;

	st = kzalloc(2 * sizeof(*st), GFP_KERNEL);
	foreign = kmalloc(min_block, GFP_KERNEL);
	blocks = kvmalloc_array(leaves + 1, sizeof(*blocks), GFP_KERNEL);
	if (!CHECK(t, st && foreign && blocks, "no memory"))
		goto out;
	st0 = st + 1;

	/* Double free. */
	p = nbbs_alloc(tp->pool, 0);
	if (CHECK(t, p, "alloc")) {
		CHECK(t, nbbs_free(tp->pool, p) == 0, "first free");
		expect_invalid(t, tp, p, "double free", st, &invalid);
	}

	/* The start of a block that was never allocated, and just past it. */
	expect_invalid(t, tp, tp->mem, "free of a free block", st, &invalid);
	expect_invalid(t, tp, tp->mem + 1, "misaligned, in a free block", st,
		       &invalid);

	/* Interior and misaligned pointers into a live block. */
	p = nbbs_alloc(tp->pool, tp->max_order);
	if (CHECK(t, p, "alloc order %u", tp->max_order)) {
		if (tp->max_order) {
			expect_invalid(t, tp, p + min_block, "interior", st,
				       &invalid);
			expect_invalid(t, tp, p + top_bytes / 2, "buddy half", st,
				       &invalid);
		}
		if (top_bytes > 8)
			expect_invalid(t, tp, p + top_bytes - 8, "last 8 bytes", st,
				       &invalid);
		expect_invalid(t, tp, p + 1, "misaligned", st, &invalid);
		expect_invalid(t, tp, p + 4, "4 bytes in", st, &invalid);
		expect_invalid(t, tp, p + min_block / 2, "half a smallest block in",
			       st, &invalid);
		CHECK(t, nbbs_pool_live_blocks(tp->pool) == 1, "the block survived");
		memset(p, 0x5a, top_bytes);
		CHECK(t, nbbs_free(tp->pool, p) == 0, "the real free");
		expect_invalid(t, tp, p, "double free of the largest", st,
			       &invalid);
	}

	/*
	 * Two smallest blocks, the lower one freed: the pointers below the
	 * higher one are free blocks under a subtree still partly in use.
	 */
	if (leaves >= 2) {
		lo = nbbs_alloc(tp->pool, 0);
		hi = nbbs_alloc(tp->pool, 0);
		if (CHECK(t, lo && hi, "two smallest blocks")) {
			if (lo > hi)
				swap(lo, hi);
			CHECK(t, nbbs_free(tp->pool, lo) == 0, "the lower one");
			expect_invalid(t, tp, hi - min_block, "below a live block", st,
				       &invalid);
			expect_invalid(t, tp, tp->mem, "the start, beside a live block",
				       st, &invalid);
			CHECK(t, nbbs_free(tp->pool, hi) == 0, "the higher one");
			expect_invalid(t, tp, hi, "double free of the higher one", st,
				       &invalid);
		}
	}

	/* Foreign pointers: past the arena, before it, on the stack, elsewhere. */
	expect_invalid(t, tp, (char *)tp->mem + tp->size, "end", st, &invalid);
	expect_invalid(t, tp, (char *)tp->mem - min_block, "before", st,
		       &invalid);
	expect_invalid(t, tp, (char *)tp->mem - 8, "8 bytes before", st,
		       &invalid);
	expect_invalid(t, tp, &local, "on the stack", st, &invalid);
	expect_invalid(t, tp, foreign, "kmalloc'ed", st, &invalid);

	/* NULL is a no-op. */
	CHECK(t, nbbs_free(tp->pool, NULL) == 0, "NULL");

	/* Orders past max_order: counted as bad orders, not as failures. */
	nbbs_pool_stats(tp->pool, st0);
	CHECK(t, !nbbs_alloc(tp->pool, tp->max_order + 1), "max_order + 1");
	CHECK(t, !nbbs_alloc(tp->pool, NBBS_ORDER_LIMIT + 1), "limit + 1");
	CHECK(t, !nbbs_alloc(tp->pool, UINT_MAX), "UINT_MAX");
	CHECK(t, !nbbs_alloc(tp->pool, 1U << 31), "1 << 31");

	nbbs_pool_stats(tp->pool, st);
	CHECK(t, st->invalid_free == invalid, "invalid_free %llu, expected %lu",
	      st->invalid_free, invalid);
	CHECK(t, st->alloc_bad_order == 4, "alloc_bad_order %llu", st->alloc_bad_order);
	for (k = 0; k <= NBBS_ORDER_LIMIT; k++)
		CHECK(t, st->alloc[k] == st0->alloc[k] &&
		      st->alloc_fail[k] == st0->alloc_fail[k],
		      "a bad order counted at order %u", k);
	check_whole(t, tp, "after invalid frees");

	/* Nothing was lost: all of it allocatable, largest then smallest. */
	check_fill(t, tp, tp->max_order, blocks, "largest");
	check_fill(t, tp, 0, blocks, "smallest");
out:
	kvfree(blocks);
	kfree(foreign);
	kfree(st);
}

/* --- random operations, on one CPU after another --- */

/**
 * struct rops - random operations on a pool against a model of the arena
 * @t: the test
 * @tp: the pool
 * @rnd: random numbers
 * @owner: one bit per smallest block the test holds
 * @held: the blocks the test holds
 * @held_order: the order of each
 * @start: per smallest block: 1 + the order of the held block starting there
 * @nr_held: entries in @held
 * @invalid_frees: frees of a smallest block where no held block starts
 * @frees: blocks freed, per order
 * @allocs: blocks allocated, per order
 * @nulls: NULLs from nbbs_alloc(), per order
 * @false_nulls: NULLs while the model had a free block of the order
 * @ops: operations in each call of rops_run()
 * @model: the model's operations (rops_model()) instead of rops_stats()'s
 */
struct rops {
	struct tcase *t;
	struct tpool *tp;
	struct rnd_state rnd;
	unsigned long *owner;
	void **held;
	unsigned int *held_order;
	u8 *start;
	unsigned long nr_held;
	unsigned long invalid_frees;
	u64 frees[NBBS_ORDER_LIMIT + 1];
	u64 allocs[NBBS_ORDER_LIMIT + 1];
	u64 nulls[NBBS_ORDER_LIMIT + 1];
	unsigned long false_nulls;
	unsigned int ops;
	bool model;
};

static bool rops_alloc(struct rops *r, unsigned int order)
{
	struct tpool *tp = r->tp;
	void *p = nbbs_alloc(tp->pool, order);

	if (!p) {
		r->nulls[order]++;
		if (tp_has_free(tp, r->owner, order))
			r->false_nulls++;
		return false;
	}
	r->allocs[order]++;
	if (!CHECK(r->t, tp_block_ok(tp, p, order), "order %u: %p", order, p))
		return true;	/* leaked: the test fails anyway */
	CHECK(r->t, !tp_own(tp, r->owner, p, order, true), "order %u: overlap", order);
	r->start[tp_leaf(tp, p)] = order + 1;
	r->held[r->nr_held] = p;
	r->held_order[r->nr_held++] = order;
	return true;
}

static void rops_free(struct rops *r, unsigned long i)
{
	struct tpool *tp = r->tp;
	unsigned int order = r->held_order[i];
	void *p = r->held[i];

	tp_own(tp, r->owner, p, order, false);
	r->start[tp_leaf(tp, p)] = 0;
	CHECK(r->t, nbbs_free(tp->pool, p) == 0, "order %u: %p", order, p);
	r->frees[order]++;
	r->held[i] = r->held[--r->nr_held];
	r->held_order[i] = r->held_order[r->nr_held];
}

/* A third frees, the rest allocate blocks of uniformly random orders. */
static void rops_stats(struct rops *r)
{
	if (r->nr_held && !(prandom_u32_state(&r->rnd) % 3))
		rops_free(r, prandom_u32_state(&r->rnd) % r->nr_held);
	else
		rops_alloc(r, prandom_u32_state(&r->rnd) % (r->tp->max_order + 1));
}

/*
 * 45% frees, 2% frees of a random smallest block (refused unless a held
 * block starts there), the rest allocations favouring small orders.
 */
static void rops_model(struct rops *r)
{
	unsigned int x = prandom_u32_state(&r->rnd) % 100, order;
	struct tpool *tp = r->tp;
	unsigned long leaf, i;

	if (x < 45 && r->nr_held) {
		rops_free(r, prandom_u32_state(&r->rnd) % r->nr_held);
	} else if (x < 47) {
		leaf = prandom_u32_state(&r->rnd) % tp_count(tp, 0);
		if (r->start[leaf]) {
			for (i = 0; r->held[i] != tp->mem + (leaf << tp->min_shift); i++)
				;
			rops_free(r, i);
		} else {
			tp_expect_warning(tp);
			CHECK(r->t, nbbs_free(tp->pool, tp->mem + (leaf << tp->min_shift)) ==
			      -EINVAL, "leaf %lu: not the start of a held block", leaf);
			r->invalid_frees++;
		}
	} else {
		order = prandom_u32_state(&r->rnd) % (tp->max_order + 1);
		rops_alloc(r, prandom_u32_state(&r->rnd) % (order + 1));
	}
}

static long rops_run(void *data)
{
	struct rops *r = data;
	unsigned int i;

	for (i = 0; i < r->ops; i++) {
		if (r->model)
			rops_model(r);
		else
			rops_stats(r);
	}
	return 0;
}

/*
 * @ops random operations, in runs of 128 on one online CPU after another,
 * the pool's view checked against the model after each run; then every
 * block freed and the pool's statistics compared with the counts.
 */
static void rops_test(struct tcase *t, struct tpool *tp, unsigned long ops,
		      bool model)
{
	unsigned long leaves = tp_count(tp, 0), done;
	unsigned int cpu = cpumask_first(cpu_online_mask), k;
	struct nbbs_stats *st;
	struct rops *r;

	r = kzalloc(sizeof(*r), GFP_KERNEL);
	st = kzalloc(sizeof(*st), GFP_KERNEL);
	if (!CHECK(t, r && st, "no memory"))
		goto out;
	r->t = t;
	r->tp = tp;
	r->model = model;
	prandom_seed_state(&r->rnd, run_seed + 7 * leaves + model);
	r->owner = bitmap_zalloc(leaves, GFP_KERNEL);
	r->held = kvmalloc_array(leaves, sizeof(*r->held), GFP_KERNEL);
	r->held_order = kvmalloc_array(leaves, sizeof(*r->held_order), GFP_KERNEL);
	r->start = kvzalloc(leaves, GFP_KERNEL);
	if (!CHECK(t, r->owner && r->held && r->held_order && r->start, "no memory"))
		goto out_free;

	for (done = 0; done < ops; done += r->ops) {
		r->ops = min(ops - done, 128UL);
		CHECK(t, !work_on_cpu(cpu, rops_run, r), "on CPU %u", cpu);
		CHECK(t, nbbs_pool_live_blocks(tp->pool) == r->nr_held, "live blocks");
		if (model)
			check_free_blocks(t, tp, r->owner, "random operations");
		cpu = next_cpu(cpu);
		cond_resched();
	}
	CHECK(t, !r->false_nulls, "%lu NULLs while the model had a free block",
	      r->false_nulls);
	while (r->nr_held)
		rops_free(r, r->nr_held - 1);

	nbbs_pool_stats(tp->pool, st);
	for (k = 0; k <= NBBS_ORDER_LIMIT; k++) {
		CHECK(t, st->alloc[k] == r->allocs[k], "order %u: %llu allocations, expected %llu",
		      k, st->alloc[k], r->allocs[k]);
		CHECK(t, st->free[k] == r->frees[k], "order %u: %llu frees, expected %llu",
		      k, st->free[k], r->frees[k]);
		CHECK(t, st->alloc_fail[k] == r->nulls[k], "order %u: %llu failures, expected %llu",
		      k, st->alloc_fail[k], r->nulls[k]);
	}
	CHECK(t, st->invalid_free == r->invalid_frees, "invalid_free %llu, expected %lu",
	      st->invalid_free, r->invalid_frees);
	CHECK(t, !st->alloc_bad_order, "alloc_bad_order %llu", st->alloc_bad_order);
	/* One call at a time: no release ever completed during a scan. */
	CHECK(t, !st->scan_restarts && !st->scan_giveups, "%llu rescans, %llu give-ups",
	      st->scan_restarts, st->scan_giveups);
#ifndef NBBS_FAULT_INJECT
	/* (Injected CAS failures count as conflicts and change nothing else.) */
	CHECK(t, !st->cas_conflicts, "%llu CAS conflicts alone", st->cas_conflicts);
#endif
	CHECK(t, st->alloc_atomics >= r->allocs[0], "%llu atomics for %llu allocations",
	      st->alloc_atomics, r->allocs[0]);
	check_whole(t, tp, "after random operations");
out_free:
	kvfree(r->start);
	kvfree(r->held_order);
	kvfree(r->held);
	bitmap_free(r->owner);
out:
	kfree(st);
	kfree(r);
}

/*
 * Statistics: every allocation, free and failure is counted at its order,
 * over blocks of random orders allocated and freed on several CPUs.
 */
static void test_stats(struct tcase *t, struct tpool *tp)
{
	rops_test(t, tp, 3 * tp_count(tp, 0) + 50, false);
}

/*
 * Random operations against a model of the arena: every block is free in
 * the model, the pool's free blocks are the model's, a NULL means that the
 * model has no free block of that order, and a free of a smallest block
 * where no held block starts is refused.
 */
static void test_model(struct tcase *t, struct tpool *tp)
{
	rops_test(t, tp, model_ops, true);
}

static void run_pool_test(const char *name, const struct shape *s,
			  void (*fn)(struct tcase *t, struct tpool *tp))
{
	struct tcase t = { };
	struct tpool tp;
	int ret;

	snprintf(t.name, sizeof(t.name), "%s size=%zu min_shift=%u max_order=%u",
		 name, s->size, s->min_shift, s->max_order);
	if (s->offset)
		snprintf(t.name + strlen(t.name), sizeof(t.name) - strlen(t.name),
			 " offset=%u", s->offset);
	ret = tpool_create(&tp, s);
	if (CHECK(&t, !ret, "pool: %d", ret)) {
		fn(&t, &tp);
		tpool_destroy(&tp);
	}
	tcase_end(&t);
	cond_resched();
}

/* --- nbbs_pool_create() argument checks --- */

static void expect_einval(struct tcase *t, const char *what, void *base,
			  size_t size, unsigned int min_shift,
			  unsigned int max_order)
{
	struct nbbs_pool *pool;

	pool = nbbs_pool_create(base, size, min_shift, max_order, GFP_KERNEL);
	if (!CHECK(t, IS_ERR(pool) && PTR_ERR(pool) == -EINVAL, "%s: %pe",
		   what, pool) && !IS_ERR_OR_NULL(pool))
		nbbs_pool_destroy(pool);
}

static void test_bad_create(void)
{
	struct tcase t = { .name = "bad nbbs_pool_create arguments" };
	struct nbbs_pool *pool;
	void *mem;

	mem = kvmalloc(SZ_4K, GFP_KERNEL);
	if (CHECK(&t, mem, "no memory")) {
		expect_einval(&t, "NULL base", NULL, SZ_4K, 3, 0);
		expect_einval(&t, "zero size", mem, 0, 3, 0);
		expect_einval(&t, "3 blocks", mem, 3 * 64, 6, 0);
		expect_einval(&t, "size not a power of two", mem, SZ_4K - 8, 3, 0);
		expect_einval(&t, "size below min_block", mem, 32, 6, 0);
		expect_einval(&t, "min_shift 2", mem, SZ_4K, 2, 0);
		expect_einval(&t, "min_shift 0", mem, SZ_4K, 0, 0);
		expect_einval(&t, "max_order past the arena", mem, SZ_4K, 3, 10);
		expect_einval(&t, "max_order past the limit", mem, SZ_4K, 3,
			      NBBS_ORDER_LIMIT + 1);
		expect_einval(&t, "max_order UINT_MAX", mem, SZ_4K, 3, UINT_MAX);
		expect_einval(&t, "base not aligned to min_block",
			      (char *)mem + 8, SZ_2K, 6, 0);
		expect_einval(&t, "base half a page off", (char *)mem + SZ_2K,
			      SZ_4K, 12, 0);
		expect_einval(&t, "6 blocks", mem, 6 * 64, 6, 1);
		expect_einval(&t, "size not a multiple of min_block", mem, 64 + 8, 6, 0);
		expect_einval(&t, "max_order 7 over 64 blocks", mem, SZ_4K, 6, 7);
		expect_einval(&t, "max_order 1 over one block", mem, SZ_4K, 12, 1);
		expect_einval(&t, "min_shift 64", mem, SZ_4K, 64, 0);
		expect_einval(&t, "min_shift UINT_MAX", mem, SZ_4K, UINT_MAX, 0);
		/* Never touched: refused before anything reads the range. */
		expect_einval(&t, "a range that wraps around", (void *)(ULONG_MAX - 4095),
			      SZ_64K, 12, 0);

		/* The largest valid shape over the same memory is accepted. */
		pool = nbbs_pool_create(mem, SZ_4K, 3, 9, GFP_KERNEL);
		if (CHECK(&t, !IS_ERR(pool), "valid shape: %pe", pool))
			nbbs_pool_destroy(pool);
	}
	kvfree(mem);
	tcase_end(&t);
}

#ifdef NBBS_FAULT_INJECT
/*
 * A failed metadata allocation: for n = 1, 2, ... the n-th allocation of
 * nbbs_pool_create_flags() fails, which must return ERR_PTR(-ENOMEM) (and
 * free what it allocated before, which slub_debug and kmemleak watch),
 * until n passes the number of allocations it makes.  That pool, the first
 * one built, must have used exactly n - 1 of the count and be whole: all
 * its largest blocks, then all its smallest.
 */
static void test_create_alloc_faults(void)
{
	static const struct shape s = { SZ_256K, 6, 8 };
	struct tcase t = { .name = "failed metadata allocations in nbbs_pool_create" };
	struct nbbs_pool *pool = ERR_PTR(-ENOMEM);
	struct tpool tp = {
		.size = s.size,
		.min_shift = s.min_shift,
		.max_order = s.max_order,
	};
	unsigned long top, leaves, n;
	unsigned int nth;
	void **blocks;
	int left;

	leaves = tp_count(&tp, 0);
	top = tp_count(&tp, tp.max_order);
	tp.mem = kvmalloc(s.size, GFP_KERNEL);
	blocks = kvmalloc_array(leaves + 1, sizeof(*blocks), GFP_KERNEL);
	if (!CHECK(&t, tp.mem && blocks, "no memory"))
		goto out;

	for (nth = 1; nth <= 32; nth++) {
		atomic_set(&nbbs_fault_alloc_nth, nth);
		pool = nbbs_pool_create_flags(tp.mem, s.size, s.min_shift,
					      s.max_order, GFP_KERNEL, test_flags());
		if (!IS_ERR(pool))
			break;
		CHECK(&t, PTR_ERR(pool) == -ENOMEM, "allocation %u failed: %pe",
		      nth, pool);
		CHECK(&t, !atomic_read(&nbbs_fault_alloc_nth),
		      "allocation %u failed, count left at %d", nth,
		      atomic_read(&nbbs_fault_alloc_nth));
	}
	left = atomic_xchg(&nbbs_fault_alloc_nth, 0);
	if (!CHECK(&t, !IS_ERR(pool), "still failing at allocation %u", nth))
		goto out;
	tp.pool = pool;
	pr_info("create faults: the %s pool is built by %u allocations\n",
		nbbs_layout_name(test_layout), nth - 1);
	CHECK(&t, nth > 1, "nbbs_pool_create_flags() allocated nothing");
	CHECK(&t, left == 1, "built by %u allocations, the count is at %d, not 1",
	      nth - 1, left);

	check_whole(&t, &tp, "new pool");
	n = fill(&tp, tp.max_order, blocks, top + 1);
	CHECK(&t, n == top, "%lu largest blocks of %lu", n, top);
	release(&t, &tp, blocks, n);
	n = fill(&tp, 0, blocks, leaves + 1);
	CHECK(&t, n == leaves, "%lu smallest blocks of %lu", n, leaves);
	release(&t, &tp, blocks, n);
	check_whole(&t, &tp, "after the largest and the smallest blocks");
	nbbs_pool_destroy(pool);
out:
	atomic_set(&nbbs_fault_alloc_nth, 0);
	kvfree(blocks);
	kvfree(tp.mem);
	tcase_end(&t);
}
#else
static inline void test_create_alloc_faults(void)
{
}
#endif

/* The default pool exists and serves its smallest and largest order. */
static void test_default_pool(void)
{
	struct tcase t = { .name = "default pool" };
	struct nbbs_pool *pool = nbbs_default_pool();
	struct nbbs_info info;
	size_t size;
	void *p;

	if (CHECK(&t, pool, "no default pool")) {
		nbbs_pool_info(pool, &info);
		CHECK(&t, info.base && info.size, "empty");
		p = nbbs_alloc(pool, 0);
		if (CHECK(&t, p, "order 0"))
			CHECK(&t, nbbs_free(pool, p) == 0, "free order 0");
		size = (size_t)1 << (info.min_shift + info.max_order);
		p = nbbs_alloc(pool, info.max_order);
		if (CHECK(&t, p && p >= info.base && p + size <= info.base + info.size &&
			  !((p - info.base) & (size - 1)),
			  "order %u: %p in %p + %zu", info.max_order, p, info.base,
			  info.size)) {
			memset(p, 0x5a, size);	/* the arena is real memory */
			CHECK(&t, nbbs_free(pool, p) == 0, "free order %u", info.max_order);
		}
	}
	tcase_end(&t);
}

/*
 * Physical addresses: a pool over memory of the direct map (kmalloc) knows
 * where each block lies, and agrees with virt_to_phys(); one over vmalloc
 * memory does not claim to; one given its physical address by
 * nbbs_pool_create_phys() computes from that address, and the arguments it
 * cannot trust are refused.  (In userspace nothing is direct-mapped.)
 */
static void test_phys(void)
{
	struct tcase t = { .name = "physical addresses" };
	const phys_addr_t fake = 0x40000000;
	struct nbbs_pool *pool;
	struct nbbs_info info;
	void *mem, *vmem, *p;
	unsigned int i;

	mem = kmalloc(SZ_16K, GFP_KERNEL);
	vmem = vmalloc(SZ_16K);
	if (!CHECK(&t, mem && vmem, "no memory"))
		goto out;

	pool = nbbs_pool_create_flags(mem, SZ_16K, 4, 5, GFP_KERNEL, test_flags());
	if (CHECK(&t, !IS_ERR(pool), "kmalloc: %pe", pool)) {
		nbbs_pool_info(pool, &info);
		CHECK(&t, info.phys_contiguous == virt_addr_valid(mem),
		      "kmalloc: phys_contiguous %d", info.phys_contiguous);
		for (i = 0; i < 8; i++) {
			p = nbbs_alloc(pool, i % 4);
			if (!CHECK(&t, p, "block %u", i))
				continue;
			CHECK(&t, nbbs_virt_to_phys(pool, p) ==
			      (virt_addr_valid(mem) ? virt_to_phys(p) : NBBS_PHYS_NONE),
			      "block %u at offset %lu", i, (unsigned long)(p - mem));
		}
		nbbs_pool_destroy(pool);
	}

	pool = nbbs_pool_create_flags(vmem, SZ_16K, 4, 5, GFP_KERNEL, test_flags());
	if (CHECK(&t, !IS_ERR(pool), "vmalloc: %pe", pool)) {
		nbbs_pool_info(pool, &info);
		CHECK(&t, !info.phys_contiguous && info.phys == NBBS_PHYS_NONE,
		      "vmalloc: phys_contiguous %d", info.phys_contiguous);
		p = nbbs_alloc(pool, 0);
		CHECK(&t, p && nbbs_virt_to_phys(pool, p) == NBBS_PHYS_NONE,
		      "vmalloc: a block has a physical address");
		nbbs_pool_destroy(pool);
	}

	pool = nbbs_pool_create_phys(vmem, fake, SZ_16K, 4, 5, GFP_KERNEL,
				     test_flags());
	if (CHECK(&t, !IS_ERR(pool), "create_phys: %pe", pool)) {
		nbbs_pool_info(pool, &info);
		CHECK(&t, info.phys_contiguous && info.phys == fake,
		      "create_phys: info %d %pa", info.phys_contiguous, &info.phys);
		p = nbbs_alloc(pool, 2);
		CHECK(&t, p && nbbs_virt_to_phys(pool, p) == fake + (p - vmem),
		      "create_phys: a block");
		CHECK(&t, nbbs_virt_to_phys(pool, vmem) == fake, "first byte");
		CHECK(&t, nbbs_virt_to_phys(pool, vmem + SZ_16K - 1) == fake + SZ_16K - 1,
		      "last byte");
		CHECK(&t, nbbs_virt_to_phys(pool, vmem + SZ_16K) == NBBS_PHYS_NONE,
		      "one past the end");
		CHECK(&t, nbbs_virt_to_phys(pool, vmem - 1) == NBBS_PHYS_NONE,
		      "one before the start");
		nbbs_pool_destroy(pool);
	}
	CHECK(&t, nbbs_virt_to_phys(NULL, vmem) == NBBS_PHYS_NONE, "NULL pool");
	CHECK(&t, PTR_ERR(nbbs_pool_create_phys(vmem, NBBS_PHYS_NONE, SZ_16K, 4, 5,
						GFP_KERNEL, 0)) == -EINVAL,
	      "create_phys: NBBS_PHYS_NONE accepted");
	CHECK(&t, PTR_ERR(nbbs_pool_create_phys(vmem, fake + 8, SZ_16K, 4, 5,
						GFP_KERNEL, 0)) == -EINVAL,
	      "create_phys: a misaligned physical address accepted");
	CHECK(&t, PTR_ERR(nbbs_pool_create_phys(vmem, (phys_addr_t)-SZ_8K, SZ_16K,
						4, 5, GFP_KERNEL, 0)) == -EINVAL,
	      "create_phys: a range past the physical address space accepted");
	nbbs_pool_info(NULL, &info);
	CHECK(&t, !info.phys_contiguous && info.phys == NBBS_PHYS_NONE,
	      "info of a NULL pool");
out:
	vfree(vmem);
	kfree(mem);
	tcase_end(&t);
}

/* A pool may be destroyed with blocks still live, and frees all it holds. */
static void test_destroy_live(void)
{
	struct tcase t = { .name = "destroy a pool with live blocks" };
	struct nbbs_pool *pool;
	unsigned int i;
	void *mem;

	mem = kvmalloc(SZ_16K, GFP_KERNEL);
	if (!CHECK(&t, mem, "no memory"))
		goto out;
	pool = nbbs_pool_create_flags(mem, SZ_16K, 4, 5, GFP_KERNEL, test_flags());
	if (CHECK(&t, !IS_ERR(pool), "%pe", pool)) {
		for (i = 0; i < 10; i++)
			CHECK(&t, nbbs_alloc(pool, i % 6), "block %u", i);
		CHECK(&t, nbbs_pool_live_blocks(pool) == 10, "live");
		nbbs_pool_destroy(pool);
	}
	kvfree(mem);
out:
	tcase_end(&t);
}

/*
 * The metadata of 64 MiB in 4 KiB blocks: at most 0.5% of the arena (the
 * tree layout's two 64-bit words per leaf are 0.39%) and 2 KiB per
 * possible CPU.
 */
static void test_metadata(void)
{
	struct tcase t = { .name = "metadata of 64 MiB in 4 KiB blocks" };
	size_t meta, size = SZ_64M;
	struct nbbs_pool *pool;
	void *mem;

	mem = kvmalloc(size + SZ_4K, GFP_KERNEL);
	if (!CHECK(&t, mem, "no memory"))
		goto out;
	pool = nbbs_pool_create_flags(PTR_ALIGN(mem, SZ_4K), size, 12, 10,
				      GFP_KERNEL, test_flags());
	if (CHECK(&t, !IS_ERR(pool), "%pe", pool)) {
		meta = nbbs_pool_metadata_bytes(pool);
		pr_info("metadata: %zu bytes for 64 MiB in 4 KiB blocks, %u possible CPUs\n",
			meta, num_possible_cpus());
		CHECK(&t, meta > 0 && meta <= size / 200 + num_possible_cpus() * SZ_2K,
		      "%zu bytes", meta);
		nbbs_pool_destroy(pool);
	}
	kvfree(mem);
out:
	tcase_end(&t);
}

/* --- threads --- */

/* Stay until kthread_stop(): a thread that exited early could not be stopped. */
static void wait_for_stop(void)
{
	set_current_state(TASK_INTERRUPTIBLE);
	while (!kthread_should_stop()) {
		schedule();
		set_current_state(TASK_INTERRUPTIBLE);
	}
	__set_current_state(TASK_RUNNING);
}

static struct task_struct *start_pinned(int (*fn)(void *), void *data,
					unsigned int cpu, const char *what,
					unsigned int id)
{
	struct task_struct *task;

	task = kthread_create(fn, data, "nbbs_%s/%u", what, id);
	if (IS_ERR(task))
		return task;
	kthread_bind(task, cpu);
	wake_up_process(task);
	return task;
}

/* --- stress: many threads, stamps and an ownership bitmap --- */

#define STRESS_LIVE	8	/* blocks each thread holds at most */

/*
 * Wide: 128 largest blocks, so threads mostly climb apart.  Tall: one
 * block is the whole arena, so every allocation climbs to the shared root
 * and the pool is often full.
 */
static const struct shape stress_shapes[] = {
	{ SZ_512K,	6,	6 },
	{ SZ_64K,	6,	10 },
};

struct stress_ctx;

/**
 * struct stress_worker - one stress thread and what it found
 * @ctx: the shared test
 * @task: the thread
 * @id: its number, part of every stamp it writes
 * @rnd: its random numbers
 * @live: blocks it holds; NULL slots are empty
 * @order: the order of each held block
 * @stamp: the stamp written into each held block
 * @allocs: successful allocations
 * @nulls: allocations that found the pool full
 * @overlaps: smallest blocks found claimed by another owner
 * @bad_blocks: blocks outside the arena or misaligned
 * @stamp_errors: held blocks whose stamps another thread overwrote
 * @free_errors: nbbs_free() calls that failed on a held block
 */
struct stress_worker {
	struct stress_ctx *ctx;
	struct task_struct *task;
	unsigned int id;
	struct rnd_state rnd;
	void *live[STRESS_LIVE];
	unsigned int order[STRESS_LIVE];
	u64 stamp[STRESS_LIVE];
	unsigned long allocs;
	unsigned long nulls;
	unsigned long overlaps;
	unsigned long bad_blocks;
	unsigned long stamp_errors;
	unsigned long free_errors;
};

/**
 * struct stress_ctx - the stress test
 * @tp: its pool
 * @owner: one bit per smallest block, set while a thread holds it
 * @start: the sleeping start barrier
 * @running: threads started and not yet done
 * @done: completed by the last thread to be done
 * @abort: set when setup failed; threads then do nothing
 *
 * A thread is stopped only once it is done: kthread_stop() on a thread
 * that was woken but has not run yet returns -EINTR without running it.
 */
struct stress_ctx {
	struct tpool tp;
	unsigned long *owner;
	struct completion start;
	atomic_t running;
	struct completion done;
	bool abort;
};

static void stress_alloc(struct stress_worker *w, unsigned int slot, u64 seq)
{
	struct tpool *tp = &w->ctx->tp;
	unsigned int order;
	unsigned long leaf, j;
	char *p;

	/* Geometric orders: half are order 0, a quarter order 1, ... */
	order = __ffs(prandom_u32_state(&w->rnd) | BIT(tp->max_order));
	p = nbbs_alloc(tp->pool, order);
	if (!p) {
		w->nulls++;
		return;
	}
	if (!tp_block_ok(tp, p, order)) {
		w->bad_blocks++;	/* leaked: the test fails anyway */
		return;
	}
	w->allocs++;
	w->live[slot] = p;
	w->order[slot] = order;
	w->stamp[slot] = (u64)w->id << 32 | (u32)seq;

	leaf = tp_leaf(tp, p);
	for (j = 0; j < (1UL << order); j++) {
		/* Fully ordered: a second owner of this leaf cannot miss us. */
		if (test_and_set_bit(leaf + j, w->ctx->owner))
			w->overlaps++;
		*(u64 *)(p + (j << tp->min_shift)) = w->stamp[slot];
	}
}

static void stress_free(struct stress_worker *w, unsigned int slot)
{
	struct tpool *tp = &w->ctx->tp;
	unsigned int order = w->order[slot];
	char *p = w->live[slot];
	unsigned long leaf, j;

	leaf = tp_leaf(tp, p);
	for (j = 0; j < (1UL << order); j++) {
		if (*(u64 *)(p + (j << tp->min_shift)) != w->stamp[slot])
			w->stamp_errors++;
		if (!test_and_clear_bit(leaf + j, w->ctx->owner))
			w->overlaps++;
	}
	/* Ownership is given up before the block can be handed out again. */
	if (nbbs_free(tp->pool, p))
		w->free_errors++;
	w->live[slot] = NULL;
}

static int stress_thread(void *data)
{
	struct stress_worker *w = data;
	unsigned int i, slot;

	wait_for_completion(&w->ctx->start);
	if (w->ctx->abort)
		goto out;

	for (i = 0; i < stress_ops; i++) {
		slot = prandom_u32_state(&w->rnd) % STRESS_LIVE;
		if (w->live[slot])
			stress_free(w, slot);
		else
			stress_alloc(w, slot, i);
		cond_resched();
	}
	for (slot = 0; slot < STRESS_LIVE; slot++)
		if (w->live[slot])
			stress_free(w, slot);
out:
	if (atomic_dec_and_test(&w->ctx->running))
		complete(&w->ctx->done);
	wait_for_stop();
	return 0;
}

static void test_stress(const struct shape *shape)
{
	struct tcase t = { };
	unsigned int nr, i, cpu = 0;
	struct stress_worker *workers;
	unsigned long allocs = 0, nulls = 0, overlaps = 0, bad = 0;
	unsigned long stamp_errors = 0, free_errors = 0, top, n;
	struct stress_ctx *ctx;
	struct nbbs_stats *st;
	ktime_t start;
	void **blocks;
	u64 base_seed = run_seed;

	nr = stress_threads ? stress_threads : 2 * num_online_cpus();
	snprintf(t.name, sizeof(t.name),
		 "stress size=%zu min_shift=%u max_order=%u threads=%u ops=%u seed=%llu",
		 shape->size, shape->min_shift, shape->max_order, nr, stress_ops,
		 base_seed);

	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);
	workers = kcalloc(nr, sizeof(*workers), GFP_KERNEL);
	st = kzalloc(sizeof(*st), GFP_KERNEL);
	if (!CHECK(&t, ctx && workers && st, "no memory"))
		goto out_free;
	init_completion(&ctx->start);
	init_completion(&ctx->done);
	if (!CHECK(&t, !tpool_create(&ctx->tp, shape), "no pool"))
		goto out_free;
	ctx->owner = bitmap_zalloc(tp_count(&ctx->tp, 0), GFP_KERNEL);
	if (!CHECK(&t, ctx->owner, "no memory"))
		goto out_pool;

	cpu = cpumask_first(cpu_online_mask);
	for (i = 0; i < nr; i++) {
		workers[i].ctx = ctx;
		workers[i].id = i;
		prandom_seed_state(&workers[i].rnd, base_seed + i);
		workers[i].task = start_pinned(stress_thread, &workers[i], cpu,
					       "stress", i);
		if (!CHECK(&t, !IS_ERR(workers[i].task), "thread %u: %pe", i,
			   workers[i].task)) {
			workers[i].task = NULL;
			ctx->abort = true;
			break;
		}
		atomic_inc(&ctx->running);
		cpu = next_cpu(cpu);
	}

	start = ktime_get();
	complete_all(&ctx->start);
	if (atomic_read(&ctx->running))
		wait_for_completion(&ctx->done);
	for (i = 0; i < nr; i++) {
		if (!workers[i].task)
			break;
		kthread_stop(workers[i].task);
		allocs += workers[i].allocs;
		nulls += workers[i].nulls;
		overlaps += workers[i].overlaps;
		bad += workers[i].bad_blocks;
		stamp_errors += workers[i].stamp_errors;
		free_errors += workers[i].free_errors;
	}
	if (ctx->abort)
		goto out_bitmap;

	CHECK(&t, !overlaps, "%lu smallest blocks held by two threads", overlaps);
	CHECK(&t, !bad, "%lu blocks outside the arena or misaligned", bad);
	CHECK(&t, !stamp_errors, "%lu stamps overwritten", stamp_errors);
	CHECK(&t, !free_errors, "%lu frees refused", free_errors);
	CHECK(&t, bitmap_empty(ctx->owner, tp_count(&ctx->tp, 0)), "owners left");
	CHECK(&t, allocs > 0, "nothing allocated");

	nbbs_pool_stats(ctx->tp.pool, st);
	pr_info("stress: %u threads, %lu allocations, %lu NULL, %llu cas conflicts, %llu rollbacks, %llu scan restarts, %lld ms\n",
		nr, allocs, nulls, st->cas_conflicts, st->rollbacks,
		st->scan_restarts, ktime_ms_delta(ktime_get(), start));

	check_whole(&t, &ctx->tp, "after stress");
	top = tp_count(&ctx->tp, ctx->tp.max_order);
	blocks = kvmalloc_array(top + 1, sizeof(*blocks), GFP_KERNEL);
	if (CHECK(&t, blocks, "no memory")) {
		n = fill(&ctx->tp, ctx->tp.max_order, blocks, top + 1);
		CHECK(&t, n == top, "%lu largest blocks of %lu after stress", n, top);
		release(&t, &ctx->tp, blocks, n);
		kvfree(blocks);
	}
out_bitmap:
	bitmap_free(ctx->owner);
out_pool:
	tpool_destroy(&ctx->tp);
out_free:
	kfree(st);
	kfree(workers);
	kfree(ctx);
	tcase_end(&t);
}

/* --- two threads free the same block at once --- */

/**
 * struct race_ctx - the double-free race
 * @tp: its pool
 * @block: the block both threads free in the current round
 * @round: the current round, from 1; published after @block
 * @abort: stop racing
 * @wq: where the threads wait for the next round
 * @arrived: threads that reached the rendezvous, over all rounds
 * @finished: threads that completed their free, over all rounds
 * @round_done: completed once per round, by the second thread to finish
 * @result: what each thread's nbbs_free() returned in the current round
 */
struct race_ctx {
	struct tpool tp;
	void *block;
	unsigned int round;
	bool abort;
	wait_queue_head_t wq;
	atomic_t arrived;
	atomic_t finished;
	struct completion round_done;
	int result[2];
};

struct race_thread {
	struct race_ctx *ctx;
	unsigned int id;
};

static int race_thread(void *data)
{
	struct race_thread *rt = data;
	struct race_ctx *ctx = rt->ctx;
	unsigned int r;

	for (r = 1; r <= race_rounds; r++) {
		/* Acquire pairs with the release of round: block is set. */
		wait_event(ctx->wq, smp_load_acquire(&ctx->round) >= r ||
			   READ_ONCE(ctx->abort));
		if (READ_ONCE(ctx->abort))
			break;
		/*
		 * Rendezvous: the partner was woken with us, so this spin is
		 * short; it lines up the two frees far closer than a second
		 * wakeup could.  cond_resched() lets a partner on this CPU run.
		 */
		atomic_inc(&ctx->arrived);
		while (atomic_read(&ctx->arrived) < 2 * r && !READ_ONCE(ctx->abort)) {
			cpu_relax();
			cond_resched();
		}
		ctx->result[rt->id] = nbbs_free(ctx->tp.pool, ctx->block);
		if (atomic_inc_return(&ctx->finished) == 2 * r)
			complete(&ctx->round_done);
	}
	wait_for_stop();
	return 0;
}

static void test_double_free_race(void)
{
	struct tcase t = { };
	static const struct shape shape = { SZ_64K, 6, 4 };
	struct race_thread rt[2];
	struct task_struct *task[2] = { };
	unsigned int r, cpu, wins = 0;
	struct race_ctx *ctx;
	struct nbbs_stats *st;
	int i;

	snprintf(t.name, sizeof(t.name), "double free race rounds=%u", race_rounds);
	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);
	st = kzalloc(sizeof(*st), GFP_KERNEL);
	if (!CHECK(&t, ctx && st, "no memory"))
		goto out_free;
	if (!CHECK(&t, !tpool_create(&ctx->tp, &shape), "no pool"))
		goto out_free;
	init_waitqueue_head(&ctx->wq);
	init_completion(&ctx->round_done);
	tp_expect_warning(&ctx->tp);

	cpu = cpumask_first(cpu_online_mask);
	for (i = 0; i < 2; i++) {
		rt[i].ctx = ctx;
		rt[i].id = i;
		task[i] = start_pinned(race_thread, &rt[i], cpu, "race", i);
		if (!CHECK(&t, !IS_ERR(task[i]), "thread %d: %pe", i, task[i])) {
			task[i] = NULL;
			goto out_stop;
		}
		cpu = next_cpu(cpu);
	}

	for (r = 1; r <= race_rounds; r++) {
		ctx->block = nbbs_alloc(ctx->tp.pool, r % (ctx->tp.max_order + 1));
		if (!CHECK(&t, ctx->block, "round %u: no block", r))
			break;
		ctx->result[0] = 1;
		ctx->result[1] = 1;
		/* Publishes block and results before the round number. */
		smp_store_release(&ctx->round, r);
		wake_up_all(&ctx->wq);
		if (!CHECK(&t, wait_for_completion_timeout(&ctx->round_done, 10 * HZ),
			   "round %u: threads stuck", r))
			break;
		wins += (ctx->result[0] == 0) + (ctx->result[1] == 0);
		CHECK(&t, (ctx->result[0] == 0 && ctx->result[1] == -EINVAL) ||
		      (ctx->result[1] == 0 && ctx->result[0] == -EINVAL),
		      "round %u: results %d and %d", r, ctx->result[0], ctx->result[1]);
	}
	CHECK(&t, wins == race_rounds, "%u successful frees in %u rounds",
	      wins, race_rounds);

out_stop:
	WRITE_ONCE(ctx->abort, true);
	wake_up_all(&ctx->wq);
	for (i = 0; i < 2; i++)
		if (task[i])
			kthread_stop(task[i]);
	if (!t.failed) {
		nbbs_pool_stats(ctx->tp.pool, st);
		/* Conflicts show the two frees did meet inside the tree. */
		pr_info("race: %u rounds, %llu cas conflicts, %llu free atomics\n",
			race_rounds, st->cas_conflicts, st->free_atomics);
		CHECK(&t, st->invalid_free == race_rounds, "invalid_free %llu",
		      st->invalid_free);
		check_whole(&t, &ctx->tp, "after the race");
	}
	tpool_destroy(&ctx->tp);
out_free:
	kfree(st);
	kfree(ctx);
	tcase_end(&t);
}

/* --- the run --- */

/* Allocate blocks of orders 0..2 and free them: they park on this CPU. */
static long park_three(void *pool)
{
	unsigned int k;
	void *b[3];

	for (k = 0; k < 3; k++)
		b[k] = nbbs_alloc(pool, k);
	for (k = 0; k < 3; k++)
		if (!b[k] || nbbs_free(pool, b[k]))
			return -EINVAL;
	return 0;
}

/* Allocate a smallest block and free it. */
static long alloc_free_smallest(void *pool)
{
	void *p = nbbs_alloc(pool, 0);

	return p && !nbbs_free(pool, p) ? 0 : -EINVAL;
}

/*
 * A CPU that goes offline gives the blocks it parked back to the tree
 * (nbbs's CPU hotplug callback), and a pool keeps working after it comes
 * back.  Needs a second online CPU that may go offline.
 */
static void test_hot_cpu_offline(void)
{
	struct tcase t = { .name = "CPU offline gives parked blocks back" };
	struct nbbs_stats st;
	struct nbbs_pool *pool;
	unsigned int cpu;
	void *mem, *p;

	cpu = cpumask_next(cpumask_first(cpu_online_mask), cpu_online_mask);
	if (!CHECK(&t, cpu < nr_cpu_ids, "needs two online CPUs"))
		goto out;
	mem = kvmalloc(SZ_256K, GFP_KERNEL);
	if (!CHECK(&t, mem, "no memory"))
		goto out;
	pool = nbbs_pool_create_flags(mem, SZ_256K, 12, 6, GFP_KERNEL, test_flags());
	if (!CHECK(&t, !IS_ERR(pool), "%pe", pool))
		goto free_mem;
	CHECK(&t, work_on_cpu(cpu, park_three, pool) == 0, "on CPU %u", cpu);
	nbbs_pool_stats(pool, &st);
	CHECK(&t, st.hot_frees == 3, "%llu parked", st.hot_frees);
	if (CHECK(&t, remove_cpu(cpu) == 0, "CPU %u offline", cpu)) {
		nbbs_pool_stats(pool, &st);
		CHECK(&t, st.hot_reclaims == 3, "%llu given back", st.hot_reclaims);
		CHECK(&t, add_cpu(cpu) == 0, "CPU %u online", cpu);
	}
	/* All of it in the tree: the whole arena as one block, no drain. */
	p = nbbs_alloc(pool, 6);
	CHECK(&t, p == mem, "%p", p);
	CHECK(&t, !nbbs_free(pool, p), "free");
	nbbs_pool_stats(pool, &st);
	CHECK(&t, st.hot_reclaims == 3, "%llu given back", st.hot_reclaims);
	/* Its slots are empty when it is back: nothing comes from them. */
	CHECK(&t, work_on_cpu(cpu, alloc_free_smallest, pool) == 0, "on CPU %u back", cpu);
	nbbs_pool_stats(pool, &st);
	CHECK(&t, st.hot_allocs == 0, "%llu hot allocations", st.hot_allocs);
	CHECK(&t, work_on_cpu(cpu, park_three, pool) == 0, "on CPU %u again", cpu);
	nbbs_pool_drain(pool);
	CHECK(&t, nbbs_pool_live_blocks(pool) == 0, "live");
	nbbs_pool_destroy(pool);
free_mem:
	kvfree(mem);
out:
	tcase_end(&t);
}

static const struct {
	const char *name;
	void (*fn)(struct tcase *t, struct tpool *tp);
} pool_tests[] = {
	{ "info",		test_info },
	{ "every order",	test_every_order },
	{ "exhaustion",		test_exhaust },
	{ "coalescing",		test_coalesce },
	{ "invalid frees",	test_invalid_free },
	{ "statistics",		test_stats },
	{ "model",		test_model },
};

static int __init test_nbbs_init(void)
{
	static const unsigned int layouts[] = {
		NBBS_LAYOUT_TREE,
		NBBS_LAYOUT_PACKED,
	};
	unsigned int i, s, v, rounds = 0;

	run_seed = seed ? seed : get_random_u64();
	pr_info("seed %llu\n", run_seed);

	/* Every test on every layout of the tree, without and with hot blocks. */
	for (v = 0; v < 2 * ARRAY_SIZE(layouts); v++) {
		test_layout = layouts[v % ARRAY_SIZE(layouts)];
		test_hot = v >= ARRAY_SIZE(layouts);
		if (layout && *layout && strcmp(layout, round_name()))
			continue;
		rounds++;
		for (s = 0; s < ARRAY_SIZE(shapes); s++)
			for (i = 0; i < ARRAY_SIZE(pool_tests); i++)
				run_pool_test(pool_tests[i].name, &shapes[s],
					      pool_tests[i].fn);
		test_bad_create();
		test_create_alloc_faults();
		test_default_pool();
		test_phys();
		test_destroy_live();
		test_metadata();
		for (s = 0; s < ARRAY_SIZE(stress_shapes); s++)
			test_stress(&stress_shapes[s]);
		test_double_free_race();
		if (test_hot)
			test_hot_cpu_offline();
	}

	if (!rounds) {
		pr_err("layout=%s: not a layout of this build\n", layout);
		return -EINVAL;
	}
	pr_info("%u tests passed, %u failed\n", tests_run - tests_failed,
		tests_failed);
	return tests_failed ? -EINVAL : 0;
}

static void __exit test_nbbs_exit(void)
{
}

module_init(test_nbbs_init);
module_exit(test_nbbs_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Self-tests of the nbbs non-blocking buddy allocator");
