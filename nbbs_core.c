// SPDX-License-Identifier: GPL-2.0
/*
 * The non-blocking buddy tree: the allocator core of nbbs.
 *
 * What this allocator promises:
 *
 * - Lock-free.  nbbs_alloc() and nbbs_free() take no lock, never disable
 *   interrupts and never wait for another CPU.  They run with preemption
 *   off, so that "a release in flight" lasts one call, not as long as a
 *   descheduled task.  All shared metadata changes are single-word
 *   compare-and-swap operations (or atomic bit operations); a CPU that
 *   loses a race re-reads the word and decides again.
 * - Contexts.  Task, softirq and hardirq context.  NMI context where the
 *   architecture has NMI-safe cmpxchg (CONFIG_ARCH_HAVE_NMI_SAFE_CMPXCHG);
 *   elsewhere a call from NMI is refused (NULL or -EINVAL, counted in
 *   nmi_refused, warned once).  In NMI, hot pools use their per-CPU slots
 *   only where this_cpu operations are single instructions (x86); other
 *   architectures go to the tree.
 * - Bounded.  One pass over a level visits each candidate node at most
 *   once, except the first NBBS_SCAN_PROBE, visited twice when the pass
 *   fails; chunks whose summary rules the order out are skipped whole.  A
 *   failing pass is repeated only while releases keep completing on other
 *   CPUs, and at most NBBS_SCAN_PASSES times in all.
 * - No false NULL.  nbbs_alloc() returns NULL only after a full pass over the
 *   level during which no release completed anywhere, so a block that was
 *   free during the whole call is found.  Passes cut short by concurrent
 *   releases are counted (scan_restarts); hitting the pass bound is counted
 *   separately (scan_giveups), so a NULL that may be spurious is visible.
 *   "Release" here is a call of nbbs_free(), a park, the reclaim of a parked
 *   block by a drain, or a rollback; each runs with preemption off, and
 *   one that sits in an interrupted or stalled CPU keeps the blocks it
 *   frees out of view until it ends, as any call in flight does.
 * - Size-less, checked release.  nbbs_free() finds the block's order in the
 *   tree and refuses, with -EINVAL, anything that is not the start of a
 *   block handed out by nbbs_alloc() and still live (a claim that is still
 *   being made or rolled back is not one): the tree is left untouched and
 *   the event is counted.
 * - No overlap.  No two live blocks overlap, whatever the interleaving and
 *   however long a call stalls: see "Versions" below.
 *
 * What it does not promise: fairness between CPUs (a CPU can lose every race
 * while others progress), and detection of a free by a caller that does not
 * own the block (ownership is not recorded; a block freed by the wrong CPU
 * is indistinguishable from a correct release).
 *
 * The tree.  A pool of 2^depth smallest blocks is a complete binary tree in
 * heap order: node 1 would be the whole arena, node i has children 2i and
 * 2i + 1, the leaves are nodes 2^depth .. 2^(depth+1) - 1.  Only the levels
 * that can be allocated are stored: level 0 (the leaves) up to level
 * max_order, whose nodes are the roots of a forest.  A node at level k
 * stands for a block of order k.
 *
 * Each node is one 64-bit atomic word: five status bits and a version.
 *
 *   bit 0      OCC     the node is allocated as one block
 *   bit 1, 2   PART_L, PART_R
 *                      the left/right child's subtree holds, or is being
 *                      given, at least one block
 *   bit 3, 4   COAL_L, COAL_R
 *                      a release is about to clear PART_L/PART_R: a CPU that
 *                      empties a child announces it here before doing so
 *   bits 5-63  version, incremented by every successful compare-and-swap,
 *              so a CAS fails if the word changed in between, even if it
 *              changed back (see "Versions" below)
 *
 * A node may be allocated when its status is 0: neither it nor anything in
 * its subtree is in use.
 *
 * Allocation of order k scans level k from a per-CPU start, claims the first
 * free node with one CAS (0 -> OCC) and climbs to level max_order setting
 * its side's PART bit (and clearing its side's COAL bit) in every ancestor.
 * An ancestor that is OCC means the claimed node lies inside a live block:
 * the climb is rolled back and the scan resumes after that ancestor's
 * subtree.  When an ancestor already shows our side's PART bit and no
 * announcement, nothing is written there, which keeps the upper levels,
 * shared by every CPU, mostly read.
 *
 * Release empties the block's node and walks up.  Before it turns any node
 * to status 0 it announces COAL for that side in the parent; after turning
 * it to 0 it clears the parent's PART and COAL bits for that side, but only
 * while the child still holds the very word it wrote (same version): if the
 * child changed, an allocation has entered that subtree and owns the mark.
 * The walk stops at the first ancestor that keeps other bits.  The
 * announcement is what makes an allocation that enters the emptied subtree
 * write the parent even if its PART bit is still set, so the release's CAS
 * on the parent fails instead of clearing a mark that is in use again.
 *
 * Versions.  A release reads a parent, checks that the child it emptied is
 * unchanged, and CASes the parent from the value read: the CAS must fail if
 * an allocation entered the child after the check, which always rewrites
 * the parent.  That holds as long as the parent's version cannot come back
 * to the value read while the release is between its read and its CAS: 2^59
 * updates of one node here, 2^41 of one word in the packed layout (rows
 * above 0; 2^57 in row 0).  At one successful CAS on one word per
 * nanosecond, which no CPU sustains, 2^41 takes 36 minutes, during which
 * the release sits in one call with preemption off; so no counter wraps
 * within any stall short of a machine stopped for that long.  The chunk
 * summaries carry a 57-bit sequence for the same reason.  Rows of four
 * levels and 32-bit nodes, before, wrapped after 2^17 and 2^27 updates:
 * milliseconds and seconds of work (user/interleave_nbbs_core.c replays it).
 *
 * Committed blocks.  A claim is OCC in the tree from its CAS on, but until
 * its climb ends it may still be rolled back, and a free that walked down
 * to it must not release it.  nbbs_commit() marks a block handed out (a bit
 * per smallest block, or the LIVE state of a hot pool's cached orders), and
 * nbbs_free() releases only a block whose mark it clears itself.
 *
 * Metadata: 8 bytes per node, about 16 bytes per smallest block (0.4% of a
 * 4 KiB-block arena), a bit per smallest block, plus the per-CPU data.  The reference design pads
 * each node to a cache line; here 16 nodes share one, which makes the scan of
 * a level a sequential read and was the faster layout when measured with the
 * userspace benchmark.  The price is false sharing between neighbouring
 * nodes, which the spread-out per-CPU scan starts keep rare.
 */
#define pr_fmt(fmt) "nbbs: " fmt

#include <linux/atomic.h>
#include <linux/bitops.h>
#include <linux/bug.h>
#include <linux/cache.h>
#include <linux/cpuhotplug.h>
#include <linux/cpumask.h>
#include <linux/err.h>
#include <linux/export.h>
#include <linux/log2.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/printk.h>
#include <linux/processor.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/string.h>

#include "nbbs_internal.h"

#define NBBS_OCC	0x01u
#define NBBS_PART_L	0x02u
#define NBBS_PART_R	0x04u
#define NBBS_COAL_L	0x08u
#define NBBS_COAL_R	0x10u
#define NBBS_STATUS	0x1fu
#define NBBS_VERSION_ONE	0x20ull

/*
 * Passes over a level before a failing allocation gives up although releases
 * keep completing.  Each extra pass is paid only when the previous one failed
 * and another CPU released a block meanwhile.
 */
#define NBBS_SCAN_PASSES	8

/*
 * A failing scan must be bracketed by two reads of the release counters.
 * Summing them costs a read per possible CPU, too much for every allocation,
 * so the first read is taken only after this many candidates were tried in
 * vain; those candidates are visited once more at the end of the pass.
 */
#define NBBS_SCAN_PROBE	64

/*
 * Chunk summaries.  The pool is cut into at most NBBS_MAX_CHUNKS chunks of
 * at least one largest block each.  A chunk's summary word holds an upper
 * bound on the order of the free blocks in it (plus one; 0: none), an ARMED
 * flag and a sequence number, alone on its cache line.  Scans skip chunks
 * whose bound is below the wanted order, so a request that cannot be served
 * costs a few reads per chunk instead of a read per node of its level.
 *
 * Lowering a bound: a scan that failed NBBS_SUM_ARM_AFTER candidates in a
 * chunk arms its summary (CAS), rescans the chunk from its first candidate,
 * and if nothing of its order was free lowers the bound with a CAS that
 * fails if anyone wrote the summary since it armed it.  Raising: a release
 * reads the summary after its tree updates and writes it when the bound is
 * too low or the chunk is armed.  Both sides have a full barrier between
 * their write and their read (store buffering), so either the release sees
 * the arming and makes the lowering fail, or the rescan sees the freed node.
 * Releases thus write the summary only when a scan asks them to.
 */
#define NBBS_MAX_CHUNKS		64
#define NBBS_SUM_BOUND		0x3fu
#define NBBS_SUM_ARMED		0x40u
#define NBBS_SUM_SEQ_ONE	0x80ull
#define NBBS_SUM_ARM_AFTER	64
#define NBBS_SUM_STRIDE		(SMP_CACHE_BYTES / sizeof(atomic64_t))

static atomic_long_t nbbs_null_pool;

static inline atomic64_t *nbbs_node(const struct nbbs_pool *pool, unsigned long n)
{
	return &pool->nodes[n - pool->first_node];
}

/* Heap index of the first node of @level; the level has as many nodes. */
static inline unsigned long nbbs_level_first(const struct nbbs_pool *pool,
					     unsigned int level)
{
	return pool->nr_leaves >> level;
}

static inline u32 nbbs_part(unsigned long child)
{
	return child & 1 ? NBBS_PART_R : NBBS_PART_L;
}

static inline u32 nbbs_coal(unsigned long child)
{
	return child & 1 ? NBBS_COAL_R : NBBS_COAL_L;
}

/* The word that replaces @old: @status with the next version. */
static inline s64 nbbs_next(s64 old, u32 status)
{
	return (s64)((((u64)old & ~(u64)NBBS_STATUS) + NBBS_VERSION_ONE) | status);
}

static inline u32 nbbs_status(s64 word)
{
	return (u64)word & NBBS_STATUS;
}

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

static inline atomic64_t *nbbs_summary(const struct nbbs_pool *pool,
				       unsigned long chunk)
{
	return &pool->summary[chunk * NBBS_SUM_STRIDE];
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
		 * Armed by another scan: share it.  Our rescan relies on that
		 * scan's arming, so order it as our own fully ordered CAS
		 * would: pairs with the smp_mb() in nbbs_summary_note() (RWC).
		 */
		smp_mb();
		return true;
	}
	ctx->atomics++;
	/*
	 * Fully ordered: the arming is visible before the rescan's node
	 * reads; pairs with the smp_mb() in nbbs_summary_note().
	 */
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
	/* Fully ordered, though only the comparison with @armed matters. */
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
	atomic64_t *sum = nbbs_summary(pool, leaf >> pool->chunk_shift);
	s64 old;

	/*
	 * Orders the release's tree updates before the read of the summary:
	 * pairs with the fully ordered CAS in nbbs_summary_arm().
	 */
	smp_mb();
	old = atomic64_read(sum);
	while (((u64)old & NBBS_SUM_ARMED) || nbbs_sum_bound(old) <= freed) {
		ctx->atomics++;
		/*
		 * Fully ordered: before the release count, so a scan that
		 * reads the count and then this summary sees the new bound.
		 */
		if (nbbs_cas64(sum, &old,
			       nbbs_sum_next(old, max(nbbs_sum_bound(old), freed + 1)))) {
			/*
			 * Where the free block is, for the next scan of this
			 * chunk to try first: a hint, racy by design.  Its
			 * chunk-relative smallest block + 1, 0 for none.
			 */
			atomic64_set(&sum[1], (s64)((leaf & ~((1UL << freed) - 1) &
						   ((1UL << pool->chunk_shift) - 1)) + 1));
			return;
		}
		ctx->conflicts++;
	}
}

/*
 * nbbs_climb - mark the ancestors of freshly claimed node @n at @level.
 *
 * Returns 0 when every ancestor up to level max_order carries our side's
 * PART bit, or the heap index of the first OCC ancestor met, below which
 * the marks made so far must be rolled back.
 */
static unsigned long nbbs_climb(struct nbbs_pool *pool, unsigned long n,
				unsigned int level, struct nbbs_ctx *ctx)
{
	for (; level < pool->max_order; level++, n >>= 1) {
		atomic64_t *parent = nbbs_node(pool, n >> 1);
		u32 part = nbbs_part(n), coal = nbbs_coal(n);
		/*
		 * Acquire: when we find our mark already there and write
		 * nothing, this read is all that orders our use of the block
		 * after the accesses of its last owner, whose release wrote
		 * this word (or one of the RMWs that followed it).  The CAS
		 * that claimed or marked the node below was fully ordered,
		 * so this read also comes after our mark there: a release
		 * that announces here after it is ordered after that mark,
		 * sees it, and will not clear ours.
		 */
		s64 old = atomic64_read_acquire(parent);

		for (;;) {
			u32 st = nbbs_status(old);

			if (st & NBBS_OCC)
				return n >> 1;
			/* Already marked, no release announced: nothing to write. */
			if ((st & (part | coal)) == part)
				break;
			ctx->atomics++;
			/*
			 * Fully ordered: orders our mark below before the reads
			 * of the levels above, and taking over an announcement
			 * (clearing COAL) must be seen by the announcing
			 * release's CAS, which then fails.
			 */
			if (nbbs_cas64(parent, &old,
				       nbbs_next(old, (st | part) & ~coal)))
				break;
			ctx->conflicts++;
			/* A failed CAS reads relaxed; decide on an acquire read. */
			old = atomic64_read_acquire(parent);
		}
	}
	return 0;
}

/*
 * nbbs_announce - tell @child's parent that a release is about to empty it.
 *
 * Sets the parent's COAL bit for @child's side if its PART bit is set.  An
 * allocation that later enters @child's subtree then rewrites the parent
 * even though the PART bit is already there, which makes the releasing
 * CPU's pending CAS on the parent fail.
 */
static void nbbs_announce(struct nbbs_pool *pool, unsigned long child,
			  struct nbbs_ctx *ctx)
{
	atomic64_t *parent = nbbs_node(pool, child >> 1);
	u32 part = nbbs_part(child), coal = nbbs_coal(child);
	s64 old;

	NBBS_HOOK("release_announce");
	old = atomic64_read(parent);
	for (;;) {
		if (!(nbbs_status(old) & part))
			return;	/* nothing marked: nothing to protect */
		ctx->atomics++;
		/*
		 * Fully ordered: the announcement must be visible before the
		 * CAS that empties @child, so that any CPU that sees the
		 * emptied child also sees the announcement.
		 */
		if (nbbs_cas64(parent, &old,
			       nbbs_next(old, nbbs_status(old) | coal)))
			return;
		ctx->conflicts++;
	}
}

/*
 * nbbs_unmark - give back node @n at @level, which holds @owned (OCC).
 *
 * Empties @n, then clears the PART marks of the ancestors up to level @top
 * (max_order, for a release and for a rollback alike) for as long as each
 * becomes empty and is not OCC, and stores in *@freed the level of the
 * highest node it emptied.  Returns false, touching nothing but a harmless
 * announcement, when @n no longer holds @owned.
 */
static bool nbbs_unmark(struct nbbs_pool *pool, unsigned long n,
			unsigned int level, unsigned int top, s64 owned,
			unsigned int *freed, struct nbbs_ctx *ctx)
{
	atomic64_t *node = nbbs_node(pool, n);
	s64 empty = nbbs_next(owned, 0), seen;

	if (level < top)
		nbbs_announce(pool, n, ctx);
	ctx->atomics++;
	/*
	 * Fully ordered: the block's previous contents are released to the
	 * next owner, whose claim of this node is an acquiring CAS.  Exactly
	 * one of two racing frees of the same block gets past this CAS.
	 */
	for (seen = owned; !nbbs_cas64(node, &seen, empty); )
		if (seen != owned)
			return false;
	NBBS_HOOK("release_emptied");

	for (; level < top; level++, n >>= 1) {
		atomic64_t *parent = nbbs_node(pool, n >> 1);
		u32 part = nbbs_part(n), coal = nbbs_coal(n);
		/*
		 * Acquire: the check of the child below must not be satisfied
		 * by a value older than this one.  An allocation that took
		 * over the parent's mark had marked the child first; seeing
		 * the takeover here must imply seeing that mark there.
		 */
		s64 old = atomic64_read_acquire(parent), new;
		u32 st;

		for (;;) {
			/*
			 * An OCC parent is a rollback's blocker, or a block
			 * allocated since: it carries no marks of ours, and
			 * writing it would make its owner's free fail.
			 */
			if (nbbs_status(old) & NBBS_OCC)
				goto out;
			/*
			 * The child changed since we emptied it: an allocation
			 * entered it and owns the parent's mark now.  Relaxed
			 * is enough: a changed value can only come from a CAS
			 * after ours, and a stale read merely makes us retry.
			 */
			if (atomic64_read(node) != empty)
				goto out;
			st = nbbs_status(old) & ~(part | coal);
			if (!st && level + 1 < top)
				nbbs_announce(pool, n >> 1, ctx);
			ctx->atomics++;
			/*
			 * Fully ordered, and it succeeds only if the parent is
			 * unchanged since @old was read: an allocation entering
			 * the child after the check above has seen our
			 * announcement and rewritten the parent.
			 */
			new = nbbs_next(old, st);
			NBBS_HOOK("release_parent_cas");
			if (nbbs_cas64(parent, &old, new))
				break;
			ctx->conflicts++;
			/* A failed CAS reads relaxed: re-read with acquire. */
			old = atomic64_read_acquire(parent);
		}
		if (st)
			goto out;	/* the buddy's side is still in use */
		node = parent;
		empty = new;
	}
out:
	*freed = level;
	return true;
}

/*
 * Completed releases on all CPUs; a change means the tree may have gained
 * space.  A block parked in a hot pool counts as a release for every order:
 * it helps an allocation of a higher order by coalescing once its buddy is
 * free or parked, and the drain of a failing allocation then gives both
 * back, but only if the count made that allocation scan and drain again.
 */
static unsigned long nbbs_releases(const struct nbbs_pool *pool)
{
	unsigned long sum = 0;
	int cpu;

	/* Our tree reads so far come before the counts: see the caller. */
	smp_rmb();
	for_each_possible_cpu(cpu) {
		const struct nbbs_pcpu *pc = per_cpu_ptr(pool->pcpu, cpu);

		sum += READ_ONCE(pc->releases);
	}
	/*
	 * Pairs with the smp_wmb() in nbbs_free(): a count read here comes
	 * with the tree updates of that release for the reads that follow.
	 */
	smp_rmb();
	return sum;
}

/*
 * nbbs_publish - make space freed at smallest block @leaf, the largest free
 * block being of order @freed, visible to scans: raise the chunk summary,
 * then count a release for the no-false-NULL bracket (nbbs_releases()).
 * Called after a release and after a rollback, which may free space too.
 */
static void nbbs_publish(struct nbbs_pool *pool, unsigned long leaf,
			 unsigned int freed, struct nbbs_ctx *ctx)
{
	nbbs_summary_note(pool, leaf, freed, ctx);
	/*
	 * The tree and summary updates above are ordered before the count,
	 * so a scan that reads the new count and then rescans sees them;
	 * pairs with the smp_rmb() in nbbs_releases().
	 */
	smp_wmb();
	this_cpu_inc(pool->pcpu->releases);
}

/*
 * nbbs_covered - find the live block that covers free node @n, by reading.
 *
 * Walks up from @n past the ancestors whose status is 0 (their whole subtree
 * is free, so they say nothing) to the first one that is not: if it is OCC,
 * @n lies inside a live block and claiming it would only be rolled back.
 * Returns that ancestor, or 0 when @n looks allocatable.  Reads only: the
 * climb after a claim decides for good.
 */
static unsigned long nbbs_covered(const struct nbbs_pool *pool, unsigned long n,
				  unsigned int level)
{
	for (; level < pool->max_order; level++) {
		u32 st;

		n >>= 1;
		st = nbbs_status(atomic64_read(nbbs_node(pool, n)));
		if (st)
			return st & NBBS_OCC ? n : 0;
	}
	return 0;
}

/* Heap index of a node from its level and index in the level, and back. */
static inline unsigned long nbbs_heap(const struct nbbs_pool *pool,
				      unsigned int level, unsigned long idx)
{
	return nbbs_level_first(pool, level) + idx;
}

static inline void nbbs_unheap(const struct nbbs_pool *pool, unsigned long n,
			       unsigned int *level, unsigned long *idx)
{
	*level = pool->depth - ilog2(n);
	*idx = n - nbbs_level_first(pool, *level);
}

/*
 * nbbs_tree_try - claim free node (@level, @idx) and mark its ancestors.
 * The contract is the layouts' "try" in nbbs_internal.h.
 */
static int nbbs_tree_try(struct nbbs_pool *pool, unsigned int level,
			 unsigned long idx, unsigned int *blevel,
			 unsigned long *bidx, struct nbbs_ctx *ctx)
{
	unsigned long n = nbbs_heap(pool, level, idx);
	atomic64_t *node = nbbs_node(pool, n);
	s64 old = atomic64_read(node);
	unsigned long blocker;
	s64 claimed, seen;

	if (nbbs_status(old))
		return -EBUSY;
	blocker = nbbs_covered(pool, n, level);
	if (blocker)
		goto covered;
	claimed = nbbs_next(old, NBBS_OCC);
	ctx->atomics++;
	/* Fully ordered: acquires the block from its last owner's release. */
	for (seen = old; !nbbs_cas64(node, &seen, claimed); ) {
		if (seen != old) {
			ctx->conflicts++;
			return -EBUSY;
		}
	}
	NBBS_HOOK("claim_climb");
	blocker = nbbs_climb(pool, n, level, ctx);
	if (!blocker)
		return 0;
	NBBS_HOOK("claim_rollback");
	ctx->rollbacks++;
	/*
	 * Give the node back as a release would, up to the roots, not only up
	 * to the blocker: the blocker may be freed meanwhile and a release
	 * below it may then have left clearing its marks to us, because it
	 * saw our temporary marks (found by the SPIN model, verify/).  The
	 * walk stops at the blocker while it is still OCC.  Having gone past
	 * a freed blocker it may leave larger blocks free: the scan publishes
	 * it like a release (nbbs_publish()).
	 */
	nbbs_unmark(pool, n, level, pool->max_order, claimed,
		    &ctx->rollback_freed, ctx);
	ctx->rolled_back = true;
covered:
	nbbs_unheap(pool, blocker, blevel, bidx);
	return -EAGAIN;
}

/*
 * The live block that starts at @leaf, by reading: its order in *@level
 * and its node's word, as seen, in *@word.
 */
static enum nbbs_free_result nbbs_tree_search(const struct nbbs_pool *pool,
					      unsigned long leaf,
					      unsigned int *level, s64 *word)
{
	unsigned int lvl;

	/*
	 * Walk down from the root: the first OCC node on the way is the block
	 * that covers @leaf (OCC nodes below it are claims about to be rolled
	 * back).  A live block has PART marks on all its ancestors, so a
	 * missing mark ends the search early.
	 */
	for (lvl = pool->max_order; ; lvl--) {
		*word = atomic64_read(nbbs_node(pool, nbbs_heap(pool, lvl, leaf >> lvl)));
		if (nbbs_status(*word) & NBBS_OCC)
			break;
		if (!lvl || !(nbbs_status(*word) & nbbs_part(leaf >> (lvl - 1))))
			return NBBS_FREE_NOT_LIVE;
	}
	if (leaf & ((1UL << lvl) - 1))
		return NBBS_FREE_INTERIOR;
	*level = lvl;
	return NBBS_FREED;
}

/* The layouts' "find". */
static enum nbbs_free_result nbbs_tree_find(const struct nbbs_pool *pool,
					    unsigned long leaf,
					    unsigned int *level)
{
	s64 word;

	return nbbs_tree_search(pool, leaf, level, &word);
}

/* Release the live block starting at @leaf: the layouts' "free". */
static enum nbbs_free_result nbbs_tree_free(struct nbbs_pool *pool,
					    unsigned long leaf,
					    unsigned int *level,
					    unsigned int *freed,
					    struct nbbs_ctx *ctx)
{
	enum nbbs_free_result res;
	s64 word;

	res = nbbs_tree_search(pool, leaf, level, &word);
	if (res != NBBS_FREED)
		return res;
	/* The CAS on the word as seen fails if the block changed hands since. */
	if (!nbbs_unmark(pool, nbbs_heap(pool, *level, leaf >> *level), *level,
			 pool->max_order, word, freed, ctx))
		return NBBS_FREE_RACED;
	return NBBS_FREED;
}

static enum nbbs_node_state nbbs_tree_state(const struct nbbs_pool *pool,
					    unsigned int level, unsigned long idx)
{
	u32 st = nbbs_status(atomic64_read(nbbs_node(pool, nbbs_heap(pool, level, idx))));

	if (st & NBBS_OCC)
		return NBBS_NODE_LIVE;
	return st ? NBBS_NODE_PARTIAL : NBBS_NODE_FREE;
}

static inline int nbbs_try(struct nbbs_pool *pool, unsigned int level,
			   unsigned long idx, unsigned int *blevel,
			   unsigned long *bidx, struct nbbs_ctx *ctx)
{
	if (NBBS_HAVE_PACKED && pool->layout == NBBS_LAYOUT_PACKED)
		return nbbs_packed_try(pool, level, idx, blevel, bidx, ctx);
	return nbbs_tree_try(pool, level, idx, blevel, bidx, ctx);
}

static inline enum nbbs_node_state nbbs_state(const struct nbbs_pool *pool,
					      unsigned int level, unsigned long idx)
{
	if (NBBS_HAVE_PACKED && pool->layout == NBBS_LAYOUT_PACKED)
		return nbbs_packed_state(pool, level, idx);
	return nbbs_tree_state(pool, level, idx);
}

/*
 * nbbs_nmi_refused - a call from NMI context where nbbs is not safe there:
 * without NMI-safe cmpxchg (CONFIG_ARCH_HAVE_NMI_SAFE_CMPXCHG) an NMI that
 * interrupts a CAS on the same word may deadlock or corrupt it.  Warned
 * once, counted (nmi_refused), and the call changes nothing.
 */
static bool nbbs_nmi_refused(struct nbbs_pool *pool)
{
	if (likely(!in_nmi()) || nbbs_nmi_cmpxchg_safe())
		return false;
	this_cpu_inc(pool->pcpu->stats.nmi_refused);
	WARN_ONCE(1, "nbbs: called from NMI, where this architecture's cmpxchg is not safe\n");
	return true;
}

/*
 * May this call use the per-CPU slots of a hot pool?  Not from an NMI where
 * this_cpu operations are load/op/store sequences: the NMI could overwrite
 * a slot that the interrupted code is changing, and the block in it would
 * be lost.  Such calls go to the tree, as when the slots are full or empty.
 */
static inline bool nbbs_slots_usable(void)
{
	return likely(!in_nmi()) || nbbs_nmi_pcpu_safe();
}

static void nbbs_account(struct nbbs_pool *pool, const struct nbbs_ctx *ctx,
			 u64 __percpu *atomics)
{
	this_cpu_add(*atomics, ctx->atomics);
	if (ctx->conflicts)
		this_cpu_add(pool->pcpu->stats.cas_conflicts, ctx->conflicts);
	if (ctx->rollbacks)
		this_cpu_add(pool->pcpu->stats.rollbacks, ctx->rollbacks);
	if (ctx->skipped)
		this_cpu_add(pool->pcpu->stats.chunks_skipped, ctx->skipped);
	if (ctx->lowered)
		this_cpu_add(pool->pcpu->stats.chunks_lowered, ctx->lowered);
	if (ctx->reclaimed)
		this_cpu_add(pool->pcpu->stats.hot_reclaims, ctx->reclaimed);
}

/*
 * Hot blocks (pools created with NBBS_POOL_HOT).
 *
 * A release of a block of order k < pool->hot_orders leaves the block OCC
 * in the tree and parks it in one of the releasing CPU's NBBS_HOT_SLOTS
 * slots hot[k][], kept as a stack; the CPU's next allocation of order k
 * takes the last one back.  The pair costs one atomic operation each way
 * instead of a claim, climb, announce and unmark, and the tree, untouched,
 * stays shared-clean in every CPU's cache.  With the slots full, the
 * release goes to the tree, guarded by the state bits like a reclaim.
 *
 * Who owns a parked block is decided by its two state bits in
 * pool->hot_state, never by the slots:
 *
 *   NONE     not held as this block: free in the tree, part of another
 *            block, or on its way back to the tree
 *   LIVE     handed out as this block
 *   CACHED   parked: OCC in the tree, free for whoever takes it
 *
 *   claim:    an allocation that gets exactly this block from the tree
 *             moves NONE -> LIVE before returning it.
 *   reuse:    CACHED -> LIVE, by a CPU whose slot names the block.
 *   release:  LIVE -> CACHED, then a free slot of this CPU; or, with none
 *             free, LIVE -> NONE, then the tree release.  A block found
 *             CACHED or NONE is not held by anyone: the release is
 *             refused as a double (or stray) free.
 *   reclaim:  CACHED -> NONE, then the tree release.
 *
 * So only a CPU that holds a block can park it or give it back, and
 * exactly once: a double free finds CACHED or NONE, or LIVE only once the
 * block was handed out again, and then frees the new owner's block, as
 * with any allocator.  The tree alone would not do: a free reads the tree
 * before it acts, and a claim that is about to be rolled back can make a
 * node look live for a moment, a block that was never handed out (found
 * by verify/hot.pml); only LIVE says that someone holds it.
 *
 * Slots are written only by their own CPU (this_cpu_cmpxchg() and
 * this_cpu_xchg(): no lock prefix, safe against interrupts); other CPUs
 * only read them, when a failing allocation or nbbs_pool_drain() reclaims
 * every parked block, and hot_mask tells them which slots to read.  A slot
 * and its bit are changed with preemption off, so on one CPU, and in an
 * order that an interrupt cannot defeat (nbbs_hot_take_slot(),
 * nbbs_hot_fill_slot()): a filled slot always has its bit set (found
 * missing by verify/hot.pml when a migration or an interrupt fell between
 * the two).  hot_top is only a hint: parking and reuse look past it.
 * A slot may also go stale:
 * its block was reclaimed, and maybe allocated and parked elsewhere since.
 * Taking it then fails, or succeeds on a block that is parked for this
 * order at this place, which is as good as any.
 *
 * No false NULL: parking counts as a release (pcpu->releases),
 * and a failing allocation reclaims the parked blocks that can help it
 * (nbbs_hot_helps()) before each comparison of the counters, so a block
 * parked during its pass makes it scan again (see nbbs_releases()).
 */
#define NBBS_HOT_NONE		0UL
#define NBBS_HOT_CACHED		1UL
#define NBBS_HOT_LIVE		3UL

static unsigned long nbbs_hot_state(const struct nbbs_pool *pool,
				    unsigned int order, unsigned long leaf)
{
	unsigned long bit = pool->hot_first[order] + 2 * (leaf >> order);

	return ((unsigned long)atomic_long_read(&pool->hot_state[bit / BITS_PER_LONG]) >>
		(bit % BITS_PER_LONG)) & 3;
}

/*
 * nbbs_hot_swap - move the block of @order at smallest block @leaf from
 * state @from to state @to.  Returns the state it found: @from if it moved
 * the block, another (and nothing changed) if the block was not in @from.
 * Bits of other blocks in the same word may change meanwhile: retried.
 */
static unsigned long nbbs_hot_swap(struct nbbs_pool *pool, unsigned int order,
				   unsigned long leaf, unsigned long from,
				   unsigned long to, struct nbbs_ctx *ctx)
{
	unsigned long bit = pool->hot_first[order] + 2 * (leaf >> order);
	atomic_long_t *word = &pool->hot_state[bit / BITS_PER_LONG];
	unsigned int shift = bit % BITS_PER_LONG;
	long old = atomic_long_read(word);

	for (;;) {
		unsigned long v = (unsigned long)old;

		if (((v >> shift) & 3) != from)
			return (v >> shift) & 3;
		v = (v & ~(3UL << shift)) | (to << shift);
		ctx->atomics++;
		/*
		 * Fully ordered: the state change hands the block over, from
		 * its releaser to whoever takes it next, as the tree's CAS do.
		 */
		if (nbbs_cas_long(word, &old, (long)v))
			return from;
		ctx->conflicts++;
	}
}

/*
 * nbbs_find_live - the live block that starts at smallest block @leaf, by
 * reading (the layouts' "find").  Returns NBBS_FREED with its order in
 * *@order, or why there is none.
 */
static enum nbbs_free_result nbbs_find_live(const struct nbbs_pool *pool,
					    unsigned long leaf,
					    unsigned int *order)
{
	if (NBBS_HAVE_PACKED && pool->layout == NBBS_LAYOUT_PACKED)
		return nbbs_packed_find(pool, leaf, order);
	return nbbs_tree_find(pool, leaf, order);
}

/* The layouts' "free": release the live block that starts at @leaf. */
static enum nbbs_free_result nbbs_layout_free(struct nbbs_pool *pool,
					      unsigned long leaf,
					      unsigned int *level,
					      unsigned int *freed,
					      struct nbbs_ctx *ctx)
{
	if (NBBS_HAVE_PACKED && pool->layout == NBBS_LAYOUT_PACKED)
		return nbbs_packed_free(pool, leaf, level, freed, ctx);
	return nbbs_tree_free(pool, leaf, level, freed, ctx);
}

/*
 * nbbs_commit - the tree just gave out block @idx of @order, its climb
 * done: it is held now, so that its holder, and only it, may free it.
 * Orders that a hot pool caches move NONE -> LIVE; the others set the
 * block's bit in pool->committed.  Until then the node's OCC is only a
 * claim, which may still be rolled back: a free that meets it is refused.
 */
static void nbbs_commit(struct nbbs_pool *pool, unsigned int order,
			unsigned long idx, struct nbbs_ctx *ctx)
{
	NBBS_HOOK("commit");
	if (order < pool->hot_orders) {
		WARN_ON_ONCE(nbbs_hot_swap(pool, order, idx << order, NBBS_HOT_NONE,
					   NBBS_HOT_LIVE, ctx) != NBBS_HOT_NONE);
		return;
	}
	ctx->atomics++;
	/* Unordered: the block reaches its holder through our return. */
	set_bit(idx << order, pool->committed);
}

/*
 * nbbs_hot_to_tree - release in the tree the block of @order at @leaf,
 * which the caller moved from CACHED or LIVE to NONE: no one else can
 * release it now.
 */
static void nbbs_hot_to_tree(struct nbbs_pool *pool, unsigned int order,
			     unsigned long leaf, struct nbbs_ctx *ctx)
{
	unsigned int level, freed = 0;

	if (WARN_ON_ONCE(nbbs_layout_free(pool, leaf, &level, &freed, ctx) !=
			 NBBS_FREED || level != order))
		return;
	nbbs_publish(pool, leaf, freed, ctx);
}

/*
 * nbbs_hot_reclaim - give the parked block of @order at @leaf back to the
 * tree, if it still is parked.  Returns true if it did.
 */
static bool nbbs_hot_reclaim(struct nbbs_pool *pool, unsigned int order,
			     unsigned long leaf, struct nbbs_ctx *ctx)
{
	if (nbbs_hot_swap(pool, order, leaf, NBBS_HOT_CACHED, NBBS_HOT_NONE,
			  ctx) != NBBS_HOT_CACHED)
		return false;
	nbbs_hot_to_tree(pool, order, leaf, ctx);
	ctx->reclaimed++;
	return true;
}

/*
 * Would giving the block of @order parked at @leaf back to the tree help an
 * allocation of order @want?  If it is that large, yes; if not, only when
 * its buddy is free or parked too, so that it coalesces.  A parked block
 * whose buddy is live would go back to the tree for nothing and be claimed
 * again right after: at high occupancy, where most requests of higher
 * orders fail, every failing request would churn all the parked blocks.
 */
static bool nbbs_hot_helps(const struct nbbs_pool *pool, unsigned int order,
			   unsigned long leaf, unsigned int want)
{
	unsigned long buddy = (leaf >> order) ^ 1;

	if (order >= want)
		return true;
	switch (nbbs_state(pool, order, buddy)) {
	case NBBS_NODE_FREE:
		return true;
	case NBBS_NODE_LIVE:
		return nbbs_hot_state(pool, order, buddy << order) == NBBS_HOT_CACHED;
	default:
		return false;
	}
}

/*
 * Reclaim the blocks parked on every CPU that can help an allocation of
 * order @want (0: all of them); returns how many.
 */
static unsigned long nbbs_hot_drain_cpu(struct nbbs_pool *pool, int cpu,
					unsigned int want, struct nbbs_ctx *ctx)
{
	struct nbbs_pcpu *pc = per_cpu_ptr(pool->pcpu, cpu);
	unsigned long n = 0, v;
	unsigned int k, i;

	for (k = 0; k < pool->hot_orders; k++) {
		/*
		 * Only the slots whose bit is set: the owner sets it before it
		 * fills the slot, and clears it only when it takes the slot's
		 * block itself.  One read skips a CPU that keeps nothing of
		 * this order.
		 */
		unsigned int mask = READ_ONCE(pc->hot_mask[k]);

		for (; mask; mask &= mask - 1) {
			i = __ffs(mask);
			/* Racy by design: the state bits decide. */
			v = READ_ONCE(pc->hot[k][i]);
			if (!v || !nbbs_hot_helps(pool, k, v - 1, want))
				continue;
			/*
			 * A reclaim is a release: one call's stall long at most,
			 * as in nbbs_free(), also from nbbs_pool_drain() and
			 * the CPU hotplug callback, which are preemptible.
			 */
			preempt_disable();
			if (nbbs_hot_reclaim(pool, k, v - 1, ctx))
				n++;
			preempt_enable();
		}
	}
	return n;
}

static unsigned long nbbs_hot_drain(struct nbbs_pool *pool, unsigned int want,
				    struct nbbs_ctx *ctx)
{
	unsigned long n = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		n += nbbs_hot_drain_cpu(pool, cpu, want, ctx);
	return n;
}

/*
 * nbbs_hot_take_slot - empty the highest filled slot of @order below @i on
 * this CPU; returns its value (0: none) and its index in *@i.  The slot
 * and its mask bit change on one CPU (preemption is off for these few
 * instructions, nothing waits); an interrupt that parks a block in the
 * slot meanwhile is seen by the re-read, which sets the bit again.
 */
static unsigned long nbbs_hot_take_slot(struct nbbs_pool *pool, unsigned int order,
					unsigned int *i)
{
	unsigned long v = 0;

	preempt_disable();
	while (!v && (*i)--) {
		/*
		 * The bit before the slot: between the two, the slot's block
		 * is the one this take gets.  The other way round, an
		 * interrupt could park a block in the emptied slot whose bit
		 * the and then cleared, hiding it from drains until the
		 * re-read (found by verify/hot.pml).
		 */
		this_cpu_and(pool->pcpu->hot_mask[order], ~(1U << *i));
		v = this_cpu_xchg(pool->pcpu->hot[order][*i], 0);
		if (this_cpu_read(pool->pcpu->hot[order][*i]))
			this_cpu_or(pool->pcpu->hot_mask[order], 1U << *i);
	}
	if (v)
		this_cpu_write(pool->pcpu->hot_top[order], *i);
	preempt_enable();
	return v;
}

/* Take a block parked on this CPU for @order; returns its leaf + 1, or 0. */
static unsigned long nbbs_hot_pop(struct nbbs_pool *pool, unsigned int order,
				  struct nbbs_ctx *ctx)
{
	unsigned int i = min_t(unsigned int, this_cpu_read(pool->pcpu->hot_top[order]),
			       NBBS_HOT_SLOTS);
	unsigned long v;

	/* The block is ours once taken from the slot: no drain needs it. */
	while ((v = nbbs_hot_take_slot(pool, order, &i))) {
		if (nbbs_hot_swap(pool, order, v - 1, NBBS_HOT_CACHED, NBBS_HOT_LIVE,
				  ctx) == NBBS_HOT_CACHED)
			return v;
		/* Stale: reclaimed meanwhile.  Try the next one down. */
	}
	return 0;
}

/*
 * nbbs_hot_fill_slot - put @v in a free slot of @order on this CPU, from
 * slot @i up; false if none is free.  As in nbbs_hot_take_slot(): one CPU,
 * and the bit is set before the slot is filled (for drains) and again
 * after (an interrupt that emptied the slot in between cleared it).
 */
static bool nbbs_hot_fill_slot(struct nbbs_pool *pool, unsigned int order,
			       unsigned int i, unsigned long v)
{
	bool filled = false;

	preempt_disable();
	for (; !filled && i < NBBS_HOT_SLOTS; i++) {
		this_cpu_or(pool->pcpu->hot_mask[order], 1U << i);
		if (this_cpu_cmpxchg(pool->pcpu->hot[order][i], 0, v))
			continue;	/* taken: its bit is right as it is */
		this_cpu_or(pool->pcpu->hot_mask[order], 1U << i);
		this_cpu_write(pool->pcpu->hot_top[order], i + 1);
		filled = true;
	}
	preempt_enable();
	return filled;
}

/*
 * nbbs_hot_release - release the live block of @order at @leaf in a hot
 * pool: park it on this CPU (*@parked) if @slots allows, or, with no slot
 * free, release it in the tree.
 */
static enum nbbs_free_result nbbs_hot_release(struct nbbs_pool *pool,
					      unsigned int order, unsigned long leaf,
					      bool slots, bool *parked,
					      struct nbbs_ctx *ctx)
{
	unsigned int i = slots ? this_cpu_read(pool->pcpu->hot_top[order]) : NBBS_HOT_SLOTS;
	unsigned long to = i < NBBS_HOT_SLOTS ? NBBS_HOT_CACHED : NBBS_HOT_NONE;

	switch (nbbs_hot_swap(pool, order, leaf, NBBS_HOT_LIVE, to, ctx)) {
	case NBBS_HOT_LIVE:
		break;
	case NBBS_HOT_CACHED:
		return NBBS_FREE_CACHED;	/* parked: freed before */
	default:
		return NBBS_FREE_NOT_LIVE;	/* held by no one */
	}
	if (to == NBBS_HOT_CACHED && nbbs_hot_fill_slot(pool, order, i, leaf + 1)) {
		/*
		 * Count the parking as a release (for every order), after the
		 * slot: pairs with the smp_rmb() in nbbs_releases(), so a
		 * failing allocation that sees the count and then drains finds
		 * the block.
		 */
		smp_wmb();
		this_cpu_inc(pool->pcpu->releases);
		*parked = true;
		return NBBS_FREED;
	}
	/*
	 * No free slot.  If we marked the block CACHED, a stale slot elsewhere
	 * may have taken it already: then it was as good as parked.
	 */
	if (to == NBBS_HOT_CACHED &&
	    nbbs_hot_swap(pool, order, leaf, NBBS_HOT_CACHED, NBBS_HOT_NONE,
			  ctx) != NBBS_HOT_CACHED) {
		*parked = true;
		return NBBS_FREED;
	}
	nbbs_hot_to_tree(pool, order, leaf, ctx);
	return NBBS_FREED;
}

/**
 * nbbs_pool_drain() - give the blocks that CPUs keep for reuse back to the tree
 * @pool: the pool; nothing happens unless it was created with NBBS_POOL_HOT
 *
 * Afterwards nbbs_pool_free_blocks() shows the coalesced free space, unless
 * blocks are released meanwhile.  nbbs_alloc() drains by itself before it
 * returns NULL.
 *
 * Context: Any context, as nbbs_free(); lock-free.
 *
 * Return: the number of blocks given back.
 */
unsigned long nbbs_pool_drain(struct nbbs_pool *pool)
{
	struct nbbs_ctx ctx = { 0 };
	unsigned long n;

	if (!pool || !pool->hot_orders || nbbs_nmi_refused(pool))
		return 0;
	n = nbbs_hot_drain(pool, 0, &ctx);
	nbbs_account(pool, &ctx, &pool->pcpu->stats.free_atomics);
	return n;
}
EXPORT_SYMBOL_GPL(nbbs_pool_drain);

/*
 * CPU hotplug: the blocks that a CPU going offline had parked go back to
 * the tree, as the page allocator drains its per-CPU lists, and its slots
 * are emptied (nobody else writes them; the state bits decide, as always,
 * against a drain reading them at the same time).
 */
static enum cpuhp_state nbbs_cpuhp_state;

static int nbbs_cpu_dead(unsigned int cpu, struct hlist_node *node)
{
	struct nbbs_pool *pool = hlist_entry(node, struct nbbs_pool, cpuhp_node);
	struct nbbs_pcpu *pc = per_cpu_ptr(pool->pcpu, cpu);
	struct nbbs_ctx ctx = { 0 };
	unsigned int k, i;

	nbbs_hot_drain_cpu(pool, cpu, 0, &ctx);
	for (k = 0; k < pool->hot_orders; k++) {
		for (i = 0; i < NBBS_HOT_SLOTS; i++)
			WRITE_ONCE(pc->hot[k][i], 0);
		WRITE_ONCE(pc->hot_mask[k], 0);
		pc->hot_top[k] = 0;
	}
	nbbs_account(pool, &ctx, &pool->pcpu->stats.free_atomics);
	return 0;
}

/**
 * nbbs_core_init() - set up what all pools share: the CPU hotplug callback
 *
 * Called once by nbbs.ko before it builds its pool.
 *
 * Context: Process context.
 *
 * Return: 0 or a negative errno from cpuhp_setup_state_multi().
 */
int nbbs_core_init(void)
{
	int ret = cpuhp_setup_state_multi(CPUHP_BP_PREPARE_DYN, "nbbs:dead",
					  NULL, nbbs_cpu_dead);

	if (ret < 0)
		return ret;
	nbbs_cpuhp_state = ret;
	return 0;
}

/**
 * nbbs_core_exit() - undo nbbs_core_init(), after the last pool is gone
 *
 * Context: Process context.
 */
void nbbs_core_exit(void)
{
	if (nbbs_cpuhp_state > 0)
		cpuhp_remove_multi_state(nbbs_cpuhp_state);
	nbbs_cpuhp_state = 0;
}

/*
 * nbbs_busy_run - how many candidates of @level from @idx on, at most
 * @max, a read shows in use (or inside a block in use, as far as the same
 * word tells): a scan passes over them without trying each.
 */
static unsigned long nbbs_busy_run(const struct nbbs_pool *pool,
				   unsigned int level, unsigned long idx,
				   unsigned long max)
{
	unsigned long n = 0;

	if (NBBS_HAVE_PACKED && pool->layout == NBBS_LAYOUT_PACKED)
		return nbbs_packed_busy_run(pool, level, idx, max);
	while (n < max &&
	       nbbs_status(atomic64_read(nbbs_node(pool, nbbs_heap(pool, level, idx + n)))))
		n++;
	return n;
}

/*
 * nbbs_try_hint - try the block that the last release which raised
 * @chunk's bound left free there, if it is at least of @level.
 */
static bool nbbs_try_hint(struct nbbs_pool *pool, unsigned int level,
			  unsigned long chunk, unsigned long *found,
			  struct nbbs_ctx *ctx)
{
	s64 hint = atomic64_read(&nbbs_summary(pool, chunk)[1]);
	unsigned long idx, bidx;
	unsigned int blevel;

	if (hint <= 0)
		return false;
	idx = ((chunk << pool->chunk_shift) + (unsigned long)(hint - 1)) >> level;
	if (nbbs_try(pool, level, idx, &blevel, &bidx, ctx)) {
		if (ctx->rolled_back) {
			ctx->rolled_back = false;
			nbbs_publish(pool, idx << level, ctx->rollback_freed, ctx);
		}
		return false;
	}
	*found = idx;
	return true;
}

/*
 * nbbs_scan - one pass over @level from @start; returns true with the claimed
 * node's index in *@found.
 *
 * Visits the level's nodes in turn, skipping chunks whose summary says no
 * block of this order is free there and the subtree of any live block found
 * covering a candidate.  A chunk that keeps failing is armed, rescanned
 * from its first candidate, and ruled out for this order if it fails to
 * the end (see "Chunk summaries" above).  When @releases is not
 * NULL, the release counters are read into it once a few candidates have
 * failed, and the pass then goes on for a full turn of the level after that
 * read, so that a failing pass is bracketed by the read and the caller's
 * next one.  Candidates tried before the read are visited a second time.
 */
static bool nbbs_scan(struct nbbs_pool *pool, unsigned int level,
		      unsigned long start, unsigned long *releases,
		      unsigned long *found, struct nbbs_ctx *ctx)
{
	unsigned long count = pool->nr_leaves >> level;
	unsigned long probe = min(count / 2, (unsigned long)NBBS_SCAN_PROBE);
	unsigned int cshift = pool->chunk_shift - level;
	unsigned long cmask = (1UL << cshift) - 1;
	unsigned long arm_after = min(cmask + 1, (unsigned long)NBBS_SUM_ARM_AFTER);
	unsigned long i = 0, end = count, chunk = ULONG_MAX, fails = 0;
	bool armed = false;
	s64 sum = 0;

	for (;;) {
		unsigned long idx = (start + i) & (count - 1);
		unsigned long bidx, next;
		unsigned int blevel;
		int ret;

		/* Also when a skip jumped past the end before the probe point. */
		if (releases && (i >= probe || i >= end)) {
			*releases = nbbs_releases(pool);
			releases = NULL;
			end = i + count;
		}
		if (i >= end)
			return false;
		if (idx >> cshift != chunk) {
			chunk = idx >> cshift;
			armed = false;
			fails = 0;
			/*
			 * Acquire: a release that raised the bound had made its
			 * tree updates, and this chunk's node reads come after.
			 */
			sum = atomic64_read_acquire(nbbs_summary(pool, chunk));
			if (nbbs_sum_bound(sum) > level &&
			    nbbs_try_hint(pool, level, chunk, found, ctx))
				return true;
			if (nbbs_sum_bound(sum) <= level) {
				/*
				 * Skipping is what failing scans do: take the
				 * bracketing read now rather than a turn later.
				 */
				if (releases) {
					*releases = nbbs_releases(pool);
					releases = NULL;
					end = i + count;
				}
				ctx->skipped++;
				i += cmask + 1 - (idx & cmask);
				chunk = ULONG_MAX;
				continue;
			}
		}
		/*
		 * Candidates that a read shows in use are failures like the
		 * ones nbbs_try() reports: pass over a run of them at once,
		 * within this chunk and this turn, and count them.
		 */
		next = nbbs_busy_run(pool, level, idx,
				     min3(cmask + 1 - (idx & cmask), end - i, count - idx));
		if (next) {
			if (!armed && fails < arm_after && fails + next >= arm_after &&
			    (idx & cmask) <= i) {
				fails = arm_after;
				if (nbbs_summary_arm(pool, chunk, &sum, ctx)) {
					armed = true;
					i -= idx & cmask;
					continue;
				}
			} else {
				fails += next;
			}
			if (armed && !((start + i + next) & cmask)) {
				nbbs_summary_lower(pool, chunk, sum, level, ctx);
				armed = false;
			}
			i += next;
			continue;
		}
		ret = nbbs_try(pool, level, idx, &blevel, &bidx, ctx);
		if (ctx->rolled_back) {
			ctx->rolled_back = false;
			nbbs_publish(pool, idx << level, ctx->rollback_freed, ctx);
		}
		if (!ret) {
			*found = idx;
			return true;
		}
		if (ret == -EBUSY)
			next = i + 1;
		else	/* after the blocker's subtree, which ends at this level's index: */
			next = i + ((bidx + 1) << (blevel - level)) - idx;
		/*
		 * Many failures in this chunk: arm its summary and rescan it
		 * from its first candidate (if that lies in this pass), so
		 * that the chunk can be ruled out for this order if it fails.
		 */
		if (!armed && ++fails == arm_after && (idx & cmask) <= i &&
		    nbbs_summary_arm(pool, chunk, &sum, ctx)) {
			armed = true;
			i -= idx & cmask;
			continue;
		}
		/* Leaving a chunk scanned whole since the arming: rule it out. */
		if (armed && !((start + next) & cmask)) {
			nbbs_summary_lower(pool, chunk, sum, level, ctx);
			armed = false;
		}
		i = next;
	}
}

static void nbbs_warn_null_pool(const char *fn)
{
	atomic_long_inc(&nbbs_null_pool);
	WARN_ONCE(1, "nbbs: invalid pool NULL passed to %s\n", fn);
}

/* nbbs_alloc() with preemption off and the arguments checked. */
static void *nbbs_alloc_block(struct nbbs_pool *pool, unsigned int order)
{
	struct nbbs_ctx ctx = { 0 };
	unsigned long start, n = 0, seen = 0, now;
	unsigned int pass;
	bool ok;

	if (order < pool->hot_orders && nbbs_slots_usable()) {
		/* Take a block this CPU parked for the order, if any. */
		unsigned long slot = nbbs_hot_pop(pool, order, &ctx);

		if (slot) {
			nbbs_account(pool, &ctx, &pool->pcpu->stats.alloc_atomics);
			this_cpu_inc(pool->pcpu->stats.hot_allocs);
			this_cpu_inc(pool->pcpu->stats.alloc[order]);
			return (char *)pool->base + ((slot - 1) << pool->min_shift);
		}
	}

	/* A stale hint after migration is harmless: it is only a start. */
	start = this_cpu_read(pool->pcpu->hint) >> order;
	ok = nbbs_scan(pool, order, start, &seen, &n, &ctx);
	for (pass = 1; !ok; pass++) {
		unsigned long drained = 0;

		/* Parked blocks are not in the tree: give them back first. */
		if (pool->hot_orders)
			drained = nbbs_hot_drain(pool, order, &ctx);
		NBBS_HOOK("alloc_recount");
		/* A full turn failed with no release completing: none is free. */
		now = nbbs_releases(pool);
		if (now == seen)
			break;
		if (pass == NBBS_SCAN_PASSES) {
			this_cpu_inc(pool->pcpu->stats.scan_giveups);
			break;
		}
		/* Each reclaim of the drain counted as a release of ours. */
		if (now - drained != seen)
			this_cpu_inc(pool->pcpu->stats.scan_restarts);
		seen = now;
		ok = nbbs_scan(pool, order, start, NULL, &n, &ctx);
	}
	if (ok)
		nbbs_commit(pool, order, n, &ctx);
	nbbs_account(pool, &ctx, &pool->pcpu->stats.alloc_atomics);
	if (!ok) {
		this_cpu_inc(pool->pcpu->stats.alloc_fail[order]);
		return NULL;
	}
	this_cpu_write(pool->pcpu->hint, n << order);
	this_cpu_inc(pool->pcpu->stats.alloc[order]);
	return (char *)pool->base + (n << (order + pool->min_shift));
}

/**
 * nbbs_alloc() - allocate a block of 2^order smallest blocks
 * @pool: the pool to allocate from
 * @order: log2 of the number of smallest blocks wanted, 0 .. max_order
 *
 * The block is aligned to its size relative to the pool's base.
 *
 * Context: Any context: task, softirq, hardirq, and NMI where the
 * architecture has NMI-safe cmpxchg (elsewhere an NMI call is refused:
 * NULL, counted in nmi_refused).  Lock-free; disables preemption, not
 * interrupts, for the length of the call.
 *
 * Return: the block's first byte, or NULL when @pool is NULL, @order is out
 * of range, or no block of that order is free (see the file comment for the
 * exact promise).
 */
void *nbbs_alloc(struct nbbs_pool *pool, unsigned int order)
{
	void *block = NULL;

	if (unlikely(!pool)) {
		nbbs_warn_null_pool(__func__);
		return NULL;
	}
	preempt_disable();
	if (unlikely(order > pool->max_order))
		this_cpu_inc(pool->pcpu->stats.alloc_bad_order);
	else if (!nbbs_nmi_refused(pool))
		block = nbbs_alloc_block(pool, order);
	preempt_enable();
	return block;
}
EXPORT_SYMBOL_GPL(nbbs_alloc);

static const char * const nbbs_free_reasons[] = {
	[NBBS_FREE_OUTSIDE] = "outside the pool",
	[NBBS_FREE_MISALIGNED] = "misaligned",
	[NBBS_FREE_NOT_LIVE] = "not a live block",
	[NBBS_FREE_INTERIOR] = "inside a live block",
	[NBBS_FREE_RACED] = "freed concurrently",
	[NBBS_FREE_CACHED] = "freed already",
	[NBBS_FREE_UNCOMMITTED] = "not handed out (freed already, or still being allocated)",
};

static int nbbs_invalid_free(struct nbbs_pool *pool, void *addr,
			     enum nbbs_free_result why)
{
	this_cpu_inc(pool->pcpu->stats.invalid_free);
	if (!test_and_set_bit(0, &pool->warned))
		WARN(1, "nbbs: invalid free of %p: %s\n", addr, nbbs_free_reasons[why]);
	else
		pr_warn_ratelimited("invalid free of %p: %s\n", addr, nbbs_free_reasons[why]);
	return -EINVAL;
}

/*
 * nbbs_free_block - release the block that starts at smallest block @leaf,
 * with preemption off; its order in *@level.
 */
static enum nbbs_free_result nbbs_free_block(struct nbbs_pool *pool,
					     unsigned long leaf,
					     unsigned int *level,
					     struct nbbs_ctx *ctx)
{
	enum nbbs_free_result res;
	unsigned int freed = 0;
	bool parked = false;

	/*
	 * A committed block of an uncached order starts here: take its bit
	 * first.  Only a committed block may be freed, once; a claim whose
	 * climb is still running, or which is being rolled back, has no bit
	 * yet.  The bit then pins the block, so the find below reads its
	 * order: finding first could read the order of a block freed and
	 * replaced meanwhile (found by verify/packed.pml).  Fully ordered;
	 * pairs with the set_bit() of nbbs_commit() through the holder's
	 * hand-over of the block.  The plain read first spares hot pools an
	 * atomic on the frees of their cached orders, which have no bit.
	 */
	if (test_bit(leaf, pool->committed)) {
		ctx->atomics++;
		if (!test_and_clear_bit(leaf, pool->committed))
			return NBBS_FREE_UNCOMMITTED;	/* freed meanwhile */
		res = nbbs_layout_free(pool, leaf, level, &freed, ctx);
		/* The bit made us its only releaser: this cannot fail. */
		if (WARN_ON_ONCE(res != NBBS_FREED))
			return res;
		nbbs_publish(pool, leaf, freed, ctx);
		return NBBS_FREED;
	}
	res = nbbs_find_live(pool, leaf, level);
	if (res != NBBS_FREED)
		return res;
	if (*level >= pool->hot_orders)
		return NBBS_FREE_UNCOMMITTED;
	res = nbbs_hot_release(pool, *level, leaf, nbbs_slots_usable(), &parked, ctx);
	if (parked)
		this_cpu_inc(pool->pcpu->stats.hot_frees);
	return res;
}

/**
 * nbbs_free() - release a block returned by nbbs_alloc()
 * @pool: the pool the block came from
 * @addr: the block's first byte, or NULL
 *
 * The block's order is found in the tree.  A pointer that is not the start
 * of a block that nbbs_alloc() handed out and that is still live (a double
 * free, an interior, misaligned or foreign pointer, a block still being
 * allocated) changes nothing: it is counted in the pool's invalid_free
 * statistic and reported, with a backtrace the first time for each pool.
 *
 * Context: Any context, as nbbs_alloc() (an NMI call where cmpxchg is not
 * NMI-safe returns -EINVAL and is counted in nmi_refused).  Lock-free;
 * disables preemption, not interrupts, for the length of the call.
 *
 * Return: 0 on success or when @addr is NULL, -EINVAL for an invalid pointer,
 * a NULL @pool or a refused NMI call.
 */
int nbbs_free(struct nbbs_pool *pool, void *addr)
{
	struct nbbs_ctx ctx = { 0 };
	enum nbbs_free_result res;
	unsigned int level = 0;
	unsigned long off;

	if (!addr)
		return 0;
	if (unlikely(!pool)) {
		nbbs_warn_null_pool(__func__);
		return -EINVAL;
	}
	off = (unsigned long)addr - (unsigned long)pool->base;
	if ((unsigned long)addr < (unsigned long)pool->base || off >= pool->size)
		return nbbs_invalid_free(pool, addr, NBBS_FREE_OUTSIDE);
	if (off & ((1UL << pool->min_shift) - 1))
		return nbbs_invalid_free(pool, addr, NBBS_FREE_MISALIGNED);

	preempt_disable();
	if (nbbs_nmi_refused(pool)) {
		preempt_enable();
		return -EINVAL;
	}
	res = nbbs_free_block(pool, off >> pool->min_shift, &level, &ctx);
	nbbs_account(pool, &ctx, &pool->pcpu->stats.free_atomics);
	if (res == NBBS_FREED)
		this_cpu_inc(pool->pcpu->stats.free[level]);
	preempt_enable();
	if (res != NBBS_FREED)
		return nbbs_invalid_free(pool, addr, res);
	return 0;
}
EXPORT_SYMBOL_GPL(nbbs_free);

/**
 * nbbs_pool_create_flags() - build a pool over a range of memory
 * @base: first byte of the range; the caller keeps owning it
 * @size: bytes in the range: a power-of-two multiple of the smallest block
 * @min_shift: log2 of the smallest block in bytes, at least 3
 * @max_order: log2 of the largest block in smallest blocks, at most
 *             log2(@size) - @min_shift and NBBS_ORDER_LIMIT
 * @gfp: allocation flags for the pool's metadata
 * @flags: NBBS_POOL_TREE or NBBS_POOL_PACKED to choose the layout of the
 *         tree, neither for the default (NBBS_LAYOUT_DEFAULT); plus
 *         NBBS_POOL_HOT to let each CPU reuse the blocks it frees
 *
 * The whole range starts free.  nbbs never reads or writes the range itself.
 *
 * Context: Process context when @gfp may sleep, and always for a pool with
 * NBBS_POOL_HOT (it registers for CPU hotplug); otherwise any context but
 * NMI, with @gfp GFP_ATOMIC or GFP_NOWAIT.
 *
 * Return: the pool, ERR_PTR(-EINVAL) for bad arguments, ERR_PTR(-EOPNOTSUPP)
 * for the packed layout on a 32-bit kernel, or ERR_PTR(-ENOMEM).
 */
struct nbbs_pool *nbbs_pool_create_flags(void *base, size_t size,
					 unsigned int min_shift,
					 unsigned int max_order, gfp_t gfp,
					 unsigned int flags)
{
	struct nbbs_pool *pool;
	unsigned long nr_leaves;
	unsigned long step;
	unsigned int i;
	int cpu, err = -ENOMEM;

	if (!base || min_shift < NBBS_MIN_SHIFT_LIMIT || min_shift >= BITS_PER_LONG - 1)
		return ERR_PTR(-EINVAL);
	nr_leaves = size >> min_shift;
	if (!nr_leaves || size & ((1UL << min_shift) - 1) || !is_power_of_2(nr_leaves))
		return ERR_PTR(-EINVAL);
	/* Heap indexes of the leaves must fit in an unsigned long. */
	if (ilog2(nr_leaves) >= BITS_PER_LONG - 2)
		return ERR_PTR(-EINVAL);
	if (max_order > (unsigned int)ilog2(nr_leaves) || max_order > NBBS_ORDER_LIMIT)
		return ERR_PTR(-EINVAL);
	if ((unsigned long)base + size - 1 < (unsigned long)base)
		return ERR_PTR(-EINVAL);
	/* Blocks are aligned to their size from @base: at least it must be. */
	if ((unsigned long)base & ((1UL << min_shift) - 1))
		return ERR_PTR(-EINVAL);
	if (flags & ~(NBBS_POOL_TREE | NBBS_POOL_PACKED | NBBS_POOL_HOT) ||
	    (flags & NBBS_POOL_TREE && flags & NBBS_POOL_PACKED))
		return ERR_PTR(-EINVAL);
	if (flags & NBBS_POOL_PACKED && !NBBS_HAVE_PACKED)
		return ERR_PTR(-EOPNOTSUPP);

	pool = nbbs_meta_alloc(kzalloc(sizeof(*pool), gfp));
	if (!pool)
		return ERR_PTR(-ENOMEM);
	pool->base = base;
	pool->size = size;
	pool->min_shift = min_shift;
	pool->max_order = max_order;
	pool->depth = ilog2(nr_leaves);
	pool->nr_leaves = nr_leaves;
	if (flags & NBBS_POOL_TREE)
		pool->layout = NBBS_LAYOUT_TREE;
	else if (flags & NBBS_POOL_PACKED)
		pool->layout = NBBS_LAYOUT_PACKED;
	else
		pool->layout = NBBS_LAYOUT_DEFAULT;

	if (NBBS_HAVE_PACKED && pool->layout == NBBS_LAYOUT_PACKED) {
		err = nbbs_packed_init(pool, gfp);
		if (err)
			goto fail;
	} else {
		pool->first_node = nr_leaves >> max_order;
		pool->nr_nodes = 2 * nr_leaves - pool->first_node;
		pool->nodes = nbbs_meta_alloc(kvcalloc(pool->nr_nodes,
						       sizeof(*pool->nodes), gfp));
		if (!pool->nodes)
			goto fail;
	}
	err = -ENOMEM;
	pool->chunk_shift = max_t(unsigned int, max_order,
				  pool->depth - min_t(unsigned int, pool->depth,
							 ilog2(NBBS_MAX_CHUNKS)));
	pool->summary = nbbs_meta_alloc(kvcalloc((nr_leaves >> pool->chunk_shift) *
						 NBBS_SUM_STRIDE,
						 sizeof(*pool->summary), gfp));
	if (!pool->summary)
		goto fail;
	for (step = 0; step < nr_leaves >> pool->chunk_shift; step++)
		atomic64_set(nbbs_summary(pool, step), max_order + 1);
	if (flags & NBBS_POOL_HOT) {
		pool->hot_orders = min(max_order + 1, (unsigned int)NBBS_HOT_ORDERS);
		for (i = 0, step = 0; i < pool->hot_orders; i++) {
			pool->hot_first[i] = step;
			step += 2 * (nr_leaves >> i);
		}
		pool->hot_state = nbbs_meta_alloc(kvcalloc(BITS_TO_LONGS(step),
							   sizeof(*pool->hot_state),
							   gfp));
		if (!pool->hot_state)
			goto fail;
	}
	pool->committed = nbbs_meta_alloc(kvcalloc(BITS_TO_LONGS(nr_leaves),
						   sizeof(*pool->committed), gfp));
	if (!pool->committed)
		goto fail;
	pool->pcpu = nbbs_meta_alloc(alloc_percpu_gfp(struct nbbs_pcpu, gfp));
	if (!pool->pcpu)
		goto fail;

	if (pool->hot_orders && nbbs_cpuhp_state > 0) {
		err = cpuhp_state_add_instance_nocalls(nbbs_cpuhp_state,
						       &pool->cpuhp_node);
		if (err)
			goto fail;
		pool->cpuhp_added = true;
	}

	/* Spread the CPUs' scan starts over the arena so they collide less. */
	step = max(nr_leaves / num_possible_cpus(), 1UL);
	i = 0;
	for_each_possible_cpu(cpu)
		per_cpu_ptr(pool->pcpu, cpu)->hint = (step * i++) & (nr_leaves - 1);
	return pool;

fail:
	kvfree(pool->committed);
	kvfree(pool->hot_state);
	kvfree(pool->summary);
	if (NBBS_HAVE_PACKED)
		nbbs_packed_fini(pool);
	kvfree(pool->nodes);
	kfree(pool);
	return ERR_PTR(err);
}
EXPORT_SYMBOL_GPL(nbbs_pool_create_flags);

/**
 * nbbs_pool_create() - build a pool over a range of memory
 * @base: first byte of the range; the caller keeps owning it
 * @size: bytes in the range: a power-of-two multiple of the smallest block
 * @min_shift: log2 of the smallest block in bytes, at least 3
 * @max_order: log2 of the largest block in smallest blocks, at most
 *             log2(@size) - @min_shift and NBBS_ORDER_LIMIT
 * @gfp: allocation flags for the pool's metadata
 *
 * nbbs_pool_create_flags() with the default layout of the tree.
 *
 * Context: As nbbs_pool_create_flags().
 *
 * Return: the pool, ERR_PTR(-EINVAL) for bad arguments or ERR_PTR(-ENOMEM).
 */
struct nbbs_pool *nbbs_pool_create(void *base, size_t size, unsigned int min_shift,
				   unsigned int max_order, gfp_t gfp)
{
	return nbbs_pool_create_flags(base, size, min_shift, max_order, gfp, 0);
}
EXPORT_SYMBOL_GPL(nbbs_pool_create);

/**
 * nbbs_pool_layout() - the layout of a pool's tree
 * @pool: the pool
 *
 * Context: Any context.
 *
 * Return: NBBS_LAYOUT_TREE or NBBS_LAYOUT_PACKED.
 */
unsigned int nbbs_pool_layout(const struct nbbs_pool *pool)
{
	return pool->layout;
}
EXPORT_SYMBOL_GPL(nbbs_pool_layout);

/**
 * nbbs_layout_name() - name of a layout, as the module parameter spells it
 * @layout: NBBS_LAYOUT_TREE or NBBS_LAYOUT_PACKED
 *
 * Context: Any context.
 *
 * Return: "tree", "packed", or "?" for anything else.
 */
const char *nbbs_layout_name(unsigned int layout)
{
	switch (layout) {
	case NBBS_LAYOUT_TREE:
		return "tree";
	case NBBS_LAYOUT_PACKED:
		return "packed";
	default:
		return "?";
	}
}
EXPORT_SYMBOL_GPL(nbbs_layout_name);

/* Call @visit for every free subtree and every live block, top-down. */
static void nbbs_walk(const struct nbbs_pool *pool,
		      void (*visit)(const struct nbbs_pool *pool,
				    unsigned int level, unsigned long idx,
				    enum nbbs_node_state st, void *arg),
		      void *arg)
{
	unsigned long root, i;
	unsigned int level;

	for (root = 0; root < pool->nr_leaves >> pool->max_order; root++) {
		i = root;
		level = pool->max_order;
		for (;;) {
			enum nbbs_node_state st = nbbs_state(pool, level, i);

			if (st == NBBS_NODE_PARTIAL && level) {
				i <<= 1;
				level--;
				continue;
			}
			visit(pool, level, i, st, arg);
			while (level < pool->max_order && (i & 1)) {
				i >>= 1;
				level++;
			}
			if (level == pool->max_order)
				break;
			i++;
		}
	}
}

struct nbbs_walk_counts {
	unsigned long *maximal;
	unsigned int nr_orders;
	unsigned long live;
};

/* Is the live block (@level, @idx) parked on a CPU? */
static bool nbbs_hot_parked(const struct nbbs_pool *pool, unsigned int level,
			    unsigned long idx)
{
	return level < pool->hot_orders &&
	       nbbs_hot_state(pool, level, idx << level) == NBBS_HOT_CACHED;
}

static void nbbs_count(const struct nbbs_pool *pool, unsigned int level,
		       unsigned long idx, enum nbbs_node_state st, void *arg)
{
	struct nbbs_walk_counts *c = arg;

	/* A parked block is free for its CPU's next allocation. */
	if (st == NBBS_NODE_LIVE && nbbs_hot_parked(pool, level, idx))
		st = NBBS_NODE_FREE;
	if (st == NBBS_NODE_LIVE)
		c->live++;
	else if (st == NBBS_NODE_FREE && level < c->nr_orders)
		c->maximal[level]++;
}

/**
 * nbbs_pool_free_blocks() - count the free blocks of each order
 * @pool: the pool to inspect
 * @maximal: filled with, per order, the number of maximal free blocks: free
 *           blocks whose buddy is not free (the view of /proc/buddyinfo);
 *           in a hot pool, blocks parked on CPUs count as free blocks of
 *           their order (nbbs_pool_drain() first coalesces them)
 * @nr_orders: number of entries in @maximal
 *
 * Walks the tree without stopping other CPUs, so under concurrent use the
 * result is a blend of the states seen while walking.  The number of blocks
 * of order k that could be allocated is the sum over j >= k of
 * maximal[j] << (j - k).
 *
 * Context: Any context; it reads one word per free block or live block,
 * which for a large fragmented pool is long: not for hard interrupts.
 *
 * Return: the number of orders filled in (max_order + 1 at most), or
 * -EINVAL for a NULL pool or array.
 */
int nbbs_pool_free_blocks(const struct nbbs_pool *pool, unsigned long *maximal,
			  unsigned int nr_orders)
{
	struct nbbs_walk_counts c = { .maximal = maximal };
	unsigned int i;

	if (!pool || !maximal)
		return -EINVAL;
	c.nr_orders = min(nr_orders, pool->max_order + 1);
	for (i = 0; i < c.nr_orders; i++)
		maximal[i] = 0;
	nbbs_walk(pool, nbbs_count, &c);
	return c.nr_orders;
}
EXPORT_SYMBOL_GPL(nbbs_pool_free_blocks);

/**
 * nbbs_pool_live_blocks() - count the blocks currently allocated
 * @pool: the pool to inspect
 *
 * Walks the tree, like nbbs_pool_free_blocks().
 *
 * Context: As nbbs_pool_free_blocks().
 *
 * Return: the number of live blocks, 0 for a NULL pool.
 */
unsigned long nbbs_pool_live_blocks(const struct nbbs_pool *pool)
{
	struct nbbs_walk_counts c = { };

	if (!pool)
		return 0;
	nbbs_walk(pool, nbbs_count, &c);
	return c.live;
}
EXPORT_SYMBOL_GPL(nbbs_pool_live_blocks);

/**
 * nbbs_pool_destroy() - free a pool's metadata
 * @pool: the pool, or NULL or an error pointer (then nothing happens)
 *
 * The managed range stays the caller's.  Blocks still allocated are
 * reported; they must not be freed afterwards.
 *
 * Context: Process context for a pool with NBBS_POOL_HOT (it leaves the CPU
 * hotplug list); otherwise any context but NMI.  No call on @pool may be in
 * flight or follow.
 */
void nbbs_pool_destroy(struct nbbs_pool *pool)
{
	unsigned long live;

	if (IS_ERR_OR_NULL(pool))
		return;
	if (pool->cpuhp_added)
		cpuhp_state_remove_instance_nocalls(nbbs_cpuhp_state, &pool->cpuhp_node);
	nbbs_pool_drain(pool);
	live = nbbs_pool_live_blocks(pool);
	if (live)
		pr_warn("pool %p destroyed with %lu live blocks\n", pool, live);
	free_percpu(pool->pcpu);
	kvfree(pool->committed);
	kvfree(pool->hot_state);
	kvfree(pool->summary);
	if (NBBS_HAVE_PACKED)
		nbbs_packed_fini(pool);
	kvfree(pool->nodes);
	kfree(pool);
}
EXPORT_SYMBOL_GPL(nbbs_pool_destroy);

/**
 * nbbs_pool_info() - describe a pool's shape
 * @pool: the pool
 * @info: filled with the pool's base, size, smallest block and largest order;
 *        zeroed for a NULL pool
 *
 * Context: Any context.
 */
void nbbs_pool_info(const struct nbbs_pool *pool, struct nbbs_info *info)
{
	if (!info)
		return;
	if (!pool) {
		memset(info, 0, sizeof(*info));
		return;
	}
	info->base = pool->base;
	info->size = pool->size;
	info->min_shift = pool->min_shift;
	info->max_order = pool->max_order;
}
EXPORT_SYMBOL_GPL(nbbs_pool_info);

/**
 * nbbs_pool_stats() - sum a pool's per-CPU event counters
 * @pool: the pool
 * @stats: filled with the sums
 *
 * Counters of other CPUs are read while they may change; each is exact on
 * its own, the set is not a snapshot.
 *
 * Context: Any context.
 */
void nbbs_pool_stats(const struct nbbs_pool *pool, struct nbbs_stats *stats)
{
	const unsigned int nr = sizeof(*stats) / sizeof(u64);
	u64 *dst = (u64 *)stats;
	unsigned int i;
	int cpu;

	BUILD_BUG_ON(sizeof(*stats) % sizeof(u64));
	memset(stats, 0, sizeof(*stats));
	for_each_possible_cpu(cpu) {
		const u64 *src = (const u64 *)&per_cpu_ptr(pool->pcpu, cpu)->stats;

		for (i = 0; i < nr; i++)
			dst[i] += READ_ONCE(src[i]);
	}
}
EXPORT_SYMBOL_GPL(nbbs_pool_stats);

/**
 * nbbs_pool_metadata_bytes() - memory used to manage a pool
 * @pool: the pool
 *
 * Context: Any context.
 *
 * Return: bytes of the pool structure, its tree and its per-CPU data.
 */
size_t nbbs_pool_metadata_bytes(const struct nbbs_pool *pool)
{
	return sizeof(*pool) + pool->nr_nodes * sizeof(*pool->nodes) +
	       pool->nr_words * sizeof(*pool->words) +
	       (pool->nr_leaves >> pool->chunk_shift) * NBBS_SUM_STRIDE *
	       sizeof(*pool->summary) +
	       (pool->hot_orders ? BITS_TO_LONGS(pool->hot_first[pool->hot_orders - 1] +
						 2 * (pool->nr_leaves >>
						      (pool->hot_orders - 1))) *
		sizeof(*pool->hot_state) : 0) +
	       BITS_TO_LONGS(pool->nr_leaves) * sizeof(*pool->committed) +
	       num_possible_cpus() * sizeof(struct nbbs_pcpu);
}
EXPORT_SYMBOL_GPL(nbbs_pool_metadata_bytes);

/**
 * nbbs_null_pool_calls() - count of API calls that were passed a NULL pool
 *
 * Context: Any context.
 *
 * Return: how many nbbs_alloc() and nbbs_free() calls got a NULL pool since
 * the module was loaded.
 */
unsigned long nbbs_null_pool_calls(void)
{
	return atomic_long_read(&nbbs_null_pool);
}
EXPORT_SYMBOL_GPL(nbbs_null_pool_calls);
