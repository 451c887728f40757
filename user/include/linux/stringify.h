/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim of <linux/stringify.h>: see <linux/compiler.h>. */
#include <linux/compiler.h>
