/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim of <linux/module.h>: module metadata is dropped. */
#ifndef _NBBS_USER_LINUX_MODULE_H
#define _NBBS_USER_LINUX_MODULE_H

#include <linux/kernel.h>
#include <linux/export.h>
#include <linux/init.h>

#define THIS_MODULE		((void *)0)
#define MODULE_LICENSE(s)
#define MODULE_AUTHOR(s)
#define MODULE_DESCRIPTION(s)
#define MODULE_VERSION(s)
#define MODULE_ALIAS(s)
#define MODULE_IMPORT_NS(ns)
#define MODULE_PARM_DESC(name, desc)
#define module_param(name, type, perm)
#define module_param_named(name, var, type, perm)

#endif /* _NBBS_USER_LINUX_MODULE_H */
