/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim of <linux/align.h>. */
#ifndef _NBBS_USER_LINUX_ALIGN_H
#define _NBBS_USER_LINUX_ALIGN_H

#define __NBBS_ALIGN_MASK(x, mask)	(((x) + (mask)) & ~(mask))
#define ALIGN(x, a)		__NBBS_ALIGN_MASK(x, (__typeof__(x))(a) - 1)
#define ALIGN_DOWN(x, a)	ALIGN((x) - ((a) - 1), (a))
#define __ALIGN_MASK(x, mask)	__NBBS_ALIGN_MASK(x, mask)
#define PTR_ALIGN(p, a)		((__typeof__(p))ALIGN((unsigned long)(p), (a)))
#define PTR_ALIGN_DOWN(p, a)	((__typeof__(p))ALIGN_DOWN((unsigned long)(p), (a)))
#define IS_ALIGNED(x, a)	(((x) & ((__typeof__(x))(a) - 1)) == 0)

#endif /* _NBBS_USER_LINUX_ALIGN_H */
