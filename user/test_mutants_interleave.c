// SPDX-License-Identifier: GPL-2.0
/*
 * Deterministic interleavings that the stress test reaches too rarely to
 * kill the mutants of verify/mutants.txt that target them (KTAP output).
 *
 * The hooks are the linker's: this program is linked with
 * -Wl,--wrap=nbbs_claim,--wrap=nbbs_node_state,--wrap=nbbs_fault_cas
 * (scripts/mutate.py), so the scan's claims, the walks' and drains' reads
 * of a node, and with fault injection every compare-and-swap, come here
 * first.  A hook acts as another CPU would at that point: on this thread
 * with another emulated CPU (like an interrupt), or by handing over to a
 * second thread.  The protocol is the same code for both layouts, so every
 * case runs on each; the rollback case needs the fault-injection build.
 *
 * 1. A release during a failing allocation's pass: whatever try of the
 *    pass it falls in, the allocation must not return NULL (the
 *    no-false-NULL rule: rescan after a concurrent release; a scan that
 *    armed a chunk summary must not rule the chunk out).
 * 2. A block parked while a failing allocation drains: it counts as a
 *    release of its order, so the allocation drains again and gets it.
 * 3. A claim rolled back past a blocker freed meanwhile, whose release
 *    saw the rollback's write and left clearing the marks above to it:
 *    the rollback must clear them, up to the roots (verify/protocol.pml).
 * 4. A second free of a block that an allocation has just claimed again
 *    in the tree but not handed out yet: a hot pool refuses it, since no
 *    one holds the block (verify/hot.pml).
 * 5. An allocation that enters a word a release has just emptied, before
 *    the release clears the mark above it: the release must leave the
 *    mark (announcement, takeover, child re-check).
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nbbs_user.h>
#include <linux/err.h>
#include <linux/kernel.h>
#include "nbbs_core.h"
#include "test_layout.h"
#include "nbbs_test.h"
#include "test_mutants_interleave.h"

/* Why the current case cannot run here (KTAP SKIP), or NULL. */
static const char *skip;

/* What a hook does; NULL: nothing.  Hooks run on the allocating thread. */
static void (*try_before)(unsigned long nr, unsigned int level, unsigned long idx);
static void (*try_after)(unsigned long nr, int ret);
static void (*state_hook)(unsigned long nr);
static unsigned long try_calls, state_calls;
static __thread int in_hook;

int __wrap_nbbs_claim(struct nbbs_pool *pool, unsigned int level,
		      unsigned long idx, unsigned int *blevel,
		      unsigned long *bidx, struct nbbs_ctx *ctx)
{
	bool hooked = !in_hook;
	unsigned long nr = 0;
	int ret;

	if (hooked) {
		nr = ++try_calls;
		in_hook = 1;
		if (try_before)
			try_before(nr, level, idx);
		in_hook = 0;
	}
	ret = __real_nbbs_claim(pool, level, idx, blevel, bidx, ctx);
	if (hooked && try_after) {
		in_hook = 1;
		try_after(nr, ret);
		in_hook = 0;
	}
	return ret;
}

int __wrap_nbbs_node_state(const struct nbbs_pool *pool, unsigned int level,
			   unsigned long idx)
{
	if (!in_hook && state_hook) {
		in_hook = 1;
		state_hook(++state_calls);
		in_hook = 0;
	}
	return __real_nbbs_node_state(pool, level, idx);
}

static void hooks_off(void)
{
	try_before = NULL;
	try_after = NULL;
	state_hook = NULL;
	try_calls = 0;
	state_calls = 0;
}

static bool hot_pool(void)
{
	return nbbs_test_flags() & NBBS_POOL_HOT;
}

/* Run nbbs_free() as CPU @cpu, as another CPU or an interrupt would. */
static int free_as(int cpu, struct nbbs_pool *pool, void *p)
{
	int me = nbbs_user_cpu_id, ret;

	nbbs_user_set_cpu(cpu);
	ret = nbbs_free(pool, p);
	nbbs_user_set_cpu(me);
	return ret;
}

/* ---- 1. a release during a failing pass ---- */

#define R_LEAVES	128
#define R_SHIFT		3

static char r_arena[R_LEAVES << R_SHIFT] __aligned(4096);
static struct nbbs_pool *r_pool;
static unsigned long r_at, r_victim;
static bool r_fired;

static void r_release(unsigned long nr, unsigned int level, unsigned long idx)
{
	if (nr != r_at || r_fired)
		return;
	r_fired = true;
	CHECK(free_as(1, r_pool, r_arena + (r_victim << R_SHIFT)) == 0);
}

/*
 * The pool: order-0 blocks everywhere but two order-4 blocks, at leaves
 * 48 and 112.  A scan of order 0 passes over the small blocks by reading
 * and tries the first leaf under each large one, which its pre-check or
 * its climb finds covered: that try is where the hook runs.  So many
 * failures arm the chunk summary, too (one chunk: max order 7).
 */
static struct nbbs_pool *r_setup(void)
{
	struct nbbs_pool *pool;
	unsigned long i;
	void *p;

	pool = nbbs_pool_create(r_arena, sizeof(r_arena), R_SHIFT, 7, GFP_KERNEL);
	if (!CHECK(!IS_ERR_OR_NULL(pool)))
		return NULL;
	nbbs_user_set_cpu(10);
	for (i = 0; i < R_LEAVES; i++)
		CHECK(nbbs_alloc(pool, 0));
	for (i = 48; i < 64; i++)
		CHECK(nbbs_free(pool, r_arena + (i << R_SHIFT)) == 0);
	for (i = 112; i < 128; i++)
		CHECK(nbbs_free(pool, r_arena + (i << R_SHIFT)) == 0);
	nbbs_pool_drain(pool);
	for (i = 0; i < 2; i++) {
		p = nbbs_alloc(pool, 4);
		CHECK(p == r_arena + (48 << R_SHIFT) || p == r_arena + (112 << R_SHIFT));
	}
	nbbs_user_set_cpu(0);
	return pool;
}

static void case_release_during_pass(void)
{
	static const unsigned long victims[] = { 0, 8, 47, 64, 100, 111 };
	unsigned long tries, i, fired = 0, nulls = 0, first_victim = 0, first_at = 0;
	void *p;

	/* A dry run: how many tries a failing allocation makes here. */
	r_pool = r_setup();
	if (!r_pool)
		return;
	hooks_off();
	try_before = r_release;
	r_at = 0;
	CHECK(!nbbs_alloc(r_pool, 0));
	tries = try_calls;
	hooks_off();
	nbbs_pool_destroy(r_pool);
	if (!CHECK(tries > 0))
		return;	/* the scan no longer tries covered leaves: rethink */

	for (r_at = 1; r_at <= tries; r_at++) {
		for (i = 0; i < ARRAY_SIZE(victims); i++) {
			r_pool = r_setup();
			if (!r_pool)
				return;
			r_victim = victims[i];
			r_fired = false;
			hooks_off();
			try_before = r_release;
			p = nbbs_alloc(r_pool, 0);
			hooks_off();
			fired += r_fired;
			if (r_fired && !p && !nulls++) {
				first_victim = r_victim;
				first_at = r_at;
			}
			nbbs_pool_destroy(r_pool);
		}
	}
	printf("# %lu tries per failing allocation, %lu releases during one\n",
	       tries, fired);
	CHECK(fired > 0);
	if (!CHECK(nulls == 0))
		printf("# NULL %lu times though a block was freed meanwhile (leaf %lu, try %lu)\n",
		       nulls, first_victim, first_at);
}

/* ---- 2. a block parked while a failing allocation drains ---- */

#define P_LEAVES	32

static char p_arena[P_LEAVES << R_SHIFT] __aligned(4096);
static struct nbbs_pool *p_pool;
static bool p_fired;

/*
 * The drain asks whether a parked block of order 0 would help an
 * allocation of order 1 (its buddy is live: no); meanwhile CPU 5, whose
 * slots the drain has read already, parks a block of order 1.
 */
static void p_park(unsigned long nr)
{
	if (p_fired)
		return;
	p_fired = true;
	CHECK(free_as(5, p_pool, p_arena) == 0);
}

static void case_park_during_drain(void)
{
	unsigned long i;
	void *p;

	if (!hot_pool()) {
		skip = "no hot blocks in this layout";
		return;
	}
	p_pool = nbbs_pool_create(p_arena, sizeof(p_arena), R_SHIFT, 5, GFP_KERNEL);
	if (!CHECK(!IS_ERR_OR_NULL(p_pool)))
		return;
	nbbs_user_set_cpu(10);
	/* Leaves 0-1: one block of order 1; the others of order 0. */
	for (i = 0; i < P_LEAVES; i++)
		CHECK(nbbs_alloc(p_pool, 0));
	CHECK(nbbs_free(p_pool, p_arena) == 0);
	CHECK(nbbs_free(p_pool, p_arena + (1 << R_SHIFT)) == 0);
	nbbs_pool_drain(p_pool);
	CHECK(nbbs_alloc(p_pool, 1) == p_arena);
	/* Leaf 2 parked on CPU 10; its buddy, leaf 3, live. */
	CHECK(nbbs_free(p_pool, p_arena + (2 << R_SHIFT)) == 0);

	nbbs_user_set_cpu(20);
	p_fired = false;
	hooks_off();
	state_hook = p_park;
	p = nbbs_alloc(p_pool, 1);
	hooks_off();
	CHECK(p_fired);
	if (!CHECK(p == p_arena))
		printf("# got %p: a block parked during the drain was missed\n", p);
	nbbs_user_set_cpu(0);
	nbbs_pool_destroy(p_pool);
}

/* ---- 4. a double free while the block is handed out again ---- */

static struct nbbs_pool *d_pool;
static char *d_block;
static int d_ret;
static bool d_fired;

/* The allocation has claimed the block in the tree, not handed it out. */
static void d_free_again(unsigned long nr, int ret)
{
	if (ret || d_fired)
		return;
	d_fired = true;
	d_ret = free_as(7, d_pool, d_block);
}

static void case_double_free_during_handout(void)
{
	unsigned long i;
	void *p;

	if (!hot_pool()) {
		/* The tree alone cannot tell a claim from a live block yet. */
		skip = "no hot blocks in this layout";
		return;
	}
	d_pool = nbbs_pool_create(p_arena, sizeof(p_arena), R_SHIFT, 5, GFP_KERNEL);
	if (!CHECK(!IS_ERR_OR_NULL(d_pool)))
		return;
	nbbs_user_set_cpu(10);
	for (i = 0; i < P_LEAVES; i++)
		CHECK(nbbs_alloc(d_pool, 0));
	/* Freed (parked, then given back to the tree): the only free block. */
	d_block = p_arena + (5 << R_SHIFT);
	CHECK(nbbs_free(d_pool, d_block) == 0);
	nbbs_pool_drain(d_pool);

	nbbs_user_set_cpu(0);
	d_fired = false;
	d_ret = 0;
	hooks_off();
	try_after = d_free_again;
	p = nbbs_alloc(d_pool, 0);
	hooks_off();
	CHECK(p == d_block);
	CHECK(d_fired);
	if (!CHECK(d_ret == -EINVAL))
		printf("# a second free of the block, while it was being handed out, returned %d\n",
		       d_ret);
	nbbs_pool_destroy(d_pool);
}

/* ---- 3. a rollback past a blocker freed meanwhile ---- */

#ifdef NBBS_FAULT_INJECT
/*
 * Who runs a CAS of the script: the allocation (A) or the release (B) of
 * case 3, or the release of case 5 (R).
 */
enum { ROLE_NONE, ROLE_A, ROLE_B, ROLE_R };
/* The baton passed between the two: whose turn it is. */
enum { T_A, T_B_FREE, T_A_GO, T_B_GO, T_B_DONE, T_ABORT };

static __thread int role;
static unsigned long cas_a;
/*
 * A's CAS that starts its rollback: after its claim, the packed climb meets
 * the blocker in the word above; the tree's first marks levels 1 to 3.
 */
static unsigned long x_rollback_cas;
static int turn;
static char *x_block;
static struct nbbs_pool *x_pool;
static bool x_reached[3];
static bool x_clean, x_freed, x_rolled_back;

#define X_LEAVES	256

static void *alloc_as(int cpu, struct nbbs_pool *pool, unsigned int order)
{
	int me = nbbs_user_cpu_id;
	void *p;

	nbbs_user_set_cpu(cpu);
	p = nbbs_alloc(pool, order);
	nbbs_user_set_cpu(me);
	return p;
}

static char x_arena[X_LEAVES << R_SHIFT] __aligned(4096);

static void pass_turn(int t)
{
	__atomic_store_n(&turn, t, __ATOMIC_SEQ_CST);
}

static bool wait_turn(int t)
{
	double end = now_seconds() + 5;

	while (__atomic_load_n(&turn, __ATOMIC_SEQ_CST) != t) {
		if (__atomic_load_n(&turn, __ATOMIC_SEQ_CST) == T_ABORT ||
		    now_seconds() > end) {
			pass_turn(T_ABORT);
			return false;
		}
		sched_yield();
	}
	return true;
}

/*
 * Is the block being released (B's in case 3, the only one in case 5) no
 * longer OCC?  A claim below it in case 3 has no mark above it yet, so
 * the walk does not see it: nothing is live then.
 */
static bool x_cleared(void)
{
	return nbbs_pool_live_blocks(x_pool) == 0;
}

static char *r_block;
static bool r_entered;

bool __wrap_nbbs_fault_cas(void)
{
	if (in_hook || role == ROLE_NONE)
		return __real_nbbs_fault_cas();
	if (role == ROLE_R) {
		/*
		 * The release has emptied its block's word (nothing is live
		 * now) and is about to clear the mark above it: another CPU
		 * allocates in that word first, as an interrupt would.
		 */
		if (!r_entered && x_cleared()) {
			r_entered = true;
			in_hook = 1;
			r_block = alloc_as(0, x_pool, 4);
			in_hook = 0;
		}
	} else if (role == ROLE_A) {
		cas_a++;
		if (cas_a == 1) {
			/* A is about to claim leaf 0: B takes leaf 0-15. */
			in_hook = 1;
			x_block = alloc_as(1, x_pool, 4);
			in_hook = 0;
			x_reached[0] = x_block == x_arena;
		} else if (cas_a == x_rollback_cas) {
			/* A's climb met that block: B frees it; A's rollback waits. */
			x_reached[1] = true;
			pass_turn(T_B_FREE);
			wait_turn(T_A_GO);
		}
	} else if (!x_reached[2] && x_cleared()) {
		/*
		 * B's CAS that emptied the block's word is done, and B is about
		 * to clear the mark above it.  A's rollback writes that word
		 * now; B's CAS fails (as if a CPU wrote the other side of the
		 * word), and B, seeing the word changed, leaves the mark to A.
		 */
		x_reached[2] = true;
		pass_turn(T_A_GO);
		wait_turn(T_B_GO);
		return true;
	}
	return false;
}

static void *x_releaser(void *arg)
{
	nbbs_user_set_cpu(1);
	role = ROLE_B;
	if (wait_turn(T_B_FREE)) {
		CHECK(nbbs_free(x_pool, x_block) == 0);
		x_freed = true;
	}
	role = ROLE_NONE;
	if (__atomic_load_n(&turn, __ATOMIC_SEQ_CST) != T_ABORT)
		pass_turn(T_B_DONE);
	return NULL;
}

/* After A's try that was rolled back: let B finish, then look. */
static void x_after_try(unsigned long nr, int ret)
{
	unsigned long maximal[NBBS_ORDER_LIMIT + 1];

	if (nr != 1)
		return;
	x_rolled_back = ret == -EAGAIN;
	pass_turn(T_B_GO);
	if (!CHECK(wait_turn(T_B_DONE)))
		return;
	/* Nothing is live now: the whole arena must be one free block. */
	CHECK(nbbs_pool_free_blocks(x_pool, maximal, 9) == 9);
	x_clean = maximal[8] == 1;
}

static void case_rollback_past_freed_blocker(void)
{
	unsigned long maximal[NBBS_ORDER_LIMIT + 1];
	pthread_t b;
	void *p;

	/* Three rows of the packed layout (nine of the tree): max order 8. */
	x_pool = nbbs_pool_create(x_arena, sizeof(x_arena), R_SHIFT, 8, GFP_KERNEL);
	if (!CHECK(!IS_ERR_OR_NULL(x_pool)))
		return;
	cas_a = 0;
	x_rollback_cas = nbbs_test_flags() & NBBS_POOL_PACKED ? 2 : 5;
	x_block = NULL;
	x_clean = false;
	x_freed = false;
	x_rolled_back = false;
	memset(x_reached, 0, sizeof(x_reached));
	pass_turn(T_A);
	CHECK(pthread_create(&b, NULL, x_releaser, NULL) == 0);

	nbbs_user_set_cpu(0);	/* a fresh pool: CPU 0 scans from leaf 0 */
	hooks_off();
	try_after = x_after_try;
	role = ROLE_A;
	p = nbbs_alloc(x_pool, 0);
	role = ROLE_NONE;
	hooks_off();
	pass_turn(T_ABORT);	/* if B still waits */
	pthread_join(b, NULL);
	if (x_block && !x_freed)	/* the script broke off: clean up */
		CHECK(nbbs_free(x_pool, x_block) == 0);

	if (!CHECK(x_reached[0] && x_reached[1] && x_reached[2]))
		printf("# the scripted interleaving was not reached (%d %d %d)\n",
		       x_reached[0], x_reached[1], x_reached[2]);
	else if (!CHECK(x_rolled_back))
		printf("# the claim under a live block was not rolled back\n");
	else if (!CHECK(x_clean))
		printf("# after the rollback, a mark above the freed blocker stayed\n");
	CHECK(p);
	CHECK(nbbs_free(x_pool, p) == 0);
	nbbs_pool_drain(x_pool);
	CHECK(nbbs_pool_free_blocks(x_pool, maximal, 9) == 9 && maximal[8] == 1);
	nbbs_pool_destroy(x_pool);
}

/* ---- 5. an allocation entering a word that a release just emptied ---- */

static void case_alloc_during_release(void)
{
	unsigned long maximal[NBBS_ORDER_LIMIT + 1];
	char *y;

	/* Three rows; a block of order 4 is a bottom node of row 1. */
	x_pool = nbbs_pool_create(x_arena, sizeof(x_arena), R_SHIFT, 8, GFP_KERNEL);
	if (!CHECK(!IS_ERR_OR_NULL(x_pool)))
		return;
	nbbs_user_set_cpu(0);	/* a fresh pool: CPU 0 scans from leaf 0 */
	y = nbbs_alloc(x_pool, 4);
	CHECK(y == x_arena);
	r_block = NULL;
	r_entered = false;

	/* Released on CPU 1; CPU 0 allocates the same block meanwhile. */
	nbbs_user_set_cpu(1);
	role = ROLE_R;
	CHECK(nbbs_free(x_pool, y) == 0);
	role = ROLE_NONE;
	nbbs_user_set_cpu(0);

	if (!CHECK(r_entered && r_block))
		printf("# the scripted interleaving was not reached\n");
	/* The new block must keep the mark the release was about to clear. */
	else if (!CHECK(nbbs_pool_live_blocks(x_pool) == 1 &&
			nbbs_free(x_pool, r_block) == 0))
		printf("# the release cleared the mark of a block allocated meanwhile\n");
	nbbs_pool_drain(x_pool);
	CHECK(nbbs_pool_free_blocks(x_pool, maximal, 9) == 9 && maximal[8] == 1);
	nbbs_pool_destroy(x_pool);
}
#else
static void case_rollback_past_freed_blocker(void)
{
	skip = "needs the fault-injection build";
}

static void case_alloc_during_release(void)
{
	skip = "needs the fault-injection build";
}
#endif

static const struct {
	const char *name;
	void (*fn)(void);
} cases[] = {
	{ "release_during_failing_pass_is_found", case_release_during_pass },
	{ "park_during_drain_is_found", case_park_during_drain },
	{ "rollback_clears_marks_past_freed_blocker", case_rollback_past_freed_blocker },
	{ "double_free_during_handout_is_refused", case_double_free_during_handout },
	{ "alloc_during_release_keeps_its_mark", case_alloc_during_release },
};

int main(void)
{
	int planned = ARRAY_SIZE(cases);
	unsigned int c;

	ktap_plan(planned);
	/* Pools destroyed with blocks still live: expected, keep quiet. */
	nbbs_user_console_loglevel = 3;
#ifdef NBBS_FAULT_INJECT
	/* Scripted interleavings: no faults but those the cases inject. */
	nbbs_fault_fail_permille = 0;
	nbbs_fault_delay_permille = 0;
#endif
	for (c = 0; c < ARRAY_SIZE(cases); c++) {
		nbbs_user_set_cpu(0);
		skip = NULL;
		cases[c].fn();
		if (skip) {
			/* ktap_result() of nbbs_test.h, with the directive. */
			ktap_number++;
			printf("ok %d %s # SKIP %s\n", ktap_number, cases[c].name, skip);
		} else {
			ktap_result(cases[c].name);
		}
	}
	return ktap_finish(planned);
}
