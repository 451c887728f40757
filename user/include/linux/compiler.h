/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim of <linux/compiler.h> and friends: attributes, branch
 * hints, READ_ONCE()/WRITE_ONCE() and data_race().
 *
 * READ_ONCE() and WRITE_ONCE() are relaxed __atomic loads and stores, so
 * ThreadSanitizer sees them as the marked accesses they are in the kernel
 * (LKMM: "once" accesses cannot tear and are not data races).
 */
#ifndef _NBBS_USER_LINUX_COMPILER_H
#define _NBBS_USER_LINUX_COMPILER_H

#include <sys/cdefs.h>	/* first: glibc defines __always_inline too */

#if defined(__SANITIZE_THREAD__)
#define NBBS_USER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define NBBS_USER_TSAN 1
#endif
#endif

#ifndef KBUILD_MODNAME
#define KBUILD_MODNAME "nbbs"
#endif

#define likely(x)		__builtin_expect(!!(x), 1)
#define unlikely(x)		__builtin_expect(!!(x), 0)

#ifndef __always_inline
#define __always_inline		inline __attribute__((__always_inline__))
#endif
#ifndef __attribute_const__
#define __attribute_const__	__attribute__((__const__))
#endif
#define noinline		__attribute__((__noinline__))
#define __noinline		__attribute__((__noinline__))
#define __must_check		__attribute__((__warn_unused_result__))
#define __maybe_unused		__attribute__((__unused__))
#define __always_unused		__attribute__((__unused__))
#define __used			__attribute__((__used__))
#define __packed		__attribute__((__packed__))
#define __aligned(x)		__attribute__((__aligned__(x)))
#define __cold			__attribute__((__cold__))
#define __pure			__attribute__((__pure__))
#define __noreturn		__attribute__((__noreturn__))
#define __weak			__attribute__((__weak__))
#define __printf(a, b)		__attribute__((__format__(printf, a, b)))
#define __section(s)		__attribute__((__section__(s)))
#define __counted_by(m)
#define __randomize_layout
#define __no_randomize_layout

#if defined(__clang__) || __GNUC__ >= 7
#define fallthrough		__attribute__((__fallthrough__))
#else
#define fallthrough		do {} while (0)
#endif

/* sparse annotations: meaningless to the compiler */
#define __percpu
#define __rcu
#define __user
#define __iomem
#define __kernel
#define __force
#define __bitwise
#define __nocast
#define __safe
#define __private
#define __must_hold(x)
#define __acquires(x)
#define __releases(x)
#define __cond_lock(x, c)	(c)

#define __read_mostly
#define __ro_after_init

#define ___PASTE(a, b)		a##b
#define __PASTE(a, b)		___PASTE(a, b)
#define __UNIQUE_ID(prefix)	__PASTE(__PASTE(__UNIQUE_ID_, prefix), __COUNTER__)

#define __stringify_1(x...)	#x
#define __stringify(x...)	__stringify_1(x)

#define barrier()		__asm__ __volatile__("" : : : "memory")
#define barrier_data(p)		__asm__ __volatile__("" : : "r"(p) : "memory")
#define OPTIMIZER_HIDE_VAR(v)	__asm__ ("" : "=r"(v) : "0"(v))

#define __same_type(a, b)	__builtin_types_compatible_p(typeof(a), typeof(b))

/* An integer constant expression?  Without evaluating @x. */
#define __is_constexpr(x) \
	(sizeof(int) == sizeof(*(8 ? ((void *)((long)(x) * 0l)) : (int *)8)))

/* Zero, or a compile error when @e is a true constant. */
#define BUILD_BUG_ON_ZERO(e)	((int)(sizeof(struct { int:(-!!(e)); })))
#define __must_be_array(a)	BUILD_BUG_ON_ZERO(__same_type((a), &(a)[0]))

/*
 * The kernel's "once" accesses.  As relaxed atomics they are what the LKMM
 * says they are: single, untorn, unordered accesses that race legally.
 */
#define READ_ONCE(x)		__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define WRITE_ONCE(x, val)	__atomic_store_n(&(x), (val), __ATOMIC_RELAXED)

#ifdef NBBS_USER_TSAN
void AnnotateIgnoreReadsBegin(const char *file, int line);
void AnnotateIgnoreReadsEnd(const char *file, int line);
void AnnotateIgnoreWritesBegin(const char *file, int line);
void AnnotateIgnoreWritesEnd(const char *file, int line);
#define __nbbs_race_begin()						\
	do {								\
		AnnotateIgnoreReadsBegin(__FILE__, __LINE__);		\
		AnnotateIgnoreWritesBegin(__FILE__, __LINE__);		\
	} while (0)
#define __nbbs_race_end()						\
	do {								\
		AnnotateIgnoreWritesEnd(__FILE__, __LINE__);		\
		AnnotateIgnoreReadsEnd(__FILE__, __LINE__);		\
	} while (0)
#else
#define __nbbs_race_begin()	do { } while (0)
#define __nbbs_race_end()	do { } while (0)
#endif

/*
 * data_race(expr): evaluate @expr, whose accesses may race on purpose.
 * Under ThreadSanitizer the accesses are hidden from the race detector,
 * as KCSAN hides them in the kernel.
 */
#define data_race(expr) ({						\
	__nbbs_race_begin();						\
	__auto_type __nbbs_dr_v = (expr);				\
	__nbbs_race_end();						\
	__nbbs_dr_v;							\
})

/* KCSAN assertions: nothing to check them with here. */
#define ASSERT_EXCLUSIVE_WRITER(var)	do { } while (0)
#define ASSERT_EXCLUSIVE_ACCESS(var)	do { } while (0)
#define ASSERT_EXCLUSIVE_BITS(var, mask) do { } while (0)

#endif /* _NBBS_USER_LINUX_COMPILER_H */
