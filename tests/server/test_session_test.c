// SPDX-License-Identifier: MIT
/*
 * test_session_test - TEST_START and TEST_STOP as a session handles them,
 * on two sessions joined by two loopback connections (a test on a alone,
 * passive, so nothing moves).
 *
 * Checks: TEST_STOP with no test (ENOENT); TEST_STARTs refused for an
 * unknown connection or worker (ENOENT), a connection listed twice
 * (EINVAL), a data path this session cannot serve (EOPNOTSUPP), a
 * malformed one (EBADMSG), each leaving nothing behind (the connections
 * serve the next test); while a test runs, a second one (EBUSY) and the
 * closing of its connection (EBUSY); a TEST_STOP in the warm-up ends it
 * at once with a TEST_RESULT naming every flow and the worker; after it
 * TEST_STOP is ENOENT again and the connections can be closed.
 */
#include <errno.h>
#include <string.h>

#include "helpers.h"

static void check_refused(struct tpair *p, uint32_t *ids)
{
	uint32_t twice[2] = { ids[0], ids[0] }, unknown = 99;
	struct tside t;

	tp_side(&t, PROTO_TEST_STREAM, PROTO_ROLE_PASSIVE, NULL);
	T_EQ(ts_test_start(&p->a, &t, p->wa, &unknown, 1), ENOENT);
	T_CHECK(strstr(p->a.text, "flow 0: connection id 99 does not exist"),
		"%s", p->a.text);
	T_EQ(ts_test_start(&p->a, &t, 7, ids, 1), ENOENT);
	T_CHECK(strstr(p->a.text, "flow 0: worker id 7 does not exist"),
		"%s", p->a.text);
	T_EQ(ts_test_start(&p->a, &t, p->wa, twice, 2), EINVAL);
	T_CHECK(strstr(p->a.text, "listed twice"), "%s", p->a.text);
	t.req.engine = PROTO_ENGINE_IO_URING;
	t.req.rx_mode = PROTO_RX_ZEROCOPY;
	T_EQ(ts_test_start(&p->a, &t, p->wa, ids, 2), EOPNOTSUPP);
	T_CHECK(strstr(p->a.text, "TCP_ZEROCOPY_RECEIVE"), "%s", p->a.text);
}

/*
 * VALIDATE with MSG_TRUNC, which copies nothing to check: the encoder
 * refuses it, so the frame is patched after encoding (rx_mode: byte 3).
 */
static void check_malformed(struct tpair *p, uint32_t id)
{
	struct proto_test_flow f = { .conn_id = id, .worker_id = p->wa,
				     .role = PROTO_ROLE_PASSIVE };
	struct proto_wr w;
	struct tside t;

	tp_side(&t, PROTO_TEST_STREAM, PROTO_ROLE_PASSIVE, NULL);
	t.req.flags = PROTO_TEST_F_VALIDATE;
	t.req.n = 1;
	t.req.flows = &f;
	proto_enc_test_req(&w, ts_wr(&p->a, &w), &t.req);
	w.buf[PROTO_HDR_LEN + 3] = PROTO_RX_TRUNC;
	ts_send(&p->a, &w);
	ts_expect_error(&p->a, EBADMSG, "malformed TEST_START");
}

int main(void)
{
	struct proto_worker_rep wr = { 0 };
	struct proto_wr w;
	struct tpair p;
	struct tside t, t2;
	uint32_t ids[2];
	unsigned int i;

	t_init("test_session_test");
	tp_open(&p, 2);
	for (i = 0; i < 2; i++)
		ids[i] = p.conns[i].peer_id;
	proto_enc_empty(&w, PROTO_T_TEST_STOP, ts_wr(&p.a, &w), 0);
	ts_send(&p.a, &w);
	ts_expect_error(&p.a, ENOENT, "no test is running");
	check_refused(&p, ids);
	check_malformed(&p, ids[0]);

	/* A long warm-up and window: the TEST_STOP ends both. */
	tp_side(&t, PROTO_TEST_STREAM, PROTO_ROLE_PASSIVE, NULL);
	t.req.warmup_ms = 60000;
	t.req.duration_ms = 60000;
	T_EQ(ts_test_start(&p.a, &t, p.wa, ids, 2), 0);
	tp_side(&t2, PROTO_TEST_STREAM, PROTO_ROLE_PASSIVE, NULL);
	T_EQ(ts_test_start(&p.a, &t2, p.wa, ids, 1), EBUSY);
	T_CHECK(strstr(p.a.text, "a test is already running"), "%s",
		p.a.text);
	T_EQ(ts_conn_close(&p.a, ids, 1), EBUSY);
	T_CHECK(strstr(p.a.text, "is in a running test"), "%s", p.a.text);
	T_EQ(ts_test_stop(&p.a, &t), 0);
	T_EQ(t.res.n_flows, 2);
	for (i = 0; i < 2; i++) {
		T_EQ(t.res.flows[i].conn_id, ids[i]);
		T_EQ(t.res.flows[i].rx_bytes, 0);
		T_EQ(t.res.flows[i].tx_bytes, 0);
	}
	T_EQ(t.res.n_workers, 1);
	T_EQ(t.res.workers[0].worker_id, p.wa);
	T_EQ(ts_spawn(&p.a, -1, &wr), 0);	/* a second worker: id 1 */
	T_EQ(wr.worker_id, p.wa + 1);
	T_CHECK(t.res.workers[0].tid && t.res.workers[0].tid != wr.tid,
		"tid %u", t.res.workers[0].tid);
	T_CHECK(t.res.n_cpus > 0, "no CPU in the result");
	tside_free(&t);

	proto_enc_empty(&w, PROTO_T_TEST_STOP, ts_wr(&p.a, &w), 0);
	ts_send(&p.a, &w);
	ts_expect_error(&p.a, ENOENT, "no test is running");
	T_EQ(ts_conn_close(&p.a, ids, 2), 0);
	tp_close(&p);
	return T_PASS;
}
