// SPDX-License-Identifier: MIT
/*
 * Unit tests for the reports (src/client/report_*.c), on a report built by
 * hand: two flows, two CPUs per host, one flow whose RX CPU moved.
 *
 * The JSON is parsed back and checked value by value, and its field list
 * is checked against docs/json.md in both directions, so the document and
 * the code cannot drift apart silently.  cJSON's allocator is swapped for
 * one that fails on the Nth call to prove every allocation is checked and
 * nothing leaks on the way out.
 */
#include <errno.h>
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
				  .bytes_received = 1 } },
		.dst = { .rx_cpu = 4, .rx_cpu_end = 4, .napi_id = 8194,
			 .worker_cpu = -1, .worker_cpu_ran = 5,
			 .worker_tid = 2001, .port = 18400, .tx_bytes = 0,
			 .rx_bytes = TX_BYTES, .xfer_s = 4.9,
			 .tcp = { .rtt_us = 31, .rttvar_us = 6,
				  .snd_wnd = 65535, .snd_cwnd = 10,
				  .bytes_acked = 1,
				  .bytes_received = BIG_BYTES } },
		.throughput_gbps = 9.25,
	};
	flows[1] = (struct kperf_flow){
		.id = 1,
		.src = { .rx_cpu = 3, .rx_cpu_end = 3, .worker_cpu = 3,
			 .worker_cpu_ran = 3, .worker_tid = 1002, .port = 40001,
			 .tx_bytes = 5800000000ull, .xfer_s = 5.0 },
		/* The kernel moved the flow's RX processing from 3 to 5. */
		.dst = { .rx_cpu = 3, .rx_cpu_end = 5, .worker_cpu = 5,
			 .worker_cpu_ran = 5, .worker_tid = 2002, .port = 18401,
			 .rx_bytes = 5800000000ull, .xfer_s = 5.0 },
		.throughput_gbps = 9.25,
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
	snprintf(r->dst.address, sizeof(r->dst.address), "198.18.0.2");
	snprintf(r->dst.hostname, sizeof(r->dst.hostname), "hostb");
	snprintf(r->dst.kernel, sizeof(r->dst.kernel), "6.12.0");
	r->dst.ncpus = 16;
	r->dst.window_s = 5.02;
	r->dst.n_cpu = 2;
	r->dst.cpu = dst_cpus;
	r->dst.worker_cpu_s = 3.25;
	r->total_gbps = 18.5;
	r->n_samples = 2;
	r->samples = samples;
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

static cJSON *json_of(const struct kperf_report *r)
{
	char *text = NULL;
	cJSON *root;

	assert_int_equal(CAPTURE(text, report_json(f, r)), 0);
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
	root = json_of(&r);

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
	root = json_of(&r);
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
	root = json_of(&r);
	assert_int_equal(strlen(str(root, "hosts.dst.hostname")),
			 sizeof(r.dst.hostname));
	assert_int_equal(strlen(str(root, "hosts.dst.kernel")),
			 sizeof(r.dst.kernel));
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

/* "| `path` | ..." rows of the field tables in docs/json.md. */
static size_t doc_paths(char **paths, size_t max)
{
	FILE *f = fopen(JSON_DOC, "r");
	char line[1024], *a, *b;
	size_t n = 0;

	if (!f)
		fail_msg("cannot open %s", JSON_DOC);
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "| `", 3))
			continue;
		a = line + 3;
		b = strchr(a, '`');
		assert_non_null(b);
		assert_true(n < max);
		paths[n++] = strndup(a, b - a);
	}
	fclose(f);
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

static void test_json_matches_doc(void **state)
{
	char *out[256], *doc[256];
	size_t n_out = 0, n_doc, i;
	struct kperf_report r;
	cJSON *root;

	make_report(&r);
	root = json_of(&r);
	collect_paths(root, "", out, &n_out, ARRAY_SIZE(out));
	cJSON_Delete(root);
	n_doc = doc_paths(doc, ARRAY_SIZE(doc));
	assert_true(n_out > 50);

	for (i = 0; i < n_out; i++)
		if (!in(doc, n_doc, out[i]))
			fail_msg("%s is written but not in %s", out[i],
				 JSON_DOC);
	for (i = 0; i < n_doc; i++)
		if (!in(out, n_out, doc[i]))
			fail_msg("%s is in %s but not written", doc[i],
				 JSON_DOC);
	for (i = 0; i < n_out; i++)
		free(out[i]);
	for (i = 0; i < n_doc; i++)
		free(doc[i]);
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

static void test_json_enomem(void **state)
{
	cJSON_Hooks hooks = { failing_malloc, counting_free };
	struct kperf_report r;
	char *text;
	int ret;

	make_report(&r);
	cJSON_InitHooks(&hooks);
	for (alloc_fail_at = 0;; alloc_fail_at++) {
		alloc_calls = 0;
		alloc_live = 0;
		text = NULL;
		ret = CAPTURE(text, report_json(f, &r));
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
	assert_true(alloc_fail_at > 100);
	assert_int_equal(alloc_calls, alloc_fail_at);
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
	assert_int_equal(report_json(f, &r), -EIO);
	assert_int_equal(report_sample(f, 1.0, 1, sample0), -EIO);
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
		cmocka_unit_test(test_json_matches_doc),
		cmocka_unit_test_teardown(test_json_enomem, reset_hooks),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_text_quiet),
		cmocka_unit_test(test_text_notes_and_steal),
		cmocka_unit_test(test_text_sanitizes),
		cmocka_unit_test(test_text_no_cpu_data),
		cmocka_unit_test(test_write_error),
		cmocka_unit_test(test_sample_line),
	};

	return cmocka_run_group_tests_name("report", tests, NULL, NULL);
}
