/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim of <linux/sched.h>: nothing to schedule voluntarily. */
#ifndef _NBBS_USER_LINUX_SCHED_H
#define _NBBS_USER_LINUX_SCHED_H

#include <linux/compiler.h>

#define cond_resched()		({ barrier(); 0; })
#define might_sleep()		do { } while (0)
#define might_resched()		do { } while (0)
#define need_resched()		0
#define signal_pending(p)	0

#endif /* _NBBS_USER_LINUX_SCHED_H */
