// SPDX-License-Identifier: GPL-2.0
/*
 * Finding a free node of the nbbs buddy tree: the scan of a level, the
 * chunk summaries that let it skip what cannot serve it, and the release
 * counts that make a failing allocation's NULL exact.
 *
 * A scan of level k starts at a per-CPU position and visits the level's
 * nodes in turn.  It passes over runs that a read shows in use, jumps past
 * the subtree of a live block found covering a candidate, and claims the
 * first free node (nbbs_claim()).
 *
 * Chunk summaries.  The pool is cut into at most NBBS_MAX_CHUNKS chunks of
 * at least one largest block each.  A chunk's summary word holds an upper
 * bound on the order of the free blocks in it (plus one; 0: none), an ARMED
 * flag and a 57-bit sequence number; the summaries lie side by side, eight
 * to a cache line, so that a request that cannot be served reads a few
 * lines for the whole pool instead of a read per node of its level.
 * Summaries are written only when a scan arms, lowers, or asks a release
 * to raise them, rarely beside the reads.  Each chunk also has a hint of
 * where the last raise freed a block, in an array of its own.  Scans skip
 * chunks whose bound is below the wanted order.
 *
 * Lowering a bound: a scan that failed NBBS_SUM_ARM_AFTER candidates in a
 * chunk arms its summary (CAS), rescans the chunk from its first candidate,
 * and if nothing of its order was free lowers the bound with a CAS that
 * fails if anyone wrote the summary since it armed it.  Raising: a release
 * reads the summary after its tree updates and writes it when the bound is
 * too low or the chunk is armed.  Both sides have a full barrier between
 * their write and their read (SB), so either the release sees the arming
 * and makes the lowering fail, or the rescan sees the freed node.
 * Releases thus write the summary only when a scan asks them to.
 *
 * Release counts.  Every release (a free, a park, a drain's reclaim, a
 * rollback that freed space) increments its CPU's count for the order of
 * the largest free block it left, after its updates (a park: max_order).
 * A failing pass of order k is bracketed by two reads of the sum of the
 * counts of orders k and up: if it did not change, no release that left
 * a free block of order k or more completed during the pass, and a block
 * free all along would have been found (Documentation/nbbs.rst, "No false
 * NULL").  Releases that only leave smaller blocks, the most frequent in
 * a fragmented arena, do not make larger requests scan again.
 */
#define pr_fmt(fmt) "nbbs: " fmt

#include <linux/atomic.h>
#include <linux/cache.h>
#include <linux/cpumask.h>
#include <linux/errno.h>
#include <linux/minmax.h>
#include <linux/percpu.h>
#include <linux/slab.h>

#include "nbbs_internal.h"

/*
 * A failing scan must be bracketed by two reads of the release counts.
 * Summing them costs a read per possible CPU, too much for every allocation,
 * so the first read is taken only after this many candidates were tried in
 * vain; those candidates are visited once more at the end of the pass.
 */
#define NBBS_SCAN_PROBE	64

#define NBBS_MAX_CHUNKS		64
#define NBBS_SUM_BOUND		0x3fu
#define NBBS_SUM_ARMED		0x40u
#define NBBS_SUM_SEQ_ONE	0x80ull
#define NBBS_SUM_ARM_AFTER	64

/* Orders below the chunk summary @sum's bound may be free in the chunk. */
static inline unsigned int nbbs_sum_bound(s64 sum)
{
	return (u64)sum & NBBS_SUM_BOUND;
}

/* The summary that replaces @old: @bound, not armed, the next sequence. */
static inline s64 nbbs_sum_next(s64 old, unsigned int bound)
{
	return (s64)((((u64)old & ~(u64)(NBBS_SUM_BOUND | NBBS_SUM_ARMED)) +
		      NBBS_SUM_SEQ_ONE) | bound);
}

static inline unsigned long nbbs_nr_chunks(const struct nbbs_pool *pool)
{
	return pool->nr_leaves >> pool->chunk_shift;
}

/* Chunk @chunk's summary: the first nbbs_nr_chunks() words of the array. */
static inline atomic64_t *nbbs_summary(const struct nbbs_pool *pool,
				       unsigned long chunk)
{
	return &pool->summary[chunk];
}

/* Its hint: the words after the summaries. */
static inline atomic64_t *nbbs_summary_hint(const struct nbbs_pool *pool,
					    unsigned long chunk)
{
	return &pool->summary[nbbs_nr_chunks(pool) + chunk];
}

/**
 * nbbs_summary_init - cut a pool into chunks, each with its summary
 * @pool: the pool, its shape set
 * @gfp: allocation flags
 *
 * Return: 0 or -ENOMEM.
 */
int nbbs_summary_init(struct nbbs_pool *pool, gfp_t gfp)
{
	unsigned long chunk;

	pool->chunk_shift = max_t(unsigned int, pool->max_order,
				  pool->depth - min_t(unsigned int, pool->depth,
						      ilog2(NBBS_MAX_CHUNKS)));
	pool->summary = nbbs_meta_alloc(kvcalloc(2 * nbbs_nr_chunks(pool),
						 sizeof(*pool->summary), gfp));
	if (!pool->summary)
		return -ENOMEM;
	for (chunk = 0; chunk < nbbs_nr_chunks(pool); chunk++)
		atomic64_set(nbbs_summary(pool, chunk), pool->max_order + 1);
	return 0;
}

size_t nbbs_summary_bytes(const struct nbbs_pool *pool)
{
	return 2 * nbbs_nr_chunks(pool) * sizeof(*pool->summary);
}

/*
 * nbbs_summary_arm - announce that a scan is about to conclude that @chunk
 * holds no block of some order; *@sum is the summary the scan holds.
 * Returns true, with *@sum the armed value, if the chunk is armed now.
 */
static bool nbbs_summary_arm(struct nbbs_pool *pool, unsigned long chunk,
			     s64 *sum, struct nbbs_ctx *ctx)
{
	if ((u64)*sum & NBBS_SUM_ARMED) {
		/*
		 * Armed by another scan: share it, ordered as our own CAS
		 * would be (RWC with the smp_mb() in nbbs_summary_note()).
		 */
		smp_mb();
		return true;
	}
	ctx->atomics++;
	/* Fully ordered, before the rescan's reads (SB with nbbs_summary_note()). */
	if (nbbs_cas64(nbbs_summary(pool, chunk), sum,
		       (s64)((u64)*sum | NBBS_SUM_ARMED))) {
		*sum = (s64)((u64)*sum | NBBS_SUM_ARMED);
		return true;
	}
	return false;
}

/*
 * nbbs_summary_lower - a scan armed @chunk, its summary then being @armed,
 * and found no free node of @level in the whole chunk afterwards: record
 * that the chunk's free blocks are of lower orders.  The CAS fails, and
 * nothing is lost, if a release wrote the summary since the arming.
 */
static void nbbs_summary_lower(struct nbbs_pool *pool, unsigned long chunk,
			       s64 armed, unsigned int level, struct nbbs_ctx *ctx)
{
	if (nbbs_sum_bound(armed) <= level)
		return;
	ctx->atomics++;
	/* Only the comparison with @armed matters here. */
	if (nbbs_cas64(nbbs_summary(pool, chunk), &armed,
		       nbbs_sum_next(armed, level)))
		ctx->lowered++;
}

/*
 * nbbs_summary_note - after a release that left a free block of order
 * @freed in the chunk of smallest block @leaf: raise the chunk's bound if
 * it is too low, and write the summary if a scan armed it.
 */
static void nbbs_summary_note(struct nbbs_pool *pool, unsigned long leaf,
			      unsigned int freed, struct nbbs_ctx *ctx)
{
	unsigned long chunk = leaf >> pool->chunk_shift;
	atomic64_t *sum = nbbs_summary(pool, chunk);
	s64 old;

	/* The tree updates before the read of the summary (SB with nbbs_summary_arm()). */
	smp_mb();
	old = atomic64_read(sum);
	while (((u64)old & NBBS_SUM_ARMED) || nbbs_sum_bound(old) <= freed) {
		ctx->atomics++;
		/* Fully ordered: before the release count (MP with nbbs_releases()). */
		if (nbbs_cas64(sum, &old,
			       nbbs_sum_next(old, max(nbbs_sum_bound(old), freed + 1)))) {
			/*
			 * Where the free block is, for the next scan of this
			 * chunk to try first: a hint, racy by design.  Its
			 * chunk-relative smallest block + 1, 0 for none.
			 */
			atomic64_set(nbbs_summary_hint(pool, chunk),
				     (s64)((leaf & ~((1UL << freed) - 1) &
					    ((1UL << pool->chunk_shift) - 1)) + 1));
			return;
		}
		ctx->conflicts++;
	}
}

/**
 * nbbs_releases - the releases completed on all CPUs that can serve @order
 * @pool: the pool
 * @order: the order of the allocation that asks
 *
 * A change between two reads means the tree may have gained a free block
 * of @order or more.  Each release counts for the order of the largest
 * free block it left: the last of the releases that together make a free
 * block of @order sees the others' updates in the words it shares with
 * them (its CAS comes after theirs) and reports the whole block, as it
 * does to the chunk summaries.  A block parked in a hot pool counts as a
 * release for every order: it helps an allocation of a higher order by
 * coalescing once its buddy is free or parked, and the drain of a failing
 * allocation then gives both back, but only if the count made that
 * allocation scan and drain again.
 *
 * Return: the sum of the per-CPU counts of orders @order .. max_order.
 */
unsigned long nbbs_releases(const struct nbbs_pool *pool, unsigned int order)
{
	unsigned long sum = 0;
	unsigned int k;
	int cpu;

	/* Our tree reads so far come before the counts. */
	smp_rmb();
	for_each_possible_cpu(cpu) {
		const struct nbbs_pcpu *pc = per_cpu_ptr(pool->pcpu, cpu);

		for (k = order; k <= pool->max_order; k++)
			sum += READ_ONCE(pc->releases[k]);
	}
	/* A count comes with its release's updates (MP with the smp_wmb() of nbbs_publish()). */
	smp_rmb();
	return sum;
}

/**
 * nbbs_publish - make space freed at a smallest block visible to scans
 * @pool: the pool
 * @leaf: the smallest block
 * @freed: the order of the largest free block there now
 * @ctx: the call's work
 *
 * Raises the chunk summary, then counts a release for the no-false-NULL
 * bracket.  Called after a release and after a rollback, which may free
 * space too.
 */
void nbbs_publish(struct nbbs_pool *pool, unsigned long leaf, unsigned int freed,
		  struct nbbs_ctx *ctx)
{
	unsigned int order = min(freed, pool->max_order);

	nbbs_summary_note(pool, leaf, freed, ctx);
	/*
	 * A parked block is live in the tree: a free block beside it reports
	 * only its own order, although reclaiming the parked buddy would
	 * make a larger one.  A failing allocation's drain may have passed
	 * that buddy over (its buddy in use then): count for every order, so
	 * that the allocation drains again.  Read after our tree updates
	 * (fully ordered CAS); a park after the read counts for every order
	 * itself.  Found by interleave_nbbs_core, hot_offline.
	 */
	if (order < pool->hot_orders && order < pool->max_order &&
	    nbbs_hot_state(pool, order, leaf ^ (1UL << order)) == NBBS_HOT_CACHED)
		order = pool->max_order;
	/* The updates before the count (MP with nbbs_releases()). */
	smp_wmb();
	this_cpu_inc(pool->pcpu->releases[order]);
}

/* nbbs_claim(), and the publication of what a rollback it made freed. */
static int nbbs_scan_claim(struct nbbs_pool *pool, unsigned int level,
			   unsigned long idx, unsigned int *blevel,
			   unsigned long *bidx, struct nbbs_ctx *ctx)
{
	int ret = nbbs_claim(pool, level, idx, blevel, bidx, ctx);

	if (ctx->rolled_back) {
		ctx->rolled_back = false;
		nbbs_publish(pool, idx << level, ctx->rollback_freed, ctx);
	}
	return ret;
}

/* One pass over a level: where it is, and what it has seen of its chunk. */
struct nbbs_pass {
	struct nbbs_pool *pool;
	struct nbbs_ctx *ctx;
	unsigned int level;
	unsigned long start;	/* the first candidate */
	unsigned long count;	/* candidates in the level */
	unsigned long i;	/* candidates passed so far */
	unsigned long end;	/* the pass ends when @i reaches it */
	unsigned long *releases;	/* where the bracket read goes, until taken */
	unsigned long probe;	/* take it after this many candidates */
	unsigned int cshift;	/* candidates per chunk, log2 */
	unsigned long cmask;
	unsigned long arm_after;	/* failures in a chunk before arming */
	unsigned long chunk;	/* the current chunk, ULONG_MAX: none */
	unsigned long fails;	/* failures in it */
	bool armed;		/* its summary is armed, and held in @sum */
	s64 sum;
};

/*
 * Take the first read of the release counts now; the pass then goes on for
 * a full turn of the level after it, so that a failing pass is bracketed
 * by this read and the caller's next one.
 */
static void nbbs_pass_bracket(struct nbbs_pass *p)
{
	*p->releases = nbbs_releases(p->pool, p->level);
	p->releases = NULL;
	p->end = p->i + p->count;
}

/*
 * nbbs_pass_chunk - the pass enters the chunk of candidate @idx: read its
 * summary, try its hint.  Returns 1 with *@found claimed by the hint, -1
 * when the summary rules the chunk out (the pass has then moved past it),
 * 0 to go on through the chunk.
 */
static int nbbs_pass_chunk(struct nbbs_pass *p, unsigned long idx,
			   unsigned long *found)
{
	unsigned long hidx, bidx;
	unsigned int blevel;
	s64 hint;

	p->chunk = idx >> p->cshift;
	p->armed = false;
	p->fails = 0;
	/* Acquire: after the tree updates of the release that raised it (MP). */
	p->sum = atomic64_read_acquire(nbbs_summary(p->pool, p->chunk));
	if (nbbs_sum_bound(p->sum) <= p->level) {
		/* Skipping is what failing scans do: bracket now, not a turn later. */
		if (p->releases)
			nbbs_pass_bracket(p);
		p->ctx->skipped++;
		p->i += p->cmask + 1 - (idx & p->cmask);
		p->chunk = ULONG_MAX;
		return -1;
	}
	hint = atomic64_read(nbbs_summary_hint(p->pool, p->chunk));
	if (hint <= 0)
		return 0;
	hidx = ((p->chunk << p->pool->chunk_shift) + (unsigned long)(hint - 1)) >> p->level;
	if (nbbs_scan_claim(p->pool, p->level, hidx, &blevel, &bidx, p->ctx))
		return 0;
	*found = hidx;
	return 1;
}

/*
 * nbbs_pass_failed - @n candidates from @idx failed; the pass goes on at
 * @next.  After many failures in a chunk, arm its summary and rescan the
 * chunk from its first candidate (if that lies in this pass), so that the
 * chunk can be ruled out for this level; leaving a chunk scanned whole
 * since the arming, rule it out.
 */
static void nbbs_pass_failed(struct nbbs_pass *p, unsigned long idx,
			     unsigned long n, unsigned long next)
{
	if (!p->armed && p->fails < p->arm_after && p->fails + n >= p->arm_after &&
	    (idx & p->cmask) <= p->i) {
		p->fails = p->arm_after;
		if (nbbs_summary_arm(p->pool, p->chunk, &p->sum, p->ctx)) {
			p->armed = true;
			p->i -= idx & p->cmask;
			return;
		}
	} else {
		p->fails += n;
	}
	if (p->armed && !((p->start + next) & p->cmask)) {
		nbbs_summary_lower(p->pool, p->chunk, p->sum, p->level, p->ctx);
		p->armed = false;
	}
	p->i = next;
}

/**
 * nbbs_scan - one pass over a level, claiming the first free node met
 * @pool: the pool
 * @level: the level, the order wanted
 * @start: the candidate to start from
 * @releases: where to store the first read of the release counts, or NULL
 * @found: set to the claimed node's index in the level
 * @ctx: the call's work
 *
 * Skips chunks whose summary says no block of this order is free there,
 * runs of candidates a read shows in use, and the subtree of any live
 * block found covering a candidate.  When @releases is not NULL, the
 * release counts are read into it once a few candidates have failed, and
 * the pass then goes on for a full turn of the level after that read.
 * Candidates tried before the read are visited a second time.
 *
 * Return: true with *@found claimed, false when the pass found nothing.
 */
bool nbbs_scan(struct nbbs_pool *pool, unsigned int level, unsigned long start,
	       unsigned long *releases, unsigned long *found, struct nbbs_ctx *ctx)
{
	struct nbbs_pass p = {
		.pool = pool,
		.ctx = ctx,
		.level = level,
		.start = start,
		.count = pool->nr_leaves >> level,
		.releases = releases,
		.cshift = pool->chunk_shift - level,
		.chunk = ULONG_MAX,
	};

	p.end = p.count;
	p.probe = min(p.count / 2, (unsigned long)NBBS_SCAN_PROBE);
	p.cmask = (1UL << p.cshift) - 1;
	p.arm_after = min(p.cmask + 1, (unsigned long)NBBS_SUM_ARM_AFTER);
	for (;;) {
		unsigned long idx = (p.start + p.i) & (p.count - 1);
		unsigned long run, bidx;
		unsigned int blevel;
		int ret;

		/* Also when a skip jumped past the end before the probe point. */
		if (p.releases && (p.i >= p.probe || p.i >= p.end))
			nbbs_pass_bracket(&p);
		if (p.i >= p.end)
			return false;
		if (idx >> p.cshift != p.chunk) {
			ret = nbbs_pass_chunk(&p, idx, found);
			if (ret > 0)
				return true;
			if (ret < 0)
				continue;
		}
		/* Candidates a read shows in use fail as claims would: all at once. */
		run = nbbs_busy_run(pool, level, idx,
				    min3(p.cmask + 1 - (idx & p.cmask), p.end - p.i,
					 p.count - idx));
		if (run) {
			nbbs_pass_failed(&p, idx, run, p.i + run);
			continue;
		}
		ret = nbbs_scan_claim(pool, level, idx, &blevel, &bidx, ctx);
		if (!ret) {
			*found = idx;
			return true;
		}
		/* Past the node, or past the blocker's subtree (to this level's index). */
		nbbs_pass_failed(&p, idx, 1, ret == -EBUSY ? p.i + 1 :
				 p.i + ((bidx + 1) << (blevel - level)) - idx);
	}
}
