/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nbbs - what the files of the allocator share; nothing here is API.
 *
 * The layers, each calling only the ones below it:
 *
 *   nbbs_core.c      the API and its promises, pool lifecycle, statistics
 *   nbbs_hot.c       per-CPU hot blocks, above the shared tree
 *   nbbs_scan.c      finding a free node: scans, chunk summaries, the
 *                    release counts behind the no-false-NULL promise
 *   nbbs_protocol.c  the lock-free protocol on the tree's words, written
 *                    once against the encoding contract below
 *   nbbs_tree.c,     the two encodings (layouts) of the tree: one node or
 *   nbbs_packed.c    three levels of nodes per 64-bit word
 *
 * All name a node by its level (0 for the smallest blocks, max_order for
 * the largest) and its index within the level.
 */
#ifndef _NBBS_INTERNAL_H
#define _NBBS_INTERNAL_H

#include <linux/atomic.h>
#include <linux/cpuhotplug.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/types.h>

#include "nbbs_core.h"
#include "nbbs_fault.h"

/*
 * The encoding contract.  The levels 0 .. max_order of the tree are cut
 * into rows of @levels levels: row j holds levels j * @levels up to
 * j * @levels + @levels - 1, and each of its 64-bit words holds the
 * subtree of that height under one node of the row's top level, its
 * local nodes numbered in heap order (1 the top, b's children 2b and
 * 2b + 1; the bottom nodes are 2^(@levels - 1) .. 2^@levels - 1):
 *
 *   bits 0 ..                 OCC of local node b at bit b - 1: it is
 *                             allocated as one block
 *   then, in rows above 0,    four bits per bottom node b, in order of b:
 *                             PART_L, PART_R (the left/right word of the
 *                             row below, under b, holds or is being given
 *                             a block), COAL_L, COAL_R (a release is about
 *                             to clear that PART: see nbbs_protocol.c)
 *   all bits above            the word's version, incremented by every
 *                             successful compare-and-swap; row 0, whose
 *                             bottom nodes are the smallest blocks and have
 *                             nothing below to mark, has it right above OCC
 *
 * Levels above max_order that the top row's words would hold do not exist
 * and are never allocated.  An encoding names @levels and, per local node
 * b, @sub[b]: the status bits that say b's subtree is in use (its OCC, the
 * OCC of the local nodes below it and the marks of the bottom nodes under
 * it), and @anc[b]: the OCC bits of b's local ancestors.  Everything else
 * follows from @levels.  nbbs_tree.c and nbbs_packed.c describe the two
 * encodings; nbbs_protocol.c includes them and compiles its code once for
 * each, the encoding a constant.
 */
#define NBBS_WORD_LEVELS_MAX	3
#define NBBS_WORD_NODES_MAX	((1 << NBBS_WORD_LEVELS_MAX) - 1)

struct nbbs_encoding {
	unsigned int layout;	/* NBBS_LAYOUT_* */
	const char *name;	/* as layout= and debugfs spell it */
	unsigned int levels;
	u64 sub[NBBS_WORD_NODES_MAX + 1];
	u64 anc[NBBS_WORD_NODES_MAX + 1];
};

struct nbbs_pcpu {
	unsigned long hint;	/* leaf index where this CPU's scans start */
	/*
	 * Completed releases, by the order of the largest free block each
	 * left (a parked block: max_order); see nbbs_releases().
	 */
	unsigned long releases[NBBS_ORDER_LIMIT + 1];
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
 * @phys: physical address of @base when the range is physically contiguous,
 *        NBBS_PHYS_NONE otherwise (nbbs_virt_to_phys())
 * @min_shift: log2 of the smallest block
 * @max_order: order of the largest block, level of the tree's roots
 * @depth: log2 of the number of smallest blocks
 * @nr_leaves: number of smallest blocks, 1 << @depth
 * @enc: the encoding of the tree's words, the pool's layout
 * @rows: rows of @enc->levels levels, max_order / levels + 1
 * @row_start: index in @words of each row's first word
 * @nr_words: number of words
 * @words: the tree, row by row
 * @chunk_shift: log2 of the smallest blocks in a chunk: at least a largest
 *               block, and at most NBBS_MAX_CHUNKS chunks in the pool
 * @summary: per chunk, an upper bound on the order of its free blocks and a
 *           sequence number, and a hint; see nbbs_scan.c
 * @hot_orders: orders below this are cached per CPU (NBBS_POOL_HOT), else 0
 * @hot_first: first bit in @hot_state of each cached order's blocks
 * @hot_state: two bits per block of each cached order, see nbbs_hot.c
 * @committed: one bit per smallest block: a block of an order that is not
 *             cached per CPU starts there and was handed out (nbbs_commit())
 * @pcpu: per-CPU scan hints and counters; written only by their own CPU
 * @warned: bit 0 set once an invalid free was reported with a backtrace
 * @cpuhp_node: hot pools: on the CPU hotplug list, see nbbs_hot.c
 * @cpuhp_added: @cpuhp_node is on that list
 *
 * Everything but @words, @summary, @hot_state, @committed, @pcpu
 * and @warned is written once at creation.
 */
struct nbbs_pool {
	void *base;
	size_t size;
	phys_addr_t phys;
	unsigned int min_shift;
	unsigned int max_order;
	unsigned int depth;
	unsigned long nr_leaves;
	const struct nbbs_encoding *enc;
	unsigned int rows;
	unsigned long row_start[NBBS_ORDER_LIMIT + 1];
	unsigned long nr_words;
	atomic64_t *words;
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
	 * Set by nbbs_claim() when it rolled a claim back: the rollback may
	 * have freed space (see there), which the scan publishes as
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

/*
 * Every CAS of the tree, chunk summaries and hot states goes through these,
 * so that fault injection (nbbs_fault.h) can fail it on purpose.
 */
#define nbbs_cas64(v, old, new) \
	(!nbbs_fault_cas() && atomic64_try_cmpxchg(v, old, new))
#define nbbs_cas_long(v, old, new) \
	(!nbbs_fault_cas() && atomic_long_try_cmpxchg(v, old, new))

/* Add a call's work to this CPU's counters, @atomics to the alloc or free ones. */
static inline void nbbs_account(struct nbbs_pool *pool, const struct nbbs_ctx *ctx,
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
 * May this call use the per-CPU slots of a hot pool?  Not from an NMI where
 * this_cpu operations are load/op/store sequences: the NMI could overwrite
 * a slot that the interrupted code is changing, and the block in it would
 * be lost.  Such calls go to the tree, as when the slots are full or empty.
 */
static inline bool nbbs_slots_usable(void)
{
	return likely(!in_nmi()) || nbbs_nmi_pcpu_safe();
}

/* The hot state of the block of @order (< hot_orders) at @leaf: see nbbs_hot.c. */
#define NBBS_HOT_NONE		0UL
#define NBBS_HOT_CACHED		1UL
#define NBBS_HOT_LIVE		3UL

static inline unsigned long nbbs_hot_state(const struct nbbs_pool *pool,
					   unsigned int order, unsigned long leaf)
{
	unsigned long bit = pool->hot_first[order] + 2 * (leaf >> order);

	return ((unsigned long)atomic_long_read(&pool->hot_state[bit / BITS_PER_LONG]) >>
		(bit % BITS_PER_LONG)) & 3;
}

/* nbbs_protocol.c: the protocol, over the encoding contract. */
const struct nbbs_encoding *nbbs_encoding_of(unsigned int layout);
int nbbs_words_init(struct nbbs_pool *pool, gfp_t gfp);
void nbbs_words_fini(struct nbbs_pool *pool);
int nbbs_claim(struct nbbs_pool *pool, unsigned int level, unsigned long idx,
	       unsigned int *blevel, unsigned long *bidx, struct nbbs_ctx *ctx);
enum nbbs_free_result nbbs_find(const struct nbbs_pool *pool, unsigned long leaf,
				unsigned int *level);
enum nbbs_free_result nbbs_release(struct nbbs_pool *pool, unsigned long leaf,
				   unsigned int level, unsigned int *freed,
				   struct nbbs_ctx *ctx);
unsigned long nbbs_busy_run(const struct nbbs_pool *pool, unsigned int level,
			    unsigned long idx, unsigned long max);
enum nbbs_node_state nbbs_node_state(const struct nbbs_pool *pool,
				     unsigned int level, unsigned long idx);

/* nbbs_scan.c: finding free nodes, and making released ones visible. */
int nbbs_summary_init(struct nbbs_pool *pool, gfp_t gfp);
size_t nbbs_summary_bytes(const struct nbbs_pool *pool);
bool nbbs_scan(struct nbbs_pool *pool, unsigned int level, unsigned long start,
	       unsigned long *releases, unsigned long *found, struct nbbs_ctx *ctx);
unsigned long nbbs_releases(const struct nbbs_pool *pool, unsigned int order);
void nbbs_publish(struct nbbs_pool *pool, unsigned long leaf, unsigned int freed,
		  struct nbbs_ctx *ctx);

/* nbbs_hot.c: per-CPU hot blocks (NBBS_POOL_HOT). */
int nbbs_hot_setup(void);
void nbbs_hot_teardown(void);
int nbbs_hot_create(struct nbbs_pool *pool, gfp_t gfp);
void nbbs_hot_unlist(struct nbbs_pool *pool);
void nbbs_hot_destroy(struct nbbs_pool *pool);
size_t nbbs_hot_bytes(const struct nbbs_pool *pool);
unsigned long nbbs_hot_pop(struct nbbs_pool *pool, unsigned int order,
			   struct nbbs_ctx *ctx);
void nbbs_hot_commit(struct nbbs_pool *pool, unsigned int order,
		     unsigned long leaf, struct nbbs_ctx *ctx);
enum nbbs_free_result nbbs_hot_release(struct nbbs_pool *pool, unsigned int order,
				       unsigned long leaf, bool slots, bool *parked,
				       struct nbbs_ctx *ctx);
unsigned long nbbs_hot_drain(struct nbbs_pool *pool, unsigned int want,
			     struct nbbs_ctx *ctx);
bool nbbs_hot_parked(const struct nbbs_pool *pool, unsigned int level,
		     unsigned long idx);

#endif /* _NBBS_INTERNAL_H */
