// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness of the nbbs core: one input is a small pool and a
 * sequence of calls on it, checked against a model of the arena.
 *
 * Input: four header bytes, then pairs of bytes (operation, argument).
 *
 *   byte 0   smallest block: 1 << (3 + b % 10) bytes (8 B .. 4 KiB)
 *   byte 1   arena: 1 << (b % 11) smallest blocks (1 .. 1024)
 *   byte 2   max_order: b % (depth + 1)
 *   byte 3   bit 0: layout (tree, packed); bit 1: base aligned only to the
 *            smallest block; bits 2-3: fail the n-th allocation of a first
 *            pool creation (which must then fail with -ENOMEM); bit 4: free
 *            the blocks still held at the end from the first one held, else
 *            from the last; bits 5-6, in a build with -DNBBS_FAULT_INJECT:
 *            0, 0, 100 or 500 of 1000 compare-and-swaps of the core fail
 *            (each caller must retry: the answers stay exact); bit 7: a
 *            pool with per-CPU hot blocks (NBBS_POOL_HOT)
 *
 *   op % 8   0-3  allocate: order arg % (max_order + 3), so the two orders
 *                 past the largest come up too; arg >= 0xf8: a far-off order
 *            4    free the held block arg % held (a valid free)
 *            5    free an address derived from arg (see fuzz_pick_addr()):
 *                 a freed block again, an interior or misaligned pointer,
 *                 one before or past the pool, NULL, a stack address
 *            6    run as emulated CPU arg % 64 (scan hints are per CPU)
 *            7    compare the pool's views with the model; arg & 1: call
 *                 nbbs_alloc()/nbbs_free() with a NULL pool
 *
 * The model knows which smallest blocks are live and where live blocks
 * start, so every answer is exact: with one thread no release can complete
 * during a scan, so nbbs_alloc() returns NULL exactly when no aligned free
 * run of that order exists; a block must be aligned to its size from the
 * base, inside the arena and disjoint from the live ones; nbbs_free() must
 * return 0 exactly for the start of a live block (or NULL), -EINVAL
 * otherwise.  The views (maximal free blocks per order, live blocks) and
 * every statistic must match, with no CAS conflict, rollback or rescan.
 * At the end everything is freed and the arena must be allocatable as its
 * largest, then as its smallest blocks; destroying the pool must free all
 * its metadata, and exactly one WARN is expected per pool that saw an
 * invalid free.
 *
 * A failed check prints the reason on stdout (libFuzzer runs with stderr
 * closed, as the invalid frees WARN there) and aborts.
 *
 * Built with -DNBBS_FUZZ_MAIN, the same code gets a main() that runs the
 * files (or directories of files) it is given once each: the corpus
 * replay of `make coverage`.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <nbbs_user.h>
#include <linux/err.h>
#include <linux/kernel.h>
#include "nbbs_core.h"

#define FUZZ_MAX_SHIFT	12
#define FUZZ_MAX_DEPTH	10
#define FUZZ_MAX_LEAVES	BIT(FUZZ_MAX_DEPTH)
#define FUZZ_PAD	4096UL
#define FUZZ_FREED	16	/* recently freed addresses kept for double frees */

/* The arena is never touched by nbbs: only its addresses matter. */
static char fuzz_arena[FUZZ_PAD + (FUZZ_MAX_LEAVES << FUZZ_MAX_SHIFT) + FUZZ_PAD]
	__aligned(4096);

struct fuzz {
	struct nbbs_pool *pool;
	char *base;
	size_t size;
	unsigned int min_shift;
	unsigned int depth;
	unsigned int max_order;
	unsigned long leaves;
	bool packed;
	/* model */
	unsigned char live[FUZZ_MAX_LEAVES];	/* smallest block in use */
	unsigned char start[FUZZ_MAX_LEAVES];	/* order + 1 of the live block here */
	unsigned long held[FUZZ_MAX_LEAVES];	/* leaves where live blocks start */
	unsigned int slot[FUZZ_MAX_LEAVES];	/* index in held[] of a start */
	unsigned long nr_held;
	void *freed[FUZZ_FREED];
	unsigned int nr_freed;
	/* expected statistics */
	u64 allocs[NBBS_ORDER_LIMIT + 1];
	u64 frees[NBBS_ORDER_LIMIT + 1];
	u64 fails[NBBS_ORDER_LIMIT + 1];
	u64 bad_order;
	u64 invalid;
	unsigned long null_warns;	/* WARN_ONCE of a NULL pool, in this input */
	unsigned long ops;
};

static struct fuzz fz;
static bool null_pool_warned;

#ifdef NBBS_FAULT_INJECT
/* The rate of nbbs_internal.h, which programs do not see. */
extern unsigned int nbbs_fault_fail_permille;

static void fuzz_set_faults(unsigned int permille)
{
	nbbs_fault_fail_permille = permille;
}
#else
static void fuzz_set_faults(unsigned int permille)
{
}
#endif
static unsigned int fuzz_faults;
static const unsigned int fault_rates[4] = { 0, 0, 100, 500 };

static void fuzz_fail(int line, const char *what)
{
	printf("fuzz_nbbs_core.c:%d: check failed: %s\n", line, what);
	printf("  pool: %s, %lu x %u B, max_order %u, base %s,",
	       fz.packed ? "packed" : "tree", fz.leaves, 1U << fz.min_shift,
	       fz.max_order,
	       (unsigned long)(fz.base - fuzz_arena) % 4096 ? "misaligned" : "page");
	printf(" %u/1000 CAS fail, after %lu ops, %lu held\n", fuzz_faults, fz.ops,
	       fz.nr_held);
	fflush(stdout);
	abort();
}

#define FUZZ_CHECK(cond) do {				\
	if (!(cond))					\
		fuzz_fail(__LINE__, #cond);		\
} while (0)

static size_t fuzz_bytes(unsigned int order)
{
	return 1UL << (fz.min_shift + order);
}

/* An aligned run of 2^order free smallest blocks exists. */
static bool model_has_free(unsigned int order)
{
	unsigned long i, j, n = 1UL << order;

	for (i = 0; i < fz.leaves; i += n) {
		for (j = 0; j < n && !fz.live[i + j]; j++)
			;
		if (j == n)
			return true;
	}
	return false;
}

/* The expected answer of nbbs_free(@p), and the leaf of the block it frees. */
static int model_free_result(void *p, unsigned long *leaf)
{
	unsigned long off = (unsigned long)p - (unsigned long)fz.base;

	if (!p)
		return 0;
	if ((unsigned long)p < (unsigned long)fz.base || off >= fz.size)
		return -EINVAL;
	if (off & (fuzz_bytes(0) - 1))
		return -EINVAL;
	*leaf = off >> fz.min_shift;
	return fz.start[*leaf] ? 0 : -EINVAL;
}

static void model_alloc(void *p, unsigned int order)
{
	unsigned long off = (unsigned long)p - (unsigned long)fz.base;
	unsigned long leaf, i;

	FUZZ_CHECK((unsigned long)p >= (unsigned long)fz.base && off < fz.size);
	FUZZ_CHECK(!(off & (fuzz_bytes(order) - 1)));
	FUZZ_CHECK(off + fuzz_bytes(order) <= fz.size);
	leaf = off >> fz.min_shift;
	for (i = 0; i < 1UL << order; i++) {
		FUZZ_CHECK(!fz.live[leaf + i]);	/* overlaps a live block */
		fz.live[leaf + i] = 1;
	}
	fz.start[leaf] = order + 1;
	fz.slot[leaf] = fz.nr_held;
	fz.held[fz.nr_held++] = leaf;
	fz.allocs[order]++;
}

static void do_alloc(unsigned int order)
{
	void *p = nbbs_alloc(fz.pool, order);

	if (order > fz.max_order) {
		FUZZ_CHECK(!p);
		fz.bad_order++;
		return;
	}
	if (!p) {
		FUZZ_CHECK(!model_has_free(order));	/* a false NULL */
		fz.fails[order]++;
		return;
	}
	FUZZ_CHECK(model_has_free(order));
	model_alloc(p, order);
}

/* nbbs_free(@p), checked against the model, which follows it. */
static void do_free(void *p)
{
	unsigned long leaf = 0, i, k, last;
	int want = model_free_result(p, &leaf);
	int ret = nbbs_free(fz.pool, p);
	unsigned int order;

	FUZZ_CHECK(ret == want);
	if (ret) {
		fz.invalid++;
		return;
	}
	if (!p)
		return;
	order = fz.start[leaf] - 1;
	for (i = 0; i < 1UL << order; i++)
		fz.live[leaf + i] = 0;
	fz.start[leaf] = 0;
	k = fz.slot[leaf];
	FUZZ_CHECK(k < fz.nr_held && fz.held[k] == leaf);
	last = fz.held[--fz.nr_held];
	fz.held[k] = last;
	fz.slot[last] = k;
	fz.freed[fz.nr_freed++ % FUZZ_FREED] = p;
	fz.frees[order]++;
}

/* Invalid (or, as the model decides, valid) addresses to free. */
static void *fuzz_pick_addr(unsigned int arg)
{
	unsigned int kind = arg % 8, sel = arg / 8;
	unsigned long leaf;
	unsigned int order;
	static char local;

	switch (kind) {
	case 0:		/* a block freed before: double free unless reused */
		if (!fz.nr_freed)
			return NULL;
		return fz.freed[sel % min_t(unsigned int, fz.nr_freed, FUZZ_FREED)];
	case 1:		/* inside a held block, at a smallest block */
	case 2:		/* inside a held block, misaligned */
		if (!fz.nr_held)
			return fz.base + (sel % fz.leaves) * fuzz_bytes(0);
		leaf = fz.held[sel % fz.nr_held];
		order = fz.start[leaf] - 1;
		if (kind == 1)
			return fz.base + (leaf + 1 + sel % (1UL << order)) % fz.leaves *
				fuzz_bytes(0);
		return fz.base + leaf * fuzz_bytes(0) + 1 + sel % (fuzz_bytes(0) - 1);
	case 3:		/* any smallest block of the arena */
		return fz.base + (sel % fz.leaves) * fuzz_bytes(0);
	case 4:		/* just before the pool */
		return fz.base - fuzz_bytes(0) * (1 + sel % 4);
	case 5:		/* at or past its end */
		return fz.base + fz.size + fuzz_bytes(0) * (sel % 4);
	case 6:
		return NULL;
	default:	/* foreign: not in the arena at all */
		return sel & 1 ? (void *)&local : (void *)&fz;
	}
}

static void check_stats(void)
{
	struct nbbs_stats st;
	unsigned int k;

	nbbs_pool_stats(fz.pool, &st);
	for (k = 0; k <= NBBS_ORDER_LIMIT; k++) {
		FUZZ_CHECK(st.alloc[k] == fz.allocs[k]);
		FUZZ_CHECK(st.free[k] == fz.frees[k]);
		FUZZ_CHECK(st.alloc_fail[k] == fz.fails[k]);
	}
	FUZZ_CHECK(st.alloc_bad_order == fz.bad_order);
	FUZZ_CHECK(st.invalid_free == fz.invalid);
	/* One thread: no race to lose, nothing to roll back or rescan. */
	FUZZ_CHECK(st.cas_conflicts == 0 || fuzz_faults);
	FUZZ_CHECK(st.rollbacks == 0);
	FUZZ_CHECK(st.scan_restarts == 0);
	FUZZ_CHECK(st.scan_giveups == 0);
}

/* Count the model's maximal free blocks below node (@level, @idx). */
static void model_maximal(unsigned int level, unsigned long idx,
			  unsigned long *maximal, unsigned long *live)
{
	unsigned long first = idx << level, i;

	if (fz.start[first] == level + 1) {
		(*live)++;
		return;
	}
	for (i = 0; i < 1UL << level && !fz.live[first + i]; i++)
		;
	if (i == 1UL << level) {
		maximal[level]++;
		return;
	}
	model_maximal(level - 1, 2 * idx, maximal, live);
	model_maximal(level - 1, 2 * idx + 1, maximal, live);
}

static void check_views(void)
{
	unsigned long want[NBBS_ORDER_LIMIT + 1] = { 0 };
	unsigned long got[NBBS_ORDER_LIMIT + 1];
	unsigned long live = 0, r;
	unsigned int k;

	for (r = 0; r < fz.leaves >> fz.max_order; r++)
		model_maximal(fz.max_order, r, want, &live);
	FUZZ_CHECK(live == fz.nr_held);
	FUZZ_CHECK(nbbs_pool_live_blocks(fz.pool) == fz.nr_held);
	/* Parked blocks are free but not coalesced: give them back first. */
	nbbs_pool_drain(fz.pool);
	FUZZ_CHECK(nbbs_pool_live_blocks(fz.pool) == fz.nr_held);
	FUZZ_CHECK(nbbs_pool_free_blocks(fz.pool, got, NBBS_ORDER_LIMIT + 1) ==
		   (int)fz.max_order + 1);
	for (k = 0; k <= fz.max_order; k++)
		FUZZ_CHECK(got[k] == want[k]);
	check_stats();
}

/* Everything is free: the arena as blocks of @order, exactly, then none. */
static void check_allocatable(unsigned int order)
{
	unsigned long n = fz.leaves >> order, i;

	for (i = 0; i < n; i++) {
		void *p = nbbs_alloc(fz.pool, order);

		FUZZ_CHECK(p);
		model_alloc(p, order);
	}
	do_alloc(order);	/* must be NULL */
	FUZZ_CHECK(fz.nr_held == n);
	check_views();
	while (fz.nr_held)
		do_free(fz.base + fz.held[fz.nr_held - 1] * fuzz_bytes(0));
}

static void null_pool_calls(void)
{
	unsigned long calls = nbbs_null_pool_calls();
	unsigned long warns = nbbs_user_warnings();
	struct nbbs_info info;

	FUZZ_CHECK(!nbbs_alloc(NULL, 0));
	FUZZ_CHECK(nbbs_free(NULL, fz.base) == -EINVAL);
	FUZZ_CHECK(nbbs_free(NULL, NULL) == 0);
	FUZZ_CHECK(nbbs_null_pool_calls() == calls + 2);
	/* WARN_ONCE: the first of these calls in the process warns. */
	FUZZ_CHECK(nbbs_user_warnings() == warns + !null_pool_warned);
	fz.null_warns += !null_pool_warned;
	null_pool_warned = true;
	nbbs_pool_info(NULL, &info);
	FUZZ_CHECK(!info.base && !info.size);
	FUZZ_CHECK(nbbs_pool_live_blocks(NULL) == 0);
	FUZZ_CHECK(nbbs_pool_free_blocks(NULL, &calls, 1) == -EINVAL);
}

/* Pool creation that must fail, leaving no allocation behind. */
static void check_create_fails(unsigned int fail_nth, unsigned int flags)
{
	long live = nbbs_user_allocs_live();
	struct nbbs_pool *p;

	/* Bad arguments first: a max_order past the arena, both layouts. */
	p = nbbs_pool_create_flags(fz.base, fz.size, fz.min_shift, fz.depth + 1,
				   GFP_KERNEL, flags);
	FUZZ_CHECK(PTR_ERR(p) == -EINVAL);
	p = nbbs_pool_create_flags(fz.base, fz.size, fz.min_shift, fz.max_order,
				   GFP_KERNEL, NBBS_POOL_TREE | NBBS_POOL_PACKED);
	FUZZ_CHECK(PTR_ERR(p) == -EINVAL);
	if (fail_nth) {
		/* pool, tree or words, summaries, per-CPU data: 4 allocations */
		nbbs_user_fail_nth_alloc(fail_nth);
		p = nbbs_pool_create_flags(fz.base, fz.size, fz.min_shift, fz.max_order,
					   GFP_KERNEL, flags);
		nbbs_user_fail_nth_alloc(0);
		FUZZ_CHECK(PTR_ERR(p) == -ENOMEM);
	}
	FUZZ_CHECK(nbbs_user_allocs_live() == live);
}

/* libFuzzer's entry point, under a name that follows the kernel's style. */
int nbbs_fuzz_one(const u8 *data, size_t size) __asm__("LLVMFuzzerTestOneInput");

int nbbs_fuzz_one(const u8 *data, size_t size)
{
	unsigned long warns = nbbs_user_warnings(), live = nbbs_user_allocs_live();
	unsigned int flags, k;
	struct nbbs_info info;
	size_t pos;

	if (size < 4)
		return 0;
	memset(&fz, 0, sizeof(fz));
	nbbs_user_console_loglevel = 3;	/* the refused frees' pr_warn() */
	nbbs_user_set_cpu(0);
	fz.min_shift = 3 + data[0] % (FUZZ_MAX_SHIFT - 2);
	fz.depth = data[1] % (FUZZ_MAX_DEPTH + 1);
	fz.max_order = data[2] % (fz.depth + 1);
	fz.packed = data[3] & 1;
	fz.leaves = 1UL << fz.depth;
	fz.size = fz.leaves << fz.min_shift;
	fz.base = fuzz_arena + FUZZ_PAD;
	if (data[3] & 2)
		fz.base += fuzz_bytes(0) % 4096 ? fuzz_bytes(0) : 0;
	flags = (fz.packed ? NBBS_POOL_PACKED : NBBS_POOL_TREE) |
		(data[3] & 128 ? NBBS_POOL_HOT : 0);
	fuzz_faults = fault_rates[(data[3] >> 5) & 3];
	fuzz_set_faults(fuzz_faults);

	check_create_fails((data[3] >> 2) & 3, flags);
	fz.pool = nbbs_pool_create_flags(fz.base, fz.size, fz.min_shift, fz.max_order,
					 GFP_KERNEL, flags);
	FUZZ_CHECK(!IS_ERR_OR_NULL(fz.pool));
	FUZZ_CHECK(nbbs_pool_layout(fz.pool) ==
		   (fz.packed ? NBBS_LAYOUT_PACKED : NBBS_LAYOUT_TREE));
	nbbs_pool_info(fz.pool, &info);
	FUZZ_CHECK(info.base == fz.base && info.size == fz.size &&
		   info.min_shift == fz.min_shift && info.max_order == fz.max_order);

	for (pos = 4; pos + 1 < size; pos += 2, fz.ops++) {
		unsigned int op = data[pos] % 8, arg = data[pos + 1];

		switch (op) {
		case 0 ... 3:
			do_alloc(arg >= 0xf8 ? NBBS_ORDER_LIMIT + (arg & 7) * 0x1fffffff :
				 arg % (fz.max_order + 3));
			break;
		case 4:
			if (fz.nr_held)
				do_free(fz.base + fz.held[arg % fz.nr_held] * fuzz_bytes(0));
			else
				do_free(NULL);
			break;
		case 5:
			do_free(fuzz_pick_addr(arg));
			break;
		case 6:
			nbbs_user_set_cpu(arg % NBBS_USER_NR_CPUS);
			break;
		default:
			if (arg & 1)
				null_pool_calls();
			check_views();
			break;
		}
	}
	check_views();

	/* Free what is held, in allocation order or the reverse. */
	while (fz.nr_held) {
		k = data[3] & 16 ? 0 : fz.nr_held - 1;
		do_free(fz.base + fz.held[k] * fuzz_bytes(0));
	}
	check_views();
	check_allocatable(fz.max_order);
	check_allocatable(0);
	FUZZ_CHECK(nbbs_pool_live_blocks(fz.pool) == 0);

	nbbs_pool_destroy(fz.pool);
	fuzz_set_faults(0);
	FUZZ_CHECK(nbbs_user_allocs_live() == live);
	/* A backtrace for the first invalid free of each pool, no other WARN. */
	FUZZ_CHECK(nbbs_user_warnings() - warns == !!fz.invalid + fz.null_warns);
	return 0;
}

#ifdef NBBS_FUZZ_MAIN
/* The corpus replay: run each file once; directories are read one level. */
static unsigned long replayed;

static void replay_file(const char *path)
{
	static u8 buf[1 << 16];
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f) {
		perror(path);
		exit(2);
	}
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	nbbs_fuzz_one(buf, n);
	replayed++;
}

int main(int argc, char **argv)
{
	char path[4096];
	struct dirent *d;
	struct stat sb;
	int i;

	for (i = 1; i < argc; i++) {
		DIR *dir;

		if (stat(argv[i], &sb)) {
			perror(argv[i]);
			return 2;
		}
		if (!S_ISDIR(sb.st_mode)) {
			replay_file(argv[i]);
			continue;
		}
		dir = opendir(argv[i]);
		while (dir && (d = readdir(dir))) {
			if (d->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", argv[i], d->d_name);
			replay_file(path);
		}
		if (dir)
			closedir(dir);
	}
	printf("# fuzz corpus replay: %lu inputs, no failure\n", replayed);
	return 0;
}
#endif
