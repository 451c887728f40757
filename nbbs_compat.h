/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nbbs - compatibility with the kernels nbbs is built for (6.1 .. 6.12),
 * for nbbs.ko and the stress tester (nbbs_stress.ko).
 */
#ifndef _NBBS_COMPAT_H
#define _NBBS_COMPAT_H

#include <linux/mmzone.h>

/*
 * nbbs_max_page_order - the largest order alloc_pages() can serve.
 *
 * 6.8 renamed the limit MAX_PAGE_ORDER (inclusive).  Before 6.4 it was
 * MAX_ORDER, exclusive, as in 6.1.  6.4 to 6.7 have an inclusive MAX_ORDER;
 * there this answers one order less than possible, which is safe.
 */
static inline unsigned int nbbs_max_page_order(void)
{
#ifdef MAX_PAGE_ORDER
	return MAX_PAGE_ORDER;
#else
	return MAX_ORDER - 1;
#endif
}

#endif /* _NBBS_COMPAT_H */
