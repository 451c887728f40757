/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim of <linux/minmax.h>.  Like the kernel's, min() and max()
 * insist that both sides have the same type (a "distinct pointer types"
 * warning otherwise), evaluate each argument once, and stay constant
 * expressions when both arguments are.
 */
#ifndef _NBBS_USER_LINUX_MINMAX_H
#define _NBBS_USER_LINUX_MINMAX_H

#include <linux/compiler.h>

#define __nbbs_typecheck(x, y)	(!!(sizeof((typeof(x) *)1 == (typeof(y) *)1)))

#define __nbbs_cmp_once(op, x, y, ux, uy) ({				\
	typeof(x) ux = (x);						\
	typeof(y) uy = (y);						\
	(void)__nbbs_typecheck(ux, uy);					\
	(ux op uy) ? ux : uy; })

#define __nbbs_careful_cmp(op, x, y)					\
	__builtin_choose_expr(__is_constexpr(x) && __is_constexpr(y),	\
		(__nbbs_typecheck(x, y) && ((x) op (y))) ? (x) : (y),	\
		__nbbs_cmp_once(op, x, y, __UNIQUE_ID(x_), __UNIQUE_ID(y_)))

#define min(x, y)		__nbbs_careful_cmp(<, x, y)
#define max(x, y)		__nbbs_careful_cmp(>, x, y)
#define min3(x, y, z)		min((typeof(x))min(x, y), z)
#define max3(x, y, z)		max((typeof(x))max(x, y), z)
#define min_t(type, x, y)	__nbbs_careful_cmp(<, (type)(x), (type)(y))
#define max_t(type, x, y)	__nbbs_careful_cmp(>, (type)(x), (type)(y))
#define min_not_zero(x, y) ({						\
	typeof(x) __nbbs_mnz_x = (x);					\
	typeof(y) __nbbs_mnz_y = (y);					\
	__nbbs_mnz_x == 0 ? __nbbs_mnz_y :				\
	(__nbbs_mnz_y == 0 ? __nbbs_mnz_x : min(__nbbs_mnz_x, __nbbs_mnz_y)); })
#define clamp(val, lo, hi)	min((typeof(val))max(val, lo), hi)
#define clamp_t(type, val, lo, hi) min_t(type, max_t(type, val, lo), hi)
#define clamp_val(val, lo, hi)	clamp_t(typeof(val), val, lo, hi)

#define swap(a, b) do {							\
	typeof(a) __nbbs_swap_tmp = (a);				\
	(a) = (b);							\
	(b) = __nbbs_swap_tmp;						\
} while (0)

#endif /* _NBBS_USER_LINUX_MINMAX_H */
