// SPDX-License-Identifier: MIT
/*
 * proto_tls - encoder and decoder of CONN_TLS (the record keys of kernel
 * TLS on data connections) and TLS_STAT (the kernel's TLS counters).
 * Same conventions as proto.c; the byte order and the layout cursor are
 * in proto_wire.h.
 *
 * The keys travel in the clear on the control connection: they make the
 * kernel do the work of TLS for a benchmark, they keep nothing secret.
 * A direction that is used has a non-zero key and a non-zero salt + IV;
 * bytes past a cipher's key, salt or IV size are zero, and so is every
 * byte of a direction that is not used.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/proto.h"
#include "proto/proto_wire.h"

_Static_assert(PROTO_TLS_KEY_MAX + PROTO_TLS_SALT_MAX + PROTO_TLS_IV_MAX +
	       PROTO_TLS_SEQ_LEN == PROTO_TLS_KEY_LEN, "tls key");
_Static_assert(4 + 4 + 2 * PROTO_TLS_KEY_LEN == PROTO_TLS_CONN_LEN,
	       "tls conn");
_Static_assert(4 + 2 + 2 + 4 + 4 == PROTO_TLS_FIXED_LEN, "tls req");
_Static_assert(4 + 4 == PROTO_TLS_STAT_FIXED_LEN, "tls stat");
_Static_assert(PROTO_TLS_NAME_LEN + 8 == PROTO_TLS_COUNTER_LEN,
	       "tls counter");
_Static_assert(PROTO_TLS_FIXED_LEN + PROTO_MAX_CONNS * PROTO_TLS_CONN_LEN
	       <= PROTO_MAX_BODY, "tls req fits");
_Static_assert(PROTO_TLS_STAT_FIXED_LEN + PROTO_TLS_MAX_COUNTERS *
	       PROTO_TLS_COUNTER_LEN <= PROTO_MAX_BODY, "tls stat fits");

int proto_tls_cipher_sizes(uint16_t cipher, unsigned int *key_len,
			   unsigned int *salt_len, unsigned int *iv_len)
{
	switch (cipher) {
	case PROTO_TLS_AES_GCM_128:
		*key_len = 16, *salt_len = 4, *iv_len = 8;
		return 0;
	case PROTO_TLS_AES_GCM_256:
		*key_len = 32, *salt_len = 4, *iv_len = 8;
		return 0;
	case PROTO_TLS_CHACHA20_POLY1305:
		*key_len = 32, *salt_len = 0, *iv_len = 12;
		return 0;
	}
	return -EINVAL;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* ---- validity beyond single fields ---- */

static bool tls_req_ok(const struct proto_tls_req *m)
{
	unsigned int kl, sl, il;

	if (!in_range(m->n, 1, PROTO_MAX_CONNS) ||
	    (m->version != PROTO_TLS_1_2 && m->version != PROTO_TLS_1_3) ||
	    proto_tls_cipher_sizes(m->cipher, &kl, &sl, &il) < 0 ||
	    (m->flags & ~PROTO_TLS_F_ALL) ||
	    !(m->flags & (PROTO_TLS_F_TX | PROTO_TLS_F_RX)))
		return false;
	/* Padding is a TLS 1.3 matter, and a receiver's. */
	if (m->flags & PROTO_TLS_F_NOPAD)
		return m->version == PROTO_TLS_1_3 &&
		       (m->flags & PROTO_TLS_F_RX);
	return true;
}

/*
 * One direction: all zero when unused; else a non-zero key and salt + IV
 * within the cipher's sizes, zeros past them.  The request's fixed part
 * (checked first) says which cipher.
 */
static bool tls_key_ok(const struct proto_tls_key *k, uint16_t cipher,
		       bool used)
{
	unsigned int kl, sl, il;

	if (!used)
		return all_zero((const uint8_t *)k, sizeof(*k));
	if (proto_tls_cipher_sizes(cipher, &kl, &sl, &il) < 0)
		return false;
	return !all_zero(k->key, kl) &&
	       all_zero(k->key + kl, sizeof(k->key) - kl) &&
	       all_zero(k->salt + sl, sizeof(k->salt) - sl) &&
	       all_zero(k->iv + il, sizeof(k->iv) - il) &&
	       !(all_zero(k->salt, sl) && all_zero(k->iv, il));
}

/* ---- layouts: every field once, in wire order, then its checks ---- */

static bool x_tls_req(struct cur *c, void *p)
{
	struct proto_tls_req *m = p;

	x_u32(c, &m->n);
	x_u16(c, &m->version);
	x_u16(c, &m->cipher);
	x_u32(c, &m->flags);
	x_pad(c, 4);
	return tls_req_ok(m);
}

static void x_tls_key(struct cur *c, struct proto_tls_key *k)
{
	x_bytes(c, k->key, sizeof(k->key));
	x_bytes(c, k->salt, sizeof(k->salt));
	x_bytes(c, k->iv, sizeof(k->iv));
	x_bytes(c, k->rec_seq, sizeof(k->rec_seq));
}

/* An element: its keys are checked against the request's cipher. */
static bool x_tls_conn(struct cur *c, const struct proto_tls_req *req,
		       struct proto_tls_conn *e)
{
	x_u32(c, &e->id);
	x_pad(c, 4);
	x_tls_key(c, &e->tx);
	x_tls_key(c, &e->rx);
	return tls_key_ok(&e->tx, req->cipher, req->flags & PROTO_TLS_F_TX) &&
	       tls_key_ok(&e->rx, req->cipher, req->flags & PROTO_TLS_F_RX);
}

static bool x_tls_conns(struct cur *c, const struct proto_tls_req *req,
			struct proto_tls_conn *v)
{
	uint32_t i;

	if (!v)
		return false;
	for (i = 0; i < req->n; i++)
		if (!x_tls_conn(c, req, &v[i]))
			return false;
	return true;
}

static bool name_char_ok(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9') || ch == '_';
}

/* 1 .. PROTO_TLS_NAME_LEN - 1 bytes of [A-Za-z0-9_] before the NUL. */
static bool counter_name_ok(const char *s)
{
	size_t i, n = strnlen(s, PROTO_TLS_NAME_LEN);

	if (!n || n == PROTO_TLS_NAME_LEN)
		return false;
	for (i = 0; i < n; i++)
		if (!name_char_ok(s[i]))
			return false;
	return true;
}

static bool x_tls_counter(struct cur *c, void *p)
{
	struct proto_tls_counter *e = p;
	size_t l;

	if (c->rd)
		memcpy(e->name, c->r, PROTO_TLS_NAME_LEN);
	l = strnlen(e->name, PROTO_TLS_NAME_LEN);
	if (l == PROTO_TLS_NAME_LEN) {
		x_bytes(c, e->name, PROTO_TLS_NAME_LEN);
		x_u64(c, &e->value);
		return false;
	}
	x_bytes(c, e->name, l);
	x_pad(c, PROTO_TLS_NAME_LEN - l);
	x_u64(c, &e->value);
	return counter_name_ok(e->name);
}

static bool x_tls_stat(struct cur *c, void *p)
{
	struct proto_tls_stat *m = p;

	x_u32(c, &m->n);
	x_u32(c, &m->flags);
	if (m->flags & ~PROTO_TLS_STAT_F_PRESENT)
		return false;
	/* No file, no counters. */
	return m->n <= PROTO_TLS_MAX_COUNTERS &&
	       (m->flags & PROTO_TLS_STAT_F_PRESENT || !m->n);
}

/* Every counter once: a reader takes deltas by name. */
static bool counters_unique(const struct proto_tls_stat *m)
{
	uint32_t i, j;

	for (i = 0; i < m->n; i++)
		for (j = 0; j < i; j++)
			if (!strcmp(m->v[i].name, m->v[j].name))
				return false;
	return true;
}

/* ---- messages ---- */

int proto_enc_tls_req(struct proto_wr *w, uint32_t id,
		      const struct proto_tls_req *m)
{
	size_t len = body_len(PROTO_TLS_FIXED_LEN, m->n, PROTO_TLS_CONN_LEN);
	struct proto_tls_req t = *m;
	struct cur c;
	bool ok;

	if (proto_wr_begin(w, PROTO_T_CONN_TLS, 0, id, len, &c))
		return w->err;
	ok = x_tls_req(&c, &t) && x_tls_conns(&c, &t, t.v);
	return proto_wr_end(w, &c, len, ok);
}

int proto_dec_tls_req(const uint8_t *b, size_t len, struct proto_tls_req *m)
{
	struct cur c = { .rd = true, .r = b };
	int ret = -EBADMSG;

	memset(m, 0, sizeof(*m));
	if (len < PROTO_TLS_FIXED_LEN)
		return -EBADMSG;
	if (x_tls_req(&c, m) && !c.bad &&
	    body_len(PROTO_TLS_FIXED_LEN, m->n, PROTO_TLS_CONN_LEN) == len) {
		m->v = calloc(m->n, sizeof(*m->v));
		if (!m->v)
			ret = -ENOMEM;
		else if (x_tls_conns(&c, m, m->v) && !c.bad)
			ret = 0;
	}
	if (ret)
		proto_tls_req_free(m);
	return ret;
}

void proto_tls_req_free(struct proto_tls_req *m)
{
	if (m->v)
		explicit_bzero(m->v, (size_t)m->n * sizeof(*m->v));
	free(m->v);
	memset(m, 0, sizeof(*m));
}

int proto_enc_tls_rep(struct proto_wr *w, uint32_t id)
{
	return proto_enc_empty(w, PROTO_T_CONN_TLS, id, 1);
}

int proto_enc_tls_stat_req(struct proto_wr *w, uint32_t id)
{
	return proto_enc_empty(w, PROTO_T_TLS_STAT, id, 0);
}

int proto_enc_tls_stat(struct proto_wr *w, uint32_t id,
		       const struct proto_tls_stat *m)
{
	size_t len = body_len(PROTO_TLS_STAT_FIXED_LEN, m->n,
			      PROTO_TLS_COUNTER_LEN);
	struct proto_tls_stat t = *m;
	struct cur c;
	bool ok;

	if (proto_wr_begin(w, PROTO_T_TLS_STAT, 1, id, len, &c))
		return w->err;
	/* n is checked before the counters are touched. */
	ok = x_tls_stat(&c, &t) &&
	     x_elems(&c, t.v, t.n, sizeof(t.v[0]), x_tls_counter) &&
	     counters_unique(&t);
	return proto_wr_end(w, &c, len, ok);
}

int proto_dec_tls_stat(const uint8_t *b, size_t len,
		       struct proto_tls_stat *m)
{
	struct cur c = { .rd = true, .r = b };

	memset(m, 0, sizeof(*m));
	if (len < PROTO_TLS_STAT_FIXED_LEN)
		return -EBADMSG;
	if (!x_tls_stat(&c, m) || c.bad ||
	    body_len(PROTO_TLS_STAT_FIXED_LEN, m->n, PROTO_TLS_COUNTER_LEN) !=
		    len ||
	    !x_elems(&c, m->v, m->n, sizeof(m->v[0]), x_tls_counter) ||
	    c.bad || !counters_unique(m)) {
		memset(m, 0, sizeof(*m));
		return -EBADMSG;
	}
	return 0;
}
