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

static int ep_unwatch(struct io_engine *e, int fd)
{
	return ep_ctl(e, EPOLL_CTL_DEL, NULL, fd, 0);
}

/* epoll_pwait2: a nanosecond timeout, for response delays. */
static int ep_wait(struct io_engine *e, int64_t timeout_ns, io_cb cb,
		   void *arg)
{
	struct timespec ts = { .tv_sec = timeout_ns / 1000000000,
			       .tv_nsec = timeout_ns % 1000000000 };
	int n, i;

	n = epoll_pwait2(e->fd, e->evs, IO_BATCH, timeout_ns < 0 ? NULL : &ts,
			 NULL);
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
