// SPDX-License-Identifier: MIT
/* ktls - kernel TLS on data connections: CONN_TLS and TLS_STAT. */
#include <errno.h>
#include <linux/tls.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "common/log.h"
#include "common/procfile.h"
#include "server/ktls.h"
#include "server/session.h"

#ifndef SOL_TLS
#define SOL_TLS		282
#endif
#ifndef TCP_ULP
#define TCP_ULP		31
#endif
#ifndef TLS_RX_EXPECT_NO_PAD
#define TLS_RX_EXPECT_NO_PAD	4	/* Linux 6.0 */
#endif

#define TLS_STAT_PATH	"/proc/net/tls_stat"
#define TLS_STAT_MAX	16384	/* the file is about 1 KiB */

/* Our wire numbers are the kernel's: nothing to translate. */
_Static_assert(PROTO_TLS_1_2 == TLS_1_2_VERSION &&
	       PROTO_TLS_1_3 == TLS_1_3_VERSION, "TLS versions");
_Static_assert(PROTO_TLS_AES_GCM_128 == TLS_CIPHER_AES_GCM_128 &&
	       PROTO_TLS_AES_GCM_256 == TLS_CIPHER_AES_GCM_256 &&
	       PROTO_TLS_CHACHA20_POLY1305 == TLS_CIPHER_CHACHA20_POLY1305,
	       "TLS ciphers");
_Static_assert(TLS_CIPHER_AES_GCM_256_KEY_SIZE <= PROTO_TLS_KEY_MAX &&
	       TLS_CIPHER_CHACHA20_POLY1305_IV_SIZE <= PROTO_TLS_IV_MAX &&
	       TLS_CIPHER_AES_GCM_128_SALT_SIZE <= PROTO_TLS_SALT_MAX &&
	       TLS_CIPHER_AES_GCM_128_REC_SEQ_SIZE == PROTO_TLS_SEQ_LEN,
	       "TLS key sizes");

union crypto_info {
	struct tls_crypto_info info;
	struct tls12_crypto_info_aes_gcm_128 gcm128;
	struct tls12_crypto_info_aes_gcm_256 gcm256;
	struct tls12_crypto_info_chacha20_poly1305 chacha;
};

/* The cipher as the command line spells it, for messages. */
static const char *cipher_opt(uint16_t cipher)
{
	switch (cipher) {
	case PROTO_TLS_AES_GCM_128:
		return "aes-gcm-128";
	case PROTO_TLS_AES_GCM_256:
		return "aes-gcm-256";
	case PROTO_TLS_CHACHA20_POLY1305:
		return "chacha20-poly1305";
	}
	return "?";
}

/* The kernel's struct for one direction; its size, or 0 if unknown. */
static socklen_t crypto_info(union crypto_info *ci, uint16_t version,
			     uint16_t cipher, const struct proto_tls_key *k)
{
	memset(ci, 0, sizeof(*ci));
	ci->info.version = version;
	ci->info.cipher_type = cipher;
	switch (cipher) {
	case PROTO_TLS_AES_GCM_128:
		memcpy(ci->gcm128.key, k->key, sizeof(ci->gcm128.key));
		memcpy(ci->gcm128.salt, k->salt, sizeof(ci->gcm128.salt));
		memcpy(ci->gcm128.iv, k->iv, sizeof(ci->gcm128.iv));
		memcpy(ci->gcm128.rec_seq, k->rec_seq,
		       sizeof(ci->gcm128.rec_seq));
		return sizeof(ci->gcm128);
	case PROTO_TLS_AES_GCM_256:
		memcpy(ci->gcm256.key, k->key, sizeof(ci->gcm256.key));
		memcpy(ci->gcm256.salt, k->salt, sizeof(ci->gcm256.salt));
		memcpy(ci->gcm256.iv, k->iv, sizeof(ci->gcm256.iv));
		memcpy(ci->gcm256.rec_seq, k->rec_seq,
		       sizeof(ci->gcm256.rec_seq));
		return sizeof(ci->gcm256);
	case PROTO_TLS_CHACHA20_POLY1305:
		memcpy(ci->chacha.key, k->key, sizeof(ci->chacha.key));
		memcpy(ci->chacha.iv, k->iv, sizeof(ci->chacha.iv));
		memcpy(ci->chacha.rec_seq, k->rec_seq,
		       sizeof(ci->chacha.rec_seq));
		return sizeof(ci->chacha);
	}
	return 0;
}

static int set_keys(int fd, int dir, const struct proto_tls_req *m,
		    const struct proto_tls_key *k)
{
	union crypto_info ci;
	socklen_t len = crypto_info(&ci, m->version, m->cipher, k);
	int ret = 0;

	if (!len)
		return -EINVAL;
	if (setsockopt(fd, SOL_TLS, dir, &ci, len) < 0)
		ret = -errno;
	explicit_bzero(&ci, sizeof(ci));
	return ret;
}

int ktls_apply(int fd, const struct proto_tls_req *m,
	       const struct proto_tls_conn *c, char *err, size_t errlen)
{
	const char *ver = m->version == PROTO_TLS_1_2 ? "1.2" : "1.3";
	int ret, one = 1, queued = 0;

	/* Bytes already queued would be taken for records. */
	if ((m->flags & PROTO_TLS_F_RX) && ioctl(fd, FIONREAD, &queued) == 0 &&
	    queued > 0) {
		snprintf(err, errlen, "%d unread bytes on the connection "
			 "before TLS_RX", queued);
		return -EBUSY;
	}
	if (setsockopt(fd, IPPROTO_TCP, TCP_ULP, "tls", sizeof("tls")) < 0) {
		ret = -errno;
		snprintf(err, errlen, "TCP_ULP \"tls\": %s", strerror(-ret));
		/* No such ULP: the kernel has no TLS (or cannot load it). */
		return ret == -ENOENT ? -EPROTONOSUPPORT : ret;
	}
	if (m->flags & PROTO_TLS_F_TX) {
		ret = set_keys(fd, TLS_TX, m, &c->tx);
		if (ret < 0) {
			snprintf(err, errlen, "--tls-cipher %s --tls-ver %s: "
				 "TLS_TX: %s", cipher_opt(m->cipher), ver,
				 strerror(-ret));
			return ret;
		}
	}
	if (m->flags & PROTO_TLS_F_RX) {
		ret = set_keys(fd, TLS_RX, m, &c->rx);
		if (ret < 0) {
			snprintf(err, errlen, "--tls-cipher %s --tls-ver %s: "
				 "TLS_RX: %s", cipher_opt(m->cipher), ver,
				 strerror(-ret));
			return ret;
		}
	}
	if ((m->flags & PROTO_TLS_F_NOPAD) &&
	    setsockopt(fd, SOL_TLS, TLS_RX_EXPECT_NO_PAD, &one,
		       sizeof(one)) < 0) {
		ret = -errno;
		snprintf(err, errlen, "--tls-nopad: TLS_RX_EXPECT_NO_PAD: %s%s",
			 strerror(-ret), ret == -ENOPROTOOPT ?
			 " (needs Linux 6.0 or later)" : "");
		return ret;
	}
	return 0;
}

/*
 * Every id names a connection of this session, not in a running test,
 * listed once.  0, or the request answered with an ERROR and -1.
 */
static int check_conns(struct session *s, const struct proto_hdr *h,
		       const struct proto_tls_req *m)
{
	uint32_t i, j;

	for (i = 0; i < m->n; i++) {
		struct conn *c = conn_get(&s->conns, m->v[i].id);

		if (!c || c->in_test) {
			sess_error(s, h->id, c ? EBUSY : ENOENT,
				   "connection id %u %s", m->v[i].id,
				   c ? "is in a running test" :
				       "does not exist");
			return -1;
		}
		/* n is at most PROTO_MAX_CONNS: quadratic is cheap enough. */
		for (j = 0; j < i; j++) {
			if (m->v[j].id == m->v[i].id) {
				sess_error(s, h->id, EINVAL, "connection id "
					   "%u is listed twice", m->v[i].id);
				return -1;
			}
		}
	}
	return 0;
}

int ktls_h_conn_tls(struct session *s, const struct proto_hdr *h,
		    const uint8_t *b)
{
	char err[PROTO_TEXT_MAX];
	struct proto_tls_req m;
	struct proto_wr w;
	uint32_t i;
	int ret = 0;

	if (proto_dec_tls_req(b, h->len, &m) < 0)
		return sess_error(s, h->id, EBADMSG, "malformed CONN_TLS");
	if (check_conns(s, h, &m) < 0)
		goto free_req;
	for (i = 0; i < m.n; i++) {
		ret = ktls_apply(conn_get(&s->conns, m.v[i].id)->fd, &m,
				 &m.v[i], err, sizeof(err));
		if (ret == -EPROTONOSUPPORT) {
			ret = sess_error(s, h->id, EPROTONOSUPPORT,
					 "kernel TLS is not available on %s "
					 "(CONFIG_TLS / tls module): %s",
					 s->host.hostname, err);
			goto free_req;
		}
		if (ret < 0) {
			ret = sess_error(s, h->id, -ret, "%s (connection %u)",
					 err, m.v[i].id);
			goto free_req;
		}
	}
	log_dbg("kernel TLS on %u connections", m.n);
	proto_wr_init(&w, s->txbuf, PROTO_HDR_LEN + PROTO_MAX_BODY);
	proto_enc_tls_rep(&w, h->id);
	ret = sess_send(s, &w);
free_req:
	proto_tls_req_free(&m);
	return ret;
}

static bool name_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9') || ch == '_';
}

/* One "Name<blanks>value" line into *e: true if it is one. */
static bool parse_line(const char *line, size_t len,
		       struct proto_tls_counter *e)
{
	unsigned long long v;
	size_t n = 0, i;
	char num[24];

	while (n < len && name_char(line[n]))
		n++;
	if (!n || n >= sizeof(e->name) || n == len ||
	    (line[n] != ' ' && line[n] != '\t'))
		return false;
	for (i = n; i < len && (line[i] == ' ' || line[i] == '\t'); i++)
		;
	if (i == len || len - i >= sizeof(num))
		return false;
	memcpy(num, line + i, len - i);
	num[len - i] = '\0';
	if (num[0] < '0' || num[0] > '9')
		return false;
	errno = 0;
	{
		char *end;

		v = strtoull(num, &end, 10);
		while (*end == ' ' || *end == '\t')
			end++;
		if (errno || *end)
			return false;
	}
	memset(e, 0, sizeof(*e));
	memcpy(e->name, line, n);
	e->value = v;
	return true;
}

int ktls_stat_parse(const char *text, struct proto_tls_stat *st)
{
	const char *p = text, *nl;
	struct proto_tls_counter e;
	uint32_t j;

	memset(st, 0, sizeof(*st));
	st->flags = PROTO_TLS_STAT_F_PRESENT;
	for (; *p && st->n < PROTO_TLS_MAX_COUNTERS; p = *nl ? nl + 1 : nl) {
		nl = strchr(p, '\n');
		if (!nl)
			nl = p + strlen(p);
		if (!parse_line(p, (size_t)(nl - p), &e))
			continue;
		/* The wire carries each name once. */
		for (j = 0; j < st->n && strcmp(st->v[j].name, e.name); j++)
			;
		if (j == st->n)
			st->v[st->n++] = e;
	}
	return 0;
}

int ktls_stat_read(const char *path, struct proto_tls_stat *st)
{
	char *buf = malloc(TLS_STAT_MAX);
	int ret;

	memset(st, 0, sizeof(*st));
	if (!buf)
		return -ENOMEM;
	ret = procfile_read(path, buf, TLS_STAT_MAX, NULL);
	if (!ret)
		ret = ktls_stat_parse(buf, st);
	else if (ret == -ENOENT)
		ret = 0;	/* no tls module: no counters, not PRESENT */
	free(buf);
	return ret;
}

int ktls_h_tls_stat(struct session *s, const struct proto_hdr *h,
		    const uint8_t *b)
{
	struct proto_tls_stat st;
	struct proto_wr w;
	int ret;

	(void)b;
	ret = ktls_stat_read(TLS_STAT_PATH, &st);
	if (ret < 0)
		return sess_error(s, h->id, -ret, "%s: %s", TLS_STAT_PATH,
				  strerror(-ret));
	proto_wr_init(&w, s->txbuf, PROTO_HDR_LEN + PROTO_MAX_BODY);
	proto_enc_tls_stat(&w, h->id, &st);
	return sess_send(s, &w);
}
