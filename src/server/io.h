/* SPDX-License-Identifier: MIT */
/*
 * io - the I/O engine a worker drives its flows through.
 *
 * An engine watches flows and the worker's command eventfd.  wait() blocks
 * up to timeout_ns and calls cb once per ready flow with the events that are
 * ready (IO_EV_*); the command fd is reported with flow == NULL.  The flow
 * pointer itself is the engine's cookie (epoll data.ptr), so dispatch never
 * looks anything up.  Engines: epoll (engine_epoll.c), and block
 * (engine_block.c) for a worker with one flow: the flow's own blocking
 * send or recv is the wait.
 */
#ifndef KPERF_IO_H
#define KPERF_IO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/types.h>

struct flow;

#define IO_EV_IN	EPOLLIN
#define IO_EV_OUT	EPOLLOUT
#define IO_EV_ERR	(EPOLLERR | EPOLLHUP)
#define IO_BATCH	64

typedef void (*io_cb)(void *arg, struct flow *f, unsigned int ev);

struct io_engine {
	const struct io_ops *ops;
	int fd;
	struct epoll_event evs[IO_BATCH];
	void *priv;		/* engine_uring: its state */
	/* engine_block: the one flow it drives. */
	struct flow *flow;
	int flow_fd;
	unsigned int events;
};

struct io_ops {
	const char *name;
	/* Return 0 or -errno; cmd_fd is reported as flow NULL. */
	int (*init)(struct io_engine *e, int cmd_fd);
	void (*fini)(struct io_engine *e);
	/* Watch (or change, or stop watching) f->fd for events ev. */
	int (*watch)(struct io_engine *e, struct flow *f, int fd,
		     unsigned int ev);
	int (*mod)(struct io_engine *e, struct flow *f, int fd,
		   unsigned int ev);
	int (*unwatch)(struct io_engine *e, struct flow *f, int fd);
	/*
	 * Wait up to timeout_ns (< 0: no limit); number of events handled,
	 * or -errno (never -EINTR).
	 */
	int (*wait)(struct io_engine *e, int64_t timeout_ns, io_cb cb,
		    void *arg);
	/*
	 * Engines that move the bytes themselves (io_uring; NULL for the
	 * others, whose flows call the socket).  send queues len bytes of
	 * buf and returns -EAGAIN, or returns bytes an earlier send has
	 * sent; recv returns bytes received at *data (valid until the next
	 * call into the engine; NULL with MSG_TRUNC), 0 at EOF, -EAGAIN when
	 * none came yet.  Both return -ENODATA once the engine is quiesced
	 * and holds nothing more for f: the caller uses the socket.
	 */
	ssize_t (*send)(struct io_engine *e, struct flow *f, const void *buf,
			size_t len, int zerocopy);
	ssize_t (*recv)(struct io_engine *e, struct flow *f, size_t len,
			const uint8_t **data);
	/* Cancel every request and reap them: the test is ending. */
	void (*quiesce)(struct io_engine *e);
	/* Called by the worker's thread before it first waits; 0/-errno. */
	int (*start)(struct io_engine *e);
};

extern const struct io_ops io_epoll_ops;
extern const struct io_ops io_block_ops;

#endif
