/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim of <linux/slab.h>.  All allocations go through
 * nbbs_user_kmalloc(), which honours __GFP_ZERO, aligns power-of-two sizes
 * naturally (up to PAGE_SIZE) as the kernel's kmalloc does, counts live
 * allocations and can be told to fail (see <nbbs_user.h>).
 */
#ifndef _NBBS_USER_LINUX_SLAB_H
#define _NBBS_USER_LINUX_SLAB_H

#include <nbbs_user.h>
#include <linux/kernel.h>
#include <linux/types.h>
#include <linux/gfp.h>
#include <linux/overflow.h>

#define ZERO_OR_NULL_PTR(x)	((unsigned long)(x) <= 16)

static inline void *kmalloc(size_t size, gfp_t flags)
{
	return nbbs_user_kmalloc(size, flags);
}

static inline void *kzalloc(size_t size, gfp_t flags)
{
	return nbbs_user_kmalloc(size, flags | __GFP_ZERO);
}

static inline void *kmalloc_array(size_t n, size_t size, gfp_t flags)
{
	size_t bytes;

	if (unlikely(check_mul_overflow(n, size, &bytes)))
		return NULL;
	return nbbs_user_kmalloc(bytes, flags);
}

static inline void *kcalloc(size_t n, size_t size, gfp_t flags)
{
	return kmalloc_array(n, size, flags | __GFP_ZERO);
}

static inline void kfree(const void *p)
{
	nbbs_user_free(p);
}

/* The kernel's kvmalloc() tries kmalloc() and then vmalloc(). */
static inline void *kvmalloc(size_t size, gfp_t flags)
{
	if (size <= PAGE_SIZE)
		return nbbs_user_kmalloc(size, flags);
	return nbbs_user_vmalloc(size, flags);
}

static inline void *kvzalloc(size_t size, gfp_t flags)
{
	return kvmalloc(size, flags | __GFP_ZERO);
}

static inline void *kvmalloc_array(size_t n, size_t size, gfp_t flags)
{
	size_t bytes;

	if (unlikely(check_mul_overflow(n, size, &bytes)))
		return NULL;
	return kvmalloc(bytes, flags);
}

static inline void *kvcalloc(size_t n, size_t size, gfp_t flags)
{
	return kvmalloc_array(n, size, flags | __GFP_ZERO);
}

static inline void kvfree(const void *p)
{
	nbbs_user_free(p);
}

static inline void *kmemdup(const void *src, size_t len, gfp_t gfp)
{
	void *p = nbbs_user_kmalloc(len, gfp);

	if (p)
		__builtin_memcpy(p, src, len);
	return p;
}

#endif /* _NBBS_USER_LINUX_SLAB_H */
