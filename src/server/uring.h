/* SPDX-License-Identifier: MIT */
/*
 * uring - the io_uring engine (engine_uring.c).
 *
 * Unlike epoll it moves the bytes itself: each flow has at most one send
 * in flight (IORING_OP_SEND, or IORING_OP_SEND_ZC from the payload
 * registered as a fixed buffer) and one receive (multishot IORING_OP_RECV
 * into a ring of provided buffers; single-shot where the kernel refuses
 * multishot, and with MSG_TRUNC).  Completions are queued in the flow's
 * share of the engine (its eng pointer, given by attach from an array
 * uring_setup allocates for every flow of the worker) and reported as
 * IO_EV_IN / IO_EV_OUT; the flow takes them through xfer_send / xfer_recv
 * (io_ops send/recv).  The worker's command eventfd is watched by a
 * multishot poll.  Set up for one test (wrk_arm; errors go back in the
 * TEST_START reply), torn down after it (wrk_disarm).
 */
#ifndef KPERF_URING_H
#define KPERF_URING_H

#include <stddef.h>

#include "server/io.h"

struct wrk_params;

/* Provided receive buffers per worker at most, and their size. */
#define URING_NBUFS		32
#define URING_BUF_MAX		(256 * 1024)

/*
 * Can this host run p's data path on io_uring?  0, or -errno with the
 * reason in err (io_uring missing or disabled, an operation the kernel
 * lacks, a mode io_uring cannot do).
 */
int uring_probe(const struct wrk_params *p, char *err, size_t errlen);

/*
 * Make e the io_uring engine of a worker with n_flows flows and command
 * eventfd cmd_fd for a test with params p, with the per-flow state of
 * every flow (each takes its share by io_ops attach).  0, or -errno with
 * err set.
 */
int uring_setup(struct io_engine *e, int cmd_fd, const struct wrk_params *p,
		unsigned int n_flows, char *err, size_t errlen);

extern const struct io_ops io_uring_ops;

#endif
