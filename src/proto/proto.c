// SPDX-License-Identifier: MIT
/*
 * proto - encoder and decoder of the kperf control protocol.
 *
 * Each layout is written once, as an x_*() function over a cursor that
 * either writes or reads, so an encoder and its decoder cannot disagree on
 * where a field is; the same function then says whether the values are
 * valid, so an encoder refuses (-EINVAL) exactly what a receiver would
 * refuse, and nothing invalid is ever put on the wire.
 *
 * Encoders reserve room for the whole frame, write it into that room and
 * commit it only if it was valid: a refused frame leaves w->len where it
 * was.  Decoders check counts and the exact body length before reading
 * any array and before allocating, and leave *m zeroed (pointers NULL,
 * counts 0) when they fail.
 *
 * The encoding is canonical: pads, the tails of zero-padded strings and
 * online bits past the last CPU must be zero, and error text holds no NUL,
 * so a body that decodes re-encodes to the same bytes (the fuzzer checks).
 */
#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/proto.h"

/* Limits only the codec needs; docs/protocol.md lists them all. */
#define CONNECT_TIMEOUT_MAX_MS	600000u
#define TEST_INTERVAL_MIN_MS	10u
#define TEST_DEPTH_MAX		1024u
#define CONN_LIST_FIXED_LEN	8	/* u32 n, u32 pad; then n conn_info */

/* Each layout as the sum of its field widths, in wire order. */
_Static_assert(2 + 2 + 4 + 4 + 4 == PROTO_HDR_LEN, "header");
_Static_assert(4 + 2 + 2 == PROTO_ERROR_FIXED_LEN, "error");
_Static_assert(4 + 2 + 2 + 8 + 4 + 4 + PROTO_NAME_LEN + PROTO_NAME_LEN ==
	       PROTO_HELLO_FIXED_LEN, "hello");
_Static_assert(2 + 2 + 4 == PROTO_LISTEN_REQ_LEN, "listen req");
_Static_assert(2 + 2 + 4 + 8 == PROTO_LISTEN_REP_LEN, "listen rep");
_Static_assert(1 + 1 + 2 + 4 + 16 + 8 + 4 + 4 == PROTO_CONNECT_REQ_LEN,
	       "connect req");
_Static_assert(4 + 4 == PROTO_IDS_FIXED_LEN, "ids");
_Static_assert(4 + 4 == CONN_LIST_FIXED_LEN, "conn list");
_Static_assert(4 + 4 + 2 + 2 + 4 + 4 + 4 == PROTO_CONN_INFO_LEN, "conn info");
_Static_assert(4 + 4 == PROTO_WORKER_REQ_LEN, "worker req");
_Static_assert(4 + 4 + 4 + 4 == PROTO_WORKER_REP_LEN, "worker rep");
_Static_assert(2 + 2 + 9 * 4 == PROTO_TEST_FIXED_LEN, "test req");
_Static_assert(4 + 4 + 1 + 3 == PROTO_TEST_FLOW_LEN, "test flow");
_Static_assert(8 + 4 + 4 + 4 + 4 == PROTO_RESULT_FIXED_LEN, "result");
_Static_assert(4 + 4 + 4 + 4 + 4 * 8 + 8 * 4 + 2 * 8 == PROTO_FLOW_RES_LEN,
	       "flow res");
_Static_assert(4 + 4 + 7 * 8 == PROTO_CPU_RES_LEN, "cpu res");
_Static_assert(4 + 4 + 4 + 4 + 8 + 8 == PROTO_WORKER_RES_LEN, "worker res");
_Static_assert(8 + 4 + 4 == PROTO_SAMPLE_FIXED_LEN, "sample");
_Static_assert(4 + 4 + 8 + 8 == PROTO_SAMPLE_FLOW_LEN, "sample flow");
_Static_assert(4 + 4 + 8 == PROTO_DATA_HELLO_LEN, "data hello");

/* The largest valid body of every message fits under the frame limit. */
_Static_assert(PROTO_MAX_CPUS % 64 == 0, "online bitmap is whole words");
_Static_assert(PROTO_HELLO_FIXED_LEN + PROTO_CPU_WORDS * 8 <= PROTO_MAX_BODY,
	       "hello fits");
_Static_assert(PROTO_ERROR_FIXED_LEN + PROTO_TEXT_MAX <= PROTO_MAX_BODY,
	       "error fits");
_Static_assert(PROTO_TEST_FIXED_LEN + PROTO_MAX_CONNS * PROTO_TEST_FLOW_LEN
	       <= PROTO_MAX_BODY, "test req fits");
_Static_assert(PROTO_RESULT_FIXED_LEN + PROTO_MAX_CONNS * PROTO_FLOW_RES_LEN +
	       PROTO_MAX_CPUS * PROTO_CPU_RES_LEN +
	       PROTO_MAX_CONNS * PROTO_WORKER_RES_LEN <= PROTO_MAX_BODY,
	       "result fits");
_Static_assert(PROTO_SAMPLE_FIXED_LEN + PROTO_MAX_CONNS * PROTO_SAMPLE_FLOW_LEN
	       <= PROTO_MAX_BODY, "sample fits");
_Static_assert(CONN_LIST_FIXED_LEN + PROTO_MAX_CONNS * PROTO_CONN_INFO_LEN
	       <= PROTO_MAX_BODY, "conn list fits");
_Static_assert(PROTO_IDS_FIXED_LEN + PROTO_MAX_CONNS * 4 <= PROTO_MAX_BODY,
	       "ids fit");

/* ---- byte order: the only place where it is converted ---- */

static void put_u16(uint8_t **p, uint16_t v)
{
	(*p)[0] = (uint8_t)(v >> 8);
	(*p)[1] = (uint8_t)v;
	*p += 2;
}

static void put_u32(uint8_t **p, uint32_t v)
{
	(*p)[0] = (uint8_t)(v >> 24);
	(*p)[1] = (uint8_t)(v >> 16);
	(*p)[2] = (uint8_t)(v >> 8);
	(*p)[3] = (uint8_t)v;
	*p += 4;
}

static void put_u64(uint8_t **p, uint64_t v)
{
	put_u32(p, (uint32_t)(v >> 32));
	put_u32(p, (uint32_t)v);
}

static uint16_t get_u16(const uint8_t **p)
{
	uint16_t v = (uint16_t)((*p)[0] << 8 | (*p)[1]);

	*p += 2;
	return v;
}

static uint32_t get_u32(const uint8_t **p)
{
	uint32_t v = (uint32_t)(*p)[0] << 24 | (uint32_t)(*p)[1] << 16 |
		     (uint32_t)(*p)[2] << 8 | (*p)[3];

	*p += 4;
	return v;
}

static uint64_t get_u64(const uint8_t **p)
{
	uint64_t hi = get_u32(p);

	return hi << 32 | get_u32(p);
}

/* Two's complement on the wire, without relying on the host's casts. */
static int32_t get_i32(const uint8_t **p)
{
	uint32_t v = get_u32(p);

	return v <= INT32_MAX ? (int32_t)v : -(int32_t)~v - 1;
}

/* ---- cursor: one layout function serves both directions ---- */

struct cur {
	bool rd;		/* decoding: read at r; encoding: write at w */
	bool bad;		/* decoding: a pad or string tail was not 0 */
	const uint8_t *r;
	uint8_t *w;
};

/*
 * A layout: moves the fields of *m through c and says whether they are
 * valid.  In write mode it only reads *m.
 */
typedef bool (*xfer_fn)(struct cur *c, void *m);

static void x_u8(struct cur *c, uint8_t *v)
{
	if (c->rd)
		*v = *c->r++;
	else
		*c->w++ = *v;
}

static void x_u16(struct cur *c, uint16_t *v)
{
	if (c->rd)
		*v = get_u16(&c->r);
	else
		put_u16(&c->w, *v);
}

static void x_u32(struct cur *c, uint32_t *v)
{
	if (c->rd)
		*v = get_u32(&c->r);
	else
		put_u32(&c->w, *v);
}

static void x_i32(struct cur *c, int32_t *v)
{
	if (c->rd)
		*v = get_i32(&c->r);
	else
		put_u32(&c->w, (uint32_t)*v);
}

static void x_u64(struct cur *c, uint64_t *v)
{
	if (c->rd)
		*v = get_u64(&c->r);
	else
		put_u64(&c->w, *v);
}

static void x_bytes(struct cur *c, void *v, size_t n)
{
	if (c->rd) {
		memcpy(v, c->r, n);
		c->r += n;
	} else {
		memcpy(c->w, v, n);
		c->w += n;
	}
}

/* Zero on the wire; a decoder refuses anything else. */
static void x_pad(struct cur *c, size_t n)
{
	size_t i;

	if (!c->rd) {
		memset(c->w, 0, n);
		c->w += n;
		return;
	}
	for (i = 0; i < n; i++)
		c->bad |= c->r[i] != 0;
	c->r += n;
}

/*
 * A string in an n-byte field, zero-padded: the encoder cuts it at n bytes,
 * the decoder NUL-terminates it into s[n + 1].
 */
static void x_str(struct cur *c, char *s, size_t n)
{
	size_t l;

	if (c->rd) {
		memcpy(s, c->r, n);
		s[n] = '\0';
	}
	l = strnlen(s, n);
	x_bytes(c, s, l);
	x_pad(c, n - l);
}

/* n elements of size bytes in memory; false if one is invalid. */
static bool x_elems(struct cur *c, void *v, uint32_t n, size_t size,
		    xfer_fn x)
{
	bool ok = n == 0 || v != NULL;
	uint32_t i;

	for (i = 0; ok && i < n; i++)
		ok = x(c, (uint8_t *)v + (size_t)i * size);
	return ok;
}

/*
 * Decode n elements into a new array.  Does nothing once *err is set;
 * on failure sets *err and may still return memory the caller frees.
 */
static void *get_elems(struct cur *c, uint32_t n, size_t size, xfer_fn x,
		       int *err)
{
	void *v;

	if (*err || !n)
		return NULL;
	v = calloc(n, size);
	if (!v)
		*err = -ENOMEM;
	else if (!x_elems(c, v, n, size, x) || c->bad)
		*err = -EBADMSG;
	return v;
}

/*
 * fixed + n * size, or SIZE_MAX (longer than any frame) if that would not
 * fit a size_t; SIZE_MAX as fixed stays SIZE_MAX, so calls chain.  The
 * counts are bounded far below this, but the arithmetic is safe without
 * relying on the order of the checks.
 */
static size_t body_len(size_t fixed, uint32_t n, size_t size)
{
	if (n > (SIZE_MAX - fixed) / size)
		return SIZE_MAX;
	return fixed + (size_t)n * size;
}

/* ---- frames ---- */

static const char *const type_names[PROTO_T_MAX + 1] = {
	[PROTO_T_ERROR] = "ERROR",
	[PROTO_T_HELLO] = "HELLO",
	[PROTO_T_LISTEN] = "LISTEN",
	[PROTO_T_CONNECT] = "CONNECT",
	[PROTO_T_CONN_INFO] = "CONN_INFO",
	[PROTO_T_CONN_CLOSE] = "CONN_CLOSE",
	[PROTO_T_WORKER_SPAWN] = "WORKER_SPAWN",
	[PROTO_T_TEST_START] = "TEST_START",
	[PROTO_T_TEST_STOP] = "TEST_STOP",
	[PROTO_T_TEST_RESULT] = "TEST_RESULT",
	[PROTO_T_SAMPLE] = "SAMPLE",
};

const char *proto_type_name(uint16_t type)
{
	if (type > PROTO_T_MAX || !type_names[type])
		return "?";
	return type_names[type];
}

void proto_wr_init(struct proto_wr *w, void *buf, size_t cap)
{
	w->buf = buf;
	w->len = 0;
	w->cap = cap;
	w->err = 0;
}

void proto_hdr_encode(uint8_t out[PROTO_HDR_LEN], const struct proto_hdr *h)
{
	uint8_t *p = out;

	put_u16(&p, h->type);
	put_u16(&p, h->flags);
	put_u32(&p, h->id);
	put_u32(&p, h->len);
	put_u32(&p, 0);
}

/*
 * *h is filled whatever the result, so the caller can answer with the
 * request's id.  len is checked before flags and type, so after -EBADMSG
 * for a flag or -ENOMSG the caller knows len is sane and can skip the
 * body to keep the stream in step.
 */
int proto_hdr_decode(const uint8_t in[PROTO_HDR_LEN], struct proto_hdr *h)
{
	const uint8_t *p = in;
	uint32_t reserved;

	h->type = get_u16(&p);
	h->flags = get_u16(&p);
	h->id = get_u32(&p);
	h->len = get_u32(&p);
	reserved = get_u32(&p);
	if (reserved)
		return -EBADMSG;
	if (h->len > PROTO_MAX_BODY)
		return -EMSGSIZE;
	if (h->flags & ~PROTO_F_REPLY)
		return -EBADMSG;
	if (!h->type || h->type > PROTO_T_MAX)
		return -ENOMSG;
	return 0;
}

/* Errors are sticky, so a caller may encode several frames, check once. */
static int wr_check(struct proto_wr *w, bool ok)
{
	if (!w->err && !ok)
		w->err = -EINVAL;
	return w->err;
}

/*
 * Reserve room for a whole frame and write its header; the body is then
 * written through c and committed, or not, by wr_end().  Bytes past w->len
 * are scratch until then, so a refused frame leaves nothing behind.  An
 * error already in w is returned as it is.  Every valid body fits
 * PROTO_MAX_BODY (asserted above), so a longer one is invalid.
 */
static int wr_begin(struct proto_wr *w, uint16_t type, int reply,
		    uint32_t id, size_t len, struct cur *c)
{
	struct proto_hdr h = {
		.type = type,
		.flags = reply ? PROTO_F_REPLY : 0,
		.id = id,
		.len = (uint32_t)len,
	};

	if (wr_check(w, len <= PROTO_MAX_BODY))
		return w->err;
	if (w->len > w->cap || w->cap - w->len < PROTO_HDR_LEN ||
	    w->cap - w->len - PROTO_HDR_LEN < len) {
		w->err = -ENOSPC;
		return w->err;
	}
	proto_hdr_encode(w->buf + w->len, &h);
	*c = (struct cur){ .w = w->buf + w->len + PROTO_HDR_LEN };
	return 0;
}

static int wr_end(struct proto_wr *w, const struct cur *c, size_t len,
		  bool ok)
{
	if (wr_check(w, ok))
		return w->err;
	/* A layout that disagrees with its length is a bug here, not input. */
	assert(c->w == w->buf + w->len + PROTO_HDR_LEN + len);
	w->len += PROTO_HDR_LEN + len;
	return 0;
}

/* A whole frame with a fixed-size body. */
static int enc_fixed(struct proto_wr *w, uint16_t type, int reply,
		     uint32_t id, size_t len, xfer_fn x, void *m)
{
	struct cur c;

	if (wr_begin(w, type, reply, id, len, &c))
		return w->err;
	return wr_end(w, &c, len, x(&c, m));
}

static int dec_fixed(const uint8_t *b, size_t len, size_t want, xfer_fn x,
		     void *m, size_t size)
{
	struct cur c = { .rd = true, .r = b };

	memset(m, 0, size);
	if (len != want)
		return -EBADMSG;
	if (!x(&c, m) || c.bad) {
		memset(m, 0, size);
		return -EBADMSG;
	}
	assert(c.r == b + want);
	return 0;
}

/* ---- validity beyond single fields ---- */

static bool in_range(uint32_t v, uint32_t min, uint32_t max)
{
	return v >= min && v <= max;
}

static bool cpu_ok(int32_t cpu)
{
	return cpu >= -1 && cpu < PROTO_MAX_CPUS;
}

static uint32_t cpu_words(uint32_t ncpus)
{
	return ncpus / 64 + (ncpus % 64 != 0);
}

static bool hello_ok(const struct proto_hello *m)
{
	uint32_t i;

	if (!in_range(m->ncpus, 1, PROTO_MAX_CPUS) || m->n_online > m->ncpus)
		return false;
	/* A bit at or past ncpus would name a CPU the host does not have. */
	if (m->ncpus % 64 && m->online[m->ncpus / 64] >> (m->ncpus % 64))
		return false;
	for (i = cpu_words(m->ncpus); i < PROTO_CPU_WORDS; i++)
		if (m->online[i])
			return false;
	return true;
}

static bool test_req_ok(const struct proto_test_req *m)
{
	bool stream = m->type == PROTO_TEST_STREAM;
	bool rr = m->type == PROTO_TEST_RR;

	if (!stream && !rr)
		return false;
	if (!in_range(m->duration_ms, 1, PROTO_MAX_DURATION_MS) ||
	    m->warmup_ms > PROTO_MAX_DURATION_MS)
		return false;
	if (m->interval_ms && !in_range(m->interval_ms, TEST_INTERVAL_MIN_MS,
					PROTO_MAX_DURATION_MS))
		return false;
	/* Sizes the test type does not use may be 0, never absurd. */
	if (!in_range(m->read_size, stream, PROTO_MAX_IO_SIZE) ||
	    !in_range(m->write_size, stream, PROTO_MAX_IO_SIZE) ||
	    !in_range(m->req_size, rr, PROTO_MAX_IO_SIZE) ||
	    !in_range(m->resp_size, rr, PROTO_MAX_IO_SIZE))
		return false;
	if (rr && !in_range(m->depth, 1, TEST_DEPTH_MAX))
		return false;
	return in_range(m->n, 1, PROTO_MAX_CONNS);
}

/* ---- layouts: every field once, in wire order, then its checks ---- */

static bool x_listen_req(struct cur *c, void *p)
{
	struct proto_listen_req *m = p;

	x_u16(c, &m->port);
	x_pad(c, 2 + 4);
	return true;
}

static bool x_listen_rep(struct cur *c, void *p)
{
	struct proto_listen_rep *m = p;

	x_u16(c, &m->port);
	x_pad(c, 2 + 4);
	x_u64(c, &m->token);
	return true;
}

static bool x_connect_req(struct cur *c, void *p)
{
	static const uint8_t zero[12];
	struct proto_connect_req *m = p;

	x_u8(c, &m->family);
	x_pad(c, 1);
	x_u16(c, &m->port);
	x_u32(c, &m->count);
	x_bytes(c, m->addr, sizeof(m->addr));
	x_u64(c, &m->token);
	x_u32(c, &m->timeout_ms);
	x_pad(c, 4);
	if (m->family != 4 && m->family != 6)
		return false;
	if (m->family == 4 && memcmp(m->addr + 4, zero, sizeof(zero)))
		return false;
	return m->port != 0 && in_range(m->count, 1, PROTO_MAX_CONNS) &&
	       in_range(m->timeout_ms, 1, CONNECT_TIMEOUT_MAX_MS);
}

static bool x_worker_req(struct cur *c, void *p)
{
	struct proto_worker_req *m = p;

	x_i32(c, &m->cpu);
	x_pad(c, 4);
	return cpu_ok(m->cpu);
}

static bool x_worker_rep(struct cur *c, void *p)
{
	struct proto_worker_rep *m = p;

	x_u32(c, &m->worker_id);
	x_u32(c, &m->tid);
	x_i32(c, &m->cpu);
	x_pad(c, 4);
	return cpu_ok(m->cpu);
}

/* u32 n, u32 pad: the head of a conn list and of ids. */
static void x_count(struct cur *c, uint32_t *n)
{
	x_u32(c, n);
	x_pad(c, 4);
}

static bool x_conn_info(struct cur *c, void *p)
{
	struct proto_conn_info *m = p;

	x_u32(c, &m->id);
	x_u32(c, &m->peer_id);
	x_u16(c, &m->local_port);
	x_u16(c, &m->peer_port);
	x_i32(c, &m->rx_cpu);
	x_u32(c, &m->napi_id);
	x_pad(c, 4);
	return cpu_ok(m->rx_cpu);
}

static bool x_id(struct cur *c, void *p)
{
	x_u32(c, p);
	return true;
}

static bool x_test_req(struct cur *c, void *p)
{
	struct proto_test_req *m = p;

	x_u16(c, &m->type);
	x_pad(c, 2);
	x_u32(c, &m->duration_ms);
	x_u32(c, &m->warmup_ms);
	x_u32(c, &m->interval_ms);
	x_u32(c, &m->read_size);
	x_u32(c, &m->write_size);
	x_u32(c, &m->req_size);
	x_u32(c, &m->resp_size);
	x_u32(c, &m->depth);
	x_u32(c, &m->n);
	return test_req_ok(m);
}

static bool x_test_flow(struct cur *c, void *p)
{
	struct proto_test_flow *f = p;

	x_u32(c, &f->conn_id);
	x_u32(c, &f->worker_id);
	x_u8(c, &f->role);
	x_pad(c, 3);
	return f->role == PROTO_ROLE_ACTIVE || f->role == PROTO_ROLE_PASSIVE;
}

static bool x_result(struct cur *c, void *p)
{
	struct proto_result *m = p;

	x_u64(c, &m->window_ns);
	x_u32(c, &m->n_flows);
	x_u32(c, &m->n_cpus);
	x_u32(c, &m->n_workers);
	x_pad(c, 4);
	return m->n_flows <= PROTO_MAX_CONNS && m->n_cpus <= PROTO_MAX_CPUS &&
	       m->n_workers <= PROTO_MAX_CONNS;
}

static bool x_flow_res(struct cur *c, void *p)
{
	struct proto_flow_res *f = p;

	x_u32(c, &f->conn_id);
	x_i32(c, &f->rx_cpu_end);
	x_u32(c, &f->napi_id_end);
	x_pad(c, 4);
	x_u64(c, &f->tx_bytes);
	x_u64(c, &f->rx_bytes);
	x_u64(c, &f->xfer_ns);
	x_u64(c, &f->transactions);
	x_u32(c, &f->tcp.retrans);
	x_u32(c, &f->tcp.reord_seen);
	x_u32(c, &f->tcp.rtt_us);
	x_u32(c, &f->tcp.rttvar_us);
	x_u32(c, &f->tcp.delivered_ce);
	x_u32(c, &f->tcp.snd_wnd);
	x_u32(c, &f->tcp.snd_cwnd);
	x_pad(c, 4);
	x_u64(c, &f->tcp.bytes_acked);
	x_u64(c, &f->tcp.bytes_received);
	return cpu_ok(f->rx_cpu_end);
}

static bool x_cpu_res(struct cur *c, void *p)
{
	struct proto_cpu_res *r = p;

	x_u32(c, &r->cpu);
	x_pad(c, 4);
	x_u64(c, &r->user);
	x_u64(c, &r->system);
	x_u64(c, &r->irq);
	x_u64(c, &r->softirq);
	x_u64(c, &r->iowait);
	x_u64(c, &r->idle);
	x_u64(c, &r->steal);
	return r->cpu < PROTO_MAX_CPUS;
}

static bool x_worker_res(struct cur *c, void *p)
{
	struct proto_worker_res *r = p;

	x_u32(c, &r->worker_id);
	x_u32(c, &r->tid);
	x_i32(c, &r->cpu_pinned);
	x_i32(c, &r->cpu_last);
	x_u64(c, &r->utime_ns);
	x_u64(c, &r->stime_ns);
	return cpu_ok(r->cpu_pinned) && cpu_ok(r->cpu_last);
}

static bool x_sample(struct cur *c, void *p)
{
	struct proto_sample *m = p;

	x_u64(c, &m->t_ns);
	x_u32(c, &m->n);
	x_pad(c, 4);
	return m->n <= PROTO_MAX_CONNS;
}

static bool x_sample_flow(struct cur *c, void *p)
{
	struct proto_sample_flow *f = p;

	x_u32(c, &f->conn_id);
	x_pad(c, 4);
	x_u64(c, &f->tx_bytes);
	x_u64(c, &f->rx_bytes);
	return true;
}

/* ---- ERROR and HELLO: a text and a bitmap sized by other fields ---- */

int proto_enc_error(struct proto_wr *w, uint32_t id, int err,
		    const char *text)
{
	uint16_t n = (uint16_t)(text ? strnlen(text, PROTO_TEXT_MAX) : 0);
	size_t len = PROTO_ERROR_FIXED_LEN + (size_t)n;
	int32_t e = err;
	struct cur c;

	if (wr_check(w, err > 0) ||
	    wr_begin(w, PROTO_T_ERROR, 1, id, len, &c))
		return w->err;
	x_i32(&c, &e);
	x_u16(&c, &n);
	x_pad(&c, 2);
	if (n)
		memcpy(c.w, text, n);
	c.w += n;
	return wr_end(w, &c, len, true);
}

int proto_dec_error(const uint8_t *b, size_t len, struct proto_error *m)
{
	struct cur c = { .rd = true, .r = b };
	uint16_t n;
	bool ok;

	memset(m, 0, sizeof(*m));
	if (len < PROTO_ERROR_FIXED_LEN)
		return -EBADMSG;
	x_i32(&c, &m->err);
	x_u16(&c, &n);
	x_pad(&c, 2);
	ok = n <= PROTO_TEXT_MAX && len == PROTO_ERROR_FIXED_LEN + (size_t)n;
	if (ok)
		x_bytes(&c, m->text, n);
	/* A NUL would silently cut the text; the encoder never sends one. */
	if (!ok || c.bad || m->err <= 0 || strlen(m->text) != n) {
		memset(m, 0, sizeof(*m));
		return -EBADMSG;
	}
	return 0;
}

static void x_hello(struct cur *c, struct proto_hello *m, uint16_t *nw)
{
	x_u32(c, &m->magic);
	x_u16(c, &m->version);
	x_u16(c, nw);
	x_u64(c, &m->features);
	x_u32(c, &m->ncpus);
	x_u32(c, &m->n_online);
	x_str(c, m->kernel, PROTO_NAME_LEN);
	x_str(c, m->hostname, PROTO_NAME_LEN);
}

int proto_enc_hello(struct proto_wr *w, uint32_t id, int reply,
		    const struct proto_hello *m)
{
	struct proto_hello t = *m;
	uint16_t i, nw = (uint16_t)cpu_words(t.ncpus);
	size_t len = PROTO_HELLO_FIXED_LEN + (size_t)nw * 8;
	struct cur c;

	if (wr_check(w, hello_ok(&t)) ||
	    wr_begin(w, PROTO_T_HELLO, reply, id, len, &c))
		return w->err;
	x_hello(&c, &t, &nw);
	for (i = 0; i < nw; i++)
		x_u64(&c, &t.online[i]);
	return wr_end(w, &c, len, true);
}

int proto_dec_hello(const uint8_t *b, size_t len, struct proto_hello *m)
{
	struct cur c = { .rd = true, .r = b };
	uint16_t i, nw;
	bool ok;

	memset(m, 0, sizeof(*m));
	if (len < PROTO_HELLO_FIXED_LEN)
		return -EBADMSG;
	x_hello(&c, m, &nw);
	/* nw must match ncpus before it sizes anything. */
	ok = in_range(m->ncpus, 1, PROTO_MAX_CPUS) &&
	     nw == cpu_words(m->ncpus) &&
	     body_len(PROTO_HELLO_FIXED_LEN, nw, 8) == len;
	for (i = 0; ok && i < nw; i++)
		x_u64(&c, &m->online[i]);
	if (!ok || c.bad || !hello_ok(m)) {
		memset(m, 0, sizeof(*m));
		return -EBADMSG;
	}
	return 0;
}

/* ---- fixed-size messages ---- */

int proto_enc_listen_req(struct proto_wr *w, uint32_t id,
			 const struct proto_listen_req *m)
{
	struct proto_listen_req t = *m;

	return enc_fixed(w, PROTO_T_LISTEN, 0, id, PROTO_LISTEN_REQ_LEN,
			 x_listen_req, &t);
}

int proto_dec_listen_req(const uint8_t *b, size_t len,
			 struct proto_listen_req *m)
{
	return dec_fixed(b, len, PROTO_LISTEN_REQ_LEN, x_listen_req, m,
			 sizeof(*m));
}

int proto_enc_listen_rep(struct proto_wr *w, uint32_t id,
			 const struct proto_listen_rep *m)
{
	struct proto_listen_rep t = *m;

	return enc_fixed(w, PROTO_T_LISTEN, 1, id, PROTO_LISTEN_REP_LEN,
			 x_listen_rep, &t);
}

int proto_dec_listen_rep(const uint8_t *b, size_t len,
			 struct proto_listen_rep *m)
{
	return dec_fixed(b, len, PROTO_LISTEN_REP_LEN, x_listen_rep, m,
			 sizeof(*m));
}

int proto_enc_connect_req(struct proto_wr *w, uint32_t id,
			  const struct proto_connect_req *m)
{
	struct proto_connect_req t = *m;

	return enc_fixed(w, PROTO_T_CONNECT, 0, id, PROTO_CONNECT_REQ_LEN,
			 x_connect_req, &t);
}

int proto_dec_connect_req(const uint8_t *b, size_t len,
			  struct proto_connect_req *m)
{
	return dec_fixed(b, len, PROTO_CONNECT_REQ_LEN, x_connect_req, m,
			 sizeof(*m));
}

int proto_enc_worker_req(struct proto_wr *w, uint32_t id,
			 const struct proto_worker_req *m)
{
	struct proto_worker_req t = *m;

	return enc_fixed(w, PROTO_T_WORKER_SPAWN, 0, id, PROTO_WORKER_REQ_LEN,
			 x_worker_req, &t);
}

int proto_dec_worker_req(const uint8_t *b, size_t len,
			 struct proto_worker_req *m)
{
	return dec_fixed(b, len, PROTO_WORKER_REQ_LEN, x_worker_req, m,
			 sizeof(*m));
}

int proto_enc_worker_rep(struct proto_wr *w, uint32_t id,
			 const struct proto_worker_rep *m)
{
	struct proto_worker_rep t = *m;

	return enc_fixed(w, PROTO_T_WORKER_SPAWN, 1, id, PROTO_WORKER_REP_LEN,
			 x_worker_rep, &t);
}

int proto_dec_worker_rep(const uint8_t *b, size_t len,
			 struct proto_worker_rep *m)
{
	return dec_fixed(b, len, PROTO_WORKER_REP_LEN, x_worker_rep, m,
			 sizeof(*m));
}

/* Only these frames are empty by definition; others would not decode. */
int proto_enc_empty(struct proto_wr *w, uint16_t type, uint32_t id,
		    int reply)
{
	bool ok = reply ? type == PROTO_T_CONN_CLOSE ||
			  type == PROTO_T_TEST_START ||
			  type == PROTO_T_TEST_STOP
			: type == PROTO_T_TEST_STOP;
	struct cur c;

	if (wr_check(w, ok) || wr_begin(w, type, reply, id, 0, &c))
		return w->err;
	return wr_end(w, &c, 0, true);
}

/*
 * ---- messages with arrays ----
 *
 * Encoders size the frame from the counts (overflow-safe; an absurd count
 * makes it too long, hence invalid), write the fixed part, whose layout
 * checks the counts, and touch the elements only if that passed.
 * Decoders read the fixed part, check the counts, then the exact length,
 * and only then allocate.
 */

int proto_enc_conn_list(struct proto_wr *w, uint16_t type, uint32_t id,
			const struct proto_conn_list *m)
{
	size_t len = body_len(CONN_LIST_FIXED_LEN, m->n, PROTO_CONN_INFO_LEN);
	uint32_t n = m->n;
	struct cur c;
	bool ok;

	if (wr_check(w, type == PROTO_T_CONNECT || type == PROTO_T_CONN_INFO) ||
	    wr_begin(w, type, 1, id, len, &c))
		return w->err;
	x_count(&c, &n);
	ok = n <= PROTO_MAX_CONNS &&
	     x_elems(&c, m->v, n, sizeof(*m->v), x_conn_info);
	return wr_end(w, &c, len, ok);
}

int proto_dec_conn_list(const uint8_t *b, size_t len,
			struct proto_conn_list *m)
{
	struct cur c = { .rd = true, .r = b };
	int ret = -EBADMSG;

	memset(m, 0, sizeof(*m));
	if (len < CONN_LIST_FIXED_LEN)
		return -EBADMSG;
	x_count(&c, &m->n);
	if (!c.bad && m->n <= PROTO_MAX_CONNS &&
	    body_len(CONN_LIST_FIXED_LEN, m->n, PROTO_CONN_INFO_LEN) == len) {
		ret = 0;
		m->v = get_elems(&c, m->n, sizeof(*m->v), x_conn_info, &ret);
	}
	if (ret)
		proto_conn_list_free(m);
	return ret;
}

int proto_enc_ids(struct proto_wr *w, uint16_t type, uint32_t id,
		  const struct proto_ids *m)
{
	size_t len = body_len(PROTO_IDS_FIXED_LEN, m->n, 4);
	uint32_t n = m->n;
	struct cur c;
	bool ok;

	if (wr_check(w, type == PROTO_T_CONN_INFO ||
			type == PROTO_T_CONN_CLOSE) ||
	    wr_begin(w, type, 0, id, len, &c))
		return w->err;
	x_count(&c, &n);
	ok = in_range(n, 1, PROTO_MAX_CONNS) &&
	     x_elems(&c, m->v, n, sizeof(*m->v), x_id);
	return wr_end(w, &c, len, ok);
}

int proto_dec_ids(const uint8_t *b, size_t len, struct proto_ids *m)
{
	struct cur c = { .rd = true, .r = b };
	int ret = -EBADMSG;

	memset(m, 0, sizeof(*m));
	if (len < PROTO_IDS_FIXED_LEN)
		return -EBADMSG;
	x_count(&c, &m->n);
	if (!c.bad && in_range(m->n, 1, PROTO_MAX_CONNS) &&
	    body_len(PROTO_IDS_FIXED_LEN, m->n, 4) == len) {
		ret = 0;
		m->v = get_elems(&c, m->n, sizeof(*m->v), x_id, &ret);
	}
	if (ret)
		proto_ids_free(m);
	return ret;
}

int proto_enc_test_req(struct proto_wr *w, uint32_t id,
		       const struct proto_test_req *m)
{
	size_t len = body_len(PROTO_TEST_FIXED_LEN, m->n, PROTO_TEST_FLOW_LEN);
	struct proto_test_req t = *m;
	struct cur c;
	bool ok;

	if (wr_begin(w, PROTO_T_TEST_START, 0, id, len, &c))
		return w->err;
	ok = x_test_req(&c, &t) &&
	     x_elems(&c, t.flows, t.n, sizeof(*t.flows), x_test_flow);
	return wr_end(w, &c, len, ok);
}

int proto_dec_test_req(const uint8_t *b, size_t len,
		       struct proto_test_req *m)
{
	struct cur c = { .rd = true, .r = b };
	int ret = -EBADMSG;

	memset(m, 0, sizeof(*m));
	if (len < PROTO_TEST_FIXED_LEN)
		return -EBADMSG;
	if (x_test_req(&c, m) && !c.bad &&
	    body_len(PROTO_TEST_FIXED_LEN, m->n, PROTO_TEST_FLOW_LEN) == len) {
		ret = 0;
		m->flows = get_elems(&c, m->n, sizeof(*m->flows), x_test_flow,
				     &ret);
	}
	if (ret)
		proto_test_req_free(m);
	return ret;
}

/* Body length of a result from its counts; SIZE_MAX if absurd. */
static size_t result_len(const struct proto_result *m)
{
	size_t len;

	len = body_len(PROTO_RESULT_FIXED_LEN, m->n_flows, PROTO_FLOW_RES_LEN);
	len = body_len(len, m->n_cpus, PROTO_CPU_RES_LEN);
	return body_len(len, m->n_workers, PROTO_WORKER_RES_LEN);
}

int proto_enc_result(struct proto_wr *w, uint32_t id,
		     const struct proto_result *m)
{
	size_t len = result_len(m);
	struct proto_result t = *m;
	struct cur c;
	bool ok;

	if (wr_begin(w, PROTO_T_TEST_RESULT, 0, id, len, &c))
		return w->err;
	ok = x_result(&c, &t) &&
	     x_elems(&c, t.flows, t.n_flows, sizeof(*t.flows), x_flow_res) &&
	     x_elems(&c, t.cpus, t.n_cpus, sizeof(*t.cpus), x_cpu_res) &&
	     x_elems(&c, t.workers, t.n_workers, sizeof(*t.workers),
		     x_worker_res);
	return wr_end(w, &c, len, ok);
}

int proto_dec_result(const uint8_t *b, size_t len, struct proto_result *m)
{
	struct cur c = { .rd = true, .r = b };
	int ret = -EBADMSG;

	memset(m, 0, sizeof(*m));
	if (len < PROTO_RESULT_FIXED_LEN)
		return -EBADMSG;
	if (x_result(&c, m) && !c.bad && result_len(m) == len) {
		ret = 0;
		m->flows = get_elems(&c, m->n_flows, sizeof(*m->flows),
				     x_flow_res, &ret);
		m->cpus = get_elems(&c, m->n_cpus, sizeof(*m->cpus),
				    x_cpu_res, &ret);
		m->workers = get_elems(&c, m->n_workers, sizeof(*m->workers),
				       x_worker_res, &ret);
	}
	if (ret)
		proto_result_free(m);
	return ret;
}

int proto_enc_sample(struct proto_wr *w, uint32_t id,
		     const struct proto_sample *m)
{
	size_t len = body_len(PROTO_SAMPLE_FIXED_LEN, m->n,
			      PROTO_SAMPLE_FLOW_LEN);
	struct proto_sample t = *m;
	struct cur c;
	bool ok;

	if (wr_begin(w, PROTO_T_SAMPLE, 0, id, len, &c))
		return w->err;
	ok = x_sample(&c, &t) &&
	     x_elems(&c, t.v, t.n, sizeof(*t.v), x_sample_flow);
	return wr_end(w, &c, len, ok);
}

int proto_dec_sample(const uint8_t *b, size_t len, struct proto_sample *m)
{
	struct cur c = { .rd = true, .r = b };
	int ret = -EBADMSG;

	memset(m, 0, sizeof(*m));
	if (len < PROTO_SAMPLE_FIXED_LEN)
		return -EBADMSG;
	if (x_sample(&c, m) && !c.bad &&
	    body_len(PROTO_SAMPLE_FIXED_LEN, m->n, PROTO_SAMPLE_FLOW_LEN) ==
	    len) {
		ret = 0;
		m->v = get_elems(&c, m->n, sizeof(*m->v), x_sample_flow, &ret);
	}
	if (ret)
		proto_sample_free(m);
	return ret;
}

/* ---- freeing: zeroes the message, so safe on zeroed ones and twice ---- */

void proto_conn_list_free(struct proto_conn_list *m)
{
	free(m->v);
	memset(m, 0, sizeof(*m));
}

void proto_ids_free(struct proto_ids *m)
{
	free(m->v);
	memset(m, 0, sizeof(*m));
}

void proto_test_req_free(struct proto_test_req *m)
{
	free(m->flows);
	memset(m, 0, sizeof(*m));
}

void proto_result_free(struct proto_result *m)
{
	free(m->flows);
	free(m->cpus);
	free(m->workers);
	memset(m, 0, sizeof(*m));
}

void proto_sample_free(struct proto_sample *m)
{
	free(m->v);
	memset(m, 0, sizeof(*m));
}

/* ---- data connection hello: not framed, 16 bytes each way ---- */

void proto_data_hello_encode(uint8_t out[PROTO_DATA_HELLO_LEN],
			     const struct proto_data_hello *m)
{
	uint8_t *p = out;

	put_u32(&p, m->magic);
	put_u32(&p, m->conn_id);
	put_u64(&p, m->token);
}

int proto_data_hello_decode(const uint8_t in[PROTO_DATA_HELLO_LEN],
			    struct proto_data_hello *m)
{
	const uint8_t *p = in;

	memset(m, 0, sizeof(*m));
	if (get_u32(&p) != PROTO_DATA_MAGIC)
		return -EBADMSG;
	m->magic = PROTO_DATA_MAGIC;
	m->conn_id = get_u32(&p);
	m->token = get_u64(&p);
	return 0;
}
