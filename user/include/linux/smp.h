/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim of <linux/smp.h>: the emulated CPU of the calling thread. */
#ifndef _NBBS_USER_LINUX_SMP_H
#define _NBBS_USER_LINUX_SMP_H

#include <nbbs_user.h>
#include <linux/preempt.h>
#include <linux/cpumask.h>

#define raw_smp_processor_id()	nbbs_user_this_cpu()
#define smp_processor_id()	nbbs_user_this_cpu()
#define get_cpu()		({ preempt_disable(); nbbs_user_this_cpu(); })
#define put_cpu()		preempt_enable()

#endif /* _NBBS_USER_LINUX_SMP_H */
