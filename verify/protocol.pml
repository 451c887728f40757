/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SPIN model of the lock-free protocol of the nbbs buddy tree as it ships
 * in nbbs_protocol.c, written once over the encoding contract of
 * nbbs_internal.h, for both encodings: -DLEVELS=3 (default) the "packed"
 * layout (nbbs_packed.c, three levels per 64-bit word), -DLEVELS=1 the
 * "tree" layout (nbbs_tree.c, one node per word); and the committed
 * allocations of nbbs_core.c, which a free takes (test-and-clear) before it
 * finds the block.  The C functions it stands for are checked for drift by
 * verify/drift.sh against verify/models.sha: when one changes, revisit this
 * model and rehash (verify/drift.sh --update protocol.pml).
 *
 * Models (nbbs_protocol.c compiles each *_in function once per encoding,
 * the encoding a constant; the model's LEVELS is that constant):
 *   nbbs_protocol.c:nbbs_claim        -> try_claim (dispatch on the encoding)
 *   nbbs_protocol.c:nbbs_packed       -> LEVELS (which encoding a pool has)
 *   nbbs_protocol.c:nbbs_claim_in     -> try_claim (claim CAS, climb, rollback)
 *   nbbs_protocol.c:nbbs_climb        -> try_claim (the climb)
 *   nbbs_protocol.c:nbbs_announce     -> announce
 *   nbbs_protocol.c:nbbs_unmark       -> unmark
 *   nbbs_protocol.c:nbbs_release      -> nb_free (dispatch on the encoding)
 *   nbbs_protocol.c:nbbs_release_in   -> nb_free (unmark at the order found)
 *   nbbs_protocol.c:nbbs_find_in      -> find
 *   nbbs_protocol.c:nbbs_words_init   -> ROWS, NW_j, WID()
 *   nbbs_protocol.c:nbbs_nodes        -> WN
 *   nbbs_protocol.c:nbbs_bottom       -> WB
 *   nbbs_protocol.c:nbbs_status_mask  -> OCCMASK, SUB(), the status of cas
 *   nbbs_protocol.c:nbbs_next         -> cas (status and version, +1)
 *   nbbs_protocol.c:nbbs_sub          -> SUB()
 *   nbbs_protocol.c:nbbs_part         -> PARTB()
 *   nbbs_protocol.c:nbbs_coal         -> COALB()
 *   nbbs_protocol.c:nbbs_occ_path     -> OCCB(pb) | ANC(pb) (climb, unmark, find)
 *   nbbs_protocol.c:nbbs_locate       -> try_claim, find (row, word, node)
 *   nbbs_protocol.c:nbbs_level        -> find (the level of a local node)
 *   nbbs_protocol.c:nbbs_up           -> UPW(), UPB(), UPS()
 *   nbbs_protocol.c:nbbs_above        -> UPW(), UPB(), UPS(), PARTB(), COALB()
 *   nbbs_tree.c:nbbs_tree_encoding    -> SUBT(), ANC() with LEVELS = 1
 *   nbbs_packed.c:nbbs_packed_encoding -> SUBT(), ANC() with LEVELS = 3
 *   nbbs_core.c:nbbs_free_block       -> nb_free (test-and-clear, find, release)
 *   nbbs_core.c:nbbs_commit           -> commit (the uncached orders)
 *
 * The word (nbbs_internal.h).  A word of row j holds the subtree of
 * LEVELS levels under one node of level LEVELS j + LEVELS - 1, local nodes
 * 1 .. WN = 2^LEVELS - 1 in heap order, bottom nodes WB = 2^(LEVELS - 1)
 * .. WN.  Status: the OCC bit of local node b at bit b - 1; in rows above
 * row 0, for each bottom node pb and each side s of the two words of the
 * row below under it, PART at bit WN + 4 (pb - WB) + s and COAL two bits
 * above.  LEVELS = 1: OCC at bit 0, PART_L/R at 1, 2, COAL_L/R at 3, 4;
 * LEVELS = 3: OCC of 1 .. 7 at 0 .. 6, marks at 7 .. 22.  The version is
 * kept in its own variable ver[] but belongs to the word: every CAS
 * compares status and version together and writes both, the version
 * becoming (v + 1) mod 2^W.  W is a parameter (see "Widths").  A local
 * node is free when the bits of the encoding's sub[] table are clear
 * (its OCC, the OCC bits below it and the marks of the bottom nodes below
 * it; row 0 has no marks), and it may be claimed when moreover its local
 * ancestors (anc[]) are not OCC: one CAS on the whole word.  SUBT() and
 * ANC() are the two encodings' tables, literally.
 *
 * The pool.  2^DEPTH smallest blocks, levels 0 .. MAXO (MAXO < DEPTH: a
 * forest of several roots), rows of LEVELS levels as nbbs_words_init()
 * lays them out: ROWS = MAXO / LEVELS + 1, row j holding max(2^DEPTH >>
 * (LEVELS j + LEVELS - 1), 1) words, numbered row after row by WID().
 * Levels above MAXO that the top row's words would hold are never
 * allocated.  Defaults:
 *   LEVELS = 3: DEPTH = MAXO = 3, two rows: two words of row 0 under one
 *     top word (only its bottom node 4 exists); -DDEPTH=4 gives four words
 *     of row 0 (top nodes 4, 5 and 2, max order 4).  Two rows exercise one
 *     cross-word edge: the climb and the release walk cross one row.
 *   LEVELS = 1: DEPTH = MAXO = 2, three rows (4 + 2 + 1 words): the climb
 *     and the release walk cross two word boundaries, and a release that
 *     empties a word of row 1 announces in the grandparent, row 2.
 *     -DDEPTH=3 gives four rows (8 + 4 + 2 + 1), -DMAXO=1 a forest.
 *
 * The protocol (the C functions as they ship; LEVELS changes no step):
 *  claim   read the word; BUSY if SUB(b), AGAIN if ANC(b); CAS OCC(b) in;
 *          a failed CAS (the word changed) decides again on the value it
 *          read: it retries while the node is still free.
 *  climb   for each row above: read the parent (acquire); an OCC bottom
 *          node above us or an OCC local ancestor of it is a blocker; stop
 *          when our side's PART is set without COAL; else CAS PART in and
 *          our COAL out (takeover); a failed CAS re-reads.
 *  rollback (blocker met) the release walk below from the claimed node,
 *          up to the TOP row (not only to the blocker), asserted to
 *          succeed.
 *  commit  after a successful climb: committed[first leaf] = 1
 *          (nbbs_commit(), orders not cached per CPU: hot.pml has those).
 *  free    test-and-clear committed[leaf]: refused (invalid free, nothing
 *          changed) if it was clear; else nbbs_find() (top-down: the
 *          first OCC node on the leaf's path, each row passed only on the
 *          PART mark towards the leaf), which the set flag pins, and
 *          nbbs_release_in(): unmark at the order found.  (-DFIND_FIRST: the first design, find then
 *          test-and-clear.)  The C code reads the bit plainly first and
 *          returns early if it is clear; that adds no state.
 *  release (nbbs_unmark) clear OCC(b) with a CAS; if the word's status
 *          becomes 0 first announce COAL in the word above (if our PART is
 *          set there); a failed CAS returns "raced" if OCC(b) is gone, else
 *          decides again: other nodes of the word may change, only the loss
 *          of our OCC bit ends the release (safe because the free took the
 *          committed bit first, and a rollback's claim is nobody else's).
 *          Then while the emptied word's status is 0 and below the top:
 *          read the parent (acquire); stop if the path above is OCC; stop
 *          if the child word is no longer exactly (status, version) as we
 *          wrote it; clear our PART and COAL with a CAS from the value read
 *          (announcing in the grandparent first if the parent becomes
 *          empty); a failed CAS re-reads and decides again.
 *
 * Granularity and abstractions.  Every read of a word and every CAS is one
 * step; local computation is folded in.  Memory is sequentially
 * consistent: the model checks the protocol, not the barriers.  The scan
 * is not modelled: an allocation tries one node of its order chosen
 * nondeterministically (any order in OLO..OHI, any index among the first
 * SPAN leaves) and returns NULL if the try fails; the read-only
 * nbbs_covered() pre-check of nbbs_claim_in() is left out.  Leaving them out
 * adds executions (every try the C code makes is one the model may make,
 * and more), so for the safety properties below the model
 * over-approximates the code.  nbbs_free_level() (the order the release
 * publishes), nbbs_busy_run() and nbbs_node_state() (scan and walk reads)
 * only steer scans and statistics and are not modelled.  No false NULL
 * (which depends on the scan, nbbs_scan.c) is not checked by any model.
 *
 * Processes.  NPROC workers, each ROUNDS rounds of: allocate one block,
 * free it (its own free; skipped when a stray free took the block, which
 * is then that block's release).  With STRAY, one more process frees an
 * arbitrary leaf among the first SPAN at an arbitrary moment: a double
 * free, or a free of a block it does not own, or of nothing.
 *
 * Widths.  W = 8 (default) with runs that write no word 255 times (each
 * round writes the top word at most about 4 times, and a ghost counter
 * asserts it): the bounded search cannot wrap a version, which stands for
 * the shipped widths (41 bits in rows > 0 of the packed layout, 59 in the
 * tree layout: an ABA needs 2^41 writes of one word during one release's
 * read-CAS window).  With W = 1 or 2 a release that stalls between its
 * parent read and parent CAS while the parent is written 2^W times is
 * fooled: configurations *-width1-aba must fail.
 *
 * Properties (assertions).
 *  Q1 no two committed blocks overlap (at commit);
 *  Q2 every committed block's node is OCC and every word above it carries
 *     its PART mark (checked after every write of a word, so in every
 *     reachable state);
 *  Q3 at the end, with nothing live, every word's status and every
 *     committed flag is 0 (no lost space: a rollback that stopped below a
 *     blocker freed meanwhile would leave marks);
 *  Q4 a free releases in the tree only a committed block of the order it
 *     found (a free of anything not committed, e.g. a transient claim, is
 *     refused), and its release (like a rollback's) always succeeds; a
 *     worker's free of its own block succeeds unless a stray free took it:
 *     of two frees of one block exactly one succeeds.
 * Reuse (ghost reused, after which nothing is asserted): a block is
 * committed at the leaf of a stray free in progress, or at the leaf of a
 * block the stray free took before its owner's free.  The address then
 * names a new block that the late free may legally release (ownership is
 * not recorded): the program is erroneous.
 *
 * Found: a free that finds before it tests the flag (the first design,
 * -DFIND_FIRST) can use a stale order.  -DSTRICT asserts everything even
 * after a reuse, and SPIN finds (packed-stray-free-find-first-reuse,
 * depth 80): P1 holds a block of order 3 at leaf 0;
 * a stray free takes and releases it; P0 commits a block of order 2 at
 * leaf 0; P1's own free, whose find had read order 3 before all that, now
 * test-and-clears P0's flag and releases order 3, which is not OCC: the
 * release fails, P0's block stays OCC in the tree with its flag clear,
 * lost for good (P0's free is refused).  Only a free of an address reused
 * under it (a program error) gets there, but it then leaks a block and
 * blames its owner.  Testing and clearing the flag first, then finding, as
 * the C code now does: a set flag pins the block, so the find gives its
 * order; the same run holds with every property asserted, reuse or not
 * (*-stray-free).
 *
 * Mutants (-DMUTANT=n, each must fail, with either encoding):
 *   1 release skips the child re-check
 *   2 climb ignores COAL (no takeover write)
 *   3 rollback stops at the blocker's row instead of the top (with
 *     LEVELS = 1, the rollback of nbbs_try_node() before the fix, which
 *     verify/nbbs.pml ran as orig-rollback-loses-space)
 *   4 free accepts an OCC node without the committed flag
 *   5 CAS without version (W = 0)
 *
 * History.  This file was verify/packed.pml, the model of the packed layout
 * (nbbs_packed.c) while the tree layout had its own code in nbbs_core.c,
 * modelled by verify/nbbs.pml.  Since the protocol is written once
 * (nbbs_protocol.c), one model with LEVELS covers both, and nbbs.pml is
 * retired (git log -- verify/nbbs.pml): its protocol part is checked here
 * with LEVELS = 1 (its orig-rollback-loses-space is
 * tree-mutant-rollback-to-blocker, its double free is a stray free
 * here); its P5, no false NULL for the scan of the first version of the
 * core (50d5518), has no counterpart: no model checks the scan.
 */

#ifndef LEVELS
#define LEVELS	3
#endif
#ifndef NPROC
#define NPROC	2
#endif
#ifndef ROUNDS
#define ROUNDS	1
#endif
#ifndef MUTANT
#define MUTANT	0
#endif
#if MUTANT == 5
#undef W
#define W	0
#endif
#ifndef W
#define W	8
#endif
#define VMOD	(1 << W)

/*
 * The pool: 2^DEPTH smallest blocks, max order MAXO (MAXO < DEPTH: a
 * forest, several roots).  Defaults: LEVELS = 3, DEPTH = MAXO = 3 (two
 * rows: two words of row 0 under one top word); LEVELS = 1, DEPTH =
 * MAXO = 2 (three rows: 4 + 2 + 1 words).
 */
#if LEVELS == 3
#ifndef DEPTH
#define DEPTH	3
#endif
#elif LEVELS == 1
#ifndef DEPTH
#define DEPTH	2
#endif
#else
#error LEVELS must be 1 (the tree encoding) or 3 (the packed one)
#endif
#ifndef MAXO
#define MAXO	DEPTH
#endif
#if DEPTH == 2
#define NLEAVES	4
#elif DEPTH == 3
#define NLEAVES	8
#elif DEPTH == 4
#define NLEAVES	16
#else
#error DEPTH must be 2, 3 or 4
#endif
#if MAXO > DEPTH
#error MAXO must be at most DEPTH
#endif

/* rows as nbbs_words_init() lays them out */
#define ROWS	(MAXO / LEVELS + 1)
#define TOPROW	(ROWS - 1)
#if ROWS > 4
#error at most 4 rows
#endif
/* words of row j: max(nr_leaves >> (L j + L - 1), 1), as literals */
#if (NLEAVES >> (LEVELS - 1)) >= 16
#define NW_0	16
#elif (NLEAVES >> (LEVELS - 1)) >= 8
#define NW_0	8
#elif (NLEAVES >> (LEVELS - 1)) >= 4
#define NW_0	4
#elif (NLEAVES >> (LEVELS - 1)) >= 2
#define NW_0	2
#else
#define NW_0	1
#endif
#if ROWS < 2
#define NW_1	0
#elif (NLEAVES >> (2 * LEVELS - 1)) >= 16
#define NW_1	16
#elif (NLEAVES >> (2 * LEVELS - 1)) >= 8
#define NW_1	8
#elif (NLEAVES >> (2 * LEVELS - 1)) >= 4
#define NW_1	4
#elif (NLEAVES >> (2 * LEVELS - 1)) >= 2
#define NW_1	2
#else
#define NW_1	1
#endif
#if ROWS < 3
#define NW_2	0
#elif (NLEAVES >> (3 * LEVELS - 1)) >= 16
#define NW_2	16
#elif (NLEAVES >> (3 * LEVELS - 1)) >= 8
#define NW_2	8
#elif (NLEAVES >> (3 * LEVELS - 1)) >= 4
#define NW_2	4
#elif (NLEAVES >> (3 * LEVELS - 1)) >= 2
#define NW_2	2
#else
#define NW_2	1
#endif
#if ROWS < 4
#define NW_3	0
#elif (NLEAVES >> (4 * LEVELS - 1)) >= 16
#define NW_3	16
#elif (NLEAVES >> (4 * LEVELS - 1)) >= 8
#define NW_3	8
#elif (NLEAVES >> (4 * LEVELS - 1)) >= 4
#define NW_3	4
#elif (NLEAVES >> (4 * LEVELS - 1)) >= 2
#define NW_3	2
#else
#define NW_3	1
#endif
#define NWORDS	(NW_0 + NW_1 + NW_2 + NW_3)

#ifndef OLO
#define OLO	0
#endif
#ifndef OHI
#define OHI	MAXO
#endif
#ifndef SPAN
#define SPAN	NLEAVES
#endif
#ifdef STRAY
#define NRUN	(NPROC + 1)
#else
#define NRUN	NPROC
#endif

#define R_OK	0
#define R_BUSY	1
#define R_AGAIN	2
#define NONE	255

/*
 * The encoding contract (nbbs_internal.h): WN local nodes per word, the
 * bottom ones WB .. WN; OCC of b at bit b - 1, then in rows above 0 four
 * bits per bottom node pb: PART for side s at WN + 4 (pb - WB) + s, COAL
 * two above.  SUBT(b) and ANC(b) are the sub[] and anc[] tables of
 * nbbs_tree.c (LEVELS = 1) and nbbs_packed.c (LEVELS = 3), literally;
 * SUB(row, b) is nbbs_sub(): row 0 keeps only the OCC bits.
 */
#define WN		((1 << LEVELS) - 1)
#define WB		(1 << (LEVELS - 1))
#define OCCMASK		((1 << WN) - 1)
#define OCCB(b)		(1 << ((b) - 1))
#define PARTB(pb, s)	(1 << (WN + 4 * ((pb) - WB) + (s)))
#define COALB(pb, s)	(PARTB(pb, s) << 2)
#if LEVELS == 3
#define SUBT(b)		((b) == 1 -> 8388607 : ((b) == 2 -> 32666 : ((b) == 3 -> 8355940 : \
			 ((b) == 4 -> 1928 : ((b) == 5 -> 30736 : ((b) == 6 -> 491552 : 7864384))))))
#define ANC(b)		((b) >= 6 -> 5 : ((b) >= 4 -> 3 : ((b) >= 2 -> 1 : 0)))
#define ILOG2(b)	((b) >= 4 -> 2 : ((b) >= 2 -> 1 : 0))
#else
#define SUBT(b)		31
#define ANC(b)		0
#define ILOG2(b)	0
#endif
#define SUB(row, b)	(SUBT(b) & ((row) > 0 -> -1 : OCCMASK))
#define NEXTV(v)	(((v) + 1) % VMOD)

/* word id of word w of row r (row_start[r] + w); nbbs_up() of word w */
#define WID(r, w)	(((r) > 0 -> NW_0 : 0) + ((r) > 1 -> NW_1 : 0) + \
			 ((r) > 2 -> NW_2 : 0) + (w))
#define UPW(w)		((w) >> LEVELS)
#define UPB(w)		(WB | (((w) >> 1) & (WB - 1)))
#define UPS(w)		((w) & 1)

/* ---------------------------------------------------------- shared state */

int st[NWORDS];		/* status bits of each word */
byte ver[NWORDS];	/* its version, W bits */
bool committed[NLEAVES];	/* "a committed block starts here" */

/* ---------------------------------------------------------- ghost state */

byte wr[NWORDS];	/* successful CAS per word (wrap check) */
byte lown[NLEAVES];	/* owner + 1 of the committed block covering a leaf */
byte lord[NLEAVES];	/* order + 1 of the committed block starting here */
bool stolen[NPROC];	/* the stray free took p's block */
byte sleaf = NONE;	/* leaf the stray free works on, while it does */
byte tleaf = NONE;	/* leaf of a block it took, until its owner's round ends */
bool reused;		/* the stray's address was committed during its call */
byte finished;
#if !defined(FIND_FIRST) || defined(STRICT)
#define ERRONEOUS	false	/* assert everything, reuse or not */
#else
#define ERRONEOUS	reused
#endif
/* scratch of the ghost code */
byte gi, gj, gl, grow, gw, gb;

/* ---------------------------------------------------------- ghost code */

/* Q2: committed blocks are OCC and marked on all words above them. */
inline check_inv()
{
	gi = 0;
	do
	:: gi < NLEAVES ->
		if
		:: lord[gi] && !ERRONEOUS ->
			gl = lord[gi] - 1;
			grow = gl / LEVELS;
			gj = LEVELS - 1 - gl % LEVELS;
			gw = (gi >> gl) >> gj;
			gb = (1 << gj) | ((gi >> gl) & ((1 << gj) - 1));
			assert(st[WID(grow, gw)] & OCCB(gb));
			do
			:: grow < TOPROW ->
				assert(st[WID(grow + 1, UPW(gw))] & PARTB(UPB(gw), UPS(gw)));
				gw = UPW(gw);
				grow++
			:: else -> break
			od
		:: else
		fi;
		gi++
	:: else -> break
	od;
	gi = 0; gj = 0; gl = 0; grow = 0; gw = 0; gb = 0
}

/* commit of the block of order o at leaf l by me */
inline ghost_commit(l, o)
{
	if
	:: sleaf == (l) || tleaf == (l) -> reused = true
	:: else
	fi;
	gi = (l);
	do
	:: gi < (l) + (1 << (o)) ->
		assert(ERRONEOUS || lown[gi] == 0);	/* Q1 */
		lown[gi] = me + 1;
		gi++
	:: else -> break
	od;
	lord[l] = (o) + 1;
	gi = 0;
	check_inv()
}

/* the free of leaf l, which found order o, took the committed flag */
inline ghost_take(l, o)
{
	/* Q4: only a committed block, of the order found */
	assert(ERRONEOUS || lord[l] == (o) + 1);
	if
	:: lord[l] ->
		gl = lord[l] - 1;
		if
		:: lown[l] != me + 1 -> stolen[lown[l] - 1] = true; tleaf = (l)
		:: else
		fi;
		gi = (l);
		do
		:: gi < (l) + (1 << gl) -> lown[gi] = 0; gi++
		:: else -> break
		od;
		lord[l] = 0
	:: else
	fi;
	gi = 0; gl = 0
}

/* ---------------------------------------------------------- the protocol */

/* atomic_long_try_cmpxchg on the whole word: r = 1 and nv = new version */
inline cas(id, eo, ev, nst, r, nv)
{
	d_step {
		if
		:: st[id] == eo && ver[id] == ev ->
			st[id] = nst;
			ver[id] = NEXTV(ev);
			nv = ver[id];
			wr[id]++;
			assert(W < 8 || wr[id] < 255);	/* no wrap in this run */
			r = 1;
			printf("P%d CAS word %d st %x v %d -> st %x v %d ok\n",
			       me, id, eo, ev, st[id], ver[id]);
			check_inv()
		:: else ->
			printf("P%d CAS word %d st %x v %d FAILED, is st %x v %d\n",
			       me, id, eo, ev, st[id], ver[id]);
			eo = st[id];
			ev = ver[id];
			r = 0
		fi
	}
}

/* nbbs_announce(row, w): COAL for word w of row in the word above */
inline announce(arow, aw)
{
	d_step {
		aid = WID(arow + 1, UPW(aw));
		apb = UPB(aw);
		aside = UPS(aw);
		ao = st[aid];
		av = ver[aid]
	}
	do
	:: !(ao & PARTB(apb, aside)) -> break	/* nothing to protect */
	:: else ->
		cas(aid, ao, av, ao | COALB(apb, aside), ares, anv);
		if
		:: ares -> break
		:: else
		fi
	od;
	atomic { aid = 0; apb = 0; aside = 0; ao = 0; av = 0; ares = 0; anv = 0 }
}

/* nbbs_unmark(row, w, b, top) -> ures */
inline unmark(row0, w0, b0, top0)
{
	d_step {
		urow = row0;
		uw = w0;
		ub = b0;
		utop = top0;
		uid = WID(urow, uw);
		uo = st[uid];
		uv = ver[uid]
	}
	do
	:: !(uo & OCCB(ub)) -> ures = 0; break	/* freed concurrently */
	:: else ->
		ust = uo & ~OCCB(ub);
		if
		:: ust == 0 && urow < utop -> announce(urow, uw)
		:: else
		fi;
		cas(uid, uo, uv, ust, res, unv);
		if
		:: res -> ures = 1; break
		:: else
		fi
	od;
	do
	:: !ures || ust != 0 || urow >= utop -> break
	:: else ->
		d_step {		/* atomic_long_read_acquire(parent) */
			qid = WID(urow + 1, UPW(uw));
			pb = UPB(uw);
			side = UPS(uw);
			po = st[qid];
			pv = ver[qid];
			printf("P%d read parent word %d st %x v %d\n", me, qid, po, pv)
		}
		do
		:: (po & (OCCB(pb) | ANC(pb))) -> done = 1; break
		:: else ->
#if MUTANT != 1
			if	/* atomic_long_read(word) != new */
			:: st[uid] != ust || ver[uid] != unv -> done = 1; break
			:: else
			fi;
#endif
			pst = po & ~(PARTB(pb, side) | COALB(pb, side));
			if
			:: pst == 0 && urow + 1 < utop -> announce(urow + 1, UPW(uw))
			:: else
			fi;
			cas(qid, po, pv, pst, res, pnv);
			if
			:: res -> break
			:: else ->
				atomic {
					po = st[qid];
					pv = ver[qid];
					printf("P%d reread parent word %d st %x v %d\n", me, qid, po, pv)
				}
			fi
		od;
		if
		:: done -> break
		:: else
		fi;
		atomic {
			urow++;
			uw = UPW(uw);
			uid = qid;
			ust = pst;
			unv = pnv
		}
	od;
	atomic {
		urow = 0; uw = 0; ub = 0; utop = 0; uid = 0; uo = 0; uv = 0;
		ust = 0; unv = 0; qid = 0; pb = 0; side = 0; po = 0; pv = 0;
		pst = 0; pnv = 0; res = 0; done = 0
	}
}

/* nbbs_claim_in(level, idx) -> ret (the worker commits after it) */
inline try_claim(lvl, ix)
{
	d_step {
		tl = lvl;			/* nbbs_locate() */
		trow = tl / LEVELS;
		tb = LEVELS - 1 - tl % LEVELS;	/* local depth */
		tw = (ix) >> tb;
		tb = (1 << tb) | ((ix) & ((1 << tb) - 1));
		tid = WID(trow, tw);
		to = st[tid];
		tv = ver[tid]
	}
	do
	:: (to & SUB(trow, tb)) -> ret = R_BUSY; break
	:: !(to & SUB(trow, tb)) && (to & ANC(tb)) -> ret = R_AGAIN; break
	:: else ->
		cas(tid, to, tv, to | OCCB(tb), res, tnv);
		if
		:: res -> ret = R_OK; break
		:: else
		fi
	od;
	/* the climb */
	atomic { crow = trow; cw = tw; blk = 0; res = 0 }
	do
	:: ret != R_OK || crow >= TOPROW -> break
	:: else ->
		d_step {		/* atomic_long_read_acquire(parent) */
			qid = WID(crow + 1, UPW(cw));
			pb = UPB(cw);
			side = UPS(cw);
			po = st[qid];
			pv = ver[qid];
			printf("P%d read parent word %d st %x v %d\n", me, qid, po, pv)
		}
		do
		:: (po & (OCCB(pb) | ANC(pb))) -> blk = crow + 2; break
#if MUTANT == 2
		:: !(po & (OCCB(pb) | ANC(pb))) &&
		   (po & PARTB(pb, side)) -> break	/* ignores COAL */
#else
		:: !(po & (OCCB(pb) | ANC(pb))) &&
		   (po & (PARTB(pb, side) | COALB(pb, side))) == PARTB(pb, side) -> break
#endif
		:: else ->
			cas(qid, po, pv, (po | PARTB(pb, side)) & ~COALB(pb, side), res, pnv);
			if
			:: res -> break
			:: else ->
				atomic {
					po = st[qid];
					pv = ver[qid];
					printf("P%d reread parent word %d st %x v %d\n", me, qid, po, pv)
				}
			fi
		od;
		if
		:: blk -> break
		:: else
		fi;
		atomic { crow++; cw = UPW(cw); qid = 0; pb = 0; side = 0; po = 0; pv = 0; res = 0; pnv = 0 }
	od;
	if
	:: blk ->
		/* roll back like a release, up to the top (MUTANT 3: the blocker) */
#if MUTANT == 3
		unmark(trow, tw, tb, blk - 2);
#else
		unmark(trow, tw, tb, TOPROW);
#endif
		assert(ERRONEOUS || ures);	/* Q4: nobody else frees a claim */
		ret = R_AGAIN
	:: else
	fi;
	atomic {
		tid = 0; to = 0; tv = 0; tnv = 0; crow = 0; cw = 0; blk = 0;
		qid = 0; pb = 0; side = 0; po = 0; pv = 0; pnv = 0; res = 0; ures = 0
	}
}

/* nbbs_find_in(leaf) -> fret (0 found, 1 not live / interior), flv */
inline find(leaf)
{
	frow = TOPROW;
	do
	:: atomic {
		fw = (leaf) >> (LEVELS * frow + LEVELS - 1);
		fb = WB | (((leaf) >> (LEVELS * frow)) & (WB - 1));
		fs = st[WID(frow, fw)];		/* atomic_long_read() */
		fo = fs & (OCCB(fb) | ANC(fb))
	   };
		if
		:: fo -> break
		:: else
		fi;
		if
		:: frow == 0 -> fret = 1; break
		:: else
		fi;
		if	/* the PART mark towards the leaf, in the word read */
		:: !(fs & PARTB(fb, ((leaf) >> (LEVELS * frow - 1)) & 1)) ->
			fret = 1; break
		:: else -> frow--
		fi
	od;
	if
	:: fret == 0 ->
		d_step {
			fb = 1;
			do
			:: !(fo & OCCB(fb)) -> fb++
			:: else -> break
			od;
			flv = LEVELS * frow + LEVELS - 1 - ILOG2(fb);
			fw = ((leaf) >> flv) >> (LEVELS - 1 - flv % LEVELS);
			if
			:: (leaf) & ((1 << flv) - 1) -> fret = 1	/* interior */
			:: else
			fi;
			fo = 0
		}
	:: else
	fi
}

/* nbbs_free(leaf) -> fret: 0 freed, 1 not live, 2 not committed, 3 raced */
inline nb_free(leaf)
{
	fret = 0;
#ifndef FIND_FIRST
	d_step {	/* test_and_clear_bit(leaf, committed) */
		taken = committed[leaf];
		committed[leaf] = 0;
		printf("P%d free leaf %d: committed was %d\n", me, leaf, taken);
#if MUTANT == 4
		taken = 1;	/* the OCC node found is enough */
#endif
		if
		:: !taken -> fret = 2		/* invalid free */
		:: taken && lord[leaf] && lown[leaf] != me + 1 ->
			stolen[lown[leaf] - 1] = true;	/* as ghost_take */
			tleaf = leaf
		:: else
		fi
	}
	if
	:: fret == 0 ->
		/* the block is ours now: found, at its order */
		find(leaf);
#if MUTANT == 4
		if
		:: fret == 0 -> d_step { ghost_take(leaf, flv) }
		:: else
		fi
#else
		assert(fret == 0);
		d_step { ghost_take(leaf, flv) }
#endif
	:: else
	fi;
#else
	find(leaf);
	if
	:: fret == 0 ->
		d_step {	/* test_and_clear_bit(leaf, committed) */
			taken = committed[leaf];
			committed[leaf] = 0;
			printf("P%d free leaf %d order %d: committed was %d\n", me, leaf, flv, taken);
			if
			:: taken -> ghost_take(leaf, flv)
			:: else -> fret = 2		/* invalid free */
			fi
		}
	:: else
	fi;
#endif
	if
	:: fret == 0 ->
		d_step { fb = LEVELS - 1 - flv % LEVELS; fb = (1 << fb) | (((leaf) >> flv) & ((1 << fb) - 1)) }
		unmark(flv / LEVELS, fw, fb, TOPROW);
		assert(ERRONEOUS || ures);	/* Q4 */
		if
		:: !ures -> fret = 3
		:: else
		fi
	:: else
	fi;
	atomic { frow = 0; fw = 0; fb = 0; fo = 0; fs = 0; taken = 0 }
}

/* ---------------------------------------------------------- processes */

#define LOCALS \
	byte ret, tl, trow, tb, tid, tw, tv, tnv, crow, cw, blk; \
	int to; \
	byte urow, uw, ub, utop, uid, uv, unv, qid, pb, side, pv, pnv, res, done, ures; \
	int uo, ust, po, pst; \
	byte aid, apb, aside, av, ares, anv; \
	int ao; \
	byte frow, fw, fb, flv, fret, taken; \
	int fo, fs

proctype worker(byte me)
{
	LOCALS;
	byte r, o, ix, leaf;

	do
	:: r < ROUNDS ->
		o = OLO;
		do
		:: o < OHI -> o++
		:: break
		od;
		ix = 0;
		do
		:: ((ix + 1) << o) < SPAN -> ix++
		:: break
		od;
		try_claim(o, ix);
		if
		:: ret == R_OK ->
			d_step {	/* set_bit(leaf, committed) */
				leaf = ix << o;
				committed[leaf] = 1;
				printf("P%d commit order %d leaf %d\n", me, o, leaf);
				ghost_commit(leaf, o)
			};
			if
			:: !stolen[me] ->
				nb_free(leaf);
				/* Q4: our own free succeeds, unless a stray took it */
				assert(ERRONEOUS || fret == 0 || stolen[me])
			:: else
			fi
		:: else
		fi;
		atomic {
			if
			:: stolen[me] -> tleaf = NONE
			:: else
			fi;
			stolen[me] = 0; ret = 0; leaf = 0; ix = 0; o = 0; fret = 0; flv = 0; r++ }
	:: else -> break
	od;
	finished++
}

#ifdef STRAY
proctype stray(byte me)
{
	LOCALS;
	byte leaf;

	do
	:: leaf + 1 < SPAN -> leaf++
	:: break
	od;
	sleaf = leaf;
	nb_free(leaf);
	d_step { sleaf = NONE; fret = 0; flv = 0; leaf = 0 }
	finished++
}
#endif

init {
	byte p;

	atomic {
		do
		:: p < NPROC -> run worker(p); p++
		:: else -> break
		od;
#ifdef STRAY
		run stray(NPROC);
#endif
		p = 0
	}
	finished == NRUN;
	d_step {
		/* Q3: nothing live, nothing left */
		p = 0;
		do
		:: p < NWORDS -> assert(ERRONEOUS || st[p] == 0); p++
		:: else -> break
		od;
		p = 0;
		do
		:: p < NLEAVES ->
			assert(ERRONEOUS || (!committed[p] && lown[p] == 0 && lord[p] == 0));
			p++
		:: else -> break
		od;
		p = 0
	}
}
