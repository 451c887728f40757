/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim of <linux/printk.h>.  Messages go to stderr.  As on a
 * console, a message is printed when its level is at most
 * nbbs_user_console_loglevel (default 5: errors, warnings and notices;
 * pr_info() is quiet unless a program raises it; environment variable
 * NBBS_USER_LOGLEVEL sets it too).  pr_debug() prints only when DEBUG is
 * defined.  pr_fmt() is honoured.  %pV (struct va_format) and %pe (an
 * error pointer by name, "-ENOMEM") work as in the kernel; other
 * kernel-only %p extensions (%px, %pK, ...) print as plain %p.
 *
 * Like the kernel's log buffer, the hook nbbs_user_log (<nbbs_user.h>), when
 * set, sees every message whatever its level.
 */
#ifndef _NBBS_USER_LINUX_PRINTK_H
#define _NBBS_USER_LINUX_PRINTK_H

#include <stdarg.h>
#include <nbbs_user.h>
#include <linux/compiler.h>

struct va_format {
	const char *fmt;
	va_list *va;
};

#define KERN_SOH	"\001"
#define KERN_EMERG	KERN_SOH "0"
#define KERN_ALERT	KERN_SOH "1"
#define KERN_CRIT	KERN_SOH "2"
#define KERN_ERR	KERN_SOH "3"
#define KERN_WARNING	KERN_SOH "4"
#define KERN_NOTICE	KERN_SOH "5"
#define KERN_INFO	KERN_SOH "6"
#define KERN_DEBUG	KERN_SOH "7"
#define KERN_DEFAULT	""
#define KERN_CONT	KERN_SOH "c"

#ifndef pr_fmt
#define pr_fmt(fmt)	fmt
#endif

#define printk(fmt, ...)	nbbs_user_printk(fmt, ##__VA_ARGS__)

/* Format-checked, never printed. */
#define no_printk(fmt, ...) ({						\
	if (0)								\
		nbbs_user_printk(fmt, ##__VA_ARGS__);			\
	0; })

#define pr_emerg(fmt, ...)	printk(KERN_EMERG pr_fmt(fmt), ##__VA_ARGS__)
#define pr_alert(fmt, ...)	printk(KERN_ALERT pr_fmt(fmt), ##__VA_ARGS__)
#define pr_crit(fmt, ...)	printk(KERN_CRIT pr_fmt(fmt), ##__VA_ARGS__)
#define pr_err(fmt, ...)	printk(KERN_ERR pr_fmt(fmt), ##__VA_ARGS__)
#define pr_warn(fmt, ...)	printk(KERN_WARNING pr_fmt(fmt), ##__VA_ARGS__)
#define pr_notice(fmt, ...)	printk(KERN_NOTICE pr_fmt(fmt), ##__VA_ARGS__)
#define pr_info(fmt, ...)	printk(KERN_INFO pr_fmt(fmt), ##__VA_ARGS__)
#define pr_cont(fmt, ...)	printk(KERN_CONT fmt, ##__VA_ARGS__)
#ifdef DEBUG
#define pr_debug(fmt, ...)	printk(KERN_DEBUG pr_fmt(fmt), ##__VA_ARGS__)
#else
#define pr_debug(fmt, ...)	no_printk(KERN_DEBUG pr_fmt(fmt), ##__VA_ARGS__)
#endif
#define pr_devel(fmt, ...)	pr_debug(fmt, ##__VA_ARGS__)

#define printk_once(fmt, ...) ({					\
	static bool __nbbs_printed;					\
	if (!__atomic_exchange_n(&__nbbs_printed, true, __ATOMIC_RELAXED)) \
		printk(fmt, ##__VA_ARGS__);				\
})
#define pr_err_once(fmt, ...)	printk_once(KERN_ERR pr_fmt(fmt), ##__VA_ARGS__)
#define pr_warn_once(fmt, ...)	printk_once(KERN_WARNING pr_fmt(fmt), ##__VA_ARGS__)
#define pr_notice_once(fmt, ...) printk_once(KERN_NOTICE pr_fmt(fmt), ##__VA_ARGS__)
#define pr_info_once(fmt, ...)	printk_once(KERN_INFO pr_fmt(fmt), ##__VA_ARGS__)
#define pr_err_ratelimited(fmt, ...)	pr_err(fmt, ##__VA_ARGS__)
#define pr_warn_ratelimited(fmt, ...)	pr_warn(fmt, ##__VA_ARGS__)
#define pr_info_ratelimited(fmt, ...)	pr_info(fmt, ##__VA_ARGS__)

#define dump_stack()		do { } while (0)

#endif /* _NBBS_USER_LINUX_PRINTK_H */
