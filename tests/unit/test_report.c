// SPDX-License-Identifier: MIT
/*
 * Unit tests for the reports (src/client/report_*.c), on a report built by
 * hand: two flows, two CPUs per host, one flow whose RX CPU moved; and the
 * same report as a request/response test, with per-flow and merged
 * latencies and a few histogram buckets.
 *
 * The JSON is parsed back and checked value by value, and its field list
 * is checked against docs/json.md in both directions (the stream document
 * against the fields outside the RR-only sections, the RR document against
 * all of them), so the document and the code cannot drift apart silently;
 * the examples in docs/json.md must parse, use only documented fields and
 * between them use all of them.  cJSON's allocator is swapped for one that
 * fails on the Nth call to prove every allocation is checked and nothing
 * leaks on the way out.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "client/report.h"

#ifndef JSON_DOC
#error "JSON_DOC must name docs/json.md"
#endif

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
/* > 2^32, < 2^53: must survive the trip through a JSON number exactly. */
#define BIG_BYTES	6000000000123ull
/* 9.25 Gbit/s for 5 s, and more than 32 bits. */
#define TX_BYTES	5781250001ull

static struct kperf_cpu src_cpus[2] = {
	{ .cpu = 2, .user = 1.5, .system = 40.4, .irq = 0.2,
	  .softirq = 50.1, .iowait = 0, .idle = 7.8, .steal = 0 },
	{ .cpu = 3, .user = 0.5, .system = 30.6, .irq = 0,
	  .softirq = 60.3, .iowait = 0.1, .idle = 8.5, .steal = 0 },
};

static struct kperf_cpu dst_cpus[2] = {
	{ .cpu = 4, .user = 2, .system = 20, .irq = 1, .softirq = 70,
	  .iowait = 0, .idle = 7, .steal = 0 },
	{ .cpu = 5, .user = 3, .system = 25.5, .irq = 1.5, .softirq = 60,
	  .iowait = 0, .idle = 10, .steal = 0 },
};

static double sample0[2] = { 9.0, 9.5 };
static double sample1[2] = { 9.25, 9.75 };

static struct kperf_sample samples[2] = {
	{ .t_s = 1.0, .total_gbps = 18.5, .flow_gbps = sample0 },
	{ .t_s = 2.0, .total_gbps = 19.0, .flow_gbps = sample1 },
};

static struct kperf_flow flows[2];

/* Merged histogram: real bucket upper bounds (see common/hist.h). */
static struct kperf_hist_bucket rr_hist[] = {
	{ .upper_ns = 200, .count = 4 },	/* exact region: [200, 200] */
	{ .upper_ns = 3103, .count = 100 },	/* [3088, 3103] */
	{ .upper_ns = 4511, .count = 1000 },	/* [4480, 4511] */
	{ .upper_ns = 8063, .count = 0 },	/* empty: never printed */
	{ .upper_ns = 12351, .count = 890 },	/* [12288, 12351] */
	{ .upper_ns = 98815, .count = 5 },	/* [98304, 98815] */
	{ .upper_ns = UINT64_MAX, .count = 1 },	/* overflow, >= 137 s */
};

static void make_report(struct kperf_report *r)
{
	memset(flows, 0, sizeof(flows));
	flows[0] = (struct kperf_flow){
		.id = 0,
		.src = { .rx_cpu = 2, .rx_cpu_end = 2, .napi_id = 8193,
			 .worker_cpu = 2, .worker_cpu_ran = 2,
			 .worker_tid = 1001, .port = 40000,
			 .tx_bytes = TX_BYTES, .rx_bytes = 0, .xfer_s = 5.0,
			 .tcp = { .retrans = 3, .reord_seen = 1, .rtt_us = 52,
				  .rttvar_us = 10, .delivered_ce = 0,
				  .snd_wnd = 3145728, .snd_cwnd = 342,
				  .bytes_acked = BIG_BYTES,
				  .bytes_received = 1 },
			 .settings = { .mss = 988, .max_pacing_rate = 25000000,
				       .sndbuf = 2097152, .rcvbuf = 131072,
				       .nodelay = 1, .tcp_cc = "bbr" } },
		.dst = { .rx_cpu = 4, .rx_cpu_end = 4, .napi_id = 8194,
			 .worker_cpu = -1, .worker_cpu_ran = 5,
			 .worker_tid = 2001, .port = 18400, .tx_bytes = 0,
			 .rx_bytes = TX_BYTES, .xfer_s = 4.9,
			 .tcp = { .rtt_us = 31, .rttvar_us = 6,
				  .snd_wnd = 65535, .snd_cwnd = 10,
				  .bytes_acked = 1,
				  .bytes_received = BIG_BYTES },
			 .settings = { .mss = 1448,
				       .max_pacing_rate = KPERF_PACE_UNLIMITED,
				       .sndbuf = 87040, .rcvbuf = 2097152,
				       .nodelay = 0, .tcp_cc = "bbr" } },
		.throughput_gbps = 9.25,
	};
	flows[1] = (struct kperf_flow){
		.id = 1,
		.src = { .rx_cpu = 3, .rx_cpu_end = 3, .worker_cpu = 3,
			 .worker_cpu_ran = 3, .worker_tid = 1002, .port = 40001,
			 .tx_bytes = 5800000000ull, .xfer_s = 5.0,
			 .settings = { .mss = 1448,
				       .max_pacing_rate = KPERF_PACE_UNLIMITED,
				       .sndbuf = 16384, .rcvbuf = 131072,
				       .tcp_cc = "cubic" } },
		/* The kernel moved the flow's RX processing from 3 to 5. */
		.dst = { .rx_cpu = 3, .rx_cpu_end = 5, .worker_cpu = 5,
			 .worker_cpu_ran = 5, .worker_tid = 2002, .port = 18401,
			 .rx_bytes = 5800000000ull, .xfer_s = 5.0,
			 .settings = { .mss = 1448,
				       .max_pacing_rate = KPERF_PACE_UNLIMITED,
				       .sndbuf = 16384, .rcvbuf = 131072,
				       .tcp_cc = "cubic" } },
		.throughput_gbps = 9.25,
	};

	static struct kperf_worker src_workers[1] = {
		{ .tid = 4242, .cpu_pinned = 3, .cpu_ran = 3, .user_s = 0.5,
		  .system_s = 4.0 },
	};
	static struct kperf_worker dst_workers[1] = {
		{ .tid = 4343, .cpu_pinned = -1, .cpu_ran = 5, .user_s = 0.25,
		  .system_s = 3.0 },
	};

	memset(r, 0, sizeof(*r));
	r->type = KPERF_STREAM;
	r->duration_s = 5.0;
	r->n_flows = 2;
	r->flows = flows;
	snprintf(r->src.address, sizeof(r->src.address), "198.18.0.1");
	snprintf(r->src.hostname, sizeof(r->src.hostname), "hosta");
	snprintf(r->src.kernel, sizeof(r->src.kernel), "6.1.0-18-amd64");
	r->src.ncpus = 8;
	r->src.window_s = 5.01;
	r->src.n_cpu = 2;
	r->src.cpu = src_cpus;
	r->src.worker_cpu_s = 4.5;
	r->src.cpu_s_per_gb = 0.75;
	r->src.n_workers = 1;
	r->src.workers = src_workers;
	snprintf(r->dst.address, sizeof(r->dst.address), "198.18.0.2");
	snprintf(r->dst.hostname, sizeof(r->dst.hostname), "hostb");
	snprintf(r->dst.kernel, sizeof(r->dst.kernel), "6.12.0");
	r->dst.ncpus = 16;
	r->dst.window_s = 5.02;
	r->dst.n_cpu = 2;
	r->dst.cpu = dst_cpus;
	r->dst.worker_cpu_s = 3.25;
	r->dst.n_workers = 1;
	r->dst.workers = dst_workers;
	r->total_gbps = 18.5;
	r->n_samples = 2;
	r->samples = samples;
}

/* The same report as a request/response test. */
static void make_rr_report(struct kperf_report *r)
{
	make_report(r);
	r->type = KPERF_RR;
	flows[0].rr = (struct kperf_rr){
		.transactions = 1000000, .tps = 200000.0, .have_latency = 1,
		.latency_us = { .count = 1000000, .min = 3.1, .mean = 4.87,
				.stdev = 1.234, .p50 = 4.511, .p90 = 6.143,
				.p99 = 12.351, .p999 = 98.815,
				.p9999 = 1234.943, .max = 20345.6 },
	};
	flows[1].rr = (struct kperf_rr){
		.transactions = 950000, .tps = 190000.5, .have_latency = 1,
		.latency_us = { .count = 950000, .min = 0.2, .mean = 5.25,
				.stdev = 2.5, .p50 = 4.479, .p90 = 12.223,
				.p99 = 12.351, .p999 = 90.111,
				.p9999 = 98.815, .max = 1000.7 },
	};
	r->total_rr = (struct kperf_rr){
		.transactions = 1950000, .tps = 390000.5, .have_latency = 1,
		.latency_us = { .count = 1950000, .min = 0.2, .mean = 5.05,
				.stdev = 1.876, .p50 = 4.511, .p90 = 12.223,
				.p99 = 12.351, .p999 = 98.815,
				.p9999 = 1234.943, .max = 20345.6 },
	};
	r->n_hist = ARRAY_SIZE(rr_hist);
	r->hist = rr_hist;
}

/* --no-latency: transactions are counted, not timed. */
static void make_rr_report_no_latency(struct kperf_report *r)
{
	make_rr_report(r);
	memset(&flows[0].rr.latency_us, 0, sizeof(flows[0].rr.latency_us));
	memset(&flows[1].rr.latency_us, 0, sizeof(flows[1].rr.latency_us));
	memset(&r->total_rr.latency_us, 0, sizeof(r->total_rr.latency_us));
	flows[0].rr.have_latency = 0;
	flows[1].rr.have_latency = 0;
	r->total_rr.have_latency = 0;
	r->n_hist = 0;
	r->hist = NULL;
}

/* Run a printer into memory; the caller frees the text. */
#define CAPTURE(out, call)						\
	({								\
		size_t len_ = 0;					\
		FILE *f = open_memstream(&(out), &len_);		\
		int ret_;						\
									\
		assert_non_null(f);					\
		ret_ = (call);						\
		assert_int_equal(fclose(f), 0);				\
		ret_;							\
	})

static cJSON *json_of(const struct kperf_report *r, int with_hist)
{
	char *text = NULL;
	cJSON *root;

	assert_int_equal(CAPTURE(text, report_json(f, r, with_hist)), 0);
	root = cJSON_Parse(text);
	assert_non_null(root);
	/* Exactly one document: nothing after it but the newline. */
	assert_int_equal(text[strlen(text) - 1], '\n');
	free(text);
	return root;
}

static const cJSON *get(const cJSON *o, const char *path)
{
	char buf[128], *tok, *save = NULL;
	const cJSON *it = o;

	snprintf(buf, sizeof(buf), "%s", path);
	for (tok = strtok_r(buf, ".", &save); tok;
	     tok = strtok_r(NULL, ".", &save)) {
		char *end;
		long idx = strtol(tok, &end, 10);

		if (!*end)
			it = cJSON_GetArrayItem(it, (int)idx);
		else
			it = cJSON_GetObjectItemCaseSensitive(it, tok);
		if (!it)
			fail_msg("no %s (at %s)", path, tok);
	}
	return it;
}

static double num(const cJSON *o, const char *path)
{
	const cJSON *it = get(o, path);

	if (!cJSON_IsNumber(it))
		fail_msg("%s is not a number", path);
	return it->valuedouble;
}

static const char *str(const cJSON *o, const char *path)
{
	const cJSON *it = get(o, path);

	if (!cJSON_IsString(it))
		fail_msg("%s is not a string", path);
	return it->valuestring;
}

static void assert_num(const cJSON *o, const char *path, double want)
{
	double v = num(o, path);

	if (v != want)
		fail_msg("%s is %.17g, want %.17g", path, v, want);
}

static void test_json_values(void **state)
{
	struct kperf_report r;
	cJSON *root;

	make_report(&r);
	root = json_of(&r, 0);

	/* "schema" comes first, so a reader can dispatch on it. */
	assert_string_equal(root->child->string, "schema");
	assert_num(root, "schema", KPERF_JSON_SCHEMA);
	assert_num(root, "schema", 1);
	assert_string_equal(str(root, "kperf_version"), KPERF_VERSION);

	assert_string_equal(str(root, "test.type"), "stream");
	assert_num(root, "test.duration_s", 5.0);
	assert_num(root, "test.n_flows", 2);

	assert_string_equal(str(root, "hosts.src.address"), "198.18.0.1");
	assert_string_equal(str(root, "hosts.src.hostname"), "hosta");
	assert_string_equal(str(root, "hosts.src.kernel"), "6.1.0-18-amd64");
	assert_num(root, "hosts.src.ncpus", 8);
	assert_num(root, "hosts.src.window_s", 5.01);
	assert_num(root, "hosts.src.worker_cpu_s", 4.5);
	assert_string_equal(str(root, "hosts.dst.address"), "198.18.0.2");
	assert_string_equal(str(root, "hosts.dst.hostname"), "hostb");
	assert_string_equal(str(root, "hosts.dst.kernel"), "6.12.0");
	assert_num(root, "hosts.dst.ncpus", 16);
	assert_num(root, "hosts.dst.window_s", 5.02);
	assert_num(root, "hosts.dst.worker_cpu_s", 3.25);
	assert_num(root, "hosts.src.cpu_s_per_gb", 0.75);
	assert_true(cJSON_IsNull(get(root, "hosts.dst.cpu_s_per_gb")));
	assert_true(cJSON_IsNull(get(root,
				      "hosts.src.cpu_us_per_transaction")));

	assert_int_equal(cJSON_GetArraySize(get(root, "flows")), 2);
	assert_num(root, "flows.0.id", 0);
	assert_num(root, "flows.0.src.rx_cpu", 2);
	assert_num(root, "flows.0.src.rx_cpu_end", 2);
	assert_num(root, "flows.0.src.napi_id", 8193);
	assert_num(root, "flows.0.src.worker_cpu", 2);
	assert_num(root, "flows.0.src.worker_cpu_ran", 2);
	assert_num(root, "flows.0.src.worker_tid", 1001);
	assert_num(root, "flows.0.src.port", 40000);
	assert_num(root, "flows.0.src.tx_bytes", (double)TX_BYTES);
	assert_num(root, "flows.0.src.rx_bytes", 0);
	assert_num(root, "flows.0.src.xfer_s", 5.0);
	assert_num(root, "flows.0.src.tcp.retrans", 3);
	assert_num(root, "flows.0.src.tcp.reord_seen", 1);
	assert_num(root, "flows.0.src.tcp.rtt_us", 52);
	assert_num(root, "flows.0.src.tcp.rttvar_us", 10);
	assert_num(root, "flows.0.src.tcp.delivered_ce", 0);
	assert_num(root, "flows.0.src.tcp.snd_wnd", 3145728);
	assert_num(root, "flows.0.src.tcp.snd_cwnd", 342);
	assert_num(root, "flows.0.src.tcp.bytes_acked", (double)BIG_BYTES);
	assert_num(root, "flows.0.src.tcp.bytes_received", 1);
	/* Not pinned: null, not -1. */
	assert_true(cJSON_IsNull(get(root, "flows.0.dst.worker_cpu")));
	assert_num(root, "flows.0.dst.worker_cpu_ran", 5);
	assert_num(root, "flows.0.dst.rx_bytes", (double)TX_BYTES);
	assert_num(root, "flows.0.dst.xfer_s", 4.9);
	assert_num(root, "flows.0.dst.tcp.bytes_received", (double)BIG_BYTES);
	assert_num(root, "flows.0.throughput_gbps", 9.25);
	assert_num(root, "flows.1.id", 1);
	assert_num(root, "flows.1.dst.rx_cpu", 3);
	assert_num(root, "flows.1.dst.rx_cpu_end", 5);
	assert_num(root, "flows.1.dst.worker_cpu", 5);
	/* TCP settings as read back; unlimited pacing is null. */
	assert_num(root, "flows.0.src.settings.mss", 988);
	assert_num(root, "flows.0.src.settings.max_pacing_rate", 25000000);
	assert_string_equal(str(root, "flows.0.src.settings.tcp_cc"), "bbr");
	assert_num(root, "flows.0.src.settings.sndbuf", 2097152);
	assert_num(root, "flows.0.src.settings.rcvbuf", 131072);
	assert_true(cJSON_IsTrue(get(root, "flows.0.src.settings.nodelay")));
	assert_true(cJSON_IsNull(get(root,
				      "flows.0.dst.settings.max_pacing_rate")));
	assert_true(cJSON_IsFalse(get(root, "flows.0.dst.settings.nodelay")));
	assert_num(root, "flows.0.dst.settings.rcvbuf", 2097152);
	assert_string_equal(str(root, "flows.1.dst.settings.tcp_cc"),
			    "cubic");
	assert_num(root, "flows.1.dst.settings.mss", 1448);

	assert_int_equal(cJSON_GetArraySize(get(root, "cpu.src")), 2);
	assert_int_equal(cJSON_GetArraySize(get(root, "cpu.dst")), 2);
	assert_num(root, "cpu.src.0.cpu", 2);
	assert_num(root, "cpu.src.0.user", 1.5);
	assert_num(root, "cpu.src.0.system", 40.4);
	assert_num(root, "cpu.src.0.irq", 0.2);
	assert_num(root, "cpu.src.0.softirq", 50.1);
	assert_num(root, "cpu.src.0.iowait", 0);
	assert_num(root, "cpu.src.0.idle", 7.8);
	assert_num(root, "cpu.src.0.steal", 0);
	assert_num(root, "cpu.src.1.iowait", 0.1);
	assert_num(root, "cpu.dst.1.cpu", 5);
	assert_num(root, "cpu.dst.1.system", 25.5);

	assert_num(root, "totals.throughput_gbps", 18.5);

	assert_int_equal(cJSON_GetArraySize(get(root, "intervals")), 2);
	assert_num(root, "intervals.0.t_s", 1.0);
	assert_num(root, "intervals.0.throughput_gbps", 18.5);
	assert_num(root, "intervals.0.flows_gbps.0", 9.0);
	assert_num(root, "intervals.0.flows_gbps.1", 9.5);
	assert_num(root, "intervals.1.t_s", 2.0);
	assert_num(root, "intervals.1.flows_gbps.1", 9.75);
	assert_int_equal(
		cJSON_GetArraySize(get(root, "intervals.1.flows_gbps")), 2);
	cJSON_Delete(root);
}

/* No samples: no "intervals" key at all; unknown CPUs are null too. */
static void test_json_optional(void **state)
{
	struct kperf_report r;
	cJSON *root;

	make_report(&r);
	r.n_samples = 0;
	r.samples = NULL;
	r.type = KPERF_RR;
	flows[1].src.rx_cpu_end = -1;
	flows[1].src.worker_cpu_ran = -1;
	root = json_of(&r, 0);
	assert_null(cJSON_GetObjectItemCaseSensitive(root, "intervals"));
	assert_string_equal(str(root, "test.type"), "rr");
	assert_true(cJSON_IsNull(get(root, "flows.1.src.rx_cpu_end")));
	assert_true(cJSON_IsNull(get(root, "flows.1.src.worker_cpu_ran")));
	assert_num(root, "flows.1.src.worker_cpu", 3);
	cJSON_Delete(root);
}

/* Hostnames from the wire may fill their array with no NUL. */
static void test_json_unterminated_strings(void **state)
{
	struct kperf_report r;
	cJSON *root;

	make_report(&r);
	memset(r.dst.hostname, 'h', sizeof(r.dst.hostname));
	memset(r.dst.kernel, 'k', sizeof(r.dst.kernel));
	root = json_of(&r, 0);
	assert_int_equal(strlen(str(root, "hosts.dst.hostname")),
			 sizeof(r.dst.hostname));
	assert_int_equal(strlen(str(root, "hosts.dst.kernel")),
			 sizeof(r.dst.kernel));
	cJSON_Delete(root);
}

/* A stream report is written as before RR: no "rr", no "histogram". */
static void test_json_stream_has_no_rr(void **state)
{
	struct kperf_report r;
	cJSON *root;

	make_report(&r);
	/* Even with stray RR data and the histogram asked for. */
	flows[0].rr.transactions = 5;
	r.total_rr.have_latency = 1;
	r.n_hist = ARRAY_SIZE(rr_hist);
	r.hist = rr_hist;
	root = json_of(&r, 1);
	assert_null(cJSON_GetObjectItemCaseSensitive(root, "histogram"));
	assert_null(cJSON_GetObjectItemCaseSensitive(get(root, "flows.0"),
						     "rr"));
	assert_null(cJSON_GetObjectItemCaseSensitive(get(root, "flows.1"),
						     "rr"));
	/* throughput_gbps, reverse_gbps and mismatches, no "rr". */
	assert_int_equal(cJSON_GetArraySize(get(root, "totals")), 3);
	assert_num(root, "totals.throughput_gbps", 18.5);
	cJSON_Delete(root);
}

static void assert_latency(const cJSON *root, const char *prefix,
			   const struct kperf_latency *l)
{
	static const struct {
		const char *name;
		size_t off;
	} fields[] = {
		{ "min", offsetof(struct kperf_latency, min) },
		{ "mean", offsetof(struct kperf_latency, mean) },
		{ "stdev", offsetof(struct kperf_latency, stdev) },
		{ "p50", offsetof(struct kperf_latency, p50) },
		{ "p90", offsetof(struct kperf_latency, p90) },
		{ "p99", offsetof(struct kperf_latency, p99) },
		{ "p999", offsetof(struct kperf_latency, p999) },
		{ "p9999", offsetof(struct kperf_latency, p9999) },
		{ "max", offsetof(struct kperf_latency, max) },
	};
	char path[128];
	size_t i;

	assert_int_equal(cJSON_GetArraySize(get(root, prefix)),
			 ARRAY_SIZE(fields));
	for (i = 0; i < ARRAY_SIZE(fields); i++) {
		snprintf(path, sizeof(path), "%s.%s", prefix, fields[i].name);
		assert_num(root, path,
			   *(const double *)((const char *)l + fields[i].off));
	}
}

static void test_json_rr(void **state)
{
	struct kperf_report r;
	cJSON *root;

	make_rr_report(&r);
	root = json_of(&r, 0);
	assert_string_equal(str(root, "test.type"), "rr");
	assert_num(root, "schema", 1);

	assert_num(root, "flows.0.rr.transactions", 1000000);
	assert_num(root, "flows.0.rr.tps", 200000.0);
	assert_num(root, "flows.0.rr.latency_us.p99", 12.351);
	assert_num(root, "flows.0.rr.latency_us.p9999", 1234.943);
	assert_latency(root, "flows.0.rr.latency_us",
		       &flows[0].rr.latency_us);
	assert_num(root, "flows.1.rr.transactions", 950000);
	assert_num(root, "flows.1.rr.tps", 190000.5);
	assert_latency(root, "flows.1.rr.latency_us",
		       &flows[1].rr.latency_us);
	assert_int_equal(cJSON_GetArraySize(get(root, "flows.0.rr")), 3);

	/* Merged, not averaged: the values given, not flow means. */
	assert_num(root, "totals.throughput_gbps", 18.5);
	assert_num(root, "totals.rr.transactions", 1950000);
	assert_num(root, "totals.rr.tps", 390000.5);
	assert_num(root, "totals.rr.latency_us.p50", 4.511);
	assert_num(root, "totals.rr.latency_us.max", 20345.6);
	assert_latency(root, "totals.rr.latency_us", &r.total_rr.latency_us);

	/* Not asked for: no histogram. */
	assert_null(cJSON_GetObjectItemCaseSensitive(root, "histogram"));
	/* The stream fields are all still there. */
	assert_num(root, "flows.0.src.tcp.bytes_acked", (double)BIG_BYTES);
	assert_int_equal(cJSON_GetArraySize(get(root, "intervals")), 2);
	cJSON_Delete(root);
}

static void test_json_rr_histogram(void **state)
{
	const cJSON *b;
	struct kperf_report r;
	cJSON *root;

	make_rr_report(&r);
	root = json_of(&r, 1);
	assert_string_equal(str(root, "histogram.unit"), "ns");
	b = get(root, "histogram.buckets");
	/* The empty bucket is left out. */
	assert_int_equal(cJSON_GetArraySize(b), ARRAY_SIZE(rr_hist) - 1);
	assert_int_equal(cJSON_GetArraySize(get(root, "histogram.buckets.0")),
			 2);
	assert_num(root, "histogram.buckets.0.0", 200);
	assert_num(root, "histogram.buckets.0.1", 4);
	assert_num(root, "histogram.buckets.1.0", 3103);
	assert_num(root, "histogram.buckets.1.1", 100);
	assert_num(root, "histogram.buckets.2.0", 4511);
	assert_num(root, "histogram.buckets.2.1", 1000);
	assert_num(root, "histogram.buckets.3.0", 12351);
	assert_num(root, "histogram.buckets.3.1", 890);
	assert_num(root, "histogram.buckets.4.0", 98815);
	assert_num(root, "histogram.buckets.4.1", 5);
	/* Overflow: no upper bound. */
	assert_true(cJSON_IsNull(get(root, "histogram.buckets.5.0")));
	assert_num(root, "histogram.buckets.5.1", 1);
	cJSON_Delete(root);

	/* No buckets: no histogram, even when asked. */
	r.n_hist = 0;
	root = json_of(&r, 1);
	assert_null(cJSON_GetObjectItemCaseSensitive(root, "histogram"));
	cJSON_Delete(root);
}

/* --no-latency: latency_us is null, per flow and in totals. */
static void test_json_rr_no_latency(void **state)
{
	struct kperf_report r;
	cJSON *root;

	make_rr_report_no_latency(&r);
	root = json_of(&r, 1);
	assert_num(root, "flows.0.rr.transactions", 1000000);
	assert_num(root, "flows.1.rr.tps", 190000.5);
	assert_true(cJSON_IsNull(get(root, "flows.0.rr.latency_us")));
	assert_true(cJSON_IsNull(get(root, "flows.1.rr.latency_us")));
	assert_num(root, "totals.rr.transactions", 1950000);
	assert_true(cJSON_IsNull(get(root, "totals.rr.latency_us")));
	assert_null(cJSON_GetObjectItemCaseSensitive(root, "histogram"));
	cJSON_Delete(root);
}

/*
 * JSON paths with array indexes as "[]" and the src/dst ends as "<end>",
 * the way docs/json.md names them.
 */
static void collect_paths(const cJSON *o, const char *prefix, char **paths,
			  size_t *n, size_t max)
{
	const cJSON *it;
	char path[256];

	cJSON_ArrayForEach(it, o) {
		if (cJSON_IsArray(o)) {
			snprintf(path, sizeof(path), "%s[]", prefix);
		} else {
			const char *key = it->string;
			bool end = !strcmp(key, "src") || !strcmp(key, "dst");

			snprintf(path, sizeof(path), "%s%s%s", prefix,
				 *prefix ? "." : "", end ? "<end>" : key);
		}
		if (!cJSON_IsArray(o) || it == o->child) {
			size_t i;

			for (i = 0; i < *n; i++)
				if (!strcmp(paths[i], path))
					break;
			if (i == *n) {
				assert_true(*n < max);
				paths[(*n)++] = strdup(path);
			}
		}
		if (cJSON_IsObject(it) || cJSON_IsArray(it))
			collect_paths(it, path, paths, n, max);
	}
}

/* Sections of docs/json.md whose fields only an RR report writes. */
static const char *const rr_sections[] = {
	"Request/response",
	"Latency histogram",
};

static bool is_rr_section(const char *heading)
{
	size_t i, n;

	for (i = 0; i < ARRAY_SIZE(rr_sections); i++) {
		n = strlen(rr_sections[i]);
		if (!strncmp(heading, rr_sections[i], n) &&
		    (heading[n] == '\n' || heading[n] == '\0'))
			return true;
	}
	return false;
}

/*
 * "| `path` | ..." rows of the field tables in docs/json.md; rr_only[i]
 * tells whether row i is in one of rr_sections.
 */
static size_t doc_paths(char **paths, bool *rr_only, size_t max)
{
	FILE *f = fopen(JSON_DOC, "r");
	char line[1024], *a, *b;
	size_t n = 0, n_rr = 0;
	bool rr = false;

	if (!f)
		fail_msg("cannot open %s", JSON_DOC);
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "#", 1))
			rr = !strncmp(line, "### ", 4) &&
			     is_rr_section(line + 4);
		if (strncmp(line, "| `", 3))
			continue;
		a = line + 3;
		b = strchr(a, '`');
		assert_non_null(b);
		assert_true(n < max);
		rr_only[n] = rr;
		n_rr += rr;
		paths[n++] = strndup(a, b - a);
	}
	fclose(f);
	/* The RR sections are there and were recognised. */
	assert_true(n_rr > 20);
	assert_true(n - n_rr > 50);
	return n;
}

/* The ```json blocks of docs/json.md, parsed; each must be valid JSON. */
static size_t doc_examples(cJSON **ex, size_t max)
{
	FILE *f = fopen(JSON_DOC, "r");
	char line[1024], *text = NULL;
	size_t n = 0, len = 0;
	FILE *m = NULL;

	if (!f)
		fail_msg("cannot open %s", JSON_DOC);
	while (fgets(line, sizeof(line), f)) {
		if (!m && !strcmp(line, "```json\n")) {
			m = open_memstream(&text, &len);
			assert_non_null(m);
		} else if (m && !strcmp(line, "```\n")) {
			assert_int_equal(fclose(m), 0);
			m = NULL;
			assert_true(n < max);
			ex[n] = cJSON_Parse(text);
			if (!ex[n])
				fail_msg("example %zu in %s is not JSON near "
					 "\"%.40s\"", n + 1, JSON_DOC,
					 cJSON_GetErrorPtr());
			n++;
			free(text);
			text = NULL;
		} else if (m) {
			fputs(line, m);
		}
	}
	fclose(f);
	assert_null(m);
	return n;
}

static bool in(char **set, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(set[i], s))
			return true;
	return false;
}

struct doc {
	char *path[256];
	bool rr_only[256];
	size_t n;
};

static void doc_load(struct doc *d)
{
	d->n = doc_paths(d->path, d->rr_only, ARRAY_SIZE(d->path));
}

static void doc_free(struct doc *d)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		free(d->path[i]);
}

static void free_paths(char **paths, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(paths[i]);
}

/*
 * What is written is documented, and, when exact, everything documented
 * for this kind of test (rr: every section; else: the non-RR sections) is
 * written.  what names the document in failure messages.
 */
static void check_paths(const struct doc *d, char **out, size_t n_out,
			bool rr, bool exact, const char *what)
{
	size_t i;

	for (i = 0; i < n_out; i++) {
		size_t j;

		for (j = 0; j < d->n; j++)
			if (!strcmp(d->path[j], out[i]))
				break;
		if (j == d->n)
			fail_msg("%s: %s is written but not in %s", what,
				 out[i], JSON_DOC);
		if (!rr && d->rr_only[j])
			fail_msg("%s: %s is RR-only in %s but written",
				 what, out[i], JSON_DOC);
	}
	for (i = 0; exact && i < d->n; i++)
		if ((rr || !d->rr_only[i]) && !in(out, n_out, d->path[i]))
			fail_msg("%s: %s is in %s but not written", what,
				 d->path[i], JSON_DOC);
}

static void check_report_paths(const struct doc *d,
			       const struct kperf_report *r, int with_hist,
			       bool exact, const char *what)
{
	char *out[256];
	size_t n_out = 0;
	cJSON *root;

	root = json_of(r, with_hist);
	collect_paths(root, "", out, &n_out, ARRAY_SIZE(out));
	cJSON_Delete(root);
	assert_true(n_out > 50);
	check_paths(d, out, n_out, r->type == KPERF_RR, exact, what);
	free_paths(out, n_out);
}

static void test_json_matches_doc(void **state)
{
	struct kperf_report r;
	struct doc d;

	doc_load(&d);
	/* Stream: exactly the fields outside the RR sections. */
	make_report(&r);
	check_report_paths(&d, &r, 1, true, "stream");
	/* RR with latency, histogram and intervals: every field. */
	make_rr_report(&r);
	check_report_paths(&d, &r, 1, true, "rr");
	/* --no-latency and no histogram: a subset. */
	make_rr_report_no_latency(&r);
	check_report_paths(&d, &r, 1, false, "rr --no-latency");
	doc_free(&d);
}

/* The examples parse, use documented fields only, and cover them all. */
static void test_json_doc_examples(void **state)
{
	char *out[256];
	size_t n_out = 0, n_ex, i;
	cJSON *ex[4];
	struct doc d;

	doc_load(&d);
	n_ex = doc_examples(ex, ARRAY_SIZE(ex));
	assert_int_equal(n_ex, 2);
	assert_string_equal(str(ex[0], "test.type"), "stream");
	assert_string_equal(str(ex[1], "test.type"), "rr");
	for (i = 0; i < n_ex; i++) {
		char *one[256];
		size_t n_one = 0;

		assert_string_equal(ex[i]->child->string, "schema");
		assert_num(ex[i], "schema", KPERF_JSON_SCHEMA);
		collect_paths(ex[i], "", one, &n_one, ARRAY_SIZE(one));
		check_paths(&d, one, n_one, i == 1, false,
			    i ? "rr example" : "stream example");
		free_paths(one, n_one);
		collect_paths(ex[i], "", out, &n_out, ARRAY_SIZE(out));
		cJSON_Delete(ex[i]);
	}
	check_paths(&d, out, n_out, true, true, "examples");
	free_paths(out, n_out);
	doc_free(&d);
}

/* cJSON allocator that fails its Nth call and counts live blocks. */
static long alloc_fail_at, alloc_calls, alloc_live;

static void *failing_malloc(size_t sz)
{
	void *p;

	if (alloc_calls++ == alloc_fail_at)
		return NULL;
	p = malloc(sz);
	if (p)
		alloc_live++;
	return p;
}

static void counting_free(void *p)
{
	if (p)
		alloc_live--;
	free(p);
}

static int reset_hooks(void **state)
{
	cJSON_InitHooks(NULL);
	return 0;
}

/*
 * Fail every allocation of report_json() in turn: each failure gives
 * -ENOMEM, writes nothing and leaks nothing; return the calls a full
 * document takes.
 */
static long enomem_run(const struct kperf_report *r, int with_hist)
{
	cJSON_Hooks hooks = { failing_malloc, counting_free };
	char *text;
	int ret;

	cJSON_InitHooks(&hooks);
	for (alloc_fail_at = 0;; alloc_fail_at++) {
		alloc_calls = 0;
		alloc_live = 0;
		text = NULL;
		ret = CAPTURE(text, report_json(f, r, with_hist));
		assert_int_equal(alloc_live, 0);
		if (!ret)
			break;
		assert_int_equal(ret, -ENOMEM);
		/* Nothing half-written on failure. */
		assert_string_equal(text, "");
		free(text);
	}
	cJSON_InitHooks(NULL);
	assert_true(strlen(text) > 1000);
	free(text);
	/* Every call up to the last one was failed once and survived. */
	assert_int_equal(alloc_calls, alloc_fail_at);
	return alloc_fail_at;
}

static void test_json_enomem(void **state)
{
	struct kperf_report r;
	long stream, rr;

	make_report(&r);
	stream = enomem_run(&r, 0);
	assert_true(stream > 100);
	/* RR adds the rr objects and the histogram's arrays. */
	make_rr_report(&r);
	rr = enomem_run(&r, 1);
	assert_true(rr > stream + 50);
	make_rr_report_no_latency(&r);
	assert_true(enomem_run(&r, 1) > stream);
}

static void test_text(void **state)
{
	struct kperf_report r;
	char *text = NULL;

	make_report(&r);
	assert_int_equal(CAPTURE(text, report_text(f, &r, 0)), 0);
	if (getenv("KPERF_TEST_SHOW"))
		fputs(text, stderr);

	assert_non_null(strstr(text, "stream test, 5.00 s, 2 flows: "
				     "198.18.0.1 (hosta, 6.1.0-18-amd64) -> "
				     "198.18.0.2 (hostb, 6.12.0)\n"));
	/* Flow 0: 9.25 at dst, src sent TX_BYTES in 5 s; dst not pinned. */
	assert_non_null(strstr(text, "\n   0      9.25      9.25"
				     "     2      2     2"
				     "     4      -     5\n"));
	assert_non_null(strstr(text, "\n   1      9.25      9.28"));
	/* TCP_INFO rows for both ends. */
	assert_non_null(strstr(text, "retrans"));
	assert_non_null(strstr(text, "\n   0  src        3      1      52"
				     "         10     0    3145728     342\n"));
	assert_non_null(strstr(text, "\n   0  dst        0      0      31"));
	/* TCP settings, one row per end; pacing in Mbit/s, "-" if none. */
	assert_non_null(strstr(text, "\nflow  end    mss  pace Mbit/s  cc    "
				     "               sndbuf      rcvbuf  "
				     "nodelay\n"));
	assert_non_null(strstr(text, "\n   0  src    988          200  bbr   "
				     "              2097152      131072  "
				     "on\n"));
	assert_non_null(strstr(text, "\n   0  dst   1448            -  bbr   "
				     "                87040     2097152  "
				     "off\n"));
	assert_non_null(strstr(text, "\n   1  dst   1448            -  cubic "
				     "                16384      131072  "
				     "off\n"));
	/* CPU tables: one row per CPU, and who ran there. */
	assert_non_null(strstr(text, "on src (hosta), 5.01 s, kperf workers "
				     "4.50 CPU s"));
	assert_non_null(strstr(text, "\n   2    1.5  40.4   0.2  50.1    0.0"
				     "   7.8  rx 0  worker 0\n"));
	assert_non_null(strstr(text, "\n   5    3.0  25.5   1.5  60.0    0.0"
				     "  10.0  worker 0 1\n"));
	assert_null(strstr(text, "steal"));
	/* The moved RX CPU is called out, and only that one. */
	assert_non_null(strstr(text, "note: on dst, RX CPU of flow 1 moved "
				     "from 3 to 5 during the test\n"));
	assert_null(strstr(text, "flow 0 moved"));
	assert_null(strstr(text, "pinned to"));
	/* The total is the last line. */
	assert_non_null(strstr(text, "\ntotal: 18.50 Gbit/s\n"));
	assert_string_equal(strstr(text, "total:"), "total: 18.50 Gbit/s\n");
	free(text);
}

static void test_text_quiet(void **state)
{
	struct kperf_report r;
	char *text = NULL;

	make_report(&r);
	assert_int_equal(CAPTURE(text, report_text(f, &r, 1)), 0);
	assert_string_equal(text, "total: 18.50 Gbit/s\n");
	free(text);
}

static void test_text_notes_and_steal(void **state)
{
	struct kperf_report r;
	char *text = NULL;

	make_report(&r);
	flows[0].src.worker_cpu_ran = 6;	/* pinning did not hold */
	flows[0].src.rx_cpu_end = -1;		/* unknown: no note */
	src_cpus[1].steal = 12.5;
	assert_int_equal(CAPTURE(text, report_text(f, &r, 0)), 0);
	src_cpus[1].steal = 0;
	assert_non_null(strstr(text, "note: on src, worker of flow 0 pinned "
				     "to CPU 2 last ran on 6\n"));
	assert_null(strstr(text, "note: on src, RX CPU"));
	assert_non_null(strstr(text, " steal"));
	assert_non_null(strstr(text, "  12.5"));
	free(text);
}

/* Validation and zero-copy counters, in JSON and as text. */
static void test_data_path(void **state)
{
	struct kperf_flow_end save0 = flows[0].dst, save1 = flows[1].src;
	struct kperf_report r;
	char *text = NULL;
	cJSON *root;

	make_report(&r);
	r.data_path = (struct kperf_data_path){
		.engine_src = KPERF_ENGINE_IO_URING, .rx_mode = KPERF_RX_ZEROCOPY,
		.tx_mode = KPERF_TX_ZEROCOPY, .validate = 1 };
	flows[0].dst.xfer = (struct kperf_xfer){
		.checked = 5000000000ull, .mismatches = 3,
		.first_bad_offset = 4294967296ll, .zrx_mapped = 3000,
		.zrx_copied = 1000 };
	flows[1].src.xfer = (struct kperf_xfer){ .first_bad_offset = -1,
						 .zc_sends = 40,
						 .zc_copied = 10 };
	r.mismatches = 3;
	root = json_of(&r, 0);
	assert_string_equal(str(root, "test.data_path.engine_src"),
			    "io_uring");
	assert_string_equal(str(root, "test.data_path.engine_dst"), "epoll");
	assert_string_equal(str(root, "test.data_path.rx_mode"), "zerocopy");
	assert_string_equal(str(root, "test.data_path.tx_mode"), "zerocopy");
	assert_true(cJSON_IsTrue(get(root, "test.data_path.validate")));
	assert_num(root, "flows.0.dst.validate.checked", 5e9);
	assert_num(root, "flows.0.dst.validate.mismatches", 3);
	assert_num(root, "flows.0.dst.validate.first_bad_offset", 4294967296.0);
	assert_true(cJSON_IsNull(get(root,
				     "flows.1.src.validate.first_bad_offset")));
	assert_num(root, "flows.1.src.zerocopy.sends", 40);
	assert_num(root, "flows.1.src.zerocopy.sends_copied", 10);
	assert_num(root, "flows.0.dst.zerocopy.rx_mapped", 3000);
	assert_num(root, "totals.mismatches", 3);
	cJSON_Delete(root);
	assert_int_equal(CAPTURE(text, report_text(f, &r, 0)), 0);
	assert_non_null(strstr(text, "data path: io_uring (src) / epoll (dst), "
				     "receive zerocopy, send zerocopy, "
				     "validation on\n"));
	assert_non_null(strstr(text, "error: on dst, flow 0: 3 of 5000000000 "
				     "bytes differ from what was sent, the "
				     "first at stream offset 4294967296\n"));
	assert_non_null(strstr(text, "zerocopy: on src, flow 1: 40 sends, 10 "
				     "(25.0%) copied by the kernel"));
	assert_non_null(strstr(text, "zerocopy-rx: on dst, flow 0: 75.0% of "
				     "4000 bytes mapped"));
	free(text);
	flows[0].dst = save0;
	flows[1].src = save1;
}

/* Terminal escapes from a server's hostname are not passed through. */
static void test_text_sanitizes(void **state)
{
	struct kperf_report r;
	char *text = NULL;

	make_report(&r);
	snprintf(r.dst.hostname, sizeof(r.dst.hostname), "evil\033]0;x\007");
	memset(r.src.kernel, 'k', sizeof(r.src.kernel));
	assert_int_equal(CAPTURE(text, report_text(f, &r, 0)), 0);
	assert_null(strchr(text, '\033'));
	assert_null(strchr(text, '\007'));
	assert_non_null(strstr(text, "evil?]0;x?"));
	free(text);
}

static void test_text_no_cpu_data(void **state)
{
	struct kperf_report r;
	char *text = NULL;

	make_report(&r);
	r.dst.n_cpu = 0;
	r.dst.cpu = NULL;
	assert_int_equal(CAPTURE(text, report_text(f, &r, 0)), 0);
	assert_non_null(strstr(text, "(no CPU data)"));
	free(text);
}

static void test_text_rr(void **state)
{
	struct kperf_report r;
	char *text = NULL;

	make_rr_report(&r);
	assert_int_equal(CAPTURE(text, report_text(f, &r, 0)), 0);
	if (getenv("KPERF_TEST_SHOW"))
		fputs(text, stderr);

	assert_non_null(strstr(text, "rr test, 5.00 s, 2 flows: "));
	/* Transactions and tps instead of Gbit/s; the CPU columns stay. */
	assert_null(strstr(text, "Gbit/s"));
	assert_non_null(strstr(text, "\nflow  transactions         tps"
				     "    rx worker   ran"));
	assert_non_null(strstr(text, "\n   0       1000000    200000.0"
				     "     2      2     2"
				     "     4      -     5\n"));
	assert_non_null(strstr(text, "\n   1        950000    190000.5"));
	/* Latency per flow, then merged, to 3 significant digits. */
	assert_non_null(strstr(text, "\nflow     min    mean   stdev"
				     "     p50     p90     p99   p99.9"
				     "  p99.99     max\n"));
	assert_non_null(strstr(text, "\n   0    3.10    4.87    1.23"
				     "    4.51    6.14    12.4    98.8"
				     "    1235   20346\n"));
	assert_non_null(strstr(text, "\n   1   0.200    5.25    2.50"
				     "    4.48    12.2    12.4    90.1"
				     "    98.8    1001\n"));
	assert_non_null(strstr(text, "\n all   0.200    5.05    1.88"
				     "    4.51    12.2    12.4    98.8"
				     "    1235   20346\n"));
	/* TCP and CPU tables and notes are still there. */
	assert_non_null(strstr(text, "\n   0  src        3      1      52"));
	assert_non_null(strstr(text, "\n   2    1.5  40.4   0.2  50.1    0.0"
				     "   7.8  rx 0  worker 0\n"));
	assert_non_null(strstr(text, "note: on dst, RX CPU of flow 1 moved"));
	/* The merged total is the last line. */
	assert_string_equal(strstr(text, "total:"),
			    "total: 1950000 transactions, 390000.5 tps; "
			    "latency us: p50 4.51, p90 12.2, p99 12.4, "
			    "p99.9 98.8, p99.99 1235, min 0.200, max 20346\n");
	/* The histogram is report_hist_text()'s business. */
	assert_null(strstr(text, "histogram"));
	free(text);

	assert_int_equal(CAPTURE(text, report_text(f, &r, 1)), 0);
	assert_string_equal(text, "total: 1950000 transactions, 390000.5 tps; "
			    "latency us: p50 4.51, p90 12.2, p99 12.4, "
			    "p99.9 98.8, p99.99 1235, min 0.200, max 20346\n");
	free(text);
}

static void test_text_rr_no_latency(void **state)
{
	struct kperf_report r;
	char *text = NULL;

	make_rr_report_no_latency(&r);
	assert_int_equal(CAPTURE(text, report_text(f, &r, 0)), 0);
	assert_non_null(strstr(text, "\n   0       1000000    200000.0"));
	/* No latency table, and the total line says why. */
	assert_null(strstr(text, "p99"));
	assert_null(strstr(text, "latency, us"));
	assert_string_equal(strstr(text, "total:"),
			    "total: 1950000 transactions, 390000.5 tps; "
			    "latency not measured (--no-latency)\n");
	free(text);
}

/* About 3 significant digits, ns resolution below 1 us, "-" if absurd. */
static void test_text_rr_digits(void **state)
{
	struct kperf_report r;
	char *text = NULL;

	make_rr_report(&r);
	flows[0].rr.latency_us = (struct kperf_latency){
		.min = 0.512, .mean = 0.9996, .stdev = 9.996, .p50 = 99.96,
		.p90 = 123.4, .p99 = 1234.4, .p999 = 12.34, .p9999 = 1.5,
		.max = NAN,
	};
	/* A flow that was not timed while others were: dashes. */
	flows[1].rr.have_latency = 0;
	assert_int_equal(CAPTURE(text, report_text(f, &r, 0)), 0);
	assert_non_null(strstr(text, "\n   0   0.512    1.00    10.0     100"
				     "     123    1234    12.3    1.50"
				     "       -\n"));
	assert_non_null(strstr(text, "\n   1       -       -       -       -"
				     "       -       -       -       -"
				     "       -\n"));
	free(text);
}

static void test_hist_text(void **state)
{
	struct kperf_report r;
	char *text = NULL;

	make_rr_report(&r);
	assert_int_equal(CAPTURE(text, report_hist_text(f, &r)), 0);
	if (getenv("KPERF_TEST_SHOW"))
		fputs(text, stderr);
	assert_string_equal(text,
		"latency histogram, all flows merged, 2000 samples:\n"
		"        from us              to us         count     cum %\n"
		"          0.200 ..           0.200             4    0.200%  "
		"#\n"
		"          3.088 ..           3.103           100    5.200%  "
		"###\n"
		"          4.480 ..           4.511          1000   55.200%  "
		"##############################\n"
		"         12.288 ..          12.351           890   99.700%  "
		"###########################\n"
		"         98.304 ..          98.815             5   99.950%  "
		"#\n"
		"  137438953.472 ..             inf             1  100.000%  "
		"#\n");
	free(text);

	/* A bucket of 1 in a million: shown as 99.999%, not rounded up. */
	rr_hist[2].count = 999997;
	assert_int_equal(CAPTURE(text, report_hist_text(f, &r)), 0);
	rr_hist[2].count = 1000;
	assert_non_null(strstr(text, "          98.815             5"
				     "   99.999%  #\n"));
	free(text);

	/* Stream, or --no-latency: nothing to show, and it says so. */
	make_report(&r);
	assert_int_equal(CAPTURE(text, report_hist_text(f, &r)), 0);
	assert_string_equal(text, "latency histogram: no samples\n");
	free(text);
}

static void test_write_error(void **state)
{
	struct kperf_report r;
	FILE *f = fopen("/dev/full", "w");

	if (!f)
		skip();
	make_report(&r);
	/* Unbuffered, so the error shows before fclose(). */
	setvbuf(f, NULL, _IONBF, 0);
	assert_int_equal(report_text(f, &r, 0), -EIO);
	assert_int_equal(report_json(f, &r, 0), -EIO);
	assert_int_equal(report_sample(f, 1.0, 1, sample0), -EIO);
	make_rr_report(&r);
	assert_int_equal(report_text(f, &r, 0), -EIO);
	assert_int_equal(report_json(f, &r, 1), -EIO);
	assert_int_equal(report_hist_text(f, &r), -EIO);
	fclose(f);
}

static void test_sample_line(void **state)
{
	static const double one[] = { 9.41 };
	double many[10];
	char *text = NULL;
	size_t i;

	assert_int_equal(CAPTURE(text, report_sample(f, 1.0, 1, one)), 0);
	assert_string_equal(text, "[ 1.00s]  9.41 Gbit/s  (flow 0: 9.41)\n");
	free(text);

	assert_int_equal(CAPTURE(text, report_sample(f, 12.5, 2, sample0)), 0);
	assert_string_equal(text,
			    "[12.50s] 18.50 Gbit/s  (flows: 9.00 9.50)\n");
	free(text);

	for (i = 0; i < ARRAY_SIZE(many); i++)
		many[i] = 1.0 + i / 10.0;
	assert_int_equal(CAPTURE(text, report_sample(f, 2.0, 10, many)), 0);
	assert_string_equal(text, "[ 2.00s] 14.50 Gbit/s  "
				  "(10 flows: min 1.00, max 1.90)\n");
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_values),
		cmocka_unit_test(test_json_optional),
		cmocka_unit_test(test_json_unterminated_strings),
		cmocka_unit_test(test_json_stream_has_no_rr),
		cmocka_unit_test(test_json_rr),
		cmocka_unit_test(test_json_rr_histogram),
		cmocka_unit_test(test_json_rr_no_latency),
		cmocka_unit_test(test_json_matches_doc),
		cmocka_unit_test(test_json_doc_examples),
		cmocka_unit_test_teardown(test_json_enomem, reset_hooks),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_text_quiet),
		cmocka_unit_test(test_text_notes_and_steal),
		cmocka_unit_test(test_data_path),
		cmocka_unit_test(test_text_sanitizes),
		cmocka_unit_test(test_text_no_cpu_data),
		cmocka_unit_test(test_text_rr),
		cmocka_unit_test(test_text_rr_no_latency),
		cmocka_unit_test(test_text_rr_digits),
		cmocka_unit_test(test_hist_text),
		cmocka_unit_test(test_write_error),
		cmocka_unit_test(test_sample_line),
	};

	return cmocka_run_group_tests_name("report", tests, NULL, NULL);
}
