/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nbbs in userspace: the hooks of the kernel-header shim (libnbbs.a).
 *
 * The shim emulates NBBS_USER_NR_CPUS CPUs: each thread gets a CPU id on first use
 * (a global counter modulo NBBS_USER_NR_CPUS), or the one it asks for with
 * nbbs_user_set_cpu().  Several threads may share a CPU id, which the
 * per-CPU operations tolerate (they are atomic here).
 *
 * Tests can make the n-th next allocation of the shim (kmalloc(),
 * vmalloc(), alloc_percpu() and their layouts) fail, count the
 * allocations still live, and count the WARN()ings printed.
 */
#ifndef _NBBS_USER_H
#define _NBBS_USER_H

#include <linux/types.h>
#include <linux/compiler.h>

/* Emulated CPUs; also the kernel's NR_CPUS for code built on the shim. */
#define NBBS_USER_NR_CPUS	64
#ifndef NR_CPUS
#define NR_CPUS			NBBS_USER_NR_CPUS
#endif

/* Bytes between the copies of one per-CPU object on consecutive CPUs. */
#define NBBS_USER_PCPU_UNIT	(1UL << 20)

extern __thread int nbbs_user_cpu_id;
int nbbs_user_cpu_assign(void);

/* The emulated CPU of the calling thread. */
static __always_inline int nbbs_user_this_cpu(void)
{
	int cpu = nbbs_user_cpu_id;

	if (unlikely(cpu < 0))
		cpu = nbbs_user_cpu_assign();
	return cpu;
}

/* Run the calling thread as emulated CPU @cpu (0 <= cpu < NBBS_USER_NR_CPUS). */
void nbbs_user_set_cpu(int cpu);

/*
 * Make the @n-th allocation from now fail (1: the next one); 0 disables.
 * Returns how many allocations were still to go before the previous setting.
 */
long nbbs_user_fail_nth_alloc(long n);
/* Allocations made by the shim allocators and not yet freed. */
long nbbs_user_allocs_live(void);
/* Allocations attempted so far, failed ones included. */
long nbbs_user_allocs_total(void);

/* WARN()ings printed so far. */
unsigned long nbbs_user_warnings(void);
/* printk() prints messages of this level or more urgent (default 5). */
extern int nbbs_user_console_loglevel;
/*
 * If set, called with every printk() message, whatever its level, once
 * formatted: the kernel log as dmesg reads it.  @level is 0 to 7.
 */
extern void (*nbbs_user_log)(int level, const char *msg);

void nbbs_user_printk(const char *fmt, ...) __printf(1, 2);
void nbbs_user_warn(const char *file, int line, const char *fmt, ...) __printf(3, 4);
__noreturn void nbbs_user_bug(const char *file, int line, const char *what);

void *nbbs_user_kmalloc(size_t size, gfp_t gfp);
void *nbbs_user_vmalloc(size_t size, gfp_t gfp);
void nbbs_user_free(const void *p);
void *nbbs_user_alloc_percpu(size_t size, size_t align, gfp_t gfp);
void nbbs_user_free_percpu(void *p);

#endif /* _NBBS_USER_H */
