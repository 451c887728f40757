/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim of <linux/stddef.h>. */
#ifndef _NBBS_USER_LINUX_STDDEF_H
#define _NBBS_USER_LINUX_STDDEF_H

#include_next <linux/stddef.h>
#include <stddef.h>
#include <stdbool.h>

#define sizeof_field(TYPE, MEMBER)	sizeof((((TYPE *)0)->MEMBER))
#define offsetofend(TYPE, MEMBER) \
	(offsetof(TYPE, MEMBER) + sizeof_field(TYPE, MEMBER))

#endif /* _NBBS_USER_LINUX_STDDEF_H */
