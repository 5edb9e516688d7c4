/* SPDX-License-Identifier: MIT */
/*
 * cli - the kperf command line, on libkperf's public API alone.
 *
 * Options are the library's (kperf_option_info): the command line routes
 * each to the object it belongs to (the source or destination host, the
 * test, the one flow group), and the library checks the value and says
 * what is wrong, naming the option as the user spelled it.  The front end
 * adds its own: --json, -q, -v, -h, -V, and `kperf run FILE`.
 *
 *	struct cli c;
 *	char err[512];
 *	int ret = cli_parse(&c, k, argc, argv, err, sizeof(err));
 *	if (ret < 0)	usage error: print err, exit 2
 *	if (ret > 0)	--help or --version was printed: exit 0
 *	else		connect c.src and c.dst, run c.test
 *
 * getopt_long() is not thread-safe, so neither is cli_parse(); it resets
 * getopt's state, so it can be called again (tests do).
 */
#ifndef KPERF_CLI_H
#define KPERF_CLI_H

#include <stddef.h>
#include <stdio.h>

#include <kperf/kperf.h>

struct cli {
	struct kperf_host *src, *dst;
	struct kperf_test *test;
	struct kperf_group *group;
	const char *scenario;	/* kperf run FILE */
	int json;		/* --json: one JSON document on stdout */
	int quiet;		/* -q: errors and the total line only */
	int verbose;		/* -v, once per -v */
	int json_hist;		/* --json-histogram */
	int time_stats;		/* -T 1 */
	int interval;		/* -i given */
	int n_given;		/* -n given */
	unsigned int rr_under_load;	/* --rr-under-load N: streams */
	int rr_cpu;		/* --rr-cpu: CLI_RR_CPU_* */
};

enum { CLI_RR_CPU_ANY, CLI_RR_CPU_SHARED, CLI_RR_CPU_APART };
#define CLI_RR_UNDER_LOAD_MAX	1024u

/*
 * Make the objects under k, then apply argv.  Return 0 when the test
 * should run, 1 when --help or --version was printed on stdout (exit 0),
 * or -EINVAL with a one-line message in err (no "kperf: " prefix).
 */
int cli_parse(struct cli *c, struct kperf *k, int argc, char **argv,
	      char *err, size_t errlen);

/*
 * --rr-under-load: the RR group alone, then beside the stream flows, over
 * sets of their own; the report to stdout (flags: KPERF_OUT_*).  0, or
 * -errno after the message is printed on stderr.
 */
int cli_rr_under_load(struct kperf *k, struct cli *c, unsigned int flags);

void cli_usage(FILE *f);
void cli_version(FILE *f);

#endif /* KPERF_CLI_H */
