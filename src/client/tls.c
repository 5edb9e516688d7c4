// SPDX-License-Identifier: MIT
/* tls - kernel TLS on the data connections, the client's part. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "client/tls.h"

/* A random draw that is all zero this many times in a row is a fault. */
#define DRAW_TRIES	8

_Static_assert(KPERF_TLS_STAT_NAME_LEN == PROTO_TLS_NAME_LEN,
	       "TLS counter names");

static bool tls_on(const struct opts *o)
{
	return o->tls.tx || o->tls.rx;
}

const char *tls_version_name(enum kperf_tls_version v)
{
	switch (v) {
	case KPERF_TLS_1_2:
		return "1.2";
	case KPERF_TLS_1_3:
		return "1.3";
	}
	return NULL;
}

const char *tls_cipher_name(enum kperf_tls_cipher c)
{
	switch (c) {
	case KPERF_TLS_AES_GCM_128:
		return "aes-gcm-128";
	case KPERF_TLS_AES_GCM_256:
		return "aes-gcm-256";
	case KPERF_TLS_CHACHA20_POLY1305:
		return "chacha20-poly1305";
	}
	return NULL;
}

static uint16_t wire_version(enum kperf_tls_version v)
{
	return v == KPERF_TLS_1_2 ? PROTO_TLS_1_2 : PROTO_TLS_1_3;
}

static uint16_t wire_cipher(enum kperf_tls_cipher c)
{
	switch (c) {
	case KPERF_TLS_AES_GCM_256:
		return PROTO_TLS_AES_GCM_256;
	case KPERF_TLS_CHACHA20_POLY1305:
		return PROTO_TLS_CHACHA20_POLY1305;
	default:
		return PROTO_TLS_AES_GCM_128;
	}
}

const char *tls_datapath_conflict(const struct opts *o)
{
	if (!tls_on(o))
		return NULL;
	if (o->rx_mode == KPERF_RX_ZEROCOPY)
		return "kernel TLS cannot be combined with zero-copy receive "
		       "(TCP_ZEROCOPY_RECEIVE maps the TCP payload, past "
		       "the TLS record layer)";
	if (o->rx_mode == KPERF_RX_TRUNC)
		return "kernel TLS cannot be combined with MSG_TRUNC receive "
		       "(tls_sw_recvmsg ignores MSG_TRUNC: every record is "
		       "decrypted into the buffer)";
	if (o->tx_mode == KPERF_TX_ZEROCOPY)
		return "kernel TLS cannot be combined with MSG_ZEROCOPY sends "
		       "(tls_sw refuses them)";
	return NULL;
}

/* n random bytes from the kernel's CSPRNG (blocks until it is seeded). */
static int rand_fill(void *p, size_t n)
{
	uint8_t *b = p;
	ssize_t got;

	while (n) {
		got = getrandom(b, n, 0);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return -errno;
		b += got;
		n -= (size_t)got;
	}
	return 0;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	while (n--)
		if (*p++)
			return false;
	return true;
}

/*
 * Fresh keys for one direction: key, salt and IV never all zero; the
 * record sequence starts at a random number below 2^63, so it cannot
 * wrap (which would end the connection) in any test.
 */
static int make_key(struct proto_tls_key *k, uint16_t cipher)
{
	unsigned int kl, sl, il, i;
	int ret;

	memset(k, 0, sizeof(*k));
	if (proto_tls_cipher_sizes(cipher, &kl, &sl, &il) < 0)
		return -EINVAL;
	for (i = 0; i < DRAW_TRIES; i++) {
		ret = rand_fill(k->key, kl);
		if (!ret)
			ret = rand_fill(k->salt, sl);
		if (!ret)
			ret = rand_fill(k->iv, il);
		if (!ret)
			ret = rand_fill(k->rec_seq, sizeof(k->rec_seq));
		if (ret < 0)
			return ret;
		k->rec_seq[0] &= 0x7f;
		if (!all_zero(k->key, kl) &&
		    !(all_zero(k->salt, sl) && all_zero(k->iv, il)))
			return 0;
	}
	return -EIO;
}

static int read_stat(struct side *s, struct proto_tls_stat *st)
{
	struct proto_hdr h;
	struct proto_wr w;
	uint32_t id;
	int ret;

	id = ctl_begin(s->ctl, &w);
	proto_enc_tls_stat_req(&w, id);
	ret = ctl_call(s->ctl, &w, id, &h, CALL_TIMEOUT_MS);
	if (ret < 0)
		return ret;
	if (proto_dec_tls_stat(s->ctl->rx, h.len, st) < 0)
		return ctl_fail(s->ctl, -EBADMSG, "malformed TLS_STAT reply");
	return 0;
}

static int send_keys(struct side *s, struct proto_tls_req *q)
{
	struct proto_hdr h;
	struct proto_wr w;
	uint32_t id;
	int ret;

	id = ctl_begin(s->ctl, &w);
	proto_enc_tls_req(&w, id, q);
	ret = ctl_call(s->ctl, &w, id, &h, CALL_TIMEOUT_MS);
	/* The frame held the keys: do not leave them in the buffer. */
	explicit_bzero(s->ctl->tx, w.len);
	if (ret == -EPROTONOSUPPORT)
		return ctl_fail(s->ctl, ret, "kernel TLS is not available on "
				"%s (CONFIG_TLS / tls module): setting TCP_ULP "
				"\"tls\" fails with ENOENT", s->ctl->host);
	if (ret < 0)
		return ret;
	if (h.len)
		return ctl_fail(s->ctl, -EBADMSG, "malformed CONN_TLS reply");
	return 0;
}

/*
 * The requests of both ends: flow i's key A encrypts src -> dst (src's
 * TX, dst's RX), key B dst -> src.  Only the directions asked for.
 */
static int build_reqs(struct run *r, struct proto_tls_req *qs,
		      struct proto_tls_req *qd)
{
	const struct kperf_tls *t = &r->o->tls;
	struct proto_tls_key a, b;
	unsigned int i;
	int ret = 0;

	*qs = (struct proto_tls_req){
		.n = r->n, .version = wire_version(t->version),
		.cipher = wire_cipher(t->cipher),
	};
	*qd = *qs;
	qs->flags = (t->tx ? PROTO_TLS_F_TX : 0) |
		    (t->rx ? PROTO_TLS_F_RX : 0) |
		    (t->rx && t->nopad ? PROTO_TLS_F_NOPAD : 0);
	qd->flags = (t->rx ? PROTO_TLS_F_TX : 0) |
		    (t->tx ? PROTO_TLS_F_RX : 0) |
		    (t->tx && t->nopad ? PROTO_TLS_F_NOPAD : 0);
	qs->v = calloc(r->n, sizeof(*qs->v));
	qd->v = calloc(r->n, sizeof(*qd->v));
	if (!qs->v || !qd->v)
		return -ENOMEM;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	for (i = 0; i < r->n && !ret; i++) {
		if (t->tx)
			ret = make_key(&a, qs->cipher);
		if (!ret && t->rx)
			ret = make_key(&b, qs->cipher);
		qs->v[i] = (struct proto_tls_conn){
			.id = r->src.conns->v[i].id, .tx = a, .rx = b };
		qd->v[i] = (struct proto_tls_conn){
			.id = r->dst.conns->v[i].id, .tx = b, .rx = a };
	}
	explicit_bzero(&a, sizeof(a));
	explicit_bzero(&b, sizeof(b));
	/*
	 * Test hook (tests/vm/test_tls_vm.py): the destination gets a wrong
	 * key for what flow 0's source sends, so its records cannot be
	 * decrypted and the flow's failure can be seen end to end.
	 */
	if (!ret && t->tx && getenv("KPERF_TEST_TLS_BAD_KEY"))
		qd->v[0].rx.key[0] ^= 0x01;
	return ret;
}

int tls_apply(struct run *r)
{
	struct proto_tls_req qs, qd;
	int ret;

	if (!tls_on(r->o))
		return 0;
	/* Before: the sockets set up below count in TlsTxSw, TlsRxSw. */
	ret = read_stat(&r->src, &r->src.tls_before);
	if (!ret)
		ret = read_stat(&r->dst, &r->dst.tls_before);
	if (ret < 0)
		return ret;
	ret = build_reqs(r, &qs, &qd);
	if (ret < 0)
		ret = ctl_fail(r->src.ctl, ret, "cannot make TLS keys: %s",
			       strerror(-ret));
	/* All sockets are idle: the order of the two ends does not matter. */
	if (!ret)
		ret = send_keys(&r->src, &qs);
	if (!ret)
		ret = send_keys(&r->dst, &qd);
	proto_tls_req_free(&qs);
	proto_tls_req_free(&qd);
	return ret;
}

int tls_finish(struct run *r)
{
	int ret;

	if (!tls_on(r->o))
		return 0;
	ret = read_stat(&r->src, &r->src.tls_after);
	return ret ? ret : read_stat(&r->dst, &r->dst.tls_after);
}

/* after - before by name; a counter new in after counts from 0. */
static int stat_deltas(struct kperf_host_report *h, const struct side *s)
{
	const struct proto_tls_stat *b = &s->tls_before, *a = &s->tls_after;
	uint32_t i, j;

	h->tls_stat = calloc(a->n ? a->n : 1, sizeof(*h->tls_stat));
	if (!h->tls_stat)
		return -ENOMEM;
	h->n_tls_stat = a->n;
	for (i = 0; i < a->n; i++) {
		uint64_t before = 0;

		for (j = 0; j < b->n; j++)
			if (!strcmp(b->v[j].name, a->v[i].name))
				before = b->v[j].value;
		memcpy(h->tls_stat[i].name, a->v[i].name,
		       sizeof(h->tls_stat[i].name));
		h->tls_stat[i].delta = (int64_t)(a->v[i].value - before);
	}
	return 0;
}

int tls_report(struct run *r)
{
	int ret;

	if (!tls_on(r->o))
		return 0;
	r->rep->tls = r->o->tls;
	ret = stat_deltas(&r->rep->src, &r->src);
	return ret ? ret : stat_deltas(&r->rep->dst, &r->dst);
}

int tls_flow_error(const struct opts *o, struct ctl *c, int err)
{
	size_t n;

	if (!tls_on(o) || err != -EBADMSG || !c->err)
		return err;
	n = strnlen(c->err, c->errlen);
	if (n + 1 < c->errlen)
		snprintf(c->err + n, c->errlen - n, " (kernel TLS: a record "
			 "failed to decrypt or authenticate, TlsDecryptError; "
			 "the two ends' keys or record numbers differ, or the "
			 "data was corrupted)");
	return err;
}
