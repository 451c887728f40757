/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim of <linux/mm.h>: the page geometry, the allocators, and a
 * direct map that holds nothing.
 */
#ifndef _NBBS_USER_LINUX_MM_H
#define _NBBS_USER_LINUX_MM_H

#include <linux/types.h>
#include <linux/mm_page.h>
#include <linux/gfp.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

/*
 * No direct map in userspace: no address is known to be physically
 * contiguous, so pools report physical addresses only when created with
 * nbbs_pool_create_phys().
 */
#define virt_addr_valid(addr)	((void)(addr), false)

#endif /* _NBBS_USER_LINUX_MM_H */
