// SPDX-License-Identifier: MIT
/*
 * engine_block - for a worker with exactly one flow: the flow's socket is
 * put in blocking mode and the flow's own send or recv is the wait, as in
 * iperf3 and sockperf, which saves the epoll_wait of every wake-up.  A
 * command reaches the worker as a signal that interrupts that call (no
 * SA_RESTART); the session repeats the signal until the command is
 * acknowledged, which closes the race with a worker about to block.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include "server/io.h"

static int blk_init(struct io_engine *e, int cmd_fd)
{
	e->fd = -1;
	e->flow = NULL;
	e->events = 0;
	return 0;
}

static void blk_fini(struct io_engine *e)
{
	e->flow = NULL;
}

static int set_blocking(int fd, int on)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0)
		return -errno;
	fl = on ? fl & ~O_NONBLOCK : fl | O_NONBLOCK;
	return fcntl(fd, F_SETFL, fl) < 0 ? -errno : 0;
}

static int blk_watch(struct io_engine *e, struct flow *f, int fd,
		     unsigned int ev)
{
	int ret;

	if (e->flow)
		return -EBUSY;
	ret = set_blocking(fd, 1);
	if (ret < 0)
		return ret;
	e->flow = f;
	e->flow_fd = fd;
	e->events = ev;
	return 0;
}

static int blk_mod(struct io_engine *e, struct flow *f, int fd,
		   unsigned int ev)
{
	e->events = ev;
	return 0;
}

static int blk_unwatch(struct io_engine *e, struct flow *f, int fd)
{
	e->flow = NULL;
	e->events = 0;
	return set_blocking(fd, 0);
}

/*
 * Send before receiving: a flow with bytes to send waits for them to go
 * (the peer needs them to answer); otherwise it waits for bytes to come.
 */
static int blk_wait(struct io_engine *e, int64_t timeout_ns, io_cb cb,
		    void *arg)
{
	if (!e->flow) {
		pause();	/* until the next command's signal */
		return 0;
	}
	cb(arg, e->flow, e->events & IO_EV_OUT ? IO_EV_OUT : IO_EV_IN);
	return 1;
}

const struct io_ops io_block_ops = {
	.name = "block",
	.init = blk_init,
	.fini = blk_fini,
	.watch = blk_watch,
	.mod = blk_mod,
	.unwatch = blk_unwatch,
	.wait = blk_wait,
};
