/* SPDX-License-Identifier: MIT */
/*
 * helpers - what the standalone server tests share.
 *
 * Each test in tests/server is a program that drives kperfd's own code
 * (kperfd_dep) inside its process, over socketpairs and loopback TCP, and
 * exits 0 (pass), 1 (fail) or 77 (skip, with the reason printed): no
 * root, no kperfd process, no network but loopback.
 *
 *	t_*: exit codes, the kernel's view of this process (fds, threads,
 *	    sockets, TCP_INFO, affinity), probes, loopback sockets.
 *	struct tsess: one session (sess_run) on a socketpair, served by a
 *	    thread, or kperfd's at the end of a socket; the test writes raw
 *	    frames with src/proto's encoders and reads the answers.
 *	struct tpair: two sessions joined by n loopback data connections
 *	    (a: LISTEN, b: CONNECT), one worker each; tp_start() and
 *	    tp_finish() run one test on them as the client would.
 *	struct twork: one worker (wrk_*) without a session, for the
 *	    worker's own commands.
 *
 * helpers_sess.c holds the session side (tsess, tpair); helpers.c the
 * rest, and it is the one place that sets fields of the server's structs
 * (struct worker, struct flow, struct session), for the worker harness:
 * the tests themselves use the server's functions and the protocol.
 *
 * Waits have a generous deadline (T_WAIT_MS) that only bounds a hang: the
 * tests assert on counts and the kernel's counters, never on time.
 */
#ifndef KPERF_TESTS_SERVER_HELPERS_H
#define KPERF_TESTS_SERVER_HELPERS_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <linux/tcp.h>

#include "proto/proto.h"
#include "server/worker.h"

#define T_PASS		0
#define T_FAIL		1
#define T_SKIP		77
#define T_WAIT_MS	30000	/* bounds a hang, never a measurement */

/* Print why and exit 77 / 1. */
void t_skip(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));
void t_fail(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

#define T_CHECK(cond, ...)						\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "%s:%d: check failed: %s\n",	\
				__FILE__, __LINE__, #cond);		\
			t_fail(__VA_ARGS__);				\
		}							\
	} while (0)

#define T_EQ(a, b)							\
	do {								\
		unsigned long long a_ = (a), b_ = (b);			\
		if (a_ != b_) {						\
			fprintf(stderr, "%s:%d: %s == %s\n", __FILE__,	\
				__LINE__, #a, #b);			\
			t_fail("%llu != %llu", a_, b_);			\
		}							\
	} while (0)

/* Call first: SIGPIPE ignored, the server's log at warnings. */
void t_init(const char *name);

/* ---- the kernel's view of this process ---- */

int t_count_fds(void);
int t_count_threads(void);
/* Open io_uring instances (anon_inode:[io_uring] in /proc/self/fd). */
int t_count_uring_fds(void);
/* The TCP socket of this process with these ports, or -1. */
int t_sock_fd(uint16_t local_port, uint16_t peer_port);
/* TCP_INFO of fd, or the test fails. */
void t_tcp_info(int fd, struct tcp_info *ti);
/* Bytes sent and not yet acknowledged (SIOCOUTQ). */
int t_unacked(int fd);
/* Is fd in blocking mode (O_NONBLOCK clear)? */
int t_is_blocking(int fd);
/* The CPUs /proc/self/task/TID/status allows, as a list ("0-1"). */
void t_task_cpus(pid_t tid, char *out, size_t len);
/* The CPUs this process may run on: number and the list in cpus[]. */
int t_allowed_cpus(int *cpus, int max);

/* Wait until cond(arg) holds, or fail naming what (T_WAIT_MS). */
void t_wait(int (*cond)(void *arg), void *arg, const char *what);

/* ---- probes: 0, or -errno with why filled ---- */

int t_probe_uring(int zerocopy, char *why, size_t len);
int t_probe_zerocopy_rx(char *why, size_t len);
int t_probe_msg_zerocopy(char *why, size_t len);
int t_probe_ipv6(char *why, size_t len);

/* A blocking TCP socket connected to 127.0.0.1 port, or the test fails. */
int t_connect(uint16_t port);
/* A connected loopback TCP pair (127.0.0.1), non-blocking, CLOEXEC. */
void t_tcp_pair(int fds[2]);

/*
 * A data path from the command line: ENGINE [RX [TX]], ENGINE one of
 * epoll, block, io_uring; RX copy, trunc, zerocopy; TX copy, zerocopy.
 * Block is epoll's engine for a worker with one flow (wrk_blocks()), so
 * n_flows is the number of flows per worker that selects the engine.
 * Skips (77) with the reason when the host cannot run it.
 */
struct tpath {
	uint8_t engine, rx_mode, tx_mode;
	int block;
	unsigned int n_flows;
};

void t_path(int argc, char **argv, struct tpath *dp);

/* ---- one session on a socketpair ---- */

struct tsess {
	int fd;			/* the test's end of the control socket */
	int sess_fd;		/* the session's end, until sess_run() ends */
	pthread_t thread;
	int ret;		/* sess_run()'s return, after ts_end() */
	int running;
	uint32_t id;		/* the last request's id */
	struct proto_hdr h;	/* the last frame read */
	uint8_t *body;		/* its body (PROTO_MAX_BODY) */
	uint8_t *out;		/* what ts_wr() encodes into */
	int err;		/* the last ERROR's errno */
	char text[PROTO_TEXT_MAX + 1];	/* and its text */
};

/* Start sess_run() on one end of a new socketpair. */
void ts_start(struct tsess *s);
/* Talk to a session at the other end of fd (kperfd's), no thread. */
void ts_attach(struct tsess *s, int fd);
/* Close the control socket, wait for the session; sess_run()'s return. */
int ts_end(struct tsess *s);

/* A writer over s->out; the id of the next request is ++s->id. */
uint32_t ts_wr(struct tsess *s, struct proto_wr *w);
void ts_send(struct tsess *s, const struct proto_wr *w);
void ts_send_raw(struct tsess *s, const void *buf, size_t len);
/* A frame of any header and body, as request ++s->id. */
void ts_send_frame(struct tsess *s, uint16_t type, uint16_t flags,
		   const void *body, uint32_t len);
/* Read the next frame into s->h, s->body: 0, or -errno (-ECONNRESET). */
int ts_read(struct tsess *s);
/*
 * Read the answer to request s->id: 0 if it is a reply of type type,
 * or the ERROR's errno (> 0) with s->text.  Anything else fails.
 */
int ts_reply(struct tsess *s, uint16_t type);
/* Expect an ERROR err to the last request whose text contains text. */
void ts_expect_error(struct tsess *s, int err, const char *text);

/* Requests; each returns 0 or the ERROR's errno (s->text says why). */
int ts_hello(struct tsess *s, struct proto_hello *rep);
int ts_listen(struct tsess *s, uint16_t port, struct proto_listen_rep *rep);
/* count connections to 127.0.0.1 port; their infos in out[count]. */
int ts_connect(struct tsess *s, uint16_t port, uint64_t token,
	       uint32_t count, struct proto_conn_info *out);
int ts_conn_info(struct tsess *s, const uint32_t *ids, uint32_t n,
		 struct proto_conn_info *out);
int ts_conn_close(struct tsess *s, const uint32_t *ids, uint32_t n);
int ts_spawn(struct tsess *s, int cpu, struct proto_worker_rep *rep);

/*
 * A data connection of the test's own to the acceptor at port: hello with
 * token, the session's id of it in *conn_id.  The socket, blocking.
 */
int ts_data_connect(uint16_t port, uint64_t token, uint32_t *conn_id);

/* ---- two sessions joined by data connections ---- */

#define TP_MAX_CONNS	8

/* One session's side of a test. */
struct tside {
	struct proto_test_req req;	/* set by the test; flows by tp_ */
	uint8_t role;			/* of all its flows */
	/* Filled by tp_finish(). */
	struct proto_result res;
	unsigned int n_hist;		/* HIST frames */
	uint64_t hist_count;		/* transactions they hold */
	int tx_done;			/* TX_DONE came */
	uint32_t test_id;
};

struct tpair {
	struct tsess a, b;	/* a accepts, b connects */
	unsigned int n;
	struct proto_conn_info conns[TP_MAX_CONNS];	/* b's view */
	uint32_t wa, wb;	/* the one worker of each */
	int fd_a[TP_MAX_CONNS], fd_b[TP_MAX_CONNS];	/* their sockets */
};

/*
 * HELLO both, LISTEN on a, CONNECT n from b, one unpinned worker each.
 * Skips (77) when the host has no IPv6 (the acceptor is dual-stack).
 */
void tp_open(struct tpair *p, unsigned int n);
void tp_close(struct tpair *p);

/*
 * A side of type and role, for 100 ms: stream 64 KiB reads and writes,
 * rr 100-byte requests and 300-byte responses, 4 in flight; dp's engine
 * and modes (NULL: epoll, copy).
 */
void tp_side(struct tside *s, uint16_t type, uint8_t role,
	     const struct tpath *dp);

/*
 * One session's side of a test: TEST_START of t on the connections
 * ids[n] of s, all driven by worker (0 or the ERROR's errno); read the
 * test's frames until one of type (TX_DONE, TEST_RESULT), or an ERROR
 * (its errno); TEST_STOP and the result.
 */
int ts_test_start(struct tsess *s, struct tside *t, uint32_t worker,
		  const uint32_t *ids, unsigned int n);
int ts_test_await(struct tsess *s, struct tside *t, uint16_t type);
int ts_test_stop(struct tsess *s, struct tside *t);

/*
 * TEST_START on a, then on b.  0, or the errno of the refusal (s->text
 * of that session says why; the other side is not started).
 */
int tp_start(struct tpair *p, struct tside *a, struct tside *b);
/*
 * As the client does: wait for the results of active sides and the
 * TX_DONE of BOTH sides, then TEST_STOP the others and read theirs.
 * 0, or the errno of an ERROR in place of a result.
 */
int tp_finish(struct tpair *p, struct tside *a, struct tside *b);
void tside_free(struct tside *s);

/*
 * While a test runs: dp's engine is in use as the kernel sees it (the
 * block engine puts its flow's socket in blocking mode, the others leave
 * it non-blocking; io_uring has a ring per worker).
 */
void tp_check_engine(const struct tpair *p, const struct tpath *dp);

/*
 * One test on dp's engine, a and b set up: start it, check the engine,
 * finish it, check that the engine let go (no ring left, sockets
 * non-blocking again), then the bytes: what a received is what b sent
 * and the other way round, flow by flow, as both sessions report it;
 * TCP_INFO's bytes_received moved by each end's rx_bytes, as the kernel
 * counts it and as the session reports it (b's report only up to that
 * when a BOTH a sent first); and for a side whose flows drain (stream,
 * active or BOTH) bytes_acked moved by its tx_bytes.  Any failure ends
 * the test; returns the bytes a received.
 */
uint64_t tp_run(struct tpair *p, struct tside *a, struct tside *b,
		const struct tpath *dp);

/* ---- one worker without a session (helpers.c: the fields it sets) ---- */

struct twork;

/* wrk_spawn() with a notify eventfd of the test's: 0 or -errno. */
int tw_spawn(struct twork **t, int cpu);
pid_t tw_tid(const struct twork *t);
int tw_cpu(const struct twork *t);
/* Post a command and wait for its ack as a session does: 0 or -errno. */
int tw_command(struct twork *t, enum wrk_cmd cmd);
/* Give the worker one stream flow on fd (before RUN). */
void tw_flow(struct twork *t, int fd, uint8_t role, uint32_t write_size);
uint64_t tw_tx_bytes(const struct twork *t);
int tw_flow_err(const struct twork *t);
/* After STOP: take the flow back; wrk_destroy(); free it all. */
void tw_destroy(struct twork *t);

#endif
