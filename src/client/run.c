// SPDX-License-Identifier: MIT
/*
 * run - libkperf's orchestration of one test between two sessions.
 *
 * Steps: open both control connections; open and place the flows
 * (flows.c); set and read back their TCP settings (settings.c); spawn
 * one worker per CPU that flows are placed on; start the destination
 * (passive) then the source (active); gather SAMPLEs and the source's
 * TEST_RESULT; stop the destination and gather its result; turn both into
 * a struct kperf_report.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/result.h"
#include "client/run.h"
#include "client/tls.h"
#include "common/clock.h"
#include "common/hist.h"
#include "kperf/kperf.h"

#define RESULT_GRACE_MS		15000	/* beyond the test's duration */

void kperf_opts_init(struct kperf_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->src_host = "localhost";
	o->dst_host = "localhost";
	o->src_svc = KPERF_SVC_DEFAULT;
	o->dst_svc = KPERF_SVC_DEFAULT;
	o->type = KPERF_STREAM;
	o->duration_ms = 5000;
	o->n_conns = 1;
	o->read_size = 128 * 1024;
	o->write_size = 128 * 1024;
	o->connect_timeout_ms = 5000;
	o->placement_attempts = KPERF_ATTEMPTS_DEFAULT;
	o->validate = -1;
	o->waitall = -1;
}

/* The TCP settings are within what CONNECT and CONN_SETOPT carry. */
static int tcp_opts_ok(const struct kperf_opts *o)
{
	if (o->mss && (o->mss < KPERF_MSS_MIN || o->mss > KPERF_MSS_MAX))
		return 0;
	if (o->sndbuf > KPERF_MAX_SOCKBUF || o->rcvbuf > KPERF_MAX_SOCKBUF)
		return 0;
	return !o->tcp_cc[0] || proto_cc_name_ok(o->tcp_cc);
}

/* Validation is on unless asked off, or impossible (MSG_TRUNC). */
static int validating(const struct kperf_opts *o)
{
	return o->validate < 0 ? o->rx_mode != KPERF_RX_TRUNC : o->validate;
}

/* Whole-block reads: stream receivers that read with recv() can. */
static int waitall_possible(const struct kperf_opts *o)
{
	return o->type == KPERF_STREAM && o->rx_mode != KPERF_RX_ZEROCOPY &&
	       o->engine_dst != KPERF_ENGINE_IO_URING;
}

static int waiting_all(const struct kperf_opts *o)
{
	return o->waitall < 0 ? waitall_possible(o) : o->waitall;
}

/* The data path asked is one the protocol can carry and a kernel do. */
static int data_opts_ok(const struct kperf_opts *o)
{
	int rr = o->type == KPERF_RR;

	if ((unsigned int)o->engine_src > KPERF_ENGINE_IO_URING ||
	    (unsigned int)o->engine_dst > KPERF_ENGINE_IO_URING ||
	    (unsigned int)o->rx_mode > KPERF_RX_ZEROCOPY ||
	    (unsigned int)o->tx_mode > KPERF_TX_ZEROCOPY)
		return 0;
	if (o->rx_mode == KPERF_RX_TRUNC && o->validate > 0)
		return 0;
	if (o->waitall > 0 && !waitall_possible(o))
		return 0;
	return o->rx_mode != KPERF_RX_ZEROCOPY ||
	       (o->engine_dst != KPERF_ENGINE_IO_URING &&
		(!rr || o->engine_src != KPERF_ENGINE_IO_URING));
}

static int data_path_default(const struct kperf_opts *o)
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

static int open_sides(struct run *r, char *err, size_t errlen)
{
	const struct kperf_opts *o = r->o;
	int ret;

	ret = ctl_open(&r->src.ctl, "source", o->src_host, o->src_svc,
		       o->connect_timeout_ms, err, errlen);
	if (!ret)
		ret = ctl_open(&r->dst.ctl, "destination", o->dst_host,
			       o->dst_svc, o->connect_timeout_ms, err, errlen);
	if (!ret && o->type == KPERF_RR)
		ret = need_feature(&r->src.ctl, PROTO_FEAT_RR,
				   "request/response tests");
	if (!ret && o->type == KPERF_RR)
		ret = need_feature(&r->dst.ctl, PROTO_FEAT_RR,
				   "request/response tests");
	/* Always: the settings in force are read back even when none is set. */
	if (!ret)
		ret = need_feature(&r->src.ctl, PROTO_FEAT_TCP_OPTS,
				   "per-flow TCP settings (CONN_SETOPT)");
	if (!ret)
		ret = need_feature(&r->dst.ctl, PROTO_FEAT_TCP_OPTS,
				   "per-flow TCP settings (CONN_SETOPT)");
	if (!ret && (o->tls.tx || o->tls.rx))
		ret = need_feature(&r->src.ctl, PROTO_FEAT_TLS,
				   "kernel TLS (CONN_TLS)");
	if (!ret && (o->tls.tx || o->tls.rx))
		ret = need_feature(&r->dst.ctl, PROTO_FEAT_TLS,
				   "kernel TLS (CONN_TLS)");
	if (!ret && !data_path_default(o))
		ret = need_feature(&r->src.ctl, PROTO_FEAT_DATAPATH,
				   "data-path options (engines, zero-copy, "
				   "validation)");
	if (!ret && !data_path_default(o))
		ret = need_feature(&r->dst.ctl, PROTO_FEAT_DATAPATH,
				   "data-path options (engines, zero-copy, "
				   "validation)");
	if (!ret && waiting_all(o))
		ret = need_feature(&r->dst.ctl, PROTO_FEAT_WAITALL,
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
	unsigned int pool = s->ctl.hello.n_online ? s->ctl.hello.n_online : 1;
	unsigned int i, j, n_floating = 0;
	uint32_t *floating, id;
	struct proto_worker_req q;
	struct proto_hdr h;
	struct proto_wr w;
	int ret = 0;

	floating = calloc(pool, sizeof(*floating));
	if (!floating)
		return -ENOMEM;
	for (i = 0; i < r->n; i++) {
		if (s->worker_cpu[i] < 0 && n_floating >= pool) {
			s->worker_of[i] = floating[n_floating++ % pool];
			continue;
		}
		for (j = 0; j < i && s->worker_cpu[i] >= 0; j++)
			if (s->worker_cpu[j] == s->worker_cpu[i])
				break;
		if (s->worker_cpu[i] >= 0 && j < i) {
			s->worker_of[i] = s->worker_of[j];
			continue;
		}
		q.cpu = s->worker_cpu[i];
		id = ctl_begin(&s->ctl, &w);
		proto_enc_worker_req(&w, id, &q);
		ret = ctl_call(&s->ctl, &w, id, &h, CALL_TIMEOUT_MS);
		if (ret < 0)
			break;
		if (proto_dec_worker_rep(s->ctl.rx, h.len,
					 &s->workers[s->n_workers]) < 0) {
			ret = ctl_fail(&s->ctl, -EBADMSG,
				       "malformed WORKER_SPAWN reply");
			break;
		}
		if (q.cpu >= 0 && s->workers[s->n_workers].cpu != q.cpu) {
			ret = ctl_fail(&s->ctl, -EIO, "worker asked for CPU "
				       "%d reports CPU %d", q.cpu,
				       s->workers[s->n_workers].cpu);
			break;
		}
		s->worker_of[i] = s->workers[s->n_workers].worker_id;
		if (q.cpu < 0)
			floating[n_floating++] = s->worker_of[i];
		s->n_workers++;
	}
	free(floating);
	return ret;
}

static int start_side(struct run *r, struct side *s, uint8_t role)
{
	const struct kperf_opts *o = r->o;
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
		q.flows[i].conn_id = s->conns.v[i].id;
		q.flows[i].worker_id = s->worker_of[i];
		q.flows[i].role = role;
	}
	s->test_id = ctl_begin(&s->ctl, &w);
	proto_enc_test_req(&w, s->test_id, &q);
	free(q.flows);
	ret = ctl_call(&s->ctl, &w, s->test_id, &h, CALL_TIMEOUT_MS);
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
			if (m->v[j].conn_id == r->src.conns.v[i].id)
				break;
		if (j == m->n)
			continue;
		smp->flow_gbps[i] = (double)(m->v[j].tx_bytes - r->last_tx[i]) *
				    8 / dt / 1e9;
		smp->total_gbps += smp->flow_gbps[i];
		r->last_tx[i] = m->v[j].tx_bytes;
	}
	r->last_t_ns = m->t_ns;
	if (r->o->on_sample)
		r->o->on_sample(r->o->sample_arg, smp->t_s, r->n,
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

	if (s != &r->src || proto_dec_hist(s->ctl.rx, h->len, &m) < 0)
		return ctl_fail(&s->ctl, -EBADMSG, "malformed HIST");
	for (i = 0; i < r->n && s->conns.v[i].id != m.conn_id; i++)
		;
	ret = -ENOMEM;
	pairs = calloc(m.n ? m.n : 1, sizeof(*pairs));
	if (i == r->n || r->hist[i]) {
		ret = ctl_fail(&s->ctl, -EPROTO, "HIST for connection id %u "
			       "is not expected", m.conn_id);
	} else if (pairs && (r->hist[i] = hist_new())) {
		sum = (struct hist_summary){ m.count, m.min, m.max, m.sum,
					     m.sumsq_hi, m.sumsq_lo };
		for (i = 0; i < m.n; i++)
			pairs[i] = (struct hist_pair){ .index = m.v[i].index,
						       .count = m.v[i].count };
		ret = 0;
		for (i = 0; i < r->n; i++)
			if (s->conns.v[i].id == m.conn_id &&
			    hist_import(r->hist[i], &sum, pairs, m.n) < 0)
				ret = ctl_fail(&s->ctl, -EBADMSG,
					       "inconsistent HIST for "
					       "connection id %u", m.conn_id);
	}
	free(pairs);
	proto_hist_free(&m);
	return ret;
}

/* A frame that came on s while a test runs. */
static int on_frame(struct run *r, struct side *s, const struct proto_hdr *h)
{
	struct proto_sample m;
	int ret;

	if (h->id != s->test_id)
		return ctl_fail(&s->ctl, -EPROTO, "unexpected %s frame "
				"(id %u)", proto_type_name(h->type), h->id);
	switch (h->type) {
	case PROTO_T_ERROR:
		/* A flow failed: with TLS, say what EBADMSG means. */
		return tls_flow_error(r->o, &s->ctl,
				      ctl_remote_error(&s->ctl, h));
	case PROTO_T_SAMPLE:
		if (proto_dec_sample(s->ctl.rx, h->len, &m) < 0)
			return ctl_fail(&s->ctl, -EBADMSG, "malformed SAMPLE");
		ret = add_sample(r, &m);
		proto_sample_free(&m);
		return ret;
	case PROTO_T_HIST:
		return add_hist(r, s, h);
	case PROTO_T_TEST_RESULT:
		if (proto_dec_result(s->ctl.rx, h->len, &s->res) < 0)
			return ctl_fail(&s->ctl, -EBADMSG,
					"malformed TEST_RESULT");
		s->have_res = 1;
		return 0;
	case PROTO_T_TEST_STOP:
		if (h->flags & PROTO_F_REPLY)
			return 0;
		/* fall through */
	default:
		return ctl_fail(&s->ctl, -EPROTO, "unexpected %s frame",
				proto_type_name(h->type));
	}
}

/*
 * Wait until want has its result, serving frames from both sides: if the
 * other side's session dies meanwhile, that is the error to report.
 */
static int wait_result(struct run *r, struct side *want, uint64_t end_ns)
{
	struct side *sides[2] = { &r->src, &r->dst };
	struct pollfd pfd[2];
	struct proto_hdr h;
	uint64_t now;
	int i, ret;

	while (!want->have_res) {
		now = clock_now_ns();
		if (now >= end_ns)
			return ctl_fail(&want->ctl, -ETIMEDOUT, "no test result "
					"in time");
		for (i = 0; i < 2; i++)
			pfd[i] = (struct pollfd){ .fd = sides[i]->ctl.fd,
						  .events = POLLIN };
		ret = poll(pfd, 2, (int)((end_ns - now) / NSEC_PER_MSEC) + 1);
		if (ret < 0 && errno != EINTR)
			return -errno;
		for (i = 0; i < 2 && ret > 0; i++) {
			if (!pfd[i].revents)
				continue;
			ret = ctl_recv(&sides[i]->ctl, &h, CALL_TIMEOUT_MS);
			if (!ret)
				ret = on_frame(r, sides[i], &h);
			if (ret < 0)
				return ret;
			ret = 1;
		}
	}
	return 0;
}

static int run_test(struct run *r)
{
	struct proto_hdr h;
	struct proto_wr w;
	uint64_t end;
	uint32_t id;
	int ret;

	r->last_tx = calloc(r->n, sizeof(*r->last_tx));
	r->hist = calloc(r->n, sizeof(*r->hist));
	if (!r->last_tx || !r->hist)
		return -ENOMEM;
	ret = start_side(r, &r->dst, PROTO_ROLE_PASSIVE);
	if (!ret)
		ret = start_side(r, &r->src, PROTO_ROLE_ACTIVE);
	if (ret < 0)
		return ret;
	end = clock_now_ns() + ((uint64_t)r->o->duration_ms +
				r->o->warmup_ms + RESULT_GRACE_MS) *
				       NSEC_PER_MSEC;
	ret = wait_result(r, &r->src, end);
	if (ret < 0)
		return ret;
	/* The source's data is acknowledged: the destination may stop. */
	id = ctl_begin(&r->dst.ctl, &w);
	proto_enc_empty(&w, PROTO_T_TEST_STOP, id, 0);
	ret = ctl_call(&r->dst.ctl, &w, id, &h, CALL_TIMEOUT_MS);
	if (ret < 0)
		return ret;
	return wait_result(r, &r->dst,
			   clock_now_ns() + CALL_TIMEOUT_MS * NSEC_PER_MSEC);
}

static void fill_host(struct kperf_host *hst, const char *addr,
		      const struct proto_hello *hello)
{
	snprintf(hst->address, sizeof(hst->address), "%s", addr);
	snprintf(hst->hostname, sizeof(hst->hostname), "%s", hello->hostname);
	snprintf(hst->kernel, sizeof(hst->kernel), "%s", hello->kernel);
	hst->ncpus = hello->ncpus;
}

static int build_report(struct run *r)
{
	struct result_side src = {
		.conns = &r->src.conns, .opts = &r->src.opts,
		.res = &r->src.res,
		.workers = r->src.workers, .n_workers = r->src.n_workers,
		.worker_of = r->src.worker_of,
	};
	struct result_side dst = {
		.conns = &r->dst.conns, .opts = &r->dst.opts,
		.res = &r->dst.res,
		.workers = r->dst.workers, .n_workers = r->dst.n_workers,
		.worker_of = r->dst.worker_of,
	};

	return result_build(r->rep, &src, &dst, r->hist);
}

static void free_side(struct side *s)
{
	ctl_close(&s->ctl);
	proto_conn_list_free(&s->conns);
	proto_opts_list_free(&s->opts);
	proto_result_free(&s->res);
	free(s->worker_cpu);
	free(s->worker_of);
	free(s->workers);
}

int kperf_run(const struct kperf_opts *o, struct kperf_report **out,
	      char *err, size_t errlen)
{
	struct run r = { .o = o, .n = o->n_conns };
	int ret;

	*out = NULL;
	snprintf(err, errlen, "unknown error");
	if (!o->n_conns || o->n_conns > KPERF_MAX_CONNS || !o->duration_ms ||
	    !o->read_size || !o->write_size ||
	    o->read_size > KPERF_MAX_IO_SIZE ||
	    o->write_size > KPERF_MAX_IO_SIZE ||
	    (o->type == KPERF_RR &&
	     (!o->req_size || !o->resp_size || !o->depth ||
	      o->req_size > KPERF_MAX_IO_SIZE ||
	      o->resp_size > KPERF_MAX_IO_SIZE)) ||
	    !tcp_opts_ok(o) || !data_opts_ok(o)) {
		snprintf(err, errlen, "invalid options");
		return -EINVAL;
	}
	ret = tls_opts_check(o, err, errlen);
	if (ret < 0)
		return ret;
	r.src.ctl.fd = r.dst.ctl.fd = -1;
	r.rep = calloc(1, sizeof(*r.rep));
	if (!r.rep)
		return -ENOMEM;
	ret = open_sides(&r, err, errlen);
	if (!ret)
		ret = flows_open(&r);
	if (!ret)
		ret = flows_place_workers(&r);
	if (!ret)
		ret = settings_apply(&r);
	if (!ret)
		ret = tls_apply(&r);
	if (!ret)
		ret = spawn_workers(&r, &r.src);
	if (!ret)
		ret = spawn_workers(&r, &r.dst);
	if (!ret)
		ret = run_test(&r);
	if (!ret)
		ret = tls_finish(&r);
	if (!ret) {
		r.rep->type = o->type;
		r.rep->data_path = (struct kperf_data_path){
			.engine_src = o->engine_src,
			.engine_dst = o->engine_dst,
			.rx_mode = o->rx_mode,
			.tx_mode = o->tx_mode,
			.validate = validating(o),
			.waitall = waiting_all(o),
		};
		fill_host(&r.rep->src, o->src_host, &r.src.ctl.hello);
		fill_host(&r.rep->dst, o->dst_host, &r.dst.ctl.hello);
		ret = build_report(&r);
		if (!ret)
			ret = tls_report(&r);
		if (ret < 0)
			snprintf(err, errlen, "cannot build the report: %s",
				 strerror(-ret));
	}
	free_side(&r.src);
	free_side(&r.dst);
	free(r.last_tx);
	for (unsigned int i = 0; r.hist && i < r.n; i++)
		hist_free(r.hist[i]);
	free(r.hist);
	if (ret < 0) {
		kperf_report_free(r.rep);
		return ret;
	}
	*out = r.rep;
	return 0;
}
