// SPDX-License-Identifier: MIT
/*
 * kperf - the command-line client: parse the options into libkperf's
 * objects, run the test, print the report.  Public API only.
 *
 * Exit status: 0 the test ran and the report was written, 1 the test or the
 * output failed, 2 usage error.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define EXIT_USAGE	2

/* Several groups (a scenario): each line says whose it is. */
static void on_sample(void *arg, unsigned int group, double t_s,
		      unsigned int n_flows, const double *gbps)
{
	struct kperf_test *t = arg;

	if (kperf_test_n_groups(t) > 1)
		printf("%-12s ", kperf_group_name(kperf_test_group(t, group)));
	kperf_sample_write(stdout, t_s, n_flows, gbps);
}

static int run(struct kperf *k, struct cli *c)
{
	struct kperf_result *res;
	unsigned long long mismatches;
	unsigned int flags = 0;
	int ret;

	/* With --json the samples go into the document instead. */
	if ((c->interval || c->scenario) && !c->json && !c->quiet)
		kperf_test_on_sample(c->test, on_sample, c->test);
	ret = kperf_test_run(c->test, &res);
	if (ret < 0) {
		fprintf(stderr, "kperf: %s\n", kperf_errmsg(k));
		return EXIT_FAILURE;
	}
	if (c->quiet)
		flags |= KPERF_OUT_QUIET;
	if (c->json ? c->json_hist : c->time_stats)
		flags |= KPERF_OUT_HIST;
	if (c->json)
		ret = kperf_result_write_json(res, stdout, flags);
	else
		ret = kperf_result_write_text(res, stdout, flags);
	mismatches = kperf_result_mismatches(res);
	/* A full disk or a closed pipe loses the result: say so. */
	if (!ret && fflush(stdout))
		ret = -errno;
	if (ret < 0) {
		fprintf(stderr, "kperf: cannot write the report: %s\n",
			strerror(-ret));
		return EXIT_FAILURE;
	}
	if (mismatches) {
		fprintf(stderr, "kperf: payload validation failed: %llu bytes "
			"received differ from what was sent\n", mismatches);
		return EXIT_FAILURE;
	}
	return EXIT_SUCCESS;
}

int main(int argc, char **argv)
{
	struct kperf *k;
	char err[1024];
	struct cli c;
	int ret;

	/*
	 * A control peer that goes away must surface as EPIPE on that socket
	 * and a message naming the host, not kill us silently.
	 */
	signal(SIGPIPE, SIG_IGN);
	if (kperf_new(&k) < 0) {
		fprintf(stderr, "kperf: out of memory\n");
		return EXIT_FAILURE;
	}
	ret = cli_parse(&c, k, argc, argv, err, sizeof(err));
	if (ret > 0) {
		kperf_free(k);
		return fflush(stdout) ? EXIT_FAILURE : EXIT_SUCCESS;
	}
	if (ret < 0) {
		fprintf(stderr, "kperf: %s\n"
			"Try 'kperf --help' for more information.\n", err);
		kperf_free(k);
		return EXIT_USAGE;
	}
	kperf_set_verbosity(c.quiet ? 0 : 1 + c.verbose);
	/* A scenario that does not load is a usage error: FILE:LINE: key. */
	if (c.scenario && kperf_scenario_load(k, c.scenario, &c.test) < 0) {
		fprintf(stderr, "kperf: %s\n", kperf_errmsg(k));
		kperf_free(k);
		return EXIT_USAGE;
	}
	if (c.rr_under_load)
		ret = cli_rr_under_load(k, &c, c.json && c.json_hist ?
					KPERF_OUT_HIST : 0) < 0 ?
			      EXIT_FAILURE : EXIT_SUCCESS;
	else
		ret = run(k, &c);
	kperf_free(k);
	return ret;
}
