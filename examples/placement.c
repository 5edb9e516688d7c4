// SPDX-License-Identifier: MIT
/*
 * placement - your own placement with libkperf's pieces: keep only
 * connections whose RX CPU differs between the two ends (the softirq of
 * each direction on another CPU than its peer's), then run over them.
 *
 *	cc -o placement placement.c $(pkg-config --cflags --libs libkperf)
 *	./placement 198.18.0.1 198.18.0.2 [PORT]
 *
 * kperf_conns_place() does the collision-free matching; this shows the
 * calls under it: open, read each connection's RX CPUs, re-open the ones
 * that do not fit, in bounded rounds.
 */
#include <stdio.h>
#include <stdlib.h>

#include <kperf/kperf.h>

#define FLOWS		2
#define ROUNDS		100

static int fits(const struct kperf_conns *cs, unsigned int i)
{
	int a = kperf_conns_rx_cpu(cs, i, KPERF_FROM);
	int b = kperf_conns_rx_cpu(cs, i, KPERF_TO);

	return a >= 0 && b >= 0 && a != b;
}

int main(int argc, char **argv)
{
	const char *port = argc > 3 ? argv[3] : NULL;
	struct kperf_host *src, *dst;
	struct kperf_result *res;
	struct kperf_conns *cs;
	struct kperf_group *g;
	struct kperf_test *t;
	struct kperf *k;
	unsigned int i, round = 0;
	int ret;

	if (argc < 3) {
		fprintf(stderr, "usage: %s SRC DST [PORT]\n", argv[0]);
		return 2;
	}
	if (kperf_new(&k) < 0)
		return 1;
	ret = kperf_host_open(k, argv[1], port, &src);
	if (!ret)
		ret = kperf_host_open(k, argv[2], port, &dst);
	if (!ret)
		ret = kperf_conns_new(src, dst, &cs);
	if (!ret)
		ret = kperf_conns_add(cs, FLOWS);
	for (i = 0; !ret && i < FLOWS; i++)
		while (!ret && !fits(cs, i) && round++ < ROUNDS)
			ret = kperf_conns_reopen(cs, i);
	for (i = 0; !ret && i < FLOWS; i++)
		printf("flow %u: RX CPU %d -> %d%s\n", i,
		       kperf_conns_rx_cpu(cs, i, KPERF_FROM),
		       kperf_conns_rx_cpu(cs, i, KPERF_TO),
		       fits(cs, i) ? "" : " (no other pair came up)");
	if (!ret)
		ret = kperf_group_new(k, &g);
	if (!ret)
		ret = kperf_group_conns(g, cs);
	if (!ret)
		ret = kperf_group_set(g, "name", "cross");
	if (!ret)
		ret = kperf_test_new(k, &t);
	if (!ret)
		ret = kperf_test_set(t, "time", "1");
	if (!ret)
		ret = kperf_test_add(t, g);
	if (!ret)
		ret = kperf_test_run(t, &res);
	if (!ret)
		ret = kperf_result_write_text(res, stdout, KPERF_OUT_QUIET);
	if (ret < 0)
		fprintf(stderr, "placement: %s\n", kperf_errmsg(k));
	kperf_free(k);
	return ret < 0;
}
