// SPDX-License-Identifier: MIT
/* tcpopt - set and read back the TCP settings of one data connection. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "server/tcpopt.h"

static int opt_fail(char *err, size_t errlen, const char *what)
{
	int e = errno;

	snprintf(err, errlen, "%s: %s", what, strerror(e));
	return -e;
}

int tcpopt_apply(int fd, const struct proto_setopt_req *m, char *err,
		 size_t errlen)
{
	char what[64];
	int v;

	if (m->which & PROTO_OPT_CC &&
	    setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, m->cc,
		       (socklen_t)strlen(m->cc)) < 0) {
		snprintf(what, sizeof(what), "--tcp-cc %s", m->cc);
		return opt_fail(err, errlen, what);
	}
	v = (int)m->nodelay;
	if (m->which & PROTO_OPT_NODELAY &&
	    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &v, sizeof(v)) < 0)
		return opt_fail(err, errlen, "--nodelay");
	/* The codec bounds both sizes far below INT_MAX. */
	v = (int)m->sndbuf;
	if (m->which & PROTO_OPT_SNDBUF &&
	    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v)) < 0) {
		snprintf(what, sizeof(what), "--sndbuf %u", m->sndbuf);
		return opt_fail(err, errlen, what);
	}
	v = (int)m->rcvbuf;
	if (m->which & PROTO_OPT_RCVBUF &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)) < 0) {
		snprintf(what, sizeof(what), "--rcvbuf %u", m->rcvbuf);
		return opt_fail(err, errlen, what);
	}
	if (m->which & PROTO_OPT_MAX_PACE) {
		/* An unsigned long: the kernel takes 8 bytes on 64 bits. */
		unsigned long rate = m->max_pace > ULONG_MAX ?
					     ULONG_MAX :
					     (unsigned long)m->max_pace;

		if (setsockopt(fd, SOL_SOCKET, SO_MAX_PACING_RATE, &rate,
			       sizeof(rate)) < 0) {
			snprintf(what, sizeof(what), "--max-pace (%" PRIu64
				 " bytes/s)", m->max_pace);
			return opt_fail(err, errlen, what);
		}
	}
	return 0;
}

static int get_int(int fd, int level, int name, uint32_t *out)
{
	socklen_t len = sizeof(int);
	int v = 0;

	if (getsockopt(fd, level, name, &v, &len) < 0)
		return -1;
	*out = v < 0 ? 0 : (uint32_t)v;
	return 0;
}

int tcpopt_read(int fd, struct proto_conn_opts *o, char *err,
		size_t errlen)
{
	unsigned long rate = 0;
	socklen_t len;
	uint32_t id = o->id;

	memset(o, 0, sizeof(*o));
	o->id = id;
	if (get_int(fd, IPPROTO_TCP, TCP_MAXSEG, &o->mss) < 0)
		return opt_fail(err, errlen, "reading back TCP_MAXSEG");
	if (get_int(fd, SOL_SOCKET, SO_SNDBUF, &o->sndbuf) < 0)
		return opt_fail(err, errlen, "reading back SO_SNDBUF");
	if (get_int(fd, SOL_SOCKET, SO_RCVBUF, &o->rcvbuf) < 0)
		return opt_fail(err, errlen, "reading back SO_RCVBUF");
	if (get_int(fd, IPPROTO_TCP, TCP_NODELAY, &o->nodelay) < 0)
		return opt_fail(err, errlen, "reading back TCP_NODELAY");
	o->nodelay = !!o->nodelay;
	len = sizeof(rate);
	if (getsockopt(fd, SOL_SOCKET, SO_MAX_PACING_RATE, &rate, &len) < 0)
		return opt_fail(err, errlen, "reading back SO_MAX_PACING_RATE");
	/* ~0 is "no limit", whatever the width of an unsigned long. */
	o->max_pace = rate == ULONG_MAX ? PROTO_PACE_UNLIMITED : rate;
	len = sizeof(o->cc) - 1;
	if (getsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, o->cc, &len) < 0)
		return opt_fail(err, errlen, "reading back TCP_CONGESTION");
	o->cc[sizeof(o->cc) - 1] = '\0';
	return 0;
}
