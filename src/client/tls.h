/* SPDX-License-Identifier: MIT */
/*
 * tls - kernel TLS on a test's data connections, the client's part.
 *
 * Once the flows are placed and their TCP settings applied, tls_apply()
 * reads /proc/net/tls_stat on both hosts (TLS_STAT), draws fresh random
 * keys, IV/salt and record sequence starts for every connection and
 * direction (getrandom), and hands each session its ends' keys
 * (CONN_TLS): the source sends with key A and receives with key B, the
 * destination sends with B and receives with A.  After the test
 * tls_finish() reads the counters again, and tls_report() puts the
 * options and the counters' deltas in the report.  The keys travel on the
 * unencrypted control connection: kperf measures the cost of kernel TLS,
 * it keeps nothing secret.
 *
 *	... flows_open, settings_apply ...
 *	tls_apply(r);  ... run the test ...  tls_finish(r);  tls_report(r);
 *
 * Every function is a no-op when TLS is off (o->tls.tx and .rx both 0)
 * and returns 0 or -errno, with the error text set as ctl.h does.
 */
#ifndef KPERF_CLIENT_TLS_H
#define KPERF_CLIENT_TLS_H

#include <stddef.h>

#include "client/run.h"
#include "kperf/kperf.h"

/* "1.3", "aes-gcm-128": as the command line and the reports spell them;
 * NULL for a value this build does not know. */
const char *tls_version_name(enum kperf_tls_version v);
const char *tls_cipher_name(enum kperf_tls_cipher c);

/*
 * Why the data path options cannot be used with kernel TLS, or NULL when
 * they can (TLS on or not): zero-copy receive and MSG_TRUNC bypass or
 * defeat the record layer, and tls_sw refuses MSG_ZEROCOPY.
 */
const char *tls_datapath_conflict(const struct opts *o);

/* TLS_STAT, then CONN_TLS on both sessions. */
int tls_apply(struct run *r);

/* TLS_STAT on both sessions after the test. */
int tls_finish(struct run *r);

/* r->rep->tls and each host's tls_stat deltas.  0 or -ENOMEM. */
int tls_report(struct run *r);

/*
 * A flow failed with err during a test on the session behind c: with TLS
 * on, say what a decryption failure (-EBADMSG) means after the session's
 * text.  Returns err.
 */
int tls_flow_error(const struct opts *o, struct ctl *c, int err);

#endif
