// SPDX-License-Identifier: MIT
/*
 * proto - encoder and decoder of the kperf control protocol: frame
 * header, the writer, ERROR, HELLO, LISTEN, CONNECT, conn lists, ids,
 * WORKER_SPAWN, empty frames, the data connection hello and type names.
 * TEST_START, TEST_RESULT, SAMPLE and HIST are in proto_measure.c, CONN_SETOPT
 * in proto_opt.c; the byte order and the layout cursor they share are in
 * proto_wire.h.
 */
#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/proto.h"
#include "proto/proto_wire.h"

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
	[PROTO_T_HIST] = "HIST",
	[PROTO_T_CONN_SETOPT] = "CONN_SETOPT",
	[PROTO_T_CONN_TLS] = "CONN_TLS",
	[PROTO_T_TLS_STAT] = "TLS_STAT",
	[PROTO_T_TX_DONE] = "TX_DONE",
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
 * written through c and committed, or not, by proto_wr_end().  Bytes past
 * w->len are scratch until then, so a refused frame leaves nothing behind.
 * An error already in w is returned as it is.  Every valid body fits
 * PROTO_MAX_BODY (asserted in proto_wire.h), so a longer one is invalid.
 */
int proto_wr_begin(struct proto_wr *w, uint16_t type, int reply,
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

int proto_wr_end(struct proto_wr *w, const struct cur *c, size_t len,
		 bool ok)
{
	if (wr_check(w, ok))
		return w->err;
	/* A layout that disagrees with its length is a bug here, not input. */
	assert(c->w == w->buf + w->len + PROTO_HDR_LEN + len);
	w->len += PROTO_HDR_LEN + len;
	return 0;
}

/* ---- validity beyond single fields ---- */

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
	x_u32(c, &m->mss);
	if (m->family != 4 && m->family != 6)
		return false;
	if (m->family == 4 && memcmp(m->addr + 4, zero, sizeof(zero)))
		return false;
	if (m->mss && !in_range(m->mss, PROTO_MSS_MIN, PROTO_MSS_MAX))
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

/* ---- ERROR and HELLO: a text and a bitmap sized by other fields ---- */

int proto_enc_error(struct proto_wr *w, uint32_t id, int err,
		    const char *text)
{
	uint16_t n = (uint16_t)(text ? strnlen(text, PROTO_TEXT_MAX) : 0);
	size_t len = PROTO_ERROR_FIXED_LEN + (size_t)n;
	int32_t e = err;
	struct cur c;

	if (wr_check(w, err > 0) ||
	    proto_wr_begin(w, PROTO_T_ERROR, 1, id, len, &c))
		return w->err;
	x_i32(&c, &e);
	x_u16(&c, &n);
	x_pad(&c, 2);
	if (n)
		memcpy(c.w, text, n);
	c.w += n;
	return proto_wr_end(w, &c, len, true);
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
	    proto_wr_begin(w, PROTO_T_HELLO, reply, id, len, &c))
		return w->err;
	x_hello(&c, &t, &nw);
	for (i = 0; i < nw; i++)
		x_u64(&c, &t.online[i]);
	return proto_wr_end(w, &c, len, true);
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

/*
 * ---- fixed-size messages: one table, one encoder, one decoder ----
 *
 * A descriptor per row of PROTO_FIXED_MSGS (proto.h): the frame, the
 * body's length on the wire, the struct's size in memory and its layout.
 */
struct fixed_msg {
	uint16_t type;
	int reply;
	size_t len;
	size_t size;
	xfer_fn x;
};

/* Room for any fixed message: the encoder lays out a copy. */
union fixed_any {
#define FIXED_MEMBER(name, ...) struct proto_##name name;
	PROTO_FIXED_MSGS(FIXED_MEMBER)
#undef FIXED_MEMBER
};

/*
 * A layout function reads and writes through one non-const pointer, so
 * the encoder hands it a copy and the caller's const message stays as
 * it was.
 */
static int enc_fixed(struct proto_wr *w, const struct fixed_msg *d,
		     uint32_t id, const void *m)
{
	union fixed_any t;
	struct cur c;

	memcpy(&t, m, d->size);
	if (proto_wr_begin(w, d->type, d->reply, id, d->len, &c))
		return w->err;
	return proto_wr_end(w, &c, d->len, d->x(&c, &t));
}

static int dec_fixed(const struct fixed_msg *d, const uint8_t *b, size_t len,
		     void *m)
{
	struct cur c = { .rd = true, .r = b };

	memset(m, 0, d->size);
	if (len != d->len)
		return -EBADMSG;
	if (!d->x(&c, m) || c.bad) {
		memset(m, 0, d->size);
		return -EBADMSG;
	}
	assert(c.r == b + d->len);
	return 0;
}

/* Each row: its descriptor, proto_enc_NAME() and proto_dec_NAME(). */
#define FIXED_CODEC(name, type, reply, body_len)			\
	static const struct fixed_msg fixed_##name = {			\
		type, reply, body_len, sizeof(struct proto_##name),	\
		x_##name,						\
	};								\
	int proto_enc_##name(struct proto_wr *w, uint32_t id,		\
			     const struct proto_##name *m)		\
	{								\
		return enc_fixed(w, &fixed_##name, id, m);		\
	}								\
	int proto_dec_##name(const uint8_t *b, size_t len,		\
			     struct proto_##name *m)			\
	{								\
		return dec_fixed(&fixed_##name, b, len, m);		\
	}
PROTO_FIXED_MSGS(FIXED_CODEC)
#undef FIXED_CODEC

/* Only these frames are empty by definition; others would not decode. */
static const struct {
	uint16_t type;
	int reply;
} empty_frames[] = {
	{ PROTO_T_CONN_CLOSE, 1 },
	{ PROTO_T_TEST_START, 1 },
	{ PROTO_T_TEST_STOP, 0 },
	{ PROTO_T_TEST_STOP, 1 },
	{ PROTO_T_TX_DONE, 0 },
	{ PROTO_T_CONN_TLS, 1 },
	{ PROTO_T_TLS_STAT, 0 },
};

int proto_enc_empty(struct proto_wr *w, uint16_t type, uint32_t id,
		    int reply)
{
	bool ok = false;
	struct cur c;
	size_t i;

	for (i = 0; i < sizeof(empty_frames) / sizeof(empty_frames[0]); i++)
		ok |= empty_frames[i].type == type &&
		      empty_frames[i].reply == !!reply;
	if (wr_check(w, ok) || proto_wr_begin(w, type, reply, id, 0, &c))
		return w->err;
	return proto_wr_end(w, &c, 0, true);
}

/* ---- messages with arrays: see "arrays" in proto_wire.h ---- */

int proto_enc_conn_list(struct proto_wr *w, uint16_t type, uint32_t id,
			const struct proto_conn_list *m)
{
	size_t len = body_len(CONN_LIST_FIXED_LEN, m->n, PROTO_CONN_INFO_LEN);
	uint32_t n = m->n;
	struct cur c;
	bool ok;

	if (wr_check(w, type == PROTO_T_CONNECT || type == PROTO_T_CONN_INFO) ||
	    proto_wr_begin(w, type, 1, id, len, &c))
		return w->err;
	x_count(&c, &n);
	ok = n <= PROTO_MAX_CONNS &&
	     x_elems(&c, m->v, n, sizeof(*m->v), x_conn_info);
	return proto_wr_end(w, &c, len, ok);
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
	    proto_wr_begin(w, type, 0, id, len, &c))
		return w->err;
	x_count(&c, &n);
	ok = in_range(n, 1, PROTO_MAX_CONNS) &&
	     x_elems(&c, m->v, n, sizeof(*m->v), x_id);
	return proto_wr_end(w, &c, len, ok);
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
