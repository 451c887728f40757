// SPDX-License-Identifier: GPL-2.0
/*
 * nbbs in userspace: the runtime behind the kernel-header shim in
 * user/include/ -- emulated CPUs, per-CPU memory, the kmalloc()/vmalloc()
 * family with fault injection, printk() and WARN().
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <nbbs_user.h>
#include <linux/kernel.h>
#include <linux/atomic.h>
#include <linux/log2.h>
#include <linux/cpuhotplug.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

/* ---- emulated CPUs ---- */

unsigned int nr_cpu_ids = NBBS_USER_NR_CPUS;
__thread int nbbs_user_cpu_id = -1;
__thread int nbbs_user_in_nmi;
int nbbs_user_nmi_cmpxchg = 1;
static unsigned int next_cpu;

int nbbs_user_cpu_assign(void)
{
	nbbs_user_cpu_id = __atomic_fetch_add(&next_cpu, 1, __ATOMIC_RELAXED) % NBBS_USER_NR_CPUS;
	return nbbs_user_cpu_id;
}

void nbbs_user_set_cpu(int cpu)
{
	if (cpu < 0 || cpu >= NBBS_USER_NR_CPUS)
		nbbs_user_bug(__FILE__, __LINE__, "no such emulated CPU");
	nbbs_user_cpu_id = cpu;
}

#ifdef NBBS_USER_TSAN
long nbbs_user_tsan_barrier_word;
__thread int nbbs_user_tsan_mb_pending;
__thread void *nbbs_user_tsan_last_rmw;
__thread int nbbs_user_tsan_last_rmw_size;
#endif

/* ---- allocation accounting and fault injection ---- */

static long fail_countdown;
static long allocs_live;
static long allocs_total;

long nbbs_user_fail_nth_alloc(long n)
{
	return __atomic_exchange_n(&fail_countdown, n, __ATOMIC_RELAXED);
}

long nbbs_user_allocs_live(void)
{
	return __atomic_load_n(&allocs_live, __ATOMIC_RELAXED);
}

long nbbs_user_allocs_total(void)
{
	return __atomic_load_n(&allocs_total, __ATOMIC_RELAXED);
}

/* Count an allocation attempt; true when fault injection says it fails. */
static bool alloc_should_fail(void)
{
	__atomic_fetch_add(&allocs_total, 1, __ATOMIC_RELAXED);
	if (__atomic_load_n(&fail_countdown, __ATOMIC_RELAXED) <= 0)
		return false;
	return __atomic_sub_fetch(&fail_countdown, 1, __ATOMIC_RELAXED) == 0;
}

#define ZERO_SIZE_PTR	((void *)16)

static void *aligned_zalloc(size_t size, size_t align, gfp_t gfp)
{
	void *p;

	if (alloc_should_fail())
		return NULL;
	if (posix_memalign(&p, align, size))
		return NULL;
	if (gfp & __GFP_ZERO)
		memset(p, 0, size);
	__atomic_fetch_add(&allocs_live, 1, __ATOMIC_RELAXED);
	return p;
}

/*
 * Like the kernel's kmalloc(): power-of-two sizes are aligned to their size
 * (up to a page), others to 64 bytes from 64 bytes up, 16 below.
 */
void *nbbs_user_kmalloc(size_t size, gfp_t gfp)
{
	size_t align = 16;

	if (!size)
		return ZERO_SIZE_PTR;
	if (is_power_of_2(size) && size > align)
		align = min_t(size_t, size, PAGE_SIZE);
	else if (size > 64)
		align = 64;
	return aligned_zalloc(size, align, gfp);
}

void *nbbs_user_vmalloc(size_t size, gfp_t gfp)
{
	if (!size)
		return NULL;
	return aligned_zalloc(size, PAGE_SIZE, gfp);
}

void nbbs_user_free(const void *p)
{
	if ((unsigned long)p <= (unsigned long)ZERO_SIZE_PTR)
		return;
	__atomic_fetch_sub(&allocs_live, 1, __ATOMIC_RELAXED);
	free((void *)p);
}

/* ---- per-CPU memory ---- */

/*
 * NBBS_USER_NR_CPUS units of NBBS_USER_PCPU_UNIT bytes, reserved once (MAP_NORESERVE:
 * only touched pages cost memory).  Objects are carved from unit 0 in
 * power-of-two size classes of 16 bytes and up, each aligned to its class
 * size (at most a page); freed objects go on a per-class free list, linked
 * through their unit-0 copy.  pcpu_class[] records the class of every live
 * object, so a bad free_percpu() is caught.
 */
#define PCPU_MIN_SHIFT	4
#define PCPU_CLASSES	(ilog2(NBBS_USER_PCPU_UNIT) - PCPU_MIN_SHIFT + 1)

static pthread_mutex_t pcpu_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t pcpu_once = PTHREAD_ONCE_INIT;
static char *pcpu_base;
static size_t pcpu_bump;
static size_t pcpu_free_list[PCPU_CLASSES];	/* offset + 1, 0: empty */
static u8 pcpu_class[NBBS_USER_PCPU_UNIT >> PCPU_MIN_SHIFT];	/* class + 1 */

static void pcpu_reserve(void)
{
	void *p = mmap(NULL, NBBS_USER_NR_CPUS * NBBS_USER_PCPU_UNIT, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED) {
		perror("nbbs_user: per-CPU area");
		return;
	}
	pcpu_base = p;
}

void *nbbs_user_alloc_percpu(size_t size, size_t align, gfp_t gfp)
{
	size_t csize, off;
	unsigned int class, cpu;

	(void)gfp;
	if (alloc_should_fail())
		return NULL;
	pthread_once(&pcpu_once, pcpu_reserve);
	if (!pcpu_base || !size || size > NBBS_USER_PCPU_UNIT || align > PAGE_SIZE)
		return NULL;
	csize = max_t(size_t, roundup_pow_of_two(size), 1UL << PCPU_MIN_SHIFT);
	csize = max_t(size_t, csize, align);
	class = ilog2(csize) - PCPU_MIN_SHIFT;

	pthread_mutex_lock(&pcpu_lock);
	if (pcpu_free_list[class]) {
		off = pcpu_free_list[class] - 1;
		memcpy(&pcpu_free_list[class], pcpu_base + off, sizeof(size_t));
	} else {
		off = ALIGN(pcpu_bump, min_t(size_t, csize, PAGE_SIZE));
		if (off + csize > NBBS_USER_PCPU_UNIT) {
			pthread_mutex_unlock(&pcpu_lock);
			return NULL;
		}
		pcpu_bump = off + csize;
	}
	pcpu_class[off >> PCPU_MIN_SHIFT] = class + 1;
	pthread_mutex_unlock(&pcpu_lock);

	for (cpu = 0; cpu < NBBS_USER_NR_CPUS; cpu++)
		memset(pcpu_base + cpu * NBBS_USER_PCPU_UNIT + off, 0, csize);
	__atomic_fetch_add(&allocs_live, 1, __ATOMIC_RELAXED);
	return pcpu_base + off;
}

void nbbs_user_free_percpu(void *p)
{
	size_t off, link;
	unsigned int class;

	if (!p)
		return;
	off = (char *)p - pcpu_base;
	if (!pcpu_base || (char *)p < pcpu_base || off >= NBBS_USER_PCPU_UNIT ||
	    off & ((1UL << PCPU_MIN_SHIFT) - 1))
		nbbs_user_bug(__FILE__, __LINE__, "free_percpu() of a foreign pointer");

	pthread_mutex_lock(&pcpu_lock);
	class = pcpu_class[off >> PCPU_MIN_SHIFT];
	if (!class) {
		pthread_mutex_unlock(&pcpu_lock);
		nbbs_user_bug(__FILE__, __LINE__, "free_percpu() of a free object");
	}
	class--;
	pcpu_class[off >> PCPU_MIN_SHIFT] = 0;
	link = pcpu_free_list[class];
	memcpy(pcpu_base + off, &link, sizeof(link));
	pcpu_free_list[class] = off + 1;
	pthread_mutex_unlock(&pcpu_lock);
	__atomic_fetch_sub(&allocs_live, 1, __ATOMIC_RELAXED);
}

/* ---- printk() and WARN() ---- */

int nbbs_user_console_loglevel = 5;
static unsigned long warnings;

static void __attribute__((__constructor__)) nbbs_user_init(void)
{
	const char *s = getenv("NBBS_USER_LOGLEVEL");

	if (s && *s)
		nbbs_user_console_loglevel = atoi(s);
}

unsigned long nbbs_user_warnings(void)
{
	return __atomic_load_n(&warnings, __ATOMIC_RELAXED);
}

/* Copy @fmt to @buf with the kernel's %p extensions (%px, %pK...) cut. */
static const char *plain_format(const char *fmt, char *buf, size_t size)
{
	size_t n = 0;

	if (strlen(fmt) >= size)
		return fmt;
	while (*fmt) {
		char c = *fmt++;

		buf[n++] = c;
		if (c != '%')
			continue;
		while (*fmt && strchr("#0- +'0123456789.*hlLqjzt", *fmt))
			buf[n++] = *fmt++;
		if (!*fmt)
			break;
		c = *fmt++;
		buf[n++] = c;
		if (c == 'p')
			while ((*fmt >= 'a' && *fmt <= 'z') || (*fmt >= 'A' && *fmt <= 'Z') ||
			       (*fmt >= '0' && *fmt <= '9'))
				fmt++;
	}
	buf[n] = '\0';
	return buf;
}

static void vprint(const char *fmt, va_list ap)
{
	char buf[512];

	vfprintf(stderr, plain_format(fmt, buf, sizeof(buf)), ap);
}

void nbbs_user_printk(const char *fmt, ...)
{
	int level = 4;	/* the kernel's default message level */
	va_list ap;

	while (fmt[0] == KERN_SOH[0] && fmt[1]) {
		if (fmt[1] >= '0' && fmt[1] <= '7')
			level = fmt[1] - '0';
		fmt += 2;
	}
	if (level > nbbs_user_console_loglevel)
		return;
	va_start(ap, fmt);
	vprint(fmt, ap);
	va_end(ap);
}

void nbbs_user_warn(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	__atomic_fetch_add(&warnings, 1, __ATOMIC_RELAXED);
	fprintf(stderr, "WARNING: CPU: %d PID: %d at %s:%d\n",
		nbbs_user_this_cpu(), (int)getpid(), file, line);
	va_start(ap, fmt);
	vprint(fmt, ap);
	va_end(ap);
}

void nbbs_user_bug(const char *file, int line, const char *what)
{
	fprintf(stderr, "kernel BUG at %s:%d: %s\n", file, line, what);
	abort();
}

/* ---- CPU hotplug: one multi-instance state ---- */

static int (*cpuhp_teardown)(unsigned int cpu, struct hlist_node *node);
static struct hlist_node *cpuhp_instances;
static pthread_mutex_t cpuhp_lock = PTHREAD_MUTEX_INITIALIZER;

int cpuhp_setup_state_multi(enum cpuhp_state state, const char *name,
			    int (*startup)(unsigned int cpu, struct hlist_node *node),
			    int (*teardown)(unsigned int cpu, struct hlist_node *node))
{
	cpuhp_teardown = teardown;
	return 100;	/* a dynamic state, as the kernel returns */
}

int cpuhp_state_add_instance_nocalls(enum cpuhp_state state, struct hlist_node *node)
{
	pthread_mutex_lock(&cpuhp_lock);
	node->next = cpuhp_instances;
	node->pprev = &cpuhp_instances;
	if (cpuhp_instances)
		cpuhp_instances->pprev = &node->next;
	cpuhp_instances = node;
	pthread_mutex_unlock(&cpuhp_lock);
	return 0;
}

int cpuhp_state_remove_instance_nocalls(enum cpuhp_state state, struct hlist_node *node)
{
	pthread_mutex_lock(&cpuhp_lock);
	*node->pprev = node->next;
	if (node->next)
		node->next->pprev = node->pprev;
	pthread_mutex_unlock(&cpuhp_lock);
	return 0;
}

void cpuhp_remove_multi_state(enum cpuhp_state state)
{
	cpuhp_teardown = NULL;
}

void nbbs_user_cpu_dead(unsigned int cpu)
{
	struct hlist_node *node;

	pthread_mutex_lock(&cpuhp_lock);
	for (node = cpuhp_instances; node && cpuhp_teardown; node = node->next)
		cpuhp_teardown(cpu, node);
	pthread_mutex_unlock(&cpuhp_lock);
}
