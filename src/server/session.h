/* SPDX-License-Identifier: MIT */
/*
 * session - the client's agent on one host: one process per control
 * connection, forked by kperfd.
 *
 * sess_run() serves the control connection until the client goes away,
 * then releases everything the session owned (workers, connections, the
 * acceptor) and returns.  One thread runs the control loop; workers are
 * separate threads steered through worker.h.
 */
#ifndef KPERF_SESSION_H
#define KPERF_SESSION_H

#include <stdint.h>

#include "common/hostinfo.h"
#include "proto/proto.h"
#include "server/conn.h"
#include "server/worker.h"

#define SESS_MAX_WORKERS	1024
#define SESS_IO_TIMEOUT_MS	10000	/* control frame read/write */

struct measure;

struct session {
	int ctl_fd;
	int notify_fd;		/* workers -> session eventfd */
	int hello_done;
	struct hostinfo host;
	struct conn_table conns;
	struct worker *workers[SESS_MAX_WORKERS];
	unsigned int n_workers;
	struct measure *test;	/* the running test, or NULL */
	uint8_t *rxbuf;		/* one frame body, PROTO_MAX_BODY */
	uint8_t *txbuf;		/* frames to send, PROTO_HDR_LEN + MAX_BODY */
	int quit;
};

/* Serve ctl_fd until it closes.  Return 0 or -errno. */
int sess_run(int ctl_fd);

/* Send what was encoded into w (w->err set: nothing is sent). */
int sess_send(struct session *s, const struct proto_wr *w);

/* Reply to request id with an ERROR frame: errno err and a message. */
int sess_error(struct session *s, uint32_t id, int err, const char *fmt,
	       ...) __attribute__((format(printf, 4, 5)));

/* Wait until every worker in ws[] acknowledged its last command. */
int sess_wait_acks(struct session *s, struct worker **ws, unsigned int n,
		   int timeout_ms);

#endif
