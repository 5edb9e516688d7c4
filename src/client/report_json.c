// SPDX-License-Identifier: MIT
/*
 * report_json - the report as one JSON document, schema KPERF_JSON_SCHEMA,
 * documented field by field in docs/json.md (tests/unit/test_report.c
 * checks the two agree).
 *
 * Every node is attached to its parent as soon as it is made, so on an
 * allocation failure deleting the root frees everything; the add helpers
 * return nonzero on failure so a run of fields reads as one || chain.
 *
 * Fields are only ever added (schema stays 1): a request/response report
 * gets "rr" in each flow and in "totals", and on request the merged
 * "histogram"; a stream report is written exactly as before RR existed.
 */
#include <errno.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "client/report.h"
#include "client/tls.h"

static int add_num(cJSON *o, const char *name, double v)
{
	return !cJSON_AddNumberToObject(o, name, v);
}

/* A CPU id, or null when it is -1: not pinned, or not known. */
static int add_cpu(cJSON *o, const char *name, int cpu)
{
	if (cpu < 0)
		return !cJSON_AddNullToObject(o, name);
	return add_num(o, name, cpu);
}

/* A fixed char array from the wire, which may lack its NUL. */
static int add_str(cJSON *o, const char *name, const char *s, size_t max)
{
	char buf[512];
	size_t n = strnlen(s, max);

	if (n >= sizeof(buf))
		n = sizeof(buf) - 1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return !cJSON_AddStringToObject(o, name, buf);
}

#define ADD_STR(o, name, field) add_str(o, name, field, sizeof(field))

/* A new object or array appended to array a; NULL when out of memory. */
static cJSON *append(cJSON *a, cJSON *item)
{
	if (!item || !cJSON_AddItemToArray(a, item)) {
		cJSON_Delete(item);
		return NULL;
	}
	return item;
}

/* A cost that does not apply to this test type (0) is null. */
static int add_cost(cJSON *o, const char *name, double v)
{
	if (v > 0)
		return add_num(o, name, v);
	return !cJSON_AddNullToObject(o, name);
}

static int add_workers(cJSON *host, const struct kperf_host_report *h)
{
	cJSON *a = cJSON_AddArrayToObject(host, "workers");
	unsigned int i;

	if (!a)
		return -ENOMEM;
	for (i = 0; i < h->n_workers; i++) {
		const struct kperf_worker *w = &h->workers[i];
		cJSON *o = append(a, cJSON_CreateObject());

		if (!o || add_num(o, "tid", w->tid) ||
		    add_cpu(o, "cpu_pinned", w->cpu_pinned) ||
		    add_cpu(o, "cpu_ran", w->cpu_ran) ||
		    add_num(o, "user_s", w->user_s) ||
		    add_num(o, "system_s", w->system_s))
			return -ENOMEM;
	}
	return 0;
}

/*
 * "tls_stat": with kernel TLS, the deltas of /proc/net/tls_stat over the
 * test, one member per counter as the kernel names it; null without TLS.
 */
static int add_tls_stat(cJSON *host, const struct kperf_host_report *h)
{
	char name[KPERF_TLS_STAT_NAME_LEN + 1];
	unsigned int i;
	cJSON *o;

	if (!h->tls_stat)
		return !cJSON_AddNullToObject(host, "tls_stat");
	o = cJSON_AddObjectToObject(host, "tls_stat");
	if (!o)
		return -ENOMEM;
	for (i = 0; i < h->n_tls_stat; i++) {
		const struct kperf_tls_stat *c = &h->tls_stat[i];
		size_t n = strnlen(c->name, sizeof(c->name));

		memcpy(name, c->name, n);
		name[n] = '\0';
		if (add_num(o, name, (double)c->delta))
			return -ENOMEM;
	}
	return 0;
}

/* "tls": the options of the run; version and cipher null when off. */
static int add_tls(cJSON *test, const struct kperf_tls *t)
{
	int on = t->tx || t->rx;
	const char *ver = on ? tls_version_name(t->version) : NULL;
	const char *cipher = on ? tls_cipher_name(t->cipher) : NULL;
	cJSON *o = cJSON_AddObjectToObject(test, "tls");

	if (!o || !cJSON_AddBoolToObject(o, "enabled", on) ||
	    (ver ? !cJSON_AddStringToObject(o, "version", ver) :
		   !cJSON_AddNullToObject(o, "version")) ||
	    (cipher ? !cJSON_AddStringToObject(o, "cipher", cipher) :
		      !cJSON_AddNullToObject(o, "cipher")) ||
	    !cJSON_AddBoolToObject(o, "tx", t->tx) ||
	    !cJSON_AddBoolToObject(o, "rx", t->rx) ||
	    !cJSON_AddBoolToObject(o, "nopad", t->nopad))
		return -ENOMEM;
	return 0;
}

static int fill_host(cJSON *o, const struct kperf_host_report *h)
{
	if (!o || ADD_STR(o, "address", h->address) ||
	    ADD_STR(o, "hostname", h->hostname) ||
	    add_num(o, "ncpus", h->ncpus) ||
	    ADD_STR(o, "kernel", h->kernel) ||
	    add_num(o, "window_s", h->window_s) ||
	    add_num(o, "worker_cpu_s", h->worker_cpu_s) ||
	    add_cost(o, "cpu_s_per_gb", h->cpu_s_per_gb) ||
	    add_cost(o, "cpu_us_per_transaction", h->cpu_us_per_transaction) ||
	    add_workers(o, h) || add_tls_stat(o, h))
		return -ENOMEM;
	return 0;
}

static int add_host(cJSON *hosts, const char *name,
		    const struct kperf_host_report *h)
{
	return fill_host(cJSON_AddObjectToObject(hosts, name), h);
}

static int add_cpus(cJSON *cpu, const char *name,
		    const struct kperf_host_report *h);

cJSON *report_json_host(const struct kperf_host_report *h)
{
	cJSON *o = cJSON_CreateObject();

	if (fill_host(o, h) || add_cpus(o, "cpu", h)) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

static int add_tcp(cJSON *end, const struct kperf_tcp *t)
{
	cJSON *o = cJSON_AddObjectToObject(end, "tcp");

	if (!o || add_num(o, "retrans", t->retrans) ||
	    add_num(o, "reord_seen", t->reord_seen) ||
	    add_num(o, "rtt_us", t->rtt_us) ||
	    add_num(o, "rttvar_us", t->rttvar_us) ||
	    add_num(o, "delivered_ce", t->delivered_ce) ||
	    add_num(o, "snd_wnd", t->snd_wnd) ||
	    add_num(o, "snd_cwnd", t->snd_cwnd) ||
	    /* exact below 2^53, which is 9 PB: see docs/json.md */
	    add_num(o, "bytes_acked", (double)t->bytes_acked) ||
	    add_num(o, "bytes_received", (double)t->bytes_received))
		return -ENOMEM;
	return 0;
}

/* What the socket reported: max_pacing_rate null when there is none. */
static int add_settings(cJSON *end, const struct kperf_settings *st)
{
	cJSON *o = cJSON_AddObjectToObject(end, "settings");

	if (!o || add_num(o, "mss", st->mss) ||
	    (st->max_pacing_rate == KPERF_PACE_UNLIMITED ?
		     !cJSON_AddNullToObject(o, "max_pacing_rate") :
		     add_num(o, "max_pacing_rate",
			     (double)st->max_pacing_rate)) ||
	    ADD_STR(o, "tcp_cc", st->tcp_cc) ||
	    add_num(o, "sndbuf", st->sndbuf) ||
	    add_num(o, "rcvbuf", st->rcvbuf) ||
	    !cJSON_AddBoolToObject(o, "nodelay", st->nodelay))
		return -ENOMEM;
	return 0;
}

/* Payload validation and zero-copy counters of one end. */
static int add_xfer(cJSON *end, const struct kperf_xfer *x)
{
	cJSON *v = cJSON_AddObjectToObject(end, "validate"), *z;

	if (!v || add_num(v, "checked", (double)x->checked) ||
	    add_num(v, "mismatches", (double)x->mismatches) ||
	    (x->first_bad_offset < 0 ?
		     !cJSON_AddNullToObject(v, "first_bad_offset") :
		     add_num(v, "first_bad_offset",
			     (double)x->first_bad_offset)))
		return -ENOMEM;
	z = cJSON_AddObjectToObject(end, "zerocopy");
	if (!z || add_num(z, "sends", (double)x->zc_sends) ||
	    add_num(z, "sends_copied", (double)x->zc_copied) ||
	    add_num(z, "rx_mapped", (double)x->zrx_mapped) ||
	    add_num(z, "rx_copied", (double)x->zrx_copied))
		return -ENOMEM;
	return 0;
}

static int add_data_path(cJSON *test, const struct kperf_data_path *d)
{
	cJSON *o = cJSON_AddObjectToObject(test, "data_path");

	if (!o ||
	    !cJSON_AddStringToObject(o, "engine_src",
				     report_engine_name(d->engine_src)) ||
	    !cJSON_AddStringToObject(o, "engine_dst",
				     report_engine_name(d->engine_dst)) ||
	    !cJSON_AddStringToObject(o, "rx_mode",
				     report_rx_mode_name(d->rx_mode)) ||
	    !cJSON_AddStringToObject(o, "tx_mode",
				     report_tx_mode_name(d->tx_mode)) ||
	    !cJSON_AddBoolToObject(o, "validate", d->validate) ||
	    !cJSON_AddBoolToObject(o, "waitall", d->waitall))
		return -ENOMEM;
	return 0;
}

static int add_end(cJSON *flow, const char *name,
		   const struct kperf_flow_end *e)
{
	cJSON *o = cJSON_AddObjectToObject(flow, name);

	if (!o || add_cpu(o, "rx_cpu", e->rx_cpu) ||
	    add_cpu(o, "rx_cpu_end", e->rx_cpu_end) ||
	    add_num(o, "napi_id", e->napi_id) ||
	    add_cpu(o, "worker_cpu", e->worker_cpu) ||
	    add_cpu(o, "worker_cpu_ran", e->worker_cpu_ran) ||
	    add_num(o, "worker_tid", e->worker_tid) ||
	    add_num(o, "port", e->port) ||
	    add_num(o, "tx_bytes", (double)e->tx_bytes) ||
	    add_num(o, "rx_bytes", (double)e->rx_bytes) ||
	    add_num(o, "xfer_s", e->xfer_s) || add_tcp(o, &e->tcp) ||
	    add_xfer(o, &e->xfer))
		return -ENOMEM;
	return add_settings(o, &e->settings);
}

/*
 * "rr": {"transactions", "tps", "latency_us": {...} or null when the
 * transactions were not timed (--no-latency).
 */
static int add_rr(cJSON *parent, const struct kperf_rr *rr)
{
	const struct kperf_latency *l = &rr->latency_us;
	cJSON *o = cJSON_AddObjectToObject(parent, "rr"), *lo;

	if (!o || add_num(o, "transactions", (double)rr->transactions) ||
	    add_num(o, "tps", rr->tps))
		return -ENOMEM;
	if (!rr->have_latency)
		return cJSON_AddNullToObject(o, "latency_us") ? 0 : -ENOMEM;
	lo = cJSON_AddObjectToObject(o, "latency_us");
	if (!lo || add_num(lo, "min", l->min) ||
	    add_num(lo, "mean", l->mean) ||
	    add_num(lo, "stdev", l->stdev) ||
	    add_num(lo, "p50", l->p50) ||
	    add_num(lo, "p90", l->p90) ||
	    add_num(lo, "p99", l->p99) ||
	    add_num(lo, "p999", l->p999) ||
	    add_num(lo, "p9999", l->p9999) ||
	    add_num(lo, "max", l->max))
		return -ENOMEM;
	return 0;
}

/*
 * "histogram": {"unit": "ns", "buckets": [[upper_ns, count], ...]}, the
 * non-empty buckets in increasing order.  The overflow bucket has no upper
 * bound (UINT64_MAX, not exact as a JSON number): null.
 */
static int add_hist(cJSON *root, const struct kperf_report *r)
{
	const struct kperf_hist_bucket *b;
	cJSON *o, *a, *pair;
	unsigned int i;

	o = cJSON_AddObjectToObject(root, "histogram");
	if (!o || !cJSON_AddStringToObject(o, "unit", "ns"))
		return -ENOMEM;
	a = cJSON_AddArrayToObject(o, "buckets");
	if (!a)
		return -ENOMEM;
	for (i = 0; i < r->n_hist; i++) {
		b = &r->hist[i];
		if (!b->count)
			continue;
		pair = append(a, cJSON_CreateArray());
		if (!pair ||
		    !append(pair, b->upper_ns == UINT64_MAX ?
				  cJSON_CreateNull() :
				  cJSON_CreateNumber((double)b->upper_ns)) ||
		    !append(pair, cJSON_CreateNumber((double)b->count)))
			return -ENOMEM;
	}
	return 0;
}

static int add_placement(cJSON *test, const struct kperf_report *r)
{
	const struct kperf_placement *p = &r->placement;
	cJSON *o = cJSON_AddObjectToObject(test, "placement");

	if (!o ||
	    add_str(o, "policy", p->policy ? p->policy : "", 32) ||
	    add_str(o, "policy_dst", p->policy_dst ? p->policy_dst : "", 32) ||
	    add_num(o, "attempts", p->attempts) ||
	    add_num(o, "connections_opened", p->connections_opened) ||
	    add_num(o, "connections_discarded", p->connections_discarded))
		return -ENOMEM;
	return 0;
}

static int add_flows(cJSON *root, const struct kperf_report *r)
{
	cJSON *a = cJSON_AddArrayToObject(root, "flows");
	const struct kperf_flow *fl;
	unsigned int i;
	cJSON *o;

	if (!a)
		return -ENOMEM;
	for (i = 0; i < r->n_flows; i++) {
		fl = &r->flows[i];
		o = append(a, cJSON_CreateObject());
		if (!o || add_num(o, "id", fl->id) ||
		    add_end(o, "src", &fl->src) ||
		    add_end(o, "dst", &fl->dst) ||
		    add_num(o, "throughput_gbps", fl->throughput_gbps) ||
		    add_num(o, "reverse_gbps", fl->reverse_gbps) ||
		    (r->type == KPERF_RR && add_rr(o, &fl->rr)))
			return -ENOMEM;
	}
	return 0;
}

static int add_cpus(cJSON *cpu, const char *name,
		    const struct kperf_host_report *h)
{
	cJSON *a = cJSON_AddArrayToObject(cpu, name);
	const struct kperf_cpu *c;
	unsigned int i;
	cJSON *o;

	if (!a)
		return -ENOMEM;
	for (i = 0; h->cpu && i < h->n_cpu; i++) {
		c = &h->cpu[i];
		o = append(a, cJSON_CreateObject());
		if (!o || add_num(o, "cpu", c->cpu) ||
		    add_num(o, "user", c->user) ||
		    add_num(o, "system", c->system) ||
		    add_num(o, "irq", c->irq) ||
		    add_num(o, "softirq", c->softirq) ||
		    add_num(o, "iowait", c->iowait) ||
		    add_num(o, "idle", c->idle) ||
		    add_num(o, "steal", c->steal))
			return -ENOMEM;
	}
	return 0;
}

static int add_intervals(cJSON *root, const struct kperf_report *r)
{
	const struct kperf_sample *s;
	cJSON *a, *o, *fa;
	unsigned int i, j;

	/* Absent rather than empty: -i was not given. */
	if (!r->n_samples || !r->samples)
		return 0;
	a = cJSON_AddArrayToObject(root, "intervals");
	if (!a)
		return -ENOMEM;
	for (i = 0; i < r->n_samples; i++) {
		s = &r->samples[i];
		o = append(a, cJSON_CreateObject());
		if (!o || add_num(o, "t_s", s->t_s) ||
		    add_num(o, "throughput_gbps", s->total_gbps))
			return -ENOMEM;
		fa = cJSON_AddArrayToObject(o, "flows_gbps");
		if (!fa)
			return -ENOMEM;
		for (j = 0; s->flow_gbps && j < r->n_flows; j++)
			if (!append(fa, cJSON_CreateNumber(s->flow_gbps[j])))
				return -ENOMEM;
	}
	return 0;
}

cJSON *report_json_build(const struct kperf_report *r, int with_hist)
{
	const char *type = report_type_name(r->type);
	cJSON *root, *o;

	root = cJSON_CreateObject();
	if (!root)
		return NULL;
	if (add_num(root, "schema", KPERF_JSON_SCHEMA) ||
	    !cJSON_AddStringToObject(root, "kperf_version", KPERF_VERSION))
		goto err_free_root;

	o = cJSON_AddObjectToObject(root, "test");
	if (!o ||
	    (type ? !cJSON_AddStringToObject(o, "type", type) :
		    !cJSON_AddNullToObject(o, "type")) ||
	    !cJSON_AddStringToObject(o, "direction",
				     r->direction == KPERF_BIDIR ? "bidir" :
				     r->direction == KPERF_REVERSE ?
				     "reverse" : "forward") ||
	    add_num(o, "duration_s", r->duration_s) ||
	    add_num(o, "n_flows", r->n_flows) || add_placement(o, r) ||
	    add_data_path(o, &r->data_path))
		goto err_free_root;
	if (add_tls(o, &r->tls))
		goto err_free_root;

	o = cJSON_AddObjectToObject(root, "hosts");
	if (!o || add_host(o, "src", &r->src) || add_host(o, "dst", &r->dst))
		goto err_free_root;

	if (add_flows(root, r))
		goto err_free_root;

	o = cJSON_AddObjectToObject(root, "cpu");
	if (!o || add_cpus(o, "src", &r->src) || add_cpus(o, "dst", &r->dst))
		goto err_free_root;

	o = cJSON_AddObjectToObject(root, "totals");
	if (!o || add_num(o, "throughput_gbps", r->total_gbps) ||
	    add_num(o, "reverse_gbps", r->total_reverse_gbps) ||
	    add_num(o, "mismatches", (double)r->mismatches) ||
	    (r->type == KPERF_RR && add_rr(o, &r->total_rr)))
		goto err_free_root;

	if (with_hist && r->type == KPERF_RR && r->hist && r->n_hist &&
	    add_hist(root, r))
		goto err_free_root;

	if (add_intervals(root, r))
		goto err_free_root;
	return root;

err_free_root:
	cJSON_Delete(root);
	return NULL;
}

int report_json_print(FILE *f, cJSON *root)
{
	char *text;
	int ret = 0;

	if (!root)
		return -ENOMEM;
	text = cJSON_Print(root);
	cJSON_Delete(root);
	if (!text)
		return -ENOMEM;
	if (fputs(text, f) == EOF || fputc('\n', f) == EOF || ferror(f))
		ret = -EIO;
	cJSON_free(text);
	return ret;
}

int report_json(FILE *f, const struct kperf_report *r, int with_hist)
{
	return report_json_print(f, report_json_build(r, with_hist));
}
