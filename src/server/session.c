// SPDX-License-Identifier: MIT
/* session - control loop, request dispatch and the handlers. */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/fullio.h"
#include "common/log.h"
#include "server/ktls.h"
#include "server/session.h"
#include "server/tcpopt.h"
#include "server/measure.h"

#define SESS_POLL_MAX	(3 + CONN_PENDING_MAX)

struct sess_handler {
	uint16_t type;
	int (*fn)(struct session *s, const struct proto_hdr *h,
		  const uint8_t *body);
	uint32_t min_len, max_len;
};

int sess_send(struct session *s, const struct proto_wr *w)
{
	int ret;

	if (w->err)
		return w->err;
	ret = fio_write_full(s->ctl_fd, w->buf, w->len, SESS_IO_TIMEOUT_MS);
	if (ret < 0) {
		log_info("control connection: send: %s", strerror(-ret));
		s->quit = 1;
	}
	return ret;
}

int sess_error(struct session *s, uint32_t id, int err, const char *fmt, ...)
{
	char text[PROTO_TEXT_MAX + 1];
	struct proto_wr w;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	log_info("request %u failed: %s", id, text);
	proto_wr_init(&w, s->txbuf, PROTO_HDR_LEN + PROTO_MAX_BODY);
	proto_enc_error(&w, id, err > 0 ? err : EIO, text);
	return sess_send(s, &w);
}

int sess_wait_acks(struct session *s, struct worker **ws, unsigned int n,
		   int timeout_ms)
{
	struct pollfd pfd = { .fd = s->notify_fd, .events = POLLIN };
	uint64_t end = clock_now_ns() + (uint64_t)timeout_ms * NSEC_PER_MSEC;
	uint64_t now, v;
	unsigned int i;

	for (;;) {
		for (i = 0; i < n && wrk_acked(ws[i]); i++)
			;
		if (i == n)
			return 0;
		now = clock_now_ns();
		if (now >= end)
			return -ETIMEDOUT;
		/*
		 * A worker may have been about to block when it was kicked:
		 * kick again each millisecond until it answers.
		 */
		for (i = 0; i < n; i++)
			if (!wrk_acked(ws[i]))
				wrk_kick(ws[i]);
		poll(&pfd, 1, 1);
		if (read(s->notify_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
			return -errno;
	}
}

static void fill_hello(const struct session *s, struct proto_hello *m)
{
	memset(m, 0, sizeof(*m));
	m->magic = PROTO_MAGIC;
	m->version = PROTO_VERSION;
	m->features = PROTO_FEAT_STREAM | PROTO_FEAT_RR | PROTO_FEAT_SAMPLES |
		      PROTO_FEAT_TCP_OPTS | PROTO_FEAT_TLS |
		      PROTO_FEAT_DATAPATH | PROTO_FEAT_WAITALL |
		      PROTO_FEAT_BIDIR;
	m->ncpus = s->host.ncpus;
	m->n_online = s->host.n_online;
	snprintf(m->kernel, sizeof(m->kernel), "%s", s->host.kernel);
	snprintf(m->hostname, sizeof(m->hostname), "%s", s->host.hostname);
	memcpy(m->online, s->host.online, sizeof(m->online));
}

static int h_hello(struct session *s, const struct proto_hdr *h,
		   const uint8_t *b)
{
	struct proto_hello m;
	struct proto_wr w;

	if (proto_dec_hello(b, h->len, &m) < 0)
		return sess_error(s, h->id, EBADMSG, "malformed HELLO");
	if (m.magic != PROTO_MAGIC || m.version != PROTO_VERSION) {
		sess_error(s, h->id, EPROTONOSUPPORT,
			   "client speaks protocol %#x version %u; this "
			   "kperfd speaks %#x version %u", m.magic, m.version,
			   PROTO_MAGIC, PROTO_VERSION);
		s->quit = 1;
		return 0;
	}
	fill_hello(s, &m);
	s->hello_done = 1;
	proto_wr_init(&w, s->txbuf, PROTO_HDR_LEN + PROTO_MAX_BODY);
	proto_enc_hello(&w, h->id, 1, &m);
	return sess_send(s, &w);
}

static int h_listen(struct session *s, const struct proto_hdr *h,
		    const uint8_t *b)
{
	struct proto_listen_req m;
	struct proto_listen_rep rep;
	struct proto_wr w;
	int ret;

	if (proto_dec_listen_req(b, h->len, &m) < 0)
		return sess_error(s, h->id, EBADMSG, "malformed LISTEN");
	ret = conn_acceptor_open(&s->conns, m.port);
	if (ret < 0)
		return sess_error(s, h->id, -ret, "data acceptor on port %u: "
				  "%s", m.port, strerror(-ret));
	rep.port = s->conns.acceptor_port;
	rep.token = s->conns.token;
	proto_wr_init(&w, s->txbuf, PROTO_HDR_LEN + PROTO_MAX_BODY);
	proto_enc_listen_rep(&w, h->id, &rep);
	return sess_send(s, &w);
}

/* Reply to CONNECT or CONN_INFO with the state of ids[]. */
static int reply_conn_list(struct session *s, const struct proto_hdr *h,
			   const uint32_t *ids, uint32_t n)
{
	struct proto_conn_list l = { .n = n };
	struct proto_wr w;
	uint32_t i;
	int ret;

	l.v = calloc(n ? n : 1, sizeof(*l.v));
	if (!l.v)
		return sess_error(s, h->id, ENOMEM, "out of memory");
	for (i = 0; i < n; i++) {
		if (conn_info(&s->conns, ids[i], &l.v[i]) < 0) {
			free(l.v);
			return sess_error(s, h->id, ENOENT, "connection id %u "
					  "does not exist", ids[i]);
		}
	}
	proto_wr_init(&w, s->txbuf, PROTO_HDR_LEN + PROTO_MAX_BODY);
	proto_enc_conn_list(&w, h->type, h->id, &l);
	ret = sess_send(s, &w);
	free(l.v);
	return ret;
}

static int h_connect(struct session *s, const struct proto_hdr *h,
		     const uint8_t *b)
{
	struct proto_connect_req m;
	char err[PROTO_TEXT_MAX];
	uint32_t *ids;
	int ret;

	if (proto_dec_connect_req(b, h->len, &m) < 0)
		return sess_error(s, h->id, EBADMSG, "malformed CONNECT");
	ids = calloc(m.count, sizeof(*ids));
	if (!ids)
		return sess_error(s, h->id, ENOMEM, "out of memory");
	ret = conn_connect(&s->conns, &m, ids, err, sizeof(err));
	if (ret < 0)
		ret = sess_error(s, h->id, -ret, "%s", err);
	else
		ret = reply_conn_list(s, h, ids, m.count);
	free(ids);
	return ret;
}

static int h_conn_info(struct session *s, const struct proto_hdr *h,
		       const uint8_t *b)
{
	struct proto_ids m;
	int ret;

	if (proto_dec_ids(b, h->len, &m) < 0)
		return sess_error(s, h->id, EBADMSG, "malformed CONN_INFO");
	ret = reply_conn_list(s, h, m.v, m.n);
	proto_ids_free(&m);
	return ret;
}

/*
 * Every id names a connection that is not in a running test: 0.  Else the
 * request is answered with ERROR ENOENT or EBUSY and -1 returned.
 */
static int check_ids(struct session *s, const struct proto_hdr *h,
		     const uint32_t *ids, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++) {
		struct conn *c = conn_get(&s->conns, ids[i]);

		if (!c || c->in_test) {
			sess_error(s, h->id, c ? EBUSY : ENOENT,
				   "connection id %u %s", ids[i],
				   c ? "is in a running test" :
				       "does not exist");
			return -1;
		}
	}
	return 0;
}

static int h_conn_close(struct session *s, const struct proto_hdr *h,
			const uint8_t *b)
{
	struct proto_ids m;
	struct proto_wr w;
	uint32_t i;
	int ret = 0;

	if (proto_dec_ids(b, h->len, &m) < 0)
		return sess_error(s, h->id, EBADMSG, "malformed CONN_CLOSE");
	/* All or nothing: check every id before closing any. */
	if (check_ids(s, h, m.v, m.n) < 0)
		goto out;
	for (i = 0; i < m.n; i++)
		conn_close(&s->conns, m.v[i]);
	proto_wr_init(&w, s->txbuf, PROTO_HDR_LEN + PROTO_MAX_BODY);
	proto_enc_empty(&w, h->type, h->id, 1);
	ret = sess_send(s, &w);
out:
	proto_ids_free(&m);
	return ret;
}

/*
 * Set the requested TCP options on every listed connection (all checked
 * first), then reply with what each socket reports back.
 */
static int h_conn_setopt(struct session *s, const struct proto_hdr *h,
			 const uint8_t *b)
{
	struct proto_opts_list l = { 0 };
	struct proto_setopt_req m;
	char err[PROTO_TEXT_MAX];
	struct proto_wr w;
	uint32_t i;
	int ret = 0, fd;

	if (proto_dec_setopt_req(b, h->len, &m) < 0)
		return sess_error(s, h->id, EBADMSG, "malformed CONN_SETOPT");
	if (check_ids(s, h, m.ids, m.n) < 0)
		goto free_req;
	l.n = m.n;
	l.v = calloc(m.n, sizeof(*l.v));
	if (!l.v) {
		ret = sess_error(s, h->id, ENOMEM, "out of memory");
		goto free_req;
	}
	for (i = 0; i < m.n; i++) {
		fd = conn_get(&s->conns, m.ids[i])->fd;
		l.v[i].id = m.ids[i];
		ret = tcpopt_apply(fd, &m, err, sizeof(err));
		if (!ret)
			ret = tcpopt_read(fd, &l.v[i], err, sizeof(err));
		if (ret < 0) {
			ret = sess_error(s, h->id, -ret, "%s (connection %u)",
					 err, m.ids[i]);
			goto free_list;
		}
	}
	proto_wr_init(&w, s->txbuf, PROTO_HDR_LEN + PROTO_MAX_BODY);
	if (proto_enc_opts_list(&w, h->id, &l) < 0)
		ret = sess_error(s, h->id, EIO, "a connection's TCP settings "
				 "read back cannot be encoded");
	else
		ret = sess_send(s, &w);
free_list:
	free(l.v);
free_req:
	proto_setopt_req_free(&m);
	return ret;
}

static int h_worker_spawn(struct session *s, const struct proto_hdr *h,
			  const uint8_t *b)
{
	struct proto_worker_req m;
	struct proto_worker_rep rep;
	struct proto_wr w;
	struct worker *wk;
	int ret;

	if (proto_dec_worker_req(b, h->len, &m) < 0)
		return sess_error(s, h->id, EBADMSG, "malformed WORKER_SPAWN");
	if (m.cpu >= 0 && ((unsigned int)m.cpu >= s->host.ncpus ||
			   !cpuset_has(s->host.online, (unsigned int)m.cpu)))
		return sess_error(s, h->id, EINVAL, "CPU %d is not online on "
				  "%s", m.cpu, s->host.hostname);
	if (s->n_workers >= SESS_MAX_WORKERS)
		return sess_error(s, h->id, ENOSPC, "a session has at most %d "
				  "workers", SESS_MAX_WORKERS);
	wk = calloc(1, sizeof(*wk));
	if (!wk)
		return sess_error(s, h->id, ENOMEM, "out of memory");
	ret = wrk_spawn(wk, s->n_workers, m.cpu, s->notify_fd);
	if (ret < 0) {
		free(wk);
		if (ret == -EIO)
			return sess_error(s, h->id, EIO, "worker pinned to CPU "
					  "%d reads back a different affinity",
					  m.cpu);
		return sess_error(s, h->id, -ret, "cannot start a worker on "
				  "CPU %d: %s", m.cpu, strerror(-ret));
	}
	s->workers[s->n_workers++] = wk;
	rep.worker_id = wk->id;
	rep.tid = (uint32_t)wk->tid;
	rep.cpu = wk->cpu_pinned;
	proto_wr_init(&w, s->txbuf, PROTO_HDR_LEN + PROTO_MAX_BODY);
	proto_enc_worker_rep(&w, h->id, &rep);
	return sess_send(s, &w);
}

static int h_test_start(struct session *s, const struct proto_hdr *h,
			const uint8_t *b)
{
	struct proto_test_req m;
	char err[PROTO_TEXT_MAX];
	struct proto_wr w;
	int ret;

	if (proto_dec_test_req(b, h->len, &m) < 0)
		return sess_error(s, h->id, EBADMSG, "malformed TEST_START");
	/* Acknowledge first: the test may end before the next poll. */
	proto_wr_init(&w, s->txbuf, PROTO_HDR_LEN + PROTO_MAX_BODY);
	ret = measure_start(s, h->id, &m, err, sizeof(err));
	if (ret < 0)
		return sess_error(s, h->id, -ret, "%s", err);
	proto_enc_empty(&w, h->type, h->id, 1);
	return sess_send(s, &w);
}

static int h_test_stop(struct session *s, const struct proto_hdr *h,
		       const uint8_t *b)
{
	struct proto_wr w;
	int ret;

	if (!s->test)
		return sess_error(s, h->id, ENOENT, "no test is running");
	proto_wr_init(&w, s->txbuf, PROTO_HDR_LEN + PROTO_MAX_BODY);
	proto_enc_empty(&w, h->type, h->id, 1);
	ret = sess_send(s, &w);
	measure_stop(s);
	return ret;
}

#define IDS_MAX	(PROTO_IDS_FIXED_LEN + 4 * PROTO_MAX_CONNS)
#define SETOPT_MAX (PROTO_SETOPT_FIXED_LEN + 4 * PROTO_MAX_CONNS)
#define TEST_MAX (PROTO_TEST_FIXED_LEN + PROTO_TEST_FLOW_LEN * PROTO_MAX_CONNS)

static const struct sess_handler handlers[] = {
	{ PROTO_T_HELLO, h_hello, PROTO_HELLO_FIXED_LEN,
	  PROTO_HELLO_FIXED_LEN + 8 * PROTO_CPU_WORDS },
	{ PROTO_T_LISTEN, h_listen, PROTO_LISTEN_REQ_LEN,
	  PROTO_LISTEN_REQ_LEN },
	{ PROTO_T_CONNECT, h_connect, PROTO_CONNECT_REQ_LEN,
	  PROTO_CONNECT_REQ_LEN },
	{ PROTO_T_CONN_INFO, h_conn_info, PROTO_IDS_FIXED_LEN + 4, IDS_MAX },
	{ PROTO_T_CONN_CLOSE, h_conn_close, PROTO_IDS_FIXED_LEN + 4, IDS_MAX },
	{ PROTO_T_WORKER_SPAWN, h_worker_spawn, PROTO_WORKER_REQ_LEN,
	  PROTO_WORKER_REQ_LEN },
	{ PROTO_T_TEST_START, h_test_start,
	  PROTO_TEST_FIXED_LEN + PROTO_TEST_FLOW_LEN, TEST_MAX },
	{ PROTO_T_TEST_STOP, h_test_stop, 0, 0 },
	{ PROTO_T_CONN_SETOPT, h_conn_setopt, PROTO_SETOPT_FIXED_LEN + 4,
	  SETOPT_MAX },
	{ PROTO_T_CONN_TLS, ktls_h_conn_tls,
	  PROTO_TLS_FIXED_LEN + PROTO_TLS_CONN_LEN,
	  PROTO_TLS_FIXED_LEN + PROTO_TLS_CONN_LEN * PROTO_MAX_CONNS },
	{ PROTO_T_TLS_STAT, ktls_h_tls_stat, 0, 0 },
};

static const struct sess_handler *handler_of(uint16_t type)
{
	size_t i;

	for (i = 0; i < sizeof(handlers) / sizeof(handlers[0]); i++)
		if (handlers[i].type == type)
			return &handlers[i];
	return NULL;
}

/* Read and serve one frame.  Return 0, or -errno to end the session. */
static int sess_serve_frame(struct session *s)
{
	const struct sess_handler *hd;
	uint8_t hb[PROTO_HDR_LEN];
	struct proto_hdr h;
	int ret, dec;

	ret = fio_read_full(s->ctl_fd, hb, sizeof(hb), SESS_IO_TIMEOUT_MS);
	if (ret < 0)
		return ret;
	dec = proto_hdr_decode(hb, &h);
	if (dec == -EMSGSIZE || dec == -EBADMSG) {
		/* The stream cannot be re-synchronised: say why, then end. */
		sess_error(s, h.id, -dec, "bad frame header (%s)",
			   dec == -EMSGSIZE ? "body longer than the maximum" :
					      "reserved bits or unknown flags set");
		return dec;
	}
	ret = fio_read_full(s->ctl_fd, s->rxbuf, h.len, SESS_IO_TIMEOUT_MS);
	if (ret < 0)
		return ret;
	hd = dec ? NULL : handler_of(h.type);
	if (!hd || (h.flags & PROTO_F_REPLY))
		return sess_error(s, h.id, EOPNOTSUPP, "a session does not "
				  "accept %s frames (type %u%s)",
				  proto_type_name(h.type), h.type,
				  h.flags & PROTO_F_REPLY ? ", reply" : "");
	if (h.len < hd->min_len || h.len > hd->max_len)
		return sess_error(s, h.id, EBADMSG, "%s body of %u bytes, "
				  "expected %u..%u",
				  proto_type_name(h.type), h.len, hd->min_len,
				  hd->max_len);
	if (!s->hello_done && h.type != PROTO_T_HELLO)
		return sess_error(s, h.id, EPROTO, "HELLO must come first");
	log_dbg("request %u: %s", h.id, proto_type_name(h.type));
	hd->fn(s, &h, s->rxbuf);
	return 0;
}

static int poll_timeout(struct session *s, uint64_t now)
{
	uint64_t next = measure_next_deadline(s);
	uint64_t p = conn_expire_pending(&s->conns, now);

	if (p < next)
		next = p;
	if (next == UINT64_MAX)
		return -1;
	if (next <= now)
		return 0;
	/* Round up: waking early would only spin. */
	return (int)((next - now + NSEC_PER_MSEC - 1) / NSEC_PER_MSEC);
}

static void sess_loop(struct session *s)
{
	struct pollfd pfd[SESS_POLL_MAX];
	struct conn_pending *pend[CONN_PENDING_MAX];
	unsigned int n, np, i;
	uint64_t v;
	int ret;

	while (!s->quit) {
		n = 0;
		pfd[n++] = (struct pollfd){ .fd = s->ctl_fd, .events = POLLIN };
		pfd[n++] = (struct pollfd){ .fd = s->notify_fd,
					    .events = POLLIN };
		if (s->conns.acceptor_fd >= 0)
			pfd[n++] = (struct pollfd){ .fd = s->conns.acceptor_fd,
						    .events = POLLIN };
		for (i = 0, np = 0; i < CONN_PENDING_MAX; i++) {
			if (s->conns.pending[i].fd < 0)
				continue;
			pend[np++] = &s->conns.pending[i];
			pfd[n++] = (struct pollfd){
				.fd = s->conns.pending[i].fd,
				.events = POLLIN };
		}
		ret = poll(pfd, n, poll_timeout(s, clock_now_ns()));
		if (ret < 0 && errno != EINTR) {
			log_err("poll: %s", strerror(errno));
			break;
		}
		if (ret > 0 && pfd[0].revents) {
			ret = sess_serve_frame(s);
			if (ret < 0) {
				log_info("control connection: %s",
					 ret == -ECONNRESET ? "closed" :
							      strerror(-ret));
				break;
			}
		}
		if (pfd[1].revents &&
		    read(s->notify_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
			break;
		i = 2;
		if (s->conns.acceptor_fd >= 0 && pfd[i++].revents)
			conn_on_accept(&s->conns, clock_now_ns());
		for (; i < n; i++)
			if (pfd[i].revents)
				conn_on_pending(&s->conns, pend[i - n + np]);
		measure_on_timer(s, clock_now_ns());
	}
}

int sess_run(int ctl_fd)
{
	struct session *s;
	unsigned int i;
	int ret;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->ctl_fd = ctl_fd;
	s->rxbuf = malloc(PROTO_MAX_BODY);
	s->txbuf = malloc(PROTO_HDR_LEN + PROTO_MAX_BODY);
	s->notify_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ret = -ENOMEM;
	if (!s->rxbuf || !s->txbuf || s->notify_fd < 0)
		goto free_session;
	ret = hostinfo_get(&s->host);
	if (ret < 0)
		goto free_session;
	ret = conn_table_init(&s->conns);
	if (ret < 0)
		goto free_session;

	sess_loop(s);

	measure_abort(s);
	for (i = 0; i < s->n_workers; i++) {
		wrk_destroy(s->workers[i]);
		free(s->workers[i]);
	}
	conn_table_fini(&s->conns);
	ret = 0;
free_session:
	if (s->notify_fd >= 0)
		close(s->notify_fd);
	free(s->rxbuf);
	free(s->txbuf);
	free(s);
	return ret;
}
