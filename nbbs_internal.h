/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nbbs - what the two layouts of the buddy tree share inside the core.
 *
 * nbbs_core.c holds the API, the scan driver, the statistics and the
 * one-word-per-node layout ("tree"); nbbs_packed.c holds the layout that
 * keeps three levels of the tree in one 64-bit word ("packed").  Both name a
 * node by its level (0 for the smallest blocks, max_order for the largest)
 * and its index within the level, and both follow the same protocol, which
 * the file comment of nbbs_core.c describes.  Nothing here is API.
 */
#ifndef _NBBS_INTERNAL_H
#define _NBBS_INTERNAL_H

#include <linux/atomic.h>
#include <linux/cpuhotplug.h>
#include <linux/preempt.h>
#include <linux/types.h>

#include "nbbs_core.h"
#include "nbbs_fault.h"

/* Rows of four levels in the packed layout: enough for NBBS_ORDER_LIMIT. */
#define NBBS_PACKED_ROWS	(NBBS_ORDER_LIMIT / 3 + 1)

struct nbbs_pcpu {
	unsigned long hint;	/* leaf index where this CPU's scans start */
	unsigned long releases;	/* completed nbbs_free() calls, see nbbs_releases() */
	/*
	 * Hot pools: per order, slots naming parked blocks (smallest block
	 * + 1, or 0 when empty), used as a stack whose top is hot_top.
	 */
	unsigned int hot_top[NBBS_HOT_ORDERS];
	/* Per order, bit i set while slot i may name a block: see drain. */
	unsigned int hot_mask[NBBS_HOT_ORDERS];
	unsigned long hot[NBBS_HOT_ORDERS][NBBS_HOT_SLOTS];
	struct nbbs_stats stats;
};

/**
 * struct nbbs_pool - a buddy tree over one contiguous range
 * @base: first byte of the managed range
 * @size: bytes managed
 * @min_shift: log2 of the smallest block
 * @max_order: order of the largest block, level of the tree's roots
 * @depth: log2 of the number of smallest blocks
 * @layout: NBBS_LAYOUT_TREE or NBBS_LAYOUT_PACKED
 * @nr_leaves: number of smallest blocks, 1 << @depth
 * @first_node: tree layout: heap index of the first root, nodes[0]
 * @nr_nodes: tree layout: number of stored nodes
 * @nodes: tree layout: status words of the levels 0 .. @max_order, indexed
 *         by heap index minus @first_node
 * @rows: packed layout: rows of four levels, (max_order + 4) / 4
 * @row_start: packed layout: index in @words of each row's first word
 * @nr_words: packed layout: number of words
 * @words: packed layout: one word per four-level subtree, row by row
 * @chunk_shift: log2 of the smallest blocks in a chunk: at least a largest
 *               block, and at most NBBS_MAX_CHUNKS chunks in the pool
 * @summary: per chunk, an upper bound on the order of its free blocks and a
 *           sequence number; see nbbs_scan() and nbbs_free()
 * @hot_orders: orders below this are cached per CPU (NBBS_POOL_HOT), else 0
 * @hot_first: first bit in @hot_state of each cached order's blocks
 * @hot_state: two bits per block of each cached order, see nbbs_hot_swap()
 * @committed: one bit per smallest block: a block of an order that is not
 *             cached per CPU starts there and was handed out (nbbs_commit())
 * @pcpu: per-CPU scan hints and counters; written only by their own CPU
 * @warned: bit 0 set once an invalid free was reported with a backtrace
 * @cpuhp_node: hot pools: on the CPU hotplug list, see nbbs_cpu_dead()
 * @cpuhp_added: @cpuhp_node is on that list
 *
 * Everything but the node words, @summary, @hot_state, @committed, @pcpu
 * and @warned is written once at creation.
 */
struct nbbs_pool {
	void *base;
	size_t size;
	unsigned int min_shift;
	unsigned int max_order;
	unsigned int depth;
	unsigned int layout;
	unsigned long nr_leaves;
	unsigned long first_node;
	unsigned long nr_nodes;
	atomic64_t *nodes;
	unsigned int rows;
	unsigned long row_start[NBBS_PACKED_ROWS];
	unsigned long nr_words;
	atomic_long_t *words;
	unsigned int chunk_shift;
	atomic64_t *summary;
	unsigned int hot_orders;
	unsigned long hot_first[NBBS_HOT_ORDERS];
	atomic_long_t *hot_state;
	unsigned long *committed;
	struct nbbs_pcpu __percpu *pcpu;
	unsigned long warned;
	struct hlist_node cpuhp_node;
	bool cpuhp_added;
};

/* Work done by one call, added to this CPU's counters once at its end. */
struct nbbs_ctx {
	unsigned int atomics;
	unsigned int conflicts;
	unsigned int rollbacks;
	unsigned int skipped;
	unsigned int lowered;
	unsigned int reclaimed;
	/*
	 * Set by a layout's "try" that rolled a claim back: the rollback may
	 * have freed space (see nbbs_tree_try()), which the scan publishes as
	 * a release does; @rollback_freed is the order of the largest block
	 * it left free.
	 */
	bool rolled_back;
	unsigned int rollback_freed;
};

/* A node as the scan and the walk see it. */
enum nbbs_node_state {
	NBBS_NODE_FREE,		/* it and its whole subtree are free */
	NBBS_NODE_LIVE,		/* allocated as one block */
	NBBS_NODE_PARTIAL,	/* something in its subtree is in use */
};

/* Why nbbs_free() refused a pointer, found while looking for its block. */
enum nbbs_free_result {
	NBBS_FREED,
	NBBS_FREE_NOT_LIVE,	/* no live block starts or covers it */
	NBBS_FREE_INTERIOR,	/* inside a live block, not at its start */
	NBBS_FREE_RACED,	/* the block was freed concurrently */
	NBBS_FREE_CACHED,	/* the block was freed already: a CPU caches it */
	NBBS_FREE_UNCOMMITTED,	/* OCC, but not handed out (or freed already) */
	NBBS_FREE_OUTSIDE,	/* not in the pool's range */
	NBBS_FREE_MISALIGNED,	/* not at a smallest block's start */
};

/*
 * Hook points: named places in the protocol where a userspace test build
 * (-DNBBS_HOOKS, user/interleave_nbbs_core.c) stops one call while others
 * run, to replay an interleaving exactly.  Nothing in other builds.
 */
#ifdef NBBS_HOOKS
void nbbs_hook(const char *name);
#define NBBS_HOOK(name)	nbbs_hook(name)
#else
#define NBBS_HOOK(name)	((void)(name))
#endif

/*
 * NMI: calls are refused where cmpxchg is not NMI-safe, or where the
 * 64-bit atomics of the tree nodes and chunk summaries are emulated with
 * hashed spinlocks (CONFIG_GENERIC_ATOMIC64: 32-bit powerpc, parisc...);
 * and the per-CPU slots of hot pools are used only where this_cpu
 * operations are single instructions (x86).  The userspace shim sets its
 * own.
 */
#ifndef nbbs_nmi_cmpxchg_safe
#if defined(CONFIG_ARCH_HAVE_NMI_SAFE_CMPXCHG) && !defined(CONFIG_GENERIC_ATOMIC64)
#define nbbs_nmi_cmpxchg_safe()	true
#else
#define nbbs_nmi_cmpxchg_safe()	false
#endif
#endif
#ifndef nbbs_nmi_pcpu_safe
#ifdef CONFIG_X86
#define nbbs_nmi_pcpu_safe()	true
#else
#define nbbs_nmi_pcpu_safe()	false
#endif
#endif

#define nbbs_cas64(v, old, new) \
	(!nbbs_fault_cas() && atomic64_try_cmpxchg(v, old, new))
#define nbbs_cas_long(v, old, new) \
	(!nbbs_fault_cas() && atomic_long_try_cmpxchg(v, old, new))

/*
 * Each layout provides:
 *
 * try:   claim free node (@level, @idx) and mark its ancestors.  Returns 0,
 *        -EBUSY if the node is not free, or -EAGAIN when the live block
 *        (*@blevel, *@bidx) covers it (any claim made is rolled back).
 * find:  by reading only, the order of the live block that starts at
 *        smallest block @leaf, or why no live block does.
 * free:  release the live block that starts at smallest block @leaf,
 *        storing its order in *@level and in *@freed the order of the
 *        largest free block the release made (an upper bound will do).
 * state: the node's state for the tree walk.
 * busy_run: how many nodes of @level from @idx on (at most @max) a read
 *        shows in use or covered, for the scan to pass over.
 */
#if BITS_PER_LONG == 64
#define NBBS_HAVE_PACKED	1
#else
#define NBBS_HAVE_PACKED	0	/* nbbs_packed.c is not built */
#endif
int nbbs_packed_try(struct nbbs_pool *pool, unsigned int level, unsigned long idx,
		    unsigned int *blevel, unsigned long *bidx, struct nbbs_ctx *ctx);
enum nbbs_free_result nbbs_packed_find(const struct nbbs_pool *pool,
				       unsigned long leaf, unsigned int *level);
enum nbbs_free_result nbbs_packed_free(struct nbbs_pool *pool, unsigned long leaf,
				       unsigned int *level, unsigned int *freed,
				       struct nbbs_ctx *ctx);
unsigned long nbbs_packed_busy_run(const struct nbbs_pool *pool, unsigned int level,
				   unsigned long idx, unsigned long max);
enum nbbs_node_state nbbs_packed_state(const struct nbbs_pool *pool,
				       unsigned int level, unsigned long idx);
int nbbs_packed_init(struct nbbs_pool *pool, gfp_t gfp);
void nbbs_packed_fini(struct nbbs_pool *pool);

#endif /* _NBBS_INTERNAL_H */
