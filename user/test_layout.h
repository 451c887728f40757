/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Run a test program on either layout of the tree.
 *
 * The tests create their pools with nbbs_pool_create(); here that call
 * takes the layout from $NBBS_LAYOUT ("tree" or "packed", either with
 * "-hot" for a pool with NBBS_POOL_HOT), so the same program checks all
 * of them.  Unset, the core's default layout is used.
 */
#ifndef _NBBS_TEST_LAYOUT_H
#define _NBBS_TEST_LAYOUT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nbbs_core.h"

static inline unsigned int nbbs_test_flags(void)
{
	const char *v = getenv("NBBS_LAYOUT");

	if (!v || !*v)
		return 0;
	if (!strcmp(v, "tree"))
		return NBBS_POOL_TREE;
	if (!strcmp(v, "packed"))
		return NBBS_POOL_PACKED;
	if (!strcmp(v, "tree-hot"))
		return NBBS_POOL_TREE | NBBS_POOL_HOT;
	if (!strcmp(v, "packed-hot"))
		return NBBS_POOL_PACKED | NBBS_POOL_HOT;
	fprintf(stderr, "NBBS_LAYOUT=%s: want tree, packed, tree-hot or packed-hot\n", v);
	exit(2);
}

#ifdef NBBS_FAULT_INJECT
/* The rates of nbbs_internal.h, which programs do not see. */
extern unsigned int nbbs_fault_fail_permille;
extern unsigned int nbbs_fault_delay_permille;

/*
 * Built with fault injection: $NBBS_FAULT_FAIL and $NBBS_FAULT_DELAY set
 * how many of 1000 compare-and-swaps of the core fail or are delayed.
 */
__attribute__((constructor)) static void nbbs_test_faults(void)
{
	const char *fail = getenv("NBBS_FAULT_FAIL");
	const char *delay = getenv("NBBS_FAULT_DELAY");

	if (fail)
		nbbs_fault_fail_permille = (unsigned int)atoi(fail);
	if (delay)
		nbbs_fault_delay_permille = (unsigned int)atoi(delay);
	printf("# fault injection: %u/1000 CAS fail, %u/1000 delayed\n",
	       nbbs_fault_fail_permille, nbbs_fault_delay_permille);
}
#endif

#define nbbs_pool_create(base, size, min_shift, max_order, gfp) \
	nbbs_pool_create_flags(base, size, min_shift, max_order, gfp, nbbs_test_flags())

#endif /* _NBBS_TEST_LAYOUT_H */
