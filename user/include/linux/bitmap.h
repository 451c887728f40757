/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim of <linux/bitmap.h>: the few helpers the tests use.
 * bitmap_zalloc() allocates with kcalloc(), so it is counted and can be
 * made to fail like any other allocation (<nbbs_user.h>).
 */
#ifndef _NBBS_USER_LINUX_BITMAP_H
#define _NBBS_USER_LINUX_BITMAP_H

#include <linux/bitops.h>
#include <linux/find.h>
#include <linux/slab.h>
#include <linux/string.h>

static inline void bitmap_zero(unsigned long *dst, unsigned int nbits)
{
	memset(dst, 0, BITS_TO_LONGS(nbits) * sizeof(unsigned long));
}

static inline bool bitmap_empty(const unsigned long *src, unsigned int nbits)
{
	return find_first_bit(src, nbits) >= nbits;
}

static inline unsigned long *bitmap_zalloc(unsigned int nbits, gfp_t flags)
{
	return kcalloc(BITS_TO_LONGS(nbits), sizeof(unsigned long), flags);
}

static inline void bitmap_free(const unsigned long *bitmap)
{
	kfree(bitmap);
}

#endif /* _NBBS_USER_LINUX_BITMAP_H */
