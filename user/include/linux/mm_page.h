/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nbbs userspace shim: the page geometry that the kernel's headers bring in
 * through <asm/page.h>.  Not a kernel header name; included by the shim's
 * gfp.h, mm.h, slab.h, vmalloc.h and percpu.h.
 */
#ifndef _NBBS_USER_LINUX_MM_PAGE_H
#define _NBBS_USER_LINUX_MM_PAGE_H

#define PAGE_SHIFT		12
#define PAGE_SIZE		(1UL << PAGE_SHIFT)
#define PAGE_MASK		(~(PAGE_SIZE - 1))
#define PAGE_ALIGN(addr)	(((addr) + PAGE_SIZE - 1) & PAGE_MASK)
#define PAGE_ALIGNED(addr)	((((unsigned long)(addr)) & (PAGE_SIZE - 1)) == 0)
#define MAX_ORDER		10
#define MAX_PAGE_ORDER		10
#define NR_PAGE_ORDERS		(MAX_PAGE_ORDER + 1)

#endif /* _NBBS_USER_LINUX_MM_PAGE_H */
