// SPDX-License-Identifier: MIT
/* conn - data connections: acceptor, connector, hello, table. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/fullio.h"
#include "common/log.h"
#include "common/sockutil.h"
#include "server/conn.h"

int conn_table_init(struct conn_table *t)
{
	unsigned int i;

	memset(t, 0, sizeof(*t));
	t->acceptor_fd = -1;
	t->conns = calloc(PROTO_MAX_CONNS, sizeof(*t->conns));
	if (!t->conns)
		return -ENOMEM;
	for (i = 0; i < PROTO_MAX_CONNS; i++)
		t->conns[i].fd = -1;
	for (i = 0; i < CONN_PENDING_MAX; i++)
		t->pending[i].fd = -1;
	return 0;
}

void conn_table_fini(struct conn_table *t)
{
	unsigned int i;

	if (t->conns)
		for (i = 0; i < PROTO_MAX_CONNS; i++)
			if (t->conns[i].fd >= 0)
				close(t->conns[i].fd);
	for (i = 0; i < CONN_PENDING_MAX; i++)
		if (t->pending[i].fd >= 0)
			close(t->pending[i].fd);
	if (t->acceptor_fd >= 0)
		close(t->acceptor_fd);
	free(t->conns);
	memset(t, 0, sizeof(*t));
	t->acceptor_fd = -1;
}

struct conn *conn_get(struct conn_table *t, uint32_t id)
{
	if (id >= PROTO_MAX_CONNS || t->conns[id].fd < 0)
		return NULL;
	return &t->conns[id];
}

static int sock_port(int fd, int peer)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int ret;

	ret = peer ? getpeername(fd, (struct sockaddr *)&ss, &len) :
		     getsockname(fd, (struct sockaddr *)&ss, &len);
	if (ret < 0)
		return 0;
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
}

int conn_info(struct conn_table *t, uint32_t id, struct proto_conn_info *i)
{
	struct conn *c = conn_get(t, id);
	socklen_t len;
	int cpu = -1;
	unsigned int napi = 0;

	if (!c)
		return -ENOENT;
	len = sizeof(cpu);
	if (getsockopt(c->fd, SOL_SOCKET, SO_INCOMING_CPU, &cpu, &len) < 0)
		cpu = -1;
	len = sizeof(napi);
	if (getsockopt(c->fd, SOL_SOCKET, SO_INCOMING_NAPI_ID, &napi, &len))
		napi = 0;
	memset(i, 0, sizeof(*i));
	i->id = id;
	i->peer_id = c->peer_id;
	i->local_port = c->local_port;
	i->peer_port = c->peer_port;
	i->rx_cpu = cpu < -1 ? -1 : cpu;
	i->napi_id = napi;
	return 0;
}

int conn_close(struct conn_table *t, uint32_t id)
{
	struct conn *c = conn_get(t, id);

	if (!c)
		return -ENOENT;
	if (c->in_test)
		return -EBUSY;
	close(c->fd);
	c->fd = -1;
	t->n_used--;
	return 0;
}

/* Take a free slot for fd; the lowest free id keeps ids small and dense. */
static int conn_adopt(struct conn_table *t, int fd, uint32_t peer_id)
{
	uint32_t id;

	if (t->n_used >= PROTO_MAX_CONNS)
		return -ENOSPC;
	for (id = 0; t->conns[id].fd >= 0; id++)
		;
	t->conns[id] = (struct conn){
		.fd = fd,
		.peer_id = peer_id,
		.local_port = sock_port(fd, 0),
		.peer_port = sock_port(fd, 1),
	};
	t->n_used++;
	return (int)id;
}

int conn_acceptor_open(struct conn_table *t, uint16_t port)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6,
				  .sin6_port = htons(port),
				  .sin6_addr = IN6ADDR_ANY_INIT };
	int fd, one = 1, zero = 0, ret;
	socklen_t len = sizeof(a);

	if (t->acceptor_fd >= 0)
		return port && port != t->acceptor_port ? -EALREADY : 0;
	fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	/* Dual-stack, so IPv4 peers reach it as mapped addresses. */
	setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(fd, 1024) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) < 0) {
		ret = -errno;
		close(fd);
		return ret;
	}
	if (getrandom(&t->token, sizeof(t->token), 0) != sizeof(t->token)) {
		close(fd);
		return -EIO;
	}
	t->acceptor_fd = fd;
	t->acceptor_port = ntohs(a.sin6_port);
	return 0;
}

static void pending_drop(struct conn_pending *p)
{
	close(p->fd);
	p->fd = -1;
	p->have = 0;
}

void conn_on_accept(struct conn_table *t, uint64_t now_ns)
{
	struct conn_pending *p;
	unsigned int i;
	int fd;

	for (;;) {
		fd = accept4(t->acceptor_fd, NULL, NULL,
			     SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd < 0) {
			if (errno != EAGAIN && errno != EINTR)
				log_warn("data accept: %s", strerror(errno));
			return;
		}
		for (i = 0, p = NULL; i < CONN_PENDING_MAX; i++)
			if (t->pending[i].fd < 0) {
				p = &t->pending[i];
				break;
			}
		if (!p) {
			/* Full of half-open strangers: refuse, don't queue. */
			log_warn("data accept: %d connections wait for their "
				 "hello already, dropping a new one",
				 CONN_PENDING_MAX);
			close(fd);
			continue;
		}
		p->fd = fd;
		p->have = 0;
		p->deadline_ns = now_ns + CONN_HELLO_TIMEOUT_MS * NSEC_PER_MSEC;
	}
}

void conn_on_pending(struct conn_table *t, struct conn_pending *p)
{
	struct proto_data_hello h, reply = { .magic = PROTO_DATA_MAGIC };
	uint8_t out[PROTO_DATA_HELLO_LEN];
	ssize_t n;
	int id, fd;

	n = recv(p->fd, p->buf + p->have, sizeof(p->buf) - p->have, 0);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		pending_drop(p);
		return;
	}
	p->have += (size_t)n;
	if (p->have < sizeof(p->buf))
		return;
	if (proto_data_hello_decode(p->buf, &h) < 0 || h.token != t->token) {
		log_info("data connection with a bad hello dropped");
		pending_drop(p);
		return;
	}
	fd = p->fd;
	id = conn_adopt(t, fd, h.conn_id);
	if (id < 0) {
		log_warn("data connection dropped: table full");
		pending_drop(p);
		return;
	}
	p->fd = -1;
	p->have = 0;
	reply.conn_id = (uint32_t)id;
	proto_data_hello_encode(out, &reply);
	if (fio_write_full(fd, out, sizeof(out), CONN_HELLO_TIMEOUT_MS) < 0) {
		t->conns[id].fd = -1;
		t->n_used--;
		close(fd);
	}
}

uint64_t conn_expire_pending(struct conn_table *t, uint64_t now_ns)
{
	uint64_t next = UINT64_MAX;
	unsigned int i;

	for (i = 0; i < CONN_PENDING_MAX; i++) {
		struct conn_pending *p = &t->pending[i];

		if (p->fd < 0)
			continue;
		if (p->deadline_ns <= now_ns)
			pending_drop(p);
		else if (p->deadline_ns < next)
			next = p->deadline_ns;
	}
	return next;
}

static socklen_t req_sockaddr(const struct proto_connect_req *req,
			      struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (req->family == 4) {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;

		a->sin_family = AF_INET;
		a->sin_port = htons(req->port);
		memcpy(&a->sin_addr, req->addr, 4);
		return sizeof(*a);
	}
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;

	a6->sin6_family = AF_INET6;
	a6->sin6_port = htons(req->port);
	memcpy(&a6->sin6_addr, req->addr, 16);
	return sizeof(*a6);
}

/* The stage of a failed connection whose message names --mss. */
static const char stage_mss[] = "--mss";

/*
 * One connection: set its MSS clamp (only possible before connect: the
 * SYN carries it), connect, say hello with the token, read the answer.
 */
static int connect_one(struct conn_table *t,
		       const struct proto_connect_req *req,
		       const char **stage)
{
	struct proto_data_hello h = { .magic = PROTO_DATA_MAGIC,
				      .token = req->token };
	struct sockaddr_storage ss;
	uint8_t buf[PROTO_DATA_HELLO_LEN];
	socklen_t len = req_sockaddr(req, &ss);
	int fd, id, ret, tmo = (int)req->timeout_ms;

	*stage = "connect";
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
		    0);
	if (fd < 0)
		return -errno;
	if (req->mss) {
		int mss = (int)req->mss;

		if (setsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, &mss,
			       sizeof(mss)) < 0) {
			*stage = stage_mss;
			ret = -errno;
			goto close_fd;
		}
	}
	ret = sock_connect_timed(fd, (struct sockaddr *)&ss, len, tmo);
	if (ret < 0)
		goto close_fd;
	id = conn_adopt(t, fd, 0);
	if (id < 0) {
		ret = id;
		goto close_fd;
	}
	h.conn_id = (uint32_t)id;
	proto_data_hello_encode(buf, &h);
	*stage = "data hello";
	ret = fio_write_full(fd, buf, sizeof(buf), tmo);
	if (!ret)
		ret = fio_read_full(fd, buf, sizeof(buf), tmo);
	if (!ret)
		ret = proto_data_hello_decode(buf, &h);
	if (ret < 0) {
		t->conns[id].fd = -1;
		t->n_used--;
		goto close_fd;
	}
	t->conns[id].peer_id = h.conn_id;
	return id;

close_fd:
	close(fd);
	return ret;
}

int conn_connect(struct conn_table *t, const struct proto_connect_req *req,
		 uint32_t *ids, char *err, size_t errlen)
{
	char addr[INET6_ADDRSTRLEN] = "?", what[32];
	const char *stage = "";
	uint32_t i;
	int id;

	if (req->count > PROTO_MAX_CONNS - t->n_used) {
		snprintf(err, errlen, "%u more connections would exceed the "
			 "session's limit of %u", req->count, PROTO_MAX_CONNS);
		return -ENOSPC;
	}
	for (i = 0; i < req->count; i++) {
		id = connect_one(t, req, &stage);
		if (id < 0)
			goto undo;
		ids[i] = (uint32_t)id;
	}
	return 0;

undo:
	inet_ntop(req->family == 4 ? AF_INET : AF_INET6, req->addr, addr,
		  sizeof(addr));
	if (stage == stage_mss)
		snprintf(what, sizeof(what), "--mss %u", req->mss);
	else
		snprintf(what, sizeof(what), "%s", stage);
	snprintf(err, errlen, "data connection %u of %u to %s port %u: %s: %s",
		 i + 1, req->count, addr, req->port, what, strerror(-id));
	while (i--)
		conn_close(t, ids[i]);
	return id;
}
