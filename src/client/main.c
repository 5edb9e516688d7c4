// SPDX-License-Identifier: MIT
/*
 * kperf - the command-line client: parse the options, run one test through
 * libkperf, print the report.
 *
 * Exit status: 0 the test ran and the report was written, 1 the test or the
 * output failed, 2 usage error.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/cli.h"
#include "client/report.h"
#include "common/log.h"

#define EXIT_USAGE	2

static void on_sample(void *arg, double t_s, unsigned int n_flows,
		      const double *gbps)
{
	report_sample(arg, t_s, n_flows, gbps);
}

int main(int argc, char **argv)
{
	struct kperf_report *r;
	char err[512];
	struct cli c;
	int ret;
	unsigned long long mismatches;

	/*
	 * A control peer that goes away must surface as EPIPE on that socket
	 * and a message naming the host, not kill us silently.
	 */
	signal(SIGPIPE, SIG_IGN);

	ret = cli_parse(&c, argc, argv, err, sizeof(err));
	if (ret > 0)
		return fflush(stdout) ? EXIT_FAILURE : EXIT_SUCCESS;
	if (ret < 0) {
		fprintf(stderr, "kperf: %s\n"
			"Try 'kperf --help' for more information.\n", err);
		return EXIT_USAGE;
	}
	log_init("kperf", c.quiet ? LOG_LVL_ERR : LOG_LVL_WARN + c.verbose);

	/* With --json the samples go into the document instead. */
	if (c.opts.interval_ms && !c.json && !c.quiet) {
		c.opts.on_sample = on_sample;
		c.opts.sample_arg = stdout;
	}

	ret = kperf_run(&c.opts, &r, err, sizeof(err));
	if (ret < 0) {
		fprintf(stderr, "kperf: %s\n", err);
		return EXIT_FAILURE;
	}

	if (c.json)
		ret = report_json(stdout, r, c.rr.json_hist);
	else if (!(ret = report_text(stdout, r, c.quiet)) && c.rr.time_stats)
		ret = report_hist_text(stdout, r);
	mismatches = r->mismatches;
	kperf_report_free(r);
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
