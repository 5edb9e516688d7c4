/* SPDX-License-Identifier: MIT */
/*
 * worker - a thread that drives the I/O of the flows handed to it.
 *
 * The session spawns workers (pinned to a CPU or not), hands each a set of
 * flows for a test and steers it with commands: RUN, STOP_TX (active flows
 * stop sending), STOP (passive flows drain what is queued, all flows are
 * released) and EXIT.  A command is a sequence number bump plus an eventfd
 * write; the worker acknowledges through the session's notify eventfd.
 * While a test runs the worker touches only its flows and its buffer: no
 * allocation, no locks, no syscalls but the I/O.
 */
#ifndef KPERF_WORKER_H
#define KPERF_WORKER_H

#include <pthread.h>
#include <stdint.h>
#include <sys/types.h>

#include "server/io.h"

enum wrk_cmd { WCMD_NONE, WCMD_RUN, WCMD_STOP_TX, WCMD_STOP, WCMD_EXIT };

/* One connection in a test, as its worker sees it. */
struct flow {
	int fd;
	uint8_t role;		/* PROTO_ROLE_* */
	uint8_t running;
	uint32_t conn_id;
	int err;		/* first errno of this flow, 0 if none */
	/* Published with relaxed atomic stores: the session samples them. */
	uint64_t tx_bytes;
	uint64_t rx_bytes;
	uint64_t t_first_ns;	/* first byte moved (sender: start) */
	uint64_t t_last_ns;	/* last byte moved (sender: stop) */
};

/* What a test asks of every worker; set before RUN, read-only after. */
struct wrk_params {
	uint32_t read_size;
	uint32_t write_size;
};

struct worker {
	uint32_t id;
	pthread_t thread;
	pid_t tid;
	int cpu_req;		/* -1: not pinned */
	int cpu_pinned;		/* affinity read back, -1: not one CPU */
	int start_err;		/* pinning failure, reported by spawn */
	int cmd_fd;		/* eventfd, session -> worker */
	int notify_fd;		/* the session's eventfd, worker -> session */
	unsigned int cmd;	/* enum wrk_cmd, written before cmd_seq */
	unsigned int cmd_seq;	/* atomic */
	unsigned int ack_seq;	/* atomic */
	struct io_engine eng;
	int cmd_pending;	/* the command eventfd fired */
	/* Test state, owned by the session outside RUN..STOP. */
	struct flow **flows;
	unsigned int n_flows;
	const struct wrk_params *params;
	uint8_t *buf;
	size_t buf_len;
};

/*
 * Start a worker thread pinned to cpu (or not, cpu < 0) and wait until it
 * has pinned itself and read its affinity back.  Return 0 or -errno (-EIO
 * when the affinity read back differs from the request).
 */
int wrk_spawn(struct worker *w, uint32_t id, int cpu, int notify_fd);

/* Post a command; wrk_wait_acks() waits for workers to acknowledge. */
void wrk_post(struct worker *w, enum wrk_cmd cmd);
int wrk_acked(const struct worker *w);

/* Stop the thread and release everything; safe on a failed spawn. */
void wrk_destroy(struct worker *w);

#endif
