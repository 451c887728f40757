/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim of <linux/workqueue.h>: work_on_cpu() runs @fn in a new
 * thread as emulated CPU @cpu and waits for it.  No other workqueue API.
 */
#ifndef _NBBS_USER_LINUX_WORKQUEUE_H
#define _NBBS_USER_LINUX_WORKQUEUE_H

long work_on_cpu(int cpu, long (*fn)(void *arg), void *arg);

#endif /* _NBBS_USER_LINUX_WORKQUEUE_H */
