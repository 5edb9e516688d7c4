// SPDX-License-Identifier: MIT
/*
 * test_rr ENGINE [delay] - one request/response test between two
 * sessions over loopback on ENGINE (epoll, block, io_uring): b asks (100
 * bytes, 4 in flight per flow, timed), a answers (300 bytes; with
 * "delay", 200 us after each request is complete, which takes the
 * worker's timers).  Both check every byte they read.
 *
 * Checks: every request b made was answered and every answer read
 * (transactions on both ends agree, the bytes are transactions times the
 * message sizes), as both report it and as TCP_INFO counts it; one
 * latency histogram per flow holding every transaction; the engine in
 * use.
 */
#include <stdio.h>
#include <string.h>

#include "helpers.h"

int main(int argc, char **argv)
{
	uint64_t total = 0;
	struct tside a, b;
	struct tpath dp;
	struct tpair p;
	unsigned int i;
	int delay;

	t_init("test_rr");
	delay = argc > 2 && !strcmp(argv[2], "delay");
	t_path(delay ? 2 : argc, argv, &dp);
	if (delay && dp.block)
		t_fail("a delay takes the worker's timers: no block");
	tp_open(&p, dp.n_flows);
	tp_side(&a, PROTO_TEST_RR, PROTO_ROLE_PASSIVE, &dp);
	tp_side(&b, PROTO_TEST_RR, PROTO_ROLE_ACTIVE, &dp);
	a.req.flags = b.req.flags = PROTO_TEST_F_VALIDATE;
	if (delay)
		a.req.resp_delay_us = 200;

	tp_run(&p, &a, &b, &dp);
	for (i = 0; i < p.n; i++) {
		const struct proto_flow_res *ra = &a.res.flows[i];
		const struct proto_flow_res *rb = &b.res.flows[i];
		uint64_t n = rb->transactions;

		T_CHECK(n > 0, "flow %u: no transaction", i);
		T_EQ(ra->transactions, n);
		T_EQ(rb->tx_bytes, n * b.req.req_size);
		T_EQ(rb->rx_bytes, n * b.req.resp_size);
		T_EQ(ra->xfer.checked, ra->rx_bytes);
		T_EQ(rb->xfer.checked, rb->rx_bytes);
		T_EQ(ra->xfer.mismatches + rb->xfer.mismatches, 0);
		total += n;
		printf("flow %u: %llu transactions\n", i,
		       (unsigned long long)n);
	}
	T_EQ(b.n_hist, p.n);
	T_EQ(b.hist_count, total);
	T_EQ(a.n_hist, 0);
	tside_free(&a);
	tside_free(&b);
	tp_close(&p);
	return T_PASS;
}
