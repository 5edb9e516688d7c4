// SPDX-License-Identifier: MIT
/*
 * Unit tests for the codec of CONN_TLS and TLS_STAT (src/proto/proto_tls.c).
 *
 * As in test_proto.c, the golden frames are written by hand from
 * docs/protocol.md (runs of key bytes with the SEQ macros below), never
 * produced by the encoder: the encoder must reproduce them and the
 * decoders read them back.  Refused inputs are copied to a heap block of
 * exactly their length, so ASan builds catch a read past the end; a
 * refused frame must leave the writer where it was and the message zeroed.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto/proto.h"

#define Z4	0, 0, 0, 0
#define Z8	Z4, Z4
#define Z16	Z8, Z8
/* b, b+1, ..., b+7 and so on: key material that is easy to check by eye. */
#define SEQ4(b)		(b), (b) + 1, (b) + 2, (b) + 3
#define SEQ8(b)		SEQ4(b), SEQ4((b) + 4)
#define SEQ16(b)	SEQ8(b), SEQ8((b) + 8)
#define SEQ32(b)	SEQ16(b), SEQ16((b) + 16)

/* CONN_TLS id 7: TLS 1.3, AES-GCM-128, TX | RX | NOPAD, two connections. */
static const uint8_t g_tls_req[] = {
	0x00, 0x0e, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07,
	0x00, 0x00, 0x01, 0x00, Z4,	/* len 16 + 2 * 120 = 256 */
	0x00, 0x00, 0x00, 0x02,		/* n */
	0x03, 0x04,			/* version TLS 1.3 */
	0x00, 0x33,			/* cipher 51 AES-GCM-128 */
	0x00, 0x00, 0x00, 0x07,		/* flags TX | RX | NOPAD */
	Z4,				/* pad */
	/* conns[0] */
	0x00, 0x00, 0x00, 0x05, Z4,	/* id 5, pad */
	SEQ16(0x11), Z16,		/* tx key: 16 bytes, then zeros */
	SEQ4(0xa1),			/* tx salt */
	SEQ8(0xb1), Z4,			/* tx iv: 8 bytes, then zeros */
	0, 0, 0, 0, 0, 0, 0, 0x01,	/* tx rec_seq 1 */
	SEQ16(0x21), Z16,		/* rx key */
	SEQ4(0xc1),			/* rx salt */
	SEQ8(0xd1), Z4,			/* rx iv */
	0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,	/* rx rec_seq */
	/* conns[1] */
	0x00, 0x00, 0x0f, 0xff, Z4,	/* id 4095, pad */
	SEQ16(0x31), Z16,
	SEQ4(0x41),
	SEQ8(0x51), Z4,
	SEQ8(0x61),
	SEQ16(0x71), Z16,
	SEQ4(0x81),
	SEQ8(0x91), Z4,
	Z8,				/* rx rec_seq 0 */
};

/* CONN_TLS id 8: TLS 1.2, ChaCha20-Poly1305, TX only, one connection. */
static const uint8_t g_tls_req_chacha[] = {
	0x00, 0x0e, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08,
	0x00, 0x00, 0x00, 0x88, Z4,	/* len 16 + 120 = 136 */
	0x00, 0x00, 0x00, 0x01,		/* n */
	0x03, 0x03,			/* version TLS 1.2 */
	0x00, 0x36,			/* cipher 54 ChaCha20-Poly1305 */
	0x00, 0x00, 0x00, 0x01,		/* flags TX */
	Z4,
	0x00, 0x00, 0x00, 0x00, Z4,	/* id 0, pad */
	SEQ32(0x01),			/* tx key: 32 bytes */
	Z4,				/* tx salt: none for ChaCha20 */
	SEQ8(0xe1), SEQ4(0xe9),		/* tx iv: 12 bytes */
	SEQ8(0xf0),			/* tx rec_seq */
	Z16, Z16, Z4, Z8, Z4, Z8,	/* rx: not used, all zero */
};

/* The reply of CONN_TLS (id 7) and a TLS_STAT request (id 9): empty. */
static const uint8_t g_tls_rep[] = {
	0x00, 0x0e, 0x00, 0x01, 0x00, 0x00, 0x00, 0x07, Z4, Z4,
};

static const uint8_t g_tls_stat_req[] = {
	0x00, 0x0f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09, Z4, Z4,
};

/* TLS_STAT reply id 9: two counters. */
static const uint8_t g_tls_stat[] = {
	0x00, 0x0f, 0x00, 0x01, 0x00, 0x00, 0x00, 0x09,
	0x00, 0x00, 0x00, 0x58, Z4,	/* len 8 + 2 * 40 = 88 */
	0x00, 0x00, 0x00, 0x02,		/* n */
	0x00, 0x00, 0x00, 0x01,		/* flags PRESENT */
	'T', 'l', 's', 'T', 'x', 'S', 'w', 0, Z8, Z16,
	0, 0, 0, 0, 0, 0, 0, 0x03,
	'T', 'l', 's', 'D', 'e', 'c', 'r', 'y', 'p', 't', 'E', 'r', 'r',
	'o', 'r', 0, Z16,
	0, 0, 0, 0x01, 0, 0, 0, 0x01,	/* 2^32 + 1 */
};

/* TLS_STAT reply id 10 of a host without kernel TLS: nothing. */
static const uint8_t g_tls_stat_none[] = {
	0x00, 0x0f, 0x00, 0x01, 0x00, 0x00, 0x00, 0x0a,
	0x00, 0x00, 0x00, 0x08, Z4,
	Z4, Z4,
};

#define FRAME(g)	((g) + PROTO_HDR_LEN), (sizeof(g) - PROTO_HDR_LEN)
#define REQ_OFF(i)	(PROTO_TLS_FIXED_LEN + (i) * PROTO_TLS_CONN_LEN)
/* Offsets inside a connection entry. */
#define TX_OFF		8
#define RX_OFF		(8 + PROTO_TLS_KEY_LEN)
#define SALT_OFF	PROTO_TLS_KEY_MAX
#define IV_OFF		(PROTO_TLS_KEY_MAX + PROTO_TLS_SALT_MAX)

static uint8_t wbuf[PROTO_HDR_LEN + PROTO_MAX_BODY];

static void seq(uint8_t *p, size_t n, uint8_t b)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(b + i);
}

/* The message of g_tls_req; conns points to two entries. */
static void golden_req(struct proto_tls_req *m, struct proto_tls_conn *conns)
{
	memset(conns, 0, 2 * sizeof(*conns));
	conns[0].id = 5;
	seq(conns[0].tx.key, 16, 0x11);
	seq(conns[0].tx.salt, 4, 0xa1);
	seq(conns[0].tx.iv, 8, 0xb1);
	conns[0].tx.rec_seq[7] = 1;
	seq(conns[0].rx.key, 16, 0x21);
	seq(conns[0].rx.salt, 4, 0xc1);
	seq(conns[0].rx.iv, 8, 0xd1);
	memset(conns[0].rx.rec_seq, 0xff, 8);
	conns[0].rx.rec_seq[0] = 0x7f;
	conns[0].rx.rec_seq[7] = 0xfe;
	conns[1].id = 4095;
	seq(conns[1].tx.key, 16, 0x31);
	seq(conns[1].tx.salt, 4, 0x41);
	seq(conns[1].tx.iv, 8, 0x51);
	seq(conns[1].tx.rec_seq, 8, 0x61);
	seq(conns[1].rx.key, 16, 0x71);
	seq(conns[1].rx.salt, 4, 0x81);
	seq(conns[1].rx.iv, 8, 0x91);
	*m = (struct proto_tls_req){
		.n = 2, .version = PROTO_TLS_1_3,
		.cipher = PROTO_TLS_AES_GCM_128,
		.flags = PROTO_TLS_F_TX | PROTO_TLS_F_RX | PROTO_TLS_F_NOPAD,
		.v = conns,
	};
}

static void golden_req_chacha(struct proto_tls_req *m,
			      struct proto_tls_conn *conn)
{
	memset(conn, 0, sizeof(*conn));
	seq(conn->tx.key, 32, 0x01);
	seq(conn->tx.iv, 12, 0xe1);
	seq(conn->tx.rec_seq, 8, 0xf0);
	*m = (struct proto_tls_req){
		.n = 1, .version = PROTO_TLS_1_2,
		.cipher = PROTO_TLS_CHACHA20_POLY1305,
		.flags = PROTO_TLS_F_TX, .v = conn,
	};
}

static void golden_stat(struct proto_tls_stat *m)
{
	memset(m, 0, sizeof(*m));
	m->n = 2;
	m->flags = PROTO_TLS_STAT_F_PRESENT;
	strcpy(m->v[0].name, "TlsTxSw");
	m->v[0].value = 3;
	strcpy(m->v[1].name, "TlsDecryptError");
	m->v[1].value = (1ull << 32) + 1;
}

static void assert_frame(const struct proto_wr *w, const uint8_t *g,
			 size_t len)
{
	assert_int_equal(w->err, 0);
	assert_int_equal(w->len, len);
	assert_memory_equal(w->buf, g, len);
}

/* The decoders on a heap copy of exactly len bytes. */
static int dec_req(const uint8_t *b, size_t len, struct proto_tls_req *m)
{
	uint8_t *c = malloc(len ? len : 1);
	int ret;

	assert_non_null(c);
	memcpy(c, b, len);
	ret = proto_dec_tls_req(c, len, m);
	free(c);
	return ret;
}

static int dec_stat(const uint8_t *b, size_t len, struct proto_tls_stat *m)
{
	uint8_t *c = malloc(len ? len : 1);
	int ret;

	assert_non_null(c);
	memcpy(c, b, len);
	ret = proto_dec_tls_stat(c, len, m);
	free(c);
	return ret;
}

/* A refused CONN_TLS body: -EBADMSG and a zeroed message. */
static void req_refused(const uint8_t *b, size_t len)
{
	static const struct proto_tls_req zero;
	struct proto_tls_req m;

	assert_int_equal(dec_req(b, len, &m), -EBADMSG);
	assert_memory_equal(&m, &zero, sizeof(m));
}

/* g_tls_req's body with one byte at off xor-ed with x, refused. */
static void req_patched_refused(const uint8_t *g, size_t glen, size_t off,
				uint8_t x)
{
	uint8_t b[512];

	assert_true(glen - PROTO_HDR_LEN <= sizeof(b));
	memcpy(b, g + PROTO_HDR_LEN, glen - PROTO_HDR_LEN);
	assert_true(off < glen - PROTO_HDR_LEN);
	b[off] ^= x;
	req_refused(b, glen - PROTO_HDR_LEN);
}

static void stat_refused(const uint8_t *b, size_t len)
{
	struct proto_tls_stat m, zero;

	memset(&zero, 0, sizeof(zero));
	assert_int_equal(dec_stat(b, len, &m), -EBADMSG);
	assert_memory_equal(&m, &zero, sizeof(m));
}

static void stat_patched_refused(size_t off, uint8_t v)
{
	uint8_t b[sizeof(g_tls_stat)];

	memcpy(b, FRAME(g_tls_stat));
	b[off] = v;
	stat_refused(b, sizeof(g_tls_stat) - PROTO_HDR_LEN);
}

/* ---- golden frames ---- */

static void test_type_names(void **state)
{
	(void)state;
	assert_string_equal(proto_type_name(PROTO_T_CONN_TLS), "CONN_TLS");
	assert_string_equal(proto_type_name(PROTO_T_TLS_STAT), "TLS_STAT");
	assert_int_equal(PROTO_T_CONN_TLS, 14);
	assert_int_equal(PROTO_T_TLS_STAT, 15);
	assert_int_equal(PROTO_FEAT_TLS, 1u << 5);
}

static void test_cipher_sizes(void **state)
{
	unsigned int k, s, i;

	(void)state;
	assert_int_equal(proto_tls_cipher_sizes(PROTO_TLS_AES_GCM_128, &k,
						&s, &i), 0);
	assert_true(k == 16 && s == 4 && i == 8);
	assert_int_equal(proto_tls_cipher_sizes(PROTO_TLS_AES_GCM_256, &k,
						&s, &i), 0);
	assert_true(k == 32 && s == 4 && i == 8);
	assert_int_equal(proto_tls_cipher_sizes(PROTO_TLS_CHACHA20_POLY1305,
						&k, &s, &i), 0);
	assert_true(k == 32 && s == 0 && i == 12);
	/* AES-CCM-128 (53) and the rest: not offered. */
	assert_int_equal(proto_tls_cipher_sizes(53, &k, &s, &i), -EINVAL);
	assert_int_equal(proto_tls_cipher_sizes(0, &k, &s, &i), -EINVAL);
}

static void test_req_golden(void **state)
{
	struct proto_tls_conn conns[2];
	struct proto_tls_req m, d;
	struct proto_wr w;

	(void)state;
	golden_req(&m, conns);
	proto_wr_init(&w, wbuf, sizeof(wbuf));
	assert_int_equal(proto_enc_tls_req(&w, 7, &m), 0);
	assert_frame(&w, g_tls_req, sizeof(g_tls_req));
	assert_int_equal(dec_req(FRAME(g_tls_req), &d), 0);
	assert_int_equal(d.n, 2);
	assert_int_equal(d.version, PROTO_TLS_1_3);
	assert_int_equal(d.cipher, PROTO_TLS_AES_GCM_128);
	assert_int_equal(d.flags, m.flags);
	assert_memory_equal(d.v, conns, sizeof(conns));
	proto_tls_req_free(&d);
	assert_null(d.v);
	proto_tls_req_free(&d);		/* twice is fine */
}

static void test_req_chacha_golden(void **state)
{
	struct proto_tls_conn conn;
	struct proto_tls_req m, d;
	struct proto_wr w;

	(void)state;
	golden_req_chacha(&m, &conn);
	proto_wr_init(&w, wbuf, sizeof(wbuf));
	assert_int_equal(proto_enc_tls_req(&w, 8, &m), 0);
	assert_frame(&w, g_tls_req_chacha, sizeof(g_tls_req_chacha));
	assert_int_equal(dec_req(FRAME(g_tls_req_chacha), &d), 0);
	assert_int_equal(d.flags, PROTO_TLS_F_TX);
	assert_memory_equal(d.v, &conn, sizeof(conn));
	proto_tls_req_free(&d);
}

static void test_empty_frames(void **state)
{
	struct proto_wr w;

	(void)state;
	proto_wr_init(&w, wbuf, sizeof(wbuf));
	assert_int_equal(proto_enc_tls_rep(&w, 7), 0);
	assert_frame(&w, g_tls_rep, sizeof(g_tls_rep));
	proto_wr_init(&w, wbuf, sizeof(wbuf));
	assert_int_equal(proto_enc_tls_stat_req(&w, 9), 0);
	assert_frame(&w, g_tls_stat_req, sizeof(g_tls_stat_req));
	/* No room: nothing written. */
	proto_wr_init(&w, wbuf, PROTO_HDR_LEN - 1);
	assert_int_equal(proto_enc_tls_stat_req(&w, 9), -ENOSPC);
	assert_int_equal(w.len, 0);
}

static void test_stat_golden(void **state)
{
	struct proto_tls_stat m, d;
	struct proto_wr w;

	(void)state;
	golden_stat(&m);
	proto_wr_init(&w, wbuf, sizeof(wbuf));
	assert_int_equal(proto_enc_tls_stat(&w, 9, &m), 0);
	assert_frame(&w, g_tls_stat, sizeof(g_tls_stat));
	assert_int_equal(dec_stat(FRAME(g_tls_stat), &d), 0);
	assert_memory_equal(&d, &m, sizeof(m));

	memset(&m, 0, sizeof(m));
	proto_wr_init(&w, wbuf, sizeof(wbuf));
	assert_int_equal(proto_enc_tls_stat(&w, 10, &m), 0);
	assert_frame(&w, g_tls_stat_none, sizeof(g_tls_stat_none));
	assert_int_equal(dec_stat(FRAME(g_tls_stat_none), &d), 0);
	assert_int_equal(d.n, 0);
	assert_int_equal(d.flags, 0);
}

/* The largest of each: it fits a frame, and comes back the same. */
static void test_largest(void **state)
{
	struct proto_tls_conn *conns;
	struct proto_tls_stat s, sd;
	struct proto_tls_req m, d;
	struct proto_wr w;
	uint32_t i;

	(void)state;
	conns = calloc(PROTO_MAX_CONNS, sizeof(*conns));
	assert_non_null(conns);
	golden_req(&m, conns);
	for (i = 0; i < PROTO_MAX_CONNS; i++) {
		conns[i] = conns[i % 2];
		conns[i].id = i;
	}
	m.n = PROTO_MAX_CONNS;
	proto_wr_init(&w, wbuf, sizeof(wbuf));
	assert_int_equal(proto_enc_tls_req(&w, 1, &m), 0);
	assert_int_equal(w.len, PROTO_HDR_LEN + PROTO_TLS_FIXED_LEN +
				PROTO_MAX_CONNS * PROTO_TLS_CONN_LEN);
	assert_int_equal(proto_dec_tls_req(wbuf + PROTO_HDR_LEN,
					   w.len - PROTO_HDR_LEN, &d), 0);
	assert_memory_equal(d.v, conns, PROTO_MAX_CONNS * sizeof(*conns));
	proto_tls_req_free(&d);
	free(conns);

	memset(&s, 0, sizeof(s));
	s.n = PROTO_TLS_MAX_COUNTERS;
	s.flags = PROTO_TLS_STAT_F_PRESENT;
	for (i = 0; i < s.n; i++) {
		snprintf(s.v[i].name, sizeof(s.v[i].name), "Tls%028u", i);
		s.v[i].value = UINT64_MAX - i;
	}
	proto_wr_init(&w, wbuf, sizeof(wbuf));
	assert_int_equal(proto_enc_tls_stat(&w, 1, &s), 0);
	assert_int_equal(proto_dec_tls_stat(wbuf + PROTO_HDR_LEN,
					    w.len - PROTO_HDR_LEN, &sd), 0);
	assert_memory_equal(&sd, &s, sizeof(s));
}

/* ---- refused frames ---- */

static void test_req_truncated_oversized(void **state)
{
	uint8_t big[sizeof(g_tls_req) - PROTO_HDR_LEN + 1];
	size_t len = sizeof(g_tls_req) - PROTO_HDR_LEN, i;

	(void)state;
	for (i = 0; i < len; i++)
		req_refused(g_tls_req + PROTO_HDR_LEN, i);
	memcpy(big, FRAME(g_tls_req));
	big[len] = 0;
	req_refused(big, len + 1);
	/* One whole entry too many or too few for n. */
	req_refused(g_tls_req + PROTO_HDR_LEN, REQ_OFF(1));
}

static void test_req_bad_values(void **state)
{
	const uint8_t *g = g_tls_req;
	size_t gl = sizeof(g_tls_req);

	(void)state;
	req_patched_refused(g, gl, 3, 0x02);		/* n 0 */
	req_patched_refused(g, gl, 3, 0x01);		/* n 3: too short */
	req_patched_refused(g, gl, 0, 0x80);		/* n huge */
	req_patched_refused(g, gl, 5, 0x06);		/* version 0x0302 */
	req_patched_refused(g, gl, 4, 0x01);		/* version 0x0204 */
	req_patched_refused(g, gl, 7, 0x33 ^ 0x35);	/* cipher 53 CCM */
	req_patched_refused(g, gl, 7, 0x33);		/* cipher 0 */
	req_patched_refused(g, gl, 11, 0x08);		/* unknown flag */
	req_patched_refused(g, gl, 11, 0x03);		/* NOPAD alone */
	req_patched_refused(g, gl, 11, 0x02);		/* NOPAD, TX only */
	req_patched_refused(g, gl, 11, 0x07);		/* no flags */
	req_patched_refused(g, gl, 8, 0x01);		/* flags high bit */
	req_patched_refused(g, gl, 12, 0x01);		/* pad */
	req_patched_refused(g, gl, 15, 0x80);		/* pad */
	req_patched_refused(g, gl, REQ_OFF(0) + 4, 0x01);	/* conn pad */
	req_patched_refused(g, gl, REQ_OFF(1) + 7, 0x01);	/* conn pad */
	/* AES-128: key bytes 16..31 and IV bytes 8..11 are zero. */
	req_patched_refused(g, gl, REQ_OFF(0) + TX_OFF + 16, 0x01);
	req_patched_refused(g, gl, REQ_OFF(0) + TX_OFF + 31, 0x01);
	req_patched_refused(g, gl, REQ_OFF(1) + RX_OFF + IV_OFF + 8, 0x01);
	req_patched_refused(g, gl, REQ_OFF(1) + RX_OFF + IV_OFF + 11, 0x01);
}

static void test_req_bad_keys(void **state)
{
	uint8_t b[sizeof(g_tls_req_chacha)];
	size_t len = sizeof(g_tls_req) - PROTO_HDR_LEN;
	size_t clen = sizeof(g_tls_req_chacha) - PROTO_HDR_LEN;
	uint8_t *k;

	(void)state;
	/* An all-zero key in a used direction. */
	memcpy(b, FRAME(g_tls_req_chacha));
	memset(b + REQ_OFF(0) + TX_OFF, 0, PROTO_TLS_KEY_MAX);
	req_refused(b, clen);
	/* All-zero salt and IV. */
	memcpy(b, FRAME(g_tls_req_chacha));
	memset(b + REQ_OFF(0) + TX_OFF + IV_OFF, 0, PROTO_TLS_IV_MAX);
	req_refused(b, clen);
	/* ChaCha20 has no salt. */
	req_patched_refused(g_tls_req_chacha, sizeof(g_tls_req_chacha),
			    REQ_OFF(0) + TX_OFF + SALT_OFF, 0x01);
	/* The unused direction is all zero, every byte of it. */
	for (size_t i = 0; i < PROTO_TLS_KEY_LEN; i++)
		req_patched_refused(g_tls_req_chacha,
				    sizeof(g_tls_req_chacha),
				    REQ_OFF(0) + RX_OFF + i, 0x01);
	/* A zero key in the second entry of the AES request. */
	{
		uint8_t a[sizeof(g_tls_req)];

		memcpy(a, FRAME(g_tls_req));
		k = a + REQ_OFF(1) + RX_OFF;
		memset(k, 0, 16);
		req_refused(a, len);
		/* The same entry with a salt alone is fine: IV may be 0. */
		memcpy(a, FRAME(g_tls_req));
		memset(a + REQ_OFF(1) + RX_OFF + IV_OFF, 0, 8);
		{
			struct proto_tls_req d;

			assert_int_equal(dec_req(a, len, &d), 0);
			proto_tls_req_free(&d);
		}
	}
}

static void test_stat_refused(void **state)
{
	uint8_t big[sizeof(g_tls_stat) - PROTO_HDR_LEN + 1];
	size_t len = sizeof(g_tls_stat) - PROTO_HDR_LEN, i;

	(void)state;
	for (i = 0; i < len; i++)
		stat_refused(g_tls_stat + PROTO_HDR_LEN, i);
	memcpy(big, FRAME(g_tls_stat));
	big[len] = 0;
	stat_refused(big, len + 1);
	stat_patched_refused(3, 3);		/* n 3 */
	stat_patched_refused(3, 1);		/* n 1: too long */
	stat_patched_refused(3, 65);		/* n over the maximum */
	stat_patched_refused(7, 0);		/* counters but not PRESENT */
	stat_patched_refused(7, 3);		/* unknown flag */
	stat_patched_refused(4, 0x80);		/* flags high bit */
	stat_patched_refused(8, 0);		/* empty name */
	stat_patched_refused(8, '-');		/* not [A-Za-z0-9_] */
	stat_patched_refused(8 + 10, 'x');	/* garbage after the NUL */
	stat_patched_refused(8 + 31, 'x');
	/* A name that fills its field: no NUL. */
	{
		uint8_t b[sizeof(g_tls_stat)];

		memcpy(b, FRAME(g_tls_stat));
		memset(b + 8, 'A', PROTO_TLS_NAME_LEN);
		stat_refused(b, len);
		/* The same counter twice. */
		memcpy(b, FRAME(g_tls_stat));
		memcpy(b + 8 + PROTO_TLS_COUNTER_LEN, b + 8,
		       PROTO_TLS_NAME_LEN);
		stat_refused(b, len);
	}
	/* No counters and no PRESENT is the "no kernel TLS" answer. */
	{
		uint8_t b[] = { Z4, Z4 };
		struct proto_tls_stat d;

		assert_int_equal(dec_stat(b, sizeof(b), &d), 0);
		b[7] = 1;
		assert_int_equal(dec_stat(b, sizeof(b), &d), 0);
		assert_int_equal(d.flags, PROTO_TLS_STAT_F_PRESENT);
	}
}

#define EXPECT_EINVAL(call) do {					\
	proto_wr_init(&w, wbuf, sizeof(wbuf));				\
	assert_int_equal((call), -EINVAL);				\
	assert_int_equal(w.len, 0);					\
} while (0)

static void test_req_enc_refuses_invalid(void **state)
{
	struct proto_tls_conn conns[2];
	struct proto_tls_req q;
	struct proto_wr w;

	(void)state;
#define REQ_EINVAL(change) do {						\
	golden_req(&q, conns);						\
	change;								\
	EXPECT_EINVAL(proto_enc_tls_req(&w, 1, &q));			\
} while (0)
	REQ_EINVAL(q.n = 0);
	REQ_EINVAL(q.n = PROTO_MAX_CONNS + 1);	/* never read past */
	REQ_EINVAL(q.v = NULL);
	REQ_EINVAL(q.version = 0x0302);
	REQ_EINVAL(q.cipher = 53);
	REQ_EINVAL(q.flags = 0);
	REQ_EINVAL(q.flags = PROTO_TLS_F_NOPAD);
	REQ_EINVAL(q.flags = PROTO_TLS_F_TX | PROTO_TLS_F_NOPAD);
	REQ_EINVAL(q.flags |= 0x10);
	REQ_EINVAL(q.version = PROTO_TLS_1_2);	/* with NOPAD */
	REQ_EINVAL(memset(conns[1].tx.key, 0, sizeof(conns[1].tx.key)));
	REQ_EINVAL(conns[0].rx.key[20] = 1);
	REQ_EINVAL(conns[0].tx.iv[8] = 1);
	REQ_EINVAL(q.flags = PROTO_TLS_F_TX);	/* rx keys still set */
	REQ_EINVAL(q.cipher = PROTO_TLS_CHACHA20_POLY1305);	/* salt set */
#undef REQ_EINVAL
}

static void test_stat_enc_refuses_invalid(void **state)
{
	struct proto_tls_stat s;
	struct proto_wr w;

	(void)state;
#define STAT_EINVAL(change) do {					\
	golden_stat(&s);						\
	change;								\
	EXPECT_EINVAL(proto_enc_tls_stat(&w, 1, &s));			\
} while (0)
	STAT_EINVAL(s.n = PROTO_TLS_MAX_COUNTERS + 1);
	STAT_EINVAL(s.flags = 0);
	STAT_EINVAL(s.flags |= 2);
	STAT_EINVAL(s.v[0].name[0] = '\0');
	STAT_EINVAL(strcpy(s.v[1].name, "Tls Tx"));
	STAT_EINVAL(memset(s.v[1].name, 'a', PROTO_TLS_NAME_LEN));
	STAT_EINVAL(strcpy(s.v[1].name, s.v[0].name));
#undef STAT_EINVAL

	/* Garbage after the NUL of a name is not sent. */
	golden_stat(&s);
	memcpy(s.v[0].name, "TlsTxSw\0zzzzzzzzzzzzzzzzzzzzzzz", 32);
	proto_wr_init(&w, wbuf, sizeof(wbuf));
	assert_int_equal(proto_enc_tls_stat(&w, 9, &s), 0);
	assert_frame(&w, g_tls_stat, sizeof(g_tls_stat));
}

/*
 * Golden bodies with random bytes changed, and cut at random lengths: a
 * body that decodes re-encodes to the same bytes (the encoding is
 * canonical), and whatever is refused leaves a zeroed message.  A small
 * stand-in for tests/fuzz, with a fixed seed.
 */
static void test_mutations(void **state)
{
	static const struct { const uint8_t *g; size_t len; } req[] = {
		{ g_tls_req, sizeof(g_tls_req) },
		{ g_tls_req_chacha, sizeof(g_tls_req_chacha) },
	};
	uint8_t b[sizeof(g_tls_req)];
	unsigned int seed = 12345, i, k, ok = 0;
	struct proto_tls_stat st;
	struct proto_tls_req m;
	struct proto_wr w;
	size_t len;

	(void)state;
	for (i = 0; i < 20000; i++) {
		const uint8_t *g = i % 3 == 2 ? g_tls_stat : req[i % 2].g;
		size_t glen = i % 3 == 2 ? sizeof(g_tls_stat) : req[i % 2].len;

		len = glen - PROTO_HDR_LEN;
		memcpy(b, g + PROTO_HDR_LEN, len);
		for (k = rand_r(&seed) % 3; k < 3; k++)
			b[rand_r(&seed) % len] ^=
				(uint8_t)(1u << (rand_r(&seed) % 8));
		if (!(rand_r(&seed) % 8))
			len = rand_r(&seed) % (len + 1);
		proto_wr_init(&w, wbuf, sizeof(wbuf));
		if (g == g_tls_stat) {
			if (dec_stat(b, len, &st) < 0)
				continue;
			assert_int_equal(proto_enc_tls_stat(&w, 9, &st), 0);
		} else {
			if (dec_req(b, len, &m) < 0)
				continue;
			assert_int_equal(proto_enc_tls_req(&w, 7, &m), 0);
			proto_tls_req_free(&m);
		}
		assert_int_equal(w.len, PROTO_HDR_LEN + len);
		assert_memory_equal(wbuf + PROTO_HDR_LEN, b, len);
		ok++;
	}
	/* Some changes land in key bytes or counter values, and are fine. */
	assert_true(ok > 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_type_names),
		cmocka_unit_test(test_cipher_sizes),
		cmocka_unit_test(test_req_golden),
		cmocka_unit_test(test_req_chacha_golden),
		cmocka_unit_test(test_empty_frames),
		cmocka_unit_test(test_stat_golden),
		cmocka_unit_test(test_largest),
		cmocka_unit_test(test_req_truncated_oversized),
		cmocka_unit_test(test_req_bad_values),
		cmocka_unit_test(test_req_bad_keys),
		cmocka_unit_test(test_stat_refused),
		cmocka_unit_test(test_req_enc_refuses_invalid),
		cmocka_unit_test(test_stat_enc_refuses_invalid),
		cmocka_unit_test(test_mutations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
