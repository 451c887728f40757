/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim of <linux/vmalloc.h>: page-aligned; see <linux/slab.h>. */
#ifndef _NBBS_USER_LINUX_VMALLOC_H
#define _NBBS_USER_LINUX_VMALLOC_H

#include <nbbs_user.h>
#include <linux/kernel.h>
#include <linux/types.h>
#include <linux/gfp.h>
#include <linux/overflow.h>

static inline void *vmalloc(unsigned long size)
{
	return nbbs_user_vmalloc(size, GFP_KERNEL);
}

static inline void *vzalloc(unsigned long size)
{
	return nbbs_user_vmalloc(size, GFP_KERNEL | __GFP_ZERO);
}

static inline void *__vmalloc(unsigned long size, gfp_t gfp)
{
	return nbbs_user_vmalloc(size, gfp);
}

static inline void *vmalloc_array(size_t n, size_t size)
{
	size_t bytes;

	if (unlikely(check_mul_overflow(n, size, &bytes)))
		return NULL;
	return nbbs_user_vmalloc(bytes, GFP_KERNEL);
}

static inline void *vcalloc(size_t n, size_t size)
{
	size_t bytes;

	if (unlikely(check_mul_overflow(n, size, &bytes)))
		return NULL;
	return nbbs_user_vmalloc(bytes, GFP_KERNEL | __GFP_ZERO);
}

static inline void vfree(const void *addr)
{
	nbbs_user_free(addr);
}

static inline bool is_vmalloc_addr(const void *addr)
{
	(void)addr;
	return false;
}

#endif /* _NBBS_USER_LINUX_VMALLOC_H */
