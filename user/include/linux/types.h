/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim of <linux/types.h> for building nbbs_core.c outside the
 * kernel.  The UAPI header of the same name (found next on the include path)
 * supplies __u8..__u64 exactly as the kernel sees them, so u64 is
 * unsigned long long here too and "%llu" format checks agree with the kernel.
 */
#ifndef _NBBS_USER_LINUX_TYPES_H
#define _NBBS_USER_LINUX_TYPES_H

#include_next <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <linux/compiler.h>

typedef __u8 u8;
typedef __s8 s8;
typedef __u16 u16;
typedef __s16 s16;
typedef __u32 u32;
typedef __s32 s32;
typedef __u64 u64;
typedef __s64 s64;

typedef unsigned int gfp_t;
typedef u64 phys_addr_t;
typedef phys_addr_t resource_size_t;

/* The kernel declares these in <linux/types.h>; see <linux/atomic.h>. */
typedef struct {
	int counter;
} atomic_t;

typedef struct {
	long counter;
} atomic_long_t;

typedef struct {
	s64 counter;
} atomic64_t;

#define DECLARE_BITMAP(name, bits) \
	unsigned long name[((bits) + 8 * sizeof(long) - 1) / (8 * sizeof(long))]

#endif /* _NBBS_USER_LINUX_TYPES_H */
