/* SPDX-License-Identifier: MIT */
/*
 * run - state of one test as the client orchestrates it; shared by run.c
 * (the test's steps), flows.c (opening and placing the flows) and
 * settings.c (the flows' TCP settings).
 */
#ifndef KPERF_RUN_H
#define KPERF_RUN_H

#include "client/ctl.h"
#include "kperf/kperf.h"

/* One side (source or destination) of the test; flow i is index i. */
struct side {
	struct ctl ctl;
	struct proto_conn_list conns;
	struct proto_opts_list opts;	/* per flow: TCP settings read back */
	int *worker_cpu;		/* per flow, -1: not pinned */
	uint32_t *worker_of;		/* per flow: worker id */
	struct proto_worker_rep *workers;
	unsigned int n_workers;
	uint32_t test_id;
	struct proto_result res;
	int have_res;
	/* Kernel TLS (tls.c): /proc/net/tls_stat before and after the test. */
	struct proto_tls_stat tls_before, tls_after;
};

struct run {
	const struct kperf_opts *o;
	struct side src, dst;
	unsigned int n;
	struct kperf_report *rep;
	unsigned int cap_samples;
	uint64_t last_t_ns;
	uint64_t *last_tx;
	struct hist **hist;		/* RR: per flow, from HIST frames */
};

#define CALL_TIMEOUT_MS		10000

/*
 * Open r->n flows from the source to the destination whose RX CPUs fit the
 * options (allowed sets, no two flows on one CPU unless allowed), in rounds
 * of connect, match, close.  Fills r->src.conns, r->dst.conns and
 * r->rep->placement.  Return 0 or -errno with the error text set.
 */
int flows_open(struct run *r);

/* Worker CPU of every flow on both ends, from the pin policies. */
int flows_place_workers(struct run *r);

/*
 * Set the options' TCP settings on both ends of every flow (pacing on the
 * source only for a stream test) and read back what is in force into
 * r->src.opts and r->dst.opts.  -errno with the error text set when a
 * kernel refuses one, or --tcp-cc / --max-pace do not read back as asked.
 */
int settings_apply(struct run *r);

#endif
