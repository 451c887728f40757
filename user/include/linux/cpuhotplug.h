/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim of <linux/cpuhotplug.h>: one multi-instance state, whose
 * teardown callback nbbs_user_cpu_dead() runs for every instance, as the
 * kernel does on the control CPU once a CPU is dead.  No CPU ever really
 * goes away: a test stops using it first.
 */
#ifndef _NBBS_USER_LINUX_CPUHOTPLUG_H
#define _NBBS_USER_LINUX_CPUHOTPLUG_H

#include <linux/container_of.h>

struct hlist_node {
	struct hlist_node *next, **pprev;
};

#define hlist_entry(ptr, type, member)	container_of(ptr, type, member)

enum cpuhp_state {
	CPUHP_INVALID = -1,
	CPUHP_OFFLINE = 0,
	CPUHP_BP_PREPARE_DYN = 1,
};

int cpuhp_setup_state_multi(enum cpuhp_state state, const char *name,
			    int (*startup)(unsigned int cpu, struct hlist_node *node),
			    int (*teardown)(unsigned int cpu, struct hlist_node *node));
int cpuhp_state_add_instance_nocalls(enum cpuhp_state state, struct hlist_node *node);
int cpuhp_state_remove_instance_nocalls(enum cpuhp_state state, struct hlist_node *node);
void cpuhp_remove_multi_state(enum cpuhp_state state);

/* Run the teardown callback of every instance for @cpu. */
void nbbs_user_cpu_dead(unsigned int cpu);

#endif /* _NBBS_USER_LINUX_CPUHOTPLUG_H */
