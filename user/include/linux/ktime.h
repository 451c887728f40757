/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim of <linux/ktime.h>: CLOCK_MONOTONIC in nanoseconds. */
#ifndef _NBBS_USER_LINUX_KTIME_H
#define _NBBS_USER_LINUX_KTIME_H

#include <time.h>
#include <linux/types.h>

typedef s64 ktime_t;

static inline ktime_t ktime_get(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (s64)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static inline s64 ktime_to_ns(ktime_t kt)
{
	return kt;
}

static inline s64 ktime_ms_delta(ktime_t later, ktime_t earlier)
{
	return (later - earlier) / 1000000;
}

#endif /* _NBBS_USER_LINUX_KTIME_H */
