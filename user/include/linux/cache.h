/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim of <linux/cache.h>: 64-byte cache lines, as on x86-64. */
#ifndef _NBBS_USER_LINUX_CACHE_H
#define _NBBS_USER_LINUX_CACHE_H

#include <linux/compiler.h>

#define L1_CACHE_SHIFT		6
#define L1_CACHE_BYTES		(1 << L1_CACHE_SHIFT)
#define SMP_CACHE_BYTES		L1_CACHE_BYTES
#define L1_CACHE_ALIGN(x)	(((x) + L1_CACHE_BYTES - 1) & ~(L1_CACHE_BYTES - 1))

#define ____cacheline_aligned		__attribute__((__aligned__(SMP_CACHE_BYTES)))
#define ____cacheline_aligned_in_smp	____cacheline_aligned
#define __cacheline_aligned		____cacheline_aligned
#define __cacheline_aligned_in_smp	____cacheline_aligned
#define ____cacheline_internodealigned_in_smp ____cacheline_aligned

#endif /* _NBBS_USER_LINUX_CACHE_H */
