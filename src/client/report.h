/* SPDX-License-Identifier: MIT */
/*
 * report - print a struct kperf_report: as text for people (report_text),
 * as one JSON document for programs (report_json, schema in docs/json.md),
 * and the one-line interval sample printed while a test runs
 * (report_sample, fit for kperf_opts.on_sample).
 *
 *	r = result of kperf_run()
 *	ret = json ? report_json(stdout, r) : report_text(stdout, r, quiet);
 *
 * The printers only read the report; strings from the servers (hostname,
 * kernel) are printed with control characters replaced, since a server is
 * not trusted to write to our terminal.
 */
#ifndef KPERF_REPORT_H
#define KPERF_REPORT_H

#include <stdio.h>

#include <kperf/kperf.h>

/*
 * Header, per-flow placement, TCP_INFO and per-CPU tables, notes, and the
 * "total: X.XX Gbit/s" line; only the total line when quiet.  Return 0, or
 * -EIO when f reported a write error.
 */
int report_text(FILE *f, const struct kperf_report *r, int quiet);

/*
 * The report as one JSON document (cJSON_Print) followed by a newline.
 * Return 0, -ENOMEM when cJSON could not allocate (nothing is written), or
 * -EIO when f reported a write error.
 */
int report_json(FILE *f, const struct kperf_report *r);

/*
 * "[ 1.00s]  9.41 Gbit/s  (flow 0: 9.41)" for one interval sample, then
 * fflush(f) so a pipe sees it at once.  Return 0 or -EIO.
 */
int report_sample(FILE *f, double t_s, unsigned int n_flows,
		  const double *gbps);

/* "stream", "rr", or NULL for a type this build does not know. */
const char *report_type_name(enum kperf_test_type type);

#endif /* KPERF_REPORT_H */
