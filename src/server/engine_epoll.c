// SPDX-License-Identifier: MIT
/* engine_epoll - the default I/O engine: level-triggered epoll. */
#include <errno.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "server/io.h"

/* A worker's epoll engine (e->priv), from its spawn to its end. */
struct ep {
	int fd;
	struct epoll_event evs[IO_BATCH];
};

static void ep_fini(struct io_engine *e)
{
	struct ep *ep = e->priv;

	if (!ep)
		return;
	if (ep->fd >= 0)
		close(ep->fd);
	free(ep);
	e->priv = NULL;
}

static int ep_init(struct io_engine *e, int cmd_fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
	struct ep *ep = calloc(1, sizeof(*ep));
	int ret;

	if (!ep)
		return -ENOMEM;
	e->priv = ep;
	ep->fd = epoll_create1(EPOLL_CLOEXEC);
	if (ep->fd < 0 ||
	    epoll_ctl(ep->fd, EPOLL_CTL_ADD, cmd_fd, &ev) < 0) {
		ret = -errno;
		ep_fini(e);
		return ret;
	}
	return 0;
}

static int ep_ctl(struct io_engine *e, int op, struct flow *f, int fd,
		  unsigned int events)
{
	struct epoll_event ev = { .events = events, .data.ptr = f };
	const struct ep *ep = e->priv;

	return epoll_ctl(ep->fd, op, fd, &ev) < 0 ? -errno : 0;
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
static int ep_epoll(struct ep *ep, int64_t timeout_ns)
{
	struct timespec ts = { .tv_sec = timeout_ns / 1000000000,
			       .tv_nsec = timeout_ns % 1000000000 };
	int n;

	if (!__atomic_load_n(&no_pwait2, __ATOMIC_RELAXED)) {
		n = epoll_pwait2(ep->fd, ep->evs, IO_BATCH,
				 timeout_ns < 0 ? NULL : &ts, NULL);
		if (n >= 0 || errno != ENOSYS)
			return n;
		__atomic_store_n(&no_pwait2, 1, __ATOMIC_RELAXED);
	}
	return epoll_wait(ep->fd, ep->evs, IO_BATCH, timeout_ns < 0 ? -1 :
			  (int)((timeout_ns + 999999) / 1000000));
}

static int ep_wait(struct io_engine *e, int64_t timeout_ns, io_cb cb,
		   void *arg)
{
	struct ep *ep = e->priv;
	int n, i;

	n = ep_epoll(ep, timeout_ns);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	for (i = 0; i < n; i++)
		cb(arg, ep->evs[i].data.ptr, ep->evs[i].events);
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
