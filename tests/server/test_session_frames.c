// SPDX-License-Identifier: MIT
/*
 * test_session_frames - how a session (sess_run() on a socketpair)
 * checks each frame, in the order docs/protocol.md gives: the header
 * (EBADMSG, EMSGSIZE: the session ends), the body read whole (a frame
 * cut short ends it), the type (EOPNOTSUPP), the length for the type
 * (EBADMSG), HELLO first (EPROTO), the decoder (EBADMSG "malformed"),
 * then the request's own checks (ENOENT, EINVAL, EALREADY).
 *
 * Checks: each ERROR's errno, text and request id; that the session goes
 * on after every error but the header's (it still answers HELLO), skips
 * the body of a frame it refused, and ends after a bad header or a
 * frame cut short.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "helpers.h"

static const uint8_t zeros[64];

/* A header the session must refuse, then end. */
static void check_bad_header(uint16_t flags, uint32_t len, int reserved,
			     int err, const char *text)
{
	struct proto_hdr h = { .type = PROTO_T_HELLO, .flags = flags,
			       .id = 7, .len = len };
	uint8_t hb[PROTO_HDR_LEN];
	struct tsess s;

	ts_start(&s);
	proto_hdr_encode(hb, &h);
	hb[15] = (uint8_t)reserved;
	s.id = h.id;
	ts_send_raw(&s, hb, sizeof(hb));
	ts_expect_error(&s, err, text);
	T_EQ(ts_read(&s), -ECONNRESET);
	T_EQ(ts_end(&s), 0);
}

/* A frame cut short: the session ends without an answer. */
static void check_cut_short(void)
{
	struct proto_hdr h = { .type = PROTO_T_LISTEN, .id = 1, .len = 8 };
	uint8_t hb[PROTO_HDR_LEN];
	struct tsess s;

	ts_start(&s);
	proto_hdr_encode(hb, &h);
	ts_send_raw(&s, hb, sizeof(hb));
	ts_send_raw(&s, zeros, 4);
	shutdown(s.fd, SHUT_WR);
	T_EQ(ts_read(&s), -ECONNRESET);
	T_EQ(ts_end(&s), 0);
}

/* Before HELLO: the length is checked first, then HELLO first. */
static void check_before_hello(struct tsess *s)
{
	ts_send_frame(s, PROTO_T_LISTEN, 0, zeros, 4);
	ts_expect_error(s, EBADMSG, "LISTEN body of 4 bytes, expected 8..8");
	ts_send_frame(s, 200, 0, zeros, 0);
	ts_expect_error(s, EOPNOTSUPP, "type 200");
	ts_send_frame(s, PROTO_T_LISTEN, 0, zeros, 8);
	ts_expect_error(s, EPROTO, "HELLO must come first");
}

/* Types a session does not take, with their bodies skipped. */
static void check_types(struct tsess *s)
{
	static const uint16_t types[] = {
		0, PROTO_T_ERROR, PROTO_T_TEST_RESULT, PROTO_T_SAMPLE,
		PROTO_T_HIST, PROTO_T_TX_DONE, PROTO_T_MAX + 1, 65535 };
	unsigned int i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		ts_send_frame(s, types[i], 0, zeros, 10);
		ts_expect_error(s, EOPNOTSUPP, "a session does not accept");
		T_EQ(ts_hello(s, NULL), 0);	/* still in step */
	}
	ts_send_frame(s, PROTO_T_LISTEN, PROTO_F_REPLY, zeros, 8);
	ts_expect_error(s, EOPNOTSUPP, "LISTEN frames (type 3, reply)");
}

static void check_lengths_and_bodies(struct tsess *s)
{
	uint8_t b[12] = { 0 };

	ts_send_frame(s, PROTO_T_TEST_STOP, 0, zeros, 4);
	ts_expect_error(s, EBADMSG, "TEST_STOP body of 4 bytes, expected "
			"0..0");
	ts_send_frame(s, PROTO_T_CONN_INFO, 0, zeros, 8);
	ts_expect_error(s, EBADMSG, "CONN_INFO body of 8 bytes");
	b[3] = 1;	/* LISTEN: a pad byte set */
	ts_send_frame(s, PROTO_T_LISTEN, 0, b, 8);
	ts_expect_error(s, EBADMSG, "malformed LISTEN");
	b[3] = 2;	/* CONN_INFO: two ids, one there */
	ts_send_frame(s, PROTO_T_CONN_INFO, 0, b, 12);
	ts_expect_error(s, EBADMSG, "malformed CONN_INFO");
}

static void check_request_checks(struct tsess *s)
{
	struct proto_worker_req wq = { .cpu = PROTO_MAX_CPUS - 1 };
	struct proto_wr w;
	uint32_t id = 5;

	T_EQ(ts_conn_info(s, &id, 1, NULL), ENOENT);
	T_CHECK(strstr(s->text, "connection id 5 does not exist"), "%s",
		s->text);
	T_EQ(ts_conn_close(s, &id, 1), ENOENT);
	proto_enc_worker_req(&w, ts_wr(s, &w), &wq);
	ts_send(s, &w);
	ts_expect_error(s, EINVAL, "CPU 4095 is not online");
	proto_enc_empty(&w, PROTO_T_TEST_STOP, ts_wr(s, &w), 0);
	ts_send(s, &w);
	ts_expect_error(s, ENOENT, "no test is running");
}

/* A second LISTEN: the same acceptor, or EALREADY for another port. */
static void check_listen(struct tsess *s)
{
	struct proto_listen_rep l, l2;

	T_EQ(ts_listen(s, 0, &l), 0);
	T_EQ(ts_listen(s, 0, &l2), 0);
	T_EQ(l2.port, l.port);
	T_EQ(l2.token, l.token);
	T_EQ(ts_listen(s, l.port, &l2), 0);
	T_EQ(ts_listen(s, l.port == 65535 ? 1 : l.port + 1, &l2), EALREADY);
}

int main(void)
{
	struct tsess s;
	char why[256];
	int fds0;

	t_init("test_session_frames");
	fds0 = t_count_fds();
	ts_start(&s);
	check_before_hello(&s);
	T_EQ(ts_hello(&s, NULL), 0);
	check_types(&s);
	check_lengths_and_bodies(&s);
	check_request_checks(&s);
	if (t_probe_ipv6(why, sizeof(why)) == 0)
		check_listen(&s);
	else
		printf("LISTEN not checked: %s\n", why);
	T_EQ(ts_hello(&s, NULL), 0);
	T_EQ(ts_end(&s), 0);

	check_bad_header(0, 0, 1, EBADMSG, "reserved bits or unknown flags");
	check_bad_header(0x8000, 0, 0, EBADMSG, "reserved bits or unknown "
			 "flags");
	check_bad_header(0, PROTO_MAX_BODY + 1, 0, EMSGSIZE,
			 "body longer than the maximum");
	check_cut_short();
	T_EQ(t_count_fds(), fds0);
	return T_PASS;
}
