// SPDX-License-Identifier: MIT
/* engine_epoll - the default I/O engine: level-triggered epoll. */
#include <errno.h>
#include <time.h>
#include <unistd.h>

#include "server/io.h"

static int ep_init(struct io_engine *e, int cmd_fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };

	e->fd = epoll_create1(EPOLL_CLOEXEC);
	if (e->fd < 0)
		return -errno;
	if (epoll_ctl(e->fd, EPOLL_CTL_ADD, cmd_fd, &ev) < 0) {
		int ret = -errno;

		close(e->fd);
		e->fd = -1;
		return ret;
	}
	return 0;
}

static void ep_fini(struct io_engine *e)
{
	if (e->fd >= 0)
		close(e->fd);
	e->fd = -1;
}

static int ep_ctl(struct io_engine *e, int op, struct flow *f, int fd,
		  unsigned int events)
{
	struct epoll_event ev = { .events = events, .data.ptr = f };

	return epoll_ctl(e->fd, op, fd, &ev) < 0 ? -errno : 0;
}

static int ep_watch(struct io_engine *e, struct flow *f, int fd,
		    unsigned int ev)
{
	return ep_ctl(e, EPOLL_CTL_ADD, f, fd, ev);
}

static int ep_mod(struct io_engine *e, struct flow *f, int fd,
		  unsigned int ev)
{
	return ep_ctl(e, EPOLL_CTL_MOD, f, fd, ev);
}

static int ep_unwatch(struct io_engine *e, struct flow *f, int fd)
{
	return ep_ctl(e, EPOLL_CTL_DEL, NULL, fd, 0);
}

/* Kernels before 5.11 (and valgrind 3.19) lack epoll_pwait2. */
static int no_pwait2;

/*
 * epoll_pwait2 for a nanosecond timeout (response delays); else
 * epoll_wait with the timeout rounded up to a millisecond.
 */
static int ep_epoll(struct io_engine *e, int64_t timeout_ns)
{
	struct timespec ts = { .tv_sec = timeout_ns / 1000000000,
			       .tv_nsec = timeout_ns % 1000000000 };
	int n;

	if (!__atomic_load_n(&no_pwait2, __ATOMIC_RELAXED)) {
		n = epoll_pwait2(e->fd, e->evs, IO_BATCH,
				 timeout_ns < 0 ? NULL : &ts, NULL);
		if (n >= 0 || errno != ENOSYS)
			return n;
		__atomic_store_n(&no_pwait2, 1, __ATOMIC_RELAXED);
	}
	return epoll_wait(e->fd, e->evs, IO_BATCH, timeout_ns < 0 ? -1 :
			  (int)((timeout_ns + 999999) / 1000000));
}

static int ep_wait(struct io_engine *e, int64_t timeout_ns, io_cb cb,
		   void *arg)
{
	int n, i;

	n = ep_epoll(e, timeout_ns);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	for (i = 0; i < n; i++)
		cb(arg, e->evs[i].data.ptr, e->evs[i].events);
	return n;
}

const struct io_ops io_epoll_ops = {
	.name = "epoll",
	.init = ep_init,
	.fini = ep_fini,
	.watch = ep_watch,
	.mod = ep_mod,
	.unwatch = ep_unwatch,
	.wait = ep_wait,
};
