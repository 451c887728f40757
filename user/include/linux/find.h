/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim of <linux/find.h>: bitmap searches.  Words are read with
 * relaxed atomic loads, as the kernel's searches tolerate concurrent bit
 * updates.
 */
#ifndef _NBBS_USER_LINUX_FIND_H
#define _NBBS_USER_LINUX_FIND_H

#include <linux/bitops.h>

static inline unsigned long __nbbs_find_bit(const unsigned long *addr,
					    unsigned long size,
					    unsigned long start,
					    unsigned long invert)
{
	unsigned long word;

	if (start >= size)
		return size;
	word = __atomic_load_n(&addr[BIT_WORD(start)], __ATOMIC_RELAXED) ^ invert;
	word &= ~0UL << (start % BITS_PER_LONG);
	start -= start % BITS_PER_LONG;
	while (!word) {
		start += BITS_PER_LONG;
		if (start >= size)
			return size;
		word = __atomic_load_n(&addr[BIT_WORD(start)], __ATOMIC_RELAXED) ^ invert;
	}
	start += __ffs(word);
	return start < size ? start : size;
}

static inline unsigned long find_next_bit(const unsigned long *addr,
					  unsigned long size,
					  unsigned long offset)
{
	return __nbbs_find_bit(addr, size, offset, 0UL);
}

static inline unsigned long find_next_zero_bit(const unsigned long *addr,
					       unsigned long size,
					       unsigned long offset)
{
	return __nbbs_find_bit(addr, size, offset, ~0UL);
}

static inline unsigned long find_first_bit(const unsigned long *addr,
					   unsigned long size)
{
	return __nbbs_find_bit(addr, size, 0, 0UL);
}

static inline unsigned long find_first_zero_bit(const unsigned long *addr,
						unsigned long size)
{
	return __nbbs_find_bit(addr, size, 0, ~0UL);
}

#define for_each_set_bit(bit, addr, size)				\
	for ((bit) = find_first_bit((addr), (size));			\
	     (bit) < (size);						\
	     (bit) = find_next_bit((addr), (size), (bit) + 1))

#define for_each_clear_bit(bit, addr, size)				\
	for ((bit) = find_first_zero_bit((addr), (size));		\
	     (bit) < (size);						\
	     (bit) = find_next_zero_bit((addr), (size), (bit) + 1))

#endif /* _NBBS_USER_LINUX_FIND_H */
