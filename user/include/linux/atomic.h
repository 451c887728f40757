/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim of <linux/atomic.h>, <asm/barrier.h> and <linux/cmpxchg.h>,
 * on the compiler's __atomic builtins.
 *
 * The kernel's ordering rules (Documentation/atomic_t.txt) map to C11 memory
 * orders as follows:
 *   - atomic_read()/atomic_set() and the void RMW ops (atomic_add(),
 *     atomic_or(), atomic_andnot(), ...): __ATOMIC_RELAXED;
 *   - value-returning RMW ops without suffix (atomic_fetch_or(),
 *     atomic_inc_return(), atomic_xchg(), a successful atomic_cmpxchg() or
 *     atomic_try_cmpxchg()): __ATOMIC_SEQ_CST ("fully ordered");
 *   - _acquire, _release, _relaxed: the C11 order of the same name;
 *   - a failed cmpxchg is unordered: __ATOMIC_RELAXED on failure.
 *
 * Barriers.  smp_mb(), smp_rmb() and smp_wmb() are C11 fences.
 * ThreadSanitizer does not model fences, so in a TSan build each barrier
 * also touches a global word (release for smp_wmb(), acquire for smp_rmb(),
 * both for smp_mb()), which gives TSan the happens-before edge of the
 * classic message-passing pairing.  smp_mb__before_atomic() marks the next
 * void RMW op of the thread to be performed fully ordered, and
 * smp_mb__after_atomic() acquires the location of the thread's last void
 * RMW op; so "smp_mb__before_atomic(); atomic_andnot(...)" publishes what
 * precedes it exactly as far as TSan is concerned.  These TSan-only edges
 * can only hide races between two barrier-using threads, never invent one.
 * (GCC refuses C11 fences under -fsanitize=thread, so the hardware barrier
 * there is __sync_synchronize().)
 */
#ifndef _NBBS_USER_LINUX_ATOMIC_H
#define _NBBS_USER_LINUX_ATOMIC_H

#include <linux/types.h>
#include <linux/compiler.h>
#include <linux/processor.h>

#ifdef NBBS_USER_TSAN
extern long nbbs_user_tsan_barrier_word;
extern __thread int nbbs_user_tsan_mb_pending;
extern __thread void *nbbs_user_tsan_last_rmw;
extern __thread int nbbs_user_tsan_last_rmw_size;

/* Order for a void ("unordered") RMW op: upgraded after smp_mb__before_atomic(). */
static __always_inline int __nbbs_void_rmw_order(void *addr, int size)
{
	nbbs_user_tsan_last_rmw = addr;
	nbbs_user_tsan_last_rmw_size = size;
	if (nbbs_user_tsan_mb_pending) {
		nbbs_user_tsan_mb_pending = 0;
		return __ATOMIC_SEQ_CST;
	}
	return __ATOMIC_RELAXED;
}

static __always_inline void __nbbs_tsan_acquire_last(void)
{
	void *p = nbbs_user_tsan_last_rmw;

	if (!p)
		return;
	if (nbbs_user_tsan_last_rmw_size == 8)
		(void)__atomic_load_n((long *)p, __ATOMIC_ACQUIRE);
	else
		(void)__atomic_load_n((int *)p, __ATOMIC_ACQUIRE);
	nbbs_user_tsan_last_rmw = NULL;
}

#define smp_mb() do {							\
	__sync_synchronize();			\
	__nbbs_tsan_acquire_last();					\
	(void)__atomic_fetch_add(&nbbs_user_tsan_barrier_word, 0,	\
				 __ATOMIC_ACQ_REL);			\
	nbbs_user_tsan_mb_pending = 1;					\
} while (0)
#define smp_rmb() do {							\
	__sync_synchronize();			\
	__nbbs_tsan_acquire_last();					\
	(void)__atomic_load_n(&nbbs_user_tsan_barrier_word,		\
			      __ATOMIC_ACQUIRE);			\
} while (0)
#define smp_wmb() do {							\
	__sync_synchronize();			\
	(void)__atomic_fetch_add(&nbbs_user_tsan_barrier_word, 0,	\
				 __ATOMIC_RELEASE);			\
	nbbs_user_tsan_mb_pending = 1;					\
} while (0)
#define smp_mb__before_atomic() do {					\
	__sync_synchronize();			\
	nbbs_user_tsan_mb_pending = 1;					\
} while (0)
#define smp_mb__after_atomic() do {					\
	__sync_synchronize();			\
	__nbbs_tsan_acquire_last();					\
} while (0)
#else
#define __nbbs_void_rmw_order(addr, size)	__ATOMIC_RELAXED
#define smp_mb()		__atomic_thread_fence(__ATOMIC_SEQ_CST)
#define smp_rmb()		__atomic_thread_fence(__ATOMIC_ACQUIRE)
#define smp_wmb()		__atomic_thread_fence(__ATOMIC_RELEASE)
#define smp_mb__before_atomic()	__atomic_thread_fence(__ATOMIC_SEQ_CST)
#define smp_mb__after_atomic()	__atomic_thread_fence(__ATOMIC_SEQ_CST)
#endif

#define mb()			smp_mb()
#define rmb()			smp_rmb()
#define wmb()			smp_wmb()
#define smp_store_mb(var, value) do { WRITE_ONCE(var, value); smp_mb(); } while (0)

#define smp_load_acquire(p)	__atomic_load_n((p), __ATOMIC_ACQUIRE)
#define smp_store_release(p, v)	__atomic_store_n((p), (v), __ATOMIC_RELEASE)

#define smp_cond_load_relaxed(ptr, cond_expr) ({			\
	typeof(ptr) __nbbs_ptr = (ptr);					\
	typeof(*(ptr)) VAL;						\
	for (;;) {							\
		VAL = READ_ONCE(*__nbbs_ptr);				\
		if (cond_expr)						\
			break;						\
		cpu_relax();						\
	}								\
	VAL; })
#define smp_cond_load_acquire(ptr, cond_expr) ({			\
	typeof(ptr) __nbbs_ptr = (ptr);					\
	typeof(*(ptr)) VAL;						\
	for (;;) {							\
		VAL = smp_load_acquire(__nbbs_ptr);			\
		if (cond_expr)						\
			break;						\
		cpu_relax();						\
	}								\
	VAL; })

/* Generic xchg()/cmpxchg()/try_cmpxchg() on plain scalars. */
#define __nbbs_cmpxchg(ptr, o, n, order) ({				\
	typeof(*(ptr)) __nbbs_old = (o);				\
	__atomic_compare_exchange_n((ptr), &__nbbs_old, (n), false,	\
				    (order), __ATOMIC_RELAXED);		\
	__nbbs_old; })
#define cmpxchg(ptr, o, n)		__nbbs_cmpxchg(ptr, o, n, __ATOMIC_SEQ_CST)
#define cmpxchg_acquire(ptr, o, n)	__nbbs_cmpxchg(ptr, o, n, __ATOMIC_ACQUIRE)
#define cmpxchg_release(ptr, o, n)	__nbbs_cmpxchg(ptr, o, n, __ATOMIC_RELEASE)
#define cmpxchg_relaxed(ptr, o, n)	__nbbs_cmpxchg(ptr, o, n, __ATOMIC_RELAXED)
#define try_cmpxchg(ptr, po, n)						\
	__atomic_compare_exchange_n((ptr), (po), (n), false,		\
				    __ATOMIC_SEQ_CST, __ATOMIC_RELAXED)
#define try_cmpxchg_acquire(ptr, po, n)					\
	__atomic_compare_exchange_n((ptr), (po), (n), false,		\
				    __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)
#define try_cmpxchg_release(ptr, po, n)					\
	__atomic_compare_exchange_n((ptr), (po), (n), false,		\
				    __ATOMIC_RELEASE, __ATOMIC_RELAXED)
#define try_cmpxchg_relaxed(ptr, po, n)					\
	__atomic_compare_exchange_n((ptr), (po), (n), false,		\
				    __ATOMIC_RELAXED, __ATOMIC_RELAXED)
#define xchg(ptr, v)		__atomic_exchange_n((ptr), (v), __ATOMIC_SEQ_CST)
#define xchg_acquire(ptr, v)	__atomic_exchange_n((ptr), (v), __ATOMIC_ACQUIRE)
#define xchg_release(ptr, v)	__atomic_exchange_n((ptr), (v), __ATOMIC_RELEASE)
#define xchg_relaxed(ptr, v)	__atomic_exchange_n((ptr), (v), __ATOMIC_RELAXED)

#define ATOMIC_INIT(i)		{ (i) }
#define ATOMIC_LONG_INIT(i)	{ (i) }
#define ATOMIC64_INIT(i)	{ (i) }

/* atomic_t */
#define NBBS_AT		atomic_t
#define NBBS_CT		int
#define NBBS_PFX	atomic_
#include <linux/nbbs_atomic_ops.h>
#undef NBBS_AT
#undef NBBS_CT
#undef NBBS_PFX

/* atomic_long_t */
#define NBBS_AT		atomic_long_t
#define NBBS_CT		long
#define NBBS_PFX	atomic_long_
#include <linux/nbbs_atomic_ops.h>
#undef NBBS_AT
#undef NBBS_CT
#undef NBBS_PFX

/* atomic64_t */
#define NBBS_AT		atomic64_t
#define NBBS_CT		s64
#define NBBS_PFX	atomic64_
#include <linux/nbbs_atomic_ops.h>
#undef NBBS_AT
#undef NBBS_CT
#undef NBBS_PFX

#endif /* _NBBS_USER_LINUX_ATOMIC_H */
