/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim of <linux/container_of.h>. */
#ifndef _NBBS_USER_LINUX_CONTAINER_OF_H
#define _NBBS_USER_LINUX_CONTAINER_OF_H

#include <linux/stddef.h>
#include <linux/build_bug.h>

#define container_of(ptr, type, member) ({				\
	void *__nbbs_mptr = (void *)(ptr);				\
	static_assert(__same_type(*(ptr), ((type *)0)->member) ||	\
		      __same_type(*(ptr), void),			\
		      "pointer type mismatch in container_of()");	\
	((type *)((char *)__nbbs_mptr - offsetof(type, member))); })

#define typeof_member(T, m)	typeof(((T *)0)->m)

#endif /* _NBBS_USER_LINUX_CONTAINER_OF_H */
