/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The calls between the core's objects that test_mutants_interleave.c
 * intercepts (ld --wrap): the protocol's, as nbbs_internal.h declares them,
 * and with fault injection the CAS hook.
 */
#ifndef _NBBS_TEST_MUTANTS_INTERLEAVE_H
#define _NBBS_TEST_MUTANTS_INTERLEAVE_H

#include <stdbool.h>

struct nbbs_pool;
struct nbbs_ctx;

int __real_nbbs_claim(struct nbbs_pool *pool, unsigned int level,
		      unsigned long idx, unsigned int *blevel,
		      unsigned long *bidx, struct nbbs_ctx *ctx);
int __wrap_nbbs_claim(struct nbbs_pool *pool, unsigned int level,
		      unsigned long idx, unsigned int *blevel,
		      unsigned long *bidx, struct nbbs_ctx *ctx);
int __real_nbbs_node_state(const struct nbbs_pool *pool, unsigned int level,
			   unsigned long idx);
int __wrap_nbbs_node_state(const struct nbbs_pool *pool, unsigned int level,
			   unsigned long idx);
bool __real_nbbs_fault_cas(void);
bool __wrap_nbbs_fault_cas(void);

#endif /* _NBBS_TEST_MUTANTS_INTERLEAVE_H */
