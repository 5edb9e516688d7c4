/* SPDX-License-Identifier: MIT */
/*
 * rr - request/response traffic (rr.c).  Its flows run rr_active_ops or
 * rr_passive_ops (flow.h); what they keep per flow (requests in flight,
 * the ring of send or due times, the latency histogram) is rr.c's own
 * struct behind the flow's traffic pointer, allocated here when the test
 * is armed and freed when it ends, so that a stream flow carries none of
 * it and the hot path allocates nothing.
 */
#ifndef KPERF_RR_H
#define KPERF_RR_H

struct flow;
struct hist;
struct wrk_params;

/* Give f (its role set) its state for a test with params p: 0, -ENOMEM. */
int rr_arm(struct flow *f, const struct wrk_params *p);
/* Free what rr_arm gave f; safe after a failed rr_arm, or none. */
void rr_disarm(struct flow *f);
/* The latency histogram of a timed active flow; NULL for any other. */
struct hist *rr_hist(const struct flow *f);

#endif
