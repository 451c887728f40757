// SPDX-License-Identifier: GPL-2.0
/*
 * Deterministic interleavings of the nbbs core, replayed on the real code.
 *
 * The core is built with -DNBBS_HOOKS: each NBBS_HOOK(name) in it calls
 * nbbs_hook() below.  A test starts one call in a thread that is told to
 * stop at the n-th hit of a named hook, waits until it is there, makes other
 * calls meanwhile, and then lets it go on: the interleaving that a review or
 * a model found happens exactly, every run.  Each case here was a bug of an
 * earlier protocol (issue 10), and fails on that protocol:
 *
 *   wrap        a release stalled before its CAS on the parent while the
 *               parent is written as often as the old version width wraps
 *   transient   a stray free that meets a claim not yet handed out, or one
 *               that is being rolled back
 *   rollback    a claim rolled back past a blocker that was freed meanwhile,
 *               whose release left clearing the mark above to the rollback
 *   hot_park    a block parked by another CPU while a failing allocation
 *               of a higher order is between its drain and its recount
 *   freed       buddies released together: the last CAS on the word they
 *               share reports the whole block to a failing allocation's
 *               bracket (releases[] by order, 31befd9)
 *   hot_offline a parked block's buddy reclaimed to the tree by a CPU's
 *               teardown while a failing allocation drains and recounts
 *   hot_chain   a parked block whose buddy's two halves are reclaimed by
 *               others mid-pass: the last reclaim reports the buddy whole
 *               and, the parked block beside it, counts for every order
 *   nmi         calls from NMI where cmpxchg is not NMI-safe; per-CPU slots
 *               left alone in NMI where this_cpu ops are not atomic
 *
 * The pools are built with the internals in view (nbbs_internal.h): the
 * tests place blocks through the per-CPU scan hints and read the words
 * they race on.
 */
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <linux/cpu.h>
#include <linux/err.h>
#include <linux/percpu.h>

#include "../nbbs_internal.h"
#include "nbbs_test.h"
#include "nbbs_user.h"

#define SHIFT		12
#define LEAVES		32UL
#define TOP_ORDER	5

static char arena[LEAVES << SHIFT] __aligned(1UL << (SHIFT + TOP_ORDER));

/* ---- stopping one call at a hook ---- */

struct stop {
	const char *hook;	/* where to stop next, NULL: nowhere */
	unsigned int skip;	/* hits of it to let pass first */
	sem_t arrived;		/* posted when the call stops or ends */
	sem_t resume;		/* posted by the test to let it go on */
	bool done;		/* the call has ended */
	bool running;		/* a thread to join */
};

static __thread struct stop *thread_stop;

void nbbs_hook(const char *name)
{
	struct stop *st = thread_stop;

	if (!st || !st->hook || strcmp(st->hook, name))
		return;
	if (st->skip) {
		st->skip--;
		return;
	}
	st->hook = NULL;	/* the test may set the next one meanwhile */
	sem_post(&st->arrived);
	sem_wait(&st->resume);
}

enum op_kind { OP_ALLOC, OP_FREE, OP_OFFLINE };

/* One call made by a thread of its own, on emulated CPU @cpu. */
struct op {
	enum op_kind kind;
	struct nbbs_pool *pool;
	int cpu;
	unsigned int order;	/* OP_ALLOC */
	unsigned long leaf;	/* OP_ALLOC: where its scan starts */
	void *block;		/* OP_FREE: in; OP_ALLOC: out */
	int ret;		/* OP_FREE, OP_OFFLINE */
	int target;		/* OP_OFFLINE: the CPU taken offline */
	struct stop stop;
	pthread_t thread;
};

static void *alloc_at(struct nbbs_pool *pool, unsigned int order, unsigned long leaf)
{
	per_cpu_ptr(pool->pcpu, nbbs_user_this_cpu())->hint = leaf;
	return nbbs_alloc(pool, order);
}

static void *leaf_addr(unsigned long leaf)
{
	return arena + (leaf << SHIFT);
}

static void *op_fn(void *arg)
{
	struct op *op = arg;

	nbbs_user_set_cpu(op->cpu);
	thread_stop = &op->stop;
	if (op->kind == OP_ALLOC)
		op->block = alloc_at(op->pool, op->order, op->leaf);
	else if (op->kind == OP_OFFLINE)
		op->ret = remove_cpu(op->target);
	else
		op->ret = nbbs_free(op->pool, op->block);
	thread_stop = NULL;
	op->stop.done = true;
	sem_post(&op->stop.arrived);
	return NULL;
}

/*
 * Start @op and wait until it stands at the (@skip + 1)-th hit of @hook.
 * Returns false, the call having run to its end, if it never got there.
 */
static bool op_start(struct op *op, const char *hook, unsigned int skip)
{
	op->stop.hook = hook;
	op->stop.skip = skip;
	op->stop.done = false;
	sem_init(&op->stop.arrived, 0, 0);
	sem_init(&op->stop.resume, 0, 0);
	op->stop.running = true;
	pthread_create(&op->thread, NULL, op_fn, op);
	sem_wait(&op->stop.arrived);
	return !op->stop.done;
}

/* Let a stopped call go on to the next stop (NULL @hook: to its end). */
static bool op_continue(struct op *op, const char *hook, unsigned int skip)
{
	if (op->stop.done)
		return false;
	op->stop.hook = hook;
	op->stop.skip = skip;
	sem_post(&op->stop.resume);
	sem_wait(&op->stop.arrived);
	return !op->stop.done;
}

/* Let a stopped call run to its end and wait for it; nothing if not started. */
static void op_finish(struct op *op)
{
	if (!op->stop.running)
		return;
	op->stop.running = false;
	op_continue(op, NULL, 0);
	pthread_join(op->thread, NULL);
	sem_destroy(&op->stop.arrived);
	sem_destroy(&op->stop.resume);
}

static struct nbbs_pool *make_pool(unsigned int flags, unsigned long leaves,
				   unsigned int max_order)
{
	struct nbbs_pool *pool;

	pool = nbbs_pool_create_flags(arena, leaves << SHIFT, SHIFT, max_order,
				      GFP_KERNEL, flags);
	if (!CHECK(!IS_ERR_OR_NULL(pool)))
		return NULL;
	return pool;
}

/*
 * After a case: every block of every order the pool hands out now is
 * disjoint from @live (a block that must still be live), and @live's own
 * free then succeeds; the pool ends empty and whole.
 */
static void check_live_and_whole(struct nbbs_pool *pool, void *live)
{
	void *got[LEAVES];
	unsigned int n = 0, k, order;
	char *l = live;

	for (order = pool->max_order + 1; order-- > 0; ) {
		void *p;

		while (n < LEAVES && (p = nbbs_alloc(pool, order))) {
			char *b = p;

			if (!CHECK(l + (1UL << SHIFT) <= b || b + (1UL << (SHIFT + order)) <= l))
				printf("# order-%u block %p overlaps the live block %p\n",
				       order, p, live);
			got[n++] = p;
		}
	}
	for (k = 0; k < n; k++)
		CHECK(nbbs_free(pool, got[k]) == 0);
	CHECK(nbbs_free(pool, live) == 0);
	nbbs_pool_drain(pool);
	CHECK(nbbs_pool_live_blocks(pool) == 0);
	got[0] = nbbs_alloc(pool, pool->max_order);
	CHECK(got[0] == arena);
	CHECK(nbbs_free(pool, got[0]) == 0);
}

/* ---- wrap: a stalled release against a parent that wraps the old width ---- */

/*
 * The word whose marks guard the subtree of leaves 0..3, and the bits that
 * hold its version, for each layout.  Rows of four levels kept a 17-bit
 * version in the packed layout, 32-bit nodes 27 bits in the tree layout.
 */
static s64 guard_word(struct nbbs_pool *pool)
{
	/* Packed: row 1's first word; tree: node (2, 0), row 2's first. */
	return atomic64_read(&pool->words[pool->row_start[pool->enc->levels == 1 ? 2 : 1]]);
}

static void case_wrap(unsigned int flags, unsigned int old_bits)
{
	/*
	 * Leaves 0..3: R's block (leaves 0-1), then y (leaf 0) and x (leaf 1).
	 * The parent of their subtree also holds the subtree of @cycle,
	 * which is allocated and freed to write it: three writes a cycle.
	 */
	unsigned long cycle_leaf = flags & NBBS_POOL_PACKED ? 8 : 2;
	unsigned int cycle_order = flags & NBBS_POOL_PACKED ? 2 : 1;
	unsigned long cycles = ((1UL << old_bits) - 2) / 3, i;
	struct nbbs_pool *pool = make_pool(flags, LEAVES, TOP_ORDER);
	struct op r = { .kind = OP_FREE, .cpu = 1 }, y = { .kind = OP_FREE, .cpu = 3 };
	void *x, *c;
	s64 seen;

	if (!pool)
		return;
	r.pool = pool;
	y.pool = pool;
	nbbs_user_set_cpu(2);
	r.block = alloc_at(pool, 1, 0);
	CHECK(r.block == leaf_addr(0));
	/* R empties its subtree and stops just before its CAS on the parent. */
	if (!CHECK(op_start(&r, "release_parent_cas", 0)))
		goto out;
	seen = guard_word(pool);
	/* y enters: it takes over R's announcement (a write of the parent). */
	y.block = alloc_at(pool, 0, 0);
	CHECK(y.block == leaf_addr(0));
	/*
	 * y's release stops before it announces in the parent; x enters
	 * meanwhile, finds the mark there and writes nothing; then y's
	 * announcement stays: the parent's status is what R read.
	 */
	if (!CHECK(op_start(&y, "release_announce",
			    flags & NBBS_POOL_PACKED ? 0 : 1)))
		goto out;
	x = alloc_at(pool, 0, 1);
	CHECK(x == leaf_addr(1));
	op_finish(&y);
	CHECK(y.ret == 0);
	/* Two writes so far; 3 a cycle bring it to 2^old_bits writes. */
	for (i = 0; i < cycles; i++) {
		c = alloc_at(pool, cycle_order, cycle_leaf);
		if (!CHECK(c == leaf_addr(cycle_leaf)) || !CHECK(nbbs_free(pool, c) == 0))
			break;
	}
	printf("# %lu cycles (2^%u writes): parent %s what the stalled release read\n",
	       cycles, old_bits, guard_word(pool) == seen ? "is again" : "differs from");
	CHECK(guard_word(pool) != seen);
	op_finish(&r);
	CHECK(r.ret == 0);
	check_live_and_whole(pool, x);
out:
	op_finish(&y);
	op_finish(&r);
	nbbs_pool_destroy(pool);
}

static void case_wrap_packed(void)
{
	case_wrap(NBBS_POOL_PACKED, 17);
}

static void case_wrap_tree(void)
{
	case_wrap(NBBS_POOL_TREE, 27);
}

/* ---- transient: a stray free meets a claim that is not handed out ---- */

static void case_transient_commit(unsigned int flags)
{
	struct nbbs_pool *pool = make_pool(flags, LEAVES, TOP_ORDER);
	struct op c = { .kind = OP_ALLOC, .cpu = 1, .order = 0, .leaf = 0 };
	struct nbbs_stats st;

	if (!pool)
		return;
	c.pool = pool;
	nbbs_user_set_cpu(2);
	/*
	 * C has claimed leaf 0 and marked its ancestors, and not yet
	 * returned it: the marks lead a free down to it, but nobody holds it.
	 */
	if (!CHECK(op_start(&c, "commit", 0)))
		goto out;
	CHECK(nbbs_free(pool, leaf_addr(0)) == -EINVAL);
	op_finish(&c);
	CHECK(c.block == leaf_addr(0));
	nbbs_pool_stats(pool, &st);
	CHECK(st.invalid_free == 1 && st.free[0] == 0);
	check_live_and_whole(pool, c.block);
out:
	op_finish(&c);
	nbbs_pool_destroy(pool);
}

static void case_transient_commit_packed(void)
{
	case_transient_commit(NBBS_POOL_PACKED);
}

static void case_transient_commit_tree(void)
{
	case_transient_commit(NBBS_POOL_TREE);
}

/*
 * The review's case: C claims leaf 0; B takes a block over it before C's
 * climb gets there; C meets B and is about to roll back; B is freed and D
 * takes leaf 1, so the marks lead down to C's claim; a stray free of leaf 0
 * must be refused, and C, D and the counts stay right.
 */
static void case_transient_rollback(unsigned int flags)
{
	unsigned int border = flags & NBBS_POOL_PACKED ? 3 : 2;
	struct nbbs_pool *pool = make_pool(flags, LEAVES, TOP_ORDER);
	struct op c = { .kind = OP_ALLOC, .cpu = 1, .order = 0, .leaf = 0 };
	struct nbbs_stats st;
	void *b, *d = NULL;

	if (!pool)
		return;
	c.pool = pool;
	nbbs_user_set_cpu(2);
	if (!CHECK(op_start(&c, "claim_climb", 0))) {
		op_finish(&c);
		goto out;
	}
	b = alloc_at(pool, border, 0);
	CHECK(b == leaf_addr(0));
	/* C goes on, meets B, and stops before rolling back. */
	if (!CHECK(op_continue(&c, "claim_rollback", 0)))
		goto join;
	CHECK(nbbs_free(pool, b) == 0);
	d = alloc_at(pool, 0, 1);
	CHECK(d == leaf_addr(1));
	CHECK(nbbs_free(pool, leaf_addr(0)) == -EINVAL);
join:
	op_finish(&c);
	nbbs_pool_stats(pool, &st);
	CHECK(st.invalid_free == 1);
	/* C found another block after its rollback: it and D are live. */
	CHECK(c.block && c.block != d);
	CHECK(nbbs_pool_live_blocks(pool) == 2);
	CHECK(nbbs_free(pool, c.block) == 0);
	check_live_and_whole(pool, d);
out:
	nbbs_pool_destroy(pool);
}

static void case_transient_rollback_packed(void)
{
	case_transient_rollback(NBBS_POOL_PACKED);
}

static void case_transient_rollback_tree(void)
{
	case_transient_rollback(NBBS_POOL_TREE);
}

/* ---- rollback: a claim rolled back past a blocker freed meanwhile ---- */

/*
 * The race the SPIN model found (verify/nbbs.pml, now retired), on the
 * tree layout: A claims leaf 0; B takes the order-2 block X over it before
 * A's climb gets there; A meets X and is about to roll back; B's free of
 * X empties it and stops; A's rollback walks through the empty X (a
 * write of X) on its way up; B then finds X changed and leaves the mark
 * above X to A.  A rollback that stopped at X's level would leave that
 * mark for ever: the pool could never again give out a block holding X.
 */
static void case_rollback_past_freed_blocker(void)
{
	struct nbbs_pool *pool = make_pool(NBBS_POOL_TREE, LEAVES, TOP_ORDER);
	struct op a = { .kind = OP_ALLOC, .cpu = 1, .order = 0, .leaf = 0 };
	struct op b = { .kind = OP_FREE, .cpu = 3 };
	void *whole;

	if (!pool)
		return;
	a.pool = pool;
	b.pool = pool;
	nbbs_user_set_cpu(2);
	if (!CHECK(op_start(&a, "claim_climb", 0)))
		goto out;
	b.block = alloc_at(pool, 2, 0);
	CHECK(b.block == leaf_addr(0));
	if (!CHECK(op_continue(&a, "claim_rollback", 0)))
		goto out;
	/* B empties X and stops before it looks at X's parent. */
	if (!CHECK(op_start(&b, "release_emptied", 0)))
		goto out;
	/* A's rollback, up through X; then A finds a block elsewhere. */
	op_finish(&a);
	op_finish(&b);
	CHECK(b.ret == 0);
	CHECK(a.block && a.block != leaf_addr(0));
	CHECK(nbbs_free(pool, a.block) == 0);
	CHECK(nbbs_pool_live_blocks(pool) == 0);
	whole = nbbs_alloc(pool, TOP_ORDER);
	if (!CHECK(whole == arena))
		printf("# the whole pool is not allocatable: a mark above X stayed\n");
	if (whole)
		CHECK(nbbs_free(pool, whole) == 0);
out:
	op_finish(&a);
	op_finish(&b);
	nbbs_pool_destroy(pool);
}

/* ---- hot_park: a park between a failing allocation's drain and recount ---- */

static void case_hot_park(unsigned int flags)
{
	struct nbbs_pool *pool = make_pool(flags | NBBS_POOL_HOT, 4, 2);
	struct op big = { .kind = OP_ALLOC, .cpu = 3, .order = 2, .leaf = 0 };
	struct nbbs_stats st;
	void *x, *y;

	if (!pool)
		return;
	big.pool = pool;
	/* X (leaf 0) parked on CPU 1, Y (leaf 1) live, held by CPU 2. */
	nbbs_user_set_cpu(1);
	x = alloc_at(pool, 0, 0);
	nbbs_user_set_cpu(2);
	y = alloc_at(pool, 0, 1);
	CHECK(x == leaf_addr(0) && y == leaf_addr(1));
	nbbs_user_set_cpu(1);
	CHECK(nbbs_free(pool, x) == 0);
	/* The order-2 request fails its scan; its drain leaves X (Y live). */
	if (!CHECK(op_start(&big, "alloc_recount", 0))) {
		op_finish(&big);
		goto out;
	}
	/* Y is freed and parked on CPU 2 before the request recounts. */
	nbbs_user_set_cpu(2);
	CHECK(nbbs_free(pool, y) == 0);
	op_finish(&big);
	nbbs_pool_stats(pool, &st);
	if (!CHECK(big.block == arena))
		printf("# order 2 in an arena whose blocks are all parked: %p, giveups %llu\n",
		       big.block, (unsigned long long)st.scan_giveups);
	CHECK(st.hot_frees == 2);
	if (big.block)
		CHECK(nbbs_free(pool, big.block) == 0);
	nbbs_pool_drain(pool);
	CHECK(nbbs_pool_live_blocks(pool) == 0);
out:
	nbbs_pool_destroy(pool);
}

static void case_hot_park_packed(void)
{
	case_hot_park(NBBS_POOL_PACKED);
}

static void case_hot_park_tree(void)
{
	case_hot_park(NBBS_POOL_TREE);
}

/* ---- freed: buddies released together report the whole block ---- */

/* Releases CPU @cpu counted for orders @order and up, as nbbs_releases() sums them. */
static unsigned long releases_from(struct nbbs_pool *pool, int cpu, unsigned int order)
{
	unsigned long n = 0;

	for (; order <= pool->max_order; order++)
		n += per_cpu_ptr(pool->pcpu, cpu)->releases[order];
	return n;
}

/*
 * Leaves 0..7 are the order-3 block R, the only one that can become free:
 * 8..15 and 16..31 stay allocated.  A (leaves 0..3) and B (4..7) are its
 * halves, in two words under R's word in both layouts.
 *
 * @early false: A's release stops before its CAS on R's word; B is freed
 * whole meanwhile (its CAS on R's word still sees A's mark: it counts for
 * order 2), and an order-3 request fails its pass and stops before its
 * recount.  A's CAS then fails, is retried on the word B wrote, and counts
 * for order 3: the request must scan again and get R.
 *
 * @early true: B's release stops before its CAS on R's word; C enters B's
 * word (leaf 4), so B's release stops there (C owns the mark); A is freed
 * whole (C's mark: order 2); then C's free, last, must count for order 3,
 * while the order-3 request waits before its recount.
 */
static void case_freed(unsigned int flags, bool early)
{
	struct nbbs_pool *pool = make_pool(flags, LEAVES, TOP_ORDER);
	struct op stalled = { .kind = OP_FREE, .cpu = 1 };
	struct op big = { .kind = OP_ALLOC, .cpu = 3, .order = 3, .leaf = 0 };
	void *a, *b, *c = NULL, *fill8, *fill16, *other;
	unsigned long before;

	if (!pool)
		return;
	stalled.pool = pool;
	big.pool = pool;
	nbbs_user_set_cpu(2);
	a = alloc_at(pool, 2, 0);
	b = alloc_at(pool, 2, 4);
	fill8 = alloc_at(pool, 3, 8);
	fill16 = alloc_at(pool, 4, 16);
	if (!CHECK(a == leaf_addr(0) && b == leaf_addr(4) && fill8 == leaf_addr(8) &&
		   fill16 == leaf_addr(16)))
		goto out;
	stalled.block = early ? b : a;
	other = early ? a : b;
	if (!CHECK(op_start(&stalled, "release_parent_cas", 0)))
		goto out;
	if (early) {
		/* C enters the word B's release emptied: it takes over the mark. */
		c = alloc_at(pool, 0, 4);
		CHECK(c == leaf_addr(4));
	}
	/* The other half, freed whole: R's word still shows a mark. */
	before = releases_from(pool, 2, 0);
	CHECK(nbbs_free(pool, other) == 0);
	CHECK(releases_from(pool, 2, 0) == before + 1);
	CHECK(releases_from(pool, 2, 3) == 0);
	/* The order-3 request fails its pass: R is not free yet. */
	if (!CHECK(op_start(&big, "alloc_recount", 0))) {
		op_finish(&big);
		goto out;
	}
	before = releases_from(pool, 1, 3) + releases_from(pool, 2, 3);
	op_finish(&stalled);
	CHECK(stalled.ret == 0);
	if (early) {
		/* B's release found C in its word and left R's word to C. */
		CHECK(releases_from(pool, 1, 3) == 0);
		CHECK(nbbs_free(pool, c) == 0);
		c = NULL;
	} else {
		CHECK(releases_from(pool, 1, 3) == 1);
	}
	/* The last release made R free and counted for order 3. */
	if (!CHECK(releases_from(pool, 1, 3) + releases_from(pool, 2, 3) == before + 1))
		printf("# the release that freed R counted below order 3\n");
	op_finish(&big);
	if (!CHECK(big.block == arena))
		printf("# order 3: %p although R (leaves 0..7) is free\n", big.block);
	if (big.block)
		CHECK(nbbs_free(pool, big.block) == 0);
	CHECK(nbbs_free(pool, fill8) == 0);
	CHECK(nbbs_free(pool, fill16) == 0);
	CHECK(nbbs_pool_live_blocks(pool) == 0);
	big.block = nbbs_alloc(pool, TOP_ORDER);
	CHECK(big.block == arena);
	if (big.block)
		CHECK(nbbs_free(pool, big.block) == 0);
out:
	op_finish(&big);
	op_finish(&stalled);
	if (c)
		nbbs_free(pool, c);
	nbbs_pool_destroy(pool);
}

static void case_freed_packed(void)
{
	case_freed(NBBS_POOL_PACKED, false);
}

static void case_freed_tree(void)
{
	case_freed(NBBS_POOL_TREE, false);
}

static void case_freed_early_packed(void)
{
	case_freed(NBBS_POOL_PACKED, true);
}

static void case_freed_early_tree(void)
{
	case_freed(NBBS_POOL_TREE, true);
}

/* ---- hot_offline: a buddy reclaimed by a CPU's teardown mid-pass ---- */

/*
 * R (leaves 0..7, order 3) is the only block of its order that is not
 * allocated: its halves Q (0..3) and Q' (4..7) are parked, Q on CPU 1 and
 * Q' on CPU 0; the rest of the arena stays allocated.  CPU 0 goes offline:
 * its teardown reclaims Q' and stops in the release, Q' NONE in the state
 * bits and still OCC in the tree.  An order-3 request fails its pass; its
 * drain passes over Q (its buddy is neither free nor parked right now) and
 * finds Q' taken; it stops before its recount.  The teardown then ends:
 * Q' is free in the tree, Q still parked, and the release counted for
 * order 2 only (Q is OCC in the tree).  Nothing is in flight; R is free
 * but for a parked half, as it was before the request started.  The
 * request must not return NULL: with every release counted (before
 * 31befd9) it scanned again, its next drain gave Q back, and it got R.
 */
/*
 * The end of hot_offline and hot_chain, with the order-3 request @big
 * finished: it must have got R (@what says what the pool held).  Failing
 * that, nothing changed since, so the next request gets R.  Then every
 * block goes back, the fills @fill8 and @fill16 too, and the pool is
 * whole after a drain.
 */
static void hot_case_end(struct nbbs_pool *pool, struct op *big, void *fill8,
			 void *fill16, const char *what)
{
	struct nbbs_stats st;

	nbbs_pool_stats(pool, &st);
	if (!CHECK(big->block == arena))
		printf("# order 3: %p %s (restarts %llu, giveups %llu)\n", big->block, what,
		       (unsigned long long)st.scan_restarts,
		       (unsigned long long)st.scan_giveups);
	if (!big->block) {
		big->block = nbbs_alloc(pool, 3);
		CHECK(big->block == arena);
	}
	if (big->block)
		CHECK(nbbs_free(pool, big->block) == 0);
	CHECK(nbbs_free(pool, fill8) == 0);
	CHECK(nbbs_free(pool, fill16) == 0);
	nbbs_pool_drain(pool);
	CHECK(nbbs_pool_live_blocks(pool) == 0);
}

static void case_hot_offline(unsigned int flags)
{
	struct nbbs_pool *pool;
	struct op down = { .kind = OP_OFFLINE, .cpu = 2, .target = 0 };
	struct op big = { .kind = OP_ALLOC, .cpu = 3, .order = 3, .leaf = 0 };
	struct nbbs_stats st;
	void *q, *q2, *fill8, *fill16;
	bool offline = false;

	if (!CHECK(nbbs_core_init() == 0))
		return;
	pool = make_pool(flags | NBBS_POOL_HOT, LEAVES, TOP_ORDER);
	if (!pool)
		goto exit;
	big.pool = pool;
	nbbs_user_set_cpu(2);
	fill8 = alloc_at(pool, 3, 8);
	fill16 = alloc_at(pool, 4, 16);
	nbbs_user_set_cpu(1);
	q = alloc_at(pool, 2, 0);
	nbbs_user_set_cpu(0);
	q2 = alloc_at(pool, 2, 4);
	if (!CHECK(q == leaf_addr(0) && q2 == leaf_addr(4) && fill8 == leaf_addr(8) &&
		   fill16 == leaf_addr(16)))
		goto out;
	CHECK(nbbs_free(pool, q2) == 0);	/* parked on CPU 0 */
	nbbs_user_set_cpu(1);
	CHECK(nbbs_free(pool, q) == 0);		/* parked on CPU 1 */
	nbbs_user_set_cpu(2);
	nbbs_pool_stats(pool, &st);
	CHECK(st.hot_frees == 2);
	/* CPU 0's teardown reclaims Q' and stops before it empties Q'. */
	if (!CHECK(op_start(&down, "release_announce", 0))) {
		op_finish(&down);
		goto out;
	}
	offline = true;
	if (!CHECK(op_start(&big, "alloc_recount", 0))) {
		op_finish(&big);
		goto out;
	}
	op_finish(&down);
	CHECK(down.ret == 0);
	op_finish(&big);
	hot_case_end(pool, &big, fill8, fill16, "with Q parked and Q' free");
out:
	op_finish(&big);
	op_finish(&down);
	if (offline)
		add_cpu(0);
	nbbs_pool_destroy(pool);
exit:
	nbbs_core_exit();
}

static void case_hot_offline_packed(void)
{
	case_hot_offline(NBBS_POOL_PACKED);
}

static void case_hot_offline_tree(void)
{
	case_hot_offline(NBBS_POOL_TREE);
}

/* ---- hot_chain: a parked grand-buddy, both halves of its buddy in transit ---- */

/*
 * R (leaves 0..7, order 3) is the only block of its order that is not
 * allocated: its half H (4..7, order 2) is parked on CPU 2, and the other
 * half's quarters L0 (0..1) and L1 (2..3), order 1, are parked on CPUs 0
 * and 1.  An order-4 request on CPU 5 fails and its drain reclaims L0,
 * stopping once L0 is empty in the tree; CPU 1's teardown reclaims L1 and
 * stops before its CAS.  An order-3 request then fails its pass: its drain
 * finds L0 and L1 taken and passes over H (its buddy is in use).  The two
 * reclaims end (@l1_last: L1's last), each counting for the largest free
 * block it left, the last one for every order: the quarters' parent is
 * free then and its buddy H parked.  The order-3 request must get R.
 */
static void case_hot_chain(unsigned int flags, bool l1_last)
{
	struct nbbs_pool *pool;
	struct op down = { .kind = OP_OFFLINE, .cpu = 4, .target = 1 };
	struct op other = { .kind = OP_ALLOC, .cpu = 5, .order = 4, .leaf = 0 };
	struct op big = { .kind = OP_ALLOC, .cpu = 3, .order = 3, .leaf = 0 };
	struct nbbs_stats st;
	void *l0, *l1, *h, *fill8, *fill16;
	bool offline = false;

	if (!CHECK(nbbs_core_init() == 0))
		return;
	pool = make_pool(flags | NBBS_POOL_HOT, LEAVES, TOP_ORDER);
	if (!pool)
		goto exit;
	big.pool = pool;
	other.pool = pool;
	nbbs_user_set_cpu(2);
	fill8 = alloc_at(pool, 3, 8);
	fill16 = alloc_at(pool, 4, 16);
	h = alloc_at(pool, 2, 4);
	nbbs_user_set_cpu(0);
	l0 = alloc_at(pool, 1, 0);
	nbbs_user_set_cpu(1);
	l1 = alloc_at(pool, 1, 2);
	if (!CHECK(l0 == leaf_addr(0) && l1 == leaf_addr(2) && h == leaf_addr(4) &&
		   fill8 == leaf_addr(8) && fill16 == leaf_addr(16)))
		goto out;
	CHECK(nbbs_free(pool, l1) == 0);	/* parked on CPU 1 */
	nbbs_user_set_cpu(0);
	CHECK(nbbs_free(pool, l0) == 0);	/* parked on CPU 0 */
	nbbs_user_set_cpu(2);
	CHECK(nbbs_free(pool, h) == 0);		/* parked on CPU 2 */
	nbbs_pool_stats(pool, &st);
	CHECK(st.hot_frees == 3);
	/* The order-4 request's drain takes L0 and stops once L0 is empty. */
	if (!CHECK(op_start(&other, "release_emptied", 0))) {
		op_finish(&other);
		goto out;
	}
	CHECK(nbbs_hot_state(pool, 1, 0) == NBBS_HOT_NONE);
	/* CPU 1's teardown takes L1 and stops before its CAS. */
	if (!CHECK(op_start(&down, "release_announce", 0))) {
		op_finish(&down);
		goto out;
	}
	offline = true;
	CHECK(nbbs_hot_state(pool, 1, 2) == NBBS_HOT_NONE);
	CHECK(nbbs_hot_state(pool, 2, 4) == NBBS_HOT_CACHED);
	if (!CHECK(op_start(&big, "alloc_recount", 0))) {
		op_finish(&big);
		goto out;
	}
	if (l1_last) {
		op_finish(&other);
		op_finish(&down);
	} else {
		op_finish(&down);
		op_finish(&other);
	}
	CHECK(down.ret == 0);
	CHECK(!other.block);
	op_finish(&big);
	hot_case_end(pool, &big, fill8, fill16, "with H parked and its buddy free");
out:
	op_finish(&big);
	op_finish(&other);
	op_finish(&down);
	if (offline)
		add_cpu(1);
	nbbs_pool_destroy(pool);
exit:
	nbbs_core_exit();
}

static void case_hot_chain_packed(void)
{
	case_hot_chain(NBBS_POOL_PACKED, true);
	case_hot_chain(NBBS_POOL_PACKED, false);
}

static void case_hot_chain_tree(void)
{
	case_hot_chain(NBBS_POOL_TREE, true);
	case_hot_chain(NBBS_POOL_TREE, false);
}

/* ---- nmi: the contexts of the file comment ---- */

static void case_nmi(void)
{
	struct nbbs_pool *pool = make_pool(NBBS_POOL_HOT, LEAVES, TOP_ORDER);
	struct nbbs_stats st;
	void *a, *b;

	if (!pool)
		return;
	nbbs_user_set_cpu(0);
	a = nbbs_alloc(pool, 0);
	CHECK(a);
	/* An architecture without NMI-safe cmpxchg: refused, counted. */
	nbbs_user_nmi_cmpxchg = 0;
	nbbs_user_in_nmi = 1;
	CHECK(!nbbs_alloc(pool, 0));
	CHECK(nbbs_free(pool, a) == -EINVAL);
	nbbs_user_in_nmi = 0;
	nbbs_pool_stats(pool, &st);
	CHECK(st.nmi_refused == 2 && st.invalid_free == 0);
	/* NMI-safe cmpxchg, non-atomic this_cpu ops: the slots stay untouched. */
	nbbs_user_nmi_cmpxchg = 1;
	nbbs_user_in_nmi = 1;
	CHECK(nbbs_free(pool, a) == 0);
	b = nbbs_alloc(pool, 0);
	CHECK(b);
	CHECK(nbbs_free(pool, b) == 0);
	nbbs_user_in_nmi = 0;
	nbbs_pool_stats(pool, &st);
	CHECK(st.hot_frees == 0 && st.hot_allocs == 0 && st.nmi_refused == 2);
	CHECK(nbbs_pool_live_blocks(pool) == 0);
	/* Out of NMI the slots are used again. */
	a = nbbs_alloc(pool, 0);
	CHECK(nbbs_free(pool, a) == 0);
	nbbs_pool_stats(pool, &st);
	CHECK(st.hot_frees == 1);
	nbbs_pool_destroy(pool);
}

static const struct {
	const char *name;
	void (*run)(void);
} cases[] = {
	{ "wrap: packed, stalled release against 2^17 parent writes", case_wrap_packed },
	{ "transient: packed, stray free of a claim not yet handed out",
	  case_transient_commit_packed },
	{ "transient: tree, stray free of a claim not yet handed out",
	  case_transient_commit_tree },
	{ "transient: packed, stray free of a claim being rolled back",
	  case_transient_rollback_packed },
	{ "transient: tree, stray free of a claim being rolled back",
	  case_transient_rollback_tree },
	{ "rollback: tree, a claim rolled back past a blocker freed meanwhile",
	  case_rollback_past_freed_blocker },
	{ "hot_park: packed, park between drain and recount", case_hot_park_packed },
	{ "hot_park: tree, park between drain and recount", case_hot_park_tree },
	{ "freed: packed, buddies released together count for their parent",
	  case_freed_packed },
	{ "freed: tree, buddies released together count for their parent",
	  case_freed_tree },
	{ "freed: packed, the allocation that entered a half releases R last",
	  case_freed_early_packed },
	{ "freed: tree, the allocation that entered a half releases R last",
	  case_freed_early_tree },
	{ "hot_offline: packed, a buddy reclaimed by teardown between drain and recount",
	  case_hot_offline_packed },
	{ "hot_offline: tree, a buddy reclaimed by teardown between drain and recount",
	  case_hot_offline_tree },
	{ "hot_chain: packed, a parked grand-buddy, both quarters of its buddy in transit",
	  case_hot_chain_packed },
	{ "hot_chain: tree, a parked grand-buddy, both quarters of its buddy in transit",
	  case_hot_chain_tree },
	{ "nmi: refused without NMI-safe cmpxchg, no slots in NMI", case_nmi },
	/* Last: 45 million allocate/free cycles, seconds of work. */
	{ "wrap: tree, stalled release against 2^27 parent writes", case_wrap_tree },
};

/*
 * NBBS_TEST_FAILFAST set (the mutation lane, scripts/mutate.py): stop after
 * the first failed case; the verdict is the same, the cheap cases run first.
 */
int main(void)
{
	bool failfast = getenv("NBBS_TEST_FAILFAST");
	int planned = ARRAY_SIZE(cases);
	unsigned int i;

	ktap_plan(planned);
	nbbs_user_console_loglevel = 3;	/* the invalid frees are expected */
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		cases[i].run();
		ktap_result(cases[i].name);
		if (failfast && ktap_failed_cases) {
			printf("# NBBS_TEST_FAILFAST: stopped after the first failure\n");
			return 1;
		}
	}
	return ktap_finish(planned);
}
