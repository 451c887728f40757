// SPDX-License-Identifier: GPL-2.0
/*
 * Hot blocks of the nbbs buddy tree (pools created with NBBS_POOL_HOT):
 * a per-CPU layer above the shared tree.
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
 * No false NULL: parking counts as a release for every order (pcpu->releases),
 * and a failing allocation reclaims the parked blocks that can help it
 * (nbbs_hot_helps()) before each comparison of the counters, so a block
 * parked during its pass makes it scan again (see nbbs_releases()).
 *
 * The layer sits above the shared tree and calls into it: a miss or an
 * overflow goes to nbbs_scan.c and nbbs_protocol.c, never the other way.
 * The allocation driver in nbbs_core.c drains the slots before a failing
 * allocation recounts the releases.
 */
#define pr_fmt(fmt) "nbbs: " fmt

#include <linux/atomic.h>
#include <linux/bitops.h>
#include <linux/bug.h>
#include <linux/cpuhotplug.h>
#include <linux/cpumask.h>
#include <linux/errno.h>
#include <linux/minmax.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/slab.h>

#include "nbbs_internal.h"

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
		/* Fully ordered: hands the block over (MP, as the tree's CAS). */
		if (nbbs_cas_long(word, &old, (long)v))
			return from;
		ctx->conflicts++;
	}
}

/*
 * nbbs_hot_commit - the tree just gave out the block of @order, a cached
 * order, at @leaf, its climb done: it is held now (NONE -> LIVE), so that
 * its holder, and only it, may free it.
 */
void nbbs_hot_commit(struct nbbs_pool *pool, unsigned int order,
		     unsigned long leaf, struct nbbs_ctx *ctx)
{
	WARN_ON_ONCE(nbbs_hot_swap(pool, order, leaf, NBBS_HOT_NONE,
				   NBBS_HOT_LIVE, ctx) != NBBS_HOT_NONE);
}

/*
 * nbbs_hot_to_tree - release in the tree the block of @order at @leaf,
 * which the caller moved from CACHED or LIVE to NONE: no one else can
 * release it now.
 */
static void nbbs_hot_to_tree(struct nbbs_pool *pool, unsigned int order,
			     unsigned long leaf, struct nbbs_ctx *ctx)
{
	unsigned int freed = 0;

	/* The state bits said its order: no need to read it in the tree. */
	if (WARN_ON_ONCE(nbbs_release(pool, leaf, order, &freed, ctx) != NBBS_FREED))
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
	switch (nbbs_node_state(pool, order, buddy)) {
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

/*
 * nbbs_hot_drain - reclaim the parked blocks of every CPU that can help an
 * allocation of order @want (0: all of them); returns how many.
 */
unsigned long nbbs_hot_drain(struct nbbs_pool *pool, unsigned int want,
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
unsigned long nbbs_hot_pop(struct nbbs_pool *pool, unsigned int order,
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
enum nbbs_free_result nbbs_hot_release(struct nbbs_pool *pool, unsigned int order,
				       unsigned long leaf, bool slots, bool *parked,
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
		/* A release for every order, after the slot (MP with nbbs_releases()). */
		smp_wmb();
		this_cpu_inc(pool->pcpu->releases[pool->max_order]);
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

/* Register the CPU hotplug callback that all hot pools share. */
int nbbs_hot_setup(void)
{
	int ret = cpuhp_setup_state_multi(CPUHP_BP_PREPARE_DYN, "nbbs:dead",
					  NULL, nbbs_cpu_dead);

	if (ret < 0)
		return ret;
	nbbs_cpuhp_state = ret;
	return 0;
}

void nbbs_hot_teardown(void)
{
	if (nbbs_cpuhp_state > 0)
		cpuhp_remove_multi_state(nbbs_cpuhp_state);
	nbbs_cpuhp_state = 0;
}

/*
 * nbbs_hot_create - give a pool of shape set, created with NBBS_POOL_HOT,
 * its state bits, and put it on the CPU hotplug list.
 */
int nbbs_hot_create(struct nbbs_pool *pool, gfp_t gfp)
{
	unsigned long step = 0;
	unsigned int i;
	int err;

	pool->hot_orders = min(pool->max_order + 1, (unsigned int)NBBS_HOT_ORDERS);
	for (i = 0; i < pool->hot_orders; i++) {
		pool->hot_first[i] = step;
		step += 2 * (pool->nr_leaves >> i);
	}
	pool->hot_state = nbbs_meta_alloc(kvcalloc(BITS_TO_LONGS(step),
						   sizeof(*pool->hot_state), gfp));
	if (!pool->hot_state)
		return -ENOMEM;
	if (nbbs_cpuhp_state > 0) {
		err = cpuhp_state_add_instance_nocalls(nbbs_cpuhp_state,
						       &pool->cpuhp_node);
		if (err)
			return err;
		pool->cpuhp_added = true;
	}
	return 0;
}

/* Take a pool off the CPU hotplug list, if it is on it. */
void nbbs_hot_unlist(struct nbbs_pool *pool)
{
	if (pool->cpuhp_added)
		cpuhp_state_remove_instance_nocalls(nbbs_cpuhp_state, &pool->cpuhp_node);
	pool->cpuhp_added = false;
}

/* Undo nbbs_hot_create(), or what of it was done, once the slots are drained. */
void nbbs_hot_destroy(struct nbbs_pool *pool)
{
	nbbs_hot_unlist(pool);
	kvfree(pool->hot_state);
}

size_t nbbs_hot_bytes(const struct nbbs_pool *pool)
{
	unsigned int last = pool->hot_orders - 1;

	if (!pool->hot_orders)
		return 0;
	return BITS_TO_LONGS(pool->hot_first[last] + 2 * (pool->nr_leaves >> last)) *
	       sizeof(*pool->hot_state);
}

/* Is the live block (@level, @idx) parked on a CPU? */
bool nbbs_hot_parked(const struct nbbs_pool *pool, unsigned int level,
		     unsigned long idx)
{
	return level < pool->hot_orders &&
	       nbbs_hot_state(pool, level, idx << level) == NBBS_HOT_CACHED;
}
