// SPDX-License-Identifier: GPL-2.0
/*
 * nbbs in userspace: the runtime behind the kernel-header shim in
 * user/include/ -- emulated CPUs, per-CPU memory, the kmalloc()/vmalloc()
 * family with fault injection, printk() and WARN().
 */
#define _GNU_SOURCE		/* strerrorname_np() */
#include <ctype.h>
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
#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

/* ---- emulated CPUs ---- */

unsigned int nr_cpu_ids = NBBS_USER_NR_CPUS;
struct cpumask nbbs_user_cpu_online_mask = {
	.bits = { [0 ... BITS_TO_LONGS(NR_CPUS) - 1] = ~0UL },
};

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

/* Append to a message being formatted; the end is cut when it is full. */
struct msgbuf {
	char *buf;
	size_t size;
	size_t len;
};

static __printf(2, 3) void msg_add(struct msgbuf *m, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (m->len + 1 >= m->size)
		return;
	va_start(ap, fmt);
	n = vsnprintf(m->buf + m->len, m->size - m->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		m->len = min_t(size_t, m->len + n, m->size - 1);
}

/* %pe: an error pointer by its errno's name, as the kernel prints it. */
static void msg_add_errptr(struct msgbuf *m, const void *ptr)
{
	const char *name = NULL;

	if (IS_ERR(ptr))
		name = strerrorname_np((int)-PTR_ERR(ptr));
	if (name)
		msg_add(m, "-%s", name);
	else if (IS_ERR(ptr))
		msg_add(m, "%ld", PTR_ERR(ptr));
	else
		msg_add(m, "%p", ptr);
}

/*
 * vsnprintf() with the kernel's %pV and %pe.  Each conversion is handed to
 * the C library on its own, with the argument taken at its type; other %p
 * extensions (%px, %pK, ...) print as %p.
 */
static void msg_vadd(struct msgbuf *m, const char *fmt, va_list ap)
{
	char spec[32];
	size_t n;

	while (*fmt) {
		const char *mods;
		int longs = 0, size_t_mod = 0;
		char conv;

		if (*fmt != '%') {
			msg_add(m, "%c", *fmt++);
			continue;
		}
		n = 0;
		spec[n++] = *fmt++;
		while (*fmt && n < sizeof(spec) - 4 && strchr("#0- +'0123456789.*", *fmt)) {
			if (*fmt == '*') {
				n += snprintf(spec + n, sizeof(spec) - n, "%d", va_arg(ap, int));
				fmt++;
			} else {
				spec[n++] = *fmt++;
			}
		}
		mods = fmt;
		while (*fmt && strchr("hlLqjzt", *fmt)) {
			longs += *fmt == 'l' || *fmt == 'L' || *fmt == 'q' || *fmt == 'j';
			longs += *fmt == 'q' || *fmt == 'j' || *fmt == 'L';
			size_t_mod |= *fmt == 'z' || *fmt == 't';
			fmt++;
		}
		conv = *fmt;
		if (!conv)
			break;
		fmt++;
		while (mods < fmt && n < sizeof(spec) - 1)
			spec[n++] = *mods++;
		spec[n] = '\0';
		switch (conv) {
		case '%':
			msg_add(m, "%%");
			break;
		case 'd': case 'i': case 'u': case 'x': case 'X': case 'o': case 'c':
			if (size_t_mod)
				msg_add(m, spec, va_arg(ap, size_t));
			else if (longs >= 2)
				msg_add(m, spec, va_arg(ap, long long));
			else if (longs)
				msg_add(m, spec, va_arg(ap, long));
			else
				msg_add(m, spec, va_arg(ap, int));
			break;
		case 'f': case 'e': case 'g': case 'E': case 'G': case 'a': case 'A':
			msg_add(m, spec, va_arg(ap, double));
			break;
		case 's':
			msg_add(m, spec, va_arg(ap, const char *));
			break;
		case 'p':
			if (*fmt == 'V') {
				struct va_format *vaf = va_arg(ap, struct va_format *);
				va_list inner;

				va_copy(inner, *vaf->va);
				msg_vadd(m, vaf->fmt, inner);
				va_end(inner);
				fmt++;
			} else if (*fmt == 'e') {
				msg_add_errptr(m, va_arg(ap, void *));
				fmt++;
			} else {
				msg_add(m, "%p", va_arg(ap, void *));
				while (isalnum((unsigned char)*fmt))
					fmt++;
			}
			break;
		default:	/* unknown: printed as written */
			msg_add(m, "%s", spec);
			break;
		}
	}
}

void (*nbbs_user_log)(int level, const char *msg);

void nbbs_user_printk(const char *fmt, ...)
{
	int level = 4;	/* the kernel's default message level */
	char buf[1024];
	struct msgbuf m = { buf, sizeof(buf), 0 };
	va_list ap;

	while (fmt[0] == KERN_SOH[0] && fmt[1]) {
		if (fmt[1] >= '0' && fmt[1] <= '7')
			level = fmt[1] - '0';
		fmt += 2;
	}
	if (level > nbbs_user_console_loglevel && !nbbs_user_log)
		return;
	buf[0] = '\0';
	va_start(ap, fmt);
	msg_vadd(&m, fmt, ap);
	va_end(ap);
	if (nbbs_user_log)
		nbbs_user_log(level, buf);
	if (level <= nbbs_user_console_loglevel)
		fputs(buf, stderr);
}

void nbbs_user_warn(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	char buf[1024];
	struct msgbuf m = { buf, sizeof(buf), 0 };

	__atomic_fetch_add(&warnings, 1, __ATOMIC_RELAXED);
	buf[0] = '\0';
	va_start(ap, fmt);
	msg_vadd(&m, fmt, ap);
	va_end(ap);
	fprintf(stderr, "WARNING: CPU: %d PID: %d at %s:%d\n%s",
		nbbs_user_this_cpu(), (int)getpid(), file, line, buf);
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

int remove_cpu(unsigned int cpu)
{
	if (!cpu_online(cpu))
		return -EINVAL;
	if (num_online_cpus() == 1)
		return -EBUSY;
	clear_bit(cpu, nbbs_user_cpu_online_mask.bits);
	nbbs_user_cpu_dead(cpu);
	return 0;
}

int add_cpu(unsigned int cpu)
{
	if (!cpu_possible(cpu))
		return -EINVAL;
	set_bit(cpu, nbbs_user_cpu_online_mask.bits);
	return 0;
}

/* ---- module parameters ---- */

static struct nbbs_user_param *params;

void nbbs_user_param_add(struct nbbs_user_param *param)
{
	param->next = params;
	params = param;
}

int nbbs_user_param_set(const char *name, const char *val)
{
	struct nbbs_user_param *p;

	for (p = params; p; p = p->next)
		if (!strcmp(p->name, name))
			return p->set(val, p->arg);
	return -ENOENT;
}

/* A whole number in C syntax within [min, max]. */
static int param_number(const char *val, long long min, unsigned long long max,
			unsigned long long *res)
{
	char *end;

	errno = 0;
	if (min < 0) {
		long long v = strtoll(val, &end, 0);

		if (v < min || (v > 0 && (unsigned long long)v > max))
			return -EINVAL;
		*res = (unsigned long long)v;
	} else {
		if (strchr(val, '-'))
			return -EINVAL;
		*res = strtoull(val, &end, 0);
		if (*res > max)
			return -EINVAL;
	}
	return errno || end == val || *end ? -EINVAL : 0;
}

int nbbs_user_param_set_uint(const char *val, void *arg)
{
	unsigned long long v;
	int ret = param_number(val, 0, UINT_MAX, &v);

	if (!ret)
		*(unsigned int *)arg = v;
	return ret;
}

int nbbs_user_param_set_ulong(const char *val, void *arg)
{
	unsigned long long v;
	int ret = param_number(val, 0, ULONG_MAX, &v);

	if (!ret)
		*(unsigned long *)arg = v;
	return ret;
}

int nbbs_user_param_set_int(const char *val, void *arg)
{
	unsigned long long v;
	int ret = param_number(val, INT_MIN, INT_MAX, &v);

	if (!ret)
		*(int *)arg = (int)(long long)v;
	return ret;
}

int nbbs_user_param_set_bool(const char *val, void *arg)
{
	if (!strcmp(val, "1") || !strcmp(val, "y") || !strcmp(val, "Y"))
		*(bool *)arg = true;
	else if (!strcmp(val, "0") || !strcmp(val, "n") || !strcmp(val, "N"))
		*(bool *)arg = false;
	else
		return -EINVAL;
	return 0;
}

int nbbs_user_param_set_charp(const char *val, void *arg)
{
	*(const char **)arg = val;
	return 0;
}
