/* SPDX-License-Identifier: MIT */
/*
 * worker - a thread that drives the I/O of the flows handed to it.
 *
 * The session spawns workers (pinned to a CPU or not), hands each a set of
 * flows for a test and steers it with commands: RUN (flows start), RESET
 * (the warm-up is over: counters start from zero), STOP_TX (the measured
 * window is over: active flows start nothing new), STOP (flows drain and
 * are released) and EXIT.  A command is a sequence number bump plus an
 * eventfd write; the worker acknowledges through the session's notify
 * eventfd.  What a flow does is its flow_ops (flow.h).
 *
 * Engines (io.h): a worker owns an epoll engine from its spawn to its end,
 * which waits for commands between tests and runs the tests on epoll.  A
 * test on another engine gets one more, of its kind only, in test_eng:
 * io_uring, which the session sets up with wrk_arm before RUN (its errors
 * go in the TEST_START reply) and frees with wrk_disarm after STOP; or
 * the blocking engine (wrk_blocks), which the worker sets up itself at
 * RUN and frees at STOP.  The worker runs on test_eng from RUN to STOP,
 * on epoll otherwise.  The engines' state is behind their own pointers,
 * so a worker holds two small handles.
 */
#ifndef KPERF_WORKER_H
#define KPERF_WORKER_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/pattern.h"
#include "server/flow.h"
#include "server/io.h"

/* Bounded work per flow per wake-up keeps commands and other flows fed. */
#define WRK_IO_BUDGET	16

enum wrk_cmd {
	WCMD_NONE, WCMD_RUN, WCMD_RESET, WCMD_STOP_TX, WCMD_STOP, WCMD_EXIT
};

/* What a test asks of every worker; set before RUN, read-only after. */
struct wrk_params {
	uint32_t read_size;
	uint32_t write_size;
	uint32_t req_size;
	uint32_t resp_size;
	uint32_t depth;
	uint64_t resp_delay_ns;
	int timing;		/* rr: record each transaction's latency */
	/* Data path (PROTO_ENGINE_*, PROTO_RX_*, PROTO_TX_*). */
	uint8_t engine, rx_mode, tx_mode;
	int validate;		/* check every byte read */
	int waitall;		/* stream: receivers read whole blocks */
	const struct pat *pat;	/* the payload, read-only */
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
	int cmd_pending;	/* the command eventfd fired */
	struct io_engine eng;	/* epoll: always there, used between tests */
	struct io_engine test_eng;	/* io_uring or block, ops NULL: none */
	struct io_engine *io;	/* the engine in use */
	int blocking;		/* atomic: io is block, commands need a kick */
	int budget;		/* I/O calls per flow per wake-up */
	/* Test state, owned by the session outside RUN..STOP. */
	struct flow **flows;
	unsigned int n_flows;
	const struct wrk_params *params;	/* the session's, read at RUN */
	struct wrk_params p;	/* the worker's copy while a test runs */
	uint8_t *buf;
	size_t buf_len;
};

/*
 * Start a worker thread pinned to cpu (or not, cpu < 0) and wait until it
 * has pinned itself and read its affinity back.  Return 0 or -errno (-EIO
 * when the affinity read back differs from the request).
 */
int wrk_spawn(struct worker *w, uint32_t id, int cpu, int notify_fd);

/* Post a command; the session waits for wrk_acked() (session.c). */
void wrk_post(struct worker *w, enum wrk_cmd cmd);
int wrk_acked(const struct worker *w);
/* Interrupt a worker blocked in its flow's I/O so it sees a command. */
void wrk_kick(struct worker *w);

/*
 * Does a worker with these n_flows flows and parameters block in its
 * flow's own send/recv (engine "block") when it is not on io_uring?
 */
int wrk_blocks(const struct wrk_params *p, struct flow *const *flows,
	       unsigned int n_flows);

/*
 * Before RUN, once w->flows are set: set up the engine the session must
 * set up for a test with params p (io_uring, when p asks for it) and
 * attach every flow to it; nothing for the others.  0, or -errno with
 * err set when there is more to say than strerror.
 */
int wrk_arm(struct worker *w, const struct wrk_params *p, char *err,
	    size_t errlen);
/* After STOP (or a failed arm): free the test's engine; detach flows. */
void wrk_disarm(struct worker *w);

/* Stop the thread and release everything; safe on a failed spawn. */
void wrk_destroy(struct worker *w);

#endif
