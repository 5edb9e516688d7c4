// SPDX-License-Identifier: MIT
/* tcpstat - TCP_INFO snapshots and deltas. */
#include <errno.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "server/tcpstat.h"

int tcpstat_read(int fd, struct tcp_info *ti)
{
	socklen_t len = sizeof(*ti);

	memset(ti, 0, sizeof(*ti));
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, ti, &len) < 0)
		return -errno;
	return 0;
}

void tcpstat_delta(const struct tcp_info *a, const struct tcp_info *b,
		   struct proto_tcp_res *out)
{
	out->retrans = b->tcpi_total_retrans - a->tcpi_total_retrans;
	out->reord_seen = b->tcpi_reord_seen - a->tcpi_reord_seen;
	out->delivered_ce = b->tcpi_delivered_ce - a->tcpi_delivered_ce;
	out->bytes_acked = b->tcpi_bytes_acked - a->tcpi_bytes_acked;
	out->bytes_received = b->tcpi_bytes_received - a->tcpi_bytes_received;
	out->rtt_us = b->tcpi_rtt;
	out->rttvar_us = b->tcpi_rttvar;
	out->snd_wnd = b->tcpi_snd_wnd;
	out->snd_cwnd = b->tcpi_snd_cwnd;
}

int tcpstat_unacked(int fd)
{
	int n;

	if (ioctl(fd, SIOCOUTQ, &n) < 0)
		return -errno;
	return n;
}
