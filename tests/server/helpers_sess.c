// SPDX-License-Identifier: MIT
/*
 * helpers_sess - the client side of sessions for the tests (see
 * helpers.h): raw frames, one session, two sessions joined by data
 * connections, their tests.  Only src/proto's structs here: the
 * server's own structs are touched in helpers.c alone.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/fullio.h"
#include "server/session.h"
#include "helpers.h"

#define T_IO_MS		T_WAIT_MS

/* ---- one session on a socketpair ---- */

static void *sess_thread(void *arg)
{
	struct tsess *s = arg;

	s->ret = sess_run(s->sess_fd);
	close(s->sess_fd);
	return NULL;
}

static void ts_buffers(struct tsess *s)
{
	s->body = malloc(PROTO_MAX_BODY);
	s->out = malloc(PROTO_HDR_LEN + PROTO_MAX_BODY);
	if (!s->body || !s->out)
		t_fail("out of memory");
}

void ts_attach(struct tsess *s, int fd)
{
	memset(s, 0, sizeof(*s));
	ts_buffers(s);
	s->fd = fd;
}

void ts_start(struct tsess *s)
{
	int sv[2], ret;

	memset(s, 0, sizeof(*s));
	ts_buffers(s);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		t_fail("socketpair: %s", strerror(errno));
	s->fd = sv[0];
	s->sess_fd = sv[1];
	ret = pthread_create(&s->thread, NULL, sess_thread, s);
	if (ret)
		t_fail("pthread_create: %s", strerror(ret));
	s->running = 1;
}

int ts_end(struct tsess *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	if (s->running)
		pthread_join(s->thread, NULL);
	s->running = 0;
	free(s->body);
	free(s->out);
	s->body = s->out = NULL;
	return s->ret;
}

uint32_t ts_wr(struct tsess *s, struct proto_wr *w)
{
	proto_wr_init(w, s->out, PROTO_HDR_LEN + PROTO_MAX_BODY);
	return ++s->id;
}

void ts_send_raw(struct tsess *s, const void *buf, size_t len)
{
	int ret = fio_write_full(s->fd, buf, len, T_IO_MS);

	if (ret < 0)
		t_fail("control send: %s", strerror(-ret));
}

void ts_send(struct tsess *s, const struct proto_wr *w)
{
	if (w->err)
		t_fail("encoding a request: %s", strerror(-w->err));
	ts_send_raw(s, w->buf, w->len);
}

void ts_send_frame(struct tsess *s, uint16_t type, uint16_t flags,
		   const void *body, uint32_t len)
{
	struct proto_hdr h = { .type = type, .flags = flags, .id = ++s->id,
			       .len = len };
	uint8_t hb[PROTO_HDR_LEN];

	proto_hdr_encode(hb, &h);
	ts_send_raw(s, hb, sizeof(hb));
	ts_send_raw(s, body, len);
}

int ts_read(struct tsess *s)
{
	uint8_t hb[PROTO_HDR_LEN];
	int ret;

	ret = fio_read_full(s->fd, hb, sizeof(hb), T_IO_MS);
	if (ret < 0)
		return ret;
	ret = proto_hdr_decode(hb, &s->h);
	if (ret < 0)
		t_fail("the session sent a bad frame header: %s",
		       strerror(-ret));
	return fio_read_full(s->fd, s->body, s->h.len, T_IO_MS);
}

/* An ERROR frame: its errno, and its text in s->text. */
static int take_error(struct tsess *s)
{
	struct proto_error e;

	if (proto_dec_error(s->body, s->h.len, &e) < 0)
		t_fail("malformed ERROR from the session");
	s->err = e.err;
	snprintf(s->text, sizeof(s->text), "%s", e.text);
	return e.err;
}

int ts_reply(struct tsess *s, uint16_t type)
{
	int ret = ts_read(s);

	if (ret < 0)
		t_fail("no answer to request %u: %s", s->id, strerror(-ret));
	if (s->h.id != s->id || !(s->h.flags & PROTO_F_REPLY))
		t_fail("answer to request %u expected, got %s id %u flags %#x",
		       s->id, proto_type_name(s->h.type), s->h.id,
		       s->h.flags);
	if (s->h.type == PROTO_T_ERROR)
		return take_error(s);
	if (s->h.type != type)
		t_fail("request %u: %s reply expected, got %s", s->id,
		       proto_type_name(type), proto_type_name(s->h.type));
	return 0;
}

void ts_expect_error(struct tsess *s, int err, const char *text)
{
	int ret = ts_reply(s, PROTO_T_ERROR);	/* fails on any reply */

	if (ret != err || !strstr(s->text, text))
		t_fail("request %u: ERROR %d \"%s\" expected, got %d \"%s\"",
		       s->id, err, text, ret, s->text);
}

int ts_hello(struct tsess *s, struct proto_hello *rep)
{
	struct proto_hello m = {
		.magic = PROTO_MAGIC, .version = PROTO_VERSION,
		.ncpus = 1, .n_online = 1, .online = { 1 },
		.kernel = "test", .hostname = "test",
	};
	struct proto_wr w;
	int ret;

	proto_enc_hello(&w, ts_wr(s, &w), 0, &m);
	ts_send(s, &w);
	ret = ts_reply(s, PROTO_T_HELLO);
	if (!ret && rep && proto_dec_hello(s->body, s->h.len, rep) < 0)
		t_fail("malformed HELLO reply");
	return ret;
}

int ts_listen(struct tsess *s, uint16_t port, struct proto_listen_rep *rep)
{
	struct proto_listen_req m = { .port = port };
	struct proto_wr w;
	int ret;

	proto_enc_listen_req(&w, ts_wr(s, &w), &m);
	ts_send(s, &w);
	ret = ts_reply(s, PROTO_T_LISTEN);
	if (!ret && proto_dec_listen_rep(s->body, s->h.len, rep) < 0)
		t_fail("malformed LISTEN reply");
	return ret;
}

/* A conn list reply of n entries into out. */
static void take_conn_list(struct tsess *s, uint32_t n,
			   struct proto_conn_info *out)
{
	struct proto_conn_list l;

	if (proto_dec_conn_list(s->body, s->h.len, &l) < 0 || l.n != n)
		t_fail("malformed conn list (%u connections expected)", n);
	memcpy(out, l.v, n * sizeof(*out));
	proto_conn_list_free(&l);
}

int ts_connect(struct tsess *s, uint16_t port, uint64_t token,
	       uint32_t count, struct proto_conn_info *out)
{
	struct proto_connect_req m = {
		.family = 4, .port = port, .count = count,
		.addr = { 127, 0, 0, 1 }, .token = token,
		.timeout_ms = 10000,
	};
	struct proto_wr w;
	int ret;

	proto_enc_connect_req(&w, ts_wr(s, &w), &m);
	ts_send(s, &w);
	ret = ts_reply(s, PROTO_T_CONNECT);
	if (!ret)
		take_conn_list(s, count, out);
	return ret;
}

/* CONN_INFO or CONN_CLOSE of ids[n]. */
static int ids_request(struct tsess *s, uint16_t type, const uint32_t *ids,
		       uint32_t n)
{
	struct proto_ids m = { .n = n, .v = (uint32_t *)ids };
	struct proto_wr w;

	proto_enc_ids(&w, type, ts_wr(s, &w), &m);
	ts_send(s, &w);
	return ts_reply(s, type);
}

int ts_conn_info(struct tsess *s, const uint32_t *ids, uint32_t n,
		 struct proto_conn_info *out)
{
	int ret = ids_request(s, PROTO_T_CONN_INFO, ids, n);

	if (!ret)
		take_conn_list(s, n, out);
	return ret;
}

int ts_conn_close(struct tsess *s, const uint32_t *ids, uint32_t n)
{
	return ids_request(s, PROTO_T_CONN_CLOSE, ids, n);
}

int ts_spawn(struct tsess *s, int cpu, struct proto_worker_rep *rep)
{
	struct proto_worker_req m = { .cpu = cpu };
	struct proto_wr w;
	int ret;

	proto_enc_worker_req(&w, ts_wr(s, &w), &m);
	ts_send(s, &w);
	ret = ts_reply(s, PROTO_T_WORKER_SPAWN);
	if (!ret && proto_dec_worker_rep(s->body, s->h.len, rep) < 0)
		t_fail("malformed WORKER_SPAWN reply");
	return ret;
}

int ts_data_connect(uint16_t port, uint64_t token, uint32_t *conn_id)
{
	struct proto_data_hello h = { .magic = PROTO_DATA_MAGIC,
				      .token = token };
	uint8_t buf[PROTO_DATA_HELLO_LEN];
	int fd = t_connect(port), ret;

	proto_data_hello_encode(buf, &h);
	ret = fio_write_full(fd, buf, sizeof(buf), T_IO_MS);
	if (!ret)
		ret = fio_read_full(fd, buf, sizeof(buf), T_IO_MS);
	if (!ret)
		ret = proto_data_hello_decode(buf, &h);
	if (ret < 0) {
		close(fd);
		return ret;
	}
	*conn_id = h.conn_id;
	return fd;
}

/* ---- two sessions joined by data connections ---- */

void tp_open(struct tpair *p, unsigned int n)
{
	struct proto_listen_rep l;
	struct proto_worker_rep wr;
	char why[256];
	unsigned int i;

	if (t_probe_ipv6(why, sizeof(why)) < 0)
		t_skip("%s", why);
	memset(p, 0, sizeof(*p));
	if (n > TP_MAX_CONNS)
		t_fail("at most %d connections", TP_MAX_CONNS);
	p->n = n;
	ts_start(&p->a);
	ts_start(&p->b);
	if (ts_hello(&p->a, NULL) || ts_hello(&p->b, NULL))
		t_fail("HELLO refused");
	if (ts_listen(&p->a, 0, &l))
		t_fail("LISTEN: %s", p->a.text);
	if (ts_connect(&p->b, l.port, l.token, n, p->conns))
		t_fail("CONNECT: %s", p->b.text);
	if (ts_spawn(&p->a, -1, &wr))
		t_fail("WORKER_SPAWN: %s", p->a.text);
	p->wa = wr.worker_id;
	if (ts_spawn(&p->b, -1, &wr))
		t_fail("WORKER_SPAWN: %s", p->b.text);
	p->wb = wr.worker_id;
	for (i = 0; i < n; i++) {
		const struct proto_conn_info *c = &p->conns[i];

		p->fd_b[i] = t_sock_fd(c->local_port, c->peer_port);
		p->fd_a[i] = t_sock_fd(c->peer_port, c->local_port);
		if (p->fd_a[i] < 0 || p->fd_b[i] < 0)
			t_fail("connection %u: no socket with ports %u, %u",
			       i, c->local_port, c->peer_port);
	}
}

void tp_close(struct tpair *p)
{
	int ra = ts_end(&p->a), rb = ts_end(&p->b);

	if (ra || rb)
		t_fail("sess_run() returned %d and %d", ra, rb);
}

void tp_side(struct tside *s, uint16_t type, uint8_t role,
	     const struct tpath *dp)
{
	memset(s, 0, sizeof(*s));
	s->role = role;
	s->req.type = type;
	s->req.duration_ms = 100;
	if (type == PROTO_TEST_STREAM) {
		s->req.read_size = 65536;
		s->req.write_size = 65536;
	} else {
		s->req.req_size = 100;
		s->req.resp_size = 300;
		s->req.depth = 4;
	}
	if (dp) {
		s->req.engine = dp->engine;
		s->req.rx_mode = dp->rx_mode;
		s->req.tx_mode = dp->tx_mode;
	}
}

int ts_test_start(struct tsess *s, struct tside *t, uint32_t worker,
		  const uint32_t *ids, unsigned int n)
{
	struct proto_test_flow flows[TP_MAX_CONNS];
	struct proto_wr w;
	unsigned int i;

	for (i = 0; i < n; i++)
		flows[i] = (struct proto_test_flow){
			.conn_id = ids[i], .worker_id = worker,
			.role = t->role };
	t->req.n = n;
	t->req.flows = flows;
	t->test_id = ts_wr(s, &w);
	proto_enc_test_req(&w, t->test_id, &t->req);
	t->req.flows = NULL;
	ts_send(s, &w);
	return ts_reply(s, PROTO_T_TEST_START);
}

int tp_start(struct tpair *p, struct tside *a, struct tside *b)
{
	uint32_t ida[TP_MAX_CONNS], idb[TP_MAX_CONNS];
	unsigned int i;
	int ret;

	for (i = 0; i < p->n; i++) {
		ida[i] = p->conns[i].peer_id;
		idb[i] = p->conns[i].id;
	}
	ret = ts_test_start(&p->a, a, p->wa, ida, p->n);
	if (!ret)
		ret = ts_test_start(&p->b, b, p->wb, idb, p->n);
	return ret;
}

int ts_test_await(struct tsess *s, struct tside *t, uint16_t type)
{
	struct proto_hist hist;
	int ret;

	for (;;) {
		ret = ts_read(s);
		if (ret < 0)
			t_fail("waiting for %s: %s", proto_type_name(type),
			       strerror(-ret));
		if (s->h.id != t->test_id)
			t_fail("%s with id %u while the test (id %u) runs",
			       proto_type_name(s->h.type), s->h.id,
			       t->test_id);
		switch (s->h.type) {
		case PROTO_T_SAMPLE:
			break;
		case PROTO_T_HIST:
			if (proto_dec_hist(s->body, s->h.len, &hist) < 0)
				t_fail("malformed HIST");
			t->n_hist++;
			t->hist_count += hist.count;
			proto_hist_free(&hist);
			break;
		case PROTO_T_TX_DONE:
			t->tx_done = 1;
			if (type == PROTO_T_TX_DONE)
				return 0;
			break;
		case PROTO_T_TEST_RESULT:
			if (proto_dec_result(s->body, s->h.len, &t->res) < 0)
				t_fail("malformed TEST_RESULT");
			return 0;
		case PROTO_T_ERROR:
			return take_error(s);
		default:
			t_fail("unexpected %s during a test",
			       proto_type_name(s->h.type));
		}
	}
}

int ts_test_stop(struct tsess *s, struct tside *t)
{
	struct proto_wr w;
	int ret;

	proto_enc_empty(&w, PROTO_T_TEST_STOP, ts_wr(s, &w), 0);
	ts_send(s, &w);
	ret = ts_reply(s, PROTO_T_TEST_STOP);
	if (ret)
		t_fail("TEST_STOP: %s", s->text);
	return ts_test_await(s, t, PROTO_T_TEST_RESULT);
}

int tp_finish(struct tpair *p, struct tside *a, struct tside *b)
{
	struct tsess *ss[2] = { &p->b, &p->a };
	struct tside *ts[2] = { b, a };
	int i, ret;

	for (i = 0; i < 2; i++)
		if (ts[i]->role == PROTO_ROLE_ACTIVE) {
			ret = ts_test_await(ss[i], ts[i], PROTO_T_TEST_RESULT);
			if (ret)
				return ret;
		}
	for (i = 0; i < 2; i++)
		if (ts[i]->role == PROTO_ROLE_BOTH) {
			ret = ts_test_await(ss[i], ts[i], PROTO_T_TX_DONE);
			if (ret)
				return ret;
		}
	for (i = 0; i < 2; i++)
		if (ts[i]->role != PROTO_ROLE_ACTIVE) {
			ret = ts_test_stop(ss[i], ts[i]);
			if (ret)
				return ret;
		}
	return 0;
}

void tside_free(struct tside *s)
{
	proto_result_free(&s->res);
}

void tp_check_engine(const struct tpair *p, const struct tpath *dp)
{
	unsigned int i;

	for (i = 0; i < p->n; i++) {
		T_EQ(t_is_blocking(p->fd_a[i]), dp->block);
		T_EQ(t_is_blocking(p->fd_b[i]), dp->block);
	}
	T_EQ(t_count_uring_fds(),
	     dp->engine == PROTO_ENGINE_IO_URING ? 2 : 0);
}

/*
 * The test is over: sockets non-blocking again, no ring left.  A session
 * frees the test after it sent the result: a HELLO answered says it has.
 */
static void check_engine_after(struct tpair *p)
{
	unsigned int i;

	if (ts_hello(&p->a, NULL) || ts_hello(&p->b, NULL))
		t_fail("HELLO refused");
	for (i = 0; i < p->n; i++) {
		T_EQ(t_is_blocking(p->fd_a[i]), 0);
		T_EQ(t_is_blocking(p->fd_b[i]), 0);
	}
	T_EQ(t_count_uring_fds(), 0);
}

/* TCP_INFO of every connection on both ends (0: a, 1: b) before a test. */
struct ttcp {
	uint64_t acked[2][TP_MAX_CONNS], received[2][TP_MAX_CONNS];
};

static void tcp_mark(const struct tpair *p, struct ttcp *m)
{
	struct tcp_info ti;
	unsigned int i;

	for (i = 0; i < p->n; i++) {
		t_tcp_info(p->fd_a[i], &ti);
		m->acked[0][i] = ti.tcpi_bytes_acked;
		m->received[0][i] = ti.tcpi_bytes_received;
		t_tcp_info(p->fd_b[i], &ti);
		m->acked[1][i] = ti.tcpi_bytes_acked;
		m->received[1][i] = ti.tcpi_bytes_received;
	}
}

/*
 * One end of connection i: the kernel's counters against its report.
 * A session's TCP_INFO deltas start with its TEST_START: bytes its peer
 * sent before (a BOTH peer started first) are read and counted in
 * rx_bytes, but are not in its delta.
 */
static void check_end(int fd, const struct ttcp *m0, int end, unsigned int i,
		      const struct tside *s, const struct proto_flow_res *r,
		      int peer_first)
{
	int drains = s->req.type == PROTO_TEST_STREAM &&
		     s->role != PROTO_ROLE_PASSIVE;
	struct tcp_info ti;

	t_tcp_info(fd, &ti);
	T_EQ(ti.tcpi_bytes_received - m0->received[end][i], r->rx_bytes);
	if (peer_first)
		T_CHECK(r->tcp.bytes_received <= r->rx_bytes, "%llu",
			(unsigned long long)r->tcp.bytes_received);
	else
		T_EQ(r->tcp.bytes_received, r->rx_bytes);
	if (drains) {
		T_EQ(ti.tcpi_bytes_acked - m0->acked[end][i], r->tx_bytes);
		T_EQ(r->tcp.bytes_acked, r->tx_bytes);
	}
}

static uint64_t check_bytes(const struct tpair *p, const struct ttcp *m0,
			   const struct tside *a, const struct tside *b)
{
	uint64_t total = 0;
	unsigned int i;

	T_EQ(a->res.n_flows, p->n);
	T_EQ(b->res.n_flows, p->n);
	for (i = 0; i < p->n; i++) {
		const struct proto_flow_res *ra = &a->res.flows[i];
		const struct proto_flow_res *rb = &b->res.flows[i];

		T_EQ(ra->conn_id, p->conns[i].peer_id);
		T_EQ(rb->conn_id, p->conns[i].id);
		T_EQ(ra->rx_bytes, rb->tx_bytes);
		T_EQ(rb->rx_bytes, ra->tx_bytes);
		check_end(p->fd_a[i], m0, 0, i, a, ra, 0);
		check_end(p->fd_b[i], m0, 1, i, b, rb,
			  a->role == PROTO_ROLE_BOTH);
		total += ra->rx_bytes;
	}
	return total;
}


uint64_t tp_run(struct tpair *p, struct tside *a, struct tside *b,
		const struct tpath *dp)
{
	struct ttcp m0;
	int ret;

	tcp_mark(p, &m0);
	ret = tp_start(p, a, b);
	T_CHECK(!ret, "TEST_START: %s / %s", p->a.text, p->b.text);
	tp_check_engine(p, dp);
	ret = tp_finish(p, a, b);
	T_CHECK(!ret, "test failed: %s / %s", p->a.text, p->b.text);
	check_engine_after(p);
	return check_bytes(p, &m0, a, b);
}
