// SPDX-License-Identifier: MIT
/*
 * test_session_release ENGINE - a session whose control connection
 * closes in the middle of a test releases everything it had: two
 * sessions over loopback on ENGINE (epoll, block, io_uring), b sending
 * 64 KiB writes to a, which reads 512-byte blocks and checks them, so
 * that it cannot keep up; the test closes a's control socket first (a
 * stops and drains while b still sends faster than a reads), then b's.
 *
 * Checks: both sess_run() return 0; the process has the fds, threads
 * and io_uring instances it had before the sessions started (ASan
 * builds also check the memory).
 */
#include "helpers.h"

static int a_has_data(void *arg)
{
	const struct tpair *p = arg;
	struct tcp_info ti;

	t_tcp_info(p->fd_a[0], &ti);
	return ti.tcpi_bytes_received > 1024 * 1024;
}

int main(int argc, char **argv)
{
	struct tside a, b;
	struct tpath dp;
	struct tpair p;
	int fds0, threads0, ra, rb;

	t_init("test_session_release");
	t_path(argc, argv, &dp);
	fds0 = t_count_fds();
	threads0 = t_count_threads();
	tp_open(&p, dp.n_flows);
	tp_side(&a, PROTO_TEST_STREAM, PROTO_ROLE_PASSIVE, &dp);
	tp_side(&b, PROTO_TEST_STREAM, PROTO_ROLE_ACTIVE, &dp);
	a.req.read_size = 512;
	a.req.flags = PROTO_TEST_F_VALIDATE;
	b.req.duration_ms = 60000;	/* ended by the test long before */
	T_EQ(tp_start(&p, &a, &b), 0);
	tp_check_engine(&p, &dp);
	t_wait(a_has_data, &p, "a MiB at a");

	ra = ts_end(&p.a);
	rb = ts_end(&p.b);
	T_EQ(ra, 0);
	T_EQ(rb, 0);
	T_EQ(t_count_uring_fds(), 0);
	T_EQ(t_count_threads(), threads0);
	T_EQ(t_count_fds(), fds0);
	return T_PASS;
}
