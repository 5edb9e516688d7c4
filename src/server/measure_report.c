// SPDX-License-Identifier: MIT
/* measure_report - what a session sends about its test (see measure_priv.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/cpustat.h"
#include "common/hist.h"
#include "server/session.h"
#include "server/tcpstat.h"
#include "server/measure_priv.h"
#include "server/rr.h"

/* The CPU a worker ran on most: pinned, sampled, or last seen. */
static int worker_cpu_ran(const struct measure *t, const struct measure_worker *tw)
{
	unsigned int c, best = 0;
	int cpu = tw->ts1.cpu_last;

	if (tw->w->cpu_pinned >= 0 || !tw->cpu_hits)
		return cpu;
	for (c = 0; c < t->ncpus; c++)
		if (tw->cpu_hits[c] > best) {
			best = tw->cpu_hits[c];
			cpu = (int)c;
		}
	return cpu;
}

void measure_send_sample(struct session *s, struct measure *t, uint64_t now)
{
	struct proto_sample m = { .t_ns = now - t->t0_ns, .n = t->req.n };
	struct proto_sample_flow *v;
	struct proto_wr w;
	unsigned int i;

	v = calloc(t->req.n, sizeof(*v));
	if (!v)
		return;
	for (i = 0; i < t->req.n; i++) {
		struct flow *f = &t->flows[i].f;

		v[i].conn_id = f->conn_id;
		v[i].tx_bytes = __atomic_load_n(&f->tx_bytes, __ATOMIC_RELAXED);
		v[i].rx_bytes = __atomic_load_n(&f->rx_bytes, __ATOMIC_RELAXED);
	}
	m.v = v;
	proto_wr_init(&w, s->txbuf, PROTO_HDR_LEN + PROTO_MAX_BODY);
	proto_enc_sample(&w, t->id, &m);
	sess_send(s, &w);
	free(v);
}

static void fill_flow_res(struct session *s, struct measure_flow *tf,
			  struct proto_flow_res *r)
{
	struct proto_conn_info ci;
	struct tcp_info ti;
	struct flow *f = &tf->f;

	r->conn_id = f->conn_id;
	r->rx_cpu_end = -1;
	if (!conn_info(&s->conns, f->conn_id, &ci)) {
		r->rx_cpu_end = ci.rx_cpu;
		r->napi_id_end = ci.napi_id;
	}
	r->tx_bytes = f->tx_bytes;
	r->rx_bytes = f->rx_bytes;
	r->transactions = f->transactions;
	if (f->t_last_ns > f->t_first_ns && f->t_first_ns)
		r->xfer_ns = f->t_last_ns - f->t_first_ns;
	if (!tcpstat_read(f->fd, &ti))
		tcpstat_delta(&tf->ti0, &ti, &r->tcp);
	r->xfer = (struct proto_xfer_res){
		.checked = f->x.checked, .mismatches = f->x.mismatches,
		.first_bad = f->x.first_bad, .zc_sends = f->x.zc_done,
		.zc_copied = f->x.zc_copied, .zrx_mapped = f->x.zrx_mapped,
		.zrx_copied = f->x.zrx_copied,
	};
}

static int fill_cpus(struct measure *t, struct proto_result *r)
{
	struct cpustat d;
	unsigned int i, n = 0;

	if (cpustat_delta(&t->cpu0, &t->cpu1, &d) < 0)
		return -ENOMEM;
	r->cpus = calloc(d.n ? d.n : 1, sizeof(*r->cpus));
	if (!r->cpus) {
		cpustat_free(&d);
		return -ENOMEM;
	}
	for (i = 0; i < d.n && n < PROTO_MAX_CPUS; i++) {
		const struct cpustat_cpu *c = &d.cpu[i];

		if (!c->present)
			continue;
		r->cpus[n++] = (struct proto_cpu_res){
			.cpu = i, .user = c->user, .system = c->system,
			.irq = c->irq, .softirq = c->softirq,
			.iowait = c->iowait, .idle = c->idle,
			.steal = c->steal,
		};
	}
	r->n_cpus = n;
	cpustat_free(&d);
	return 0;
}

/* The precise total, split as the kernel's tick counts split it. */
static void worker_times(const struct measure_worker *tw,
			 struct proto_worker_res *wr)
{
	uint64_t total = tw->cpu_ns1 - tw->cpu_ns0;
	uint64_t ut = tw->ts1.utime_ns - tw->ts0.utime_ns;
	uint64_t st = tw->ts1.stime_ns - tw->ts0.stime_ns;

	if (!tw->cpu_ns0 || tw->cpu_ns1 < tw->cpu_ns0) {
		wr->utime_ns = ut;
		wr->stime_ns = st;
		return;
	}
	wr->utime_ns = ut + st ? (uint64_t)((double)total * (double)ut /
					    (double)(ut + st)) : 0;
	wr->stime_ns = total - wr->utime_ns;
}

static int build_result(struct session *s, struct measure *t,
			struct proto_result *r)
{
	unsigned int i;

	r->window_ns = t->window_ns;
	r->flows = calloc(t->req.n, sizeof(*r->flows));
	r->workers = calloc(t->n_tws, sizeof(*r->workers));
	if (!r->flows || !r->workers)
		return -ENOMEM;
	r->n_flows = t->req.n;
	for (i = 0; i < t->req.n; i++)
		fill_flow_res(s, &t->flows[i], &r->flows[i]);
	r->n_workers = t->n_tws;
	for (i = 0; i < t->n_tws; i++) {
		struct measure_worker *tw = &t->tws[i];
		struct proto_worker_res *wr = &r->workers[i];

		wr->worker_id = tw->w->id;
		wr->tid = (uint32_t)tw->w->tid;
		wr->cpu_pinned = tw->w->cpu_pinned;
		wr->cpu_last = worker_cpu_ran(t, tw);
		worker_times(tw, wr);
	}
	return fill_cpus(t, r);
}

/* One HIST frame per timed flow, ahead of the result. */
static int send_hists(struct session *s, struct measure *t)
{
	struct hist_pair *pairs;
	struct hist_summary sum;
	struct proto_wr w;
	unsigned int i, j;
	int n, ret = 0;

	pairs = calloc(HIST_NBUCKETS, sizeof(*pairs));
	if (!pairs)
		return -ENOMEM;
	for (i = 0; i < t->req.n && !ret; i++) {
		struct flow *f = &t->flows[i].f;
		struct proto_hist m = { .conn_id = f->conn_id };
		const struct hist *h = rr_hist(f);

		if (!h)
			continue;
		n = hist_export(h, &sum, pairs, HIST_NBUCKETS);
		if (n < 0 || n > PROTO_HIST_MAX_PAIRS) {
			ret = -EOVERFLOW;
			break;
		}
		m.v = calloc(n ? (size_t)n : 1, sizeof(*m.v));
		if (!m.v) {
			ret = -ENOMEM;
			break;
		}
		m.n = (uint32_t)n;
		m.count = sum.count;
		m.min = sum.min;
		m.max = sum.max;
		m.sum = sum.sum;
		m.sumsq_hi = sum.sumsq_hi;
		m.sumsq_lo = sum.sumsq_lo;
		for (j = 0; j < m.n; j++)
			m.v[j] = (struct proto_hist_pair){ pairs[j].index,
							   pairs[j].count };
		proto_wr_init(&w, s->txbuf, PROTO_HDR_LEN + PROTO_MAX_BODY);
		ret = proto_enc_hist(&w, t->id, &m);
		if (!ret)
			ret = sess_send(s, &w);
		free(m.v);
	}
	free(pairs);
	return ret;
}

/*
 * This side has stopped sending and its peer holds every byte: the
 * client, once it has heard this from both ends of a bidirectional test,
 * stops them.  The frame is empty, like TEST_STOP.
 */
void measure_send_tx_done(struct session *s, struct measure *t)
{
	struct proto_wr w;

	proto_wr_init(&w, s->txbuf, PROTO_HDR_LEN + PROTO_MAX_BODY);
	proto_enc_empty(&w, PROTO_T_TX_DONE, t->id, 0);
	sess_send(s, &w);
}

void measure_send_report(struct session *s, struct measure *t)
{
	struct proto_result r = { 0 };
	struct proto_wr w;
	unsigned int i;
	int ret;

	for (i = 0; i < t->req.n; i++) {
		struct flow *f = &t->flows[i].f;

		if (f->err) {
			sess_error(s, t->id, f->err,
				   "flow %u (connection id %u) failed on %s: "
				   "%s", i, f->conn_id, s->host.hostname,
				   strerror(f->err));
			return;
		}
	}
	ret = send_hists(s, t);
	if (ret < 0) {
		sess_error(s, t->id, -ret, "cannot send the latency "
			   "histograms");
		return;
	}
	ret = build_result(s, t, &r);
	if (ret < 0) {
		sess_error(s, t->id, -ret, "cannot build the result");
		goto free_result;
	}
	proto_wr_init(&w, s->txbuf, PROTO_HDR_LEN + PROTO_MAX_BODY);
	if (proto_enc_result(&w, t->id, &r) < 0)
		sess_error(s, t->id, -w.err, "cannot encode the result");
	else
		sess_send(s, &w);
free_result:
	proto_result_free(&r);
}
