/* SPDX-License-Identifier: MIT */
/*
 * opt_rr - the request/response and timing options of the kperf command
 * line: -s/--req-size switches the test to RR; --resp-size, --depth,
 * --resp-delay-us, --no-latency shape it; --warmup applies to any test;
 * -T/--time-stats and --json-histogram choose what is printed.
 */
#ifndef KPERF_OPT_RR_H
#define KPERF_OPT_RR_H

#include <stddef.h>

#include "client/opts.h"

enum {
	OPT_RR_FIRST = 640,
	OPT_RESP_SIZE = OPT_RR_FIRST,
	OPT_DEPTH,
	OPT_WARMUP,
	OPT_RESP_DELAY,
	OPT_NO_LATENCY,
	OPT_JSON_HIST,
	OPT_RR_LAST = OPT_JSON_HIST,
};

#define OPT_RR_LONG_OPTS \
	{ "req-size", required_argument, NULL, 's' }, \
	{ "resp-size", required_argument, NULL, OPT_RESP_SIZE }, \
	{ "depth", required_argument, NULL, OPT_DEPTH }, \
	{ "warmup", required_argument, NULL, OPT_WARMUP }, \
	{ "resp-delay-us", required_argument, NULL, OPT_RESP_DELAY }, \
	{ "no-latency", no_argument, NULL, OPT_NO_LATENCY }, \
	{ "time-stats", required_argument, NULL, 'T' }, \
	{ "json-histogram", no_argument, NULL, OPT_JSON_HIST }

#define OPT_RR_SHORT_OPTS	"s:T:"
#define OPT_DEPTH_MAX		1024u
#define OPT_WARMUP_MAX_MS	3600000u
#define OPT_RESP_DELAY_MAX_US	10000000u

struct opt_rr {
	const char *rr_only_opt;	/* an RR option given, for errors */
	int time_stats;			/* -T 1: print the histogram */
	int json_hist;			/* --json-histogram */
};

void opt_rr_init(struct opt_rr *r);
int opt_rr_opt(struct opt_rr *r, struct opts *o, int id,
	       const char *opt, const char *val, char *err, size_t errlen);
int opt_rr_finish(struct opt_rr *r, struct opts *o, char *err,
		  size_t errlen);


#endif
