// SPDX-License-Identifier: GPL-2.0
/*
 * The nbbs core from a userspace program.  Build it from the repository's
 * top directory after `make user`:
 *
 *   cc -Ibuild/user/include prog.c build/user/libnbbs.a -lpthread
 *
 * It prints KTAP, so that `make check-user-test` can count it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nbbs_core.h"

int main(void)
{
	size_t size = 1 << 20;
	void *arena = aligned_alloc(4096, size);
	struct nbbs_pool *pool, *def;
	struct nbbs_info info;
	char *a, *b;
	int ok = 1;

	printf("TAP version 13\n1..1\n");
	/* A private pool: 1 MiB of 64-byte blocks, blocks up to 64 KiB. */
	pool = nbbs_pool_create(arena, size, 6, 10, GFP_KERNEL);
	if (!arena || !pool || (unsigned long)pool >= -4095UL) {
		printf("not ok 1 example: no pool\n");
		return 1;
	}
	a = nbbs_alloc(pool, 0);	/* 64 bytes */
	b = nbbs_alloc(pool, 10);	/* 64 KiB */
	ok &= a && b && a != b;
	if (ok) {
		memcpy(a, "hello", 6);
		memset(b, 0, 64 << 10);
	}
	ok &= nbbs_free(pool, a) == 0;	/* no size needed */
	ok &= nbbs_free(pool, b) == 0;
	ok &= nbbs_free(pool, b) != 0;	/* a double free is refused */
	nbbs_pool_destroy(pool);
	free(arena);

	/* The default pool: 64 MiB of 4 KiB blocks, built on first use. */
	def = nbbs_default_pool();
	ok &= !!def;
	if (def) {
		nbbs_pool_info(def, &info);
		a = nbbs_alloc(def, 2);	/* 16 KiB */
		ok &= a && info.size == 64 << 20;
		ok &= nbbs_free(def, a) == 0;
	}
	printf("%sok 1 example: build with the documented command line and run\n",
	       ok ? "" : "not ");
	return !ok;
}
