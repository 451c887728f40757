/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SPIN model of the lock-free protocol of the tree layout of nbbs_core.c
 * (NBBS_POOL_TREE: one 64-bit word per node; the default layout, packed,
 * is verify/packed.pml).  What it covers: the protocol between nodes as it
 * ships -- the claim CAS, nbbs_climb(), nbbs_announce(), nbbs_unmark()
 * with the rollback up to the roots (FIX below) and the top-down size-less
 * free of nbbs_tree_search() -- driven by the scan and release counting of
 * the first version of the core (commit 50d5518): one pass over a level
 * from a start, the first NBBS_SCAN_PROBE candidates visited twice, one
 * release counter.  -DORIG_ROLLBACK gives the rollback as written in that
 * commit, which loses space.
 *
 * Not modelled: the nbbs_covered() pre-check of nbbs_tree_try() (it only
 * reads and returns early, so leaving it out adds executions and P1-P4
 * still cover the code); the scan as it is now (chunk summaries, busy
 * runs, the last freed block tried first, per-order release counts): P5
 * below is proved for the scan of 50d5518 only; the committed bit of
 * nbbs_free_block() (the free here is of a block its process holds; the
 * stray and transient cases are verify/packed.pml's, whose free is the
 * shared nbbs_free_block()); the hot blocks
 * (verify/hot.pml); the packed layout (verify/packed.pml); memory ordering
 * (acquire reads are sequentially consistent here); the acquire re-read
 * of the parent after a failed CAS in nbbs_climb() and nbbs_unmark() (the
 * model decides on the value the failed CAS returned, as the C code did
 * before 04a20d1 and 6c461e0; verify/packed.pml has the re-read).
 *
 * Models (verify/drift.sh fails when their text changes; revisit this file
 * then, and rehash with verify/drift.sh --update nbbs.pml):
 *   nbbs_core.c:nbbs_climb      -> climb
 *   nbbs_core.c:nbbs_announce   -> announce
 *   nbbs_core.c:nbbs_unmark     -> unmark
 *   nbbs_core.c:nbbs_tree_try   -> try_node (without nbbs_covered())
 *   nbbs_core.c:nbbs_tree_free  -> nb_free (the find of nbbs_tree_search)
 *
 * Every function of the protocol is an inline below with the name of its C
 * counterpart (nbbs_climb -> climb, nbbs_announce -> announce, ...), written
 * statement by statement after the C code.  The granularity is the one of
 * the hardware: every atomic_read() of a node is one step, every
 * atomic_try_cmpxchg() is one indivisible step that compares the whole word
 * (status bits and version) and, when it fails, reloads the expected value,
 * exactly like the kernel primitive.  Purely local computation is folded into
 * the neighbouring shared step (it is invisible to the other processes, so
 * this loses no interleaving).  Memory is sequentially consistent: the model
 * checks the protocol, not the barriers (the C code uses fully ordered CAS
 * for every write, relaxed reads where argued in its comments, and
 * smp_wmb/smp_rmb around the release counters).
 *
 * The tree.  2^DEPTH leaves in heap order, node i has children 2i and
 * 2i + 1, the stored levels are 0 .. MAXO, exactly as in struct nbbs_pool
 * (MAXO < DEPTH gives a forest of 2^(DEPTH-MAXO) roots).  node[] is indexed
 * by heap index; entries below FIRSTNODE are unused and stay 0.
 *
 * The word.  Status bits as in the C code (OCC, PART_L/R, COAL_L/R in bits
 * 0..4), version = word / 32.  The version is unbounded by default: the
 * processes run a bounded number of operations, so it stays small, and no
 * wrap can happen -- as in the C code, which needs 2^59 updates of one node
 * within one CAS window for an ABA (verify/packed.pml models the width).  Define VMOD to make the version wrap
 * modulo VMOD (an ABA-prone abstraction, only to shrink the state space).
 *
 * Processes.  NPROC workers (one per CPU, never migrating inside a call).
 * Each does ROUNDS rounds of: NHOLD allocations, each of a nondeterministic
 * order 0..MAXO from a nondeterministic start index (the per-CPU hint may be
 * any leaf index after migrations, so every start is possible), then frees
 * every block it got, by address (the size-less free walks the tree down to
 * find the order, as nbbs_free).  With DOUBLE_FREE, worker 0 allocates one
 * block, publishes its address, and workers 0 and 1 free it concurrently;
 * the other workers run the normal script meanwhile.
 *
 * Abstractions.
 *  - nbbs_releases() sums per-CPU counters that only grow; it is one
 *    atomic read of a single counter here.  Summing monotonic counters one
 *    by one gives a value between the sums at the first and last read, and
 *    two such sums are equal only if no counter moved between its two reads,
 *    which is all the scan's bracketing argument needs.
 *  - Statistics (ctx, stats, hint writes) are left out: they are per-CPU and
 *    never read by the protocol.  Argument checks of nbbs_free that need no
 *    shared state (outside the pool, misaligned) are left out.
 *  - Memory ordering (see above); NBBS_SCAN_PROBE is min(count/2, 64) as in
 *    C, which for these tiny trees is count/2.
 *
 * Properties (assertions; SPIN reports any failing one with a trail).
 *  P1 Safety: blocks handed out by nbbs_alloc do not overlap, checked
 *     against the ghost map live[] when an allocation returns; a block is
 *     live from then until the CAS that empties it in nbbs_free.
 *  P2 Exact free: the size-less free of a live block succeeds and finds the
 *     order it was allocated with; a rollback's unmark always succeeds.
 *  P3 No lost space: when every process has finished (and freed all it
 *     got), every node's status bits are 0.  Also all ghost maps are empty.
 *  P4 Double free: of two concurrent nbbs_free() calls on one block exactly
 *     one returns 0 -- unless the block was allocated again in between
 *     (then the late free may legally free the new block: ownership is not
 *     recorded, see the C file comment), which the ghost flag reused tracks;
 *     after such a reuse the other properties are not asserted either, as
 *     the program is then erroneous.
 *  P5 No false NULL (unless NO_NULL_CHECK): an allocation that returns NULL
 *     without hitting the pass bound had no block of its order that was free
 *     during its whole call.  "Free" is the ghost busy[] map: a block is busy
 *     from the CAS that claims it until the allocation rolls it back or the
 *     nbbs_free() that releases it returns (a release is complete only when
 *     it returns; a claim is visible from its CAS).  cand[p] holds the blocks
 *     of p's order free at its call's start, and every claim CAS removes the
 *     blocks it overlaps from every running allocation's cand[].
 */

#ifndef DEPTH
#define DEPTH	2
#endif
#ifndef MAXO
#define MAXO	DEPTH
#endif
#ifndef NPROC
#define NPROC	2
#endif
#ifndef ROUNDS
#define ROUNDS	1
#endif
#ifndef NHOLD
#define NHOLD	1
#endif
/* MUTANT=n breaks the protocol on purpose: the check must then fail */
#ifndef MUTANT
#define MUTANT	0
#endif

/* array sizes must be literals in Promela */
#if DEPTH == 1
#define NLEAVES		2
#define NNODES		4
#elif DEPTH == 2
#define NLEAVES		4
#define NNODES		8
#elif DEPTH == 3
#define NLEAVES		8
#define NNODES		16
#else
#error DEPTH must be 1, 2 or 3
#endif
#define FIRSTNODE	(NLEAVES >> MAXO)

#define OCC	1
#define PART_L	2
#define PART_R	4
#define COAL_L	8
#define COAL_R	16
#define STATUS	31
#define VONE	32

/* nbbs_next(): @s with the next version of @o */
#ifdef VMOD
#define NEXT(o, s)	(((((o) / VONE) + 1) % VMOD) * VONE + (s))
#else
#define NEXT(o, s)	((((o) / VONE) + 1) * VONE + (s))
#endif
#define PARTOF(c)	(((c) & 1) -> PART_R : PART_L)
#define COALOF(c)	(((c) & 1) -> COAL_R : COAL_L)

#define SCAN_PASSES	8
#define SCAN_PROBE	64

#define R_OK	0
#define R_BUSY	1
#define R_AGAIN	2

#define NONE	255

/* ---------------------------------------------------------- shared state */

/*
 * Where a shared access comes from, for the trail: spin -t prints one line
 * per access ("P1 climb CAS node 2 ..."), the ghost code none.
 */
mtype = { CLIMB, ANNOUNCE, UNMARK };
#define W(w)	((w) & STATUS), ((w) / VONE)

int node[NNODES];	/* atomic_t nodes[], by heap index */
byte releases;		/* sum of the per-CPU release counters */

/* ---------------------------------------------------------- ghost state */

byte live[NLEAVES];	/* me + 1 of the live block covering a leaf */
byte busy[NLEAVES];	/* claims and unreturned blocks covering a leaf */
byte cand[NPROC];	/* P5: blocks of aord[p] free since p's call began */
byte aord[NPROC];
bool inalloc[NPROC];
byte finished;
bool reused;		/* P4: the double-freed address was claimed again */
#ifdef DOUBLE_FREE
byte df_leaf = NONE;	/* the double-freed block's first leaf */
byte df_pub;		/* 1: published, 2: worker 0's allocation failed */
bool df_freed;		/* one of the two frees emptied it */
byte clf[NPROC];	/* first leaf + 1 of p's claim not yet returned */
byte df_ok;		/* frees of it that returned 0 */
byte df_done;		/* frees of it that returned */
#define ERRONEOUS	reused
#else
#define ERRONEOUS	false
#endif
/* scratch of the ghost code, 0 outside of it */
byte gi, gq, gk, gl0, gl1;

/* ---------------------------------------------------------- ghost code */

/* First leaf gl0 and end gl1 of node n at level l. */
inline g_range(n, l)
{
	gl0 = ((n) - (NLEAVES >> (l))) << (l);
	gl1 = gl0 + (1 << (l))
}

inline g_clear()
{
	gi = 0; gq = 0; gk = 0; gl0 = 0; gl1 = 0
}

/* A claim CAS of node n at level l succeeded. */
inline ghost_claim(n, l)
{
	g_range(n, l);
#ifndef NO_NULL_CHECK
	gi = gl0;
	do
	:: gi < gl1 -> busy[gi]++; gi++
	:: else -> break
	od;
	gq = 0;
	do
	:: gq < NPROC ->
		if
		:: inalloc[gq] ->
			gk = aord[gq];
			gi = 0;
			do
			:: gi < (NLEAVES >> gk) ->
				if
				:: (gi << gk) < gl1 && gl0 < ((gi + 1) << gk) ->
					cand[gq] = cand[gq] & ~(1 << gi)
				:: else
				fi;
				gi++
			:: else -> break
			od
		:: else
		fi;
		gq++
	:: else -> break
	od;
#endif
#ifdef DOUBLE_FREE
	if
	:: df_freed && gl0 == df_leaf -> reused = true
	:: else
	fi;
	clf[me] = gl0 + 1;
#endif
	g_clear()
}

/* The claim of node n at level l ended (rollback done, or free returned). */
inline ghost_unbusy(n, l, rollback)
{
#ifdef DOUBLE_FREE
	if
	:: rollback -> clf[me] = 0
	:: else
	fi;
#endif
#ifndef NO_NULL_CHECK
	g_range(n, l);
	gi = gl0;
	do
	:: gi < gl1 -> assert(busy[gi] > 0); busy[gi]--; gi++
	:: else -> break
	od;
#endif
	g_clear()
}

/* nbbs_alloc(order o) starts: which blocks of order o are free now? */
inline ghost_alloc_start(o)
{
#ifndef NO_NULL_CHECK
	inalloc[me] = true;
	aord[me] = o;
	cand[me] = 0;
	gi = 0;
	do
	:: gi < (NLEAVES >> (o)) ->
		gl0 = gi << (o);
		gl1 = gl0 + (1 << (o));
		gk = 1;
		gq = gl0;
		do
		:: gq < gl1 -> if :: busy[gq] -> gk = 0 :: else fi; gq++
		:: else -> break
		od;
		if
		:: gk -> cand[me] = cand[me] | (1 << gi)
		:: else
		fi;
		gi++
	:: else -> break
	od;
#endif
	g_clear()
}

/* nbbs_alloc(order o) returns node n (0: NULL). */
inline ghost_alloc_end(n, o)
{
	if
	:: n ->
		/* P1: no other live block overlaps the one returned. */
		g_range(n, o);
		gi = gl0;
		do
		:: gi < gl1 ->
			assert(ERRONEOUS || live[gi] == 0);
			live[gi] = me + 1;
			gi++
		:: else -> break
		od;
#ifdef DOUBLE_FREE
		clf[me] = 0
#else
		skip
#endif
	:: else ->
#ifndef NO_NULL_CHECK
		/* P5: NULL only if no block stayed free during the call. */
		assert(ERRONEOUS || giveup || cand[me] == 0)
#else
		skip
#endif
	fi;
	inalloc[me] = false;
	aord[me] = 0;
	cand[me] = 0;
	g_clear()
}

/* nbbs_free emptied node n at level l with its CAS. */
inline ghost_release(n, l, isfree)
{
	g_range(n, l);
	gi = gl0;
	do
	:: gi < gl1 ->
		/* P2: a free empties exactly a live block, ... */
		assert(ERRONEOUS || live[gi] != 0);
		/* ... and in the normal script only its own. */
		assert(isfree == 2 || live[gi] == me + 1);
		live[gi] = 0;
		gi++
	:: else -> break
	od;
#ifdef DOUBLE_FREE
	/*
	 * A claim at the same address made before this free (inside the
	 * block, as a transient claim) may succeed after it: reuse, too.
	 */
	if
	:: isfree == 2 ->
		df_freed = true;
		gq = 0;
		do
		:: gq < NPROC ->
			if
			:: clf[gq] == df_leaf + 1 -> reused = true
			:: else
			fi;
			gq++
		:: else -> break
		od
	:: else
	fi;
#endif
	g_clear()
}

/* ---------------------------------------------------------- the protocol */

/* atomic_try_cmpxchg(&node[a], &o, v), from function tag */
inline cas(a, o, v, r, tag)
{
	d_step {
		if
#if MUTANT == 4
		:: (node[a] & STATUS) == (o & STATUS) ->	/* no version */
#else
		:: node[a] == o ->
#endif
			node[a] = v;
			r = 1;
			printf("P%d %e: CAS node %d st %d v %d -> st %d v %d ok\n",
			       me, tag, a, W(o), W(node[a]))
		:: else ->
			printf("P%d %e: CAS node %d st %d v %d FAILED, is st %d v %d\n",
			       me, tag, a, W(o), W(node[a]));
			o = node[a];
			r = 0
		fi
	}
}

inline ilog2(x, r)
{
	d_step {
		r = 0;
		do
		:: ((x) >> (r + 1)) > 0 -> r++
		:: else -> break
		od
	}
}

/* nbbs_climb(n0, l0): blocker = first OCC ancestor, or 0 */
inline climb(n0, l0)
{
	cn = n0;
	cl = l0;
	blocker = 0;
	do
	:: cl >= MAXO -> break
	:: else ->
		d_step {
			pn = cn >> 1;
			part = PARTOF(cn);
			coal = COALOF(cn);
			old = node[pn];		/* atomic_read(parent) */
			printf("P%d climb: read node %d st %d v %d\n", me, pn, W(old))
		}
		do
		:: (old & OCC) -> blocker = pn; break
		:: else ->
			if
#if MUTANT == 1
			:: (old & part) == part -> break	/* ignores announcements */
#else
			:: (old & (part | coal)) == part -> break	/* already marked */
#endif
			:: else ->
				cas(pn, old, NEXT(old, ((old & STATUS) | part) & ~coal), res, CLIMB);
				if
				:: res -> break
				:: else
				fi
			fi
		od;
		if
		:: blocker -> break
		:: else
		fi;
		cl++;
		cn = cn >> 1
	od;
	atomic { cn = 0; cl = 0; pn = 0; part = 0; coal = 0; old = 0; res = 0 }
}

/* nbbs_announce(child) */
inline announce(child)
{
	d_step {
		ap = (child) >> 1;
		apart = PARTOF(child);
		acoal = COALOF(child);
		aold = node[ap];		/* atomic_read(parent) */
		printf("P%d announce: read node %d st %d v %d\n", me, ap, W(aold))
	}
	do
	:: (aold & apart) == 0 -> break
	:: else ->
		cas(ap, aold, NEXT(aold, (aold & STATUS) | acoal), ares, ANNOUNCE);
		if
		:: ares -> break
		:: else
		fi
	od;
	atomic { ap = 0; apart = 0; acoal = 0; aold = 0; ares = 0 }
}

/*
 * nbbs_unmark(n0, l0, top0, owned0) -> ures.  isfree: 0 for a rollback,
 * 1 for nbbs_free, 2 for one of the two frees of the double-free test.
 */
inline unmark(n0, l0, top0, owned0, isfree)
{
	d_step {
		un = n0;
		ul = l0;
		utop = top0;
		uowned = owned0;
		emp = NEXT(uowned, 0)
	}
	if
	:: ul < utop -> announce(un)
	:: else
	fi;
	atomic {
		if
		:: node[un] == uowned ->
			node[un] = emp;
			ures = 1;
			printf("P%d unmark: CAS node %d st %d v %d -> st 0 v %d ok\n",
			       me, un, W(uowned), emp / VONE);
			if
			:: isfree -> ghost_release(un, ul, isfree)
			:: else
			fi
		:: else ->
			printf("P%d unmark: CAS node %d st %d v %d FAILED, is st %d v %d\n",
			       me, un, W(uowned), W(node[un]));
			uowned = node[un];
			ures = 0
		fi
	}
	if
	:: ures ->
		do
		:: ul >= utop -> break
		:: else ->
			d_step {
				pn = un >> 1;
				part = PARTOF(un);
				coal = COALOF(un);
				old = node[pn];		/* atomic_read(parent) */
				printf("P%d unmark: read node %d st %d v %d\n", me, pn, W(old))
			}
			do
			:: 
#ifndef ORIG_ROLLBACK
				/* FIX: a rollback stops below an OCC ancestor */
				if
				:: (old & OCC) -> done = 1; break
				:: else
				fi;
#endif
				atomic {
				chk = node[un];	/* atomic_read(node) */
				printf("P%d unmark: reread node %d st %d v %d\n", me, un, W(chk))
			   };
#if MUTANT != 2
				if
				:: chk != emp -> done = 1; break
				:: else
				fi;
#endif
				st = (old & STATUS) & ~(part | coal);
				if
				:: st == 0 && ul + 1 < utop -> announce(pn)
				:: else
				fi;
				nw = NEXT(old, st);
				cas(pn, old, nw, res, UNMARK);
				if
				:: res -> break
				:: else
				fi
			od;
			if
			:: done || st -> break
			:: else
			fi;
			un = pn;
			emp = nw;
			ul++
		od
	:: else
	fi;
	atomic {
		un = 0; ul = 0; utop = 0; uowned = 0; emp = 0; pn = 0;
		part = 0; coal = 0; old = 0; chk = 0; st = 0; nw = 0;
		res = 0; done = 0
	}
}

/* nbbs_try_node(n0, l0) -> ret, blocker */
inline try_node(n0, l0)
{
	d_step {
		tn = n0;
		tl = l0;
		old = node[tn];			/* atomic_read(node) */
		printf("P%d try_node: read node %d st %d v %d\n", me, tn, W(old))
	}
	if
	:: (old & STATUS) != 0 -> ret = R_BUSY
	:: else ->
		d_step {
			claimed = NEXT(old, OCC);
			if
			:: node[tn] == old ->
				node[tn] = claimed;
				res = 1;
				printf("P%d try_node: CAS node %d st 0 v %d -> OCC v %d ok\n",
				       me, tn, old / VONE, claimed / VONE);
				ghost_claim(tn, tl)
			:: else ->
				printf("P%d try_node: CAS node %d FAILED\n", me, tn);
				old = node[tn];
				res = 0
			fi
		}
		if
		:: !res -> ret = R_BUSY
		:: else ->
			climb(tn, tl);
			if
			:: blocker == 0 -> ret = R_OK
			:: else ->
				ilog2(blocker, lg);
				printf("P%d try_node: node %d is OCC, roll back\n", me, blocker);
#ifdef ORIG_ROLLBACK
				unmark(tn, tl, DEPTH - lg - 1, claimed, 0);
#else
				/* FIX: roll back like a release, up to max_order */
				unmark(tn, tl, MAXO, claimed, 0);
#endif
				/* P2: nobody else can empty our transient claim. */
				assert(ERRONEOUS || ures);
				d_step {
					ghost_unbusy(tn, tl, 1);
					ures = 0;
					ret = R_AGAIN
				}
			fi
		fi
	fi;
	atomic { old = 0; res = 0; claimed = 0; lg = 0 }
}

/* nbbs_scan(lvl, start, userel ? &seen : NULL) -> got */
inline scan(lvl)
{
	lfirst = NLEAVES >> (lvl);
	d_step {
		lcount = lfirst;
		probe = (lcount / 2 < SCAN_PROBE -> lcount / 2 : SCAN_PROBE);
		i = 0;
		iend = lcount;
		got = 0
	}
	do
	:: i >= iend -> break
	:: else ->
		idx = (start + i) & (lcount - 1);
		if
		:: userel && i >= probe ->
			d_step {
				seen = releases;	/* nbbs_releases() */
				printf("P%d scan: releases = %d\n", me, seen);
				userel = 0;
				iend = i + lcount
			}
		:: else
		fi;
		try_node(lfirst + idx, lvl);
		if
		:: ret == R_OK -> got = lfirst + idx; break
		:: ret == R_BUSY -> i++
		:: else ->
			/* resume after the blocker's subtree */
			ilog2(lfirst, lg);
			ilog2(blocker, lg2);
			i = i + ((blocker + 1) << (lg - lg2)) - lfirst - idx
		fi
	od;
	atomic {
		lfirst = 0; lcount = 0; probe = 0; i = 0; iend = 0; idx = 0;
		ret = 0; blocker = 0; lg = 0; lg2 = 0
	}
}

/* nbbs_alloc(o) from scan start start -> got (node, 0 for NULL) */
inline nb_alloc(o)
{
	d_step {
		ghost_alloc_start(o);
		printf("P%d === nbbs_alloc(order %d), scan start %d\n", me, o, start);
		seen = 0;
		userel = 1;
		pass = 0;
		giveup = 0
	}
	do
	:: scan(o);
		userel = 0;		/* later passes: nbbs_scan(..., NULL) */
		pass++;
		if
		:: got -> break
		:: else
		fi;
		atomic {
			cur = releases;		/* nbbs_releases() */
#if MUTANT == 3
		cur = seen;		/* trusts one failed pass */
#endif
			printf("P%d alloc: releases = %d (seen %d)\n", me, cur, seen)
		};
		if
		:: cur == seen -> break
		:: else
		fi;
		if
		:: pass == SCAN_PASSES -> giveup = 1; break
		:: else
		fi;
		seen = cur
	od;
	atomic {
		printf("P%d === nbbs_alloc(order %d) returns node %d\n", me, o, got);
		ghost_alloc_end(got, o);
		seen = 0; cur = 0; pass = 0; giveup = 0
	}
}

/* nbbs_free(address of leaf0) -> fret (0, or 1 for -EINVAL), flv = order */
inline nb_free(leaf0, isfree)
{
	d_step {
		fleaf = leaf0;
		flv = MAXO;
		fret = 0;
		printf("P%d === nbbs_free(leaf %d)\n", me, fleaf)
	}
	do
	:: fn = (NLEAVES >> flv) + (fleaf >> flv);
		atomic {
			word = node[fn];	/* atomic_read(node) */
			printf("P%d free: read node %d st %d v %d\n", me, fn, W(word))
		};
		if
		:: (word & OCC) -> break
		:: else
		fi;
		if
		:: flv == 0 -> fret = 1; break		/* not a live block */
		:: else
		fi;
		if
		:: (word & PARTOF(fleaf >> (flv - 1))) == 0 ->
			fret = 1; break			/* not a live block */
		:: else -> flv--
		fi
	od;
	if
	:: fret == 0 && (fleaf & ((1 << flv) - 1)) ->
		fret = 1				/* inside a live block */
	:: else
	fi;
	if
	:: fret == 0 ->
		unmark(fn, flv, MAXO, word, isfree);
		if
		:: !ures -> fret = 1			/* freed concurrently */
		:: else ->
			d_step {
				releases++;		/* this_cpu_inc(releases) */
				printf("P%d free: releases++ -> %d\n", me, releases);
				ghost_unbusy(fn, flv, 0)
			}
		fi;
		ures = 0
	:: else
	fi;
	atomic {
		printf("P%d === nbbs_free(leaf %d) returns %d\n", me, fleaf, -fret);
		fleaf = 0; fn = 0; word = 0
	}
}

/* ---------------------------------------------------------- processes */

/*
 * The scan's start, this_cpu_read(hint) >> order.  By default any leaf
 * index (a caller migrates between CPUs, so it may read any CPU's hint,
 * and every hint value is reachable); with FIXED_START the caller stays on
 * its CPU and the hint evolves as in the C code (spread at pool creation,
 * then the last block allocated).
 */
inline pick_start(o)
{
#ifdef FIXED_START
	start = hint >> (o)
#else
	start = 0;
	do
	:: start + 1 < (NLEAVES >> (o)) -> start++
	:: break
	od
#endif
}

inline set_hint(n, o)
{
#ifdef FIXED_START
	hint = ((n) - (NLEAVES >> (o))) << (o)
#else
	skip
#endif
}

proctype worker(byte me)
{
	/* nb_alloc, scan */
	byte ord, start, got, pass, seen, cur, userel, giveup;
	byte lfirst, lcount, probe, i, iend, idx, ret, blocker, lg, lg2;
	/* try_node, climb, unmark, announce */
	byte tn, tl, cn, cl, pn, part, coal, st, res, done, ures;
	byte un, ul, utop, ap, apart, acoal, ares;
	int old, claimed, uowned, emp, chk, nw, aold;
	/* nb_free */
	byte fleaf, flv, fn, fret;
	int word;
	/* script */
	byte r, k;
	byte hleaf[NHOLD], hord[NHOLD];
#ifdef FIXED_START
	byte hint = ((NLEAVES / NPROC > 1 -> NLEAVES / NPROC : 1) * me) & (NLEAVES - 1);
#endif

#ifdef DOUBLE_FREE
	if
	:: me == 0 ->
		ord = 0;
		do
		:: ord < MAXO -> ord++
		:: break
		od;
		pick_start(ord);
		nb_alloc(ord);
		d_step {
			if
			:: got ->
				set_hint(got, ord);
				df_leaf = (got - (NLEAVES >> ord)) << ord;
				df_pub = 1
			:: else -> df_pub = 2
			fi;
			got = 0; start = 0
		}
	:: me == 1 -> df_pub != 0
	:: else
	fi;
	if
	:: me < 2 && df_pub == 1 ->
		nb_free(df_leaf, 2);
		d_step {
			if
			:: fret == 0 -> df_ok++
			:: else
			fi;
			df_done++;
			fret = 0; flv = 0
		}
	:: else
	fi;
	if
	:: me < 2 -> goto out
	:: else
	fi;
#endif
	do
	:: r < ROUNDS ->
		k = 0;
		do
		:: k < NHOLD ->
			/* any order, any start (hints migrate with the caller) */
			ord = 0;
			do
			:: ord < MAXO -> ord++
			:: break
			od;
			pick_start(ord);
			nb_alloc(ord);
			d_step {
				if
				:: got ->
					set_hint(got, ord);
					hleaf[k] = (got - (NLEAVES >> ord)) << ord;
					hord[k] = ord
				:: else -> hleaf[k] = NONE; hord[k] = 0
				fi;
				got = 0; start = 0; ord = 0;
				k++
			}
		:: else -> break
		od;
		k = 0;
		do
		:: k < NHOLD ->
			if
			:: hleaf[k] != NONE ->
				nb_free(hleaf[k], 1);
				/* P2: our own block is freed, at its order */
				assert(ERRONEOUS || (fret == 0 && flv == hord[k]))
			:: else
			fi;
			atomic { hleaf[k] = 0; hord[k] = 0; fret = 0; flv = 0; k++ }
		:: else -> break
		od;
		atomic { k = 0; r++ }
	:: else -> break
	od;
#ifdef DOUBLE_FREE
out:
#endif
	finished++
}

init {
	byte p;

	atomic {
		do
		:: p < NPROC -> run worker(p); p++
		:: else -> break
		od;
		p = 0
	}
	finished == NPROC;
	d_step {
#ifdef DOUBLE_FREE
		/* P4 */
		assert(df_pub == 2 || df_done == 2);
		assert(df_pub == 2 || df_ok == 1 || (df_ok == 2 && reused));
#endif
		/* P3: all freed, nothing lost */
		p = FIRSTNODE;
		do
		:: p < NNODES -> assert(ERRONEOUS || (node[p] & STATUS) == 0); p++
		:: else -> break
		od;
		p = 0;
		do
		:: p < NLEAVES ->
			assert(ERRONEOUS || (live[p] == 0 && busy[p] == 0)); p++
		:: else -> break
		od;
		p = 0
	}
}
