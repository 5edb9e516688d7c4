// SPDX-License-Identifier: MIT
/*
 * test_validate ENGINE RX - a session's receiver with VALIDATE (ENGINE
 * epoll, block or io_uring; RX copy or zerocopy) checks every byte it
 * reads against the payload pattern.  The test is the sender, on data
 * connections of its own to the session's acceptor: it writes the
 * pattern itself, with bytes it chose wrong.
 *
 * Checks: a first test, clean: every byte checked, none bad; a second
 * one on the same connections, whose stream offsets go on from the
 * first, with two bytes flipped on flow 0: two mismatches and first_bad
 * the stream offset of the first one; the other flow still clean.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/fullio.h"
#include "helpers.h"

#define CHUNK	65536
#define N	(1024 * 1024 + 12345)	/* bytes per flow and test */

static struct pat pat;

static int fd_acked(void *arg)
{
	return t_unacked(*(int *)arg) == 0;
}

/* Bytes [off, off + len) of the stream, with those at bad[] flipped. */
static void send_stream(int fd, uint64_t off, uint64_t len,
			const uint64_t *bad, unsigned int n_bad)
{
	uint8_t buf[CHUNK];
	unsigned int i;
	size_t n;
	int ret;

	while (len) {
		n = len < CHUNK ? (size_t)len : CHUNK;
		memcpy(buf, pat_at(&pat, off), n);
		for (i = 0; i < n_bad; i++)
			if (bad[i] >= off && bad[i] < off + n)
				buf[bad[i] - off] ^= 0xff;
		ret = fio_write_full(fd, buf, n, T_WAIT_MS);
		if (ret < 0)
			t_fail("data send: %s", strerror(-ret));
		off += n;
		len -= n;
	}
	/* All in the session's socket before the stop reads what is there. */
	t_wait(fd_acked, &fd, "the session to receive every byte");
}

/* One passive test on ids[n]; flow 0 gets the bad bytes. */
static void run(struct tsess *s, struct tside *t, const struct tpath *dp,
		uint32_t worker, const uint32_t *ids, const int *fds,
		unsigned int n, uint64_t off, const uint64_t *bad,
		unsigned int n_bad)
{
	unsigned int i;
	int ret;

	tp_side(t, PROTO_TEST_STREAM, PROTO_ROLE_PASSIVE, dp);
	t->req.flags = PROTO_TEST_F_VALIDATE;
	ret = ts_test_start(s, t, worker, ids, n);
	T_CHECK(!ret, "TEST_START: %s", s->text);
	for (i = 0; i < n; i++)
		send_stream(fds[i], off, N, bad, i ? 0 : n_bad);
	ret = ts_test_stop(s, t);
	T_CHECK(!ret, "test failed: %s", s->text);
	T_EQ(t->res.n_flows, n);
	for (i = 0; i < n; i++) {
		T_EQ(t->res.flows[i].rx_bytes, N);
		T_EQ(t->res.flows[i].xfer.checked, N);
	}
}

int main(int argc, char **argv)
{
	const uint64_t bad[2] = { N + 70001, N + 500000 };
	uint32_t ids[TP_MAX_CONNS];
	int fds[TP_MAX_CONNS];
	struct proto_listen_rep l;
	struct proto_worker_rep wr;
	struct tside t;
	struct tsess s;
	struct tpath dp;
	char why[256];
	unsigned int i;

	t_init("test_validate");
	t_path(argc, argv, &dp);
	if (dp.rx_mode == PROTO_RX_TRUNC)
		t_fail("MSG_TRUNC reads nothing to check");
	if (t_probe_ipv6(why, sizeof(why)) < 0)
		t_skip("%s", why);
	if (pat_init(&pat, CHUNK) < 0)
		t_fail("out of memory");
	ts_start(&s);
	T_EQ(ts_hello(&s, NULL), 0);
	T_EQ(ts_listen(&s, 0, &l), 0);
	T_EQ(ts_spawn(&s, -1, &wr), 0);
	for (i = 0; i < dp.n_flows; i++) {
		fds[i] = ts_data_connect(l.port, l.token, &ids[i]);
		T_CHECK(fds[i] >= 0, "data connection: %s",
			strerror(-fds[i]));
	}

	run(&s, &t, &dp, wr.worker_id, ids, fds, dp.n_flows, 0, NULL, 0);
	for (i = 0; i < dp.n_flows; i++) {
		T_EQ(t.res.flows[i].xfer.mismatches, 0);
		T_EQ(t.res.flows[i].xfer.first_bad, PAT_NONE);
	}
	tside_free(&t);

	run(&s, &t, &dp, wr.worker_id, ids, fds, dp.n_flows, N, bad, 2);
	T_EQ(t.res.flows[0].xfer.mismatches, 2);
	T_EQ(t.res.flows[0].xfer.first_bad, bad[0]);
	for (i = 1; i < dp.n_flows; i++) {
		T_EQ(t.res.flows[i].xfer.mismatches, 0);
		T_EQ(t.res.flows[i].xfer.first_bad, PAT_NONE);
	}
	printf("flow 0: %llu bad bytes, the first at stream offset %llu\n",
	       (unsigned long long)t.res.flows[0].xfer.mismatches,
	       (unsigned long long)t.res.flows[0].xfer.first_bad);
	tside_free(&t);

	for (i = 0; i < dp.n_flows; i++)
		close(fds[i]);
	T_EQ(ts_end(&s), 0);
	pat_fini(&pat);
	return T_PASS;
}
