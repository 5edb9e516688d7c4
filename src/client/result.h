/* SPDX-License-Identifier: MIT */
/*
 * result - turn what the two sessions sent (connection lists, workers and
 * TEST_RESULTs) into a struct kperf_report.
 */
#ifndef KPERF_RESULT_H
#define KPERF_RESULT_H

#include "kperf/kperf.h"
#include "proto/proto.h"

/* One side's messages; flow i is conns->v[i] on both sides. */
struct result_side {
	const struct proto_conn_list *conns;
	const struct proto_opts_list *opts;	/* TCP settings, per flow */
	const struct proto_result *res;
	const struct proto_worker_rep *workers;
	unsigned int n_workers;
	const uint32_t *worker_of;	/* per flow */
};

struct hist;

/*
 * Fill rep (hosts' names and rep->type already set); hist: per flow
 * latency histograms of an RR test (entries may be NULL).  Return 0 or
 * -ENOMEM.
 */
int result_build(struct kperf_report *rep, const struct result_side *src,
		 const struct result_side *dst, struct hist **hist);

#endif
