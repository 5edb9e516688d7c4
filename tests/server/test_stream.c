// SPDX-License-Identifier: MIT
/*
 * test_stream ENGINE RX TX - one stream test between two sessions over
 * loopback: b sends (TX: copy or MSG_ZEROCOPY), a receives (RX: copy,
 * MSG_TRUNC or TCP_ZEROCOPY_RECEIVE) and checks every byte it can, both
 * on ENGINE (epoll, block, io_uring).
 *
 * Checks: the engine in use, as the kernel sees it; what a received is
 * what b sent, flow by flow, as both report it and as TCP_INFO counts it
 * on both ends; every byte read checked and right (not with MSG_TRUNC);
 * the zero-copy counters add up.
 */
#include <stdio.h>

#include "helpers.h"

int main(int argc, char **argv)
{
	struct tside a, b;
	struct tpath dp;
	struct tpair p;
	unsigned int i;
	int fds0;

	t_init("test_stream");
	t_path(argc, argv, &dp);
	fds0 = t_count_fds();
	tp_open(&p, dp.n_flows);
	tp_side(&a, PROTO_TEST_STREAM, PROTO_ROLE_PASSIVE, &dp);
	tp_side(&b, PROTO_TEST_STREAM, PROTO_ROLE_ACTIVE, &dp);
	if (dp.rx_mode != PROTO_RX_TRUNC)
		a.req.flags |= PROTO_TEST_F_VALIDATE;

	T_CHECK(tp_run(&p, &a, &b, &dp) > 0, "nothing moved");
	for (i = 0; i < p.n; i++) {
		const struct proto_flow_res *ra = &a.res.flows[i];
		const struct proto_flow_res *rb = &b.res.flows[i];

		T_EQ(ra->tx_bytes, 0);
		if (dp.rx_mode != PROTO_RX_TRUNC) {
			T_EQ(ra->xfer.checked, ra->rx_bytes);
			T_EQ(ra->xfer.mismatches, 0);
			T_EQ(ra->xfer.first_bad, PAT_NONE);
		}
		if (dp.rx_mode == PROTO_RX_ZEROCOPY)
			T_EQ(ra->xfer.zrx_mapped + ra->xfer.zrx_copied,
			     ra->rx_bytes);
		if (dp.tx_mode == PROTO_TX_ZEROCOPY) {
			T_CHECK(rb->xfer.zc_sends > 0, "no MSG_ZEROCOPY "
				"completion");
			T_CHECK(rb->xfer.zc_copied <= rb->xfer.zc_sends,
				"more copied than sent");
		}
		printf("flow %u: %llu bytes\n", i,
		       (unsigned long long)ra->rx_bytes);
	}
	tside_free(&a);
	tside_free(&b);
	tp_close(&p);
	T_EQ(t_count_fds(), fds0);
	return T_PASS;
}
