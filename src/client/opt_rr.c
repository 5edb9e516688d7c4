// SPDX-License-Identifier: MIT
/* opt_rr - request/response and timing options of the kperf CLI. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/opt_rr.h"
#include "client/opt_val.h"

void opt_rr_init(struct opt_rr *r)
{
	memset(r, 0, sizeof(*r));
}

int opt_rr_opt(struct opt_rr *r, struct opts *o, int id,
	       const char *opt, const char *val, char *err, size_t errlen)
{
	if (id != 's' && id != OPT_WARMUP && id != 'T' && id != OPT_JSON_HIST)
		r->rr_only_opt = opt;
	switch (id) {
	case 's':
		o->type = KPERF_RR;
		return opt_val_size(opt, val, KPERF_MAX_IO_SIZE, &o->req_size,
				    err, errlen);
	case OPT_RESP_SIZE:
		return opt_val_size(opt, val, KPERF_MAX_IO_SIZE, &o->resp_size,
				    err, errlen);
	case OPT_DEPTH:
		return opt_val_uint(opt, val, 1, OPT_DEPTH_MAX, &o->depth, err,
				    errlen);
	case OPT_WARMUP:
		return opt_val_seconds(opt, val, OPT_WARMUP_MAX_MS,
				       &o->warmup_ms, err, errlen);
	case OPT_RESP_DELAY:
		return opt_val_uint(opt, val, 0, OPT_RESP_DELAY_MAX_US,
			   &o->resp_delay_us, err, errlen);
	case OPT_NO_LATENCY:
		o->no_latency = 1;
		return 0;
	case 'T': {
		unsigned int v;
		int ret = opt_val_uint(opt, val, 0, 1, &v, err, errlen);

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

int opt_rr_finish(struct opt_rr *r, struct opts *o, char *err,
		  size_t errlen)
{
	if (o->type != KPERF_RR && r->rr_only_opt) {
		snprintf(err, errlen, "option %s needs a request/response test "
			 "(-s/--req-size)", r->rr_only_opt);
		return -EINVAL;
	}
	if (o->type != KPERF_RR)
		return 0;
	if (!o->req_size)
		o->req_size = 1;
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
