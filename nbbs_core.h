/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nbbs - a non-blocking buddy system.
 *
 * The public interface of the allocator core.  Other modules include this
 * header and link against the symbols that nbbs.ko exports; userspace test
 * programs include the same header from build/user/include and link
 * build/user/libnbbs.a.
 */
#ifndef _NBBS_CORE_H
#define _NBBS_CORE_H

#include <linux/bits.h>
#include <linux/gfp.h>
#include <linux/types.h>

struct nbbs_pool;

/*
 * Largest order a pool may be built with.  Bounds the per-order statistics
 * arrays; with 4 KiB blocks it is a 16 TiB block, far beyond any arena.
 */
#define NBBS_ORDER_LIMIT	32

/* Smallest supported block: 8 bytes. */
#define NBBS_MIN_SHIFT_LIMIT	3

/*
 * Layouts of the tree (see Documentation/nbbs.rst).  Both follow the same
 * lock-free protocol; "packed" keeps three levels in one 64-bit word and so
 * needs fewer atomic operations per call, "tree" keeps one 64-bit word per
 * node.  Both work on 32-bit kernels, where "tree" stays the default.
 */
#define NBBS_LAYOUT_TREE	0
#define NBBS_LAYOUT_PACKED	1
#if BITS_PER_LONG == 64
#define NBBS_LAYOUT_DEFAULT	NBBS_LAYOUT_PACKED
#else
#define NBBS_LAYOUT_DEFAULT	NBBS_LAYOUT_TREE
#endif

/*
 * Flags of nbbs_pool_create_flags(): at most one layout, and optionally
 * NBBS_POOL_HOT: each CPU keeps the last blocks it freed of each order
 * below NBBS_HOT_ORDERS and hands them out again on its next allocations
 * of that order, with one atomic operation instead of a walk of the tree
 * (see "Hot blocks" in Documentation/nbbs.rst).
 */
#define NBBS_POOL_TREE		0x1u
#define NBBS_POOL_PACKED	0x2u
#define NBBS_POOL_HOT		0x4u

/*
 * A hot pool parks, per CPU, up to NBBS_HOT_SLOTS freed blocks of each order
 * below NBBS_HOT_ORDERS (the orders the page allocator's pcp lists keep).
 */
#define NBBS_HOT_ORDERS		4
#define NBBS_HOT_SLOTS		16

/* What nbbs_virt_to_phys() returns when there is no physical address. */
#define NBBS_PHYS_NONE		((phys_addr_t)-1)

/**
 * struct nbbs_info - the shape of a pool, as returned by nbbs_pool_info()
 * @base: first byte of the managed range
 * @size: bytes managed
 * @min_shift: log2 of the smallest block, in bytes
 * @max_order: largest block: 1 << (min_shift + max_order) bytes
 * @phys_contiguous: the range is physically contiguous: byte @base + i is
 *                   at physical address @phys + i (nbbs_virt_to_phys())
 * @phys: physical address of @base when @phys_contiguous, else
 *        NBBS_PHYS_NONE
 */
struct nbbs_info {
	void *base;
	size_t size;
	unsigned int min_shift;
	unsigned int max_order;
	bool phys_contiguous;
	phys_addr_t phys;
};

/**
 * struct nbbs_stats - event counters of a pool, summed over all CPUs
 * @alloc: successful allocations, per order
 * @free: successful releases, per order
 * @alloc_fail: allocations that returned NULL although the order was valid
 * @alloc_bad_order: allocations refused because the order was out of range
 * @cas_conflicts: compare-and-swap attempts that lost a race and were retried
 * @rollbacks: claimed nodes given back because an ancestor was occupied
 * @scan_restarts: level scans repeated because a release completed meanwhile
 * @scan_giveups: failed allocations that stopped rescanning at the bound
 *                while releases kept completing (see nbbs_alloc())
 * @chunks_skipped: chunks a scan passed over because their summary said no
 *                  block of the wanted order was free there
 * @chunks_lowered: chunk summaries lowered after a scan found nothing
 * @invalid_free: nbbs_free() calls refused with -EINVAL
 * @nmi_refused: calls from NMI refused where cmpxchg is not NMI-safe
 * @hot_allocs: allocations served from a block this CPU parked (NBBS_POOL_HOT)
 * @hot_frees: releases that parked the block on this CPU (NBBS_POOL_HOT)
 * @hot_reclaims: parked blocks given back to the tree by nbbs_pool_drain()
 *                or a failing allocation
 * @alloc_atomics: atomic read-modify-write operations spent in nbbs_alloc()
 * @free_atomics: atomic read-modify-write operations spent in nbbs_free()
 *
 * Counters are kept per CPU and summed when read, so a snapshot taken while
 * other CPUs allocate is not an atomic cut across all of them.
 */
struct nbbs_stats {
	u64 alloc[NBBS_ORDER_LIMIT + 1];
	u64 free[NBBS_ORDER_LIMIT + 1];
	u64 alloc_fail[NBBS_ORDER_LIMIT + 1];
	u64 alloc_bad_order;
	u64 cas_conflicts;
	u64 rollbacks;
	u64 scan_restarts;
	u64 scan_giveups;
	u64 chunks_skipped;
	u64 chunks_lowered;
	u64 invalid_free;
	u64 nmi_refused;
	u64 hot_allocs;
	u64 hot_frees;
	u64 hot_reclaims;
	u64 alloc_atomics;
	u64 free_atomics;
};

struct nbbs_pool *nbbs_pool_create(void *base, size_t size, unsigned int min_shift,
				   unsigned int max_order, gfp_t gfp);
struct nbbs_pool *nbbs_pool_create_flags(void *base, size_t size,
					 unsigned int min_shift,
					 unsigned int max_order, gfp_t gfp,
					 unsigned int flags);
struct nbbs_pool *nbbs_pool_create_phys(void *base, phys_addr_t phys,
					size_t size, unsigned int min_shift,
					unsigned int max_order, gfp_t gfp,
					unsigned int flags);
unsigned int nbbs_pool_layout(const struct nbbs_pool *pool);
const char *nbbs_layout_name(unsigned int layout);
void nbbs_pool_destroy(struct nbbs_pool *pool);
void *nbbs_alloc(struct nbbs_pool *pool, unsigned int order);
int nbbs_free(struct nbbs_pool *pool, void *addr);
void nbbs_pool_info(const struct nbbs_pool *pool, struct nbbs_info *info);
phys_addr_t nbbs_virt_to_phys(const struct nbbs_pool *pool, const void *addr);
struct nbbs_pool *nbbs_default_pool(void);

void nbbs_pool_stats(const struct nbbs_pool *pool, struct nbbs_stats *stats);
int nbbs_pool_free_blocks(const struct nbbs_pool *pool, unsigned long *maximal,
			  unsigned int nr_orders);
size_t nbbs_pool_metadata_bytes(const struct nbbs_pool *pool);
unsigned long nbbs_pool_live_blocks(const struct nbbs_pool *pool);
unsigned long nbbs_pool_drain(struct nbbs_pool *pool);
unsigned long nbbs_null_pool_calls(void);

/* Byte counts as nbbs.ko's parameters and the stress tester's run lines take them. */
int nbbs_parse_bytes(const char *str, unsigned long long *bytes);

/* Not for clients: what nbbs.ko (or a userspace test) sets up first and undoes last. */
int nbbs_core_init(void);
void nbbs_core_exit(void);

#endif /* _NBBS_CORE_H */
