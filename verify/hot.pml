/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SPIN model of the hot blocks of nbbs_core.c (pools created with
 * NBBS_POOL_HOT: the block comment "Hot blocks" there, the section of the
 * same name in Documentation/nbbs.rst): the two state bits per block, the
 * per-CPU slot stacks, nbbs_hot_*() and their callers in nbbs_alloc() and
 * nbbs_free() (the pool->hot_orders branches), as of commit 42e664f,
 * which replaced the state RECLAIM by LIVE; -DORIG models the protocol
 * before it (up to 99a1522, see "History").
 *
 * Every function of the layer is an inline below with the name of its C
 * counterpart (nbbs_hot_swap -> hot_swap, nbbs_hot_pop -> hot_pop, ...),
 * written statement by statement after the C code.  The granularity is the
 * one of the hardware: every read of shared data and every atomic operation
 * is one step; purely local computation is folded into the neighbouring
 * shared step.  Memory is sequentially consistent, as in verify/nbbs.pml:
 * every decision is taken by a fully ordered CAS of the state bits; the
 * model checks the protocol, not the barriers.
 *
 * The protocol.  Per block of a hot order, two state bits:
 *
 *   NONE    (0) not held as this block: free in the tree, part of another
 *               block, or on its way back to the tree
 *   CACHED  (1) parked: OCC in the tree, free for whoever takes it
 *   LIVE    (3) handed out as this block
 *
 *   claim:    an allocation that gets exactly this block from the tree
 *             moves NONE -> LIVE (nbbs_hot_claimed, which WARNs if it finds
 *             anything else) before nbbs_alloc() returns it.
 *   reuse:    CACHED -> LIVE (nbbs_hot_pop), by a CPU whose slot names the
 *             block.
 *   release:  (nbbs_hot_release) LIVE -> CACHED, then a free slot of this
 *             CPU; if none turns out free, CACHED -> NONE and the tree
 *             release, or, if that CAS finds the block taken by a stale
 *             slot already, the free is done.  With hot_top saying the
 *             slots are full: LIVE -> NONE, then the tree release.  A
 *             release that finds CACHED is refused ("freed already"), one
 *             that finds NONE too ("not a live block").
 *   reclaim:  CACHED -> NONE (nbbs_hot_reclaim), then the tree release
 *             (nbbs_hot_to_tree: WARNs if the tree does not find the block
 *             live at that order).
 *
 * nbbs_hot_parked() (the walk counts a LIVE tree node whose state is
 * CACHED as free) only feeds statistics and is not modelled.
 *
 * History: the protocol before (-DORIG) and why it changed.  It had NONE
 * (with its user, or free in the tree and never reclaimed), CACHED and
 * RECLAIM (2: given back to the tree by the hot path, not handed out as
 * this block since): release NONE -> CACHED then a slot, or NONE ->
 * RECLAIM then the tree; reuse CACHED -> NONE; reclaim CACHED -> RECLAIM
 * then the tree; claim RECLAIM -> NONE.  A release accepted NONE: it
 * trusted nbbs_find_live() to say that somebody held the block, and RECLAIM
 * only covered a block given back by the hot path.  The configuration
 * hot-stray-free-meets-rolled-back-claim (-DNSLOT=1 -DSTRAY -DTRANSIENT
 * -DNO_DOUBLE_FREE) found, with the ORIG protocol (depth 49):
 *
 *   P3 nbbs_alloc .. nbbs_tree_try: claim CAS of block 0 (block 0 OCC; its
 *      climb will meet an OCC ancestor)
 *   P2 nbbs_free(block 0), a stray free: nbbs_find_live() reads block 0
 *      OCC, at the hot order
 *   P3 nbbs_unmark: the claim rolled back, block 0 free in the tree, NONE
 *   P2 nbbs_hot_release: NONE -> CACHED succeeds, the free is accepted
 *   -> assertion violated (erroneous||(owners[fb]>0)): P2, a free from no
 *      holder accepted; the block is CACHED (and would be parked) while free
 *      in the tree, so the tree and the slot could both hand it out: two
 *      holders, overlapping blocks (P1, P4).
 *
 * In C: the find of a double or stray free walks down past ancestors it
 * read before a covering block was allocated, and reads the node of a
 * claim that this covering block makes roll back.  (The base tree is
 * immune: its unmark CAS takes the claim's word, and the rollback's CAS
 * then fails harmlessly.)  No tree read can tell a block held from a
 * claim about to be rolled back; LIVE does: it is set only by the
 * allocation that returns the block (claim, reuse), so a release that
 * accepts only LIVE refuses a free of a block that nobody holds, whatever
 * its find read.  RECLAIM is then unnecessary: a block the hot path gave
 * back is NONE until claimed, and NONE is refused.
 * verify/check-model.sh runs the configuration above as a pass, and with
 * -DORIG as a fail (hot-orig-stray-free-meets-rolled-back-claim).
 *
 * What is modelled.
 *  - NBLK blocks (1, or 2 with -DNBLK=2) of one hot order.  Their state
 *    bits hst[] change only in hot_swap().  nbbs_hot_swap() reads the
 *    word, then CASes it, retrying while only other blocks' bits changed:
 *    its effect is one atomic "if the field is @from, make it @to; return
 *    what it was", linearized at the successful CAS or at the read that
 *    found another state, so it is one step here.
 *  - NCPU = 2 CPUs, each with NSLOT (1 or 2, default 2) slots hot[][] and
 *    the hint hot_top.  Slots are written only with this_cpu_xchg() and
 *    this_cpu_cmpxchg() on the CPU the caller runs on at that instant (one
 *    step each: a single instruction, or an interrupt-safe sequence, that
 *    no other CPU writes); other CPUs only read them (nbbs_hot_drain).  A
 *    drain does not clear the slot it reclaims from, so stale slots (naming
 *    a block that was reclaimed, and maybe allocated and parked elsewhere
 *    since) arise by themselves; with ANYSTART they may also exist at the
 *    start.  hot_top is read and written with this_cpu_read/write, so it
 *    may be off after a migration, as in C.  By default a drain reads
 *    every slot; -DHOT_MASK adds the mask of filled slots of 9cff947
 *    (hot_mask: a release sets a slot's bit before its cmpxchg, a pop
 *    clears it before its xchg, a drain reads the mask once per CPU and
 *    only the slots whose bit is set), see "Known hole".
 *  - Migration and interrupts: unless PERCALL is defined, every this_cpu
 *    access of every call picks its CPU anew (oncpu()), so a call may
 *    migrate between any two of its steps, and two callers may share a CPU
 *    (an interrupt, or preemption, between the steps of another call).
 *    With PERCALL a call stays on one CPU, picked at its start (a free may
 *    still run on another CPU than the allocation).
 *
 * What is abstracted.
 *  - The tree.  tree[b] is T_FREE (not live as this block: the tree would
 *    hand it out, or it lies inside another block) or T_LIVE (OCC in the
 *    tree as this block).  The tree's claim is one atomic step T_FREE ->
 *    T_LIVE (tree_claim: the claim CAS of nbbs_tree_try with its climb,
 *    after which the block is the allocation's) and its release one atomic
 *    step T_LIVE -> T_FREE (in hot_to_tree: nbbs_layout_free; it must find
 *    the block live, else the C code's WARN_ON_ONCE fires).  The tree
 *    protocol itself (climb, announce, unmark, versions, rollbacks, the
 *    size-less find) is verified by verify/nbbs.pml, whose P1 (no two live
 *    blocks overlap) and P2 (the free of a live block succeeds, at its
 *    order) are what allows a claim and a release to be single steps here.
 *    The chunk summary and the release counters only steer scans.
 *  - A claim that is rolled back (the climb met an OCC ancestor) makes the
 *    node OCC for a while without handing anything out.  By default claims
 *    are atomic and never rolled back; -DTRANSIENT adds one rolled-back
 *    claim of block 0, T_FREE -> T_TRANS -> T_FREE, allowed whenever block
 *    0 is not live (an over-approximation: the model does not track the
 *    covering block that makes it roll back).  nbbs_find_live() reads
 *    T_TRANS as live, as nbbs_tree_search() can (see STRAY below).
 *  - nbbs_find_live() is one atomic read of tree[b]: OCC -> the block's
 *    order, else NBBS_FREE_NOT_LIVE.  Coalescing with a buddy and blocks of
 *    other orders at the same address are not modelled: the state bits of
 *    each (order, block) follow the same protocol, and a free of an
 *    address frees (or is refused by) what its find says lives there.
 *  - nbbs_alloc(): hot_pop() on this CPU; else a tree claim; if that fails,
 *    one nbbs_hot_drain() (want = the block's order: nbbs_hot_helps() is
 *    then true) and one more claim (the C code rescans after any drain that
 *    gave a block back, as each reclaim counts as a release), else NULL;
 *    after a successful claim nbbs_hot_claimed().  Which free block a claim
 *    gets (NBLK = 2) is nondeterministic, as the scan start is.  The
 *    no-false-NULL bracket (pcpu->parks, releases) is not modelled: only
 *    safety is checked.
 *  - nbbs_hot_helps() is a nondeterministic yes/no in the drainer process
 *    (it only filters which slots a drain reclaims: a failing allocation of
 *    a larger order; nbbs_pool_drain() is the final drain of init).
 *  - Statistics and ctx counters are left out (per-CPU, never read).
 *
 * Processes.
 *  - NUSER users (default 2), ROUNDS rounds (default 1) each of: nbbs_alloc,
 *    and if it gave a block, nbbs_free of it (find, then nbbs_hot_release:
 *    park, or with no free slot the tree).
 *  - Unless NO_DOUBLE_FREE, a buggy caller frees user 0's first block a
 *    second time: it starts at any moment after that allocation returned
 *    (before, during or after user 0's own free), reads the tree then (its
 *    own, possibly stale, find) and does its state CAS at any later moment.
 *  - With STRAY, a free of block 0's address by a caller that never held
 *    block 0 (a double free of a larger block that started there, a stale
 *    pointer), at any moment from the start.
 *  - With TRANSIENT, the rolled-back claim above.
 *  - A drainer: NDRAIN (default 1) nbbs_hot_drain() passes with the
 *    nondeterministic nbbs_hot_helps().
 *  - At the end, init checks P3, runs nbbs_pool_drain() (nbbs_hot_drain(0))
 *    and checks P3 again.
 *
 * Ownership (ghost).  owners[b] counts the holders of block b: a hand-out
 * (the successful CACHED -> LIVE of hot_pop, or the tree claim) adds one, a
 * free that the algorithm accepts (the successful LIVE -> CACHED/NONE of
 * nbbs_hot_release; ORIG: NONE -> CACHED/RECLAIM) removes one.  The two
 * frees of user 0's first allocation (user 0's own and the buggy one) are
 * "df frees": the first of them to be accepted ends that allocation.  The
 * second one, and a stray free, if accepted, are judged by what holds the
 * block at their CAS:
 *  - nobody (the block is parked, being reclaimed, free in the tree, never
 *    handed out): a protocol bug, P2 fails;
 *  - a holder (for the df free: the block was handed out again, by the tree
 *    or from a slot, since the first df free): the inherent case,
 *    indistinguishable from that holder's own free, as with any allocator.
 *    The model records it in the ghost flag "erroneous" and from then on
 *    asserts nothing (the program is erroneous: the holder's own free may
 *    then be refused, the block handed out again while the victim uses it),
 *    as ERRONEOUS does in verify/nbbs.pml.
 *  So the buggy free may come at any moment; nothing is restricted (SPIN
 *  does reach the inherent case: an assert(0) next to "erroneous = true"
 *  fails).
 *
 * Properties (assertions; SPIN reports any failing one with a trail).
 *  P1 No double hand-out: a block is handed out only when it has no holder
 *     and is live in the tree (so the tree cannot hand it out again); a
 *     holder's own free is accepted.
 *  P2 A free that does not come from the block's holder (a double free of a
 *     block that is parked, being reclaimed or free in the tree and not
 *     handed out again; a stray free) is refused; of the two df frees one
 *     is accepted.
 *  P3 Nothing lost: when every process has finished, every block has no
 *     holder and is free in the tree in state NONE (ORIG: NONE or RECLAIM),
 *     or live in the tree in state CACHED and named by some slot; after the
 *     final nbbs_pool_drain() every block is free in the tree.
 *  P4 The state invariants of the C comment: a block becomes CACHED only
 *     from LIVE (ORIG: from NONE) and only while live in the tree, and
 *     becomes LIVE only while live in the tree; the tree never hands out a
 *     CACHED block, and nbbs_hot_claimed() finds its block NONE (its
 *     WARN_ON_ONCE never fires); nbbs_hot_to_tree() finds its block live in
 *     the tree (its WARN_ON_ONCE never fires) and in NONE (ORIG: RECLAIM),
 *     so that nobody else can take or release it meanwhile.
 *
 * Known hole (-DHOT_MASK, not run by verify/check-model.sh): a slot can be
 * filled while its bit in hot_mask is clear; no drain reads it then, and
 * its block stays parked (P3 after the final nbbs_pool_drain(); in C also
 * a false NULL, as a failing allocation on another CPU cannot reclaim it)
 * until its CPU pops it or sets the bit again.  With -DHOT_MASK alone (431
 * states): a release sets bit 0 on CPU 0, migrates, and fills slot 0 of
 * CPU 1, whose bit 0 is clear.  Without migration (-DHOT_MASK -DPERCALL
 * -DNBLK=2 -DROUNDS=2 -DNO_DOUBLE_FREE -DNDRAIN=0), all on CPU 0:
 *
 *   P1 nbbs_hot_release(block 0): LIVE -> CACHED, this_cpu_or(bit 0)
 *   P0 (an interrupt, or preemption) nbbs_free(block 1) parks it in slot
 *      0, then nbbs_alloc: nbbs_hot_pop clears bit 0, takes slot 0
 *   P1 this_cpu_cmpxchg(slot 0, 0, block 0) succeeds: filled, bit 0 clear
 *   nbbs_pool_drain() reads CPU 0's mask 0: block 0 stays CACHED
 *
 * Setting the bit again after a successful cmpxchg passes these
 * configurations with PERCALL; across a migration the two this_cpu
 * operations hit different CPUs, so that needs them on one CPU.
 *
 * Mutants (MUTANT=n breaks the protocol on purpose: the check must fail;
 * they modify the current protocol, not ORIG):
 *  1 nbbs_hot_reclaim() takes the block with a read and a plain store
 *    (CACHED -> NONE without CAS): a pop, or a second drain, between the
 *    two takes it too.  (Before LIVE, mutant 1 let RECLAIM fall back to NONE
 *    right after the tree release; there is no RECLAIM now.)
 *  2 nbbs_hot_release() parks a block it finds CACHED as if it were LIVE
 *    (a release that does not check for CACHED).
 *  3 nbbs_hot_pop() trusts its slot: hands the block out without the
 *    CACHED -> LIVE CAS (a stale slot is taken at its word).
 *  4 nbbs_hot_release() with no free slot sends its CACHED block to the
 *    tree without the CACHED -> NONE CAS (forgets that a stale slot
 *    elsewhere may have taken it).  Needs NSLOT=1 to reach that path.
 *  5 The claim does not set LIVE (nbbs_hot_claimed() does nothing) and
 *    nbbs_hot_release() accepts NONE as well as LIVE: the tree's find alone
 *    says whether a block is held, RECLAIM left out too.
 */

#ifndef NBLK
#define NBLK	1
#endif
#ifndef NSLOT
#define NSLOT	2
#endif
#ifndef NUSER
#define NUSER	2
#endif
#ifndef ROUNDS
#define ROUNDS	1
#endif
#ifndef NDRAIN
#define NDRAIN	1
#endif
#ifndef MUTANT
#define MUTANT	0
#endif
#define NCPU	2

#if NBLK != 1 && NBLK != 2
#error NBLK must be 1 or 2
#endif
#if NSLOT != 1 && NSLOT != 2
#error NSLOT must be 1 or 2
#endif
#if defined(ORIG) && MUTANT != 0
#error the mutants modify the current protocol, not ORIG
#endif

/* slot arrays: NCPU * NSLOT, written out as literals */
#if NSLOT == 1
#define NSLOTS	2
#else
#define NSLOTS	4
#endif
#define SLOT(c, i)	slot[(c) * NSLOT + (i)]

/* state bits: NBBS_HOT_NONE, NBBS_HOT_CACHED, NBBS_HOT_LIVE */
#define H_NONE		0
#define H_CACHED	1
#define H_RECLAIM	2	/* ORIG: NBBS_HOT_RECLAIM */
#define H_LIVE		3

/* the state a holder's block is in, released from and reused into */
#ifdef ORIG
#define H_HELD		H_NONE
#else
#define H_HELD		H_LIVE
#endif

#define T_FREE		0
#define T_LIVE		1
#define T_TRANS		2	/* TRANSIENT: claimed, about to be rolled back */

/* enum nbbs_free_result, the values that matter here */
#define F_FREED		0
#define F_NOT_LIVE	1
#define F_CACHED	2

/* ghost action of a successful hot_swap */
#define G_NO		0
#define G_POP		1	/* CACHED -> LIVE of hot_pop: a hand-out */
#define G_FREE		2	/* LIVE -> CACHED/NONE of hot_release */

#ifdef NO_DOUBLE_FREE
#define NBUGGY	0
#else
#define NBUGGY	1
#endif
#ifdef STRAY
#define NSTRAY	1
#else
#define NSTRAY	0
#endif
#ifdef TRANSIENT
#define NTRANS	1
#else
#define NTRANS	0
#endif
#define NPROC	(NUSER + NBUGGY + NSTRAY + NTRANS + 1)

/* ---------------------------------------------------------- shared state */

byte tree[NBLK];	/* the tree, abstracted: T_FREE, T_LIVE, T_TRANS */
byte hst[NBLK];		/* pool->hot_state: H_NONE, H_CACHED, H_LIVE */
byte slot[NSLOTS];	/* pcpu->hot[order][]: block + 1, or 0 */
byte top[NCPU];		/* pcpu->hot_top[order] */
#ifdef HOT_MASK
byte mask[NCPU];	/* pcpu->hot_mask[order]: bit i for slot i */
#endif

/* ---------------------------------------------------------- ghost state */

byte owners[NBLK];	/* holders of the block, see the header */
bool erroneous;		/* a df or stray free was accepted from a holder */
byte df_blk;		/* user 0's first block */
byte df_pub;		/* 1: published, 2: user 0's first allocation failed */
bool df_ended;		/* one df free was accepted */
byte df_ok;		/* df frees accepted */
byte df_done;		/* df frees returned */
byte finished;

/* ---------------------------------------------------------- ghost code */

/* Block bb was handed out (hot_pop's CAS or the tree claim). */
inline ghost_handout(bb)
{
	/* P1: no holder, and the tree holds it live (cannot give it again) */
	assert(erroneous || (owners[bb] == 0 && tree[bb] == T_LIVE));
	owners[bb]++
}

/* A free of block bb was accepted (hot_release's LIVE -> to CAS). */
inline ghost_freed(bb)
{
	if
	:: isstray ->
		printf("P%d ghost: stray free accepted, holders %d\n", me, owners[bb]);
		/* P2: a stray free may only hit a holder (inherent) */
		assert(erroneous || owners[bb] > 0);
		erroneous = true
	:: isdf && df_ended ->
		printf("P%d ghost: second df free accepted, holders %d\n", me, owners[bb]);
		/* P2: the second df free may only hit a later holder */
		assert(erroneous || owners[bb] > 0);
		erroneous = true
	:: else ->
		if
		:: isdf -> df_ended = true
		:: else
		fi;
		assert(erroneous || owners[bb] == 1)
	fi;
	if
	:: owners[bb] > 0 -> owners[bb]--
	:: else
	fi
}

/* ---------------------------------------------------------- the protocol */

/* The CPU of the next this_cpu access (see the header, PERCALL). */
#ifdef PERCALL
#define oncpu()		skip
#define offcpu()	skip
#define callcpu()	if :: cpu = 0 :: cpu = 1 fi
#else
#define oncpu()		if :: cpu = 0 :: cpu = 1 fi
#define offcpu()	cpu = 0		/* not state: picked anew each time */
#define callcpu()	skip
#endif

/* nbbs_hot_swap(bb, from, to) -> found; ghost action gk on success */
inline hot_swap(bb, from, to_, gk)
{
	d_step {
		found = hst[bb];
		if
#if MUTANT == 2
		:: found == from || (gk == G_FREE && found == H_CACHED) ->
#elif MUTANT == 5
		:: found == from || (gk == G_FREE && found == H_NONE) ->
#else
		:: found == from ->
#endif
			hst[bb] = to_;
			printf("P%d hot_swap: block %d %d -> %d ok\n", me, bb, found, to_);
			if
			:: gk == G_POP -> ghost_handout(bb)
			:: gk == G_FREE -> ghost_freed(bb)
			:: else
			fi;
			/*
			 * P4: a block becomes CACHED only from LIVE (ORIG:
			 * NONE), CACHED or LIVE only while the tree holds it
			 * live
			 */
			assert(erroneous || to_ != H_CACHED || found == H_HELD);
			assert(erroneous || (to_ != H_CACHED && to_ != H_LIVE) ||
			       tree[bb] == T_LIVE);
			found = from
		:: else ->
			printf("P%d hot_swap: block %d %d -> %d FAILED, is %d\n",
			       me, bb, from, to_, found)
		fi
	}
}

/* The tree's claim of block bb (nbbs_scan .. nbbs_try_node) -> ok */
inline tree_claim_one(bb)
{
	/* P4: a CACHED block is live in the tree */
	assert(erroneous || hst[bb] != H_CACHED);
	tree[bb] = T_LIVE;
	printf("P%d tree: claim block %d\n", me, bb);
	ghost_handout(bb);
	got = bb + 1
}

/* The scan of nbbs_alloc(): any free block, or none -> got */
inline tree_claim()
{
	atomic {
		got = 0;
		if
		:: tree[0] == T_FREE -> tree_claim_one(0)
#if NBLK == 2
		:: tree[1] == T_FREE -> tree_claim_one(1)
#endif
		:: else -> printf("P%d tree: no free block\n", me)
		fi
	}
}

/* nbbs_hot_to_tree(bb): the caller moved bb to NONE (ORIG: RECLAIM) */
inline hot_to_tree(bb)
{
	d_step {
		/*
		 * P4: the WARN_ON_ONCE of nbbs_hot_to_tree never fires, and
		 * nobody can take or release the block meanwhile
		 */
		assert(erroneous || tree[bb] == T_LIVE);
#ifdef ORIG
		assert(erroneous || hst[bb] == H_RECLAIM);
#else
		assert(erroneous || hst[bb] == H_NONE);
#endif
		tree[bb] = T_FREE;		/* nbbs_layout_free */
		printf("P%d tree: release block %d\n", me, bb)
	}
}

/* nbbs_hot_claimed(bb): the tree just gave out bb */
inline hot_claimed(bb)
{
#ifdef ORIG
	d_step {
		found = hst[bb];		/* nbbs_hot_state */
		printf("P%d hot_claimed: block %d is %d\n", me, bb, found)
	};
	if
	:: found == H_RECLAIM -> hot_swap(bb, H_RECLAIM, H_NONE, G_NO)
	:: else
	fi;
#elif MUTANT == 5
	skip;					/* LIVE never set */
#else
	hot_swap(bb, H_NONE, H_LIVE, G_NO);
	/* P4: its WARN_ON_ONCE never fires */
	assert(erroneous || found == H_NONE);
#endif
	found = 0
}

/* nbbs_hot_reclaim(bb) */
inline hot_reclaim(bb)
{
#ifdef ORIG
	hot_swap(bb, H_CACHED, H_RECLAIM, G_NO);
#elif MUTANT == 1
	d_step {
		found = hst[bb];		/* read ... */
		printf("P%d hot_reclaim: block %d is %d\n", me, bb, found)
	};
	if
	:: found == H_CACHED ->
		d_step {
			hst[bb] = H_NONE;	/* ... then a plain store */
			printf("P%d hot_reclaim: block %d = 0\n", me, bb)
		}
	:: else
	fi;
#else
	hot_swap(bb, H_CACHED, H_NONE, G_NO);
#endif
	if
	:: found == H_CACHED -> found = 0; hot_to_tree(bb)
	:: else -> found = 0
	fi
}

/*
 * nbbs_hot_drain(want): every CPU's slots; nbbs_hot_helps() is true
 * (any = 0: want is the block's order, or nbbs_pool_drain) or a
 * nondeterministic filter (any = 1).
 */
inline hot_drain(any)
{
	c = 0;
	do
	:: c < NCPU ->
		i = 0;
#ifdef HOT_MASK
		d_step {
			m = mask[c];		/* READ_ONCE(pc->hot_mask[k]) */
			printf("P%d hot_drain: CPU %d mask %d\n", me, c, m)
		};
#endif
		do
		:: i < NSLOT ->
#ifdef HOT_MASK
			if
			:: (m >> i) & 1
			:: else -> goto skipslot
			fi;
#endif
			d_step {
				v = SLOT(c, i);		/* READ_ONCE(pc->hot[k][i]) */
				printf("P%d hot_drain: CPU %d slot %d is %d\n", me, c, i, v)
			};
			if
			:: v && any -> v = 0	/* nbbs_hot_helps() said no */
			:: v -> hot_reclaim(v - 1)
			:: else
			fi;
#ifdef HOT_MASK
skipslot:
#endif
			atomic { v = 0; i++ }
		:: else -> break
		od;
		atomic { i = 0; m = 0; c++ }
	:: else -> break
	od;
	c = 0
}

/* nbbs_hot_pop() on this CPU -> got (block + 1, or 0) */
inline hot_pop()
{
	atomic {
		oncpu();
		i = (top[cpu] < NSLOT -> top[cpu] : NSLOT);
		printf("P%d hot_pop: CPU %d hot_top %d\n", me, cpu, top[cpu]);
		offcpu()
	};
	do
	:: i > 0 ->
#ifdef HOT_MASK
		atomic {
			i--;
			oncpu();
			/* this_cpu_and(hot_mask, ~(1U << i)) */
			mask[cpu] = mask[cpu] & (255 - (1 << i));
			printf("P%d hot_pop: CPU %d mask %d\n", me, cpu, mask[cpu]);
			offcpu()
		};
#endif
		atomic {
#ifndef HOT_MASK
			i--;
#endif
			oncpu();
			v = SLOT(cpu, i);	/* this_cpu_xchg(hot[i], 0) */
			SLOT(cpu, i) = 0;
			printf("P%d hot_pop: CPU %d slot %d was %d\n", me, cpu, i, v);
			offcpu()
		};
		if
		:: v == 0
		:: else ->
			atomic {
				oncpu();
				top[cpu] = i;		/* this_cpu_write(hot_top) */
				printf("P%d hot_pop: CPU %d hot_top = %d\n", me, cpu, i);
				offcpu()
			};
#if MUTANT == 3
			d_step {
				hst[v - 1] = H_LIVE;	/* trusts the slot */
				ghost_handout(v - 1)
			};
			found = H_CACHED;
#else
			hot_swap(v - 1, H_CACHED, H_HELD, G_POP);
#endif
			if
			:: found == H_CACHED -> got = v; break
			:: else			/* stale: the next one down */
			fi
		fi;
		atomic { v = 0; found = 0 }
	:: else -> break
	od;
	atomic { i = 0; v = 0; found = 0 }
}

/* nbbs_hot_release(bb) on this CPU -> fres, parked */
inline hot_release(bb)
{
	atomic {
		oncpu();
		i = top[cpu];			/* this_cpu_read(hot_top) */
#ifdef ORIG
		to = (i < NSLOT -> H_CACHED : H_RECLAIM);
#else
		to = (i < NSLOT -> H_CACHED : H_NONE);
#endif
		printf("P%d hot_release: CPU %d hot_top %d\n", me, cpu, i);
		offcpu()
	};
	hot_swap(bb, H_HELD, to, G_FREE);
	if
	:: found == H_CACHED -> fres = F_CACHED	/* parked: freed before */
	:: found != H_CACHED && found != H_HELD ->
		fres = F_NOT_LIVE		/* held by no one */
	:: else ->
		fres = F_FREED;
		do
		:: to == H_CACHED && i < NSLOT ->
#ifdef HOT_MASK
			atomic {
				oncpu();
				/* this_cpu_or(hot_mask, 1U << i) */
				mask[cpu] = mask[cpu] | (1 << i);
				printf("P%d hot_release: CPU %d mask %d\n", me, cpu, mask[cpu]);
				offcpu()
			};
#endif
			atomic {
				oncpu();
				/* this_cpu_cmpxchg(hot[i], 0, leaf + 1) */
				if
				:: SLOT(cpu, i) == 0 -> SLOT(cpu, i) = bb + 1; ok = 1
				:: else -> ok = 0
				fi;
				printf("P%d hot_release: CPU %d slot %d: %d\n", me, cpu, i, ok);
				offcpu()
			};
			if
			:: ok ->
				atomic {
					oncpu();
					top[cpu] = i + 1;	/* this_cpu_write(hot_top) */
					printf("P%d hot_release: CPU %d hot_top = %d\n",
					       me, cpu, i + 1);
					offcpu()
				};
				parked = 1;
				break
			:: else -> i++
			fi
		:: else -> break
		od;
		if
		:: parked
		:: else ->
			/* no free slot */
			if
			:: to == H_CACHED ->
#if MUTANT == 4
				d_step { hst[bb] = H_NONE; found = H_CACHED };
#elif defined(ORIG)
				hot_swap(bb, H_CACHED, H_RECLAIM, G_NO);
#else
				hot_swap(bb, H_CACHED, H_NONE, G_NO);
#endif
				if
				:: found != H_CACHED -> parked = 1	/* taken already */
				:: else
				fi
			:: else
			fi;
			if
			:: !parked -> hot_to_tree(bb)
			:: else
			fi
		fi
	fi;
	atomic { i = 0; to = 0; ok = 0; found = 0 }
}

/* nbbs_free(block bb) -> fres */
inline nb_free(bb)
{
	atomic {
		callcpu();
		fb = bb;
		printf("P%d === nbbs_free(block %d)\n", me, fb);
		/* nbbs_find_live */
		if
		:: tree[fb] != T_FREE -> fres = F_FREED	/* OCC */
		:: else -> fres = F_NOT_LIVE
		fi;
		printf("P%d find_live: block %d is %d\n", me, fb, tree[fb])
	};
	if
	:: fres == F_FREED -> hot_release(fb)
	:: else
	fi;
	atomic {
		printf("P%d === nbbs_free(block %d) returns %d (parked %d)\n",
		       me, fb, fres, parked);
		fb = 0; parked = 0
	}
}

/* nbbs_alloc(the hot order) -> got (block + 1, or 0 for NULL) */
inline nb_alloc()
{
	atomic {
		callcpu();
		got = 0;
		printf("P%d === nbbs_alloc\n", me)
	};
	hot_pop();
	if
	:: got
	:: else ->
		tree_claim();
#ifndef NO_ALLOC_DRAIN
		if
		:: !got -> hot_drain(0); tree_claim()
		:: else
		fi;
#endif
		if
		:: got -> hot_claimed(got - 1)
		:: else
		fi
	fi;
	printf("P%d === nbbs_alloc returns block %d\n", me, got - 1)
}

/* ---------------------------------------------------------- processes */

/* the locals every inline above uses */
#define LOCALS \
	byte cpu, i, c, v, m, to, found, ok, parked, fres, fb, got; \
	bool isdf, isstray

proctype user(byte me)
{
	LOCALS;
	byte r;

	do
	:: r < ROUNDS ->
		nb_alloc();
		if
		:: got ->
			d_step {
				isdf = (NBUGGY && me == 0 && r == 0);
				if
				:: isdf -> df_blk = got - 1; df_pub = 1
				:: else
				fi
			};
			nb_free(got - 1);
			d_step {
				if
				:: isdf ->
					df_ok = df_ok + (fres == F_FREED);
					df_done++
				:: else ->
					/* P1: a holder's free is accepted */
					assert(erroneous || fres == F_FREED)
				fi;
				isdf = false
			}
		:: else ->
			if
			:: me == 0 && r == 0 -> df_pub = 2
			:: else
			fi
		fi;
		atomic { got = 0; fres = 0; cpu = 0; r++ }
	:: else -> break
	od;
	finished++
}

proctype buggy(byte me)
{
	LOCALS;

	df_pub != 0;
	if
	:: df_pub == 1 ->
		isdf = true;
		nb_free(df_blk);
		d_step {
			df_ok = df_ok + (fres == F_FREED);
			df_done++;
			isdf = false; fres = 0; cpu = 0
		}
	:: else
	fi;
	finished++
}

#ifdef STRAY
/*
 * A free of block 0's address by a caller that never held block 0: a
 * double free of a larger block that started at the same address, or a
 * stale pointer.  Its find may come at any time, from the start.
 */
proctype stray(byte me)
{
	LOCALS;

	isstray = true;
	nb_free(0);
	atomic { isstray = false; fres = 0; cpu = 0 };
	finished++
}
#endif

#ifdef TRANSIENT
/*
 * An allocation whose claim of block 0 is rolled back (nbbs_tree_try: the
 * claim CAS succeeded, the climb met an OCC ancestor, nbbs_unmark gives the
 * node back).  Over-approximated: it may come whenever block 0 is not live
 * as itself (the model does not track the covering block that blocks it).
 */
proctype transient(byte me)
{
	if
	:: atomic {
		tree[0] == T_FREE ->
		tree[0] = T_TRANS;
		printf("P%d tree: transient claim of block 0\n", me)
	   };
	   atomic {
		/* the rollback's unmark CAS: nobody else writes this node */
		assert(tree[0] == T_TRANS);
		tree[0] = T_FREE;
		printf("P%d tree: rollback of block 0\n", me)
	   }
	:: skip
	fi;
	finished++
}
#endif

proctype drainer(byte me)
{
	LOCALS;
	byte r;

	do
	:: r < NDRAIN -> hot_drain(1); r++
	:: else -> break
	od;
	finished++
}

/* Every consistent state of one block with no holder (ANYSTART). */
inline any_block(bb)
{
	if
	:: tree[bb] = T_FREE; hst[bb] = H_NONE
#ifdef ORIG
	:: tree[bb] = T_FREE; hst[bb] = H_RECLAIM
#endif
	:: tree[bb] = T_LIVE; hst[bb] = H_CACHED
	fi
}

/* Is block bb named by some slot? -> ok */
inline named(bb)
{
	ok = 0;
	i = 0;
	do
	:: i < NSLOTS -> if :: slot[i] == bb + 1 -> ok = 1 :: else fi; i++
	:: else -> break
	od;
	i = 0
}

/* P3, before (drained = 0) or after (1) the final drain */
inline check_lost(drained)
{
	c = 0;
	do
	:: c < NBLK ->
		named(c);
		assert(erroneous || owners[c] == 0);
		assert(erroneous || (tree[c] == T_FREE && hst[c] != H_CACHED &&
		       hst[c] != H_LIVE) ||
		       (!drained && tree[c] == T_LIVE && hst[c] == H_CACHED && ok));
		c++
	:: else -> break
	od;
	c = 0; ok = 0
}

init {
	byte me = 9;
	LOCALS;
	bool bad;

#ifdef ANYSTART
	/*
	 * Any state reachable with no holder: each block free (NONE) or
	 * parked (CACHED, named by a slot); any slot stale; any hot_top.
	 * A free block may be named by a stale slot (it was reclaimed).
	 * ORIG: free is NONE or RECLAIM, and a block whose state is NONE is
	 * never named by a slot (a block left the tree only through the
	 * tree's claim, and went back only through RECLAIM).
	 */
	atomic {
		any_block(0);
#if NBLK == 2
		any_block(1);
#endif
		i = 0;
		do
		:: i < NSLOTS ->
			if
			:: slot[i] = 0
#ifdef ORIG
			:: hst[0] != H_NONE -> slot[i] = 1
#if NBLK == 2
			:: hst[1] != H_NONE -> slot[i] = 2
#endif
#else
			:: slot[i] = 1
#if NBLK == 2
			:: slot[i] = 2
#endif
#endif
			fi;
			i++
		:: else -> break
		od;
#ifdef HOT_MASK
		/* the bits of the filled slots are set, the others any */
		i = 0;
		do
		:: i < NSLOTS ->
			if
			:: slot[i] -> mask[i / NSLOT] = mask[i / NSLOT] | (1 << (i % NSLOT))
			:: slot[i] == 0 -> skip
			:: slot[i] == 0 -> mask[i / NSLOT] = mask[i / NSLOT] | (1 << (i % NSLOT))
			fi;
			i++
		:: else -> break
		od;
#endif
		/* a CACHED block must be named by a slot: else no such start */
		c = 0;
		do
		:: c < NBLK ->
			named(c);
			if
			:: hst[c] == H_CACHED && !ok -> bad = true
			:: else
			fi;
			c++
		:: else -> break
		od;
		c = 0; ok = 0;
		if :: top[0] = 0 :: top[0] = 1 :: top[0] = NSLOT fi;
		if :: top[1] = 0 :: top[1] = 1 :: top[1] = NSLOT fi
	}
#endif
	if
	:: bad -> goto out	/* not a start */
	:: else
	fi;
	atomic {
		i = 0;
		do
		:: i < NUSER -> run user(i); i++
		:: else -> break
		od;
#ifndef NO_DOUBLE_FREE
		run buggy(i); i++;
#endif
#ifdef STRAY
		run stray(i); i++;
#endif
#ifdef TRANSIENT
		run transient(i); i++;
#endif
		run drainer(i);
		i = 0
	}
	finished == NPROC;
	atomic {
		/* P2: one of the two frees of the double-freed block is accepted */
		assert(df_pub != 1 || (df_done == 2 && (df_ok >= 1 || erroneous)));
		assert(df_ok <= 1 || erroneous);
		/* P3 */
		check_lost(0)
	}
	/* nbbs_pool_drain() */
	hot_drain(0);
	check_lost(1);
out:
	skip
}
