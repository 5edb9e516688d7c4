// SPDX-License-Identifier: MIT
/* cli_rr - request/response and timing options of the kperf CLI. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/cli_rr.h"
#include "client/cli_val.h"

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

int cli_rr_opt(struct cli_rr *r, struct kperf_opts *o, int id,
	       const char *opt, const char *val, char *err, size_t errlen)
{
	if (id != 's' && id != OPT_WARMUP && id != 'T' && id != OPT_JSON_HIST)
		r->rr_only_opt = opt;
	switch (id) {
	case 's':
		o->type = KPERF_RR;
		return cli_val_size(opt, val, KPERF_MAX_IO_SIZE, &o->req_size,
				    err, errlen);
	case OPT_RESP_SIZE:
		return cli_val_size(opt, val, KPERF_MAX_IO_SIZE, &o->resp_size,
				    err, errlen);
	case OPT_DEPTH:
		return cli_val_uint(opt, val, 1, CLI_DEPTH_MAX, &o->depth, err,
				    errlen);
	case OPT_WARMUP:
		return cli_val_seconds(opt, val, CLI_WARMUP_MAX_MS,
				       &o->warmup_ms, err, errlen);
	case OPT_RESP_DELAY:
		return cli_val_uint(opt, val, 0, CLI_RESP_DELAY_MAX_US,
			   &o->resp_delay_us, err, errlen);
	case OPT_NO_LATENCY:
		o->no_latency = 1;
		return 0;
	case 'T': {
		unsigned int v;
		int ret = cli_val_uint(opt, val, 0, 1, &v, err, errlen);

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
