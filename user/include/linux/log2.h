/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim of <linux/log2.h>.  ilog2() and friends fold to integer
 * constants for constant arguments, so they work in BUILD_BUG_ON() and in
 * static initialisers, as in the kernel.
 */
#ifndef _NBBS_USER_LINUX_LOG2_H
#define _NBBS_USER_LINUX_LOG2_H

#include <linux/types.h>
#include <linux/bitops.h>

#define const_ilog2(n)	((n) < 2 ? 0 : 63 - __builtin_clzll(n))

/* floor(log2(n)); n must not be 0 (the runtime form then gives -1). */
#define ilog2(n)							\
	(__builtin_constant_p(n) ? const_ilog2(n) : (fls64(n) - 1))

static inline __attribute_const__ bool is_power_of_2(unsigned long n)
{
	return n != 0 && ((n & (n - 1)) == 0);
}

static inline __attribute_const__ unsigned long __roundup_pow_of_two(unsigned long n)
{
	return 1UL << fls_long(n - 1);
}

static inline __attribute_const__ unsigned long __rounddown_pow_of_two(unsigned long n)
{
	return 1UL << (fls_long(n) - 1);
}

/* Smallest power of two >= n; n must be at least 1. */
#define roundup_pow_of_two(n)						\
	(__builtin_constant_p(n) ?					\
	 ((n) == 1 ? 1UL : (1UL << (ilog2((n) - 1) + 1))) :		\
	 __roundup_pow_of_two(n))

/* Largest power of two <= n; n must be at least 1. */
#define rounddown_pow_of_two(n)						\
	(__builtin_constant_p(n) ? (1UL << ilog2(n)) : __rounddown_pow_of_two(n))

/* ceil(log2(n)), 0 for n <= 1. */
#define order_base_2(n)		((n) > 1 ? ilog2((n) - 1) + 1 : 0)

#define bits_per(n)		((n) < 2 ? 1 : ilog2(n) + 1)

#endif /* _NBBS_USER_LINUX_LOG2_H */
