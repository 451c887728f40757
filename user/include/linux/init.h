/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim of <linux/init.h>: section markers are dropped. */
#ifndef _NBBS_USER_LINUX_INIT_H
#define _NBBS_USER_LINUX_INIT_H

#define __init
#define __exit
#define __initdata
#define __exitdata
#define __initconst
#define __refdata
#define module_init(fn)
#define module_exit(fn)

#endif /* _NBBS_USER_LINUX_INIT_H */
