/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim of <linux/math64.h>: see <linux/math.h>. */
#include <linux/math.h>
