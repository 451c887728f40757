/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim of <linux/prandom.h>: a seeded pseudo-random sequence per
 * struct rnd_state.  The generator is splitmix64, not the kernel's
 * Tausworthe generator: one seed gives a different sequence here than in
 * the kernel, but always the same one here.
 */
#ifndef _NBBS_USER_LINUX_PRANDOM_H
#define _NBBS_USER_LINUX_PRANDOM_H

#include <linux/types.h>

struct rnd_state {
	u64 x;
};

static inline void prandom_seed_state(struct rnd_state *state, u64 seed)
{
	state->x = seed;
}

static inline u32 prandom_u32_state(struct rnd_state *state)
{
	u64 z = (state->x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (u32)((z ^ (z >> 31)) >> 32);
}

#endif /* _NBBS_USER_LINUX_PRANDOM_H */
