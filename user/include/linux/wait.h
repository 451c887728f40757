/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim of <linux/wait.h>: wait_event() and wake_up_all().  A
 * waiter samples the queue's wakeup count, tests its condition, and sleeps
 * until the count moves: a wakeup after the test is never lost, and one
 * before it was issued after the condition became true, which the test
 * then sees (the queue's mutex orders the two).
 */
#ifndef _NBBS_USER_LINUX_WAIT_H
#define _NBBS_USER_LINUX_WAIT_H

#include <pthread.h>
#include <linux/sched.h>

typedef struct wait_queue_head {
	unsigned long wakeups;
	pthread_mutex_t lock;
	pthread_cond_t wait;
} wait_queue_head_t;

void init_waitqueue_head(wait_queue_head_t *wq_head);
void wake_up_all(wait_queue_head_t *wq_head);
unsigned long nbbs_user_wait_prepare(wait_queue_head_t *wq_head);
void nbbs_user_wait_sleep(wait_queue_head_t *wq_head, unsigned long seen);

#define wait_event(wq_head, condition) do {				\
	unsigned long __seen;						\
									\
	while (!(condition)) {						\
		__seen = nbbs_user_wait_prepare(&(wq_head));		\
		if (condition)						\
			break;						\
		nbbs_user_wait_sleep(&(wq_head), __seen);		\
	}								\
} while (0)

#endif /* _NBBS_USER_LINUX_WAIT_H */
