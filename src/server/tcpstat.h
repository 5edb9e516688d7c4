/* SPDX-License-Identifier: MIT */
/*
 * tcpstat - TCP_INFO of a data connection, and the change over a test.
 */
#ifndef KPERF_TCPSTAT_H
#define KPERF_TCPSTAT_H

#include <linux/tcp.h>

#include "proto/proto.h"

/* Read TCP_INFO; fields this kernel does not fill stay 0.  0 or -errno. */
int tcpstat_read(int fd, struct tcp_info *ti);

/* Counters as b - a, gauges (rtt, cwnd, window) as in b. */
void tcpstat_delta(const struct tcp_info *a, const struct tcp_info *b,
		   struct proto_tcp_res *out);

/* Bytes written but not yet acknowledged by the peer (SIOCOUTQ). */
int tcpstat_unacked(int fd);

#endif
