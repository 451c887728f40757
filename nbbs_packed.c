// SPDX-License-Identifier: GPL-2.0
/*
 * The packed layout of the nbbs buddy tree: three levels in one 64-bit word.
 *
 * The levels 0 .. max_order are cut into rows of three: row j holds levels
 * 3j .. 3j + 2.  A word of row j is the subtree of height three under one
 * node of level 3j + 2, numbered locally in heap order:
 *
 *                 1                level 3j + 2
 *         2               3        level 3j + 1
 *     4       5       6       7    level 3j      (bottom)
 *
 * Levels above max_order (or above the whole arena) that a top-row word
 * would hold do not exist: their local nodes are never allocated, and a
 * pool smaller than one word has a single word holding what is real.
 *
 * Bits of a word:
 *
 *   0 .. 6     OCC of local node 1 .. 7 (bit b - 1)
 *   7 .. 22    rows above 0 only: four bits per bottom node b, at
 *              7 + 4 * (b - 4): PART_L, PART_R, COAL_L, COAL_R for the
 *              two words of row j - 1 under it
 *   23 .. 63   version of a word of row j > 0: 41 bits
 *   7 .. 63    version of a word of row 0: 57 bits; its bottom nodes are
 *              the smallest blocks and have no children to mark
 *
 * The version is what keeps a release's CAS on the word above from
 * succeeding on a word that changed and changed back (see "Versions" in
 * nbbs_core.c): a wrap takes 2^41 successful CAS on one word, which at one
 * CAS per nanosecond is more than half an hour of nothing but writes to
 * that word, during a single stall of one call with preemption off.  Rows
 * of four levels, as before, left 17 bits: 5 ms of work.
 *
 * Inside a word nothing needs a partial mark: whether a local node's subtree
 * is in use can be read off the OCC bits below it and the PART bits of the
 * bottom nodes below it, all in the same word, and one CAS changes them
 * together.  The marks between words are the tree layout's marks between
 * nodes, with the same protocol (see nbbs_core.c): a word is empty when its
 * status bits are all zero; an allocation marks the bottom node above its
 * word with PART and takes over COAL; a release announces COAL before it
 * empties a word and clears PART above it only while the word still holds
 * the value it wrote.  So an allocation of order k costs one CAS in the
 * word of level k plus at most one per row above it, and a release about
 * twice that, instead of one or two per level.
 *
 * With 4 KiB blocks the words of row 0 cost two bytes per smallest block;
 * all rows together about 2.3 bytes, 0.06% of the arena.
 */
#define pr_fmt(fmt) "nbbs: " fmt

#include <linux/atomic.h>
#include <linux/bitops.h>
#include <linux/errno.h>
#include <linux/log2.h>
#include <linux/slab.h>

#include "nbbs_internal.h"

#define PK_LEVELS	3				/* levels per row */
#define PK_OCC_ALL	0x7fUL				/* OCC of local 1..7 */
#define PK_STATUS	0x7fffffUL			/* bits 0..22 */
#define PK_VERSION_ONE	BIT_ULL(23)
#define PK_VERSION_ONE_ROW0	BIT_ULL(7)

/*
 * For local node b: the bits that say its subtree is in use (its OCC, the
 * OCC of its local descendants, the marks of the bottom nodes under it),
 * and the OCC bits of its local ancestors.
 */
static const unsigned long pk_sub[8] = {
	[1] = 0x7fffff, [2] = 0x007f9a, [3] = 0x7f8064,
	[4] = 0x000788, [5] = 0x007810, [6] = 0x078020, [7] = 0x780040,
};

static const unsigned long pk_anc[8] = {
	[2] = 0x1, [3] = 0x1, [4] = 0x3, [5] = 0x3, [6] = 0x5, [7] = 0x5,
};

/* pk_sub[] for a word of @row: row 0 has no marks, its high bits are version. */
static inline unsigned long pk_sub_mask(unsigned int row, unsigned int b)
{
	return pk_sub[b] & (row ? PK_STATUS : PK_OCC_ALL);
}

static inline unsigned long pk_occ(unsigned int b)
{
	return 1UL << (b - 1);
}

/* PART and COAL of bottom node @b for the child word on @side (0 left). */
static inline unsigned long pk_part(unsigned int b, unsigned int side)
{
	return 1UL << (7 + 4 * (b - 4) + side);
}

static inline unsigned long pk_coal(unsigned int b, unsigned int side)
{
	return 1UL << (7 + 4 * (b - 4) + 2 + side);
}

static inline unsigned long pk_status(unsigned int row, long word)
{
	return (unsigned long)word & (row ? PK_STATUS : PK_OCC_ALL);
}

/* The word that replaces @old in @row: @status with the next version. */
static inline long pk_next(unsigned int row, long old, unsigned long status)
{
	unsigned long mask = row ? PK_STATUS : PK_OCC_ALL;
	unsigned long one = row ? PK_VERSION_ONE : PK_VERSION_ONE_ROW0;

	return (long)((((unsigned long)old & ~mask) + one) | status);
}

static inline atomic_long_t *pk_word(const struct nbbs_pool *pool,
				     unsigned int row, unsigned long w)
{
	return &pool->words[pool->row_start[row] + w];
}

/* Where node (@level, @idx) lives: its row, word and local number. */
static inline void pk_locate(unsigned int level, unsigned long idx,
			     unsigned int *row, unsigned long *w, unsigned int *b)
{
	unsigned int r = PK_LEVELS - 1 - level % PK_LEVELS;	/* local depth */

	*row = level / PK_LEVELS;
	*w = idx >> r;
	*b = (1U << r) | (unsigned int)(idx & ((1UL << r) - 1));
}

/* The node (level, index) of local node @b of word @w in @row. */
static inline void pk_name(unsigned int row, unsigned long w, unsigned int b,
			   unsigned int *level, unsigned long *idx)
{
	unsigned int r = ilog2(b);

	*level = PK_LEVELS * row + PK_LEVELS - 1 - r;
	*idx = (w << r) | (b - (1UL << r));
}

/* The bottom node in @row + 1 above word @w of @row, and the side of @w. */
static inline void pk_up(unsigned long w, unsigned long *pw, unsigned int *pb,
			 unsigned int *side)
{
	*pw = w >> PK_LEVELS;
	*pb = 4 | (unsigned int)((w >> 1) & 3);
	*side = w & 1;
}

/* The highest OCC local node in @mask, as a blocker for the scan to skip. */
static inline void pk_blocker(unsigned int row, unsigned long w, unsigned long mask,
			      unsigned int *blevel, unsigned long *bidx)
{
	pk_name(row, w, __ffs(mask) + 1, blevel, bidx);
}

/*
 * pk_covered - read up from empty word @w of @row for a live block above it.
 *
 * Like the tree layout's pre-check: words that are entirely empty say
 * nothing, the first word that is not tells whether the chain above our
 * word is occupied (then @blevel and @bidx name it) or merely in use.
 */
static bool pk_covered(const struct nbbs_pool *pool, unsigned int row,
		       unsigned long w, unsigned int *blevel, unsigned long *bidx)
{
	for (; row + 1 < pool->rows; row++) {
		unsigned long pw, m;
		unsigned int pb, side;
		long v;

		pk_up(w, &pw, &pb, &side);
		v = atomic_long_read(pk_word(pool, row + 1, pw));
		m = (unsigned long)v & (pk_occ(pb) | pk_anc[pb]);
		if (m) {
			pk_blocker(row + 1, pw, m, blevel, bidx);
			return true;
		}
		if (pk_status(row + 1, v))
			return false;
		w = pw;
	}
	return false;
}

/*
 * pk_free_level - level of the largest free local node that holds @b, in a
 * word of @row whose status is now @status; @floor if @b itself is in use.
 */
static unsigned int pk_free_level(const struct nbbs_pool *pool, unsigned int row,
				  unsigned long status, unsigned int b,
				  unsigned int floor)
{
	unsigned int top = 0;

	for (; b; b >>= 1) {
		if (status & pk_sub_mask(row, b))
			break;
		top = b;
	}
	if (!top)
		return floor;
	return min(PK_LEVELS * row + PK_LEVELS - 1 - ilog2(top), pool->max_order);
}

/*
 * pk_announce - tell the word above that a release is about to empty @w.
 * See nbbs_announce() in nbbs_core.c: same bits, same ordering argument.
 */
static void pk_announce(struct nbbs_pool *pool, unsigned int row, unsigned long w,
			struct nbbs_ctx *ctx)
{
	unsigned long pw, part, coal;
	unsigned int pb, side;
	atomic_long_t *parent;
	long old;

	pk_up(w, &pw, &pb, &side);
	parent = pk_word(pool, row + 1, pw);
	part = pk_part(pb, side);
	coal = pk_coal(pb, side);
	NBBS_HOOK("release_announce");
	old = atomic_long_read(parent);
	for (;;) {
		if (!((unsigned long)old & part))
			return;	/* nothing marked: nothing to protect */
		ctx->atomics++;
		/* Fully ordered: visible before the CAS that empties @w. */
		if (nbbs_cas_long(parent, &old,
				  pk_next(row + 1, old, pk_status(row + 1, old) | coal)))
			return;
		ctx->conflicts++;
	}
}

/*
 * pk_unmark - clear OCC of local node @b in word @w of @row, then the marks
 * above for as long as words become empty, up to row @top, stopping below
 * an OCC node (a rollback's blocker), as nbbs_unmark() does.
 *
 * Stores in *@freed the level of the largest free block it leaves behind.
 * Returns false, changing nothing but a harmless announcement, when @b is
 * not OCC (freed concurrently).
 */
static bool pk_unmark(struct nbbs_pool *pool, unsigned int row, unsigned long w,
		      unsigned int b, unsigned int top, unsigned int *freed,
		      struct nbbs_ctx *ctx)
{
	atomic_long_t *word = pk_word(pool, row, w);
	long old = atomic_long_read(word), new;
	unsigned long st;

	for (;;) {
		if (!((unsigned long)old & pk_occ(b)))
			return false;
		st = pk_status(row, old) & ~pk_occ(b);
		if (!st && row < top)
			pk_announce(pool, row, w, ctx);
		new = pk_next(row, old, st);
		ctx->atomics++;
		/*
		 * Fully ordered: releases the block to its next owner.  Other
		 * nodes of the word change under us; only the loss of our OCC
		 * bit means another free of the same block won.
		 */
		if (nbbs_cas_long(word, &old, new))
			break;
		ctx->conflicts++;
	}
	*freed = pk_free_level(pool, row, st, b, PK_LEVELS * row + PK_LEVELS - 1 - ilog2(b));

	while (!st && row < top) {
		unsigned long pw, part, coal;
		unsigned int pb, side;
		atomic_long_t *parent;
		long pold, pnew;

		pk_up(w, &pw, &pb, &side);
		parent = pk_word(pool, row + 1, pw);
		part = pk_part(pb, side);
		coal = pk_coal(pb, side);
		/* Acquire, as in nbbs_unmark(): orders the child check after it. */
		pold = atomic_long_read_acquire(parent);
		for (;;) {
			/* An OCC chain above is a blocker or a new block: no mark of ours. */
			if ((unsigned long)pold & (pk_occ(pb) | pk_anc[pb]))
				return true;
			/* An allocation entered the word we emptied: it owns the mark. */
			if (atomic_long_read(word) != new)
				return true;
			st = pk_status(row + 1, pold) & ~(part | coal);
			if (!st && row + 1 < top)
				pk_announce(pool, row + 1, pw, ctx);
			pnew = pk_next(row + 1, pold, st);
			NBBS_HOOK("release_parent_cas");
			ctx->atomics++;
			/* Fully ordered; fails if anyone wrote the word since @pold. */
			if (nbbs_cas_long(parent, &pold, pnew))
				break;
			ctx->conflicts++;
			pold = atomic_long_read_acquire(parent);
		}
		*freed = pk_free_level(pool, row + 1, st, pb, *freed);
		row++;
		w = pw;
		word = parent;
		new = pnew;
	}
	return true;
}

int nbbs_packed_try(struct nbbs_pool *pool, unsigned int level, unsigned long idx,
		    unsigned int *blevel, unsigned long *bidx, struct nbbs_ctx *ctx)
{
	unsigned int row, b, claimed_row;
	unsigned long w, claimed_w;
	atomic_long_t *word;
	long old;
	bool checked = false;

	pk_locate(level, idx, &row, &w, &b);
	claimed_row = row;
	claimed_w = w;
	word = pk_word(pool, row, w);
	old = atomic_long_read(word);
	for (;;) {
		unsigned long m;

		if ((unsigned long)old & pk_sub_mask(row, b))
			return -EBUSY;
		m = (unsigned long)old & pk_anc[b];
		if (m) {
			pk_blocker(row, w, m, blevel, bidx);
			return -EAGAIN;
		}
		/* An empty word says nothing about the rows above: look. */
		if (!checked && !pk_status(row, old)) {
			if (pk_covered(pool, row, w, blevel, bidx))
				return -EAGAIN;
			checked = true;
		}
		ctx->atomics++;
		/* Fully ordered: acquires the block from its last owner's release. */
		if (nbbs_cas_long(word, &old,
				  pk_next(row, old, pk_status(row, old) | pk_occ(b))))
			break;
		ctx->conflicts++;
	}

	NBBS_HOOK("claim_climb");
	/* Climb: mark the bottom node above each word, as nbbs_climb() does. */
	for (; row + 1 < pool->rows; row++, w >>= PK_LEVELS) {
		unsigned long pw, part, coal, m;
		unsigned int pb, side;
		atomic_long_t *parent;

		pk_up(w, &pw, &pb, &side);
		parent = pk_word(pool, row + 1, pw);
		part = pk_part(pb, side);
		coal = pk_coal(pb, side);
		/* Acquire, for the reason given in nbbs_climb(). */
		old = atomic_long_read_acquire(parent);
		for (;;) {
			unsigned long st = pk_status(row + 1, old);

			m = (unsigned long)old & (pk_occ(pb) | pk_anc[pb]);
			if (m) {
				pk_blocker(row + 1, pw, m, blevel, bidx);
				NBBS_HOOK("claim_rollback");
				ctx->rollbacks++;
				/* Up to the roots: see nbbs_tree_try() for why. */
				pk_unmark(pool, claimed_row, claimed_w, b, pool->rows - 1,
					  &ctx->rollback_freed, ctx);
				ctx->rolled_back = true;
				return -EAGAIN;
			}
			if (((unsigned long)old & (part | coal)) == part)
				break;
			ctx->atomics++;
			/* Fully ordered, as in nbbs_climb(). */
			if (nbbs_cas_long(parent, &old,
					  pk_next(row + 1, old, (st | part) & ~coal)))
				break;
			ctx->conflicts++;
			old = atomic_long_read_acquire(parent);
		}
	}
	return 0;
}

enum nbbs_free_result nbbs_packed_find(const struct nbbs_pool *pool,
				       unsigned long leaf, unsigned int *level)
{
	unsigned int row = pool->rows - 1, b, lvl;
	unsigned long w, occ;
	long v;

	/*
	 * Top-down, as in nbbs_find_live(), a row at a time: the topmost OCC
	 * node on the path from the root to @leaf is the block that covers
	 * it.  A row with none on the path must carry the PART mark towards
	 * @leaf on its bottom node (which, being in its local subtrees, also
	 * stands for the levels above it in the word), or nothing is live
	 * on the way down.  One read and a few masks per row.
	 */
	for (;; row--) {
		pk_locate(PK_LEVELS * row, leaf >> (PK_LEVELS * row), &row, &w, &b);
		v = atomic_long_read(pk_word(pool, row, w));
		occ = (unsigned long)v & (pk_occ(b) | pk_anc[b]);
		if (occ)
			break;
		if (!row || !((unsigned long)v &
				      pk_part(b, (leaf >> (PK_LEVELS * row - 1)) & 1)))
			return NBBS_FREE_NOT_LIVE;
	}
	/* Local node __ffs(occ) + 1 is the topmost: depth ilog2() in the word. */
	lvl = PK_LEVELS * row + PK_LEVELS - 1 - ilog2(__ffs(occ) + 1);
	if (leaf & ((1UL << lvl) - 1))
		return NBBS_FREE_INTERIOR;
	*level = lvl;
	return NBBS_FREED;
}

enum nbbs_free_result nbbs_packed_free(struct nbbs_pool *pool, unsigned long leaf,
				       unsigned int *level, unsigned int *freed,
				       struct nbbs_ctx *ctx)
{
	enum nbbs_free_result res = nbbs_packed_find(pool, leaf, level);
	unsigned int row, b;
	unsigned long w;

	if (res != NBBS_FREED)
		return res;
	pk_locate(*level, leaf >> *level, &row, &w, &b);
	if (!pk_unmark(pool, row, w, b, pool->rows - 1, freed, ctx))
		return NBBS_FREE_RACED;
	return NBBS_FREED;
}

unsigned long nbbs_packed_busy_run(const struct nbbs_pool *pool, unsigned int level,
				   unsigned long idx, unsigned long max)
{
	unsigned long n = 0, w, v;
	unsigned int row, b, last;

	while (n < max) {
		/* One read for all the candidates of this word. */
		pk_locate(level, idx + n, &row, &w, &b);
		v = (unsigned long)atomic_long_read(pk_word(pool, row, w));
		for (last = 2 * rounddown_pow_of_two(b) - 1; b <= last; b++, n++) {
			if (n == max)
				return n;
			if (!(v & (pk_sub_mask(row, b) | pk_anc[b])))
				return n;
		}
	}
	return n;
}

enum nbbs_node_state nbbs_packed_state(const struct nbbs_pool *pool,
				       unsigned int level, unsigned long idx)
{
	unsigned int row, b;
	unsigned long w, v;

	pk_locate(level, idx, &row, &w, &b);
	v = (unsigned long)atomic_long_read(pk_word(pool, row, w));
	if (v & pk_occ(b))
		return NBBS_NODE_LIVE;
	return v & pk_sub_mask(row, b) ? NBBS_NODE_PARTIAL : NBBS_NODE_FREE;
}

int nbbs_packed_init(struct nbbs_pool *pool, gfp_t gfp)
{
	unsigned long n = 0;
	unsigned int row;

	pool->rows = pool->max_order / PK_LEVELS + 1;
	for (row = 0; row < pool->rows; row++) {
		pool->row_start[row] = n;
		n += max(pool->nr_leaves >> (PK_LEVELS * row + PK_LEVELS - 1), 1UL);
	}
	pool->nr_words = n;
	pool->words = nbbs_meta_alloc(kvcalloc(n, sizeof(*pool->words), gfp));
	return pool->words ? 0 : -ENOMEM;
}

void nbbs_packed_fini(struct nbbs_pool *pool)
{
	kvfree(pool->words);
}
