// SPDX-License-Identifier: GPL-2.0
/*
 * nbbs - the stress tester: one harness that runs the same workload on nbbs
 * and on what a kernel developer would use instead, checks every block it
 * is given while it measures, and reports one line per run.
 *
 * It is a module of its own, nbbs_stress.ko, that uses only what nbbs.ko
 * exports (nbbs_core.h), as lib/test_objpool.c stands beside lib/objpool.c:
 *
 *   insmod nbbs.ko && insmod nbbs_stress.ko      (or: modprobe nbbs_stress)
 *
 * Its files are in nbbs.ko's debugfs directory, which it looks up.  The
 * workloads and the overlap checker are shared with the userspace
 * benchmark and stress test (nbbs_workload.c).
 *
 * Use: write one line of key=value words to /sys/kernel/debug/nbbs/stress/run
 * in one write that ends with its newline (the write returns when the run
 * is done), then read stress/result.  A write without the newline, with
 * more than one line or of STRESS_LINE_MAX (512) bytes or more is refused
 * with -EINVAL, so a line split over two writes never runs as two runs:
 *
 *   echo "backend=nbbs workload=rand threads=4 order=3 ms=1000" \
 *       >/sys/kernel/debug/nbbs/stress/run
 *   tail -n 1 /sys/kernel/debug/nbbs/stress/result
 *
 * The module parameter run="<line>" starts one run when nbbs_stress loads;
 * its result lands in the same file, and a line that does not parse fails
 * the load with -EINVAL.  Reading stress/run lists the keys.
 *
 * Numbers are decimal; arena= and min_block= take a K, M or G suffix
 * (nbbs_parse_bytes()).  arena= is at most half of the RAM, irq_us= at least
 * STRESS_MIN_IRQ_US (100).  With verify=1 or touch=lines, which write every
 * cache line of a block, the blocks of the interrupt handlers are at most
 * STRESS_MAX_IRQ_VERIFY (64 KiB): with irq=1 the hrtimer's (min_block <<
 * order), with nmi=1 the NMI handlers' (min_block << min(2, max_order)).
 *
 * Backends:
 *   nbbs      a private nbbs pool over a vmalloc'd arena of arena= bytes,
 *             blocks of min_block= << 0..max_order=, in the core's default
 *             layout; nbbs-tree and nbbs-packed choose the layout, and
 *             nbbs-hot, nbbs-tree-hot and nbbs-packed-hot add per-CPU hot
 *             blocks (NBBS_POOL_HOT)
 *   spinlock  the same pool with every nbbs_alloc() and nbbs_free() under
 *             one spinlock: the "-sl" baseline of the NBBS papers; also
 *             spinlock-tree and spinlock-packed
 *   pages     alloc_pages() and __free_pages() (orders up to the page
 *             allocator's largest; GFP_KERNEL | __GFP_NORETRY in threads,
 *             GFP_ATOMIC in the interrupt).  It has no arena: each thread
 *             may hold at most arena / threads bytes, the share the other
 *             backends divide, and an allocation beyond that share fails
 *             (and counts as a failure) without calling the page allocator.
 *   genpool   lib/genalloc over an arena like nbbs's, allocating naturally
 *             aligned power-of-two sizes (gen_pool_first_fit_order_align)
 *   default   nbbs.ko's own pool (nbbs_default_pool()), over the arena its
 *             backing= reserved: the run takes the pool's size, smallest
 *             block and largest order, and refuses arena=, min_block= and
 *             max_order= that differ from the defaults.  Blocks live in the
 *             pool before the run (another client's) are not counted as
 *             leaked: leaked= is exact while no other client allocates.
 *
 * Workloads, per thread, sizes as orders:
 *   cached  allocate one block and free it, repeatedly
 *   ls      bursts of objs= allocations (default 16), then their frees in
 *           the same order (linux-scalability)
 *   tt      rounds of objs= allocations (default 128), then their frees in
 *           reverse order (threadtest)
 *   co      constant occupancy: hold 31 blocks (16 of order, 8 of order + 1,
 *           4 of + 2, 2 of + 3, 1 of + 4, capped at max_order); repeatedly
 *           free a random one and allocate the same size again
 *   rand    objs= slots (default 32); pick one at random: free it when
 *           held, else allocate a random order 0..order
 *   bulk    like ls with objs= (default 128), allocation and release timed
 *           apart (bulk_alloc_ns, bulk_free_ns per operation)
 *   fill    before the threads start, allocate every smallest block of the
 *           arena and free a random (100 - occupancy=)% of them; then rand
 *           on what is left.  On pages, the same number of single pages is
 *           held, but the page allocator's own free memory is not filled:
 *           there the figure is rand beside held pages.
 * For ls, tt and bulk the default objs= shrinks so that all threads
 * together hold at most half the arena.  Every call counts as one
 * operation, failed allocations included.
 *
 * Correctness while measuring: blocks are touched as their users would
 * touch them.  Every live block carries a stamp (owner and sequence
 * number), written after the allocation and checked before release
 * (nbbs_touch_write(), nbbs_touch_ok()): by default (touch=ends) in its
 * first and last cache line, with touch=lines in every cache line, with
 * touch=none nowhere: the block is never read or written.  verify=1 fills
 * and checks the whole block instead, whatever touch= says.  A stamp found
 * changed counts in stamp_errors.  An ownership bitmap with one bit per
 * smallest block (per page frame for pages) is claimed on allocation with
 * one atomic fetch-or per word the block covers and cleared before release:
 * a bit already set, or already clear, is an overlap, caught exactly.  A
 * block outside the arena or not aligned to its size is misplaced.  irq=1
 * adds an hrtimer that allocates and frees from hard-interrupt context
 * every irq_us= microseconds.  nmi=1 (x86, nbbs backends only) adds an
 * NMI handler: every nmi_us= microseconds (default 500, at least 100) an
 * hrtimer sends an NMI through the local APIC to every online CPU, whose
 * handler replaces one block of a small per-CPU ring under the same checks.
 *
 * Control: one kthread per worker, bound round-robin to the online CPUs,
 * released together by a sleeping start barrier; the run stops after ms=
 * milliseconds or when each thread has done its share of ops=.  Unloading
 * nbbs_stress stops a run started by the module parameter, fill's setup included
 * (the run then ends with -EINTR and no result line).  One run at a time:
 * a write while one runs fails with -EBUSY.
 *
 * Result line fields: the run's parameters, then
 *   ops        operations (allocation and release calls) of all threads
 *   ns_per_op  thread time per operation: sum of each thread's run time
 *              divided by ops
 *   mops       million operations per second of wall time, all threads
 *   p50_ns, p99_ns  latency of one operation, from a sample of 1 in 8,
 *              in buckets of a quarter power of two (bucket middle)
 *   fails      allocations that returned nothing
 *   overlaps, stamp_errors, misplaced  must be 0
 *   leaked     blocks still live in the pool after the run; must be 0
 *   irq_ops    operations done by the hrtimer (irq=1)
 *   nmi_ops, nmi_cpus, nmi_sent  with nmi=1: operations done by the NMI
 *              handlers, the CPUs where a handler did any, the NMIs sent
 *   cas_conflicts, rollbacks  the pool's counters (struct nbbs_stats) over
 *              the run, fill's setup included; nbbs and spinlock backends
 *              only.  Under fault injection (make NBBS_FAULT_INJECT=y) they
 *              show that the injected CAS failures took effect.
 */
/*
 * The messages keep the prefix they had when the stress tester was part of
 * nbbs.ko: scripts and users grep the kernel log for "nbbs: stress: ".
 */
#define pr_fmt(fmt) "nbbs: stress: " fmt

#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/dcache.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/genalloc.h>
#include <linux/gfp.h>
#include <linux/hrtimer.h>
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/log2.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/sched.h>
#include <linux/sched/clock.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <linux/wait.h>

#ifdef CONFIG_X86_LOCAL_APIC
#include <asm/apic.h>
#include <asm/nmi.h>
#endif

#include "nbbs_compat.h"
#include "nbbs_core.h"
#include "nbbs_workload.h"

#define STRESS_MAX_THREADS	1024
#define STRESS_MAX_MS		600000
#define STRESS_LINE_MAX		512
#define STRESS_MIN_IRQ_US	100
#define STRESS_MAX_IRQ_VERIFY	SZ_64K
#define STRESS_RESULTS		64
/* Room for every backend's name in one line (run, and a bad backend=). */
#define STRESS_NAMES_MAX	256
#define STRESS_IRQ_SLOTS	8
/* Floor of nmi_us=: each NMI stops every CPU, and costs more under TCG. */
#define STRESS_NMI_US_MIN	100
/* One operation in 2^STRESS_SAMPLE_SHIFT has its latency measured. */
#define STRESS_SAMPLE_SHIFT	3
/* Latency histogram: 4 buckets per power of two of nanoseconds. */
#define STRESS_HIST_SUB_BITS	2
#define STRESS_HIST_BUCKETS	(64 << STRESS_HIST_SUB_BITS)

/* What a backend is made of. */
enum stress_kind {
	SB_NBBS,
	SB_SPINLOCK,
	SB_PAGES,
	SB_GENPOOL,
};

/**
 * struct stress_backend - a backend= value
 * @name: its spelling
 * @kind: what allocates
 * @flags: the layout of the nbbs tree, as nbbs_pool_create_flags() takes it
 *         (0: the core's default)
 * @shared: nbbs.ko's default pool, not a pool of the run's own
 */
struct stress_backend {
	const char *name;
	enum stress_kind kind;
	unsigned int flags;
	bool shared;
};

static const struct stress_backend stress_backends[] = {
	{ "nbbs",		SB_NBBS,	0 },
	{ "spinlock",		SB_SPINLOCK,	0 },
	{ "pages",		SB_PAGES,	0 },
	{ "genpool",		SB_GENPOOL,	0 },
	{ "nbbs-tree",		SB_NBBS,	NBBS_POOL_TREE },
	{ "nbbs-packed",	SB_NBBS,	NBBS_POOL_PACKED },
	{ "spinlock-tree",	SB_SPINLOCK,	NBBS_POOL_TREE },
	{ "spinlock-packed",	SB_SPINLOCK,	NBBS_POOL_PACKED },
	{ "nbbs-hot",		SB_NBBS,	NBBS_POOL_HOT },
	{ "nbbs-tree-hot",	SB_NBBS,	NBBS_POOL_TREE | NBBS_POOL_HOT },
	{ "nbbs-packed-hot",	SB_NBBS,	NBBS_POOL_PACKED | NBBS_POOL_HOT },
	{ "default",		SB_NBBS,	0,	true },
};

/**
 * struct stress_cfg - one experiment, as parsed from a run line
 * @backend: enum stress_backend
 * @workload: enum nbbs_workload
 * @threads: worker kthreads
 * @order: block order (largest order drawn for rand and fill)
 * @max_order: largest order of the private pool
 * @occupancy: percent of the arena held before a fill run
 * @objs: blocks a thread holds (ls, tt, bulk, rand, fill); 0: default
 * @irq_us: hrtimer period with @irq
 * @nmi_us: period of the NMIs with @nmi
 * @arena: bytes in the arena (nbbs, spinlock, genpool; pages' budget)
 * @min_block: bytes in the smallest block
 * @ms: stop after this many milliseconds (0: no limit)
 * @ops: stop when the threads did this many operations (0: no limit)
 * @seed: seed of the threads' random numbers
 * @touch: enum nbbs_touch: the cache lines of a block that get the stamp
 * @verify: fill and check whole blocks (whatever @touch says)
 * @irq: allocate and free from an hrtimer too
 * @nmi: allocate and free from an NMI handler on every CPU too
 */
struct stress_cfg {
	unsigned int backend;
	unsigned int workload;
	unsigned int threads;
	unsigned int order;
	unsigned int max_order;
	unsigned int occupancy;
	unsigned int objs;
	unsigned int irq_us;
	unsigned int nmi_us;
	unsigned long long arena;
	unsigned long long min_block;
	unsigned long long ms;
	unsigned long long ops;
	unsigned long long seed;
	enum nbbs_touch touch;
	bool verify;
	bool irq;
	bool nmi;
};

/**
 * struct stress_slot - one block a worker holds
 * @addr: first byte, NULL when the slot is empty
 * @stamp: what identifies this owner and this block: the seed of the
 *         stamps that touch= writes (with verify, of the pattern)
 * @order: the block's order
 * @claimed: the block's bits in the ownership bitmap are ours
 */
struct stress_slot {
	void *addr;
	u64 stamp;
	unsigned int order;
	bool claimed;
};

struct stress_run;

/**
 * struct stress_worker - one thread of a run (or the hrtimer, the fill, or
 *                        one CPU's NMI handler)
 * @run: the run
 * @task: the kthread; NULL for the others
 * @id: 0 .. threads - 1; threads for the hrtimer, threads + 1 for the fill,
 *      threads + 2 + cpu for that CPU's NMI handler
 * @rng: xorshift64 state
 * @seq: sequence number of the next stamp
 * @slots: the blocks held
 * @nr_slots: entries in @slots
 * @live_bytes: bytes held (the pages backend's budget)
 * @budget: bytes the pages backend may hold; 0: no budget
 * @counting: operations count towards the result
 * @ops: operations counted
 * @fails: failed allocations counted
 * @t_start: ktime_get_ns() when the worker left the start barrier
 * @t_end: ktime_get_ns() when it stopped
 * @bulk_ns: time in allocation and in release phases (bulk)
 * @bulk_ops: operations in allocation and in release phases (bulk)
 * @hist: latency histogram of sampled operations
 *
 * Each worker writes only its own structure while it runs; the runner
 * reads it after the worker has finished.
 */
struct stress_worker {
	struct stress_run *run;
	struct task_struct *task;
	unsigned int id;
	u64 rng;
	u64 seq;
	struct stress_slot *slots;
	unsigned int nr_slots;
	unsigned long live_bytes;
	unsigned long budget;
	bool counting;
	u64 ops;
	u64 fails;
	u64 t_start;
	u64 t_end;
	u64 bulk_ns[2];
	u64 bulk_ops[2];
	u32 hist[STRESS_HIST_BUCKETS];
} ____cacheline_aligned_in_smp;

/**
 * struct stress_run - the state of the run in progress
 * @cfg: its parameters
 * @kind: what allocates (stress_backends[@cfg.backend].kind)
 * @min_shift: log2(min_block)
 * @alloc_max: largest order this backend is asked for
 * @quota: operations per thread with ops=; 0: none
 * @base: the arena (nbbs, spinlock, genpool, default)
 * @size: bytes in the arena
 * @pool: the private nbbs pool (nbbs, spinlock), or nbbs.ko's (default)
 * @shared: @pool is nbbs.ko's: the run neither builds nor destroys it
 * @live_before: with @shared, blocks live in @pool before the run
 * @lock: the spinlock of the spinlock backend
 * @gp: the genalloc pool (genpool)
 * @own: the ownership bitmap, one bit per smallest block or page frame
 * @workers: @cfg.threads workers, then the hrtimer's, the fill's, and with
 *           nmi=1 one per possible CPU for its NMI handler
 * @nr_workers: entries in @workers
 * @ready: the last worker reached the start barrier
 * @go: the start barrier
 * @nr_waiting: workers not yet at the barrier
 * @nr_running: workers not yet finished
 * @stop: the threads should stop
 * @timer: the hrtimer of irq=1
 * @period: its period
 * @nmi_timer: the hrtimer that sends the NMIs of nmi=1
 * @nmi_period: its period
 * @nmi_mask: the CPUs it sends to this time
 * @nmi_sent: NMIs it sent
 * @nmi_running: NMI handlers of this run in progress
 * @overlaps: ownership bits found set on claim or clear on release
 * @stamp_errors: stamps or verify patterns found changed on release
 * @misplaced: blocks outside the arena or misaligned
 */
struct stress_run {
	struct stress_cfg cfg;
	enum stress_kind kind;
	unsigned int min_shift;
	unsigned int alloc_max;
	u64 quota;
	void *base;
	size_t size;
	struct nbbs_pool *pool;
	bool shared;
	unsigned long live_before;
	spinlock_t lock;	/* serialises the spinlock backend's calls */
	struct gen_pool *gp;
	struct nbbs_owner own;
	struct stress_worker *workers;
	unsigned int nr_workers;
	struct completion ready;
	struct completion go;
	atomic_t nr_waiting;
	atomic_t nr_running;
	bool stop;
	struct hrtimer timer;
	ktime_t period;
	struct hrtimer nmi_timer;
	ktime_t nmi_period;
	cpumask_var_t nmi_mask;
	u64 nmi_sent;
	atomic_t nmi_running;
	atomic_long_t overlaps;
	atomic_long_t stamp_errors;
	atomic_long_t misplaced;
};

/* The shape of a run's private pool when the line does not say. */
#define STRESS_DEFAULT_ARENA		SZ_64M
#define STRESS_DEFAULT_MAX_ORDER	10

/* --- state shared by runs --- */

/* The runner: one run at a time. */
static atomic_t stress_busy = ATOMIC_INIT(0);
/* Set at unload: every run stops at once. */
static bool stress_exiting;
/* The runner sleeps here until its workers finish or it must stop early. */
static DECLARE_WAIT_QUEUE_HEAD(stress_wq);

static DEFINE_MUTEX(stress_results_lock);
static char stress_results[STRESS_RESULTS][STRESS_LINE_MAX];
static unsigned int stress_results_next;
static unsigned int stress_results_count;

static struct dentry *stress_dir;

/* The parent of stress_dir, nbbs.ko's: a reference taken at load. */
static struct dentry *stress_parent;

static char stress_param[STRESS_LINE_MAX];
module_param_string(run, stress_param, sizeof(stress_param), 0444);
MODULE_PARM_DESC(run,
		 "A run line (as written to debugfs nbbs/stress/run) to run once at load; one that does not parse fails the load");
/* The run= line, parsed by stress_check_param(). */
static struct stress_cfg stress_param_cfg;

static void stress_param_fn(struct work_struct *work);
static DECLARE_WORK(stress_param_work, stress_param_fn);

/* One past the highest page frame of any online node. */
static unsigned long stress_end_pfn(void)
{
	unsigned long end = 0;
	int nid;

	for_each_online_node(nid)
		end = max(end, pgdat_end_pfn(NODE_DATA(nid)));
	return end;
}

/* --- backends --- */

static void *stress_backend_alloc(struct stress_run *r, unsigned int order, bool atomic)
{
	unsigned long flags, addr;
	struct page *page;
	void *p;

	switch (r->kind) {
	case SB_NBBS:
		return nbbs_alloc(r->pool, order);
	case SB_SPINLOCK:
		/* Interrupts off only when the hrtimer takes the lock too. */
		if (r->cfg.irq) {
			spin_lock_irqsave(&r->lock, flags);
			p = nbbs_alloc(r->pool, order);
			spin_unlock_irqrestore(&r->lock, flags);
		} else {
			spin_lock(&r->lock);
			p = nbbs_alloc(r->pool, order);
			spin_unlock(&r->lock);
		}
		return p;
	case SB_PAGES:
		page = alloc_pages(atomic ? GFP_ATOMIC | __GFP_NOWARN :
				   GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN, order);
		return page ? page_address(page) : NULL;
	case SB_GENPOOL:
		addr = gen_pool_alloc(r->gp, 1UL << (r->min_shift + order));
		return (void *)addr;
	}
	return NULL;
}

static void stress_backend_free(struct stress_run *r, void *addr, unsigned int order)
{
	unsigned long flags;
	int ret = 0;

	switch (r->kind) {
	case SB_NBBS:
		ret = nbbs_free(r->pool, addr);
		break;
	case SB_SPINLOCK:
		if (r->cfg.irq) {
			spin_lock_irqsave(&r->lock, flags);
			ret = nbbs_free(r->pool, addr);
			spin_unlock_irqrestore(&r->lock, flags);
		} else {
			spin_lock(&r->lock);
			ret = nbbs_free(r->pool, addr);
			spin_unlock(&r->lock);
		}
		break;
	case SB_PAGES:
		__free_pages(virt_to_page(addr), order);
		break;
	case SB_GENPOOL:
		gen_pool_free(r->gp, (unsigned long)addr, 1UL << (r->min_shift + order));
		break;
	}
	/* nbbs refused the pointer (and warned): a block we were never given. */
	if (ret)
		atomic_long_inc(&r->overlaps);
}

/* Build the backend's pool and the ownership bitmap. */
static int stress_backend_setup(struct stress_run *r)
{
	struct stress_cfg *c = &r->cfg;
	struct nbbs_info info;
	int ret;

	if (r->shared) {
		/* stress_check() gave the run the pool's shape. */
		r->pool = nbbs_default_pool();
		nbbs_pool_info(r->pool, &info);
		r->base = info.base;
		r->size = info.size;
		r->live_before = nbbs_pool_live_blocks(r->pool);
		r->own.nr_bits = r->size >> r->min_shift;
		r->own.base = r->base;
		r->own.shift = r->min_shift;
	} else if (r->kind == SB_PAGES) {
		/* Bit n stands for page frame n. */
		r->own.nr_bits = stress_end_pfn();
	} else {
		r->size = c->arena;
		r->base = __vmalloc(r->size, GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN);
		if (!r->base) {
			pr_err("cannot vmalloc an arena of %zu bytes\n", r->size);
			return -ENOMEM;
		}
		r->own.nr_bits = r->size >> r->min_shift;
		r->own.base = r->base;
		r->own.shift = r->min_shift;
	}

	r->own.map = kvzalloc(nbbs_owner_map_bytes(r->own.nr_bits), GFP_KERNEL);
	if (!r->own.map)
		return -ENOMEM;

	if (r->shared)
		return 0;
	switch (r->kind) {
	case SB_NBBS:
	case SB_SPINLOCK:
		spin_lock_init(&r->lock);
		r->pool = nbbs_pool_create_flags(r->base, r->size, r->min_shift,
						 c->max_order, GFP_KERNEL,
						 stress_backends[c->backend].flags);
		if (IS_ERR(r->pool)) {
			ret = PTR_ERR(r->pool);
			r->pool = NULL;
			pr_err("cannot build a pool of %zu bytes: %d\n", r->size, ret);
			return ret;
		}
		break;
	case SB_GENPOOL:
		r->gp = gen_pool_create(r->min_shift, NUMA_NO_NODE);
		if (!r->gp)
			return -ENOMEM;
		gen_pool_set_algo(r->gp, gen_pool_first_fit_order_align, NULL);
		ret = gen_pool_add(r->gp, (unsigned long)r->base, r->size, NUMA_NO_NODE);
		if (ret)
			return ret;
		break;
	case SB_PAGES:
		break;
	}
	return 0;
}

/* Blocks still live in the backend once every worker has released. */
static unsigned long stress_backend_leaked(struct stress_run *r)
{
	unsigned long live;

	if (r->shared) {
		live = nbbs_pool_live_blocks(r->pool);
		return live > r->live_before ? live - r->live_before : 0;
	}
	if (r->pool)
		return nbbs_pool_live_blocks(r->pool);
	if (r->gp)
		return (r->size - gen_pool_avail(r->gp)) >> r->min_shift;
	return 0;
}

static void stress_backend_teardown(struct stress_run *r)
{
	if (r->shared) {
		kvfree(r->own.map);
		return;
	}
	if (r->pool)
		nbbs_pool_destroy(r->pool);
	/* gen_pool_destroy() BUG()s on a live block: leak the pool instead. */
	if (r->gp && gen_pool_avail(r->gp) == r->size)
		gen_pool_destroy(r->gp);
	kvfree(r->own.map);
	vfree(r->base);
}

/* --- checks on every block --- */

/*
 * The block's first bit in the ownership bitmap, or -1 when it is outside
 * the arena (or the memory map) or not aligned to its size.
 */
static long stress_block_index(struct stress_run *r, void *addr, unsigned int order)
{
	unsigned long pfn;

	if (r->kind != SB_PAGES)
		return nbbs_owner_index(&r->own, addr, order);
	pfn = page_to_pfn(virt_to_page(addr));
	return nbbs_owner_fits(&r->own, pfn, order) ? pfn : -1;
}

static u64 stress_pattern(u64 stamp, unsigned long i)
{
	return stamp + i * 0x9e3779b97f4a7c15ULL;
}

/*
 * Write the block's stamp as touch= says, or verify's pattern.  The
 * sequence number advances even with touch=none: the rings of the
 * interrupt handlers pick their next slot by it.
 */
static void stress_stamp(struct stress_worker *w, struct stress_slot *s)
{
	unsigned long i, bytes = 1UL << (w->run->min_shift + s->order);
	u64 *p = s->addr;

	s->stamp = ((u64)(w->id + 1) << 48) | (w->seq++ & (BIT_ULL(48) - 1));
	if (!w->run->cfg.verify) {
		nbbs_touch_write(p, bytes, w->run->cfg.touch, s->stamp);
		return;
	}
	for (i = 0; i < bytes / sizeof(u64); i++)
		p[i] = stress_pattern(s->stamp, i);
}

static bool stress_stamp_ok(struct stress_worker *w, struct stress_slot *s)
{
	unsigned long i, bytes = 1UL << (w->run->min_shift + s->order);
	u64 *p = s->addr;

	if (!w->run->cfg.verify)
		return nbbs_touch_ok(p, bytes, w->run->cfg.touch, s->stamp);
	for (i = 0; i < bytes / sizeof(u64); i++)
		if (p[i] != stress_pattern(s->stamp, i))
			return false;
	return true;
}

/* --- one operation --- */

static unsigned int stress_hist_bucket(u64 ns)
{
	unsigned int lg;

	if (ns < (1U << STRESS_HIST_SUB_BITS))
		return ns;
	lg = ilog2(ns);
	return (lg << STRESS_HIST_SUB_BITS) |
	       ((ns >> (lg - STRESS_HIST_SUB_BITS)) & ((1U << STRESS_HIST_SUB_BITS) - 1));
}

/* The middle of a histogram bucket, in ns. */
static u64 stress_hist_value(unsigned int b)
{
	unsigned int lg = b >> STRESS_HIST_SUB_BITS, sub = b & ((1U << STRESS_HIST_SUB_BITS) - 1);
	u64 width;

	if (lg < STRESS_HIST_SUB_BITS)
		return b;
	width = 1ULL << (lg - STRESS_HIST_SUB_BITS);
	return (((1ULL << STRESS_HIST_SUB_BITS) + sub) << (lg - STRESS_HIST_SUB_BITS)) + width / 2;
}

static bool stress_sampled(struct stress_worker *w)
{
	return !(w->ops & ((1U << STRESS_SAMPLE_SHIFT) - 1));
}

static void stress_count(struct stress_worker *w, bool sampled, u64 t0)
{
	if (!w->counting)
		return;
	if (sampled)
		w->hist[stress_hist_bucket(local_clock() - t0)]++;
	w->ops++;
}

/* Allocate a block of @order into the empty slot @s; false if none. */
static bool stress_alloc(struct stress_worker *w, struct stress_slot *s, unsigned int order)
{
	struct stress_run *r = w->run;
	unsigned long bytes = 1UL << (r->min_shift + order);
	bool sampled = stress_sampled(w);
	u64 t0 = sampled ? local_clock() : 0;
	void *addr = NULL;
	long idx;

	if (!w->budget || w->live_bytes + bytes <= w->budget)
		addr = stress_backend_alloc(r, order, !in_task());
	stress_count(w, sampled, t0);
	if (!addr) {
		if (w->counting)
			w->fails++;
		return false;
	}

	s->addr = addr;
	s->order = order;
	w->live_bytes += bytes;
	idx = stress_block_index(r, addr, order);
	if (idx < 0) {
		atomic_long_inc(&r->misplaced);
		s->claimed = false;
		return true;
	}
	if (nbbs_owner_claim(&r->own, idx, order))
		atomic_long_inc(&r->overlaps);
	s->claimed = true;
	stress_stamp(w, s);
	return true;
}

/* Check and release the block in @s, if any. */
static void stress_free(struct stress_worker *w, struct stress_slot *s)
{
	struct stress_run *r = w->run;
	bool sampled;
	u64 t0;

	if (!s->addr)
		return;
	if (s->claimed) {
		if (!stress_stamp_ok(w, s))
			atomic_long_inc(&r->stamp_errors);
		/* Cleared before the block goes back: its next owner claims it. */
		if (nbbs_owner_release(&r->own, stress_block_index(r, s->addr, s->order),
				       s->order))
			atomic_long_inc(&r->overlaps);
	}
	sampled = stress_sampled(w);
	t0 = sampled ? local_clock() : 0;
	stress_backend_free(r, s->addr, s->order);
	stress_count(w, sampled, t0);
	w->live_bytes -= 1UL << (r->min_shift + s->order);
	s->addr = NULL;
}

static void stress_free_all(struct stress_worker *w)
{
	unsigned int i;

	for (i = 0; i < w->nr_slots; i++)
		stress_free(w, &w->slots[i]);
}

/* xorshift64: cheap, per worker, reproducible from seed=. */
static u64 stress_random(struct stress_worker *w)
{
	u64 x = w->rng;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	w->rng = x;
	return x;
}

static unsigned int stress_below(struct stress_worker *w, unsigned int n)
{
	return (u32)stress_random(w) % n;
}

/* --- workloads --- */

static bool stress_should_stop(struct stress_worker *w)
{
	struct stress_run *r = w->run;

	return READ_ONCE(r->stop) || READ_ONCE(stress_exiting) ||
	       (r->quota && w->ops >= r->quota);
}

static void stress_cached(struct stress_worker *w)
{
	unsigned int order = w->run->cfg.order;

	while (!stress_should_stop(w)) {
		if (stress_alloc(w, &w->slots[0], order))
			stress_free(w, &w->slots[0]);
		cond_resched();
	}
}

/* ls, tt and bulk: allocate every slot, then free them all. */
static void stress_rounds(struct stress_worker *w)
{
	struct stress_run *r = w->run;
	unsigned int order = r->cfg.order, n = w->nr_slots, i;
	bool lifo = r->cfg.workload == NBBS_WL_TT;
	bool bulk = r->cfg.workload == NBBS_WL_BULK;
	u64 t, ops;

	while (!stress_should_stop(w)) {
		t = bulk ? ktime_get_ns() : 0;
		ops = w->ops;
		for (i = 0; i < n && !stress_should_stop(w); i++)
			stress_alloc(w, &w->slots[i], order);
		if (bulk) {
			w->bulk_ns[0] += ktime_get_ns() - t;
			w->bulk_ops[0] += w->ops - ops;
			t = ktime_get_ns();
			ops = w->ops;
		}
		for (i = 0; i < n; i++)
			stress_free(w, &w->slots[lifo ? n - 1 - i : i]);
		if (bulk) {
			w->bulk_ns[1] += ktime_get_ns() - t;
			w->bulk_ops[1] += w->ops - ops;
		}
		cond_resched();
	}
}

static void stress_co(struct stress_worker *w)
{
	struct stress_run *r = w->run;
	unsigned int i;

	for (i = 0; i < NBBS_CO_BLOCKS && !stress_should_stop(w); i++)
		stress_alloc(w, &w->slots[i], nbbs_co_order(i, r->cfg.order, r->alloc_max));
	while (!stress_should_stop(w)) {
		i = stress_below(w, NBBS_CO_BLOCKS);
		stress_free(w, &w->slots[i]);
		stress_alloc(w, &w->slots[i], nbbs_co_order(i, r->cfg.order, r->alloc_max));
		cond_resched();
	}
}

/* One step of rand: free a held slot, or fill an empty one. */
static void stress_rand_step(struct stress_worker *w)
{
	struct stress_slot *s = &w->slots[stress_below(w, w->nr_slots)];

	if (s->addr)
		stress_free(w, s);
	else
		stress_alloc(w, s, stress_below(w, w->run->cfg.order + 1));
}

static void stress_rand(struct stress_worker *w)
{
	while (!stress_should_stop(w)) {
		stress_rand_step(w);
		cond_resched();
	}
}

static void stress_workload(struct stress_worker *w)
{
	switch (w->run->cfg.workload) {
	case NBBS_WL_CACHED:
		stress_cached(w);
		break;
	case NBBS_WL_LS:
	case NBBS_WL_TT:
	case NBBS_WL_BULK:
		stress_rounds(w);
		break;
	case NBBS_WL_CO:
		stress_co(w);
		break;
	case NBBS_WL_RAND:
	case NBBS_WL_FILL:
		stress_rand(w);
		break;
	}
}

/* --- threads, hrtimer, fill --- */

static int stress_thread(void *data)
{
	struct stress_worker *w = data;
	struct stress_run *r = w->run;

	if (atomic_dec_and_test(&r->nr_waiting))
		complete(&r->ready);
	wait_for_completion(&r->go);

	w->counting = true;
	w->t_start = ktime_get_ns();
	stress_workload(w);
	w->t_end = ktime_get_ns();
	w->counting = false;
	stress_free_all(w);

	if (atomic_dec_and_test(&r->nr_running))
		wake_up_all(&stress_wq);

	/* Stay until kthread_stop(): the runner still reads this worker. */
	set_current_state(TASK_INTERRUPTIBLE);
	while (!kthread_should_stop()) {
		schedule();
		set_current_state(TASK_INTERRUPTIBLE);
	}
	__set_current_state(TASK_RUNNING);
	return 0;
}

/* Interrupt and NMI context: replace one block of the worker's small ring. */
static void stress_ring_step(struct stress_worker *w, unsigned int order)
{
	struct stress_slot *s = &w->slots[w->seq % STRESS_IRQ_SLOTS];

	stress_free(w, s);
	if (!stress_alloc(w, s, order))
		w->seq++;	/* move on to the next slot all the same */
}

/* Hard-interrupt context: the hrtimer of irq=1. */
static enum hrtimer_restart stress_timer_fn(struct hrtimer *timer)
{
	struct stress_run *r = container_of(timer, struct stress_run, timer);
	struct stress_worker *w = &r->workers[r->cfg.threads];
	unsigned int order = r->cfg.order;

	if (READ_ONCE(r->stop) || READ_ONCE(stress_exiting))
		return HRTIMER_NORESTART;
	if (r->cfg.workload == NBBS_WL_RAND || r->cfg.workload == NBBS_WL_FILL)
		order = stress_below(w, order + 1);
	stress_ring_step(w, order);
	hrtimer_forward_now(timer, r->period);
	return HRTIMER_RESTART;
}

/* --- NMIs (nmi=1, x86) --- */

#ifdef CONFIG_X86_LOCAL_APIC
/* 1 while an NMI the run sent to this CPU has not reached its handler. */
static DEFINE_PER_CPU(atomic_t, stress_nmi_pending);
/* The run whose handler is registered. */
static struct stress_run *stress_nmi_run;

static struct stress_worker *stress_nmi_worker(struct stress_run *r, unsigned int cpu)
{
	return &r->workers[r->cfg.threads + 2 + cpu];
}

/*
 * Every local NMI comes here.  Only one the run sent is claimed, so the
 * others still reach their own handlers (or the unknown-NMI report).  It
 * replaces one block of this CPU's ring with the workers' checks: the
 * ownership bitmap (atomics, no lock), the stamp (or verify's pattern) and
 * the placement.  NMIs do not nest, so the CPU's worker is ours alone.
 */
static int stress_nmi_fn(unsigned int type, struct pt_regs *regs)
{
	struct stress_run *r;
	struct stress_worker *w;

	/* Not ours unless the run sent one; taking it lets the next be sent. */
	if (!atomic_xchg(this_cpu_ptr(&stress_nmi_pending), 0))
		return NMI_DONE;
	r = READ_ONCE(stress_nmi_run);
	atomic_inc(&r->nmi_running);
	/* Counted before stop is read: pairs with smp_mb() in stress_nmi_stop(). */
	smp_mb__after_atomic();
	if (!READ_ONCE(r->stop)) {
		w = stress_nmi_worker(r, smp_processor_id());
		stress_ring_step(w, stress_below(w, min(2U, r->alloc_max) + 1));
	}
	/* The pool is no longer touched once the runner reads 0. */
	smp_mb__before_atomic();
	atomic_dec(&r->nmi_running);
	return NMI_HANDLED;
}

static void stress_send_nmis(const struct cpumask *mask)
{
#ifdef DECLARE_APIC_CALL
	__apic_send_IPI_mask(mask, NMI_VECTOR);	/* the static call of 6.6+ */
#else
	apic->send_IPI_mask(mask, NMI_VECTOR);
#endif
}

/*
 * Hard-interrupt context: send an NMI to every online CPU that has taken
 * the last one.  One in flight per CPU: two could merge into one NMI, and
 * the count would no longer say whether one is still coming.
 */
static enum hrtimer_restart stress_nmi_timer_fn(struct hrtimer *timer)
{
	struct stress_run *r = container_of(timer, struct stress_run, nmi_timer);
	int cpu;

	if (READ_ONCE(r->stop) || READ_ONCE(stress_exiting))
		return HRTIMER_NORESTART;
	cpumask_clear(r->nmi_mask);
	for_each_online_cpu(cpu)
		if (!atomic_cmpxchg(per_cpu_ptr(&stress_nmi_pending, cpu), 0, 1))
			__cpumask_set_cpu(cpu, r->nmi_mask);
	/*
	 * pending is set before the NMI lands: the locked cmpxchg orders it
	 * before the ICR's MMIO write, and the x2APIC path fences its WRMSR.
	 */
	if (!cpumask_empty(r->nmi_mask))
		stress_send_nmis(r->nmi_mask);
	/* Only this callback writes it; read after hrtimer_cancel(). */
	r->nmi_sent += cpumask_weight(r->nmi_mask);
	hrtimer_forward_now(timer, r->nmi_period);
	return HRTIMER_RESTART;
}

/* Register the handler; the NMIs start with stress_nmi_start(). */
static int stress_nmi_register(struct stress_run *r)
{
	unsigned int cpu;
	int ret;

	if (!zalloc_cpumask_var(&r->nmi_mask, GFP_KERNEL))
		return -ENOMEM;
	for_each_possible_cpu(cpu) {
		atomic_set(per_cpu_ptr(&stress_nmi_pending, cpu), 0);
		stress_nmi_worker(r, cpu)->counting = true;
	}
	atomic_set(&r->nmi_running, 0);
	r->nmi_period = ns_to_ktime((u64)r->cfg.nmi_us * NSEC_PER_USEC);
	hrtimer_init(&r->nmi_timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
	r->nmi_timer.function = stress_nmi_timer_fn;
	WRITE_ONCE(stress_nmi_run, r);
	ret = register_nmi_handler(NMI_LOCAL, stress_nmi_fn, 0, "nbbs_stress");
	if (ret) {
		pr_err("nmi=1: cannot register an NMI handler: %d\n", ret);
		WRITE_ONCE(stress_nmi_run, NULL);
		free_cpumask_var(r->nmi_mask);
	}
	return ret;
}

static void stress_nmi_start(struct stress_run *r)
{
	hrtimer_start(&r->nmi_timer, r->nmi_period, HRTIMER_MODE_REL_HARD);
}

/* Stop the NMIs, wait for their handlers, unregister, free their blocks. */
static void stress_nmi_stop(struct stress_run *r)
{
	unsigned long until = jiffies + HZ;
	unsigned int cpu;

	hrtimer_cancel(&r->nmi_timer);
	/*
	 * Every NMI sent reaches the handler (a second at most): one landing
	 * after unregister_nmi_handler() would be reported as unknown.
	 */
	for_each_online_cpu(cpu)
		while (atomic_read(per_cpu_ptr(&stress_nmi_pending, cpu)) &&
		       time_before(jiffies, until))
			usleep_range(50, 100);
	WRITE_ONCE(r->stop, true);
	/* Either a handler sees stop, or we see it running. */
	smp_mb();
	while (atomic_read(&r->nmi_running))
		cpu_relax();
	/* Its synchronize_rcu() waits for any handler still reading @r. */
	unregister_nmi_handler(NMI_LOCAL, "nbbs_stress");
	WRITE_ONCE(stress_nmi_run, NULL);
	free_cpumask_var(r->nmi_mask);
	for_each_possible_cpu(cpu) {
		stress_nmi_worker(r, cpu)->counting = false;
		stress_free_all(stress_nmi_worker(r, cpu));
	}
}
#else
static int stress_nmi_register(struct stress_run *r)
{
	return -EOPNOTSUPP;
}

static void stress_nmi_start(struct stress_run *r)
{
}

static void stress_nmi_stop(struct stress_run *r)
{
}
#endif

/*
 * fill: hold every smallest block, then give back a random share.  The
 * fill's worker keeps what stays held until the run ends.  Unloading nbbs_stress
 * or a signal to the writer stops it: -EINTR, the caller frees the blocks.
 */
static int stress_prefill(struct stress_run *r)
{
	struct stress_worker *w = &r->workers[r->cfg.threads + 1];
	unsigned int i, n = 0, keep;
	struct stress_slot tmp;

	for (i = 0; i < w->nr_slots; i++) {
		if (!(i & 1023)) {
			if (READ_ONCE(stress_exiting) || signal_pending(current)) {
				pr_info("workload=fill: stopped after %u of %u blocks: %s\n",
					n, w->nr_slots, READ_ONCE(stress_exiting) ?
					"nbbs_stress is unloading" : "signal");
				return -EINTR;
			}
			cond_resched();
		}
		if (!stress_alloc(w, &w->slots[n], 0))
			break;
		n++;
	}
	/* Fisher-Yates: a random @keep of the @n stay at the front. */
	keep = div_u64((u64)n * r->cfg.occupancy, 100);
	for (i = 0; i < keep; i++) {
		unsigned int j = i + stress_below(w, n - i);

		tmp = w->slots[i];
		w->slots[i] = w->slots[j];
		w->slots[j] = tmp;
	}
	for (i = keep; i < n; i++)
		stress_free(w, &w->slots[i]);
	return 0;
}

/* --- the runner --- */

static unsigned int stress_nr_slots(struct stress_run *r)
{
	struct stress_cfg *c = &r->cfg;
	unsigned long fit;

	if (c->workload == NBBS_WL_CACHED || c->workload == NBBS_WL_CO)
		return nbbs_workloads[c->workload].objs;
	if (c->objs)
		return c->objs;
	if (c->workload == NBBS_WL_RAND || c->workload == NBBS_WL_FILL)
		return nbbs_workloads[c->workload].objs;
	/* ls, tt, bulk: all threads hold at most half the arena. */
	fit = (c->arena >> (r->min_shift + c->order)) / (2 * c->threads);
	return clamp_t(unsigned long, fit, 1, nbbs_workloads[c->workload].objs);
}

static int stress_alloc_workers(struct stress_run *r)
{
	unsigned int i, nr = r->cfg.threads + 2 + (r->cfg.nmi ? nr_cpu_ids : 0);
	struct stress_worker *w;

	r->workers = kvcalloc(nr, sizeof(*r->workers), GFP_KERNEL);
	if (!r->workers)
		return -ENOMEM;
	r->nr_workers = nr;
	for (i = 0; i < nr; i++) {
		w = &r->workers[i];
		w->run = r;
		w->id = i;
		/* xorshift must not start at 0. */
		w->rng = (r->cfg.seed + 1) * 0x9e3779b97f4a7c15ULL + i * 0xbf58476d1ce4e5b9ULL;
		if (!w->rng)
			w->rng = 1;
		if (i < r->cfg.threads)
			w->nr_slots = stress_nr_slots(r);
		else if (i == r->cfg.threads)
			w->nr_slots = r->cfg.irq ? STRESS_IRQ_SLOTS : 0;
		else if (i == r->cfg.threads + 1)
			w->nr_slots = r->cfg.workload == NBBS_WL_FILL ?
				      r->cfg.arena >> r->min_shift : 0;
		else
			w->nr_slots = STRESS_IRQ_SLOTS;	/* an NMI handler's ring */
		if (!w->nr_slots)
			continue;
		w->slots = kvcalloc(w->nr_slots, sizeof(*w->slots), GFP_KERNEL);
		if (!w->slots)
			return -ENOMEM;
	}
	return 0;
}

static void stress_free_workers(struct stress_run *r)
{
	unsigned int i;

	if (!r->workers)
		return;
	for (i = 0; i < r->nr_workers; i++)
		kvfree(r->workers[i].slots);
	kvfree(r->workers);
}

/* Create one bound kthread per worker, start them together, wait. */
static int stress_threads_run(struct stress_run *r)
{
	unsigned int i, n = r->cfg.threads, created = 0;
	long timeout = MAX_SCHEDULE_TIMEOUT;
	struct task_struct *t;
	int cpu = -1, ret = 0;

	init_completion(&r->ready);
	init_completion(&r->go);
	atomic_set(&r->nr_waiting, n);
	atomic_set(&r->nr_running, n);
	if (r->cfg.nmi) {
		ret = stress_nmi_register(r);
		if (ret)
			return ret;
	}

	for (i = 0; i < n; i++) {
		cpu = cpumask_next(cpu, cpu_online_mask);
		if (cpu >= nr_cpu_ids)
			cpu = cpumask_first(cpu_online_mask);
		t = kthread_create(stress_thread, &r->workers[i], "nbbs_stress/%u", i);
		if (IS_ERR(t)) {
			ret = PTR_ERR(t);
			pr_err("cannot create worker %u: %d\n", i, ret);
			goto stop;
		}
		kthread_bind(t, cpu);
		r->workers[i].task = t;
		created++;
	}
	for (i = 0; i < n; i++)
		wake_up_process(r->workers[i].task);
	wait_for_completion(&r->ready);

	if (r->cfg.irq) {
		r->period = ns_to_ktime((u64)r->cfg.irq_us * NSEC_PER_USEC);
		hrtimer_init(&r->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
		r->timer.function = stress_timer_fn;
		r->workers[n].counting = true;
		hrtimer_start(&r->timer, r->period, HRTIMER_MODE_REL_HARD);
	}
	if (r->cfg.nmi)
		stress_nmi_start(r);
	complete_all(&r->go);

	if (r->cfg.ms)
		timeout = msecs_to_jiffies(r->cfg.ms);
	/* A signal to the writer ends the run early; the result still counts. */
	wait_event_interruptible_timeout(stress_wq, !atomic_read(&r->nr_running) ||
					 READ_ONCE(stress_exiting), timeout);
	WRITE_ONCE(r->stop, true);
	wait_event(stress_wq, !atomic_read(&r->nr_running));

	if (r->cfg.irq) {
		hrtimer_cancel(&r->timer);
		r->workers[n].counting = false;
		stress_free_all(&r->workers[n]);
	}
stop:
	for (i = 0; i < created; i++)
		kthread_stop(r->workers[i].task);
	if (r->cfg.nmi)
		stress_nmi_stop(r);
	return ret;
}

/* The latency at @permille of the merged histograms. */
static u64 stress_percentile(const u32 *hist, u64 total, unsigned int permille)
{
	u64 want = div_u64(total * permille + 999, 1000), seen = 0;
	unsigned int b;

	if (!total)
		return 0;
	for (b = 0; b < STRESS_HIST_BUCKETS; b++) {
		seen += hist[b];
		if (seen >= want)
			return stress_hist_value(b);
	}
	return stress_hist_value(STRESS_HIST_BUCKETS - 1);
}

static void stress_store(const char *line)
{
	mutex_lock(&stress_results_lock);
	strscpy(stress_results[stress_results_next], line, STRESS_LINE_MAX);
	stress_results_next = (stress_results_next + 1) % STRESS_RESULTS;
	if (stress_results_count < STRESS_RESULTS)
		stress_results_count++;
	mutex_unlock(&stress_results_lock);
}

/* Sum the workers up into one result line, store it and log it. */
static void stress_report(struct stress_run *r, unsigned long leaked)
{
	struct stress_cfg *c = &r->cfg;
	u64 ops = 0, fails = 0, ns = 0, samples = 0, first = U64_MAX, last = 0, wall;
	u64 bulk_ns[2] = { 0 }, bulk_ops[2] = { 0 }, tenths, kops;
	struct nbbs_stats *st;
	struct stress_worker *w;
	unsigned int i, b, k, nmi_cpus = 0;
	u64 nmi_ops = 0;
	char *line;
	u32 *hist;
	int len;

	line = kmalloc(STRESS_LINE_MAX, GFP_KERNEL);
	hist = kcalloc(STRESS_HIST_BUCKETS, sizeof(*hist), GFP_KERNEL);
	if (!line || !hist)
		goto out;

	for (i = 0; i < c->threads; i++) {
		w = &r->workers[i];
		ops += w->ops;
		fails += w->fails;
		ns += w->t_end - w->t_start;
		first = min(first, w->t_start);
		last = max(last, w->t_end);
		for (k = 0; k < 2; k++) {
			bulk_ns[k] += w->bulk_ns[k];
			bulk_ops[k] += w->bulk_ops[k];
		}
		for (b = 0; b < STRESS_HIST_BUCKETS; b++) {
			hist[b] += w->hist[b];
			samples += w->hist[b];
		}
	}
	wall = last > first ? last - first : 1;
	tenths = ops ? div64_u64(ns * 10, ops) : 0;
	kops = div64_u64(ops * 1000000, wall);	/* thousandths of Mops/s */

	len = scnprintf(line, STRESS_LINE_MAX,
			"backend=%s workload=%s threads=%u order=%u max_order=%u occupancy=%u ops=%llu ns_per_op=%llu.%llu mops=%llu.%03llu p50_ns=%llu p99_ns=%llu fails=%llu overlaps=%ld stamp_errors=%ld misplaced=%ld leaked=%lu",
			stress_backends[c->backend].name, nbbs_workloads[c->workload].name,
			c->threads, c->order, r->alloc_max, c->occupancy, ops,
			div_u64(tenths, 10), tenths % 10, div_u64(kops, 1000), kops % 1000,
			stress_percentile(hist, samples, 500),
			stress_percentile(hist, samples, 990), fails,
			atomic_long_read(&r->overlaps), atomic_long_read(&r->stamp_errors),
			atomic_long_read(&r->misplaced), leaked);
	len += scnprintf(line + len, STRESS_LINE_MAX - len,
			 " objs=%u ms=%llu wall_us=%llu verify=%d touch=%s irq_ops=%llu cpus=%u",
			 r->workers[0].nr_slots, c->ms, div_u64(wall, NSEC_PER_USEC),
			 c->verify, nbbs_touch_names[c->touch], r->workers[c->threads].ops,
			 num_online_cpus());
	for (i = c->threads + 2; i < r->nr_workers; i++) {
		nmi_ops += r->workers[i].ops;
		nmi_cpus += r->workers[i].ops > 0;
	}
	if (c->nmi)
		len += scnprintf(line + len, STRESS_LINE_MAX - len,
				 " nmi_ops=%llu nmi_cpus=%u nmi_sent=%llu",
				 nmi_ops, nmi_cpus, r->nmi_sent);
	if (c->workload == NBBS_WL_BULK)
		len += scnprintf(line + len, STRESS_LINE_MAX - len,
				 " bulk_alloc_ns=%llu bulk_free_ns=%llu",
				 bulk_ops[0] ? div64_u64(bulk_ns[0], bulk_ops[0]) : 0,
				 bulk_ops[1] ? div64_u64(bulk_ns[1], bulk_ops[1]) : 0);
	if (r->pool) {
		st = kzalloc(sizeof(*st), GFP_KERNEL);
		if (st) {
			nbbs_pool_stats(r->pool, st);
			scnprintf(line + len, STRESS_LINE_MAX - len,
				  " cas_conflicts=%llu rollbacks=%llu",
				  st->cas_conflicts, st->rollbacks);
			kfree(st);
		}
	}
	stress_store(line);
	pr_info("%s\n", line);
out:
	kfree(hist);
	kfree(line);
}

/*
 * pages: each thread may hold the share of the arena the other backends
 * divide (what a fill left of it).
 */
static void stress_set_budgets(struct stress_run *r)
{
	struct stress_cfg *c = &r->cfg;
	unsigned long budget = c->arena;
	unsigned int i;

	if (c->workload == NBBS_WL_FILL)
		budget = div_u64((u64)budget * (100 - c->occupancy), 100);
	budget = max(budget / c->threads, 1UL);
	for (i = 0; i < c->threads; i++)
		r->workers[i].budget = budget;
}

/* Run one experiment; the caller holds stress_busy. */
static int stress_execute(const struct stress_cfg *cfg)
{
	unsigned long leaked = 0;
	struct stress_run *r;
	int ret;

	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	r->cfg = *cfg;
	r->kind = stress_backends[cfg->backend].kind;
	r->shared = stress_backends[cfg->backend].shared;
	r->min_shift = r->kind == SB_PAGES ? PAGE_SHIFT : ilog2(cfg->min_block);
	r->alloc_max = r->kind == SB_PAGES ?
		       min(cfg->max_order, nbbs_max_page_order()) : cfg->max_order;
	r->quota = cfg->ops ? div_u64(cfg->ops + cfg->threads - 1, cfg->threads) : 0;
	atomic_long_set(&r->overlaps, 0);
	atomic_long_set(&r->stamp_errors, 0);
	atomic_long_set(&r->misplaced, 0);

	ret = stress_backend_setup(r);
	if (ret)
		goto out;
	ret = stress_alloc_workers(r);
	if (ret)
		goto out;
	if (cfg->workload == NBBS_WL_FILL)
		ret = stress_prefill(r);
	if (!ret) {
		if (r->kind == SB_PAGES)
			stress_set_budgets(r);
		ret = stress_threads_run(r);
	}
	stress_free_all(&r->workers[cfg->threads + 1]);
	if (ret)
		goto out;
	leaked = stress_backend_leaked(r);
	stress_report(r, leaked);
out:
	stress_free_workers(r);
	stress_backend_teardown(r);
	kfree(r);
	return ret;
}

/* --- parsing a run line --- */

static void stress_defaults(struct stress_cfg *c)
{
	memset(c, 0, sizeof(*c));
	c->backend = 0;		/* nbbs */
	c->workload = NBBS_WL_RAND;
	c->touch = NBBS_TOUCH_ENDS;
	c->threads = num_online_cpus();
	c->max_order = STRESS_DEFAULT_MAX_ORDER;
	c->arena = STRESS_DEFAULT_ARENA;
	c->min_block = PAGE_SIZE;
	c->irq_us = 1000;
	c->nmi_us = 500;
}

static int stress_parse_uint(const char *key, const char *val, unsigned long long max,
			     unsigned long long *out, bool bytes)
{
	unsigned long long v;
	int ret;

	if (bytes)
		ret = nbbs_parse_bytes(val, &v);
	else
		ret = kstrtoull(val, 10, &v);
	if (ret || v > max) {
		pr_err("%s=%s: must be a decimal number from 0 to %llu%s\n", key, val, max,
		       bytes ? " (K, M, G suffixes allowed)" : "");
		return -EINVAL;
	}
	*out = v;
	return 0;
}

/* The numeric keys of a run line. */
struct stress_key {
	const char *key;
	size_t off;
	unsigned long long max;
	bool is_ull;
	bool bytes;
};

#define STRESS_UINT(k, m)	{ #k, offsetof(struct stress_cfg, k), m, false, false }
#define STRESS_ULL(k, m, b)	{ #k, offsetof(struct stress_cfg, k), m, true, b }

static const struct stress_key stress_keys[] = {
	STRESS_UINT(threads, STRESS_MAX_THREADS),
	STRESS_UINT(order, NBBS_ORDER_LIMIT),
	STRESS_UINT(max_order, NBBS_ORDER_LIMIT),
	STRESS_UINT(occupancy, 100),
	STRESS_UINT(objs, 1U << 20),
	STRESS_UINT(irq_us, 1000000),
	STRESS_UINT(nmi_us, 1000000),
	STRESS_ULL(arena, 1ULL << 40, true),
	STRESS_ULL(min_block, 1ULL << 30, true),
	STRESS_ULL(ms, STRESS_MAX_MS, false),
	STRESS_ULL(ops, 1ULL << 40, false),
	STRESS_ULL(seed, U64_MAX, false),
};

static const char *stress_backend_name(unsigned int i)
{
	return stress_backends[i].name;
}

static const char *stress_workload_name(unsigned int i)
{
	return nbbs_workloads[i].name;
}

static const char *stress_touch_name(unsigned int i)
{
	return nbbs_touch_names[i];
}

/* "a, b, c" into @buf: the @nr names that @name gives, @sep between them. */
static void stress_names(char *buf, size_t size, const char *sep,
			 const char *(*name)(unsigned int i), unsigned int nr)
{
	size_t len = 0;
	unsigned int i;

	buf[0] = '\0';
	for (i = 0; i < nr; i++)
		len += scnprintf(buf + len, size - len, "%s%s", i ? sep : "", name(i));
}

static int stress_parse_word(struct stress_cfg *c, char *word)
{
	char names[STRESS_NAMES_MAX];
	char *key = strsep(&word, "=");
	unsigned long long v;
	unsigned int i;
	int ret;

	if (!word || !*word) {
		pr_err("'%s': expected key=value\n", key);
		return -EINVAL;
	}
	if (!strcmp(key, "backend")) {
		for (i = 0; i < ARRAY_SIZE(stress_backends); i++) {
			if (!strcmp(word, stress_backends[i].name)) {
				c->backend = i;
				return 0;
			}
		}
		stress_names(names, sizeof(names), ", ", stress_backend_name,
			     ARRAY_SIZE(stress_backends));
		pr_err("backend=%s: unknown; one of %s\n", word, names);
		return -EINVAL;
	}
	if (!strcmp(key, "workload")) {
		ret = nbbs_workload_parse(word);
		if (ret < 0) {
			stress_names(names, sizeof(names), ", ", stress_workload_name,
				     NBBS_NR_WORKLOADS);
			pr_err("workload=%s: unknown; one of %s\n", word, names);
			return -EINVAL;
		}
		c->workload = ret;
		return 0;
	}
	if (!strcmp(key, "touch")) {
		ret = nbbs_touch_parse(word);
		if (ret < 0) {
			stress_names(names, sizeof(names), ", ", stress_touch_name,
				     NBBS_NR_TOUCH);
			pr_err("touch=%s: unknown; one of %s\n", word, names);
			return -EINVAL;
		}
		c->touch = ret;
		return 0;
	}
	if (!strcmp(key, "verify") || !strcmp(key, "irq") || !strcmp(key, "nmi")) {
		bool b;

		if (kstrtobool(word, &b)) {
			pr_err("%s=%s: must be 0 or 1\n", key, word);
			return -EINVAL;
		}
		*(key[0] == 'v' ? &c->verify : key[0] == 'i' ? &c->irq : &c->nmi) = b;
		return 0;
	}
	for (i = 0; i < ARRAY_SIZE(stress_keys); i++) {
		const struct stress_key *k = &stress_keys[i];

		if (strcmp(key, k->key))
			continue;
		ret = stress_parse_uint(key, word, k->max, &v, k->bytes);
		if (ret)
			return ret;
		if (k->is_ull)
			*(unsigned long long *)((char *)c + k->off) = v;
		else
			*(unsigned int *)((char *)c + k->off) = v;
		return 0;
	}
	pr_err("unknown key '%s' (read stress/run for the keys)\n", key);
	return -EINVAL;
}

/*
 * backend=default: the run's arena, smallest block and largest order are
 * the default pool's; a line that asked for others is refused.
 */
static int stress_check_shared(struct stress_cfg *c)
{
	struct nbbs_info info;

	if (c->arena != STRESS_DEFAULT_ARENA || c->min_block != PAGE_SIZE ||
	    c->max_order != STRESS_DEFAULT_MAX_ORDER) {
		pr_err("backend=default: arena=, min_block= and max_order= are nbbs.ko's (size=, min_block=, max_order=)\n");
		return -EINVAL;
	}
	nbbs_pool_info(nbbs_default_pool(), &info);
	c->arena = info.size;
	c->min_block = 1ULL << info.min_shift;
	c->max_order = info.max_order;
	return 0;
}

/* Check the parameters against each other. */
static int stress_check(struct stress_cfg *c)
{
	bool pages = stress_backends[c->backend].kind == SB_PAGES;
	unsigned long long ram, irq_block;
	unsigned int arena_order, limit;
	const char *whole;
	int ret;

	if (!c->threads) {
		pr_err("threads=0: at least one thread\n");
		return -EINVAL;
	}
	if (stress_backends[c->backend].shared) {
		ret = stress_check_shared(c);
		if (ret)
			return ret;
	}
	if (c->min_block < 8 || !is_power_of_2(c->min_block)) {
		pr_err("min_block=%llu: must be a power of two of at least 8 bytes\n",
		       c->min_block);
		return -EINVAL;
	}
	if (pages && c->min_block != PAGE_SIZE) {
		pr_err("min_block=%llu: the pages backend has blocks of PAGE_SIZE (%lu)\n",
		       c->min_block, PAGE_SIZE);
		return -EINVAL;
	}
	if (c->arena < c->min_block || !is_power_of_2(c->arena)) {
		pr_err("arena=%llu: must be a power-of-two multiple of min_block=%llu\n",
		       c->arena, c->min_block);
		return -EINVAL;
	}
	ram = (u64)totalram_pages() << PAGE_SHIFT;
	if (c->arena > ram / 2 && !stress_backends[c->backend].shared) {
		pr_err("arena=%llu: at most half of the RAM (%llu bytes)\n", c->arena, ram / 2);
		return -EINVAL;
	}
	arena_order = ilog2(c->arena) - ilog2(c->min_block);
	if (c->max_order > arena_order) {
		pr_err("max_order=%u: at most %u for arena=%llu and min_block=%llu\n",
		       c->max_order, arena_order, c->arena, c->min_block);
		return -EINVAL;
	}
	limit = pages ? min(c->max_order, nbbs_max_page_order()) :
					 c->max_order;
	if (c->order > limit) {
		pr_err("order=%u: at most %u (max_order=%u%s)\n", c->order, limit, c->max_order,
		       pages ? ", and the page allocator's largest order" : "");
		return -EINVAL;
	}
	if (c->irq_us < STRESS_MIN_IRQ_US) {
		pr_err("irq_us=%u: at least %u microseconds between the hrtimer's operations\n",
		       c->irq_us, STRESS_MIN_IRQ_US);
		return -EINVAL;
	}
	/* verify=1 and touch=lines write every cache line of a block. */
	whole = c->verify ? "verify=1" : c->touch == NBBS_TOUCH_LINES ? "touch=lines" : NULL;
	irq_block = c->min_block << c->order;
	if (c->irq && whole && irq_block > STRESS_MAX_IRQ_VERIFY) {
		pr_err("irq=1 %s: the hrtimer would write blocks of up to %llu bytes whole in hard interrupt context; at most %u (a lower order= or min_block=)\n",
		       whole, irq_block, STRESS_MAX_IRQ_VERIFY);
		return -EINVAL;
	}
	/* The NMI handlers' orders: 0 to 2 (stress_nmi_fn()). */
	irq_block = c->min_block << min(2U, c->max_order);
	if (c->nmi && whole && irq_block > STRESS_MAX_IRQ_VERIFY) {
		pr_err("nmi=1 %s: the NMI handlers would write blocks of up to %llu bytes whole in NMI context; at most %u (a lower min_block=)\n",
		       whole, irq_block, STRESS_MAX_IRQ_VERIFY);
		return -EINVAL;
	}
	if (c->workload == NBBS_WL_FILL && arena_order > 24) {
		pr_err("workload=fill: arena=%llu has more than 2^24 smallest blocks to fill\n",
		       c->arena);
		return -EINVAL;
	}
	if (c->nmi && !IS_ENABLED(CONFIG_X86_LOCAL_APIC)) {
		pr_err("nmi=1: NMIs are sent through the x86 local APIC, which this kernel lacks\n");
		return -EINVAL;
	}
	if (c->nmi && stress_backends[c->backend].kind != SB_NBBS) {
		pr_err("nmi=1: backend=%s cannot allocate from NMI; only the nbbs backends can\n",
		       stress_backends[c->backend].name);
		return -EINVAL;
	}
	if (c->nmi_us < STRESS_NMI_US_MIN) {
		pr_err("nmi_us=%u: at least %u\n", c->nmi_us, STRESS_NMI_US_MIN);
		return -EINVAL;
	}
	if (!c->ms && !c->ops)
		c->ms = 1000;
	return 0;
}

static int stress_parse(char *line, struct stress_cfg *c)
{
	char *word;
	int ret;

	stress_defaults(c);
	while ((word = strsep(&line, " \t\n")) != NULL) {
		if (!*word)
			continue;
		ret = stress_parse_word(c, word);
		if (ret)
			return ret;
	}
	return stress_check(c);
}

/* Parse and run @line unless a run is in progress. */
static int stress_run_line(char *line)
{
	struct stress_cfg cfg;
	int ret;

	if (atomic_cmpxchg(&stress_busy, 0, 1))
		return -EBUSY;
	ret = stress_parse(line, &cfg);
	if (!ret)
		ret = stress_execute(&cfg);
	atomic_set(&stress_busy, 0);
	return ret;
}

/*
 * Parse the run= module parameter before anything starts, so that a line
 * that does not parse fails the load instead of a run that never happens.
 * Return: 0 when run= is empty or parses; -EINVAL (after a message naming
 * what is wrong) or -ENOMEM otherwise.
 */
static int stress_check_param(void)
{
	char *line;
	int ret;

	if (!stress_param[0])
		return 0;
	line = kstrdup(stress_param, GFP_KERNEL);
	if (!line)
		return -ENOMEM;
	ret = stress_parse(line, &stress_param_cfg);
	kfree(line);
	if (ret)
		pr_err("run=\"%s\": not a valid run line, nbbs_stress does not load\n",
		       stress_param);
	return ret;
}

/* --- debugfs --- */

static ssize_t run_write(struct file *file, const char __user *ubuf, size_t len,
			 loff_t *ppos)
{
	char *line, *nl;
	int ret;

	if (len >= STRESS_LINE_MAX) {
		pr_err("run: a write of %zu bytes; a run line has at most %u bytes, its newline included\n",
		       len, STRESS_LINE_MAX - 1);
		return -EINVAL;
	}
	line = memdup_user_nul(ubuf, len);
	if (IS_ERR(line))
		return PTR_ERR(line);
	/* One whole line per write: a split line would run as two. */
	nl = strchr(line, '\n');
	if (!nl || nl[1]) {
		pr_err("run: %s; write one whole line, ending with its newline, per write\n",
		       nl ? "more than one line in one write" :
		       "no newline at the end of the write");
		kfree(line);
		return -EINVAL;
	}
	ret = stress_run_line(line);
	kfree(line);
	return ret ? ret : len;
}

static int run_show(struct seq_file *m, void *unused)
{
	char names[STRESS_NAMES_MAX];

	seq_puts(m, "write one line of key=value words; the write returns when the run is done\n");
	stress_names(names, sizeof(names), "|", stress_backend_name,
		     ARRAY_SIZE(stress_backends));
	seq_printf(m, "backend=%s\n", names);
	stress_names(names, sizeof(names), "|", stress_workload_name, NBBS_NR_WORKLOADS);
	seq_printf(m, "workload=%s\n", names);
	stress_names(names, sizeof(names), "|", stress_touch_name, NBBS_NR_TOUCH);
	seq_printf(m, "touch=%s (default ends)\n", names);
	seq_puts(m, "threads=N order=K max_order=K arena=BYTES min_block=BYTES occupancy=PERCENT\n");
	seq_puts(m, "ms=MS ops=N objs=N seed=N verify=0|1 irq=0|1 irq_us=US nmi=0|1 nmi_us=US\n");
	return 0;
}

static int run_open(struct inode *inode, struct file *file)
{
	return single_open(file, run_show, NULL);
}

static const struct file_operations run_fops = {
	.owner = THIS_MODULE,
	.open = run_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = single_release,
	.write = run_write,
};

static int result_show(struct seq_file *m, void *unused)
{
	unsigned int i, first;

	mutex_lock(&stress_results_lock);
	first = (stress_results_next + STRESS_RESULTS - stress_results_count) % STRESS_RESULTS;
	for (i = 0; i < stress_results_count; i++)
		seq_printf(m, "%s\n", stress_results[(first + i) % STRESS_RESULTS]);
	mutex_unlock(&stress_results_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(result);

/* Run the run= line that stress_check_param() parsed. */
static void stress_param_fn(struct work_struct *work)
{
	int ret = -EBUSY;

	if (!atomic_cmpxchg(&stress_busy, 0, 1)) {
		ret = stress_execute(&stress_param_cfg);
		atomic_set(&stress_busy, 0);
	}
	/* -EINTR: the unload stopped it, and said so. */
	if (ret && ret != -EINTR)
		pr_err("run=%s: %d\n", stress_param, ret);
}

/*
 * Create /sys/kernel/debug/nbbs/stress in the directory of nbbs.ko, which
 * is loaded (this module uses its symbols); start the run that run= asks
 * for.  Without that directory (no debugfs) only run= works.
 */
static int __init stress_init(void)
{
	int ret;

	ret = stress_check_param();
	if (ret)
		return ret;

	stress_parent = debugfs_lookup("nbbs", NULL);
	if (IS_ERR_OR_NULL(stress_parent)) {
		pr_warn("no debugfs directory nbbs: the stress files are not created\n");
		stress_parent = NULL;
		stress_dir = ERR_PTR(-ENOENT);
	} else {
		stress_dir = debugfs_create_dir("stress", stress_parent);
	}
	/* The debugfs API takes an error pointer as parent and does nothing. */
	debugfs_create_file("run", 0644, stress_dir, NULL, &run_fops);
	debugfs_create_file("result", 0444, stress_dir, NULL, &result_fops);
	if (stress_param[0])
		queue_work(system_long_wq, &stress_param_work);
	return 0;
}

/* Stop any run at once, wait for its workers, remove the stress files. */
static void __exit stress_exit(void)
{
	WRITE_ONCE(stress_exiting, true);
	wake_up_all(&stress_wq);
	cancel_work_sync(&stress_param_work);
	debugfs_remove(stress_dir);
	dput(stress_parent);
}

module_init(stress_init);
module_exit(stress_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("nbbs: stress tester and benchmark, /sys/kernel/debug/nbbs/stress");
