// SPDX-License-Identifier: MIT
/* cli_rr - request/response and timing options of the kperf CLI. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/cli_rr.h"

const char cli_rr_usage[] =
"Request/response (RR):\n"
"  -s, --req-size SIZE       run RR with requests of SIZE bytes\n"
"      --resp-size SIZE      response size (default: the request size)\n"
"      --depth N             requests in flight per flow, 1..1024 (1)\n"
"      --resp-delay-us N     the responder waits N us before answering\n"
"      --no-latency          do not time transactions (tps only)\n"
"      --warmup SEC          run SEC before the measured time, uncounted\n"
"  -T, --time-stats 1        also print the latency histogram\n"
"      --json-histogram      with --json: add the merged histogram\n";

void cli_rr_init(struct cli_rr *r)
{
	memset(r, 0, sizeof(*r));
}

static int bad(char *err, size_t errlen, const char *opt, const char *val,
	       const char *what)
{
	snprintf(err, errlen, "option %s: \"%.64s\" %s", opt, val, what);
	return -EINVAL;
}

/* Whole number min..max, strictly. */
static int num(const char *opt, const char *val, unsigned long min,
	       unsigned long max, unsigned int *out, char *err, size_t errlen)
{
	char what[64], *end;
	unsigned long v;

	errno = 0;
	v = strtoul(val, &end, 10);
	snprintf(what, sizeof(what), "is not a number %lu..%lu", min, max);
	if (val[0] < '0' || val[0] > '9' || *end || errno || v < min ||
	    v > max)
		return bad(err, errlen, opt, val, what);
	*out = (unsigned int)v;
	return 0;
}

/* Bytes with an optional K/M/G (powers of 1024) suffix. */
static int size(const char *opt, const char *val, unsigned int *out,
		char *err, size_t errlen)
{
	unsigned long long v, mul = 1;
	char what[64], *end;

	errno = 0;
	v = strtoull(val, &end, 10);
	if (*end && !end[1]) {
		switch (*end | 0x20) {
		case 'k':
			mul = 1ull << 10;
			end++;
			break;
		case 'm':
			mul = 1ull << 20;
			end++;
			break;
		case 'g':
			mul = 1ull << 30;
			end++;
			break;
		}
	}
	snprintf(what, sizeof(what), "is not a size 1..%u (bytes, or K/M)",
		 KPERF_MAX_IO_SIZE);
	if (val[0] < '0' || val[0] > '9' || *end || errno || !v ||
	    v > KPERF_MAX_IO_SIZE / mul)
		return bad(err, errlen, opt, val, what);
	*out = (unsigned int)(v * mul);
	return 0;
}

static int seconds(const char *opt, const char *val, unsigned int max_ms,
		   unsigned int *out, char *err, size_t errlen)
{
	char what[64], *end;
	double v;

	errno = 0;
	v = strtod(val, &end);
	snprintf(what, sizeof(what), "is not a time 0..%u s", max_ms / 1000);
	if (val[0] < '0' || val[0] > '9' || *end || errno || !isfinite(v) ||
	    v * 1000 > max_ms)
		return bad(err, errlen, opt, val, what);
	*out = (unsigned int)llround(v * 1000);
	return 0;
}

int cli_rr_opt(struct cli_rr *r, struct kperf_opts *o, int id,
	       const char *opt, const char *val, char *err, size_t errlen)
{
	if (id != 's' && id != OPT_WARMUP && id != 'T' && id != OPT_JSON_HIST)
		r->rr_only_opt = opt;
	switch (id) {
	case 's':
		o->type = KPERF_RR;
		return size(opt, val, &o->req_size, err, errlen);
	case OPT_RESP_SIZE:
		return size(opt, val, &o->resp_size, err, errlen);
	case OPT_DEPTH:
		return num(opt, val, 1, CLI_DEPTH_MAX, &o->depth, err, errlen);
	case OPT_WARMUP:
		return seconds(opt, val, CLI_WARMUP_MAX_MS, &o->warmup_ms, err,
			       errlen);
	case OPT_RESP_DELAY:
		return num(opt, val, 0, CLI_RESP_DELAY_MAX_US,
			   &o->resp_delay_us, err, errlen);
	case OPT_NO_LATENCY:
		o->no_latency = 1;
		return 0;
	case 'T': {
		unsigned int v;
		int ret = num(opt, val, 0, 1, &v, err, errlen);

		r->time_stats = (int)v;
		return ret;
	}
	case OPT_JSON_HIST:
		r->json_hist = 1;
		return 0;
	}
	snprintf(err, errlen, "option %s is not implemented", opt);
	return -EINVAL;
}

int cli_rr_finish(struct cli_rr *r, struct kperf_opts *o, int json,
		  char *err, size_t errlen)
{
	if (o->type != KPERF_RR && r->rr_only_opt) {
		snprintf(err, errlen, "option %s needs a request/response test "
			 "(-s/--req-size)", r->rr_only_opt);
		return -EINVAL;
	}
	if (r->json_hist && !json) {
		snprintf(err, errlen, "option --json-histogram needs --json");
		return -EINVAL;
	}
	if (o->type != KPERF_RR)
		return 0;
	if (!o->resp_size)
		o->resp_size = o->req_size;
	if (!o->depth)
		o->depth = 1;
	if (o->no_latency && (r->time_stats || r->json_hist)) {
		snprintf(err, errlen, "--no-latency leaves no histogram to "
			 "print");
		return -EINVAL;
	}
	return 0;
}
