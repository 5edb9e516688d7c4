/* SPDX-License-Identifier: MIT */
/*
 * ctl - the client's control connection to one kperfd session.
 *
 * ctl_open() connects (bounded by a timeout) and exchanges HELLO; after that
 * ctl_call() sends a request and waits for its reply, and ctl_recv() reads
 * whatever frame comes next (for SAMPLE and TEST_RESULT, which a session
 * sends on its own).  Every error text names the host.
 */
#ifndef KPERF_CTL_H
#define KPERF_CTL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "proto/proto.h"

struct ctl {
	int fd;
	const char *role;		/* "source" or "destination" */
	char host[256];
	char svc[32];
	uint32_t next_id;
	struct proto_hello hello;	/* the server's facts */
	struct sockaddr_storage peer;	/* the address that answered */
	uint8_t *rx;			/* the last frame's body */
	uint8_t *tx;			/* a frame being sent */
	char *err;			/* where errors are written */
	size_t errlen;
};

int ctl_open(struct ctl *c, const char *role, const char *host,
	     const char *svc, int timeout_ms, char *err, size_t errlen);
void ctl_close(struct ctl *c);

/* A writer over c->tx for the next request, and that request's id. */
uint32_t ctl_begin(struct ctl *c, struct proto_wr *w);

/*
 * Send the frame in w and wait for the reply to id; the reply's body is in
 * c->rx, its header in *h.  An ERROR reply becomes -errno with its text in
 * the error buffer.  Frames for other ids are refused as a protocol error.
 */
int ctl_call(struct ctl *c, struct proto_wr *w, uint32_t id,
	     struct proto_hdr *h, int timeout_ms);

/* Send the frame in w. */
int ctl_send(struct ctl *c, struct proto_wr *w);

/* Read the next frame, whatever it is, within timeout_ms. */
int ctl_recv(struct ctl *c, struct proto_hdr *h, int timeout_ms);

/* Turn an ERROR frame in c->rx into -errno and an error text. */
int ctl_remote_error(struct ctl *c, const struct proto_hdr *h);

/* Write "role HOST: message" to the error buffer; returns err. */
int ctl_fail(struct ctl *c, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
