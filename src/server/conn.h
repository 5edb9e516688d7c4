/* SPDX-License-Identifier: MIT */
/*
 * conn - the data connections of one session, and how they are made.
 *
 * Connections live in a fixed table indexed by their id, so an id from the
 * wire is checked with one bounds test and one "in use" test.  A connection
 * is made by the session, never a worker: its RX CPU is only known once a
 * packet has arrived, so both ends exchange a 16-byte hello first (the
 * connector presents the acceptor's token) and then read SO_INCOMING_CPU.
 *
 *	conn_table_init(&t);
 *	conn_connect(&t, &req, ids, err, sizeof(err));  // active side
 *	conn_acceptor_open(&t, port, &token);            // passive side
 *	... poll t.acceptor_fd and every pending fd, call conn_on_accept() /
 *	conn_on_pending() ...
 *	conn_close(&t, id); conn_table_fini(&t);
 */
#ifndef KPERF_CONN_H
#define KPERF_CONN_H

#include <stddef.h>
#include <stdint.h>

#include "proto/proto.h"

#define CONN_PENDING_MAX	64	/* accepted, hello not yet read */
#define CONN_HELLO_TIMEOUT_MS	5000

struct conn {
	int fd;			/* -1: slot free */
	uint32_t peer_id;
	uint16_t local_port, peer_port;
	int in_test;		/* handed to a worker for the running test */
	uint64_t tx_off, rx_off;	/* stream bytes so far: pattern phase */
};

struct conn_pending {
	int fd;			/* -1: slot free */
	uint64_t deadline_ns;
	uint8_t buf[PROTO_DATA_HELLO_LEN];
	size_t have;
};

struct conn_table {
	struct conn *conns;	/* PROTO_MAX_CONNS slots, id = index */
	unsigned int n_used;
	int acceptor_fd;	/* -1 when not listening */
	uint16_t acceptor_port;
	uint64_t token;
	struct conn_pending pending[CONN_PENDING_MAX];
};

int conn_table_init(struct conn_table *t);
void conn_table_fini(struct conn_table *t);

/* The connection with this id, or NULL if there is none. */
struct conn *conn_get(struct conn_table *t, uint32_t id);

/* Fill info for connection id (reads SO_INCOMING_CPU now). 0 or -ENOENT. */
int conn_info(struct conn_table *t, uint32_t id, struct proto_conn_info *i);

/* Close a connection and free its slot. 0 or -ENOENT, -EBUSY if in a test. */
int conn_close(struct conn_table *t, uint32_t id);

/*
 * Open the data acceptor (dual-stack) on port (0: any), or return the one
 * already open.  Return 0 or -errno.
 */
int conn_acceptor_open(struct conn_table *t, uint16_t port);

/* Acceptor readable: accept what is waiting into the pending slots. */
void conn_on_accept(struct conn_table *t, uint64_t now_ns);

/* Pending connection readable: read its hello, adopt it or drop it. */
void conn_on_pending(struct conn_table *t, struct conn_pending *p);

/* Drop pending connections whose hello is late; earliest deadline left. */
uint64_t conn_expire_pending(struct conn_table *t, uint64_t now_ns);

/*
 * Open req->count connections to another session's acceptor and exchange
 * hellos; a non-zero req->mss is set (TCP_MAXSEG) on each socket before it
 * connects, and a refusal is reported as "--mss N: <reason>".  On success
 * the new ids are in ids[] (req->count entries).  On failure every
 * connection this call opened is closed, and err says what failed.
 * Return 0 or -errno.
 */
int conn_connect(struct conn_table *t, const struct proto_connect_req *req,
		 uint32_t *ids, char *err, size_t errlen);

#endif
