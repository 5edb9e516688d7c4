// SPDX-License-Identifier: MIT
/*
 * Unit tests for the session's kernel TLS (src/server/ktls.c), built with
 * it and with stand-ins for the three session functions it calls
 * (sess_error, sess_send, conn_get), so the handlers run without a
 * kperfd: the parser of /proc/net/tls_stat; the id checks and the
 * replies of CONN_TLS and TLS_STAT; and ktls_apply() on a real TCP
 * connection over 127.0.0.1, whose outcome depends on the kernel (no
 * kernel TLS: EPROTONOSUPPORT; with it: set up once, EEXIST the second
 * time), probed first.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "server/ktls.h"
#include "server/session.h"

#ifndef TCP_ULP
#define TCP_ULP	31
#endif

/* ---- stand-ins for session.c and conn.c ---- */

static struct conn fake_conns[4];
static int last_err;
static char last_text[PROTO_TEXT_MAX + 1];
static uint8_t sent[PROTO_HDR_LEN + 4096];
static size_t sent_len;

struct conn *conn_get(struct conn_table *t, uint32_t id)
{
	(void)t;
	if (id >= 4 || fake_conns[id].fd < 0)
		return NULL;
	return &fake_conns[id];
}

int sess_error(struct session *s, uint32_t id, int err, const char *fmt, ...)
{
	va_list ap;

	(void)s;
	(void)id;
	last_err = err;
	va_start(ap, fmt);
	vsnprintf(last_text, sizeof(last_text), fmt, ap);
	va_end(ap);
	return 0;
}

int sess_send(struct session *s, const struct proto_wr *w)
{
	(void)s;
	assert_int_equal(w->err, 0);
	assert_true(w->len <= sizeof(sent));
	memcpy(sent, w->buf, w->len);
	sent_len = w->len;
	return 0;
}

static struct session *new_session(void)
{
	struct session *s = calloc(1, sizeof(*s));

	assert_non_null(s);
	s->txbuf = malloc(PROTO_HDR_LEN + PROTO_MAX_BODY);
	assert_non_null(s->txbuf);
	snprintf(s->host.hostname, sizeof(s->host.hostname), "unit-host");
	return s;
}

static void free_session(struct session *s)
{
	free(s->txbuf);
	free(s);
}

static void reset(void)
{
	unsigned int i;

	for (i = 0; i < 4; i++)
		fake_conns[i] = (struct conn){ .fd = -1 };
	last_err = 0;
	last_text[0] = '\0';
	sent_len = 0;
}

/* A connected TCP pair on 127.0.0.1: fds[0] connected, fds[1] accepted. */
static void tcp_pair(int fds[2])
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(l >= 0);
	assert_int_equal(bind(l, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(l, 1), 0);
	assert_int_equal(getsockname(l, (struct sockaddr *)&a, &len), 0);
	fds[0] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fds[0] >= 0);
	assert_int_equal(connect(fds[0], (struct sockaddr *)&a, sizeof(a)), 0);
	fds[1] = accept(l, NULL, NULL);
	assert_true(fds[1] >= 0);
	close(l);
}

/* Does this kernel have the tls ULP?  (Also loads it, as root.) */
static bool kernel_has_tls(void)
{
	int fds[2], ret;

	tcp_pair(fds);
	ret = setsockopt(fds[0], IPPROTO_TCP, TCP_ULP, "tls", sizeof("tls"));
	close(fds[0]);
	close(fds[1]);
	return ret == 0;
}

static void fill_key(struct proto_tls_key *k, uint8_t b)
{
	memset(k, 0, sizeof(*k));
	memset(k->key, b, 16);
	memset(k->salt, b + 1, 4);
	memset(k->iv, b + 2, 8);
}

static size_t enc_req(uint8_t *buf, const uint32_t *ids, uint32_t n,
		      uint32_t flags)
{
	struct proto_tls_conn v[4];
	struct proto_tls_req m = { .n = n, .version = PROTO_TLS_1_3,
				   .cipher = PROTO_TLS_AES_GCM_128,
				   .flags = flags, .v = v };
	struct proto_wr w;
	uint32_t i;

	memset(v, 0, sizeof(v));
	for (i = 0; i < n; i++) {
		v[i].id = ids[i];
		if (flags & PROTO_TLS_F_TX)
			fill_key(&v[i].tx, 0x10);
		if (flags & PROTO_TLS_F_RX)
			fill_key(&v[i].rx, 0x20);
	}
	proto_wr_init(&w, buf, PROTO_HDR_LEN + PROTO_TLS_FIXED_LEN +
				   4 * PROTO_TLS_CONN_LEN);
	assert_int_equal(proto_enc_tls_req(&w, 1, &m), 0);
	return w.len - PROTO_HDR_LEN;
}

/* ---- /proc/net/tls_stat ---- */

static const char stat_text[] =
	"TlsCurrTxSw                     \t2\n"
	"TlsCurrRxSw                     \t0\n"
	"TlsTxSw                         \t18446744073709551615\n"
	"not a counter line\n"
	"Tls-Bad                         \t1\n"
	"TlsRxSw                         \t\n"
	"TlsRxSw 3 4\n"
	"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA 1\n"
	"TlsDecryptError                 \t7   \n"
	"TlsCurrTxSw                     \t9\n"
	"TlsRxSw 5";

static void test_stat_parse(void **state)
{
	struct proto_tls_stat st;

	(void)state;
	assert_int_equal(ktls_stat_parse(stat_text, &st), 0);
	assert_int_equal(st.flags, PROTO_TLS_STAT_F_PRESENT);
	assert_int_equal(st.n, 5);
	assert_string_equal(st.v[0].name, "TlsCurrTxSw");
	assert_int_equal(st.v[0].value, 2);
	assert_string_equal(st.v[1].name, "TlsCurrRxSw");
	assert_int_equal(st.v[2].value, UINT64_MAX);
	assert_string_equal(st.v[3].name, "TlsDecryptError");
	assert_int_equal(st.v[3].value, 7);
	/* The last line has no newline; a repeated name is kept once. */
	assert_string_equal(st.v[4].name, "TlsRxSw");
	assert_int_equal(st.v[4].value, 5);

	assert_int_equal(ktls_stat_parse("", &st), 0);
	assert_int_equal(st.n, 0);
	assert_int_equal(st.flags, PROTO_TLS_STAT_F_PRESENT);
}

static void test_stat_parse_limit(void **state)
{
	struct proto_tls_stat st;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int i;

	(void)state;
	assert_non_null(f);
	for (i = 0; i < PROTO_TLS_MAX_COUNTERS + 10; i++)
		fprintf(f, "Counter%d\t%d\n", i, i);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(ktls_stat_parse(text, &st), 0);
	assert_int_equal(st.n, PROTO_TLS_MAX_COUNTERS);
	assert_string_equal(st.v[PROTO_TLS_MAX_COUNTERS - 1].name,
			    "Counter63");
	free(text);
}

static void test_stat_read(void **state)
{
	char path[] = "/tmp/kperf-ktls-XXXXXX";
	struct proto_tls_stat st;
	int fd;

	(void)state;
	assert_int_equal(ktls_stat_read("/nonexistent/tls_stat", &st), 0);
	assert_int_equal(st.n, 0);
	assert_int_equal(st.flags, 0);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, stat_text, sizeof(stat_text) - 1),
			 (ssize_t)sizeof(stat_text) - 1);
	close(fd);
	assert_int_equal(ktls_stat_read(path, &st), 0);
	assert_int_equal(st.n, 5);
	unlink(path);
}

/* TLS_STAT: whatever this host has, a valid reply. */
static void test_h_tls_stat(void **state)
{
	struct session *s = new_session();
	struct proto_tls_stat st;
	struct proto_hdr h = { .type = PROTO_T_TLS_STAT, .id = 3 };

	(void)state;
	reset();
	assert_int_equal(ktls_h_tls_stat(s, &h, NULL), 0);
	assert_int_equal(last_err, 0);
	assert_true(sent_len >= PROTO_HDR_LEN + PROTO_TLS_STAT_FIXED_LEN);
	assert_int_equal(proto_hdr_decode(sent, &h), 0);
	assert_int_equal(h.type, PROTO_T_TLS_STAT);
	assert_int_equal(h.flags, PROTO_F_REPLY);
	assert_int_equal(proto_dec_tls_stat(sent + PROTO_HDR_LEN, h.len, &st),
			 0);
	free_session(s);
}

/* ---- CONN_TLS ---- */

static void test_h_conn_tls_ids(void **state)
{
	struct session *s = new_session();
	struct proto_hdr h = { .type = PROTO_T_CONN_TLS, .id = 9 };
	uint8_t buf[PROTO_HDR_LEN + PROTO_TLS_FIXED_LEN +
		    4 * PROTO_TLS_CONN_LEN];
	uint32_t ids[2];

	(void)state;
	reset();
	fake_conns[1].fd = 1000;	/* never touched: checks come first */
	fake_conns[2].fd = 1001;

	ids[0] = 1, ids[1] = 3;
	h.len = (uint32_t)enc_req(buf, ids, 2, PROTO_TLS_F_TX);
	ktls_h_conn_tls(s, &h, buf + PROTO_HDR_LEN);
	assert_int_equal(last_err, ENOENT);
	assert_string_equal(last_text, "connection id 3 does not exist");

	ids[0] = 2, ids[1] = 2;
	h.len = (uint32_t)enc_req(buf, ids, 2, PROTO_TLS_F_RX);
	ktls_h_conn_tls(s, &h, buf + PROTO_HDR_LEN);
	assert_int_equal(last_err, EINVAL);
	assert_string_equal(last_text, "connection id 2 is listed twice");

	fake_conns[2].in_test = 1;
	ids[0] = 1, ids[1] = 2;
	h.len = (uint32_t)enc_req(buf, ids, 2, PROTO_TLS_F_RX);
	ktls_h_conn_tls(s, &h, buf + PROTO_HDR_LEN);
	assert_int_equal(last_err, EBUSY);
	assert_string_equal(last_text, "connection id 2 is in a running test");

	/* A body the decoder refuses. */
	h.len = (uint32_t)enc_req(buf, ids, 1, PROTO_TLS_F_RX);
	buf[PROTO_HDR_LEN + 5] = 0x02;	/* version 0x0302 */
	ktls_h_conn_tls(s, &h, buf + PROTO_HDR_LEN);
	assert_int_equal(last_err, EBADMSG);
	assert_string_equal(last_text, "malformed CONN_TLS");
	assert_int_equal(sent_len, 0);
	free_session(s);
}

/* Unread bytes would be parsed as records: refused before the ULP. */
static void test_apply_refuses_queued_bytes(void **state)
{
	struct proto_tls_conn c;
	struct proto_tls_req m = { .n = 1, .version = PROTO_TLS_1_3,
				   .cipher = PROTO_TLS_AES_GCM_128,
				   .flags = PROTO_TLS_F_RX, .v = &c };
	struct pollfd pfd = { .events = POLLIN };
	char err[256];
	int fds[2];

	(void)state;
	memset(&c, 0, sizeof(c));
	fill_key(&c.rx, 0x30);
	tcp_pair(fds);
	assert_int_equal(write(fds[1], "x", 1), 1);
	/* Wait until the byte is in the receive queue (10 s: a hang guard). */
	pfd.fd = fds[0];
	assert_int_equal(poll(&pfd, 1, 10000), 1);
	assert_int_equal(ktls_apply(fds[0], &m, &c, err, sizeof(err)),
			 -EBUSY);
	assert_string_equal(err, "1 unread bytes on the connection before "
				 "TLS_RX");
	close(fds[0]);
	close(fds[1]);
}

static void test_apply(void **state)
{
	struct session *s = new_session();
	struct proto_hdr h = { .type = PROTO_T_CONN_TLS, .id = 4 };
	uint8_t buf[PROTO_HDR_LEN + PROTO_TLS_FIXED_LEN +
		    4 * PROTO_TLS_CONN_LEN];
	uint32_t ids[1] = { 0 };
	int fds[2];

	(void)state;
	reset();
	tcp_pair(fds);
	fake_conns[0].fd = fds[0];
	h.len = (uint32_t)enc_req(buf, ids, 1,
				  PROTO_TLS_F_TX | PROTO_TLS_F_RX);
	if (!kernel_has_tls()) {
		ktls_h_conn_tls(s, &h, buf + PROTO_HDR_LEN);
		assert_int_equal(last_err, EPROTONOSUPPORT);
		assert_non_null(strstr(last_text, "kernel TLS is not available "
					"on unit-host (CONFIG_TLS / tls "
					"module): TCP_ULP \"tls\": "));
		assert_int_equal(sent_len, 0);
	} else {
		ktls_h_conn_tls(s, &h, buf + PROTO_HDR_LEN);
		assert_int_equal(last_err, 0);
		/* The empty reply. */
		assert_int_equal(sent_len, PROTO_HDR_LEN);
		/* A socket gets its ULP once. */
		ktls_h_conn_tls(s, &h, buf + PROTO_HDR_LEN);
		assert_int_equal(last_err, EEXIST);
		assert_non_null(strstr(last_text, "(connection 0)"));
	}
	close(fds[0]);
	close(fds[1]);
	free_session(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stat_parse),
		cmocka_unit_test(test_stat_parse_limit),
		cmocka_unit_test(test_stat_read),
		cmocka_unit_test(test_h_tls_stat),
		cmocka_unit_test(test_h_conn_tls_ids),
		cmocka_unit_test(test_apply_refuses_queued_bytes),
		cmocka_unit_test(test_apply),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
