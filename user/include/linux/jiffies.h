/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim of <linux/jiffies.h>: a tick of one millisecond.  Only
 * timeouts are counted in jiffies here (wait_for_completion_timeout());
 * there is no jiffies counter.
 */
#ifndef _NBBS_USER_LINUX_JIFFIES_H
#define _NBBS_USER_LINUX_JIFFIES_H

#define HZ	1000

static inline unsigned int jiffies_to_msecs(unsigned long j)
{
	return j;
}

static inline unsigned long msecs_to_jiffies(unsigned int m)
{
	return m;
}

#endif /* _NBBS_USER_LINUX_JIFFIES_H */
