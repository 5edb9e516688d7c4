/* SPDX-License-Identifier: MIT */
/* results - a test's results: one report per group (results.c). */
#ifndef KPERF_RESULTS_H
#define KPERF_RESULTS_H

#include "client/lib.h"

/* An empty result for n groups.  0 or -ENOMEM. */
int result_new(struct kperf *k, unsigned int n, struct kperf_result **out);

/* Once every group's report is in: the hosts, each once.  0 or -ENOMEM. */
int result_hosts(struct kperf_result *res);

#endif
