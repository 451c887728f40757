/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim of <linux/module.h>.  Module metadata is dropped.
 *
 * A module built into a program keeps its init and exit functions in
 * nbbs_user_module_init and nbbs_user_module_exit, for the program to
 * "load" it, and its parameters on a list that nbbs_user_param_set()
 * sets by name from text, as insmod's name=value arguments do (types
 * uint, ulong, int, bool and charp; charp keeps the caller's string).
 */
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

struct nbbs_user_param {
	const char *name;
	void *arg;
	int (*set)(const char *val, void *arg);
	struct nbbs_user_param *next;
};

void nbbs_user_param_add(struct nbbs_user_param *param);
/* 0, -ENOENT for no such parameter, -EINVAL for a value of the wrong form. */
int nbbs_user_param_set(const char *name, const char *val);

int nbbs_user_param_set_uint(const char *val, void *arg);
int nbbs_user_param_set_ulong(const char *val, void *arg);
int nbbs_user_param_set_int(const char *val, void *arg);
int nbbs_user_param_set_bool(const char *val, void *arg);
int nbbs_user_param_set_charp(const char *val, void *arg);

#define __nbbs_user_param_type_uint	unsigned int
#define __nbbs_user_param_type_ulong	unsigned long
#define __nbbs_user_param_type_int	int
#define __nbbs_user_param_type_bool	bool
#define __nbbs_user_param_type_charp	char *

#define module_param_named(pname, value, type, perm)			\
	_Static_assert(__same_type(value, __nbbs_user_param_type_##type), \
		       "module_param " #pname ": not of type " #type);	\
	static struct nbbs_user_param __nbbs_user_param_##pname = {	\
		.name = #pname,						\
		.arg = &(value),					\
		.set = nbbs_user_param_set_##type,			\
	};								\
	static void __attribute__((__constructor__))			\
	__nbbs_user_param_add_##pname(void)				\
	{								\
		nbbs_user_param_add(&__nbbs_user_param_##pname);	\
	}
#define module_param(pname, type, perm)	module_param_named(pname, pname, type, perm)

extern int (*nbbs_user_module_init)(void);
extern void (*nbbs_user_module_exit)(void);

#endif /* _NBBS_USER_LINUX_MODULE_H */
