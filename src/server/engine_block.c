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
#include <stdlib.h>
#include <unistd.h>

#include "server/io.h"

/* The one flow the engine drives (e->priv), for one test. */
struct blk {
	struct flow *flow;
	unsigned int events;
};

static int blk_init(struct io_engine *e, int cmd_fd)
{
	e->priv = calloc(1, sizeof(struct blk));
	return e->priv ? 0 : -ENOMEM;
}

static void blk_fini(struct io_engine *e)
{
	free(e->priv);
	e->priv = NULL;
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
	struct blk *b = e->priv;
	int ret;

	if (b->flow)
		return -EBUSY;
	ret = set_blocking(fd, 1);
	if (ret < 0)
		return ret;
	b->flow = f;
	b->events = ev;
	return 0;
}

static int blk_mod(struct io_engine *e, struct flow *f, int fd,
		   unsigned int ev)
{
	struct blk *b = e->priv;

	b->events = ev;
	return 0;
}

static int blk_unwatch(struct io_engine *e, struct flow *f, int fd)
{
	struct blk *b = e->priv;

	b->flow = NULL;
	b->events = 0;
	return set_blocking(fd, 0);
}

/*
 * Send before receiving: a flow with bytes to send waits for them to go
 * (the peer needs them to answer); otherwise it waits for bytes to come.
 */
static int blk_wait(struct io_engine *e, int64_t timeout_ns, io_cb cb,
		    void *arg)
{
	const struct blk *b = e->priv;

	if (!b->flow) {
		pause();	/* until the next command's signal */
		return 0;
	}
	cb(arg, b->flow, b->events & IO_EV_OUT ? IO_EV_OUT : IO_EV_IN);
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
