/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim of <linux/limits.h>.  glibc's <limits.h> includes
 * <linux/limits.h> too, so this takes the UAPI header first and only adds
 * constants, with the types the kernel gives them.
 */
#ifndef _NBBS_USER_LINUX_LIMITS_H
#define _NBBS_USER_LINUX_LIMITS_H

#include_next <linux/limits.h>
#include <limits.h>
#include <stdint.h>

#define U8_MAX		255
#define S8_MAX		127
#define S8_MIN		(-128)
#define U16_MAX		65535
#define S16_MAX		32767
#define S16_MIN		(-32768)
#define U32_MAX		0xffffffffU
#define S32_MAX		0x7fffffff
#define S32_MIN		(-S32_MAX - 1)
#define U64_MAX		0xffffffffffffffffULL
#define S64_MAX		0x7fffffffffffffffLL
#define S64_MIN		(-S64_MAX - 1)
#define PHYS_ADDR_MAX	U64_MAX

#endif /* _NBBS_USER_LINUX_LIMITS_H */
