/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim of <linux/kernel.h>.  Like the kernel's, it brings in a
 * good part of the basic headers.
 */
#ifndef _NBBS_USER_LINUX_KERNEL_H
#define _NBBS_USER_LINUX_KERNEL_H

#include_next <linux/kernel.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>		/* snprintf() and friends, <linux/sprintf.h> */
#include <linux/types.h>
#include <linux/compiler.h>
#include <linux/stddef.h>
#include <linux/limits.h>
#include <linux/bits.h>
#include <linux/bitops.h>
#include <linux/log2.h>
#include <linux/minmax.h>
#include <linux/math.h>
#include <linux/align.h>
#include <linux/build_bug.h>
#include <linux/container_of.h>
#include <linux/printk.h>
#include <linux/bug.h>
#include <linux/sched.h>
#include <linux/err.h>

#define ARRAY_SIZE(arr)		(sizeof(arr) / sizeof((arr)[0]) + __must_be_array(arr))

#define upper_32_bits(n)	((u32)(((n) >> 16) >> 16))
#define lower_32_bits(n)	((u32)((n) & 0xffffffff))

#define REPEAT_BYTE(x)		((~0UL / 0xff) * (x))

#endif /* _NBBS_USER_LINUX_KERNEL_H */
