/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nbbs userspace shim: the operations of one atomic type, included by
 * <linux/atomic.h> once per type with NBBS_AT (the type), NBBS_CT (its
 * counter type) and NBBS_PFX (the name prefix, e.g. atomic_long_) defined.
 * No include guard, on purpose.  Orderings: see <linux/atomic.h>.
 */
#define NBBS_FN(name)	__PASTE(NBBS_PFX, name)

static __always_inline NBBS_CT NBBS_FN(read)(const NBBS_AT *v)
{
	return __atomic_load_n(&v->counter, __ATOMIC_RELAXED);
}

static __always_inline NBBS_CT NBBS_FN(read_acquire)(const NBBS_AT *v)
{
	return __atomic_load_n(&v->counter, __ATOMIC_ACQUIRE);
}

static __always_inline void NBBS_FN(set)(NBBS_AT *v, NBBS_CT i)
{
	__atomic_store_n(&v->counter, i, __ATOMIC_RELAXED);
}

static __always_inline void NBBS_FN(set_release)(NBBS_AT *v, NBBS_CT i)
{
	__atomic_store_n(&v->counter, i, __ATOMIC_RELEASE);
}

/* void RMW ops: unordered */
#define __NBBS_VOID_OP(name, builtin, arg)				\
static __always_inline void NBBS_FN(name)(NBBS_CT i, NBBS_AT *v)	\
{									\
	(void)builtin(&v->counter, arg,					\
		      __nbbs_void_rmw_order(&v->counter, sizeof(v->counter))); \
}
__NBBS_VOID_OP(add, __atomic_fetch_add, i)
__NBBS_VOID_OP(sub, __atomic_fetch_sub, i)
__NBBS_VOID_OP(and, __atomic_fetch_and, i)
__NBBS_VOID_OP(or, __atomic_fetch_or, i)
__NBBS_VOID_OP(xor, __atomic_fetch_xor, i)
__NBBS_VOID_OP(andnot, __atomic_fetch_and, ~i)
#undef __NBBS_VOID_OP

static __always_inline void NBBS_FN(inc)(NBBS_AT *v)
{
	NBBS_FN(add)(1, v);
}

static __always_inline void NBBS_FN(dec)(NBBS_AT *v)
{
	NBBS_FN(sub)(1, v);
}

/* value-returning RMW ops, in the four orderings */
#define __NBBS_OPS(sfx, order)						\
static __always_inline NBBS_CT NBBS_FN(fetch_add##sfx)(NBBS_CT i, NBBS_AT *v) \
{									\
	return __atomic_fetch_add(&v->counter, i, order);		\
}									\
static __always_inline NBBS_CT NBBS_FN(fetch_sub##sfx)(NBBS_CT i, NBBS_AT *v) \
{									\
	return __atomic_fetch_sub(&v->counter, i, order);		\
}									\
static __always_inline NBBS_CT NBBS_FN(fetch_and##sfx)(NBBS_CT i, NBBS_AT *v) \
{									\
	return __atomic_fetch_and(&v->counter, i, order);		\
}									\
static __always_inline NBBS_CT NBBS_FN(fetch_or##sfx)(NBBS_CT i, NBBS_AT *v) \
{									\
	return __atomic_fetch_or(&v->counter, i, order);		\
}									\
static __always_inline NBBS_CT NBBS_FN(fetch_xor##sfx)(NBBS_CT i, NBBS_AT *v) \
{									\
	return __atomic_fetch_xor(&v->counter, i, order);		\
}									\
static __always_inline NBBS_CT NBBS_FN(fetch_andnot##sfx)(NBBS_CT i, NBBS_AT *v) \
{									\
	return __atomic_fetch_and(&v->counter, ~i, order);		\
}									\
static __always_inline NBBS_CT NBBS_FN(fetch_inc##sfx)(NBBS_AT *v)	\
{									\
	return __atomic_fetch_add(&v->counter, 1, order);		\
}									\
static __always_inline NBBS_CT NBBS_FN(fetch_dec##sfx)(NBBS_AT *v)	\
{									\
	return __atomic_fetch_sub(&v->counter, 1, order);		\
}									\
static __always_inline NBBS_CT NBBS_FN(add_return##sfx)(NBBS_CT i, NBBS_AT *v) \
{									\
	return __atomic_add_fetch(&v->counter, i, order);		\
}									\
static __always_inline NBBS_CT NBBS_FN(sub_return##sfx)(NBBS_CT i, NBBS_AT *v) \
{									\
	return __atomic_sub_fetch(&v->counter, i, order);		\
}									\
static __always_inline NBBS_CT NBBS_FN(inc_return##sfx)(NBBS_AT *v)	\
{									\
	return __atomic_add_fetch(&v->counter, 1, order);		\
}									\
static __always_inline NBBS_CT NBBS_FN(dec_return##sfx)(NBBS_AT *v)	\
{									\
	return __atomic_sub_fetch(&v->counter, 1, order);		\
}									\
static __always_inline NBBS_CT NBBS_FN(xchg##sfx)(NBBS_AT *v, NBBS_CT i) \
{									\
	return __atomic_exchange_n(&v->counter, i, order);		\
}									\
static __always_inline NBBS_CT NBBS_FN(cmpxchg##sfx)(NBBS_AT *v, NBBS_CT old, NBBS_CT new) \
{									\
	__atomic_compare_exchange_n(&v->counter, &old, new, false,	\
				    order, __ATOMIC_RELAXED);		\
	return old;							\
}									\
static __always_inline bool NBBS_FN(try_cmpxchg##sfx)(NBBS_AT *v, NBBS_CT *old, NBBS_CT new) \
{									\
	return __atomic_compare_exchange_n(&v->counter, old, new, false, \
					   order, __ATOMIC_RELAXED);	\
}

__NBBS_OPS(, __ATOMIC_SEQ_CST)
__NBBS_OPS(_acquire, __ATOMIC_ACQUIRE)
__NBBS_OPS(_release, __ATOMIC_RELEASE)
__NBBS_OPS(_relaxed, __ATOMIC_RELAXED)
#undef __NBBS_OPS

/* derived fully ordered conditionals */
static __always_inline bool NBBS_FN(sub_and_test)(NBBS_CT i, NBBS_AT *v)
{
	return NBBS_FN(sub_return)(i, v) == 0;
}

static __always_inline bool NBBS_FN(dec_and_test)(NBBS_AT *v)
{
	return NBBS_FN(dec_return)(v) == 0;
}

static __always_inline bool NBBS_FN(inc_and_test)(NBBS_AT *v)
{
	return NBBS_FN(inc_return)(v) == 0;
}

static __always_inline bool NBBS_FN(add_negative)(NBBS_CT i, NBBS_AT *v)
{
	return NBBS_FN(add_return)(i, v) < 0;
}

static __always_inline NBBS_CT NBBS_FN(fetch_add_unless)(NBBS_AT *v, NBBS_CT a, NBBS_CT u)
{
	NBBS_CT c = NBBS_FN(read)(v);

	do {
		if (unlikely(c == u))
			break;
	} while (!NBBS_FN(try_cmpxchg)(v, &c, c + a));
	return c;
}

static __always_inline bool NBBS_FN(add_unless)(NBBS_AT *v, NBBS_CT a, NBBS_CT u)
{
	return NBBS_FN(fetch_add_unless)(v, a, u) != u;
}

static __always_inline bool NBBS_FN(inc_not_zero)(NBBS_AT *v)
{
	return NBBS_FN(add_unless)(v, 1, 0);
}

static __always_inline NBBS_CT NBBS_FN(dec_if_positive)(NBBS_AT *v)
{
	NBBS_CT c = NBBS_FN(read)(v);
	NBBS_CT d;

	do {
		d = c - 1;
		if (unlikely(d < 0))
			break;
	} while (!NBBS_FN(try_cmpxchg)(v, &c, d));
	return d;
}

#undef NBBS_FN
