/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim of <linux/errno.h>.  glibc's <errno.h> includes
 * <linux/errno.h> too, so this header must stay harmless there: it takes
 * the UAPI numbers from the real header and adds the kernel-internal ones.
 */
#ifndef _NBBS_USER_LINUX_ERRNO_H
#define _NBBS_USER_LINUX_ERRNO_H

#include_next <linux/errno.h>

#define ERESTARTSYS		512
#define ERESTARTNOINTR		513
#define ENOIOCTLCMD		515
#define EPROBE_DEFER		517
#define ENOTSUPP		524

#endif /* _NBBS_USER_LINUX_ERRNO_H */
