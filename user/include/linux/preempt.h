/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim of <linux/preempt.h>.  Threads are never pinned to their
 * emulated CPU, so the per-CPU operations are atomic instead; disabling
 * preemption has nothing to do.
 */
#ifndef _NBBS_USER_LINUX_PREEMPT_H
#define _NBBS_USER_LINUX_PREEMPT_H

#include <linux/compiler.h>

#define preempt_disable()		barrier()
#define preempt_enable()		barrier()
#define preempt_disable_notrace()	barrier()
#define preempt_enable_notrace()	barrier()
#define migrate_disable()		barrier()
#define migrate_enable()		barrier()
#define in_interrupt()			0
#define in_nmi()			nbbs_user_in_nmi

/*
 * NMI emulation: a test thread that plays an NMI handler sets
 * nbbs_user_in_nmi; nbbs_user_nmi_cmpxchg says whether this "architecture"
 * has NMI-safe cmpxchg.  this_cpu ops here are never single instructions.
 */
extern __thread int nbbs_user_in_nmi;
extern int nbbs_user_nmi_cmpxchg;
#define nbbs_nmi_cmpxchg_safe()		(nbbs_user_nmi_cmpxchg != 0)
#define nbbs_nmi_pcpu_safe()		false
#define in_task()			1
#define local_irq_save(flags)		((void)(flags))
#define local_irq_restore(flags)	((void)(flags))
#define local_irq_disable()		barrier()
#define local_irq_enable()		barrier()

#endif /* _NBBS_USER_LINUX_PREEMPT_H */
