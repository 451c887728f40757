// SPDX-License-Identifier: GPL-2.0
/*
 * nbbs in userspace: threads as the kernel's tests use them -- tasks that
 * sleep and are woken, kernel threads, completions, wait queues and
 * work_on_cpu() -- over pthreads (see the shim headers of the same names).
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <nbbs_user.h>
#include <linux/kernel.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/sched.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

/**
 * struct task_struct - a thread as the shim sees it
 * @lock: protects @state
 * @wake: signalled when @state becomes TASK_RUNNING
 * @state: TASK_RUNNING, or the state it sleeps in once it calls schedule()
 * @thread: kernel threads: the pthread
 * @threadfn: kernel threads: the function, and @data its argument
 * @data: see @threadfn
 * @cpu: kernel threads: the emulated CPU to run as; -1: any
 * @should_stop: kthread_stop() was called
 * @result: what @threadfn returned
 * @name: kernel threads: the name given to kthread_create()
 */
struct task_struct {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	unsigned int state;
	pthread_t thread;
	int (*threadfn)(void *data);
	void *data;
	int cpu;
	bool should_stop;
	int result;
	char name[32];
};

/* A thread that is not a kernel thread is a task of its own. */
static __thread struct task_struct self = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.wake = PTHREAD_COND_INITIALIZER,
	.cpu = -1,
};

static __thread struct task_struct *cur;

struct task_struct *nbbs_user_current(void)
{
	return cur ? cur : &self;
}

void nbbs_user_set_state(unsigned int state)
{
	struct task_struct *t = current;

	pthread_mutex_lock(&t->lock);
	t->state = state;
	pthread_mutex_unlock(&t->lock);
}

void schedule(void)
{
	struct task_struct *t = current;

	pthread_mutex_lock(&t->lock);
	while (t->state != TASK_RUNNING)
		pthread_cond_wait(&t->wake, &t->lock);
	pthread_mutex_unlock(&t->lock);
}

int wake_up_process(struct task_struct *p)
{
	int woken;

	pthread_mutex_lock(&p->lock);
	woken = p->state != TASK_RUNNING;
	p->state = TASK_RUNNING;
	pthread_cond_broadcast(&p->wake);
	pthread_mutex_unlock(&p->lock);
	return woken;
}

/* ---- kernel threads ---- */

static void *kthread_main(void *arg)
{
	struct task_struct *k = arg;

	cur = k;
	schedule();	/* created asleep, until wake_up_process() */
	if (k->cpu >= 0)
		nbbs_user_set_cpu(k->cpu);
	if (__atomic_load_n(&k->should_stop, __ATOMIC_SEQ_CST))
		k->result = -EINTR;	/* stopped before it ever ran */
	else
		k->result = k->threadfn(k->data);
	return NULL;
}

struct task_struct *kthread_create(int (*threadfn)(void *data), void *data,
				   const char *namefmt, ...)
{
	struct task_struct *k = calloc(1, sizeof(*k));
	va_list ap;
	int err;

	if (!k)
		return ERR_PTR(-ENOMEM);
	pthread_mutex_init(&k->lock, NULL);
	pthread_cond_init(&k->wake, NULL);
	k->state = TASK_UNINTERRUPTIBLE;
	k->threadfn = threadfn;
	k->data = data;
	k->cpu = -1;
	va_start(ap, namefmt);
	vsnprintf(k->name, sizeof(k->name), namefmt, ap);
	va_end(ap);
	err = pthread_create(&k->thread, NULL, kthread_main, k);
	if (err) {
		free(k);
		return ERR_PTR(-err);
	}
	return k;
}

void kthread_bind(struct task_struct *k, unsigned int cpu)
{
	if (cpu >= nr_cpu_ids)
		nbbs_user_bug(__FILE__, __LINE__, "no such CPU to bind a kthread to");
	k->cpu = cpu;	/* read once woken: the lock orders it */
}

bool kthread_should_stop(void)
{
	struct task_struct *t = current;

	return t != &self && __atomic_load_n(&t->should_stop, __ATOMIC_SEQ_CST);
}

int kthread_stop(struct task_struct *k)
{
	int ret;

	__atomic_store_n(&k->should_stop, true, __ATOMIC_SEQ_CST);
	wake_up_process(k);
	pthread_join(k->thread, NULL);
	ret = k->result;
	pthread_cond_destroy(&k->wake);
	pthread_mutex_destroy(&k->lock);
	free(k);
	return ret;
}

/* ---- completions ---- */

void init_completion(struct completion *x)
{
	pthread_condattr_t attr;

	x->done = 0;
	pthread_mutex_init(&x->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&x->wait, &attr);
	pthread_condattr_destroy(&attr);
}

void complete(struct completion *x)
{
	pthread_mutex_lock(&x->lock);
	if (x->done != UINT_MAX)
		x->done++;
	pthread_cond_signal(&x->wait);
	pthread_mutex_unlock(&x->lock);
}

void complete_all(struct completion *x)
{
	pthread_mutex_lock(&x->lock);
	x->done = UINT_MAX;
	pthread_cond_broadcast(&x->wait);
	pthread_mutex_unlock(&x->lock);
}

void wait_for_completion(struct completion *x)
{
	pthread_mutex_lock(&x->lock);
	while (!x->done)
		pthread_cond_wait(&x->wait, &x->lock);
	if (x->done != UINT_MAX)
		x->done--;
	pthread_mutex_unlock(&x->lock);
}

unsigned long wait_for_completion_timeout(struct completion *x,
					  unsigned long timeout)
{
	unsigned long long ms = jiffies_to_msecs(timeout);
	struct timespec end, now;
	unsigned long left = 0;

	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += ms / 1000;
	end.tv_nsec += (ms % 1000) * 1000000;
	if (end.tv_nsec >= 1000000000) {
		end.tv_sec++;
		end.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&x->lock);
	while (!x->done &&
	       pthread_cond_timedwait(&x->wait, &x->lock, &end) != ETIMEDOUT)
		;
	if (x->done) {
		if (x->done != UINT_MAX)
			x->done--;
		clock_gettime(CLOCK_MONOTONIC, &now);
		ms = (end.tv_sec - now.tv_sec) * 1000LL +
		     (end.tv_nsec - now.tv_nsec) / 1000000;
		left = max_t(long long, (long long)msecs_to_jiffies(ms), 1);
	}
	pthread_mutex_unlock(&x->lock);
	return left;
}

/* ---- wait queues ---- */

void init_waitqueue_head(wait_queue_head_t *wq_head)
{
	wq_head->wakeups = 0;
	pthread_mutex_init(&wq_head->lock, NULL);
	pthread_cond_init(&wq_head->wait, NULL);
}

void wake_up_all(wait_queue_head_t *wq_head)
{
	pthread_mutex_lock(&wq_head->lock);
	wq_head->wakeups++;
	pthread_cond_broadcast(&wq_head->wait);
	pthread_mutex_unlock(&wq_head->lock);
}

unsigned long nbbs_user_wait_prepare(wait_queue_head_t *wq_head)
{
	unsigned long seen;

	pthread_mutex_lock(&wq_head->lock);
	seen = wq_head->wakeups;
	pthread_mutex_unlock(&wq_head->lock);
	return seen;
}

void nbbs_user_wait_sleep(wait_queue_head_t *wq_head, unsigned long seen)
{
	pthread_mutex_lock(&wq_head->lock);
	while (wq_head->wakeups == seen)
		pthread_cond_wait(&wq_head->wait, &wq_head->lock);
	pthread_mutex_unlock(&wq_head->lock);
}

/* ---- work_on_cpu() ---- */

struct cpu_work {
	int cpu;
	long (*fn)(void *arg);
	void *arg;
	long ret;
};

static void *cpu_work_main(void *arg)
{
	struct cpu_work *w = arg;

	nbbs_user_set_cpu(w->cpu);
	w->ret = w->fn(w->arg);
	return NULL;
}

long work_on_cpu(int cpu, long (*fn)(void *arg), void *arg)
{
	struct cpu_work w = { .cpu = cpu, .fn = fn, .arg = arg };
	pthread_t thread;
	int err;

	if (cpu < 0 || cpu >= nr_cpu_ids)
		return -EINVAL;
	err = pthread_create(&thread, NULL, cpu_work_main, &w);
	if (err)
		return -err;
	pthread_join(thread, NULL);
	return w.ret;
}
