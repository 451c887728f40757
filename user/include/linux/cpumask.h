/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim of <linux/cpumask.h>: all NR_CPUS emulated CPUs are online. */
#ifndef _NBBS_USER_LINUX_CPUMASK_H
#define _NBBS_USER_LINUX_CPUMASK_H

#include <nbbs_user.h>
#include <linux/kernel.h>

extern unsigned int nr_cpu_ids;

#define num_possible_cpus()	nr_cpu_ids
#define num_online_cpus()	nr_cpu_ids
#define num_present_cpus()	nr_cpu_ids
#define cpu_possible(cpu)	((unsigned int)(cpu) < nr_cpu_ids)
#define cpu_online(cpu)		((unsigned int)(cpu) < nr_cpu_ids)

#define for_each_possible_cpu(cpu) \
	for ((cpu) = 0; (unsigned int)(cpu) < nr_cpu_ids; (cpu)++)
#define for_each_online_cpu(cpu)	for_each_possible_cpu(cpu)
#define for_each_present_cpu(cpu)	for_each_possible_cpu(cpu)

#endif /* _NBBS_USER_LINUX_CPUMASK_H */
