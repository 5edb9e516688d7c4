// SPDX-License-Identifier: MIT
/*
 * test_bidir ENGINE - a bidirectional stream test (role BOTH on both
 * ends) between two sessions over loopback on ENGINE (epoll, io_uring;
 * a flow that sends and reads never blocks in one direction), each end
 * checking every byte it reads.
 *
 * Checks: both sessions say TX_DONE before the stop; each direction
 * moved bytes, and what one end received is what the other sent, as
 * both report it and as TCP_INFO counts it on both ends; every byte read
 * checked and right.
 */
#include <stdio.h>

#include "helpers.h"

int main(int argc, char **argv)
{
	struct tside a, b;
	struct tpath dp;
	struct tpair p;
	unsigned int i;

	t_init("test_bidir");
	t_path(argc, argv, &dp);
	if (dp.block)
		t_fail("BOTH flows wait for both directions: no block");
	tp_open(&p, dp.n_flows);
	tp_side(&a, PROTO_TEST_STREAM, PROTO_ROLE_BOTH, &dp);
	tp_side(&b, PROTO_TEST_STREAM, PROTO_ROLE_BOTH, &dp);
	a.req.flags = b.req.flags = PROTO_TEST_F_VALIDATE;

	tp_run(&p, &a, &b, &dp);
	T_CHECK(a.tx_done && b.tx_done, "TX_DONE missing");
	for (i = 0; i < p.n; i++) {
		const struct proto_flow_res *ra = &a.res.flows[i];
		const struct proto_flow_res *rb = &b.res.flows[i];

		T_CHECK(ra->rx_bytes > 0 && rb->rx_bytes > 0,
			"flow %u: a direction moved nothing", i);
		T_EQ(ra->xfer.checked, ra->rx_bytes);
		T_EQ(rb->xfer.checked, rb->rx_bytes);
		T_EQ(ra->xfer.mismatches + rb->xfer.mismatches, 0);
		printf("flow %u: a->b %llu bytes, b->a %llu bytes\n", i,
		       (unsigned long long)rb->rx_bytes,
		       (unsigned long long)ra->rx_bytes);
	}
	tside_free(&a);
	tside_free(&b);
	tp_close(&p);
	return T_PASS;
}
