/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim of <linux/init.h>: section markers are dropped;
 * module_init() and module_exit() name the functions that a program loading
 * the module calls (<linux/module.h>).
 */
#ifndef _NBBS_USER_LINUX_INIT_H
#define _NBBS_USER_LINUX_INIT_H

#define __init
#define __exit
#define __initdata
#define __exitdata
#define __initconst
#define __refdata
#define module_init(fn)		int (*nbbs_user_module_init)(void) = fn
#define module_exit(fn)		void (*nbbs_user_module_exit)(void) = fn

#endif /* _NBBS_USER_LINUX_INIT_H */
