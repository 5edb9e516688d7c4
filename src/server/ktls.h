/* SPDX-License-Identifier: MIT */
/*
 * ktls - kernel TLS on a session's data connections: the CONN_TLS and
 * TLS_STAT requests.
 *
 * CONN_TLS: for each listed connection, in order, attach the "tls" ULP
 * (setsockopt TCP_ULP), then give the kernel the record keys of the
 * directions asked for (SOL_TLS TLS_TX / TLS_RX with the cipher's
 * tls12_crypto_info_*), then TLS_RX_EXPECT_NO_PAD when asked.  It is
 * meant for idle sockets, after the data hello and before a test: a
 * socket with unread bytes is refused (they would be parsed as records).
 * Every id is checked first (ENOENT, EBUSY in a running test, EINVAL
 * listed twice); a kernel without TLS (TCP_ULP "tls" gives ENOENT) is
 * answered with EPROTONOSUPPORT, so the client can say so.  A ULP cannot
 * be detached: connections set before a failure keep it.
 *
 * TLS_STAT: /proc/net/tls_stat of the session's network namespace, as
 * the kernel lists it; no file (no CONFIG_TLS, or the tls module not
 * loaded yet) is an answer too, with no counters.
 *
 *	{ PROTO_T_CONN_TLS, ktls_h_conn_tls, ... } in the dispatch table
 *
 * The lower functions are separate so they can be tested on their own.
 */
#ifndef KPERF_KTLS_H
#define KPERF_KTLS_H

#include <stddef.h>
#include <stdint.h>

#include "proto/proto.h"

struct session;

/* Request handlers (session.c's table).  Return what sess_send() did. */
int ktls_h_conn_tls(struct session *s, const struct proto_hdr *h,
		    const uint8_t *body);
int ktls_h_tls_stat(struct session *s, const struct proto_hdr *h,
		    const uint8_t *body);

/*
 * Set up kernel TLS on fd for the directions of m->flags with the keys of
 * c.  0, or -errno with err naming what failed ("TLS_TX: reason");
 * -EPROTONOSUPPORT when the kernel has no TLS ULP.
 */
int ktls_apply(int fd, const struct proto_tls_req *m,
	       const struct proto_tls_conn *c, char *err, size_t errlen);

/*
 * Parse the text of /proc/net/tls_stat ("Name<blanks>value" lines) into
 * *st (flags PRESENT).  Lines that are not a counter are skipped, and
 * counters past PROTO_TLS_MAX_COUNTERS.  0 or -errno.
 */
int ktls_stat_parse(const char *text, struct proto_tls_stat *st);

/* Read path (/proc/net/tls_stat): 0, with n = 0 and no PRESENT flag when
 * it does not exist; or -errno (-EFBIG past 16 KiB, 16 times its size). */
int ktls_stat_read(const char *path, struct proto_tls_stat *st);

#endif
