// SPDX-License-Identifier: GPL-2.0
/*
 * nbbs - the workloads and the overlap checker that the kernel stress
 * tester and the userspace benchmark and stress test share (see
 * nbbs_workload.h).  Built into nbbs_stress.ko by Kbuild and into the
 * userspace test programs by mk/user.mk, so it uses only what the shim in
 * user/include offers too.
 *
 * Workloads, per thread, sizes as orders (each program says what it counts
 * as one operation and how it times them):
 *   cached  allocate one block and free it, repeatedly
 *   ls      bursts of allocations, then their frees in the same order
 *           (linux-scalability)
 *   tt      rounds of allocations, then their frees in reverse order
 *           (threadtest)
 *   co      constant occupancy: hold NBBS_CO_BLOCKS blocks of the order
 *           and the four above it (nbbs_co_order()); repeatedly free a
 *           random one and allocate the same size again
 *   rand    a number of slots; pick one at random: free it when held,
 *           else allocate a random order 0..order
 *   bulk    like ls, allocation and release timed apart
 *   fill    before the threads start, allocate every smallest block of
 *           the arena and free a random share of them; then rand on what
 *           is left
 */
#include <linux/atomic.h>
#include <linux/bitops.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/minmax.h>
#include <linux/string.h>

#include "nbbs_workload.h"

const struct nbbs_workload_info nbbs_workloads[NBBS_NR_WORKLOADS] = {
	[NBBS_WL_CACHED]	= { "cached",	1 },
	[NBBS_WL_LS]		= { "ls",	16 },
	[NBBS_WL_TT]		= { "tt",	128 },
	[NBBS_WL_CO]		= { "co",	NBBS_CO_BLOCKS },
	[NBBS_WL_RAND]		= { "rand",	32 },
	[NBBS_WL_BULK]		= { "bulk",	128 },
	[NBBS_WL_FILL]		= { "fill",	32 },
};

/**
 * nbbs_workload_parse() - find a workload by its name
 * @name: the name, as in nbbs_workloads[]
 *
 * Context: Any context.
 * Return: its enum nbbs_workload; -EINVAL when no workload has that name.
 */
int nbbs_workload_parse(const char *name)
{
	int i;

	for (i = 0; i < NBBS_NR_WORKLOADS; i++)
		if (!strcmp(name, nbbs_workloads[i].name))
			return i;
	return -EINVAL;
}

/**
 * nbbs_co_order() - the order of one block that constant occupancy holds
 * @slot: 0 .. NBBS_CO_BLOCKS - 1
 * @order: the workload's order
 * @max_order: the largest order the backend serves
 *
 * Slots 0..15 hold blocks of @order, 16..23 of @order + 1, 24..27 of + 2,
 * 28 and 29 of + 3, 30 of + NBBS_CO_EXTRA; none above @max_order.
 *
 * Context: Any context.
 * Return: the order of @slot.
 */
unsigned int nbbs_co_order(unsigned int slot, unsigned int order,
			   unsigned int max_order)
{
	unsigned int extra = slot < 16 ? 0 : slot < 24 ? 1 : slot < 28 ? 2 :
			     slot < 30 ? 3 : NBBS_CO_EXTRA;

	return min(order + extra, max_order);
}

const char * const nbbs_touch_names[NBBS_NR_TOUCH] = {
	[NBBS_TOUCH_NONE]	= "none",
	[NBBS_TOUCH_ENDS]	= "ends",
	[NBBS_TOUCH_LINES]	= "lines",
};

/**
 * nbbs_touch_parse() - find a way of touching blocks by its name
 * @name: none, ends or lines
 *
 * Context: Any context.
 * Return: its enum nbbs_touch; -EINVAL for any other name.
 */
int nbbs_touch_parse(const char *name)
{
	int i;

	for (i = 0; i < NBBS_NR_TOUCH; i++)
		if (!strcmp(name, nbbs_touch_names[i]))
			return i;
	return -EINVAL;
}

/*
 * The stamp of line @i: distinct per line, so that a line copied from
 * elsewhere in the block is caught too.
 */
static inline u64 nbbs_touch_stamp(u64 stamp, unsigned long i)
{
	return stamp + i * 0x9e3779b97f4a7c15ULL;
}

/* The step from one touched line to the next: all of them, or first to last. */
static inline unsigned long nbbs_touch_step(unsigned long lines, enum nbbs_touch how)
{
	return how == NBBS_TOUCH_LINES || lines < 2 ? 1 : lines - 1;
}

/**
 * nbbs_touch_write() - write the stamps into a block just allocated
 * @block: its first byte, 8-byte aligned
 * @bytes: its size
 * @how: which lines
 * @stamp: what identifies this owner and this block
 *
 * Context: Any context; the block must be mapped (a write).
 */
void nbbs_touch_write(void *block, unsigned long bytes, enum nbbs_touch how,
		      u64 stamp)
{
	unsigned long lines = max(bytes / NBBS_TOUCH_LINE, 1UL), i, step;
	char *p = block;

	if (how == NBBS_TOUCH_NONE)
		return;
	step = nbbs_touch_step(lines, how);
	for (i = 0; i < lines; i += step)
		*(u64 *)(p + i * NBBS_TOUCH_LINE) = nbbs_touch_stamp(stamp, i);
}

/**
 * nbbs_touch_ok() - check the stamps before the block is freed
 * @block: its first byte
 * @bytes: its size
 * @how: which lines, as at nbbs_touch_write()
 * @stamp: as at nbbs_touch_write()
 *
 * Context: Any context.
 * Return: true when every stamp written is still there.
 */
bool nbbs_touch_ok(const void *block, unsigned long bytes, enum nbbs_touch how,
		   u64 stamp)
{
	unsigned long lines = max(bytes / NBBS_TOUCH_LINE, 1UL), i, step;
	const char *p = block;

	if (how == NBBS_TOUCH_NONE)
		return true;
	step = nbbs_touch_step(lines, how);
	for (i = 0; i < lines; i += step)
		if (*(const u64 *)(p + i * NBBS_TOUCH_LINE) != nbbs_touch_stamp(stamp, i))
			return false;
	return true;
}

/**
 * nbbs_owner_map_bytes() - the size of an ownership bitmap
 * @nr_bits: bits it holds
 *
 * Context: Any context.
 * Return: bytes to allocate (and zero) for &struct nbbs_owner.map.
 */
size_t nbbs_owner_map_bytes(unsigned long nr_bits)
{
	return BITS_TO_LONGS(nr_bits) * sizeof(atomic_long_t);
}

/**
 * nbbs_owner_fits() - whether a block has its bits in the bitmap
 * @own: the bitmap
 * @idx: the block's first bit
 * @order: the block's order: it covers 2^@order bits
 *
 * Context: Any context.
 * Return: true when @idx is aligned to the block's size and the whole
 * block lies within the bitmap.
 */
bool nbbs_owner_fits(const struct nbbs_owner *own, unsigned long idx,
		     unsigned int order)
{
	unsigned long n = 1UL << order;

	return !(idx & (n - 1)) && idx < own->nr_bits && own->nr_bits - idx >= n;
}

/**
 * nbbs_owner_index() - the first bit of a block given by its address
 * @own: the bitmap; bit 0 stands for the bytes at &struct nbbs_owner.base
 * @addr: the block's first byte
 * @order: the block's order
 *
 * Context: Any context.
 * Return: the block's first bit; -1 when it is misplaced: outside the
 * range the bitmap covers, or not aligned to its size.
 */
long nbbs_owner_index(const struct nbbs_owner *own, const void *addr,
		      unsigned int order)
{
	unsigned long off;

	if (addr < own->base)
		return -1;
	off = (unsigned long)((const char *)addr - (const char *)own->base);
	if (off & ((1UL << own->shift) - 1))
		return -1;
	off >>= own->shift;
	return nbbs_owner_fits(own, off, order) ? (long)off : -1;
}

/*
 * Set (@claim) or clear the bits of the block at @idx; count those that
 * were already so.  The block is naturally aligned (nbbs_owner_fits()):
 * below a word it lies within one, from a word up it covers whole words.
 */
static unsigned long nbbs_owner_update(struct nbbs_owner *own, unsigned long idx,
				       unsigned int order, bool claim)
{
	atomic_long_t *word = &own->map[BIT_WORD(idx)];
	unsigned long n = 1UL << order, mask, old, bad = 0, i;

	if (n < BITS_PER_LONG) {
		mask = ((1UL << n) - 1) << (idx % BITS_PER_LONG);
		if (claim)
			old = atomic_long_fetch_or_relaxed(mask, word);
		else
			old = ~atomic_long_fetch_andnot_relaxed(mask, word);
		return hweight_long(old & mask);
	}
	for (i = 0; i < n / BITS_PER_LONG; i++) {
		old = atomic_long_xchg_relaxed(&word[i], claim ? ~0UL : 0);
		bad += hweight_long(claim ? old : ~old);
	}
	return bad;
}

/**
 * nbbs_owner_claim() - take the bits of a block just handed out
 * @own: the bitmap
 * @idx: the block's first bit, from nbbs_owner_index() or checked with
 *       nbbs_owner_fits()
 * @order: the block's order
 *
 * Context: Any context, NMI included: a few atomic operations, no lock.
 * Return: the bits that were already taken: 0 unless the block overlaps a
 * live one.
 */
unsigned long nbbs_owner_claim(struct nbbs_owner *own, unsigned long idx,
			       unsigned int order)
{
	return nbbs_owner_update(own, idx, order, true);
}

/**
 * nbbs_owner_release() - give back the bits of a block about to be freed
 * @own: the bitmap
 * @idx: the block's first bit, as claimed
 * @order: the block's order
 *
 * Clear them before the block goes back to the allocator: its next owner
 * claims them.
 *
 * Context: Any context, NMI included: a few atomic operations, no lock.
 * Return: the bits that were already clear: 0 unless another owner of an
 * overlapping block released them.
 */
unsigned long nbbs_owner_release(struct nbbs_owner *own, unsigned long idx,
				 unsigned int order)
{
	return nbbs_owner_update(own, idx, order, false);
}
