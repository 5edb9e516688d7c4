// SPDX-License-Identifier: MIT
/*
 * sweep - a write-size sweep over one connection set, with libkperf.
 *
 *	cc -o sweep sweep.c $(pkg-config --cflags --libs libkperf)
 *	./sweep 198.18.0.1 198.18.0.2 [PORT]
 *
 * The set is opened and placed once (two flows on distinct RX CPUs where
 * the hosts have them); every size runs over the same connections, so
 * the sizes are compared on the same flows and the same CPUs.
 */
#include <stdio.h>
#include <stdlib.h>

#include <kperf/kperf.h>

static const char *const sizes[] = { "4K", "16K", "64K", "256K" };

int main(int argc, char **argv)
{
	const char *port = argc > 3 ? argv[3] : NULL;
	struct kperf_host *src, *dst;
	struct kperf_conns *cs;
	struct kperf_group *g;
	struct kperf_result *res;
	struct kperf_test *t;
	struct kperf *k;
	unsigned int i;
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
		ret = kperf_conns_set(cs, "allow-shared-cpus", "yes");
	if (!ret)
		ret = kperf_conns_place(cs, 2);
	if (!ret)
		ret = kperf_group_new(k, &g);
	if (!ret)
		ret = kperf_group_conns(g, cs);
	if (!ret)
		ret = kperf_test_new(k, &t);
	if (!ret)
		ret = kperf_test_set(t, "time", "1");
	if (!ret)
		ret = kperf_test_add(t, g);
	printf("%-8s %10s  ports\n", "write", "Gbit/s");
	for (i = 0; !ret && i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		ret = kperf_group_set(g, "write-size", sizes[i]);
		if (!ret)
			ret = kperf_test_run(t, &res);
		if (ret < 0)
			break;
		printf("%-8s %10.2f  %d,%d\n", sizes[i],
		       kperf_result_total_gbps(res),
		       kperf_conns_port(cs, 0, KPERF_FROM),
		       kperf_conns_port(cs, 1, KPERF_FROM));
		kperf_result_free(res);
	}
	if (ret < 0)
		fprintf(stderr, "sweep: %s\n", kperf_errmsg(k));
	kperf_free(k);
	return ret < 0;
}
