/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim of <linux/string.h>: the C library's. */
#ifndef _NBBS_USER_LINUX_STRING_H
#define _NBBS_USER_LINUX_STRING_H

#include <string.h>
#include <linux/types.h>

static inline void memset64(u64 *s, u64 v, size_t count)
{
	while (count--)
		*s++ = v;
}

static inline size_t strscpy(char *dst, const char *src, size_t size)
{
	size_t len = strnlen(src, size);

	if (!size)
		return (size_t)-7;	/* -E2BIG */
	if (len == size) {
		memcpy(dst, src, size - 1);
		dst[size - 1] = '\0';
		return (size_t)-7;
	}
	memcpy(dst, src, len + 1);
	return len;
}

#endif /* _NBBS_USER_LINUX_STRING_H */
