/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim of <linux/completion.h>: a counter under a mutex. */
#ifndef _NBBS_USER_LINUX_COMPLETION_H
#define _NBBS_USER_LINUX_COMPLETION_H

#include <pthread.h>
#include <linux/types.h>

struct completion {
	unsigned int done;	/* UINT_MAX after complete_all() */
	pthread_mutex_t lock;
	pthread_cond_t wait;	/* on CLOCK_MONOTONIC */
};

void init_completion(struct completion *x);
void complete(struct completion *x);
void complete_all(struct completion *x);
void wait_for_completion(struct completion *x);
/* 0 on timeout, else the jiffies left (at least 1), as in the kernel. */
unsigned long wait_for_completion_timeout(struct completion *x,
					  unsigned long timeout);

#endif /* _NBBS_USER_LINUX_COMPLETION_H */
