/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim of <linux/kthread.h>: a kernel thread is a pthread.  As
 * in the kernel, it is created asleep and runs its function once
 * wake_up_process() wakes it; kthread_bind() makes it run as that
 * emulated CPU (nbbs_user_set_cpu()); kthread_stop() sets its stop flag,
 * wakes it and waits for its function to return.
 */
#ifndef _NBBS_USER_LINUX_KTHREAD_H
#define _NBBS_USER_LINUX_KTHREAD_H

#include <linux/err.h>
#include <linux/sched.h>

struct task_struct *kthread_create(int (*threadfn)(void *data), void *data,
				   const char *namefmt, ...) __printf(3, 4);
void kthread_bind(struct task_struct *k, unsigned int cpu);
int kthread_stop(struct task_struct *k);
bool kthread_should_stop(void);

#endif /* _NBBS_USER_LINUX_KTHREAD_H */
