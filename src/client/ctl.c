// SPDX-License-Identifier: MIT
/* ctl - control connection to a kperfd session. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client/ctl.h"
#include "common/fullio.h"
#include "common/hostinfo.h"
#include "common/sockutil.h"

int ctl_fail(struct ctl *c, int err, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(c->err, c->errlen, "%s %s: %s", c->role, c->host, msg);
	return err;
}

static int ctl_connect(struct ctl *c, int timeout_ms)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM };
	struct addrinfo *res, *ai;
	int fd, ret, one = 1;

	ret = getaddrinfo(c->host, c->svc, &hints, &res);
	if (ret)
		return ctl_fail(c, -EHOSTUNREACH, "cannot resolve: %s",
				gai_strerror(ret));
	ret = -EHOSTUNREACH;
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family,
			    SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (fd < 0) {
			ret = -errno;
			continue;
		}
		ret = sock_connect_timed(fd, ai->ai_addr, ai->ai_addrlen,
					 timeout_ms);
		if (!ret) {
			memcpy(&c->peer, ai->ai_addr, ai->ai_addrlen);
			c->fd = fd;
			break;
		}
		close(fd);
	}
	freeaddrinfo(res);
	if (ret == -ETIMEDOUT)
		return ctl_fail(c, ret, "no answer on port %s within %.1f s",
				c->svc, timeout_ms / 1000.0);
	if (ret < 0)
		return ctl_fail(c, ret, "cannot connect to kperfd on port %s: "
				"%s", c->svc, strerror(-ret));
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return 0;
}

static int ctl_hello(struct ctl *c, int timeout_ms)
{
	struct proto_hello m = { .magic = PROTO_MAGIC,
				 .version = PROTO_VERSION,
				 .features = PROTO_FEAT_STREAM | PROTO_FEAT_RR |
					     PROTO_FEAT_SAMPLES |
					     PROTO_FEAT_TCP_OPTS |
					     PROTO_FEAT_DATAPATH };
	struct hostinfo hi;
	struct proto_hdr h;
	struct proto_wr w;
	uint32_t id;
	int ret;

	if (!hostinfo_get(&hi)) {
		m.ncpus = hi.ncpus;
		m.n_online = hi.n_online;
		memcpy(m.online, hi.online, sizeof(m.online));
		snprintf(m.kernel, sizeof(m.kernel), "%s", hi.kernel);
		snprintf(m.hostname, sizeof(m.hostname), "%s", hi.hostname);
	} else {
		m.ncpus = 1;
	}
	id = ctl_begin(c, &w);
	proto_enc_hello(&w, id, 0, &m);
	ret = ctl_call(c, &w, id, &h, timeout_ms);
	if (ret < 0)
		return ret;
	if (proto_dec_hello(c->rx, h.len, &c->hello) < 0)
		return ctl_fail(c, -EBADMSG, "malformed HELLO reply");
	if (c->hello.magic != PROTO_MAGIC ||
	    c->hello.version != PROTO_VERSION)
		return ctl_fail(c, -EPROTONOSUPPORT, "server speaks protocol "
				"version %u, this client %u",
				c->hello.version, PROTO_VERSION);
	return 0;
}

int ctl_open(struct ctl *c, const char *role, const char *host,
	     const char *svc, int timeout_ms, char *err, size_t errlen)
{
	int ret;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->role = role;
	c->err = err;
	c->errlen = errlen;
	c->next_id = 1;
	snprintf(c->host, sizeof(c->host), "%s", host);
	snprintf(c->svc, sizeof(c->svc), "%s", svc);
	c->rx = malloc(PROTO_MAX_BODY);
	c->tx = malloc(PROTO_HDR_LEN + PROTO_MAX_BODY);
	if (!c->rx || !c->tx)
		return ctl_fail(c, -ENOMEM, "out of memory");
	ret = ctl_connect(c, timeout_ms);
	if (!ret)
		ret = ctl_hello(c, timeout_ms);
	return ret;
}

void ctl_close(struct ctl *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	free(c->rx);
	free(c->tx);
	c->rx = c->tx = NULL;
}

uint32_t ctl_begin(struct ctl *c, struct proto_wr *w)
{
	proto_wr_init(w, c->tx, PROTO_HDR_LEN + PROTO_MAX_BODY);
	return c->next_id++;
}

static int io_fail(struct ctl *c, int ret, const char *what)
{
	if (ret == -ECONNRESET || ret == -EPIPE)
		return ctl_fail(c, ret, "kperfd closed the control connection "
				"(server or session ended)");
	if (ret == -ETIMEDOUT)
		return ctl_fail(c, ret, "no %s from kperfd in time", what);
	return ctl_fail(c, ret, "control connection: %s", strerror(-ret));
}

int ctl_send(struct ctl *c, struct proto_wr *w)
{
	int ret;

	if (w->err)
		return ctl_fail(c, w->err, "cannot encode a request: %s",
				strerror(-w->err));
	ret = fio_write_full(c->fd, w->buf, w->len, 10000);
	return ret < 0 ? io_fail(c, ret, "progress sending") : 0;
}

int ctl_recv(struct ctl *c, struct proto_hdr *h, int timeout_ms)
{
	uint8_t hb[PROTO_HDR_LEN];
	int ret;

	ret = fio_read_full(c->fd, hb, sizeof(hb), timeout_ms);
	if (ret < 0)
		return io_fail(c, ret, "answer");
	ret = proto_hdr_decode(hb, h);
	if (ret < 0 && ret != -ENOMSG)
		return ctl_fail(c, ret, "bad frame header from kperfd");
	/* The body follows its header at once: a short wait suffices. */
	ret = fio_read_full(c->fd, c->rx, h->len, 10000);
	if (ret < 0)
		return io_fail(c, ret, "frame body");
	return 0;
}

int ctl_remote_error(struct ctl *c, const struct proto_hdr *h)
{
	struct proto_error e;

	if (proto_dec_error(c->rx, h->len, &e) < 0)
		return ctl_fail(c, -EBADMSG, "malformed ERROR frame");
	return ctl_fail(c, -e.err, "%s", e.text);
}

int ctl_call(struct ctl *c, struct proto_wr *w, uint32_t id,
	     struct proto_hdr *h, int timeout_ms)
{
	uint16_t type = 0;
	int ret;

	if (w->len >= PROTO_HDR_LEN)
		type = (uint16_t)(w->buf[0] << 8 | w->buf[1]);
	ret = ctl_send(c, w);
	if (ret < 0)
		return ret;
	ret = ctl_recv(c, h, timeout_ms);
	if (ret < 0)
		return ret;
	if (h->id != id)
		return ctl_fail(c, -EPROTO, "reply to request %u while "
				"waiting for request %u", h->id, id);
	if (h->type == PROTO_T_ERROR)
		return ctl_remote_error(c, h);
	if (h->type != type || !(h->flags & PROTO_F_REPLY))
		return ctl_fail(c, -EPROTO, "%s frame in reply to %s",
				proto_type_name(h->type),
				proto_type_name(type));
	return 0;
}
