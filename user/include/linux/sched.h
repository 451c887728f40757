/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim of <linux/sched.h>.  Every thread is a task; a task sleeps
 * in schedule() until its state is TASK_RUNNING again, which
 * wake_up_process() sets, so a wakeup between set_current_state() and
 * schedule() is not lost, as in the kernel.  Signals do not exist here.
 * cond_resched() is only a compiler barrier: threads are preempted anyway.
 */
#ifndef _NBBS_USER_LINUX_SCHED_H
#define _NBBS_USER_LINUX_SCHED_H

#include <linux/compiler.h>

#define cond_resched()		({ barrier(); 0; })
#define might_sleep()		do { } while (0)
#define might_resched()		do { } while (0)
#define need_resched()		0
#define signal_pending(p)	0

#define TASK_RUNNING		0x0000
#define TASK_INTERRUPTIBLE	0x0001
#define TASK_UNINTERRUPTIBLE	0x0002

struct task_struct;

/* The calling thread's task. */
struct task_struct *nbbs_user_current(void);
#define current			nbbs_user_current()

/* Both are full barriers here (a lock), as set_current_state() is. */
void nbbs_user_set_state(unsigned int state);
#define set_current_state(state)	nbbs_user_set_state(state)
#define __set_current_state(state)	nbbs_user_set_state(state)

void schedule(void);
int wake_up_process(struct task_struct *p);

#endif /* _NBBS_USER_LINUX_SCHED_H */
