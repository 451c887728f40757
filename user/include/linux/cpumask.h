/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim of <linux/cpumask.h>.  All nr_cpu_ids emulated CPUs are
 * possible and present; they are online unless remove_cpu() (<linux/cpu.h>)
 * took one offline.
 */
#ifndef _NBBS_USER_LINUX_CPUMASK_H
#define _NBBS_USER_LINUX_CPUMASK_H

#include <nbbs_user.h>
#include <linux/kernel.h>

extern unsigned int nr_cpu_ids;

struct cpumask {
	DECLARE_BITMAP(bits, NR_CPUS);
};

extern struct cpumask nbbs_user_cpu_online_mask;
#define cpu_online_mask		((const struct cpumask *)&nbbs_user_cpu_online_mask)

/* The next CPU in @srcp after @n, or nr_cpu_ids if none. */
static inline unsigned int cpumask_next(int n, const struct cpumask *srcp)
{
	unsigned int cpu;

	for (cpu = n + 1; cpu < nr_cpu_ids && cpu < NR_CPUS; cpu++)
		if (test_bit(cpu, srcp->bits))
			return cpu;
	return nr_cpu_ids;
}

static inline unsigned int cpumask_first(const struct cpumask *srcp)
{
	return cpumask_next(-1, srcp);
}

static inline unsigned int cpumask_weight(const struct cpumask *srcp)
{
	unsigned int cpu, n = 0;

	for (cpu = 0; cpu < nr_cpu_ids && cpu < NR_CPUS; cpu++)
		n += test_bit(cpu, srcp->bits);
	return n;
}

#define num_possible_cpus()	nr_cpu_ids
#define num_present_cpus()	nr_cpu_ids
#define num_online_cpus()	cpumask_weight(cpu_online_mask)
#define cpu_possible(cpu)	((unsigned int)(cpu) < nr_cpu_ids)
#define cpu_online(cpu)		(cpu_possible(cpu) && test_bit(cpu, cpu_online_mask->bits))

#define for_each_possible_cpu(cpu) \
	for ((cpu) = 0; (unsigned int)(cpu) < nr_cpu_ids; (cpu)++)
#define for_each_present_cpu(cpu)	for_each_possible_cpu(cpu)
#define for_each_online_cpu(cpu)					\
	for ((cpu) = cpumask_first(cpu_online_mask);			\
	     (unsigned int)(cpu) < nr_cpu_ids;				\
	     (cpu) = cpumask_next(cpu, cpu_online_mask))

#endif /* _NBBS_USER_LINUX_CPUMASK_H */
