/* SPDX-License-Identifier: MIT */
/*
 * report - print a struct kperf_report: as text for people (report_text),
 * as one JSON document for programs (report_json, schema in docs/json.md),
 * the merged latency histogram of a request/response test as text
 * (report_hist_text, for -T/--time-stats 1), and the one-line interval
 * sample printed while a test runs (report_sample, fit for
 * kperf_opts.on_sample).
 *
 *	r = result of kperf_run()
 *	if (json)
 *		ret = report_json(stdout, r, json_histogram);
 *	else if (!(ret = report_text(stdout, r, quiet)) && time_stats)
 *		ret = report_hist_text(stdout, r);
 *
 * A stream test prints throughput; a request/response test (KPERF_RR)
 * prints transactions, tps and latency percentiles instead, per flow and
 * merged over all flows (percentiles of the merged histograms, never
 * averaged).  Latencies print in microseconds with about 3 significant
 * digits ("0.512", "4.07", "12.3", "1234").
 *
 * The printers only read the report; strings from the servers (hostname,
 * kernel) are printed with control characters replaced, since a server is
 * not trusted to write to our terminal.
 */
#ifndef KPERF_REPORT_H
#define KPERF_REPORT_H

#include <stdio.h>

#include <cjson/cJSON.h>

#include <kperf/kperf.h>

/*
 * Header, per-flow placement (with Gbit/s, or transactions and tps), for
 * RR a per-flow latency table, TCP_INFO, TCP settings (one line per end of
 * each flow: mss, pacing, congestion control, buffers, nodelay) and
 * per-CPU tables, notes, and
 * the total line: "total: X.XX Gbit/s", or for RR "total: N transactions,
 * X tps; latency us: p50 .., p99 .., ..." (or "latency not measured
 * (--no-latency)").  Only the total line when quiet.  Return 0, or -EIO
 * when f reported a write error.
 */
int report_text(FILE *f, const struct kperf_report *r, int quiet);

/*
 * The merged latency histogram (r->hist): a title, then one line per
 * non-empty bucket with its inclusive range in microseconds, its count,
 * the cumulative percent and a bar scaled to the fullest bucket.  One line
 * saying so when there is none (a stream test, --no-latency, or no
 * transaction completed).  Return 0, or -EIO when f reported a write
 * error.
 */
int report_hist_text(FILE *f, const struct kperf_report *r);

/*
 * The report as one JSON document (cJSON_Print) followed by a newline.
 * With with_hist, an RR report with a non-empty r->hist also gets the
 * top-level "histogram" (--json-histogram); a stream report never does.
 * Return 0, -ENOMEM when cJSON could not allocate (nothing is written), or
 * -EIO when f reported a write error.
 */
int report_json(FILE *f, const struct kperf_report *r, int with_hist);

/* The document report_json() prints, for results.c to compose. */
cJSON *report_json_build(const struct kperf_report *r, int with_hist);

/* Print root and a newline, then free it (NULL: -ENOMEM).  0 or -EIO. */
int report_json_print(FILE *f, cJSON *root);

/* One host as in "hosts", with its "cpu" array inside.  NULL: ENOMEM. */
cJSON *report_json_host(const struct kperf_host_report *h);

/*
 * "[ 1.00s]  9.41 Gbit/s  (flow 0: 9.41)" for one interval sample, then
 * fflush(f) so a pipe sees it at once.  Return 0 or -EIO.
 */
int report_sample(FILE *f, double t_s, unsigned int n_flows,
		  const double *gbps);

/* "stream", "rr", or NULL for a type this build does not know. */
const char *report_type_name(enum kperf_test_type type);

/* "epoll", "io_uring"; "copy", "msg_trunc", "zerocopy"; "copy", "zerocopy". */
const char *report_engine_name(enum kperf_engine e);
const char *report_rx_mode_name(enum kperf_rx_mode m);
const char *report_tx_mode_name(enum kperf_tx_mode m);

#endif /* KPERF_REPORT_H */
