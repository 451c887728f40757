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
 *   fails, and the candidates of a chunk whose summary the pass arms,
 *   rescanned once from the chunk's start; chunks whose summary rules the
 *   order out are skipped whole.  A
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
 * The tree.  A pool of 2^depth smallest blocks is a complete binary tree:
 * node (k, i) is the i-th block of order k, its children (k - 1, 2i) and
 * (k - 1, 2i + 1).  Only the levels that can be allocated are stored: level
 * 0 (the smallest blocks) up to level max_order, whose nodes are the roots
 * of a forest.  The nodes live in 64-bit words, one per node (the "tree"
 * layout, nbbs_tree.c) or three levels per word ("packed", nbbs_packed.c),
 * and one protocol works on both (nbbs_protocol.c): a node is OCC when it
 * is allocated as one block, and the PART marks of its ancestors say that
 * their subtree holds a block; COAL marks announce a release about to
 * clear a PART mark.
 *
 * Allocation of order k scans level k from a per-CPU start (nbbs_scan.c),
 * claims the first free node with one CAS and climbs to level max_order
 * marking every ancestor; an OCC ancestor means the node lies inside a
 * live block, and the claim is rolled back.  Release empties the block's
 * node and clears the marks above it that it was the last to need.
 *
 * Versions.  A release reads a parent, checks that the child it emptied is
 * unchanged, and CASes the parent from the value read: the CAS must fail if
 * an allocation entered the child after the check, which always rewrites
 * the parent.  That holds as long as the parent's version cannot come back
 * to the value read while the release is between its read and its CAS: 2^59
 * updates of one word in the tree layout (2^63 at level 0), 2^41 in the
 * packed layout (2^57 in its row 0).  At one successful CAS on one word per
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
 * Metadata: the words of the tree (about 2.3 bytes per smallest block
 * packed, 16 in the tree layout), a bit per smallest block, the chunk
 * summaries, and the per-CPU data.
 */
#define pr_fmt(fmt) "nbbs: " fmt

#include <linux/atomic.h>
#include <linux/bitops.h>
#include <linux/bug.h>
#include <linux/cpumask.h>
#include <linux/err.h>
#include <linux/io.h>
#include <linux/export.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/printk.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/string.h>

#include "nbbs_internal.h"

/*
 * Passes over a level before a failing allocation gives up although releases
 * keep completing.  Each extra pass is paid only when the previous one failed
 * and another CPU released a block meanwhile.
 */
#define NBBS_SCAN_PASSES	8

static atomic_long_t nbbs_null_pool;

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
 * nbbs_commit - the tree just gave out block @idx of @order, its climb
 * done: it is held now, so that its holder, and only it, may free it.
 * Orders that a hot pool caches move to LIVE (nbbs_hot_commit()); the
 * others set the block's bit in pool->committed.  Until then the node's
 * OCC is only a claim, which may still be rolled back: a free that meets
 * it is refused.
 */
static void nbbs_commit(struct nbbs_pool *pool, unsigned int order,
			unsigned long idx, struct nbbs_ctx *ctx)
{
	NBBS_HOOK("commit");
	if (order < pool->hot_orders) {
		nbbs_hot_commit(pool, order, idx << order, ctx);
		return;
	}
	ctx->atomics++;
	/* Unordered: the block reaches its holder through our return. */
	set_bit(idx << order, pool->committed);
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
		/*
		 * A full turn failed with no release completing that left a
		 * block of this order or more: none is free.  Unless the drain
		 * gave blocks back: each may let a parked block it passed over
		 * (its buddy in use then) coalesce now, which only the next
		 * drain gives back.
		 */
		now = nbbs_releases(pool, order);
		if (now == seen && !drained)
			break;
		if (pass == NBBS_SCAN_PASSES) {
			this_cpu_inc(pool->pcpu->stats.scan_giveups);
			break;
		}
		/* Each reclaim of the drain may count as a release of ours. */
		if (now - seen > drained)
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
	 * replaced meanwhile (found by verify/protocol.pml).  Fully ordered;
	 * pairs with the set_bit() of nbbs_commit() through the holder's
	 * hand-over of the block.  The plain read first spares hot pools an
	 * atomic on the frees of their cached orders, which have no bit.
	 */
	if (test_bit(leaf, pool->committed)) {
		ctx->atomics++;
		if (!test_and_clear_bit(leaf, pool->committed))
			return NBBS_FREE_UNCOMMITTED;	/* freed meanwhile */
		/* The bit made us its only releaser: neither can fail. */
		res = nbbs_find(pool, leaf, level);
		if (!WARN_ON_ONCE(res != NBBS_FREED))
			res = nbbs_release(pool, leaf, *level, &freed, ctx);
		if (WARN_ON_ONCE(res != NBBS_FREED))
			return res;
		nbbs_publish(pool, leaf, freed, ctx);
		return NBBS_FREED;
	}
	res = nbbs_find(pool, leaf, level);
	if (res != NBBS_FREED)
		return res;
	if (*level >= pool->hot_orders)
		return NBBS_FREE_UNCOMMITTED;
	res = nbbs_hot_release(pool, *level, leaf, nbbs_slots_usable(), &parked, ctx);
	if (parked)
		this_cpu_inc(pool->pcpu->stats.hot_frees);
	return res;
}

/*
 * A block this CPU freed just below where its scans start becomes the
 * start: the next allocation takes it, or its neighbours, again, while
 * they are still in this CPU's caches and TLB, instead of moving on to
 * memory nobody touched lately.  Frees far away (a block another CPU
 * allocated) leave the start alone, so that CPUs keep to their own parts
 * of the arena.
 */
static void nbbs_note_free(struct nbbs_pool *pool, unsigned long leaf)
{
	unsigned long start = this_cpu_read(pool->pcpu->hint);

	if (leaf < start && start - leaf <= (1UL << pool->chunk_shift))
		this_cpu_write(pool->pcpu->hint, leaf);
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
	if (res == NBBS_FREED) {
		nbbs_note_free(pool, off >> pool->min_shift);
		this_cpu_inc(pool->pcpu->stats.free[level]);
	}
	preempt_enable();
	if (res != NBBS_FREED)
		return nbbs_invalid_free(pool, addr, res);
	return 0;
}
EXPORT_SYMBOL_GPL(nbbs_free);

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

/**
 * nbbs_core_init() - set up what all pools share: the CPU hotplug callback
 * of hot pools
 *
 * Called once by nbbs.ko before it builds its pool.
 *
 * Context: Process context.
 *
 * Return: 0 or a negative errno from cpuhp_setup_state_multi().
 */
int nbbs_core_init(void)
{
	return nbbs_hot_setup();
}

/**
 * nbbs_core_exit() - undo nbbs_core_init(), after the last pool is gone
 *
 * Context: Process context.
 */
void nbbs_core_exit(void)
{
	nbbs_hot_teardown();
}

/*
 * Build a pool over [@base, @base + @size), which is at physical address
 * @phys if that is not NBBS_PHYS_NONE; the arguments as
 * nbbs_pool_create_flags() takes them.
 */
static struct nbbs_pool *nbbs_pool_build(void *base, phys_addr_t phys,
					 size_t size, unsigned int min_shift,
					 unsigned int max_order, gfp_t gfp,
					 unsigned int flags)
{
	struct nbbs_pool *pool;
	unsigned long nr_leaves;
	unsigned long step;
	unsigned int i = 0;
	int cpu, err;

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

	pool = nbbs_meta_alloc(kzalloc(sizeof(*pool), gfp));
	if (!pool)
		return ERR_PTR(-ENOMEM);
	pool->base = base;
	pool->size = size;
	pool->phys = phys;
	pool->min_shift = min_shift;
	pool->max_order = max_order;
	pool->depth = ilog2(nr_leaves);
	pool->nr_leaves = nr_leaves;
	pool->enc = nbbs_encoding_of(flags & NBBS_POOL_TREE ? NBBS_LAYOUT_TREE :
				     flags & NBBS_POOL_PACKED ? NBBS_LAYOUT_PACKED :
				     NBBS_LAYOUT_DEFAULT);

	err = nbbs_words_init(pool, gfp);
	if (!err)
		err = nbbs_summary_init(pool, gfp);
	if (!err && flags & NBBS_POOL_HOT)
		err = nbbs_hot_create(pool, gfp);
	if (err)
		goto fail;
	err = -ENOMEM;
	pool->committed = nbbs_meta_alloc(kvcalloc(BITS_TO_LONGS(nr_leaves),
						   sizeof(*pool->committed), gfp));
	if (!pool->committed)
		goto fail;
	pool->pcpu = nbbs_meta_alloc(alloc_percpu_gfp(struct nbbs_pcpu, gfp));
	if (!pool->pcpu)
		goto fail;

	/* Spread the CPUs' scan starts over the arena so they collide less. */
	step = max(nr_leaves / num_possible_cpus(), 1UL);
	for_each_possible_cpu(cpu)
		per_cpu_ptr(pool->pcpu, cpu)->hint = (step * i++) & (nr_leaves - 1);
	return pool;

fail:
	kvfree(pool->committed);
	nbbs_hot_destroy(pool);
	kvfree(pool->summary);
	nbbs_words_fini(pool);
	kfree(pool);
	return ERR_PTR(err);
}

/*
 * Where @base lies in the kernel's direct map, which maps physical memory
 * linearly, the range is physically contiguous; elsewhere (vmalloc,
 * ioremap, memremap of memory outside the direct map) nbbs cannot know.
 */
static phys_addr_t nbbs_direct_phys(const void *base, size_t size)
{
	if (!virt_addr_valid(base) || !virt_addr_valid((const char *)base + size - 1))
		return NBBS_PHYS_NONE;
	return virt_to_phys((void *)base);
}

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
 * A range in the kernel's direct map (from alloc_pages(), kmalloc(),
 * alloc_contig_range()) is physically contiguous, and the pool says so
 * (nbbs_pool_info(), nbbs_virt_to_phys()); for any other physically
 * contiguous range, use nbbs_pool_create_phys().
 *
 * Context: Process context when @gfp may sleep, and always for a pool with
 * NBBS_POOL_HOT (it registers for CPU hotplug); otherwise any context but
 * NMI, with @gfp GFP_ATOMIC or GFP_NOWAIT.
 *
 * Return: the pool, ERR_PTR(-EINVAL) for bad arguments, or ERR_PTR(-ENOMEM)
 * (or the error of cpuhp_state_add_instance_nocalls() for a hot pool).
 */
struct nbbs_pool *nbbs_pool_create_flags(void *base, size_t size,
					 unsigned int min_shift,
					 unsigned int max_order, gfp_t gfp,
					 unsigned int flags)
{
	phys_addr_t phys = NBBS_PHYS_NONE;

	if (base && size)
		phys = nbbs_direct_phys(base, size);
	return nbbs_pool_build(base, phys, size, min_shift, max_order, gfp, flags);
}
EXPORT_SYMBOL_GPL(nbbs_pool_create_flags);

/**
 * nbbs_pool_create_phys() - build a pool over physically contiguous memory
 *                           that is not in the kernel's direct map
 * @base: first byte of the range, as the caller mapped it (memremap(),
 *        ioremap_cache(), ...); the caller keeps owning it
 * @phys: physical address of @base: byte @base + i is at @phys + i
 * @size: as for nbbs_pool_create_flags()
 * @min_shift: as for nbbs_pool_create_flags()
 * @max_order: as for nbbs_pool_create_flags()
 * @gfp: as for nbbs_pool_create_flags()
 * @flags: as for nbbs_pool_create_flags()
 *
 * nbbs_pool_create_flags() for memory whose physical addresses nbbs cannot
 * find itself, such as a range reserved at boot (memmap=) or device memory.
 * nbbs trusts @phys; it only computes with it (nbbs_virt_to_phys()).
 *
 * Context: As nbbs_pool_create_flags().
 *
 * Return: as nbbs_pool_create_flags(); ERR_PTR(-EINVAL) also when @phys is
 * NBBS_PHYS_NONE, is not aligned like @base to the smallest block, or the
 * range would pass the end of the physical address space.
 */
struct nbbs_pool *nbbs_pool_create_phys(void *base, phys_addr_t phys,
					size_t size, unsigned int min_shift,
					unsigned int max_order, gfp_t gfp,
					unsigned int flags)
{
	if (phys == NBBS_PHYS_NONE || min_shift >= BITS_PER_LONG - 1 ||
	    phys & ((1UL << min_shift) - 1) || phys + size - 1 < phys)
		return ERR_PTR(-EINVAL);
	return nbbs_pool_build(base, phys, size, min_shift, max_order, gfp, flags);
}
EXPORT_SYMBOL_GPL(nbbs_pool_create_phys);

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
	return pool->enc->layout;
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
	if (layout != NBBS_LAYOUT_TREE && layout != NBBS_LAYOUT_PACKED)
		return "?";
	return nbbs_encoding_of(layout)->name;
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
			enum nbbs_node_state st = nbbs_node_state(pool, level, i);

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
	/* Off the CPU hotplug list first: no callback drains it meanwhile. */
	nbbs_hot_unlist(pool);
	nbbs_pool_drain(pool);
	live = nbbs_pool_live_blocks(pool);
	if (live)
		pr_warn("pool %p destroyed with %lu live blocks\n", pool, live);
	free_percpu(pool->pcpu);
	kvfree(pool->committed);
	nbbs_hot_destroy(pool);
	kvfree(pool->summary);
	nbbs_words_fini(pool);
	kfree(pool);
}
EXPORT_SYMBOL_GPL(nbbs_pool_destroy);

/**
 * nbbs_pool_info() - describe a pool's shape
 * @pool: the pool
 * @info: filled with the pool's base, size, smallest block, largest order
 *        and physical placement; zeroed for a NULL pool (@phys then
 *        NBBS_PHYS_NONE)
 *
 * Context: Any context.
 */
void nbbs_pool_info(const struct nbbs_pool *pool, struct nbbs_info *info)
{
	if (!info)
		return;
	if (!pool) {
		memset(info, 0, sizeof(*info));
		info->phys = NBBS_PHYS_NONE;
		return;
	}
	info->base = pool->base;
	info->size = pool->size;
	info->min_shift = pool->min_shift;
	info->max_order = pool->max_order;
	info->phys_contiguous = pool->phys != NBBS_PHYS_NONE;
	info->phys = pool->phys;
}
EXPORT_SYMBOL_GPL(nbbs_pool_info);

/**
 * nbbs_virt_to_phys() - physical address of a byte of a pool's range
 * @pool: the pool
 * @addr: an address in the pool's range, such as a block nbbs_alloc()
 *        returned
 *
 * Like gen_pool_virt_to_phys(): the CPU physical address, for a physically
 * contiguous pool (see nbbs_pool_info()).  It is not a DMA address; a
 * driver maps the block for its device with the DMA API as for any other
 * kernel memory.
 *
 * Context: Any context.
 *
 * Return: the physical address of @addr; NBBS_PHYS_NONE when @pool is NULL
 * or not physically contiguous, or @addr lies outside its range.
 */
phys_addr_t nbbs_virt_to_phys(const struct nbbs_pool *pool, const void *addr)
{
	unsigned long offset;

	if (!pool || pool->phys == NBBS_PHYS_NONE)
		return NBBS_PHYS_NONE;
	offset = (unsigned long)addr - (unsigned long)pool->base;
	if (offset >= pool->size)
		return NBBS_PHYS_NONE;
	return pool->phys + offset;
}
EXPORT_SYMBOL_GPL(nbbs_virt_to_phys);

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
	return sizeof(*pool) + pool->nr_words * sizeof(*pool->words) +
	       nbbs_summary_bytes(pool) + nbbs_hot_bytes(pool) +
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
