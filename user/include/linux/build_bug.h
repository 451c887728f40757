/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim of <linux/build_bug.h>.  As in the kernel, BUILD_BUG_ON()
 * is checked for any condition the optimiser folds to a constant (a call
 * to a function carrying the "error" attribute survives only when the
 * condition is true), so it needs optimisation (-O1 and up).
 */
#ifndef _NBBS_USER_LINUX_BUILD_BUG_H
#define _NBBS_USER_LINUX_BUILD_BUG_H

#include <linux/compiler.h>

#define __nbbs_compiletime_assert(cond, msg, fn)			\
	do {								\
		extern void fn(void) __attribute__((__error__(msg)));	\
		if (!(cond))						\
			fn();						\
	} while (0)
#define _nbbs_compiletime_assert(cond, msg, n)				\
	__nbbs_compiletime_assert(cond, msg, __PASTE(__nbbs_build_bug_, n))
#define compiletime_assert(cond, msg)					\
	_nbbs_compiletime_assert(cond, msg, __COUNTER__)

#define BUILD_BUG_ON_MSG(cond, msg)	compiletime_assert(!(cond), msg)
#define BUILD_BUG_ON(cond)		\
	BUILD_BUG_ON_MSG(cond, "BUILD_BUG_ON failed: " #cond)
#define BUILD_BUG()			BUILD_BUG_ON_MSG(1, "BUILD_BUG failed")
#define BUILD_BUG_ON_NOT_POWER_OF_2(n)	BUILD_BUG_ON((n) == 0 || (((n) & ((n) - 1)) != 0))
#define BUILD_BUG_ON_INVALID(e)		((void)(sizeof((long)(e))))

#undef static_assert
#define static_assert(expr, ...)	__nbbs_static_assert(expr, ##__VA_ARGS__, #expr)
#define __nbbs_static_assert(expr, msg, ...) _Static_assert(expr, msg)

#endif /* _NBBS_USER_LINUX_BUILD_BUG_H */
