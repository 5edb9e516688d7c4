// SPDX-License-Identifier: MIT
/*
 * report_text - the report for people: what ran where, how fast, and what
 * TCP and the CPUs saw, in tables that line up.  See report.h.
 *
 * CPU ids print as "?" when the kernel did not know them (-1) and a worker
 * that was not pinned shows "-".  The per-CPU tables say which flows'
 * softirq and workers ran on each CPU, because that is what a reader
 * cross-checks the percentages against.
 *
 * A request/response test swaps the Gbit/s columns for transactions and
 * tps and adds a latency table (one row per flow, then "all": the merged
 * histograms).  Latencies are microseconds with about 3 significant
 * digits; histogram bounds are exact nanoseconds written as microseconds.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "client/report.h"
#include "client/tls.h"
#include "common/hist.h"

/* Width of the per-CPU "flows" column before it is cut with "...". */
#define ROLE_MAX	40
/* More flows than this and a sample line shows min/max, not every flow. */
#define SAMPLE_FLOWS_MAX	8
/* Width of the fullest histogram bucket's bar. */
#define HIST_BAR_MAX	30

const char *report_type_name(enum kperf_test_type type)
{
	switch (type) {
	case KPERF_STREAM:
		return "stream";
	case KPERF_RR:
		return "rr";
	}
	return NULL;
}

const char *report_engine_name(enum kperf_engine e)
{
	return e == KPERF_ENGINE_IO_URING ? "io_uring" : "epoll";
}

const char *report_rx_mode_name(enum kperf_rx_mode m)
{
	return m == KPERF_RX_TRUNC ? "msg_trunc" :
	       m == KPERF_RX_ZEROCOPY ? "zerocopy" : "copy";
}

const char *report_tx_mode_name(enum kperf_tx_mode m)
{
	return m == KPERF_TX_ZEROCOPY ? "zerocopy" : "copy";
}

/*
 * Copy at most max bytes of s (a fixed array from the wire, maybe without
 * its NUL) with control characters replaced, so a server's hostname cannot
 * move our cursor or retitle the terminal.
 */
static const char *clean(char *out, size_t outlen, const char *s, size_t max)
{
	size_t i, n = strnlen(s, max);

	if (n >= outlen)
		n = outlen - 1;
	for (i = 0; i < n; i++) {
		unsigned char ch = s[i];

		out[i] = ch < 0x20 || ch == 0x7f ? '?' : (char)ch;
	}
	out[n] = '\0';
	return out;
}

#define CLEAN(buf, field) clean(buf, sizeof(buf), field, sizeof(field))

static const char *cpu_str(char *buf, size_t len, int cpu, const char *none)
{
	if (cpu < 0)
		return none;
	snprintf(buf, len, "%d", cpu);
	return buf;
}

static double gbps(uint64_t bytes, double s)
{
	return s > 0 ? bytes * 8 / s / 1e9 : 0;
}

static void print_header(FILE *f, const struct kperf_report *r)
{
	char sa[sizeof(r->src.address)], sh[sizeof(r->src.hostname)];
	char sk[sizeof(r->src.kernel)];
	char da[sizeof(r->dst.address)], dh[sizeof(r->dst.hostname)];
	char dk[sizeof(r->dst.kernel)];
	const char *type = report_type_name(r->type);

	fprintf(f, "%s%s test, %.2f s, %u flow%s: %s (%s, %s) -> %s (%s, %s)\n",
		r->direction == KPERF_REVERSE ? "reverse " :
		r->direction == KPERF_BIDIR ? "bidirectional " : "",
		type ? type : "unknown", r->duration_s, r->n_flows,
		r->n_flows == 1 ? "" : "s", CLEAN(sa, r->src.address),
		CLEAN(sh, r->src.hostname), CLEAN(sk, r->src.kernel),
		CLEAN(da, r->dst.address), CLEAN(dh, r->dst.hostname),
		CLEAN(dk, r->dst.kernel));
	if (r->placement.policy)
		fprintf(f, "placement: workers %s (src) / %s (dst); flows "
			"placed in %u attempt%s, %u connections opened, %u "
			"discarded\n", r->placement.policy,
			r->placement.policy_dst ? r->placement.policy_dst : "?",
			r->placement.attempts,
			r->placement.attempts == 1 ? "" : "s",
			r->placement.connections_opened,
			r->placement.connections_discarded);
	fprintf(f, "data path: %s (src) / %s (dst), receive %s%s, send %s, "
		"validation %s\n", report_engine_name(r->data_path.engine_src),
		report_engine_name(r->data_path.engine_dst),
		report_rx_mode_name(r->data_path.rx_mode),
		r->data_path.waitall ? " (whole blocks)" : "",
		report_tx_mode_name(r->data_path.tx_mode),
		r->data_path.validate ? "on" : "off");
}

static void print_end_cpus(FILE *f, const struct kperf_flow_end *e)
{
	char rx[16], wrk[16], ran[16];

	fprintf(f, "  %4s %6s %5s", cpu_str(rx, sizeof(rx), e->rx_cpu, "?"),
		cpu_str(wrk, sizeof(wrk), e->worker_cpu, "-"),
		cpu_str(ran, sizeof(ran), e->worker_cpu_ran, "?"));
}

/*
 * A latency in microseconds to about 3 significant digits: "0.512" (ns
 * resolution below 1 us), "4.07", "12.3", "1234"; "-" when not finite.
 */
static const char *fmt_us(char *buf, size_t len, double v)
{
	int prec;

	if (!isfinite(v))
		prec = -1;
	else if (v < 0.9995)
		prec = 3;
	else if (v < 9.995)
		prec = 2;
	else if (v < 99.95)
		prec = 1;
	else
		prec = 0;
	if (prec < 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.*f", prec, v);
	return buf;
}

static void print_flows_rr(FILE *f, const struct kperf_report *r)
{
	const struct kperf_flow *fl;
	unsigned int i;

	fprintf(f, "\n%4s  %-24s  %-17s  %-17s\n", "",
		"--- request/response ---", "---- src CPU ----",
		"---- dst CPU ----");
	fprintf(f, "%4s  %12s  %10s  %4s %6s %5s  %4s %6s %5s\n", "flow",
		"transactions", "tps", "rx", "worker", "ran", "rx", "worker",
		"ran");
	for (i = 0; i < r->n_flows; i++) {
		fl = &r->flows[i];
		fprintf(f, "%4u  %12" PRIu64 "  %10.1f", fl->id,
			fl->rr.transactions, fl->rr.tps);
		print_end_cpus(f, &fl->src);
		print_end_cpus(f, &fl->dst);
		fputc('\n', f);
	}
}

static void print_latency_row(FILE *f, const char *name,
			      const struct kperf_rr *rr)
{
	const struct kperf_latency *l = &rr->latency_us;
	const double v[] = { l->min, l->mean, l->stdev, l->p50, l->p90,
			     l->p99, l->p999, l->p9999, l->max };
	char buf[32];
	size_t i;

	fprintf(f, "%4s", name);
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		fprintf(f, " %7s", rr->have_latency ?
			fmt_us(buf, sizeof(buf), v[i]) : "-");
	fputc('\n', f);
}

/* One row per flow, then "all": percentiles of the merged histograms. */
static void print_latency(FILE *f, const struct kperf_report *r)
{
	unsigned int i;

	if (!r->total_rr.have_latency)
		return;
	fprintf(f, "\n%4s  %s\n", "", "----------------------------- "
		"latency, us ----------------------------");
	fprintf(f, "%4s %7s %7s %7s %7s %7s %7s %7s %7s %7s\n", "flow",
		"min", "mean", "stdev", "p50", "p90", "p99", "p99.9",
		"p99.99", "max");
	for (i = 0; i < r->n_flows; i++) {
		char id[16];

		snprintf(id, sizeof(id), "%u", r->flows[i].id);
		print_latency_row(f, id, &r->flows[i].rr);
	}
	print_latency_row(f, "all", &r->total_rr);
}

/* The last line of an RR report: merged over all flows. */
static void print_total_rr(FILE *f, const struct kperf_report *r)
{
	const struct kperf_rr *t = &r->total_rr;
	const struct kperf_latency *l = &t->latency_us;
	char b[7][32];

	fprintf(f, "total: %" PRIu64 " transactions, %.1f tps; ",
		t->transactions, t->tps);
	if (!t->have_latency) {
		fprintf(f, "latency not measured (--no-latency)\n");
		return;
	}
	fprintf(f, "latency us: p50 %s, p90 %s, p99 %s, p99.9 %s, "
		"p99.99 %s, min %s, max %s\n",
		fmt_us(b[0], sizeof(b[0]), l->p50),
		fmt_us(b[1], sizeof(b[1]), l->p90),
		fmt_us(b[2], sizeof(b[2]), l->p99),
		fmt_us(b[3], sizeof(b[3]), l->p999),
		fmt_us(b[4], sizeof(b[4]), l->p9999),
		fmt_us(b[5], sizeof(b[5]), l->min),
		fmt_us(b[6], sizeof(b[6]), l->max));
}

static void print_flows(FILE *f, const struct kperf_report *r)
{
	int bidir = r->direction == KPERF_BIDIR;
	const struct kperf_flow *fl;
	char tx[32];
	unsigned int i;

	if (r->type == KPERF_RR) {
		print_flows_rr(f, r);
		print_latency(f, r);
		return;
	}
	fprintf(f, "\n%4s  %-18s  %-17s  %-17s\n", "", "----- Gbit/s -----",
		"---- src CPU ----", "---- dst CPU ----");
	/* Bidirectional: what each end received, each on its own clock. */
	fprintf(f, "%4s  %8s  %8s  %4s %6s %5s  %4s %6s %5s\n", "flow",
		"dst rx", bidir ? "src rx" : "src tx", "rx", "worker", "ran",
		"rx", "worker", "ran");
	for (i = 0; i < r->n_flows; i++) {
		fl = &r->flows[i];
		if (bidir)
			snprintf(tx, sizeof(tx), "%.2f", fl->reverse_gbps);
		else if (fl->src.xfer_s > 0)
			snprintf(tx, sizeof(tx), "%.2f",
				 gbps(fl->src.tx_bytes, fl->src.xfer_s));
		else
			snprintf(tx, sizeof(tx), "-");
		fprintf(f, "%4u  %8.2f  %8s", fl->id, fl->throughput_gbps, tx);
		print_end_cpus(f, &fl->src);
		print_end_cpus(f, &fl->dst);
		fputc('\n', f);
	}
}

static void print_tcp_row(FILE *f, unsigned int id, const char *end,
			  const struct kperf_tcp *t)
{
	fprintf(f, "%4u  %-3s  %7u  %5u  %6u  %9u  %4u  %9u  %6u\n", id, end,
		t->retrans, t->reord_seen, t->rtt_us, t->rttvar_us,
		t->delivered_ce, t->snd_wnd, t->snd_cwnd);
}

static void print_tcp(FILE *f, const struct kperf_report *r)
{
	unsigned int i;

	fprintf(f, "\n%4s  %-3s  %7s  %5s  %6s  %9s  %4s  %9s  %6s\n", "flow",
		"end", "retrans", "reord", "rtt us", "rttvar us", "ce",
		"snd_wnd", "cwnd");
	for (i = 0; i < r->n_flows; i++) {
		print_tcp_row(f, r->flows[i].id, "src", &r->flows[i].src.tcp);
		print_tcp_row(f, r->flows[i].id, "dst", &r->flows[i].dst.tcp);
	}
}

static void print_settings_row(FILE *f, unsigned int id, const char *end,
			       const struct kperf_settings *st)
{
	char cc[sizeof(st->tcp_cc)], pace[32];

	if (st->max_pacing_rate == KPERF_PACE_UNLIMITED)
		snprintf(pace, sizeof(pace), "-");
	else
		snprintf(pace, sizeof(pace), "%.6g",
			 (double)st->max_pacing_rate * 8 / 1e6);
	fprintf(f, "%4u  %-3s  %5u  %11s  %-15s  %10u  %10u  %s\n", id, end,
		st->mss, pace, CLEAN(cc, st->tcp_cc), st->sndbuf, st->rcvbuf,
		st->nodelay ? "on" : "off");
}

/* The TCP settings in force on each end, as the sockets reported them. */
static void print_settings(FILE *f, const struct kperf_report *r)
{
	unsigned int i;

	fprintf(f, "\n%4s  %-3s  %5s  %11s  %-15s  %10s  %10s  %s\n", "flow",
		"end", "mss", "pace Mbit/s", "cc", "sndbuf", "rcvbuf",
		"nodelay");
	for (i = 0; i < r->n_flows; i++) {
		print_settings_row(f, r->flows[i].id, "src",
				   &r->flows[i].src.settings);
		print_settings_row(f, r->flows[i].id, "dst",
				   &r->flows[i].dst.settings);
	}
}

/*
 * Append one flow id to a role list: with its label ("rx ") when it opens
 * a group, and " ..." instead once the column is full.
 */
static void role_add(char *buf, size_t len, const char *label,
		     unsigned int id)
{
	size_t n = strlen(buf);
	char item[32];

	if (n >= 4 && !strcmp(buf + n - 4, " ..."))
		return;
	snprintf(item, sizeof(item), "%s%s%u", label ? (n ? "  " : "") : " ",
		 label ? label : "", id);
	/* Keep room for " ..." so the cut is always visible. */
	if (n + strlen(item) + 4 >= len) {
		snprintf(buf + n, len - n, " ...");
		return;
	}
	memcpy(buf + n, item, strlen(item) + 1);
}

/*
 * "rx 0 1  worker 0": the flows whose receive softirq (SO_INCOMING_CPU)
 * and whose worker ran on this CPU of this end.
 */
static void cpu_roles(char *buf, size_t len, const struct kperf_report *r,
		      bool src, int cpu)
{
	const struct kperf_flow_end *e;
	const char *label = "rx ";
	unsigned int i;

	buf[0] = '\0';
	for (i = 0; i < r->n_flows; i++) {
		e = src ? &r->flows[i].src : &r->flows[i].dst;
		if (e->rx_cpu == cpu) {
			role_add(buf, len, label, r->flows[i].id);
			label = NULL;
		}
	}
	label = "worker ";
	for (i = 0; i < r->n_flows; i++) {
		e = src ? &r->flows[i].src : &r->flows[i].dst;
		if (e->worker_cpu_ran == cpu) {
			role_add(buf, len, label, r->flows[i].id);
			label = NULL;
		}
	}
}

static void print_cpu(FILE *f, const struct kperf_report *r, bool src)
{
	const struct kperf_host_report *h = src ? &r->src : &r->dst;
	char name[sizeof(h->hostname)], roles[ROLE_MAX + 1];
	const struct kperf_cpu *c;
	bool steal = false;
	unsigned int i;

	fprintf(f, "\nCPU %% on %s (%s), %.2f s, kperf workers %.2f CPU s",
		src ? "src" : "dst", CLEAN(name, h->hostname), h->window_s,
		h->worker_cpu_s);
	if (h->cpu_s_per_gb > 0)
		fprintf(f, " (%.3f CPU s/GB)", h->cpu_s_per_gb);
	else if (h->cpu_us_per_transaction > 0)
		fprintf(f, " (%.2f CPU us/transaction)",
			h->cpu_us_per_transaction);
	fputc('\n', f);
	if (!h->n_cpu || !h->cpu) {
		fprintf(f, "  (no CPU data)\n");
		return;
	}
	/* Steal only matters on VMs: a column of zeros elsewhere. */
	for (i = 0; i < h->n_cpu; i++)
		if (h->cpu[i].steal >= 0.05)
			steal = true;
	fprintf(f, "%4s  %5s %5s %5s %5s %6s %5s", "cpu", "user", "sys",
		"irq", "soft", "iowait", "idle");
	if (steal)
		fprintf(f, " %5s", "steal");
	fprintf(f, "  flows\n");
	for (i = 0; i < h->n_cpu; i++) {
		c = &h->cpu[i];
		fprintf(f, "%4d  %5.1f %5.1f %5.1f %5.1f %6.1f %5.1f", c->cpu,
			c->user, c->system, c->irq, c->softirq, c->iowait,
			c->idle);
		if (steal)
			fprintf(f, " %5.1f", c->steal);
		cpu_roles(roles, sizeof(roles), r, src, c->cpu);
		if (roles[0])
			fprintf(f, "  %s", roles);
		fputc('\n', f);
	}
}

/*
 * Things that make the numbers above mean something else than they seem:
 * the kernel moved a flow's RX processing, or a pinned worker ran
 * elsewhere.
 */
static void print_notes(FILE *f, const struct kperf_report *r)
{
	const struct kperf_flow_end *e;
	unsigned int i, end;

	for (i = 0; i < r->n_flows; i++) {
		for (end = 0; end < 2; end++) {
			e = end ? &r->flows[i].dst : &r->flows[i].src;
			if (e->rx_cpu >= 0 && e->rx_cpu_end >= 0 &&
			    e->rx_cpu != e->rx_cpu_end)
				fprintf(f, "note: on %s, RX CPU of flow %u "
					"moved from %d to %d during the test\n",
					end ? "dst" : "src", r->flows[i].id,
					e->rx_cpu, e->rx_cpu_end);
			if (e->worker_cpu >= 0 && e->worker_cpu_ran >= 0 &&
			    e->worker_cpu != e->worker_cpu_ran)
				fprintf(f, "note: on %s, worker of flow %u "
					"pinned to CPU %d last ran on %d\n",
					end ? "dst" : "src", r->flows[i].id,
					e->worker_cpu, e->worker_cpu_ran);
		}
	}
}

static double share(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0;
}

/* Validation and zero-copy, per end, where the test used them. */
static void print_data(FILE *f, const struct kperf_report *r)
{
	const struct kperf_data_path *d = &r->data_path;
	const struct kperf_flow_end *e;
	unsigned int i, end;
	uint64_t checked = 0;

	for (i = 0; i < r->n_flows; i++) {
		for (end = 0; end < 2; end++) {
			const char *name = end ? "dst" : "src";

			e = end ? &r->flows[i].dst : &r->flows[i].src;
			checked += e->xfer.checked;
			if (e->xfer.mismatches)
				fprintf(f, "error: on %s, flow %u: %llu of "
					"%llu bytes differ from what was "
					"sent, the first at stream offset "
					"%lld\n", name, r->flows[i].id,
					(unsigned long long)e->xfer.mismatches,
					(unsigned long long)e->xfer.checked,
					(long long)e->xfer.first_bad_offset);
			if (d->tx_mode == KPERF_TX_ZEROCOPY &&
			    e->xfer.zc_sends)
				fprintf(f, "zerocopy: on %s, flow %u: %llu "
					"sends, %llu (%.1f%%) copied by the "
					"kernel after all\n", name,
					r->flows[i].id,
					(unsigned long long)e->xfer.zc_sends,
					(unsigned long long)e->xfer.zc_copied,
					share(e->xfer.zc_copied,
					      e->xfer.zc_sends));
			if (d->rx_mode == KPERF_RX_ZEROCOPY &&
			    e->xfer.zrx_mapped + e->xfer.zrx_copied)
				fprintf(f, "zerocopy-rx: on %s, flow %u: "
					"%.1f%% of %llu bytes mapped, the "
					"rest copied\n", name, r->flows[i].id,
					share(e->xfer.zrx_mapped,
					      e->xfer.zrx_mapped +
					      e->xfer.zrx_copied),
					(unsigned long long)(e->xfer.zrx_mapped +
							     e->xfer.zrx_copied));
		}
	}
	if (d->validate)
		fprintf(f, "validation: %llu bytes checked, %llu differ\n",
			(unsigned long long)checked,
			(unsigned long long)r->mismatches);
}

/*
 * Kernel TLS: what ran, then one line per host with the counters of
 * /proc/net/tls_stat that moved during the test (TlsDecryptError always).
 */
static void print_tls_host(FILE *f, const char *end,
			   const struct kperf_host_report *h)
{
	char name[sizeof(h->hostname)], cn[KPERF_TLS_STAT_NAME_LEN];
	unsigned int i, shown = 0;

	fprintf(f, "tls_stat on %s (%s):", end, CLEAN(name, h->hostname));
	for (i = 0; h->tls_stat && i < h->n_tls_stat; i++) {
		const struct kperf_tls_stat *c = &h->tls_stat[i];

		CLEAN(cn, c->name);
		if (!c->delta && strcmp(cn, "TlsDecryptError"))
			continue;
		fprintf(f, "%s %s %+lld", shown++ ? "," : "", cn,
			(long long)c->delta);
	}
	fprintf(f, "%s\n", !h->tls_stat ? " not read" :
			   !h->n_tls_stat ? " none (no /proc/net/tls_stat)" :
					    "");
}

static void print_tls(FILE *f, const struct kperf_report *r)
{
	const struct kperf_tls *t = &r->tls;
	const char *ver = tls_version_name(t->version);
	const char *cipher = tls_cipher_name(t->cipher);

	if (!t->tx && !t->rx)
		return;
	fprintf(f, "\nkernel TLS %s, %s: %s%s\n", ver ? ver : "?",
		cipher ? cipher : "?",
		t->tx && t->rx ? "both directions" :
		t->tx ? "src -> dst only" : "dst -> src only",
		t->nopad ? ", receivers expect no padding" : "");
	print_tls_host(f, "src", &r->src);
	print_tls_host(f, "dst", &r->dst);
}

int report_text(FILE *f, const struct kperf_report *r, int quiet)
{
	if (!quiet) {
		print_header(f, r);
		print_flows(f, r);
		print_tcp(f, r);
		print_settings(f, r);
		print_tls(f, r);
		print_cpu(f, r, true);
		print_cpu(f, r, false);
		fputc('\n', f);
		print_notes(f, r);
		print_data(f, r);
	}
	if (r->type == KPERF_RR)
		print_total_rr(f, r);
	else if (r->direction == KPERF_BIDIR)
		fprintf(f, "total: %.2f Gbit/s src -> dst, %.2f Gbit/s dst -> "
			"src (%.2f both)\n", r->total_gbps,
			r->total_reverse_gbps,
			r->total_gbps + r->total_reverse_gbps);
	else
		fprintf(f, "total: %.2f Gbit/s\n", r->total_gbps);
	return ferror(f) ? -EIO : 0;
}

/* Exact nanoseconds as microseconds: "12.288". */
static const char *fmt_ns(char *buf, size_t len, uint64_t ns)
{
	snprintf(buf, len, "%" PRIu64 ".%03u", ns / 1000,
		 (unsigned int)(ns % 1000));
	return buf;
}

int report_hist_text(FILE *f, const struct kperf_report *r)
{
	const struct kperf_hist_bucket *b;
	uint64_t total = 0, cum = 0, top = 0;
	char lo[32], hi[32];
	unsigned int i, bar;
	double pct;

	for (i = 0; r->hist && i < r->n_hist; i++) {
		total += r->hist[i].count;
		if (r->hist[i].count > top)
			top = r->hist[i].count;
	}
	if (!total) {
		fprintf(f, "latency histogram: no samples\n");
		return ferror(f) ? -EIO : 0;
	}
	fprintf(f, "latency histogram, all flows merged, %" PRIu64
		" samples:\n", total);
	fprintf(f, "%15s    %15s  %12s  %8s\n", "from us", "to us", "count",
		"cum %");
	for (i = 0; i < r->n_hist; i++) {
		b = &r->hist[i];
		if (!b->count)
			continue;
		cum += b->count;
		/* The layout gives a bucket's lower bound from its upper. */
		fmt_ns(lo, sizeof(lo),
		       hist_bucket_lower_ns(hist_bucket_index(b->upper_ns)));
		if (b->upper_ns == UINT64_MAX)
			snprintf(hi, sizeof(hi), "inf");
		else
			fmt_ns(hi, sizeof(hi), b->upper_ns);
		/* Down, so 100% means every sample, not 99.9996%. */
		pct = floor(100000.0 * (double)cum / (double)total) / 1000;
		fprintf(f, "%15s .. %15s  %12" PRIu64 "  %7.3f%%  ", lo, hi,
			b->count, pct);
		/* Rounded up: every non-empty bucket shows at least one '#'. */
		bar = (unsigned int)ceil((double)b->count * HIST_BAR_MAX /
					 (double)top);
		while (bar--)
			fputc('#', f);
		fputc('\n', f);
	}
	return ferror(f) ? -EIO : 0;
}

int report_sample(FILE *f, double t_s, unsigned int n_flows,
		  const double *flow_gbps)
{
	double total = 0, min = 0, max = 0;
	unsigned int i;

	for (i = 0; i < n_flows; i++) {
		total += flow_gbps[i];
		if (!i || flow_gbps[i] < min)
			min = flow_gbps[i];
		if (!i || flow_gbps[i] > max)
			max = flow_gbps[i];
	}
	fprintf(f, "[%5.2fs] %5.2f Gbit/s", t_s, total);
	if (n_flows == 1) {
		fprintf(f, "  (flow 0: %.2f)", flow_gbps[0]);
	} else if (n_flows > SAMPLE_FLOWS_MAX) {
		fprintf(f, "  (%u flows: min %.2f, max %.2f)", n_flows, min,
			max);
	} else if (n_flows) {
		fprintf(f, "  (flows:");
		for (i = 0; i < n_flows; i++)
			fprintf(f, " %.2f", flow_gbps[i]);
		fputc(')', f);
	}
	fputc('\n', f);
	if (fflush(f) || ferror(f))
		return -EIO;
	return 0;
}
