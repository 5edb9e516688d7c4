// SPDX-License-Identifier: MIT
/* result - the report of a test, from what both sessions sent. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "client/result.h"
#include "common/cpustat.h"
#include "common/hist.h"

static const struct proto_flow_res *flow_res(const struct proto_result *r,
					     uint32_t conn_id)
{
	uint32_t i;

	for (i = 0; i < r->n_flows; i++)
		if (r->flows[i].conn_id == conn_id)
			return &r->flows[i];
	return NULL;
}

static const struct proto_worker_res *worker_res(const struct proto_result *r,
						 uint32_t worker_id)
{
	uint32_t i;

	for (i = 0; i < r->n_workers; i++)
		if (r->workers[i].worker_id == worker_id)
			return &r->workers[i];
	return NULL;
}

static void fill_settings(struct kperf_settings *k,
			  const struct proto_conn_opts *o)
{
	k->mss = o->mss;
	k->max_pacing_rate = o->max_pace;
	k->sndbuf = o->sndbuf;
	k->rcvbuf = o->rcvbuf;
	k->nodelay = !!o->nodelay;
	memcpy(k->tcp_cc, o->cc, sizeof(k->tcp_cc));
	k->tcp_cc[sizeof(k->tcp_cc) - 1] = '\0';
}

static void fill_end(struct kperf_flow_end *e, const struct result_side *s,
		     unsigned int i)
{
	const struct proto_conn_info *ci = &s->conns->v[i];
	const struct proto_flow_res *fr = flow_res(s->res, ci->id);
	const struct proto_worker_res *wr = worker_res(s->res,
						       s->worker_of[i]);

	e->rx_cpu = ci->rx_cpu;
	e->napi_id = ci->napi_id;
	e->port = ci->local_port;
	e->rx_cpu_end = -1;
	e->worker_cpu = -1;
	e->worker_cpu_ran = -1;
	e->settings.max_pacing_rate = KPERF_PACE_UNLIMITED;
	if (s->opts && i < s->opts->n)
		fill_settings(&e->settings, &s->opts->v[i]);
	if (wr) {
		e->worker_cpu = wr->cpu_pinned;
		e->worker_cpu_ran = wr->cpu_last;
		e->worker_tid = wr->tid;
	}
	if (!fr)
		return;
	e->rx_cpu_end = fr->rx_cpu_end;
	e->tx_bytes = fr->tx_bytes;
	e->rx_bytes = fr->rx_bytes;
	e->xfer_s = (double)fr->xfer_ns / 1e9;
	e->tcp = (struct kperf_tcp){
		.retrans = fr->tcp.retrans,
		.reord_seen = fr->tcp.reord_seen,
		.rtt_us = fr->tcp.rtt_us,
		.rttvar_us = fr->tcp.rttvar_us,
		.delivered_ce = fr->tcp.delivered_ce,
		.snd_wnd = fr->tcp.snd_wnd,
		.snd_cwnd = fr->tcp.snd_cwnd,
		.bytes_acked = fr->tcp.bytes_acked,
		.bytes_received = fr->tcp.bytes_received,
	};
	e->xfer = (struct kperf_xfer){
		.checked = fr->xfer.checked,
		.mismatches = fr->xfer.mismatches,
		.first_bad_offset = fr->xfer.first_bad == UINT64_MAX ? -1 :
				    (int64_t)fr->xfer.first_bad,
		.zc_sends = fr->xfer.zc_sends,
		.zc_copied = fr->xfer.zc_copied,
		.zrx_mapped = fr->xfer.zrx_mapped,
		.zrx_copied = fr->xfer.zrx_copied,
	};
}

static uint64_t flow_transactions(const struct result_side *s,
				  unsigned int i)
{
	const struct proto_flow_res *fr = flow_res(s->res, s->conns->v[i].id);

	return fr ? fr->transactions : 0;
}

static int cpu_wanted(const struct kperf_report *rep, int src, int cpu)
{
	unsigned int i;

	for (i = 0; i < rep->n_flows; i++) {
		const struct kperf_flow_end *e = src ? &rep->flows[i].src :
						       &rep->flows[i].dst;

		if (e->rx_cpu == cpu || e->rx_cpu_end == cpu ||
		    e->worker_cpu == cpu || e->worker_cpu_ran == cpu)
			return 1;
	}
	return 0;
}

static double pct(uint64_t part, uint64_t total)
{
	return total ? 100.0 * (double)part / (double)total : 0;
}

/*
 * The one conversion of per-CPU time (ns, cpustat's) to the public
 * percentages: struct kperf_cpu names the states as cpustat does.
 */
static struct kperf_cpu cpu_pct(uint32_t cpu, const struct cpustat_time *t)
{
	uint64_t total = cpustat_time_total(t);
	struct kperf_cpu k = { .cpu = (int)cpu };

#define PCT(state) k.state = pct(t->state, total);
	CPUSTAT_STATES(PCT)
#undef PCT
	return k;
}

/* CPU use of every CPU a flow or a worker of this host sits on. */
static int fill_cpus(struct kperf_report *rep, struct kperf_host_report *h,
		     const struct proto_result *r, int src)
{
	uint32_t i;

	h->window_s = (double)r->window_ns / 1e9;
	h->cpu = calloc(r->n_cpus ? r->n_cpus : 1, sizeof(*h->cpu));
	if (!h->cpu)
		return -ENOMEM;
	for (i = 0; i < r->n_cpus; i++) {
		const struct proto_cpu_res *c = &r->cpus[i];

		if (cpu_wanted(rep, src, (int)c->cpu))
			h->cpu[h->n_cpu++] = cpu_pct(c->cpu, &c->time);
	}
	h->workers = calloc(r->n_workers ? r->n_workers : 1,
			    sizeof(*h->workers));
	if (!h->workers)
		return -ENOMEM;
	for (i = 0; i < r->n_workers; i++) {
		const struct proto_worker_res *w = &r->workers[i];

		h->workers[h->n_workers++] = (struct kperf_worker){
			.tid = w->tid,
			.cpu_pinned = w->cpu_pinned,
			.cpu_ran = w->cpu_last,
			.user_s = (double)w->utime_ns / 1e9,
			.system_s = (double)w->stime_ns / 1e9,
		};
		h->worker_cpu_s += (double)(w->utime_ns + w->stime_ns) / 1e9;
	}
	return 0;
}

static double us(uint64_t ns)
{
	return (double)ns / 1e3;
}

static void fill_latency(struct kperf_rr *rr, const struct hist *h)
{
	struct kperf_latency *l = &rr->latency_us;

	rr->have_latency = 1;
	if (!hist_count(h))
		return;
	l->count = hist_count(h);
	l->min = us(hist_min(h));
	l->max = us(hist_max(h));
	l->mean = hist_mean(h) / 1e3;
	l->stdev = hist_stdev(h) / 1e3;
	l->p50 = us(hist_percentile(h, 50));
	l->p90 = us(hist_percentile(h, 90));
	l->p99 = us(hist_percentile(h, 99));
	l->p999 = us(hist_percentile(h, 99.9));
	l->p9999 = us(hist_percentile(h, 99.99));
}

/* Every flow's own figures, then all flows merged: never averaged. */
static int fill_rr(struct kperf_report *rep, struct hist **hist)
{
	struct hist *all = hist_new();
	unsigned int i, b;

	if (!all)
		return -ENOMEM;
	for (i = 0; i < rep->n_flows; i++) {
		struct kperf_flow *f = &rep->flows[i];

		if (f->src.xfer_s > 0)
			f->rr.tps = (double)f->rr.transactions / f->src.xfer_s;
		rep->total_rr.transactions += f->rr.transactions;
		rep->total_rr.tps += f->rr.tps;
		if (!hist || !hist[i])
			continue;
		fill_latency(&f->rr, hist[i]);
		rep->total_rr.have_latency = 1;
		if (hist_merge(all, hist[i]) < 0) {
			hist_free(all);
			return -EOVERFLOW;
		}
	}
	if (rep->total_rr.have_latency)
		fill_latency(&rep->total_rr, all);
	if (hist_count(all)) {
		rep->hist = calloc(hist_nonempty(all), sizeof(*rep->hist));
		if (!rep->hist) {
			hist_free(all);
			return -ENOMEM;
		}
		for (b = hist_bucket_next(all, 0); b < HIST_NBUCKETS;
		     b = hist_bucket_next(all, b + 1))
			rep->hist[rep->n_hist++] = (struct kperf_hist_bucket){
				hist_bucket_upper_ns(b), hist_bucket_get(all, b)
			};
	}
	hist_free(all);
	return 0;
}

/* CPU cost: each host's worker time per byte it moved, or per transaction. */
static void fill_cost(struct kperf_report *rep)
{
	uint64_t src_bytes = 0, dst_bytes = 0;
	unsigned int i;

	/* Bytes each host moved: both directions of a bidirectional one. */
	for (i = 0; i < rep->n_flows; i++) {
		src_bytes += rep->flows[i].src.tx_bytes;
		dst_bytes += rep->flows[i].dst.rx_bytes;
		if (rep->direction == KPERF_BIDIR) {
			src_bytes += rep->flows[i].src.rx_bytes;
			dst_bytes += rep->flows[i].dst.tx_bytes;
		}
	}
	if (rep->type == KPERF_RR) {
		uint64_t n = rep->total_rr.transactions;

		if (n) {
			rep->src.cpu_us_per_transaction =
				rep->src.worker_cpu_s * 1e6 / (double)n;
			rep->dst.cpu_us_per_transaction =
				rep->dst.worker_cpu_s * 1e6 / (double)n;
		}
		return;
	}
	if (src_bytes)
		rep->src.cpu_s_per_gb = rep->src.worker_cpu_s * 1e9 /
					(double)src_bytes;
	if (dst_bytes)
		rep->dst.cpu_s_per_gb = rep->dst.worker_cpu_s * 1e9 /
					(double)dst_bytes;
}

int result_build(struct kperf_report *rep, const struct result_side *src,
		 const struct result_side *dst, struct hist **hist)
{
	unsigned int i, n = src->conns->n;
	int ret;

	rep->flows = calloc(n, sizeof(*rep->flows));
	if (!rep->flows)
		return -ENOMEM;
	rep->n_flows = n;
	rep->duration_s = (double)src->res->window_ns / 1e9;
	for (i = 0; i < n; i++) {
		struct kperf_flow *f = &rep->flows[i];

		f->id = i;
		fill_end(&f->src, src, i);
		fill_end(&f->dst, dst, i);
		f->rr.transactions = flow_transactions(src, i);
		if (f->dst.xfer_s > 0)
			f->throughput_gbps = (double)f->dst.rx_bytes * 8 /
					     f->dst.xfer_s / 1e9;
		rep->total_gbps += f->throughput_gbps;
		/* Bidirectional: src's xfer_s is its receive time. */
		if (rep->direction == KPERF_BIDIR && f->src.xfer_s > 0)
			f->reverse_gbps = (double)f->src.rx_bytes * 8 /
					  f->src.xfer_s / 1e9;
		rep->total_reverse_gbps += f->reverse_gbps;
		rep->mismatches += f->src.xfer.mismatches +
				   f->dst.xfer.mismatches;
	}
	ret = fill_cpus(rep, &rep->src, src->res, 1);
	if (!ret)
		ret = fill_cpus(rep, &rep->dst, dst->res, 0);
	if (!ret && rep->type == KPERF_RR)
		ret = fill_rr(rep, hist);
	if (!ret)
		fill_cost(rep);
	return ret;
}

void kperf_report_free(struct kperf_report *r)
{
	unsigned int i;

	if (!r)
		return;
	for (i = 0; i < r->n_samples; i++)
		free(r->samples[i].flow_gbps);
	free(r->samples);
	free(r->hist);
	free(r->flows);
	free(r->src.cpu);
	free(r->dst.cpu);
	free(r->src.workers);
	free(r->dst.workers);
	free(r->src.tls_stat);
	free(r->dst.tls_stat);
	free(r);
}
