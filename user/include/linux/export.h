/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim of <linux/export.h>: every symbol is already global. */
#ifndef _NBBS_USER_LINUX_EXPORT_H
#define _NBBS_USER_LINUX_EXPORT_H

#define EXPORT_SYMBOL(sym)
#define EXPORT_SYMBOL_GPL(sym)
#define EXPORT_SYMBOL_NS(sym, ns)
#define EXPORT_SYMBOL_NS_GPL(sym, ns)

#endif /* _NBBS_USER_LINUX_EXPORT_H */
