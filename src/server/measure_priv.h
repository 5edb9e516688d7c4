/* SPDX-License-Identifier: MIT */
/*
 * measure_priv - the state of one test, shared by the two halves of the
 * test module and nobody else: measure.c (set-up, timers, the end of the
 * test) and measure_report.c (the frames the session sends about it: SAMPLE,
 * TX_DONE, HIST, TEST_RESULT, or the ERROR of a failed flow).
 */
#ifndef KPERF_MEASURE_PRIV_H
#define KPERF_MEASURE_PRIV_H

#include <stdint.h>
#include <linux/tcp.h>

#include "common/cpustat.h"
#include "common/pattern.h"
#include "common/taskstat.h"
#include "proto/proto.h"
#include "server/worker.h"

struct session;

enum measure_state { TS_WARMUP, TS_RUNNING, TS_DRAINING, TS_WAIT_STOP };

struct measure_flow {
	struct flow f;
	struct tcp_info ti0;
	struct worker *w;
};

struct measure_worker {
	struct worker *w;
	struct taskstat ts0, ts1;
	uint64_t cpu_ns0, cpu_ns1;	/* thread CPU clock, ns resolution */
	unsigned int n_flows;
	uint32_t *cpu_hits;	/* unpinned: samples per CPU, ncpus */
};

struct measure {
	uint32_t id;
	struct proto_test_req req;
	struct wrk_params params;
	enum measure_state state;
	unsigned int n_send;	/* ACTIVE, BOTH: flows that send */
	unsigned int n_recv;	/* PASSIVE, BOTH: they read until TEST_STOP */
	unsigned int n_both;	/* BOTH: TX_DONE once the sending is over */
	int stop_requested;
	uint64_t t0_ns, window_end_ns, next_sample_ns, drain_end_ns;
	uint64_t warmup_end_ns;
	uint64_t next_cpu_sample_ns;	/* UINT64_MAX: all workers pinned */
	unsigned int ncpus;
	uint64_t window_ns;
	int window_done;
	struct cpustat cpu0, cpu1;
	struct measure_flow *flows;		/* req.n */
	struct measure_worker *tws;		/* n_tws */
	unsigned int n_tws;
	struct worker **ws;			/* n_tws, for acks */
	struct pat pat;				/* the payload */
};

/* measure_report.c: each sends its frames with the TEST_START's id. */
void measure_send_sample(struct session *s, struct measure *t, uint64_t now);
void measure_send_tx_done(struct session *s, struct measure *t);
/*
 * After the workers stopped: the ERROR of the first failed flow, or one
 * HIST per timed flow and the TEST_RESULT.
 */
void measure_send_report(struct session *s, struct measure *t);

#endif
