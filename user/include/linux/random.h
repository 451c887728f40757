/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim of <linux/random.h>: getrandom(2). */
#ifndef _NBBS_USER_LINUX_RANDOM_H
#define _NBBS_USER_LINUX_RANDOM_H

#include <sys/random.h>
#include <linux/types.h>
#include <linux/prandom.h>

static inline u64 get_random_u64(void)
{
	u64 v = 0;

	while (getrandom(&v, sizeof(v), 0) != sizeof(v))
		;
	return v;
}

static inline u32 get_random_u32(void)
{
	return (u32)get_random_u64();
}

#endif /* _NBBS_USER_LINUX_RANDOM_H */
