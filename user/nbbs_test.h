/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KTAP output and small helpers shared by the userspace tests of nbbs.
 */
#ifndef _NBBS_TEST_H
#define _NBBS_TEST_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <linux/types.h>

/* Failed checks in the current case; atomic, threads may check too. */
static long ktap_case_failures;
static int ktap_number;
static int ktap_failed_cases;

static inline void ktap_fail_note(const char *file, int line, const char *what)
{
	if (__atomic_add_fetch(&ktap_case_failures, 1, __ATOMIC_RELAXED) <= 10)
		printf("# %s:%d: check failed: %s\n", file, line, what);
}

/* Check @cond in the current case; evaluates to @cond. */
#define CHECK(cond) ({							\
	bool __ok = !!(cond);						\
	if (!__ok)							\
		ktap_fail_note(__FILE__, __LINE__, #cond);		\
	__ok;								\
})

static inline void ktap_plan(int cases)
{
	printf("TAP version 13\n1..%d\n", cases);
	fflush(stdout);
}

/* Report the current case as @name and start the next one. */
static inline void ktap_result(const char *name)
{
	long failures = __atomic_exchange_n(&ktap_case_failures, 0, __ATOMIC_RELAXED);

	ktap_number++;
	if (failures) {
		ktap_failed_cases++;
		printf("not ok %d %s\n", ktap_number, name);
	} else {
		printf("ok %d %s\n", ktap_number, name);
	}
	fflush(stdout);
}

static inline int ktap_finish(int planned)
{
	if (ktap_number != planned) {
		printf("# planned %d cases, ran %d\n", planned, ktap_number);
		return 1;
	}
	printf("# %d passed, %d failed\n", ktap_number - ktap_failed_cases,
	       ktap_failed_cases);
	return ktap_failed_cases ? 1 : 0;
}

/* xorshift64*: small, fast, reproducible from its seed. */
static inline u64 rnd_next(u64 *s)
{
	u64 x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545f4914f6cdd1dULL;
}

/* Uniform in [0, n). */
static inline u64 rnd_below(u64 *s, u64 n)
{
	return (rnd_next(s) >> 11) % n;
}

static inline double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The seed: $NBBS_SEED if set, else from the clock; printed for replays. */
static inline u64 test_seed(void)
{
	const char *s = getenv("NBBS_SEED");
	u64 seed;

	if (s && *s)
		seed = strtoull(s, NULL, 0);
	else
		seed = (u64)time(NULL) * 2654435761ULL ^ (u64)clock();
	if (!seed)
		seed = 1;
	printf("# seed %llu (set NBBS_SEED to replay)\n", (unsigned long long)seed);
	return seed;
}

#endif /* _NBBS_TEST_H */
