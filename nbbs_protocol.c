// SPDX-License-Identifier: GPL-2.0
/*
 * The lock-free protocol of the nbbs buddy tree, written once for both
 * layouts: claim a free node, mark its ancestors (climb), roll a claim
 * back, release a block (announce, empty, unmark), and find a live block
 * by reading.  It sees the tree only through the encoding contract of
 * nbbs_internal.h: rows of words, each holding a subtree of one to three
 * levels (nbbs_tree.c, nbbs_packed.c).  The argument that the protocol is
 * right, and why each atomic's ordering suffices, is in
 * Documentation/nbbs.rst ("The protocol", "Memory ordering"); the
 * comments here name each atomic's partner.
 *
 * Inside a word nothing needs a partial mark: whether a local node's
 * subtree is in use is read off the OCC bits below it and the marks of the
 * bottom nodes below it, all in the same word, and one CAS changes them
 * together.  Between words:
 *
 * - An allocation claims its node with one CAS on its word, then climbs:
 *   in each word above it sets its side's PART bit on the bottom node over
 *   the word below, and clears that side's COAL bit.  Finding the PART bit
 *   already set and no COAL, it writes nothing.  Finding an OCC node above,
 *   it lies inside a live block: the claim is rolled back.
 * - A release empties the block's node.  Before it leaves a word with no
 *   status bit set it announces COAL for that word's side in the word
 *   above; after, it clears PART and COAL there, but only while the word it
 *   emptied still holds the value it wrote: otherwise an allocation entered
 *   it and owns the mark.  The walk stops at a word that keeps other bits.
 *
 * Every successful CAS increments the word's version, the bits above its
 * status, so that a CAS from a value read earlier fails if the word
 * changed meanwhile, even back to the same status ("Versions" in
 * nbbs_core.c gives the widths and why they do not wrap).
 */
#define pr_fmt(fmt) "nbbs: " fmt

#include <linux/atomic.h>
#include <linux/bitops.h>
#include <linux/errno.h>
#include <linux/log2.h>
#include <linux/minmax.h>
#include <linux/slab.h>

#include "nbbs_internal.h"

/*
 * Every function here takes the pool's encoding @e as its first argument
 * and is inlined into the entry points at the end of the file, which pass
 * it as a constant: the compiler then builds one copy of the protocol per
 * encoding from this one source, with the word's shape folded in (one
 * source, two instances, as mm/percpu.c includes percpu-vm.c or
 * percpu-km.c).  Read through a pointer, the shape cost the tree layout
 * half again as many instructions per call.
 */

/* Local nodes per word, and the first bottom node. */
static __always_inline unsigned int nbbs_nodes(const struct nbbs_encoding *e)
{
	return (1U << e->levels) - 1;
}

static __always_inline unsigned int nbbs_bottom(const struct nbbs_encoding *e)
{
	return 1U << (e->levels - 1);
}

/* Status bits of a word of @row: row 0 has no marks. */
static __always_inline u64 nbbs_status_mask(const struct nbbs_encoding *e,
					    unsigned int row)
{
	if (!row)
		return (1ULL << nbbs_nodes(e)) - 1;
	return (1ULL << (nbbs_nodes(e) + 4 * nbbs_bottom(e))) - 1;
}

static __always_inline u64 nbbs_status(const struct nbbs_encoding *e,
				       unsigned int row, s64 word)
{
	return (u64)word & nbbs_status_mask(e, row);
}

/*
 * The word that replaces @old in @row: @status with the next version, the
 * bits above the status being a counter that the +1 below increments.
 */
static __always_inline s64 nbbs_next(const struct nbbs_encoding *e,
				     unsigned int row, s64 old, u64 status)
{
	u64 mask = nbbs_status_mask(e, row);

	return (s64)((((u64)old | mask) + 1) | status);
}

static __always_inline u64 nbbs_occ(unsigned int b)
{
	return 1ULL << (b - 1);
}

/* The bits that say local node @b's subtree is in use, in @row. */
static __always_inline u64 nbbs_sub(const struct nbbs_encoding *e,
				    unsigned int row, unsigned int b)
{
	return e->sub[b] & nbbs_status_mask(e, row);
}

/* PART and COAL of bottom node @b for the word below it on @side (0 left). */
static __always_inline u64 nbbs_part(const struct nbbs_encoding *e,
				     unsigned int b, unsigned int side)
{
	return 1ULL << (nbbs_nodes(e) + 4 * (b - nbbs_bottom(e)) + side);
}

static __always_inline u64 nbbs_coal(const struct nbbs_encoding *e,
				     unsigned int b, unsigned int side)
{
	return nbbs_part(e, b, side) << 2;
}

static __always_inline atomic64_t *nbbs_word(const struct nbbs_pool *pool,
					     unsigned int row, unsigned long w)
{
	return &pool->words[pool->row_start[row] + w];
}

/* Where node (@level, @idx) lives: its row, word and local number. */
static __always_inline void nbbs_locate(const struct nbbs_encoding *e,
					unsigned int level, unsigned long idx,
					unsigned int *row, unsigned long *w,
					unsigned int *b)
{
	unsigned int r = e->levels - 1 - level % e->levels;	/* local depth */

	*row = level / e->levels;
	*w = idx >> r;
	*b = (1U << r) | (unsigned int)(idx & ((1UL << r) - 1));
}

/* The level of local node @b of a word of @row. */
static __always_inline unsigned int nbbs_level(const struct nbbs_encoding *e,
					       unsigned int row, unsigned int b)
{
	return e->levels * row + e->levels - 1 - ilog2(b);
}

/* The node (level, index) of local node @b of word @w in @row. */
static __always_inline void nbbs_name(const struct nbbs_encoding *e,
				      unsigned int row, unsigned long w,
				      unsigned int b, unsigned int *level,
				      unsigned long *idx)
{
	unsigned int r = ilog2(b);

	*level = nbbs_level(e, row, b);
	*idx = (w << r) | (b - (1UL << r));
}

/* The bottom node in row + 1 above word @w, and the side of @w under it. */
static __always_inline void nbbs_up(const struct nbbs_encoding *e, unsigned long w,
				    unsigned long *pw, unsigned int *pb,
				    unsigned int *side)
{
	*pw = w >> e->levels;
	*pb = nbbs_bottom(e) | (unsigned int)((w >> 1) & (nbbs_bottom(e) - 1));
	*side = w & 1;
}

/* The word above word @w of @row, and what in it stands for @w. */
struct nbbs_above {
	atomic64_t *word;
	unsigned long w;	/* its index in row + 1 */
	unsigned int b;		/* the bottom node over @w */
	u64 part, coal;		/* the marks of @w's side on it */
};

static __always_inline void nbbs_above(const struct nbbs_encoding *e,
				       const struct nbbs_pool *pool, unsigned int row,
				       unsigned long w, struct nbbs_above *a)
{
	unsigned int side;

	nbbs_up(e, w, &a->w, &a->b, &side);
	a->word = nbbs_word(pool, row + 1, a->w);
	a->part = nbbs_part(e, a->b, side);
	a->coal = nbbs_coal(e, a->b, side);
}

/* OCC of bottom node @pb and of its local ancestors: a live block above. */
static __always_inline u64 nbbs_occ_path(const struct nbbs_encoding *e,
					 unsigned int pb)
{
	return nbbs_occ(pb) | e->anc[pb];
}

/* The highest OCC local node in @mask, a blocker for the scan to skip. */
static __always_inline void nbbs_blocker(const struct nbbs_encoding *e,
					 unsigned int row, unsigned long w,
					 u64 mask, unsigned int *blevel,
					 unsigned long *bidx)
{
	nbbs_name(e, row, w, __ffs64(mask) + 1, blevel, bidx);
}

/*
 * nbbs_covered - read up from empty word @w of @row for a live block above
 * it.  Words entirely empty say nothing; the first word that is not tells
 * whether the chain above ours is occupied (then *@blevel, *@bidx name the
 * block) or merely in use.  Reads only: the climb decides for good.
 */
static __always_inline bool nbbs_covered(const struct nbbs_encoding *e,
					 const struct nbbs_pool *pool, unsigned int row,
					 unsigned long w, unsigned int *blevel,
					 unsigned long *bidx)
{
	for (; row + 1 < pool->rows; row++) {
		unsigned long pw;
		unsigned int pb, side;
		s64 v;
		u64 m;

		nbbs_up(e, w, &pw, &pb, &side);
		v = atomic64_read(nbbs_word(pool, row + 1, pw));
		m = (u64)v & nbbs_occ_path(e, pb);
		if (m) {
			nbbs_blocker(e, row + 1, pw, m, blevel, bidx);
			return true;
		}
		if (nbbs_status(e, row + 1, v))
			return false;
		w = pw;
	}
	return false;
}

/*
 * The level of the largest free local node that holds @b, in a word of
 * @row whose status is now @status; @floor if @b itself is in use.
 */
static __always_inline unsigned int nbbs_free_level(const struct nbbs_encoding *e,
						    const struct nbbs_pool *pool,
						    unsigned int row, u64 status,
						    unsigned int b, unsigned int floor)
{
	unsigned int top = 0;

	for (; b; b >>= 1) {
		if (status & nbbs_sub(e, row, b))
			break;
		top = b;
	}
	if (!top)
		return floor;
	return min(nbbs_level(e, row, top), pool->max_order);
}

/*
 * nbbs_announce - tell the word above that a release is about to leave
 * word @w of @row empty: set COAL for @w's side if its PART is set.  An
 * allocation that then enters @w rewrites the word above even though PART
 * is there already, which makes the release's pending CAS on it fail.
 */
static __always_inline void nbbs_announce(const struct nbbs_encoding *e,
					  struct nbbs_pool *pool, unsigned int row,
					  unsigned long w, struct nbbs_ctx *ctx)
{
	struct nbbs_above a;
	s64 old;

	nbbs_above(e, pool, row, w, &a);
	NBBS_HOOK("release_announce");
	old = atomic64_read(a.word);
	for (;;) {
		if (!((u64)old & a.part))
			return;	/* nothing marked: nothing to protect */
		ctx->atomics++;
		/* Fully ordered: before emptying @w, seen by a climb that reads it (MP). */
		if (nbbs_cas64(a.word, &old,
			       nbbs_next(e, row + 1, old,
					 nbbs_status(e, row + 1, old) | a.coal)))
			return;
		ctx->conflicts++;
	}
}

/*
 * nbbs_unmark - clear OCC of local node @b in word @w of @row, then the
 * marks above for as long as words become empty, up to row @top, stopping
 * below an OCC node (a rollback's blocker, or a block allocated since).
 *
 * Stores in *@freed the level of the largest free block it leaves behind.
 * Returns false, changing nothing but a harmless announcement, when @b is
 * not OCC (freed concurrently).
 */
static __always_inline bool nbbs_unmark(const struct nbbs_encoding *e,
					struct nbbs_pool *pool, unsigned int row,
					unsigned long w, unsigned int b,
					unsigned int top, unsigned int *freed,
					struct nbbs_ctx *ctx)
{
	atomic64_t *word = nbbs_word(pool, row, w);
	s64 old = atomic64_read(word), new;
	u64 st;

	for (;;) {
		if (!((u64)old & nbbs_occ(b)))
			return false;
		st = nbbs_status(e, row, old) & ~nbbs_occ(b);
		if (!st && row < top)
			nbbs_announce(e, pool, row, w, ctx);
		new = nbbs_next(e, row, old, st);
		ctx->atomics++;
		/*
		 * Fully ordered: releases the block to its next owner, whose
		 * claim is a fully ordered CAS (MP).  Other nodes of the word
		 * may change; only the loss of our OCC bit ends the release.
		 */
		if (nbbs_cas64(word, &old, new))
			break;
		ctx->conflicts++;
	}
	NBBS_HOOK("release_emptied");
	*freed = nbbs_free_level(e, pool, row, st, b, nbbs_level(e, row, b));

	while (!st && row < top) {
		struct nbbs_above a;
		s64 pold, pnew;

		nbbs_above(e, pool, row, w, &a);
		/* Acquire: the re-check of @word below reads no older value (MP with the climb). */
		pold = atomic64_read_acquire(a.word);
		for (;;) {
			/* An OCC chain above is a blocker or a new block: no mark of ours. */
			if ((u64)pold & nbbs_occ_path(e, a.b))
				return true;
			/* An allocation entered the word we emptied: it owns the mark. */
			if (atomic64_read(word) != new)
				return true;
			st = nbbs_status(e, row + 1, pold) & ~(a.part | a.coal);
			if (!st && row + 1 < top)
				nbbs_announce(e, pool, row + 1, a.w, ctx);
			pnew = nbbs_next(e, row + 1, pold, st);
			NBBS_HOOK("release_parent_cas");
			ctx->atomics++;
			/* Fully ordered; fails if an allocation wrote the word since @pold. */
			if (nbbs_cas64(a.word, &pold, pnew))
				break;
			ctx->conflicts++;
			pold = atomic64_read_acquire(a.word);
		}
		*freed = nbbs_free_level(e, pool, row + 1, st, a.b, *freed);
		row++;
		w = a.w;
		word = a.word;
		new = pnew;
	}
	return true;
}

/*
 * nbbs_climb - mark the words above freshly claimed word @w of @row.
 * Returns true when every word up to the top row carries our side's PART
 * bit, false with the first OCC node met in *@blevel, *@bidx.
 */
static __always_inline bool nbbs_climb(const struct nbbs_encoding *e,
				       struct nbbs_pool *pool, unsigned int row,
				       unsigned long w, unsigned int *blevel,
				       unsigned long *bidx, struct nbbs_ctx *ctx)
{
	for (; row + 1 < pool->rows; row++, w >>= e->levels) {
		struct nbbs_above a;
		s64 old;
		u64 m, st;

		nbbs_above(e, pool, row, w, &a);
		/*
		 * Acquire: finding our mark there and writing nothing, this is
		 * what orders our use of the block after its last owner's
		 * release, which wrote this word (MP).
		 */
		old = atomic64_read_acquire(a.word);
		for (;;) {
			m = (u64)old & nbbs_occ_path(e, a.b);
			if (m) {
				nbbs_blocker(e, row + 1, a.w, m, blevel, bidx);
				return false;
			}
			/* Already marked, no release announced: nothing to write. */
			if (((u64)old & (a.part | a.coal)) == a.part)
				break;
			ctx->atomics++;
			/*
			 * Fully ordered.  Taking over an announcement (clearing
			 * COAL) changes the word's version, so the announcing
			 * release's CAS on it fails (nbbs_unmark()).
			 */
			st = (nbbs_status(e, row + 1, old) | a.part) & ~a.coal;
			if (nbbs_cas64(a.word, &old, nbbs_next(e, row + 1, old, st)))
				break;
			ctx->conflicts++;
			/* A failed CAS reads relaxed: decide on an acquire read. */
			old = atomic64_read_acquire(a.word);
		}
	}
	return true;
}

static __always_inline int nbbs_claim_in(const struct nbbs_encoding *e,
					 struct nbbs_pool *pool, unsigned int level,
					 unsigned long idx, unsigned int *blevel,
					 unsigned long *bidx, struct nbbs_ctx *ctx)
{
	unsigned int row, b, crow;
	unsigned long w, cw;
	atomic64_t *word;
	bool checked = false;
	s64 old;

	nbbs_locate(e, level, idx, &row, &w, &b);
	crow = row;
	cw = w;
	word = nbbs_word(pool, row, w);
	old = atomic64_read(word);
	for (;;) {
		u64 m;

		if ((u64)old & nbbs_sub(e, row, b))
			return -EBUSY;
		m = (u64)old & e->anc[b];
		if (m) {
			nbbs_blocker(e, row, w, m, blevel, bidx);
			return -EAGAIN;
		}
		/* An empty word says nothing about the rows above: look. */
		if (!checked && !nbbs_status(e, row, old)) {
			if (nbbs_covered(e, pool, row, w, blevel, bidx))
				return -EAGAIN;
			checked = true;
		}
		ctx->atomics++;
		/* Fully ordered: acquires the block from its last owner's release (MP). */
		if (nbbs_cas64(word, &old,
			       nbbs_next(e, row, old,
					 nbbs_status(e, row, old) | nbbs_occ(b))))
			break;
		ctx->conflicts++;
	}
	NBBS_HOOK("claim_climb");
	if (nbbs_climb(e, pool, row, w, blevel, bidx, ctx))
		return 0;
	NBBS_HOOK("claim_rollback");
	ctx->rollbacks++;
	nbbs_unmark(e, pool, crow, cw, b, pool->rows - 1, &ctx->rollback_freed, ctx);
	ctx->rolled_back = true;
	return -EAGAIN;
}

static __always_inline enum nbbs_free_result
nbbs_find_in(const struct nbbs_encoding *e, const struct nbbs_pool *pool,
	     unsigned long leaf, unsigned int *level)
{
	unsigned int row = pool->rows - 1, b, lvl, L = e->levels;
	unsigned long w;
	u64 occ;
	s64 v;

	for (;; row--) {
		nbbs_locate(e, L * row, leaf >> (L * row), &row, &w, &b);
		v = atomic64_read(nbbs_word(pool, row, w));
		occ = (u64)v & nbbs_occ_path(e, b);
		if (occ)
			break;
		if (!row || !((u64)v & nbbs_part(e, b, (leaf >> (L * row - 1)) & 1)))
			return NBBS_FREE_NOT_LIVE;
	}
	/* Local node __ffs(occ) + 1 is the topmost OCC one. */
	lvl = nbbs_level(e, row, __ffs64(occ) + 1);
	if (leaf & ((1UL << lvl) - 1))
		return NBBS_FREE_INTERIOR;
	*level = lvl;
	return NBBS_FREED;
}

static __always_inline enum nbbs_free_result
nbbs_release_in(const struct nbbs_encoding *e, struct nbbs_pool *pool,
		unsigned long leaf, unsigned int level, unsigned int *freed,
		struct nbbs_ctx *ctx)
{
	unsigned int row, b;
	unsigned long w;

	nbbs_locate(e, level, leaf >> level, &row, &w, &b);
	if (!nbbs_unmark(e, pool, row, w, b, pool->rows - 1, freed, ctx))
		return NBBS_FREE_RACED;
	return NBBS_FREED;
}

static __always_inline unsigned long
nbbs_busy_run_in(const struct nbbs_encoding *e, const struct nbbs_pool *pool,
		 unsigned int level, unsigned long idx, unsigned long max)
{
	unsigned long n = 0, w;
	unsigned int row, b, last;
	u64 v;

	while (n < max) {
		/* One read for all the candidates of this word. */
		nbbs_locate(e, level, idx + n, &row, &w, &b);
		v = (u64)atomic64_read(nbbs_word(pool, row, w));
		for (last = 2 * rounddown_pow_of_two(b) - 1; b <= last; b++, n++) {
			if (n == max)
				return n;
			if (!(v & (nbbs_sub(e, row, b) | e->anc[b])))
				return n;
		}
	}
	return n;
}

static __always_inline enum nbbs_node_state
nbbs_node_state_in(const struct nbbs_encoding *e, const struct nbbs_pool *pool,
		   unsigned int level, unsigned long idx)
{
	unsigned int row, b;
	unsigned long w;
	u64 v;

	nbbs_locate(e, level, idx, &row, &w, &b);
	v = (u64)atomic64_read(nbbs_word(pool, row, w));
	if (v & nbbs_occ(b))
		return NBBS_NODE_LIVE;
	return v & nbbs_sub(e, row, b) ? NBBS_NODE_PARTIAL : NBBS_NODE_FREE;
}

/* The encodings, each a constant in this file for the instances below. */
#include "nbbs_tree.c"
#include "nbbs_packed.c"

/*
 * The one test that tells the encodings apart: each entry point below
 * calls the function above it for the pool's encoding, as a constant.
 */
static __always_inline bool nbbs_packed(const struct nbbs_pool *pool)
{
	return pool->enc == &nbbs_packed_encoding;
}

/**
 * nbbs_encoding_of - the encoding of a layout
 * @layout: NBBS_LAYOUT_TREE or NBBS_LAYOUT_PACKED
 *
 * Return: its encoding; the tree's for anything but NBBS_LAYOUT_PACKED.
 */
const struct nbbs_encoding *nbbs_encoding_of(unsigned int layout)
{
	return layout == NBBS_LAYOUT_PACKED ? &nbbs_packed_encoding : &nbbs_tree_encoding;
}

/**
 * nbbs_claim - claim free node (@level, @idx) and mark its ancestors
 * @pool: the pool
 * @level: the node's level, the order of the block
 * @idx: the node's index in its level
 * @blevel: set, with @bidx, to the live block that covers the node
 * @bidx: see @blevel
 * @ctx: the call's work
 *
 * A claim that meets an OCC node above it while climbing is rolled back,
 * as a release would give it back, up to the top row, not only up to the
 * blocker: the blocker may be freed meanwhile, and a release below it may
 * then have left clearing its marks to us because it saw our temporary
 * marks (found by the SPIN model, verify/).  The walk stops at the blocker
 * while it is still OCC.  Having gone past a freed blocker it may leave
 * larger blocks free: ctx->rolled_back and ctx->rollback_freed tell the
 * scan to publish it as a release (nbbs_publish()).
 *
 * Return: 0; -EBUSY if the node is not free; -EAGAIN when the live block
 * (*@blevel, *@bidx) covers it.
 */
int nbbs_claim(struct nbbs_pool *pool, unsigned int level, unsigned long idx,
	       unsigned int *blevel, unsigned long *bidx, struct nbbs_ctx *ctx)
{
	if (nbbs_packed(pool))
		return nbbs_claim_in(&nbbs_packed_encoding, pool, level, idx, blevel, bidx, ctx);
	return nbbs_claim_in(&nbbs_tree_encoding, pool, level, idx, blevel, bidx, ctx);
}

/**
 * nbbs_find - the live block that starts at smallest block @leaf, by reading
 * @pool: the pool
 * @leaf: the smallest block
 * @level: set to the block's order
 *
 * Top-down, a row at a time: the topmost OCC node on the path from the
 * root to @leaf is the block that covers it (OCC nodes below it are claims
 * about to be rolled back).  A row with none on the path must carry the
 * PART mark towards @leaf on its bottom node, or nothing is live on the
 * way down.  One read and a few masks per row.
 *
 * Return: NBBS_FREED with the order in *@level, or why there is no block.
 */
enum nbbs_free_result nbbs_find(const struct nbbs_pool *pool, unsigned long leaf,
				unsigned int *level)
{
	if (nbbs_packed(pool))
		return nbbs_find_in(&nbbs_packed_encoding, pool, leaf, level);
	return nbbs_find_in(&nbbs_tree_encoding, pool, leaf, level);
}

/**
 * nbbs_release - give back the live block of order @level at smallest block @leaf
 * @pool: the pool
 * @leaf: the smallest block
 * @level: the block's order: its hot state says it, or nbbs_find() read it
 * @freed: set to the order of the largest free block the release made
 * @ctx: the call's work
 *
 * The caller must be the block's only releaser (its committed bit or hot
 * state says so): the block then stays live at @level until this call.
 *
 * Return: NBBS_FREED, or NBBS_FREE_RACED when the node was not live.
 */
enum nbbs_free_result nbbs_release(struct nbbs_pool *pool, unsigned long leaf,
				   unsigned int level, unsigned int *freed,
				   struct nbbs_ctx *ctx)
{
	if (nbbs_packed(pool))
		return nbbs_release_in(&nbbs_packed_encoding, pool, leaf, level, freed, ctx);
	return nbbs_release_in(&nbbs_tree_encoding, pool, leaf, level, freed, ctx);
}

/**
 * nbbs_busy_run - how many nodes of @level from @idx on a read shows in use
 * @pool: the pool
 * @level: the level
 * @idx: the first node's index in the level
 * @max: at most this many
 *
 * Counts the nodes in use or inside a block in use, as far as their own
 * word tells, for the scan to pass over without trying each.
 *
 * Return: the length of the run.
 */
unsigned long nbbs_busy_run(const struct nbbs_pool *pool, unsigned int level,
			    unsigned long idx, unsigned long max)
{
	if (nbbs_packed(pool))
		return nbbs_busy_run_in(&nbbs_packed_encoding, pool, level, idx, max);
	return nbbs_busy_run_in(&nbbs_tree_encoding, pool, level, idx, max);
}

/**
 * nbbs_node_state - a node's state, for the walks
 * @pool: the pool
 * @level: the node's level
 * @idx: its index in the level
 *
 * Return: NBBS_NODE_LIVE, NBBS_NODE_PARTIAL or NBBS_NODE_FREE.
 */
enum nbbs_node_state nbbs_node_state(const struct nbbs_pool *pool,
				     unsigned int level, unsigned long idx)
{
	if (nbbs_packed(pool))
		return nbbs_node_state_in(&nbbs_packed_encoding, pool, level, idx);
	return nbbs_node_state_in(&nbbs_tree_encoding, pool, level, idx);
}

/**
 * nbbs_words_init - lay out a pool's words in the encoding of @pool->enc
 * @pool: the pool, its shape and encoding set
 * @gfp: allocation flags
 *
 * Rows of @pool->enc->levels levels, from the smallest blocks up to
 * max_order; a row holds one word per subtree of its height, at least one.
 *
 * Return: 0 or -ENOMEM.
 */
int nbbs_words_init(struct nbbs_pool *pool, gfp_t gfp)
{
	unsigned int L = pool->enc->levels, row;
	unsigned long n = 0;

	pool->rows = pool->max_order / L + 1;
	for (row = 0; row < pool->rows; row++) {
		pool->row_start[row] = n;
		n += max(pool->nr_leaves >> (L * row + L - 1), 1UL);
	}
	pool->nr_words = n;
	pool->words = nbbs_meta_alloc(kvcalloc(n, sizeof(*pool->words), gfp));
	return pool->words ? 0 : -ENOMEM;
}

void nbbs_words_fini(struct nbbs_pool *pool)
{
	kvfree(pool->words);
}
