/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SPIN model of the hot blocks of nbbs_hot.c (pools created with
 * NBBS_POOL_HOT: the file comment there, the section "Hot blocks" in
 * Documentation/nbbs.rst): the two state bits per block, the per-CPU slot
 * stacks, nbbs_hot_*() and their callers in nbbs_core.c,
 * nbbs_alloc_block(), nbbs_commit() and nbbs_free_block() (the
 * pool->hot_orders branches), as of commit 42e664f (moved unchanged from
 * nbbs_core.c to nbbs_hot.c by 152f085),
 * which replaced the state RECLAIM by LIVE; -DORIG models the protocol
 * before it (up to 99a1522, see "History").  -DHOT_MASK adds the per-CPU
 * mask of the filled slots (hot_mask) as nbbs_hot_take_slot() and
 * nbbs_hot_fill_slot() change it, with preemption off, and interrupts
 * that call the allocator on the CPU they interrupt (see "The mask of the
 * filled slots").
 *
 * Every function of the layer is an inline below with the name of its C
 * counterpart (nbbs_hot_swap -> hot_swap, nbbs_hot_pop -> hot_pop, ...),
 * written statement by statement after the C code.  The granularity is the
 * one of the hardware: every read of shared data and every atomic operation
 * is one step; purely local computation is folded into the neighbouring
 * shared step.  Memory is sequentially consistent, as in verify/protocol.pml:
 * every decision is taken by a fully ordered CAS of the state bits; the
 * model checks the protocol, not the barriers.
 *
 * Models (verify/drift.sh fails when their text changes; revisit this file
 * then, and rehash with verify/drift.sh --update hot.pml):
 *   nbbs_internal.h:nbbs_hot_state   -> the reads of hst[]
 *   nbbs_hot.c:nbbs_hot_swap         -> hot_swap
 *   nbbs_hot.c:nbbs_hot_commit       -> hot_claimed
 *   nbbs_core.c:nbbs_commit          -> hot_claimed (its hot-order branch)
 *   nbbs_hot.c:nbbs_hot_to_tree      -> hot_to_tree
 *   nbbs_hot.c:nbbs_hot_reclaim      -> hot_reclaim
 *   nbbs_hot.c:nbbs_hot_helps        -> a yes/no of the drainer
 *   nbbs_hot.c:nbbs_hot_drain        -> hot_drain (every CPU)
 *   nbbs_hot.c:nbbs_hot_drain_cpu    -> hot_drain (one CPU's slots)
 *   nbbs_hot.c:nbbs_hot_take_slot    -> take_slot
 *   nbbs_hot.c:nbbs_hot_pop          -> hot_pop
 *   nbbs_hot.c:nbbs_hot_fill_slot    -> fill_slot
 *   nbbs_hot.c:nbbs_hot_release      -> hot_release
 *   nbbs_core.c:nbbs_alloc_block     -> nb_alloc (pop, claim, drain, claim)
 *   nbbs_core.c:nbbs_free_block      -> nb_free (its hot-order branch: find,
 *                                       then nbbs_hot_release)
 *
 * The protocol.  Per block of a hot order, two state bits:
 *
 *   NONE    (0) not held as this block: free in the tree, part of another
 *               block, or on its way back to the tree
 *   CACHED  (1) parked: OCC in the tree, free for whoever takes it
 *   LIVE    (3) handed out as this block
 *
 *   claim:    an allocation that gets exactly this block from the tree
 *             moves NONE -> LIVE (nbbs_hot_commit, which WARNs if it finds
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
 *    may be off after a migration, as in C.  By default there is no mask:
 *    a drain reads every slot, and the slot operations follow "Migration"
 *    below (the protocol of the state bits does not depend on the mask,
 *    and is checked there with the most interleavings).  -DHOT_MASK models
 *    the mask and the slot operations as the C code has them now, see
 *    "The mask of the filled slots".
 *  - Migration and interrupts: unless PERCALL is defined, every this_cpu
 *    access of every call picks its CPU anew (oncpu()), so a call may
 *    migrate between any two of its steps, and two callers may share a CPU
 *    (an interrupt, or preemption, between the steps of another call).
 *    With PERCALL a call stays on one CPU, picked at its start (a free may
 *    still run on another CPU than the allocation).  With HOT_MASK this
 *    holds for the this_cpu accesses outside nbbs_hot_take_slot() and
 *    nbbs_hot_fill_slot() (the reads of hot_top), those two are pinned to
 *    one CPU and interrupted as described in "Interrupts and preemption".
 *
 * What is abstracted.
 *  - The tree.  tree[b] is T_FREE (not live as this block: the tree would
 *    hand it out, or it lies inside another block) or T_LIVE (OCC in the
 *    tree as this block).  The tree's claim is one atomic step T_FREE ->
 *    T_LIVE (tree_claim: nbbs_claim(), the claim CAS with its climb,
 *    after which the block is the allocation's) and its release one atomic
 *    step T_LIVE -> T_FREE (in hot_to_tree: nbbs_release(); it must find
 *    the block live, else the C code's WARN_ON_ONCE fires).  The tree
 *    protocol itself (climb, announce, unmark, versions, rollbacks, the
 *    size-less find) is verified by verify/protocol.pml (nbbs_protocol.c,
 *    both encodings), whose Q1 (no two committed blocks overlap) and Q4
 *    (the release of a block its caller holds succeeds, at its order; the
 *    hot state, like the committed bit there, makes the caller its only
 *    releaser) are what allows a claim and a release to be single steps here.
 *    The chunk summary and the release counters only steer scans.
 *  - A claim that is rolled back (the climb met an OCC ancestor) makes the
 *    node OCC for a while without handing anything out.  By default claims
 *    are atomic and never rolled back; -DTRANSIENT adds one rolled-back
 *    claim of block 0, T_FREE -> T_TRANS -> T_FREE, allowed whenever block
 *    0 is not live (an over-approximation: the model does not track the
 *    covering block that makes it roll back).  nbbs_find() reads
 *    T_TRANS as live, as it can in C (see STRAY below).
 *  - nbbs_find() is one atomic read of tree[b]: OCC -> the block's
 *    order, else NBBS_FREE_NOT_LIVE.  Coalescing with a buddy and blocks of
 *    other orders at the same address are not modelled: the state bits of
 *    each (order, block) follow the same protocol, and a free of an
 *    address frees (or is refused by) what its find says lives there.
 *  - nbbs_alloc(): hot_pop() on this CPU; else a tree claim; if that fails,
 *    one nbbs_hot_drain() (want = the block's order: nbbs_hot_helps() is
 *    then true) and one more claim (the C code rescans after any drain that
 *    gave a block back), else NULL;
 *    after a successful claim nbbs_hot_commit().  Which free block a claim
 *    gets (NBLK = 2) is nondeterministic, as the scan start is.  The
 *    no-false-NULL bracket (pcpu->releases by order, a park counting for
 *    every order) is not modelled: only safety is checked.
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
 *  - With HOT_MASK: NIRQ (default 1; 0 to 2) interrupt handlers (irq), each
 *    an interrupt on either CPU that calls nbbs_alloc(), then, if that gave
 *    a block, a later interrupt on either CPU that frees it; and, unless
 *    NO_MASK_INV, the monitor maskinv, which checks P5 in every state.
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
 *    as ERRONEOUS does in verify/protocol.pml.
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
 *     or live in the tree in state CACHED and named by some slot (HOT_MASK:
 *     a slot whose bit is set, which a drain reads; and no operation is in
 *     the middle of a slot, no CPU pinned); after the final
 *     nbbs_pool_drain() every block is free in the tree.
 *  P4 The state invariants of the C comment: a block becomes CACHED only
 *     from LIVE (ORIG: from NONE) and only while live in the tree, and
 *     becomes LIVE only while live in the tree; the tree never hands out a
 *     CACHED block, and nbbs_hot_commit() finds its block NONE (its
 *     WARN_ON_ONCE never fires); nbbs_hot_to_tree() finds its block live in
 *     the tree (its WARN_ON_ONCE never fires) and in NONE (ORIG: RECLAIM),
 *     so that nobody else can take or release it meanwhile.
 *  P5 (HOT_MASK) Every filled slot has its bit set, except while an
 *     operation of its CPU (nbbs_hot_take_slot() or nbbs_hot_fill_slot(),
 *     of a task or of an interrupt handler) is in the middle of its
 *     instructions on that very slot: checked in every state by maskinv,
 *     and by each drain at its read of a CPU's mask (a drain that reads a
 *     filled slot's bit as clear races with such an operation).  "In the
 *     middle" (ghost atn[]): a fill from its first this_cpu_or to its
 *     second one (or to its failed cmpxchg), a take from its first
 *     instruction on the slot to its re-read that finds the slot empty or
 *     to the this_cpu_or after it.  -DNO_MASK_INV leaves P5 out, to see
 *     what P3 makes of a mutant.
 *  P6 (HOT_MASK, with -DDRAIN_STRICT) A drain that reads a filled slot's
 *     bit as clear misses no block whose nbbs_free() returned: it races with
 *     a take of its CPU that cleared the bit and has not taken the slot
 *     yet (ghost tk[]: it gets that very block), or with a fill that filled
 *     the slot and has not set the bit again (ghost fl[]: its nbbs_free()
 *     has not returned, its parks++ comes after).  This is what keeps the
 *     "no false NULL" of nbbs_alloc(); the protocol as implemented fails it,
 *     see "Found with HOT_MASK".
 *
 * The mask of the filled slots (-DHOT_MASK).  Bit i of pcpu->hot_mask[k]
 * is set while slot i of that CPU may be filled; nbbs_hot_drain() reads a
 * CPU's mask once (READ_ONCE) and then only the slots whose bit is set.
 * Only the owner CPU changes its slots and mask, in two helpers that run
 * with preemption off (mask, slot and hot_top of one CPU):
 *
 *   nbbs_hot_fill_slot(i, v), fill_slot here; from the hint i up:
 *     this_cpu_or(mask, bit i); if this_cpu_cmpxchg(slot i, 0, v) fails,
 *     the next i; else this_cpu_or(mask, bit i) again (an interrupt may
 *     have taken the slot, and cleared the bit, since the first one),
 *     this_cpu_write(hot_top, i + 1), done.
 *   nbbs_hot_take_slot(&i), take_slot here; from the hint i down:
 *     v = this_cpu_xchg(slot i, 0); this_cpu_and(mask, ~bit i); if
 *     this_cpu_read(slot i) != 0 (an interrupt parked a block there since
 *     the xchg), this_cpu_or(mask, bit i); stop at the first v != 0,
 *     this_cpu_write(hot_top, i).
 *
 * Each this_cpu operation is one step.  Outside the helpers, nbbs_hot_pop()
 * and nbbs_hot_release() read hot_top with preemption on (oncpu(), as
 * without HOT_MASK).
 *
 * Interrupts and preemption.  preempt_disable() pins a task to its CPU for
 * the rest of the helper: it neither migrates nor lets another task run
 * there, but an interrupt may come between any two of its instructions,
 * and the handler may call nbbs_alloc() and nbbs_free() on that CPU; they
 * run to completion before the interrupted code goes on.  The model gives
 * each CPU c a token own[c]: me + 1 of the process that runs on c with
 * preemption off (a task inside a helper there, or the interrupt handler
 * that runs there now), 0 if none.
 *  - pin() (preempt_disable(), the first step of a helper): a task picks a
 *    CPU c with own[c] == 0 (a task inside a helper there would have been
 *    preempted; a handler that runs there keeps c busy) and takes it;
 *    unpin() (preempt_enable(), folded into the helper's last step) gives
 *    it back.  Every step of a helper is guarded by own[c] == me + 1
 *    (onrc()), so the slot and mask steps of one helper call all hit the
 *    same CPU, and none runs while a handler runs there.
 *  - An interrupt (proctype irq) enters on any CPU c in any state: it
 *    saves own[c] and puts itself there, runs its whole nbbs_alloc() or
 *    nbbs_free() with every this_cpu access on c (its own helpers run on c
 *    and do not take the token again), and on return restores own[c],
 *    which only the innermost handler can do (NIRQ = 2: handlers nest).  So
 *    a task (or handler) interrupted inside a helper makes no further step
 *    of it until the handler has returned: the handler's whole call runs
 *    between two steps of the helper and never interleaves with them.  The
 *    handler interleaves freely with the other CPU's processes (the
 *    drainer, tasks on the other CPU), as real CPUs do.
 *  - Steps of a task outside the helpers are tied to no CPU and may run
 *    while a handler runs "on their CPU": an over-approximation (it is as
 *    if that task ran on another CPU, which preemption and migration allow
 *    anyway at those points).  Sound for safety: the model has all the
 *    interleavings of the C code and more.
 *  With PERCALL a task's helpers pin the CPU its call started on.
 *
 * History.  9cff947 introduced the mask with a single this_cpu_or before
 * the cmpxchg of a park and a this_cpu_and before the xchg of a pop, with
 * preemption on.  A slot could end up filled while its bit was clear; no
 * drain read it then, its block stayed parked (P3, and a false NULL for
 * failing allocations on other CPUs) until its CPU popped it.  Two ways:
 * a migration between the or and the cmpxchg (the or on one CPU, the
 * cmpxchg on another: mutant 9 keeps the order of the helpers and lifts
 * only the pinning), or an interrupt between them that pops the slot and
 * clears the bit (mutant 8: the order of 9cff947, pinned).  Mutant 8, with
 * -DNBLK=2 -DNUSER=1 -DROUNDS=2 -DNO_DOUBLE_FREE -DNO_MASK_INV (P3 fails;
 * with the monitor, P5 fails first):
 *
 *   P0 nbbs_free(block 1) parks it in slot 0 of CPU 1 (bit 0 set)
 *   P0 nbbs_free(block 0), nbbs_hot_fill_slot() on CPU 1: or(bit 0)
 *   P1 interrupt on CPU 1, nbbs_alloc(): nbbs_hot_take_slot() clears bit
 *      0 and takes block 1 from slot 0
 *   P0 this_cpu_cmpxchg(slot 0, 0, block 0) succeeds: filled, bit 0 clear
 *   P1 a later interrupt on CPU 1, nbbs_free(block 1): parked in slot 1
 *   -> P3: block 0 is CACHED, named only by slot 0 of CPU 1, bit clear
 *
 * The helpers fix both: pinned, and the bit set again after a successful
 * cmpxchg; their configurations pass P1 to P5.  Each half of the fix is
 * needed: mutant 6 (no second or) and mutant 7 (no re-read in the take)
 * fail P5.
 *
 * Found with HOT_MASK: the take's window (P6, -DDRAIN_STRICT, a TODO
 * configuration of verify/check-model.sh).  With the take's xchg before
 * its and, an interrupt between the two parks a block in the slot the take
 * just emptied; the and then hides that block until the re-read sets the
 * bit again.  With -DNUSER=1 -DROUNDS=2 -DNO_DOUBLE_FREE -DDRAIN_STRICT:
 *
 *   P0 nbbs_free(block 0) parks it in slot 0 of CPU 0 (bit 0 set)
 *   P1 interrupt on CPU 0, nbbs_alloc(): nbbs_hot_take_slot() takes block
 *      0 from slot 0, clears bit 0
 *   P0 nbbs_alloc(), nbbs_hot_take_slot() on CPU 0: this_cpu_xchg(slot 0)
 *      finds 0
 *   P1 interrupt on CPU 0, nbbs_free(block 0): nbbs_hot_fill_slot() parks
 *      it in slot 0, bit 0 set; the nbbs_free() returns
 *   P0 this_cpu_and(mask, ~bit 0): slot 0 filled, bit 0 clear
 *   P2 nbbs_hot_drain() reads CPU 0's mask 0 and skips slot 0
 *   (P0's this_cpu_read(slot 0) sets bit 0 again afterwards: P5 holds.)
 *
 * Block 0 is parked, its nbbs_free() returned, and the take on CPU 0 does
 * not get it.  Were P2 a failing nbbs_alloc() on CPU 1 whose counters were
 * read after that nbbs_free() (its parks++ included), its drain would miss
 * block 0 and nbbs_releases() would be unchanged: NULL although block 0
 * was free before the allocation began, a false NULL.  The window is
 * between the take's xchg and its re-read (a few instructions, longer
 * when a second interrupt or a vCPU preemption hits it).  With the and
 * before the xchg (-DTAKE_AND_FIRST: this_cpu_and, this_cpu_xchg, then the
 * re-read and or as now), a filled slot has its bit clear only between a
 * take's and and its xchg, which takes that very block (or a stale value,
 * whose block, if parked, another slot names), or inside a fill: P6 holds
 * (it also passes without the re-read, -DTAKE_AND_FIRST -DMUTANT=7).  The
 * C code was changed to this order right after: every HOT_MASK
 * configuration of check-model.sh passes -DTAKE_AND_FIRST, and
 * hot-mask-mutant-take-xchg-first keeps the hole above as a mutant that
 * must fail.
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
 *  5 The claim does not set LIVE (nbbs_hot_commit() does nothing) and
 *    nbbs_hot_release() accepts NONE as well as LIVE: the tree's find alone
 *    says whether a block is held, RECLAIM left out too.
 * Mutants of the mask (they need HOT_MASK):
 *  6 nbbs_hot_fill_slot() without the second this_cpu_or (after a
 *    successful cmpxchg).
 *  7 nbbs_hot_take_slot() without the re-read of the slot (xchg, and).
 *  8 The order of 9cff947: the take's and before its xchg, no re-read, no
 *    second or in the fill (pinned all the same).
 *  9 No preempt_disable(): the helpers' order, but each of their this_cpu
 *    operations may run on another CPU (a migration between any two).
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

/* the mask of the filled slots, interrupts and the mutants of them */
#ifdef HOT_MASK
#ifndef NIRQ
#define NIRQ	1
#endif
#if NIRQ > 2
#error NIRQ must be 0, 1 or 2
#endif
#else
#define NIRQ	0
#if MUTANT >= 6 || defined(DRAIN_STRICT) || defined(TAKE_AND_FIRST)
#error mutants 6 to 9, DRAIN_STRICT and TAKE_AND_FIRST need HOT_MASK
#endif
#endif
#if MUTANT == 6 || MUTANT == 8
#define NO_SECOND_OR		/* fill: no this_cpu_or after the cmpxchg */
#endif
#if MUTANT == 7 || MUTANT == 8
#define NO_REREAD		/* take: no re-read of the slot */
#endif
#if MUTANT == 8
#define TAKE_AND_FIRST		/* take: the and before the xchg */
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
#define NPROC	(NUSER + NBUGGY + NSTRAY + NTRANS + NIRQ + 1)

/* ---------------------------------------------------------- shared state */

byte tree[NBLK];	/* the tree, abstracted: T_FREE, T_LIVE, T_TRANS */
byte hst[NBLK];		/* pool->hot_state: H_NONE, H_CACHED, H_LIVE */
byte slot[NSLOTS];	/* pcpu->hot[order][]: block + 1, or 0 */
byte top[NCPU];		/* pcpu->hot_top[order] */
#ifdef HOT_MASK
byte mask[NCPU];	/* pcpu->hot_mask[order]: bit i for slot i */
/*
 * Who runs on a CPU where preemption is off: me + 1 of the task inside
 * nbbs_hot_take_slot() or nbbs_hot_fill_slot() there, or of the interrupt
 * handler that runs there now (innermost); 0 if neither.  See
 * "Interrupts and preemption" in the header.
 */
byte own[NCPU];
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
#ifdef HOT_MASK
/*
 * Per slot (CPU * NSLOT + i): how many operations of its CPU are in the
 * middle of their instructions on it (atn), how many takes cleared its bit
 * and have not taken its content yet (tk: TAKE_AND_FIRST), how many fills
 * filled it and have not set its bit again yet (fl).  See "Properties".
 */
byte atn[NSLOTS];
byte tk[NSLOTS];
byte fl[NSLOTS];

#define K(c, i)		((c) * NSLOT + (i))
#define BITOF(k)	((mask[(k) / NSLOT] >> ((k) % NSLOT)) & 1)
#define HIDDEN(k)	(slot[k] != 0 && BITOF(k) == 0)
/* P5: a filled slot whose bit is clear is in the middle of an operation */
#define MID_OK(k)	(!HIDDEN(k) || atn[k] > 0)
/* P6 (DRAIN_STRICT): ... of one that takes or parks that very block */
#define OWN_OK(k)	(!HIDDEN(k) || tk[k] > 0 || fl[k] > 0)
#if NSLOT == 1
#define CPU_MID_OK(c)	MID_OK(c)
#define CPU_OWN_OK(c)	OWN_OK(c)
#define MASK_INV	(MID_OK(0) && MID_OK(1))
#else
#define CPU_MID_OK(c)	(MID_OK(2 * (c)) && MID_OK(2 * (c) + 1))
#define CPU_OWN_OK(c)	(OWN_OK(2 * (c)) && OWN_OK(2 * (c) + 1))
#define MASK_INV	(MID_OK(0) && MID_OK(1) && MID_OK(2) && MID_OK(3))
#endif
#endif

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

/*
 * The CPU of the next this_cpu access (see the header, PERCALL); an
 * interrupt handler (HOT_MASK: icpu = its CPU + 1) runs on its CPU.
 */
#ifdef HOT_MASK
#define anycpu()	if :: icpu -> cpu = icpu - 1 :: !icpu -> cpu = 0 :: !icpu -> cpu = 1 fi
#else
#define anycpu()	if :: cpu = 0 :: cpu = 1 fi
#endif
#ifdef PERCALL
#define oncpu()		skip
#define offcpu()	skip
#define callcpu()	anycpu()
#else
#define oncpu()		anycpu()
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
		tree[bb] = T_FREE;		/* nbbs_release */
		printf("P%d tree: release block %d\n", me, bb)
	}
}

/* nbbs_hot_commit(bb), from nbbs_commit(): the tree just gave out bb */
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
			printf("P%d hot_drain: CPU %d mask %d\n", me, c, m);
			/*
			 * P5: a filled slot whose bit this read finds clear is
			 * in the middle of an operation of its CPU on it
			 */
#ifndef NO_MASK_INV
			assert(CPU_MID_OK(c));
#endif
#ifdef DRAIN_STRICT
			/* P6: ... which takes or parks that very block */
			assert(CPU_OWN_OK(c));
#endif
			skip
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

#ifdef HOT_MASK
/*
 * preempt_disable(): the CPU of the slot and mask steps that follow -> rc.
 * A task takes a CPU that nobody runs on with preemption off (no task in
 * its own section there, no interrupt handler); a handler stays on its
 * CPU, which it holds already.  Each step of the section is guarded by
 * onrc(): it runs only while the CPU is ours, i.e. not while a handler
 * that interrupted us runs (see "Interrupts and preemption").
 */
#if MUTANT == 9
/* no preempt_disable(): a task may migrate between any two steps */
#define pin()		skip
#define onrc()		if :: icpu -> rc = icpu - 1 :: !icpu -> rc = 0 :: !icpu -> rc = 1 fi
#define unpin()		rc = 0
#else
#define pin() \
	atomic { \
		if \
		:: icpu -> rc = icpu - 1 \
		:: !icpu && own[PINCPU0] == 0 -> rc = PINCPU0; own[rc] = me + 1 \
		:: !icpu && own[PINCPU1] == 0 -> rc = PINCPU1; own[rc] = me + 1 \
		fi; \
		printf("P%d preempt_disable: CPU %d\n", me, rc) \
	}
#define onrc()		own[rc] == me + 1
#define unpin()		if :: !icpu -> own[rc] = 0 :: else fi; rc = 0
#endif
#ifdef PERCALL
#define PINCPU0		cpu		/* the call's CPU */
#define PINCPU1		cpu
#else
#define PINCPU0		0
#define PINCPU1		1
#endif

/* nbbs_hot_take_slot(&i) -> v: the highest filled slot below i, emptied */
inline take_slot()
{
	pin();
	do
	:: v == 0 && i > 0 ->
#ifdef TAKE_AND_FIRST
		atomic {
			onrc();
			i--;
			/* this_cpu_and(hot_mask, ~(1U << i)) */
			mask[rc] = mask[rc] & (255 - (1 << i));
			gk = K(rc, i) + 1; atn[gk - 1]++; tk[gk - 1]++;
			printf("P%d take_slot: CPU %d mask %d\n", me, rc, mask[rc])
		};
		atomic {
			onrc();
			v = SLOT(rc, i);	/* this_cpu_xchg(hot[i], 0) */
			SLOT(rc, i) = 0;
			tk[gk - 1]--;
#ifdef NO_REREAD
			atn[gk - 1]--; gk = 0;
#endif
			printf("P%d take_slot: CPU %d slot %d was %d\n", me, rc, i, v)
		};
#else
		atomic {
			onrc();
			i--;
			v = SLOT(rc, i);	/* this_cpu_xchg(hot[i], 0) */
			SLOT(rc, i) = 0;
			gk = K(rc, i) + 1; atn[gk - 1]++;
			printf("P%d take_slot: CPU %d slot %d was %d\n", me, rc, i, v)
		};
		atomic {
			onrc();
			/* this_cpu_and(hot_mask, ~(1U << i)) */
			mask[rc] = mask[rc] & (255 - (1 << i));
#ifdef NO_REREAD
			atn[gk - 1]--; gk = 0;
#endif
			printf("P%d take_slot: CPU %d mask %d\n", me, rc, mask[rc])
		};
#endif
#ifndef NO_REREAD
		atomic {
			onrc();
			/* if (this_cpu_read(hot[i])) */
			if
			:: SLOT(rc, i) -> ok = 1
			:: else -> ok = 0; atn[gk - 1]--; gk = 0
			fi;
			printf("P%d take_slot: CPU %d slot %d is %d\n", me, rc, i, SLOT(rc, i))
		};
		if
		:: ok ->
			atomic {
				onrc();
				/* this_cpu_or(hot_mask, 1U << i) */
				mask[rc] = mask[rc] | (1 << i);
				atn[gk - 1]--; gk = 0;
				ok = 0;
				printf("P%d take_slot: CPU %d mask %d\n", me, rc, mask[rc])
			}
		:: else
		fi
#endif
	:: else -> break
	od;
	atomic {
		onrc();
		if
		:: v ->
			top[rc] = i;		/* this_cpu_write(hot_top) */
			printf("P%d take_slot: CPU %d hot_top = %d\n", me, rc, i)
		:: else
		fi;
		unpin()				/* preempt_enable() */
	}
}

/* nbbs_hot_fill_slot(i, bb + 1) -> parked: a free slot from i up, filled */
inline fill_slot(bb)
{
	pin();
	do
	:: i < NSLOT ->
		atomic {
			onrc();
			/* this_cpu_or(hot_mask, 1U << i) */
			mask[rc] = mask[rc] | (1 << i);
			gk = K(rc, i) + 1; atn[gk - 1]++;
			printf("P%d fill_slot: CPU %d mask %d\n", me, rc, mask[rc])
		};
		atomic {
			onrc();
			/* this_cpu_cmpxchg(hot[i], 0, leaf + 1) */
			if
			:: SLOT(rc, i) == 0 ->
				SLOT(rc, i) = bb + 1;
				ok = 1;
#ifdef NO_SECOND_OR
				atn[gk - 1]--; gk = 0
#else
				fl[gk - 1]++
#endif
			:: else -> ok = 0; atn[gk - 1]--; gk = 0
			fi;
			printf("P%d fill_slot: CPU %d slot %d: %d\n", me, rc, i, ok)
		};
		if
		:: ok ->
#ifndef NO_SECOND_OR
			atomic {
				onrc();
				/* this_cpu_or(hot_mask, 1U << i) */
				mask[rc] = mask[rc] | (1 << i);
				atn[gk - 1]--; fl[gk - 1]--; gk = 0;
				printf("P%d fill_slot: CPU %d mask %d\n", me, rc, mask[rc])
			};
#endif
			atomic {
				onrc();
				top[rc] = i + 1;	/* this_cpu_write(hot_top) */
				printf("P%d fill_slot: CPU %d hot_top = %d\n", me, rc, i + 1);
				ok = 0;
				parked = 1;
				unpin()			/* preempt_enable() */
			};
			break
		:: else -> i++
		fi
	:: else ->
		atomic { onrc(); unpin() };	/* preempt_enable() */
		break
	od
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
	:: take_slot();
		if
		:: v == 0 -> break
		:: else
		fi;
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
		fi;
		atomic { v = 0; found = 0 }
	od;
	atomic { i = 0; v = 0; found = 0 }
}
#else /* !HOT_MASK */
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
		atomic {
			i--;
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
#endif /* HOT_MASK */

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
#ifdef HOT_MASK
		if
		:: to == H_CACHED -> fill_slot(bb)
		:: else
		fi;
#else
		do
		:: to == H_CACHED && i < NSLOT ->
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
#endif
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
		/* nbbs_find */
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
#ifdef HOT_MASK
#define LOCALS \
	byte cpu, i, c, v, m, to, found, ok, parked, fres, fb, got; \
	bool isdf, isstray; \
	byte rc, icpu, gk
#else
#define LOCALS \
	byte cpu, i, c, v, m, to, found, ok, parked, fres, fb, got; \
	bool isdf, isstray
#endif

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
 * An allocation whose claim of block 0 is rolled back (nbbs_claim: the
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

#if NIRQ > 0
/*
 * An interrupt handler (see "Interrupts and preemption"): an interrupt on
 * either CPU whose handler calls nbbs_alloc(), then, if it got a block, a
 * later interrupt on either CPU that frees it.  Entering makes the handler
 * the one that runs on its CPU: a task (or a handler) it interrupted there
 * in the middle of nbbs_hot_take_slot() or nbbs_hot_fill_slot() makes no
 * step there until the handler has returned.
 */
proctype irq(byte me)
{
	LOCALS;
	byte saved;

	atomic {
		if :: icpu = 1 :: icpu = 2 fi;
		saved = own[icpu - 1];
		own[icpu - 1] = me + 1;
		printf("P%d interrupt on CPU %d (own was %d)\n", me, icpu - 1, saved)
	};
	nb_alloc();
	atomic {
		own[icpu - 1] == me + 1 ->	/* innermost: returns first */
		own[icpu - 1] = saved;
		printf("P%d return from interrupt on CPU %d\n", me, icpu - 1);
		saved = 0; icpu = 0; cpu = 0
	};
	if
	:: got ->
		atomic {
			if :: icpu = 1 :: icpu = 2 fi;
			saved = own[icpu - 1];
			own[icpu - 1] = me + 1;
			printf("P%d interrupt on CPU %d (own was %d)\n", me, icpu - 1, saved)
		};
		nb_free(got - 1);
		atomic {
			own[icpu - 1] == me + 1 ->
			/* P1: a holder's free is accepted */
			assert(erroneous || fres == F_FREED);
			own[icpu - 1] = saved;
			printf("P%d return from interrupt on CPU %d\n", me, icpu - 1);
			saved = 0; icpu = 0; cpu = 0; fres = 0; got = 0
		}
	:: else
	fi;
	finished++
}
#endif

#ifdef HOT_MASK
/* P5 in every state: no filled slot's bit is clear unless mid-operation */
proctype maskinv()
{
end:	atomic { !MASK_INV -> assert(MASK_INV) }
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

/* Is block bb named by some slot (HOT_MASK: whose bit is set)? -> ok */
inline named(bb)
{
	ok = 0;
	i = 0;
	do
#ifdef HOT_MASK
	:: i < NSLOTS -> if :: slot[i] == bb + 1 && BITOF(i) -> ok = 1 :: else fi; i++
#else
	:: i < NSLOTS -> if :: slot[i] == bb + 1 -> ok = 1 :: else fi; i++
#endif
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
#ifdef HOT_MASK
	/* nothing in the middle of a slot operation, nobody pinned */
	c = 0;
	do
	:: c < NSLOTS -> assert(atn[c] == 0 && tk[c] == 0 && fl[c] == 0); c++
	:: else -> break
	od;
	assert(own[0] == 0 && own[1] == 0);
#endif
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
#if NIRQ > 0
		run irq(i); i++;
#endif
#if NIRQ > 1
		run irq(i); i++;
#endif
		run drainer(i);
#if defined(HOT_MASK) && !defined(NO_MASK_INV)
		run maskinv();
#endif
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
