/* SPDX-License-Identifier: MIT */
/*
 * cli_rr - the request/response and timing options of the kperf command
 * line: -s/--req-size switches the test to RR; --resp-size, --depth,
 * --resp-delay-us, --no-latency shape it; --warmup applies to any test;
 * -T/--time-stats and --json-histogram choose what is printed.
 */
#ifndef KPERF_CLI_RR_H
#define KPERF_CLI_RR_H

#include <stddef.h>

#include <kperf/kperf.h>

enum {
	CLI_RR_FIRST = 640,
	OPT_RESP_SIZE = CLI_RR_FIRST,
	OPT_DEPTH,
	OPT_WARMUP,
	OPT_RESP_DELAY,
	OPT_NO_LATENCY,
	OPT_JSON_HIST,
	CLI_RR_LAST = OPT_JSON_HIST,
};

#define CLI_RR_LONG_OPTS \
	{ "req-size", required_argument, NULL, 's' }, \
	{ "resp-size", required_argument, NULL, OPT_RESP_SIZE }, \
	{ "depth", required_argument, NULL, OPT_DEPTH }, \
	{ "warmup", required_argument, NULL, OPT_WARMUP }, \
	{ "resp-delay-us", required_argument, NULL, OPT_RESP_DELAY }, \
	{ "no-latency", no_argument, NULL, OPT_NO_LATENCY }, \
	{ "time-stats", required_argument, NULL, 'T' }, \
	{ "json-histogram", no_argument, NULL, OPT_JSON_HIST }

#define CLI_RR_SHORT_OPTS	"s:T:"
#define CLI_DEPTH_MAX		1024u
#define CLI_WARMUP_MAX_MS	3600000u
#define CLI_RESP_DELAY_MAX_US	10000000u

struct cli_rr {
	const char *rr_only_opt;	/* an RR option given, for errors */
	int time_stats;			/* -T 1: print the histogram */
	int json_hist;			/* --json-histogram */
};

void cli_rr_init(struct cli_rr *r);
int cli_rr_opt(struct cli_rr *r, struct kperf_opts *o, int id,
	       const char *opt, const char *val, char *err, size_t errlen);
int cli_rr_finish(struct cli_rr *r, struct kperf_opts *o, int json,
		  char *err, size_t errlen);

extern const char cli_rr_usage[];

#endif
