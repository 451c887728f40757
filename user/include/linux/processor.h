/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim of <asm/processor.h>: cpu_relax(). */
#ifndef _NBBS_USER_LINUX_PROCESSOR_H
#define _NBBS_USER_LINUX_PROCESSOR_H

#if defined(__x86_64__) || defined(__i386__)
#define cpu_relax()	__builtin_ia32_pause()
#elif defined(__aarch64__)
#define cpu_relax()	__asm__ __volatile__("yield" : : : "memory")
#else
#define cpu_relax()	__asm__ __volatile__("" : : : "memory")
#endif

#endif /* _NBBS_USER_LINUX_PROCESSOR_H */
