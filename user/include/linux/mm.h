/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim of <linux/mm.h>: only the page geometry and the allocators. */
#ifndef _NBBS_USER_LINUX_MM_H
#define _NBBS_USER_LINUX_MM_H

#include <linux/types.h>
#include <linux/mm_page.h>
#include <linux/gfp.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#endif /* _NBBS_USER_LINUX_MM_H */
