// SPDX-License-Identifier: MIT
/*
 * run - one flow group's part of a test: the features its options need,
 * its workers' CPUs, TCP settings, TLS keys and workers; TEST_START on
 * each end; the frames that come while it runs (SAMPLE, HIST,
 * TEST_RESULT); its report.  test.c runs these steps for all groups.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/place.h"
#include "client/result.h"
#include "client/run.h"
#include "client/tls.h"
#include "common/clock.h"
#include "common/hist.h"
#include "kperf/kperf.h"

#define RESULT_GRACE_MS		15000	/* beyond the test's duration */

/* Validation is on unless asked off, or impossible (MSG_TRUNC). */
static int validating(const struct opts *o)
{
	return o->validate < 0 ? o->rx_mode != KPERF_RX_TRUNC : o->validate;
}

/* Whole-block reads: stream receivers that read with recv() can. */
static int waitall_possible(const struct opts *o)
{
	return o->type == KPERF_STREAM && o->rx_mode != KPERF_RX_ZEROCOPY &&
	       o->engine_dst != KPERF_ENGINE_IO_URING;
}

static int waiting_all(const struct opts *o)
{
	/* Both ends of a bidirectional flow wait in epoll: no whole blocks. */
	if (o->bidir)
		return 0;
	return o->waitall < 0 ? waitall_possible(o) : o->waitall;
}

static int data_path_default(const struct opts *o)
{
	return o->engine_src == KPERF_ENGINE_EPOLL &&
	       o->engine_dst == KPERF_ENGINE_EPOLL &&
	       o->rx_mode == KPERF_RX_COPY && o->tx_mode == KPERF_TX_COPY &&
	       !validating(o);
}

/* An older kperfd says in its HELLO what it cannot do: say it first. */
static int need_feature(struct ctl *c, uint64_t bit, const char *what)
{
	if (c->hello.features & bit)
		return 0;
	return ctl_fail(c, -EOPNOTSUPP, "this kperfd does not support %s",
			what);
}

/* What both ends need, and the destination alone for whole blocks. */
static int check_features(struct run *r)
{
	const struct opts *o = r->o;
	struct ctl *c[2] = { r->src.ctl, r->dst.ctl };
	int i, ret = 0;

	for (i = 0; i < 2 && !ret; i++) {
		if (o->type == KPERF_RR)
			ret = need_feature(c[i], PROTO_FEAT_RR,
					   "request/response tests");
		/* Always: the settings in force are read back. */
		if (!ret)
			ret = need_feature(c[i], PROTO_FEAT_TCP_OPTS,
					   "per-flow TCP settings "
					   "(CONN_SETOPT)");
		if (!ret && (o->tls.tx || o->tls.rx))
			ret = need_feature(c[i], PROTO_FEAT_TLS,
					   "kernel TLS (CONN_TLS)");
		if (!ret && o->bidir)
			ret = need_feature(c[i], PROTO_FEAT_BIDIR,
					   "bidirectional tests (--bidir)");
		if (!ret && !data_path_default(o))
			ret = need_feature(c[i], PROTO_FEAT_DATAPATH,
					   "data-path options (engines, "
					   "zero-copy, validation)");
	}
	if (!ret && waiting_all(o))
		ret = need_feature(r->dst.ctl, PROTO_FEAT_WAITALL,
				   "whole-block reads (--waitall)");
	return ret;
}

/*
 * One worker per CPU that flows are pinned to, shared by the flows on it;
 * unpinned flows share a pool of floating workers, one per online CPU of
 * the host (a thread per flow would only add context switches).
 */
static int spawn_workers(struct run *r, struct side *s)
{
	unsigned int pool = s->ctl->hello.n_online ? s->ctl->hello.n_online : 1;
	const struct proto_worker_rep *rep;
	unsigned int i, j, n_floating = 0;
	int cpu, ret;

	for (i = 0; i < r->n; i++) {
		cpu = s->worker_cpu[i];
		ret = conns_worker(r->cs, s->end, cpu,
				   cpu < 0 ? n_floating++ % pool : 0, &rep);
		if (ret < 0)
			return ret;
		s->worker_of[i] = rep->worker_id;
		for (j = 0; j < s->n_workers; j++)
			if (s->workers[j].worker_id == rep->worker_id)
				break;
		if (j == s->n_workers)
			s->workers[s->n_workers++] = *rep;
	}
	return 0;
}

int run_start(struct run *r, struct side *s, uint8_t role)
{
	const struct opts *o = r->o;
	int rr = o->type == KPERF_RR;
	struct proto_test_req q = {
		.type = rr ? PROTO_TEST_RR : PROTO_TEST_STREAM,
		.duration_ms = o->duration_ms,
		.warmup_ms = o->warmup_ms,
		.read_size = rr ? 0 : o->read_size,
		.write_size = rr ? 0 : o->write_size,
		.req_size = rr ? o->req_size : 0,
		.resp_size = rr ? o->resp_size : 0,
		.depth = rr ? o->depth : 0,
		.resp_delay_us = rr ? o->resp_delay_us : 0,
		.flags = (o->no_latency ? PROTO_TEST_F_NO_LATENCY : 0) |
			 (validating(o) ? PROTO_TEST_F_VALIDATE : 0) |
			 (role == PROTO_ROLE_PASSIVE && waiting_all(o) ?
			  PROTO_TEST_F_WAITALL : 0),
		.engine = (role == PROTO_ROLE_ACTIVE ? o->engine_src :
						       o->engine_dst) ==
			  KPERF_ENGINE_IO_URING ? PROTO_ENGINE_IO_URING :
						  PROTO_ENGINE_EPOLL,
		.rx_mode = o->rx_mode == KPERF_RX_TRUNC ? PROTO_RX_TRUNC :
			   o->rx_mode == KPERF_RX_ZEROCOPY ? PROTO_RX_ZEROCOPY :
							     PROTO_RX_COPY,
		.tx_mode = o->tx_mode == KPERF_TX_ZEROCOPY ? PROTO_TX_ZEROCOPY :
							     PROTO_TX_COPY,
		.n = r->n,
	};
	struct proto_hdr h;
	struct proto_wr w;
	unsigned int i;
	int ret;

	/* Samples come from the source alone: one clock for all flows. */
	if (role == PROTO_ROLE_ACTIVE)
		q.interval_ms = o->interval_ms;
	q.flows = calloc(r->n, sizeof(*q.flows));
	if (!q.flows)
		return -ENOMEM;
	for (i = 0; i < r->n; i++) {
		q.flows[i].conn_id = s->conns->v[i].id;
		q.flows[i].worker_id = s->worker_of[i];
		q.flows[i].role = o->bidir ? PROTO_ROLE_BOTH : role;
	}
	s->test_id = ctl_begin(s->ctl, &w);
	proto_enc_test_req(&w, s->test_id, &q);
	free(q.flows);
	ret = ctl_call(s->ctl, &w, s->test_id, &h, CALL_TIMEOUT_MS);
	return ret;
}

static int add_sample(struct run *r, const struct proto_sample *m)
{
	struct kperf_report *rep = r->rep;
	struct kperf_sample *smp;
	double dt = (double)(m->t_ns - r->last_t_ns) / 1e9;
	unsigned int i, j;

	if (m->n != r->n || dt <= 0)
		return 0;
	if (rep->n_samples == r->cap_samples) {
		unsigned int cap = r->cap_samples ? r->cap_samples * 2 : 64;
		void *p = realloc(rep->samples, cap * sizeof(*rep->samples));

		if (!p)
			return -ENOMEM;
		rep->samples = p;
		r->cap_samples = cap;
	}
	smp = &rep->samples[rep->n_samples];
	smp->t_s = (double)m->t_ns / 1e9;
	smp->total_gbps = 0;
	smp->flow_gbps = calloc(r->n, sizeof(double));
	if (!smp->flow_gbps)
		return -ENOMEM;
	rep->n_samples++;
	for (i = 0; i < r->n; i++) {
		for (j = 0; j < m->n; j++)
			if (m->v[j].conn_id == r->src.conns->v[i].id)
				break;
		if (j == m->n)
			continue;
		smp->flow_gbps[i] = (double)(m->v[j].tx_bytes - r->last_tx[i]) *
				    8 / dt / 1e9;
		smp->total_gbps += smp->flow_gbps[i];
		r->last_tx[i] = m->v[j].tx_bytes;
	}
	r->last_t_ns = m->t_ns;
	if (r->sample_fn)
		r->sample_fn(r->sample_arg, r->group, smp->t_s, r->n,
			     smp->flow_gbps);
	return 0;
}

/* The latency histogram of one flow, into r->hist[flow]. */
static int add_hist(struct run *r, struct side *s, const struct proto_hdr *h)
{
	struct hist_summary sum;
	struct hist_pair *pairs;
	struct proto_hist m;
	unsigned int i;
	int ret;

	if (s != &r->src || proto_dec_hist(s->ctl->rx, h->len, &m) < 0)
		return ctl_fail(s->ctl, -EBADMSG, "malformed HIST");
	for (i = 0; i < r->n && s->conns->v[i].id != m.conn_id; i++)
		;
	ret = -ENOMEM;
	pairs = calloc(m.n ? m.n : 1, sizeof(*pairs));
	if (i == r->n || r->hist[i]) {
		ret = ctl_fail(s->ctl, -EPROTO, "HIST for connection id %u "
			       "is not expected", m.conn_id);
	} else if (pairs && (r->hist[i] = hist_new())) {
		sum = (struct hist_summary){ m.count, m.min, m.max, m.sum,
					     m.sumsq_hi, m.sumsq_lo };
		for (i = 0; i < m.n; i++)
			pairs[i] = (struct hist_pair){ .index = m.v[i].index,
						       .count = m.v[i].count };
		ret = 0;
		for (i = 0; i < r->n; i++)
			if (s->conns->v[i].id == m.conn_id &&
			    hist_import(r->hist[i], &sum, pairs, m.n) < 0)
				ret = ctl_fail(s->ctl, -EBADMSG,
					       "inconsistent HIST for "
					       "connection id %u", m.conn_id);
	}
	free(pairs);
	proto_hist_free(&m);
	return ret;
}

/* A frame that came on s while a test runs. */
int run_frame(struct run *r, struct side *s, const struct proto_hdr *h)
{
	struct proto_sample m;
	int ret;

	if (h->id != s->test_id)
		return ctl_fail(s->ctl, -EPROTO, "unexpected %s frame "
				"(id %u)", proto_type_name(h->type), h->id);
	switch (h->type) {
	case PROTO_T_ERROR:
		/* A flow failed: with TLS, say what EBADMSG means. */
		return tls_flow_error(r->o, s->ctl,
				      ctl_remote_error(s->ctl, h));
	case PROTO_T_SAMPLE:
		if (proto_dec_sample(s->ctl->rx, h->len, &m) < 0)
			return ctl_fail(s->ctl, -EBADMSG, "malformed SAMPLE");
		ret = add_sample(r, &m);
		proto_sample_free(&m);
		return ret;
	case PROTO_T_HIST:
		return add_hist(r, s, h);
	case PROTO_T_TX_DONE:
		if (!r->o->bidir || h->len)
			return ctl_fail(s->ctl, -EPROTO, "unexpected TX_DONE");
		s->tx_done = 1;
		return 0;
	case PROTO_T_TEST_RESULT:
		if (proto_dec_result(s->ctl->rx, h->len, &s->res) < 0)
			return ctl_fail(s->ctl, -EBADMSG,
					"malformed TEST_RESULT");
		s->have_res = 1;
		return 0;
	case PROTO_T_TEST_STOP:
		if (h->flags & PROTO_F_REPLY)
			return 0;
		/* fall through */
	default:
		return ctl_fail(s->ctl, -EPROTO, "unexpected %s frame",
				proto_type_name(h->type));
	}
}

static int stop(struct side *s)
{
	struct proto_hdr h;
	struct proto_wr w;
	uint32_t id;

	id = ctl_begin(s->ctl, &w);
	proto_enc_empty(&w, PROTO_T_TEST_STOP, id, 0);
	return ctl_call(s->ctl, &w, id, &h, CALL_TIMEOUT_MS);
}

int run_stop_dst(struct run *r)
{
	int ret = stop(&r->dst);

	/* Both ends of a bidirectional group receive: both wait for it. */
	return ret || !r->o->bidir ? ret : stop(&r->src);
}

int run_senders_done(const struct run *r)
{
	if (r->o->bidir)
		return r->src.tx_done && r->dst.tx_done;
	return r->src.have_res;
}

int run_done(const struct run *r)
{
	return r->dst.have_res && r->src.have_res;
}

static void fill_host(struct kperf_host_report *hst, const char *addr,
		      const struct proto_hello *hello)
{
	snprintf(hst->address, sizeof(hst->address), "%s", addr);
	snprintf(hst->hostname, sizeof(hst->hostname), "%s", hello->hostname);
	snprintf(hst->kernel, sizeof(hst->kernel), "%s", hello->kernel);
	hst->ncpus = hello->ncpus;
}

int run_report(struct run *r, const char *from_addr, const char *to_addr)
{
	const struct opts *o = r->o;
	struct result_side src = {
		.conns = r->src.conns, .opts = &r->src.opts,
		.res = &r->src.res,
		.workers = r->src.workers, .n_workers = r->src.n_workers,
		.worker_of = r->src.worker_of,
	};
	struct result_side dst = {
		.conns = r->dst.conns, .opts = &r->dst.opts,
		.res = &r->dst.res,
		.workers = r->dst.workers, .n_workers = r->dst.n_workers,
		.worker_of = r->dst.worker_of,
	};
	int ret = tls_finish(r);

	if (ret < 0)
		return ret;
	r->rep->type = o->type;
	r->rep->direction = o->bidir ? KPERF_BIDIR :
			    o->reverse ? KPERF_REVERSE : KPERF_FORWARD;
	r->rep->data_path = (struct kperf_data_path){
		.engine_src = o->engine_src,
		.engine_dst = o->engine_dst,
		.rx_mode = o->rx_mode,
		.tx_mode = o->tx_mode,
		.validate = validating(o),
		.waitall = waiting_all(o),
	};
	r->rep->placement = r->cs->placement;
	r->rep->placement.policy = place_policy_name(o->pin_src.policy);
	r->rep->placement.policy_dst = place_policy_name(o->pin_dst.policy);
	fill_host(&r->rep->src, o->reverse ? to_addr : from_addr,
		  &r->src.ctl->hello);
	fill_host(&r->rep->dst, o->reverse ? from_addr : to_addr,
		  &r->dst.ctl->hello);
	ret = result_build(r->rep, &src, &dst, r->hist);
	if (!ret)
		ret = tls_report(r);
	if (ret < 0)
		lib_fail(r->cs->k, ret, "cannot build the report: %s",
			 strerror(-ret));
	return ret;
}

static int init_side(struct run *r, struct side *s, enum kperf_end end)
{
	s->end = end;
	s->ctl = &r->cs->end[end].s->ctl;
	s->conns = &r->cs->end[end].conns;
	s->worker_cpu = calloc(r->n, sizeof(*s->worker_cpu));
	s->worker_of = calloc(r->n, sizeof(*s->worker_of));
	s->workers = calloc(r->n, sizeof(*s->workers));
	return s->worker_cpu && s->worker_of && s->workers ? 0 : -ENOMEM;
}

int run_init(struct run *r, const struct opts *o, struct kperf_conns *cs,
	     unsigned int group)
{
	memset(r, 0, sizeof(*r));
	r->o = o;
	r->cs = cs;
	r->group = group;
	r->n = cs->end[0].conns.n;
	r->rep = calloc(1, sizeof(*r->rep));
	r->last_tx = calloc(r->n, sizeof(*r->last_tx));
	r->hist = calloc(r->n, sizeof(*r->hist));
	if (!r->rep || !r->last_tx || !r->hist ||
	    init_side(r, &r->src, o->reverse ? KPERF_TO : KPERF_FROM) < 0 ||
	    init_side(r, &r->dst, o->reverse ? KPERF_FROM : KPERF_TO) < 0)
		return lib_fail(cs->k, -ENOMEM, "out of memory");
	return 0;
}

int run_prepare(struct run *r)
{
	int ret = check_features(r);

	if (!ret)
		ret = flows_place_workers(r);
	if (!ret)
		ret = settings_apply(r);
	if (!ret)
		ret = tls_apply(r);
	if (!ret)
		ret = spawn_workers(r, &r->src);
	if (!ret)
		ret = spawn_workers(r, &r->dst);
	return ret;
}

static void free_side(struct side *s)
{
	proto_opts_list_free(&s->opts);
	proto_result_free(&s->res);
	free(s->worker_cpu);
	free(s->worker_of);
	free(s->workers);
}

void run_free(struct run *r)
{
	unsigned int i;

	free_side(&r->src);
	free_side(&r->dst);
	free(r->last_tx);
	for (i = 0; r->hist && i < r->n; i++)
		hist_free(r->hist[i]);
	free(r->hist);
	kperf_report_free(r->rep);
	r->rep = NULL;
}
