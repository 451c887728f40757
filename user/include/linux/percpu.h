/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim of <linux/percpu.h>, in the kernel's model: a per-CPU
 * object is the CPU-0 copy's address, and CPU n's copy lies n *
 * NBBS_USER_PCPU_UNIT bytes above it (libnbbs.a reserves NR_CPUS units).
 *
 * Several threads may run as the same emulated CPU and none is pinned, so
 * every this_cpu_*() read-modify-write is a relaxed atomic operation (no
 * lost counts, nothing for ThreadSanitizer to report), unless built with
 * NBBS_USER_PCPU_OWNED (see there), and this_cpu_read() and
 * this_cpu_write() are relaxed atomic loads and stores.  The raw_cpu_*()
 * and __this_cpu_*() forms are the same.
 */
#ifndef _NBBS_USER_LINUX_PERCPU_H
#define _NBBS_USER_LINUX_PERCPU_H

#include <nbbs_user.h>
#include <linux/kernel.h>
#include <linux/types.h>
#include <linux/compiler.h>
#include <linux/gfp.h>
#include <linux/smp.h>
#include <linux/cpumask.h>
#include <linux/preempt.h>

#define __alloc_percpu_gfp(size, align, gfp)	nbbs_user_alloc_percpu(size, align, gfp)
#define __alloc_percpu(size, align)		nbbs_user_alloc_percpu(size, align, GFP_KERNEL)
#define alloc_percpu_gfp(type, gfp)					\
	((typeof(type) __percpu *)__alloc_percpu_gfp(sizeof(type),	\
						     __alignof__(type), gfp))
#define alloc_percpu(type)	alloc_percpu_gfp(type, GFP_KERNEL)

static inline void free_percpu(void __percpu *ptr)
{
	nbbs_user_free_percpu(ptr);
}

#define per_cpu_ptr(ptr, cpu)						\
	((typeof(ptr))((uintptr_t)(ptr) +				\
		       (uintptr_t)(cpu) * NBBS_USER_PCPU_UNIT))
#define raw_cpu_ptr(ptr)	per_cpu_ptr(ptr, nbbs_user_this_cpu())
#define this_cpu_ptr(ptr)	raw_cpu_ptr(ptr)
#define get_cpu_ptr(ptr)	({ preempt_disable(); this_cpu_ptr(ptr); })
#define put_cpu_ptr(ptr)	do { (void)(ptr); preempt_enable(); } while (0)
#define per_cpu(var, cpu)	(*per_cpu_ptr(&(var), cpu))

#define __nbbs_pcp(pcp)		raw_cpu_ptr(&(pcp))

#define this_cpu_read(pcp)	__atomic_load_n(__nbbs_pcp(pcp), __ATOMIC_RELAXED)
#define this_cpu_write(pcp, val) \
	__atomic_store_n(__nbbs_pcp(pcp), (val), __ATOMIC_RELAXED)
#ifdef NBBS_USER_PCPU_OWNED
/*
 * Built with -DNBBS_USER_PCPU_OWNED (the benchmark, which runs worker i as
 * CPU i and nothing else on it): each emulated CPU's data is changed by one
 * thread only, so a read-modify-write needs no atomic instruction, as in
 * the kernel, where this_cpu_add() is one instruction without a lock
 * prefix.  Loads and stores stay atomic, for other threads' readers.
 */
#define __nbbs_pcp_rmw(pcp, op, val) ({					\
	typeof(pcp) *__nbbs_p = __nbbs_pcp(pcp);			\
	typeof(pcp) __nbbs_o = __atomic_load_n(__nbbs_p, __ATOMIC_RELAXED); \
	__atomic_store_n(__nbbs_p, __nbbs_o op(val), __ATOMIC_RELAXED);	\
	__nbbs_o; })
#define this_cpu_add(pcp, val)		((void)__nbbs_pcp_rmw(pcp, +, val))
#define this_cpu_sub(pcp, val)		((void)__nbbs_pcp_rmw(pcp, -, val))
#define this_cpu_and(pcp, val)		((void)__nbbs_pcp_rmw(pcp, &, val))
#define this_cpu_or(pcp, val)		((void)__nbbs_pcp_rmw(pcp, |, val))
#define this_cpu_add_return(pcp, val)	(__nbbs_pcp_rmw(pcp, +, val) + (val))
#define this_cpu_sub_return(pcp, val)	(__nbbs_pcp_rmw(pcp, -, val) - (val))
#define this_cpu_xchg(pcp, nval) ({					\
	typeof(pcp) *__nbbs_p = __nbbs_pcp(pcp);			\
	typeof(pcp) __nbbs_o = __atomic_load_n(__nbbs_p, __ATOMIC_RELAXED); \
	__atomic_store_n(__nbbs_p, (nval), __ATOMIC_RELAXED);		\
	__nbbs_o; })
#define this_cpu_try_cmpxchg(pcp, ovalp, nval) ({			\
	typeof(pcp) *__nbbs_p = __nbbs_pcp(pcp);			\
	typeof(pcp) __nbbs_o = __atomic_load_n(__nbbs_p, __ATOMIC_RELAXED); \
	bool __nbbs_ok = __nbbs_o == *(ovalp);				\
	if (__nbbs_ok)							\
		__atomic_store_n(__nbbs_p, (nval), __ATOMIC_RELAXED);	\
	else								\
		*(ovalp) = __nbbs_o;					\
	__nbbs_ok; })
#define this_cpu_cmpxchg(pcp, oval, nval) ({				\
	typeof(pcp) __nbbs_pcp_old = (oval);				\
	this_cpu_try_cmpxchg(pcp, &__nbbs_pcp_old, nval);		\
	__nbbs_pcp_old; })
#else
#define this_cpu_add(pcp, val) \
	((void)__atomic_fetch_add(__nbbs_pcp(pcp), (val), __ATOMIC_RELAXED))
#define this_cpu_sub(pcp, val) \
	((void)__atomic_fetch_sub(__nbbs_pcp(pcp), (val), __ATOMIC_RELAXED))
#define this_cpu_and(pcp, val) \
	((void)__atomic_fetch_and(__nbbs_pcp(pcp), (val), __ATOMIC_RELAXED))
#define this_cpu_or(pcp, val) \
	((void)__atomic_fetch_or(__nbbs_pcp(pcp), (val), __ATOMIC_RELAXED))
#define this_cpu_add_return(pcp, val) \
	__atomic_add_fetch(__nbbs_pcp(pcp), (val), __ATOMIC_RELAXED)
#define this_cpu_sub_return(pcp, val) \
	__atomic_sub_fetch(__nbbs_pcp(pcp), (val), __ATOMIC_RELAXED)
#define this_cpu_xchg(pcp, nval) \
	__atomic_exchange_n(__nbbs_pcp(pcp), (nval), __ATOMIC_RELAXED)
#define this_cpu_cmpxchg(pcp, oval, nval) ({				\
	typeof(pcp) __nbbs_pcp_old = (oval);				\
	__atomic_compare_exchange_n(__nbbs_pcp(pcp), &__nbbs_pcp_old,	\
				    (nval), false, __ATOMIC_RELAXED,	\
				    __ATOMIC_RELAXED);			\
	__nbbs_pcp_old; })
#define this_cpu_try_cmpxchg(pcp, ovalp, nval)				\
	__atomic_compare_exchange_n(__nbbs_pcp(pcp), (ovalp), (nval),	\
				    false, __ATOMIC_RELAXED,		\
				    __ATOMIC_RELAXED)
#endif
#define this_cpu_inc(pcp)		this_cpu_add(pcp, 1)
#define this_cpu_dec(pcp)		this_cpu_sub(pcp, 1)
#define this_cpu_inc_return(pcp)	this_cpu_add_return(pcp, 1)
#define this_cpu_dec_return(pcp)	this_cpu_sub_return(pcp, 1)

#define raw_cpu_read(pcp)		this_cpu_read(pcp)
#define raw_cpu_write(pcp, val)		this_cpu_write(pcp, val)
#define raw_cpu_add(pcp, val)		this_cpu_add(pcp, val)
#define raw_cpu_sub(pcp, val)		this_cpu_sub(pcp, val)
#define raw_cpu_inc(pcp)		this_cpu_inc(pcp)
#define raw_cpu_dec(pcp)		this_cpu_dec(pcp)
#define raw_cpu_add_return(pcp, val)	this_cpu_add_return(pcp, val)
#define raw_cpu_inc_return(pcp)		this_cpu_inc_return(pcp)
#define __this_cpu_read(pcp)		this_cpu_read(pcp)
#define __this_cpu_write(pcp, val)	this_cpu_write(pcp, val)
#define __this_cpu_add(pcp, val)	this_cpu_add(pcp, val)
#define __this_cpu_sub(pcp, val)	this_cpu_sub(pcp, val)
#define __this_cpu_inc(pcp)		this_cpu_inc(pcp)
#define __this_cpu_dec(pcp)		this_cpu_dec(pcp)
#define __this_cpu_add_return(pcp, val)	this_cpu_add_return(pcp, val)
#define __this_cpu_inc_return(pcp)	this_cpu_inc_return(pcp)

#endif /* _NBBS_USER_LINUX_PERCPU_H */
