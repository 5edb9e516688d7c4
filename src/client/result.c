// SPDX-License-Identifier: MIT
/* result - the report of a test, from what both sessions sent. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "client/result.h"

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

/* CPU use of every CPU a flow or a worker of this host sits on. */
static int fill_cpus(struct kperf_report *rep, struct kperf_host *h,
		     const struct proto_result *r, int src)
{
	uint32_t i;

	h->window_s = (double)r->window_ns / 1e9;
	h->cpu = calloc(r->n_cpus ? r->n_cpus : 1, sizeof(*h->cpu));
	if (!h->cpu)
		return -ENOMEM;
	for (i = 0; i < r->n_cpus; i++) {
		const struct proto_cpu_res *c = &r->cpus[i];
		uint64_t t = c->user + c->system + c->irq + c->softirq +
			     c->iowait + c->idle + c->steal;

		if (!cpu_wanted(rep, src, (int)c->cpu))
			continue;
		h->cpu[h->n_cpu++] = (struct kperf_cpu){
			.cpu = (int)c->cpu,
			.user = pct(c->user, t),
			.system = pct(c->system, t),
			.irq = pct(c->irq, t),
			.softirq = pct(c->softirq, t),
			.iowait = pct(c->iowait, t),
			.idle = pct(c->idle, t),
			.steal = pct(c->steal, t),
		};
	}
	for (i = 0; i < r->n_workers; i++)
		h->worker_cpu_s += (double)(r->workers[i].utime_ns +
					    r->workers[i].stime_ns) / 1e9;
	return 0;
}

int result_build(struct kperf_report *rep, const struct result_side *src,
		 const struct result_side *dst)
{
	unsigned int i, n = src->conns->n;
	int ret;

	rep->type = KPERF_STREAM;
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
		if (f->dst.xfer_s > 0)
			f->throughput_gbps = (double)f->dst.rx_bytes * 8 /
					     f->dst.xfer_s / 1e9;
		rep->total_gbps += f->throughput_gbps;
	}
	ret = fill_cpus(rep, &rep->src, src->res, 1);
	if (!ret)
		ret = fill_cpus(rep, &rep->dst, dst->res, 0);
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
	free(r->flows);
	free(r->src.cpu);
	free(r->dst.cpu);
	free(r);
}
