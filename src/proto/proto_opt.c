// SPDX-License-Identifier: MIT
/*
 * proto_opt - encoder and decoder of CONN_SETOPT, the per-connection TCP
 * settings: the request (options to set and the connection ids) and its
 * reply (what each socket reports back).  Same conventions as proto.c; the
 * byte order and the layout cursor are in proto_wire.h.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/proto.h"
#include "proto/proto_wire.h"

static bool cc_char_ok(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9') || ch == '_' || ch == '-';
}

int proto_cc_name_ok(const char *s)
{
	size_t i, n = strnlen(s, PROTO_CC_LEN);

	if (!n || n == PROTO_CC_LEN)
		return 0;
	for (i = 0; i < n; i++)
		if (!cc_char_ok(s[i]))
			return 0;
	return 1;
}

/*
 * A name in a PROTO_CC_LEN-byte field that holds its NUL: zero-padded on
 * the wire (a decoder refuses a non-zero tail, as a pad).  False when s
 * fills the field with no NUL.  Which characters are allowed is the
 * message's check.
 */
static bool x_cc(struct cur *c, char s[PROTO_CC_LEN])
{
	size_t l;

	if (c->rd)
		memcpy(s, c->r, PROTO_CC_LEN);
	l = strnlen(s, PROTO_CC_LEN);
	if (l == PROTO_CC_LEN) {
		x_bytes(c, s, PROTO_CC_LEN);
		return false;
	}
	x_bytes(c, s, l);
	x_pad(c, PROTO_CC_LEN - l);
	return true;
}

/* ---- validity beyond single fields ---- */

/* A field whose bit is clear in which must be 0. */
static bool setopt_ok(const struct proto_setopt_req *m)
{
	uint32_t w = m->which;

	if (!in_range(m->n, 1, PROTO_MAX_CONNS) || (w & ~PROTO_OPT_ALL))
		return false;
	if ((w & PROTO_OPT_MAX_PACE) ? !m->max_pace : m->max_pace != 0)
		return false;
	if ((w & PROTO_OPT_SNDBUF) ? !in_range(m->sndbuf, 1, PROTO_MAX_SOCKBUF)
				   : m->sndbuf != 0)
		return false;
	if ((w & PROTO_OPT_RCVBUF) ? !in_range(m->rcvbuf, 1, PROTO_MAX_SOCKBUF)
				   : m->rcvbuf != 0)
		return false;
	if ((w & PROTO_OPT_NODELAY) ? m->nodelay > 1 : m->nodelay != 0)
		return false;
	return (w & PROTO_OPT_CC) ? proto_cc_name_ok(m->cc) : !m->cc[0];
}

/* ---- layouts: every field once, in wire order, then its checks ---- */

static bool x_setopt_req(struct cur *c, void *p)
{
	struct proto_setopt_req *m = p;
	bool cc_ok;

	x_u32(c, &m->n);
	x_u32(c, &m->which);
	x_u64(c, &m->max_pace);
	x_u32(c, &m->sndbuf);
	x_u32(c, &m->rcvbuf);
	x_u32(c, &m->nodelay);
	x_pad(c, 4);
	cc_ok = x_cc(c, m->cc);
	return cc_ok && setopt_ok(m);
}

static bool x_id(struct cur *c, void *p)
{
	x_u32(c, p);
	return true;
}

static bool x_opts_list(struct cur *c, void *p)
{
	struct proto_opts_list *m = p;

	x_u32(c, &m->n);
	x_pad(c, 4);
	return m->n <= PROTO_MAX_CONNS;
}

static bool x_conn_opts(struct cur *c, void *p)
{
	struct proto_conn_opts *o = p;
	bool cc_ok;

	x_u32(c, &o->id);
	x_u32(c, &o->mss);
	x_u64(c, &o->max_pace);
	x_u32(c, &o->sndbuf);
	x_u32(c, &o->rcvbuf);
	x_u32(c, &o->nodelay);
	x_pad(c, 4);
	cc_ok = x_cc(c, o->cc);
	/* Every TCP socket has a congestion control. */
	return cc_ok && o->nodelay <= 1 && proto_cc_name_ok(o->cc);
}

/* ---- messages: see "arrays" in proto_wire.h ---- */

int proto_enc_setopt_req(struct proto_wr *w, uint32_t id,
			 const struct proto_setopt_req *m)
{
	size_t len = body_len(PROTO_SETOPT_FIXED_LEN, m->n, 4);
	struct proto_setopt_req t = *m;
	struct cur c;
	bool ok;

	if (proto_wr_begin(w, PROTO_T_CONN_SETOPT, 0, id, len, &c))
		return w->err;
	ok = x_setopt_req(&c, &t) &&
	     x_elems(&c, t.ids, t.n, sizeof(*t.ids), x_id);
	return proto_wr_end(w, &c, len, ok);
}

int proto_dec_setopt_req(const uint8_t *b, size_t len,
			 struct proto_setopt_req *m)
{
	struct cur c = { .rd = true, .r = b };
	int ret = -EBADMSG;

	memset(m, 0, sizeof(*m));
	if (len < PROTO_SETOPT_FIXED_LEN)
		return -EBADMSG;
	if (x_setopt_req(&c, m) && !c.bad &&
	    body_len(PROTO_SETOPT_FIXED_LEN, m->n, 4) == len) {
		ret = 0;
		m->ids = get_elems(&c, m->n, sizeof(*m->ids), x_id, &ret);
	}
	if (ret)
		proto_setopt_req_free(m);
	return ret;
}

int proto_enc_opts_list(struct proto_wr *w, uint32_t id,
			const struct proto_opts_list *m)
{
	size_t len = body_len(PROTO_OPTS_FIXED_LEN, m->n, PROTO_CONN_OPTS_LEN);
	struct proto_opts_list t = *m;
	struct cur c;
	bool ok;

	if (proto_wr_begin(w, PROTO_T_CONN_SETOPT, 1, id, len, &c))
		return w->err;
	ok = x_opts_list(&c, &t) &&
	     x_elems(&c, t.v, t.n, sizeof(*t.v), x_conn_opts);
	return proto_wr_end(w, &c, len, ok);
}

int proto_dec_opts_list(const uint8_t *b, size_t len,
			struct proto_opts_list *m)
{
	struct cur c = { .rd = true, .r = b };
	int ret = -EBADMSG;

	memset(m, 0, sizeof(*m));
	if (len < PROTO_OPTS_FIXED_LEN)
		return -EBADMSG;
	if (x_opts_list(&c, m) && !c.bad &&
	    body_len(PROTO_OPTS_FIXED_LEN, m->n, PROTO_CONN_OPTS_LEN) == len) {
		ret = 0;
		m->v = get_elems(&c, m->n, sizeof(*m->v), x_conn_opts, &ret);
	}
	if (ret)
		proto_opts_list_free(m);
	return ret;
}

/* ---- freeing: zeroes the message, so safe on zeroed ones and twice ---- */

void proto_setopt_req_free(struct proto_setopt_req *m)
{
	free(m->ids);
	memset(m, 0, sizeof(*m));
}

void proto_opts_list_free(struct proto_opts_list *m)
{
	free(m->v);
	memset(m, 0, sizeof(*m));
}
