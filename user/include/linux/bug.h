/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim of <linux/bug.h>.  WARN*() print a "WARNING:" report to
 * stderr, count it (nbbs_user_warnings()) and return the condition; the
 * _ONCE forms report once per call site.  BUG*() abort the program.
 */
#ifndef _NBBS_USER_LINUX_BUG_H
#define _NBBS_USER_LINUX_BUG_H

#include <nbbs_user.h>
#include <linux/compiler.h>
#include <linux/build_bug.h>

#define __WARN_printf(fmt, ...) \
	nbbs_user_warn(__FILE__, __LINE__, fmt, ##__VA_ARGS__)

#define WARN(cond, fmt, ...) ({						\
	int __nbbs_ret_warn = !!(cond);					\
	if (unlikely(__nbbs_ret_warn))					\
		__WARN_printf(fmt, ##__VA_ARGS__);			\
	unlikely(__nbbs_ret_warn);					\
})

#define WARN_ON(cond) ({						\
	int __nbbs_ret_warn = !!(cond);					\
	if (unlikely(__nbbs_ret_warn))					\
		__WARN_printf("%s\n", "WARN_ON(" #cond ")");		\
	unlikely(__nbbs_ret_warn);					\
})

#define __nbbs_warn_once(cond, ...) ({					\
	static bool __nbbs_warned;					\
	int __nbbs_ret_warn = !!(cond);					\
	if (unlikely(__nbbs_ret_warn) &&				\
	    !__atomic_exchange_n(&__nbbs_warned, true, __ATOMIC_RELAXED)) \
		__WARN_printf(__VA_ARGS__);				\
	unlikely(__nbbs_ret_warn);					\
})

#define WARN_ONCE(cond, fmt, ...)	__nbbs_warn_once(cond, fmt, ##__VA_ARGS__)
#define WARN_ON_ONCE(cond)		\
	__nbbs_warn_once(cond, "%s\n", "WARN_ON_ONCE(" #cond ")")

#define BUG()		nbbs_user_bug(__FILE__, __LINE__, "BUG()")
#define BUG_ON(cond) do {						\
	if (unlikely(cond))						\
		nbbs_user_bug(__FILE__, __LINE__, "BUG_ON(" #cond ")");	\
} while (0)

/* CONFIG_DEBUG_VM is on for the userspace tests. */
#define VM_BUG_ON(cond)		BUG_ON(cond)
#define VM_WARN_ON(cond)	((void)WARN_ON(cond))
#define VM_WARN_ON_ONCE(cond)	((void)WARN_ON_ONCE(cond))

#endif /* _NBBS_USER_LINUX_BUG_H */
