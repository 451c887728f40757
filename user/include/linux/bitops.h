/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim of <linux/bitops.h>.
 *
 * Atomic bit operations follow the kernel's ordering rules
 * (Documentation/atomic_bitops.txt): set_bit(), clear_bit() and
 * change_bit() are unordered (relaxed); the value-returning test_and_*()
 * are fully ordered; the _lock/_unlock forms are acquire/release.  The
 * double-underscore forms are plain, non-atomic read-modify-writes.
 */
#ifndef _NBBS_USER_LINUX_BITOPS_H
#define _NBBS_USER_LINUX_BITOPS_H

#include <strings.h>	/* declares ffs() before the macro below */
#include <linux/types.h>
#include <linux/bits.h>
#include <linux/compiler.h>

#define BITS_TO_LONGS(nr)	(((nr) + BITS_PER_LONG - 1) / BITS_PER_LONG)
#define BITS_TO_U64(nr)		(((nr) + 63) / 64)
#define BITS_TO_U32(nr)		(((nr) + 31) / 32)
#define BITS_TO_BYTES(nr)	(((nr) + 7) / 8)

/* Index of the lowest set bit; undefined for 0. */
static __always_inline unsigned long __ffs(unsigned long word)
{
	return __builtin_ctzl(word);
}

/* Index of the highest set bit; undefined for 0. */
static __always_inline unsigned long __fls(unsigned long word)
{
	return BITS_PER_LONG - 1 - __builtin_clzl(word);
}

/* Index of the lowest clear bit; undefined for ~0UL. */
#define ffz(x)			__ffs(~(x))

/* 1-based index of the lowest set bit, 0 for 0 (libc's ffs()). */
#define ffs(x)			__builtin_ffs(x)

/* 1-based index of the highest set bit, 0 for 0. */
static __always_inline int fls(unsigned int x)
{
	return x ? 32 - __builtin_clz(x) : 0;
}

static __always_inline int fls64(u64 x)
{
	return x ? 64 - __builtin_clzll(x) : 0;
}

static __always_inline unsigned int fls_long(unsigned long l)
{
	return l ? BITS_PER_LONG - __builtin_clzl(l) : 0;
}

static __always_inline unsigned int __ffs64(u64 word)
{
	return __builtin_ctzll(word);
}

#define hweight8(w)		((unsigned int)__builtin_popcount((u8)(w)))
#define hweight16(w)		((unsigned int)__builtin_popcount((u16)(w)))
#define hweight32(w)		((unsigned int)__builtin_popcount((u32)(w)))
#define hweight64(w)		((unsigned int)__builtin_popcountll((u64)(w)))
#define hweight_long(w)		((unsigned long)__builtin_popcountl((unsigned long)(w)))

static inline u32 rol32(u32 word, unsigned int shift)
{
	return (word << (shift & 31)) | (word >> ((-shift) & 31));
}

static inline u32 ror32(u32 word, unsigned int shift)
{
	return (word >> (shift & 31)) | (word << ((-shift) & 31));
}

static inline u64 rol64(u64 word, unsigned int shift)
{
	return (word << (shift & 63)) | (word >> ((-shift) & 63));
}

static inline u64 ror64(u64 word, unsigned int shift)
{
	return (word >> (shift & 63)) | (word << ((-shift) & 63));
}

#define __nbbs_bitword(nr, addr)	(&((volatile unsigned long *)(addr))[BIT_WORD(nr)])

/* Atomic, unordered. */
static __always_inline void set_bit(long nr, volatile unsigned long *addr)
{
	__atomic_fetch_or(__nbbs_bitword(nr, addr), BIT_MASK(nr), __ATOMIC_RELAXED);
}

static __always_inline void clear_bit(long nr, volatile unsigned long *addr)
{
	__atomic_fetch_and(__nbbs_bitword(nr, addr), ~BIT_MASK(nr), __ATOMIC_RELAXED);
}

static __always_inline void change_bit(long nr, volatile unsigned long *addr)
{
	__atomic_fetch_xor(__nbbs_bitword(nr, addr), BIT_MASK(nr), __ATOMIC_RELAXED);
}

/* Atomic, fully ordered. */
static __always_inline bool test_and_set_bit(long nr, volatile unsigned long *addr)
{
	return __atomic_fetch_or(__nbbs_bitword(nr, addr), BIT_MASK(nr),
				 __ATOMIC_SEQ_CST) & BIT_MASK(nr);
}

static __always_inline bool test_and_clear_bit(long nr, volatile unsigned long *addr)
{
	return __atomic_fetch_and(__nbbs_bitword(nr, addr), ~BIT_MASK(nr),
				  __ATOMIC_SEQ_CST) & BIT_MASK(nr);
}

static __always_inline bool test_and_change_bit(long nr, volatile unsigned long *addr)
{
	return __atomic_fetch_xor(__nbbs_bitword(nr, addr), BIT_MASK(nr),
				  __ATOMIC_SEQ_CST) & BIT_MASK(nr);
}

/* Atomic, acquire on success / release. */
static __always_inline bool test_and_set_bit_lock(long nr, volatile unsigned long *addr)
{
	return __atomic_fetch_or(__nbbs_bitword(nr, addr), BIT_MASK(nr),
				 __ATOMIC_ACQUIRE) & BIT_MASK(nr);
}

static __always_inline void clear_bit_unlock(long nr, volatile unsigned long *addr)
{
	__atomic_fetch_and(__nbbs_bitword(nr, addr), ~BIT_MASK(nr), __ATOMIC_RELEASE);
}

static __always_inline void __clear_bit_unlock(long nr, volatile unsigned long *addr)
{
	__atomic_store_n(__nbbs_bitword(nr, addr),
			 __atomic_load_n(__nbbs_bitword(nr, addr), __ATOMIC_RELAXED) &
			 ~BIT_MASK(nr), __ATOMIC_RELEASE);
}

/* Reads: a marked (relaxed) load, like the kernel's volatile read. */
static __always_inline bool test_bit(long nr, const volatile unsigned long *addr)
{
	return (__atomic_load_n(&addr[BIT_WORD(nr)], __ATOMIC_RELAXED) >>
		(nr & (BITS_PER_LONG - 1))) & 1UL;
}

static __always_inline bool test_bit_acquire(long nr, const volatile unsigned long *addr)
{
	return (__atomic_load_n(&addr[BIT_WORD(nr)], __ATOMIC_ACQUIRE) >>
		(nr & (BITS_PER_LONG - 1))) & 1UL;
}

/* Non-atomic: the caller excludes concurrent writers. */
static __always_inline void __set_bit(long nr, volatile unsigned long *addr)
{
	*__nbbs_bitword(nr, addr) |= BIT_MASK(nr);
}

static __always_inline void __clear_bit(long nr, volatile unsigned long *addr)
{
	*__nbbs_bitword(nr, addr) &= ~BIT_MASK(nr);
}

static __always_inline void __change_bit(long nr, volatile unsigned long *addr)
{
	*__nbbs_bitword(nr, addr) ^= BIT_MASK(nr);
}

static __always_inline bool __test_and_set_bit(long nr, volatile unsigned long *addr)
{
	unsigned long old = *__nbbs_bitword(nr, addr);

	*__nbbs_bitword(nr, addr) = old | BIT_MASK(nr);
	return old & BIT_MASK(nr);
}

static __always_inline bool __test_and_clear_bit(long nr, volatile unsigned long *addr)
{
	unsigned long old = *__nbbs_bitword(nr, addr);

	*__nbbs_bitword(nr, addr) = old & ~BIT_MASK(nr);
	return old & BIT_MASK(nr);
}

#include <linux/find.h>

#endif /* _NBBS_USER_LINUX_BITOPS_H */
