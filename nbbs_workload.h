/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nbbs - what the programs that exercise nbbs share: the workloads they run
 * and the checker that catches two live blocks overlapping.
 *
 * Used by the kernel stress tester (nbbs_stress.ko), the userspace
 * benchmark (user/bench_nbbs_core.c) and the userspace stress test
 * (user/stress_nbbs_core.c).  nbbs_workload.c compiles in the kernel and,
 * over the shim in user/include, in userspace; each program keeps its own
 * loops, timing and output.
 */
#ifndef _NBBS_WORKLOAD_H
#define _NBBS_WORKLOAD_H

#include <linux/atomic.h>
#include <linux/types.h>

/* The workloads, in the order of nbbs_workloads[]. */
enum nbbs_workload {
	NBBS_WL_CACHED,
	NBBS_WL_LS,
	NBBS_WL_TT,
	NBBS_WL_CO,
	NBBS_WL_RAND,
	NBBS_WL_BULK,
	NBBS_WL_FILL,
	NBBS_NR_WORKLOADS,
};

/*
 * Constant occupancy (co) holds NBBS_CO_BLOCKS blocks: 16 of the order, 8
 * of order + 1, 4 of + 2, 2 of + 3 and 1 of + NBBS_CO_EXTRA.
 */
#define NBBS_CO_BLOCKS		31
#define NBBS_CO_EXTRA		4

/**
 * struct nbbs_workload_info - one workload
 * @name: its spelling (workload= of a stress run line, --workload of the
 *        benchmark)
 * @objs: blocks a thread holds: the default of ls, tt, bulk, rand and fill
 *        (a program may lower it to fit the arena), fixed for cached and co
 */
struct nbbs_workload_info {
	const char *name;
	unsigned int objs;
};

extern const struct nbbs_workload_info nbbs_workloads[NBBS_NR_WORKLOADS];

int nbbs_workload_parse(const char *name);
unsigned int nbbs_co_order(unsigned int slot, unsigned int order,
			   unsigned int max_order);

/**
 * struct nbbs_owner - an ownership bitmap: one bit per smallest block
 * @map: the bits, nbbs_owner_map_bytes(@nr_bits) bytes, zeroed before use
 * @nr_bits: bits in @map
 * @base: the address of bit 0, for nbbs_owner_index()
 * @shift: log2 of the bytes one bit stands for
 *
 * A block of order k covers 2^k bits.  Whoever is handed a block claims its
 * bits, and clears them again before giving the block back: a bit found
 * already set on claim, or already clear on release, is an overlap, caught
 * exactly.  The bits change with relaxed atomics: two claims of one bit
 * are caught by the atomicity of each operation alone, and the checker
 * adds no ordering of its own that could hide a missing one in the
 * allocator (ThreadSanitizer checks the userspace stress test on that).
 */
struct nbbs_owner {
	atomic_long_t *map;
	unsigned long nr_bits;
	const void *base;
	unsigned int shift;
};

size_t nbbs_owner_map_bytes(unsigned long nr_bits);
bool nbbs_owner_fits(const struct nbbs_owner *own, unsigned long idx,
		     unsigned int order);
long nbbs_owner_index(const struct nbbs_owner *own, const void *addr,
		      unsigned int order);
unsigned long nbbs_owner_claim(struct nbbs_owner *own, unsigned long idx,
			       unsigned int order);
unsigned long nbbs_owner_release(struct nbbs_owner *own, unsigned long idx,
				 unsigned int order);

/*
 * How a program uses the blocks it is handed, as its users would: write a
 * stamp into some cache lines after the allocation and check them before
 * the free.  A stamp found changed means another owner wrote the block.
 */
enum nbbs_touch {
	NBBS_TOUCH_NONE,	/* never read or write the block */
	NBBS_TOUCH_ENDS,	/* the first and the last cache line */
	NBBS_TOUCH_LINES,	/* every cache line */
	NBBS_NR_TOUCH,
};

/* The stride of the stamps: a cache line on the machines we measure. */
#define NBBS_TOUCH_LINE		64

extern const char * const nbbs_touch_names[NBBS_NR_TOUCH];

int nbbs_touch_parse(const char *name);
void nbbs_touch_write(void *block, unsigned long bytes, enum nbbs_touch how,
		      u64 stamp);
bool nbbs_touch_ok(const void *block, unsigned long bytes, enum nbbs_touch how,
		   u64 stamp);

#endif /* _NBBS_WORKLOAD_H */
