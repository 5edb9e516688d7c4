/* SPDX-License-Identifier: MIT */
/*
 * io - the I/O engine a worker drives its flows through.
 *
 * An engine watches flows and the worker's command eventfd.  wait() blocks
 * up to timeout_ns and calls cb once per ready flow with the events that are
 * ready (IO_EV_*); the command fd is reported with flow == NULL.  The flow
 * pointer itself is the engine's cookie (epoll data.ptr, io_uring
 * user_data), so dispatch never looks anything up.  Engines: epoll
 * (engine_epoll.c), block (engine_block.c) for a worker with one flow: the
 * flow's own blocking send or recv is the wait, and io_uring
 * (engine_uring.c, uring.h).
 *
 * Ownership: struct io_engine is only the handle every engine shares, its
 * ops and its priv pointer; each engine keeps its per-worker state (the
 * epoll fd and event array, the blocking engine's one flow, the ring and
 * its buffers) behind priv, allocated by its init (uring_setup for
 * io_uring) and freed by its fini, never in the hot loop.  An engine that
 * keeps state per flow (io_uring: the flow's received buffers) allocates
 * it for all flows at init and hands each flow its share at attach, in
 * the flow's eng pointer (flow.h); the others leave it NULL.
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

/* A worker's handle on one engine; ops NULL: none set up. */
struct io_engine {
	const struct io_ops *ops;
	void *priv;		/* the engine's own state: init .. fini */
};

struct io_ops {
	const char *name;
	/*
	 * Allocate e->priv; return 0 or -errno.  cmd_fd is reported as flow
	 * NULL.  fini frees it; safe after a failed init, and twice.
	 */
	int (*init)(struct io_engine *e, int cmd_fd);
	void (*fini)(struct io_engine *e);
	/*
	 * Optional, before the test runs: give f its per-flow state (f->eng)
	 * from what init allocated.  0, or -errno.
	 */
	int (*attach)(struct io_engine *e, struct flow *f);
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
	 * and holds nothing more for f: the caller uses the socket.  So a
	 * send of 0 bytes after quiesce gives back what the engine sent for
	 * f that f never took (xfer_finish counts it).
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
