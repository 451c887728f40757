/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim of <linux/cpu.h>: taking an emulated CPU offline and
 * back.  remove_cpu() clears it from cpu_online_mask and runs the hotplug
 * teardown callbacks for it (nbbs_user_cpu_dead(), <linux/cpuhotplug.h>),
 * as the kernel does once a CPU is dead; add_cpu() puts it back.  Nothing
 * moves threads off a CPU here: the caller must have stopped using it.
 */
#ifndef _NBBS_USER_LINUX_CPU_H
#define _NBBS_USER_LINUX_CPU_H

#include <linux/cpumask.h>
#include <linux/cpuhotplug.h>

int remove_cpu(unsigned int cpu);
int add_cpu(unsigned int cpu);

#endif /* _NBBS_USER_LINUX_CPU_H */
