/* SPDX-License-Identifier: MIT */
/*
 * run - one flow group's part of a test as the client orchestrates it;
 * shared by run.c (the group's steps and frames), flows.c (worker
 * placement), settings.c (TCP settings), tls.c (kernel TLS) and test.c
 * (the steps of all groups together).
 *
 * `src` is the sending end (the active one: requests in RR), `dst` the
 * receiving end: in a reverse group src is the set's `to` host.
 */
#ifndef KPERF_RUN_H
#define KPERF_RUN_H

#include "client/conns.h"
#include "client/opts.h"

/* One end of the group: the set's session there and this run's state. */
struct side {
	struct ctl *ctl;
	struct proto_conn_list *conns;	/* the set's list: flow i is v[i] */
	enum kperf_end end;		/* which end of the set */
	struct proto_opts_list opts;	/* per flow: TCP settings read back */
	int *worker_cpu;		/* per flow, -1: not pinned */
	uint32_t *worker_of;		/* per flow: worker id */
	struct proto_worker_rep *workers;	/* the ones this run uses */
	unsigned int n_workers;
	uint32_t test_id;
	struct proto_result res;
	int have_res;
	int tx_done;			/* bidir: TX_DONE came */
	/* Kernel TLS (tls.c): /proc/net/tls_stat before and after the test. */
	struct proto_tls_stat tls_before, tls_after;
};

struct run {
	const struct opts *o;
	struct kperf_conns *cs;
	struct side src, dst;
	unsigned int n;
	unsigned int group;		/* index in the test */
	struct kperf_report *rep;
	unsigned int cap_samples;
	uint64_t last_t_ns;
	uint64_t *last_tx;
	struct hist **hist;		/* RR: per flow, from HIST frames */
	kperf_sample_fn sample_fn;
	void *sample_arg;
};

#define CALL_TIMEOUT_MS		10000

/* Bind r to its set (sides by direction) and allocate the run's state. */
int run_init(struct run *r, const struct opts *o, struct kperf_conns *cs,
	     unsigned int group);

/* Features both kperfds need for these options, then workers' CPUs,
 * TCP settings, TLS keys and workers. */
int run_prepare(struct run *r);

/* TEST_START to one end (PROTO_ROLE_ACTIVE: src, PASSIVE: dst). */
int run_start(struct run *r, struct side *s, uint8_t role);

/* A frame that came on s while the test runs. */
int run_frame(struct run *r, struct side *s, const struct proto_hdr *h);

/* TEST_STOP to the receiving end (both ends of a bidirectional group). */
int run_stop_dst(struct run *r);

/* Every sender has stopped and its data is acknowledged: the source's
 * result is in, or (bidirectional) both ends said TX_DONE. */
int run_senders_done(const struct run *r);

/* Both ends' results are in. */
int run_done(const struct run *r);

/* TLS counters after the test, then r->rep from both results. */
int run_report(struct run *r, const char *from_addr, const char *to_addr);

void run_free(struct run *r);

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
