/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim of <linux/io.h>: virt_to_phys() of a direct map that holds
 * nothing (see virt_addr_valid() in <linux/mm.h>).
 */
#ifndef _NBBS_USER_LINUX_IO_H
#define _NBBS_USER_LINUX_IO_H

#include <linux/types.h>

#define virt_to_phys(addr)	((void)(addr), (phys_addr_t)0)

#endif /* _NBBS_USER_LINUX_IO_H */
