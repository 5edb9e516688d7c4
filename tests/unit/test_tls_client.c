// SPDX-License-Identifier: MIT
/*
 * Unit tests for the client's kernel TLS: the command line options
 * (src/client/opt_tls.c), the library's checks and error texts
 * (src/client/tls.c), a test that refuses what cannot run before it
 * connects anywhere (kperf_test_check, kperf_test_run, over hosts that
 * are never reached), and what the reports write for a run with TLS
 * (report_json.c's test.tls and hosts.<end>.tls_stat, report_text.c's
 * lines).  The JSON of a run without TLS is checked against docs/json.md
 * by test_report.c.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "cli_fixture.h"
#include "client/report.h"
#include "client/tls.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* Parsing must fail with exactly this message. */
#define REFUSED(f, msg, ...) do {					\
	assert_int_equal(PARSE(f, __VA_ARGS__), -EINVAL);		\
	assert_string_equal((f)->err, msg);				\
} while (0)

static void test_cli_defaults(void **state)
{
	struct fix *f = *state;
	struct vals v;

	PARSE_OK(f, &v, "-t", "1");
	assert_false(v.grp.tls.tx || v.grp.tls.rx || v.grp.tls.nopad);
	PARSE_OK(f, &v, "--tls");
	assert_true(v.grp.tls.tx && v.grp.tls.rx);
	assert_int_equal(v.grp.tls.version, KPERF_TLS_1_3);
	assert_int_equal(v.grp.tls.cipher, KPERF_TLS_AES_GCM_128);
	assert_false(v.grp.tls.nopad);
}

static void test_cli_options(void **state)
{
	struct fix *f = *state;
	struct vals v;

	PARSE_OK(f, &v, "--tls-tx");
	assert_true(v.grp.tls.tx && !v.grp.tls.rx);
	PARSE_OK(f, &v, "--tls-rx", "-s", "1");
	assert_true(!v.grp.tls.tx && v.grp.tls.rx);
	PARSE_OK(f, &v, "--tls-rx", "--tls-tx");
	assert_true(v.grp.tls.tx && v.grp.tls.rx);
	PARSE_OK(f, &v, "--tls-ver", "1.2", "--tls", "--tls-cipher",
		 "chacha20-poly1305");
	assert_int_equal(v.grp.tls.version, KPERF_TLS_1_2);
	assert_int_equal(v.grp.tls.cipher, KPERF_TLS_CHACHA20_POLY1305);
	PARSE_OK(f, &v, "--tls", "--tls-cipher", "aes-gcm-256", "--tls-nopad",
		 "--tls-ver", "1.3");
	assert_int_equal(v.grp.tls.cipher, KPERF_TLS_AES_GCM_256);
	assert_true(v.grp.tls.nopad);
	/* The last one wins, as for every option. */
	PARSE_OK(f, &v, "--tls", "--tls-ver", "1.2", "--tls-ver", "1.3",
		 "--tls-nopad");
	assert_int_equal(v.grp.tls.version, KPERF_TLS_1_3);
}

static void test_cli_errors(void **state)
{
	struct fix *f = *state;

	REFUSED(f, "option --tls-ver: \"1.1\" is not 1.2 or 1.3",
		"--tls", "--tls-ver", "1.1");
	REFUSED(f, "option --tls-ver: \"\" is not 1.2 or 1.3",
		"--tls", "--tls-ver", "");
	REFUSED(f, "option --tls-cipher: \"AES-GCM-128\" is not aes-gcm-128, "
		"aes-gcm-256 or chacha20-poly1305",
		"--tls", "--tls-cipher", "AES-GCM-128");
	REFUSED(f, "option --tls-cipher needs a value", "--tls",
		"--tls-cipher");
	REFUSED(f, "option --tls takes no value", "--tls=1");
	REFUSED(f, "option --tls-nopad needs TLS 1.3, not --tls-ver 1.2",
		"--tls", "--tls-nopad", "--tls-ver", "1.2");
	REFUSED(f, "option --tls-ver needs --tls, --tls-tx or --tls-rx",
		"--tls-ver", "1.3");
	REFUSED(f, "option --tls-cipher needs --tls, --tls-tx or --tls-rx",
		"--tls-cipher", "aes-gcm-128");
	REFUSED(f, "option --tls-nopad needs --tls, --tls-tx or --tls-rx",
		"--tls-nopad");
	REFUSED(f, "option --tls-rx: kernel TLS cannot be combined with "
		"zero-copy receive (TCP_ZEROCOPY_RECEIVE maps the TCP payload, "
		"past the TLS record layer)", "--tls-rx", "--tls",
		"--zerocopy-rx");
}

static void test_usage(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	assert_non_null(f);
	cli_usage(f);
	assert_int_equal(fclose(f), 0);
	assert_non_null(strstr(buf, "\n      --tls                 "));
	assert_non_null(strstr(buf, "--tls-tx"));
	assert_non_null(strstr(buf, "--tls-rx"));
	assert_non_null(strstr(buf, "--tls-ver VER"));
	assert_non_null(strstr(buf, "--tls-cipher CIPHER"));
	assert_non_null(strstr(buf, "--tls-nopad"));
	free(buf);
}

/*
 * Why a data path cannot take kernel TLS, on a struct opts however it was
 * filled (the options' own messages are test_run_refused's below).
 */
static void test_datapath_conflict(void **state)
{
	struct opts o;

	(void)state;
	opts_init(&o);
	o.rx_mode = KPERF_RX_ZEROCOPY;
	assert_null(tls_datapath_conflict(&o));		/* TLS off */
	o.tls.tx = 1;
	assert_non_null(strstr(tls_datapath_conflict(&o), "zero-copy receive"));
	o.rx_mode = KPERF_RX_TRUNC;
	assert_non_null(strstr(tls_datapath_conflict(&o),
			       "tls_sw_recvmsg ignores MSG_TRUNC"));
	o.rx_mode = KPERF_RX_COPY;
	o.tx_mode = KPERF_TX_ZEROCOPY;
	assert_non_null(strstr(tls_datapath_conflict(&o), "MSG_ZEROCOPY"));
}

/* A test of one group between two hosts that are never reached. */
static struct kperf_test *unreached_test(struct kperf *k,
					 struct kperf_group **g)
{
	struct kperf_host *a, *b;
	struct kperf_test *t;

	assert_int_equal(kperf_host_new(k, &a), 0);
	assert_int_equal(kperf_host_new(k, &b), 0);
	/* TEST-NET-1 (RFC 5737): nothing answers there. */
	assert_int_equal(kperf_host_set(a, "address", "192.0.2.1"), 0);
	assert_int_equal(kperf_host_set(b, "address", "192.0.2.2"), 0);
	assert_int_equal(kperf_host_set(a, "connect-timeout", "0.1"), 0);
	assert_int_equal(kperf_host_set(b, "connect-timeout", "0.1"), 0);
	assert_int_equal(kperf_group_new(k, g), 0);
	assert_int_equal(kperf_group_hosts(*g, a, b), 0);
	assert_int_equal(kperf_test_new(k, &t), 0);
	assert_int_equal(kperf_test_add(t, *g), 0);
	return t;
}

/* The library refuses what cannot run before it connects anywhere. */
static void test_run_refused(void **state)
{
	static const struct {
		const char *opt, *why;
	} paths[] = {
		{ "zerocopy-rx", "zero-copy receive" },
		{ "msg-trunc", "tls_sw_recvmsg ignores MSG_TRUNC" },
		{ "msg-zerocopy", "MSG_ZEROCOPY" },
	};
	static const char want[] = "option tls-tx: kernel TLS cannot be "
				   "combined with";
	struct fix *f = *state;
	struct kperf_result *res = (void *)1;
	struct kperf_group *g;
	struct kperf_test *t;
	size_t i;

	t = unreached_test(f->k, &g);
	assert_int_equal(kperf_group_set(g, "name", "g1"), 0);
	assert_int_equal(kperf_group_set(g, "tls", NULL), 0);
	assert_int_equal(kperf_group_set(g, "tls-nopad", NULL), 0);
	assert_int_equal(kperf_group_set(g, "tls-ver", "1.2"), 0);
	assert_int_equal(kperf_test_check(t), -EINVAL);
	assert_string_equal(kperf_errmsg(f->k), "group g1: option tls-nopad "
			    "needs TLS 1.3, not tls-ver 1.2");
	assert_int_equal(kperf_test_run(t, &res), -EINVAL);
	assert_null(res);
	assert_string_equal(kperf_errmsg(f->k), "group g1: option tls-nopad "
			    "needs TLS 1.3, not tls-ver 1.2");
	assert_null(kperf_host_address(g->from));
	assert_null(kperf_host_address(g->to));

	/* TLS with the data paths that bypass its records. */
	for (i = 0; i < ARRAY_SIZE(paths); i++) {
		t = unreached_test(f->k, &g);
		assert_int_equal(kperf_group_set(g, "tls-tx", "yes"), 0);
		assert_int_equal(kperf_group_set(g, paths[i].opt, NULL), 0);
		res = (void *)1;
		assert_int_equal(kperf_test_run(t, &res), -EINVAL);
		assert_null(res);
		assert_memory_equal(kperf_errmsg(f->k), want, strlen(want));
		assert_non_null(strstr(kperf_errmsg(f->k), paths[i].why));
		assert_null(kperf_host_address(g->from));
	}
}

static void test_flow_error(void **state)
{
	struct opts o;
	char err[512];
	struct ctl c = { .err = err, .errlen = sizeof(err) };

	(void)state;
	opts_init(&o);
	snprintf(err, sizeof(err), "destination h: flow 0 (connection id 3) "
		 "failed on b: Bad message");
	assert_int_equal(tls_flow_error(&o, &c, -EBADMSG), -EBADMSG);
	assert_null(strstr(err, "kernel TLS"));
	o.tls.rx = 1;
	assert_int_equal(tls_flow_error(&o, &c, -EPIPE), -EPIPE);
	assert_null(strstr(err, "kernel TLS"));
	assert_int_equal(tls_flow_error(&o, &c, -EBADMSG), -EBADMSG);
	assert_non_null(strstr(err, "failed on b: Bad message (kernel TLS: a "
				    "record failed to decrypt"));
	/* A full buffer stays terminated. */
	memset(err, 'x', sizeof(err) - 1);
	err[sizeof(err) - 1] = '\0';
	tls_flow_error(&o, &c, -EBADMSG);
	assert_int_equal(strlen(err), sizeof(err) - 1);
}

/* ---- reports ---- */

static struct kperf_tls_stat src_stat[] = {
	{ "TlsCurrTxSw", 2 }, { "TlsTxSw", 2 }, { "TlsRxSw", 0 },
	{ "TlsDecryptError", 0 }, { "TlsCurrRxSw", -1 },
};

static struct kperf_tls_stat dst_stat[] = {
	{ "TlsRxSw", 2 }, { "TlsDecryptError", 0 },
};

static void make_report(struct kperf_report *r)
{
	memset(r, 0, sizeof(*r));
	r->type = KPERF_STREAM;
	snprintf(r->src.hostname, sizeof(r->src.hostname), "a");
	snprintf(r->dst.hostname, sizeof(r->dst.hostname), "b");
	r->tls = (struct kperf_tls){ .tx = 1, .version = KPERF_TLS_1_2,
				     .cipher = KPERF_TLS_AES_GCM_256 };
	r->src.tls_stat = src_stat;
	r->src.n_tls_stat = sizeof(src_stat) / sizeof(src_stat[0]);
	r->dst.tls_stat = dst_stat;
	r->dst.n_tls_stat = sizeof(dst_stat) / sizeof(dst_stat[0]);
}

static char *capture(int (*fn)(FILE *, const struct kperf_report *, int),
		     const struct kperf_report *r, int arg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(fn(f, r, arg), 0);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static double num(const cJSON *o, const char *name)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, name);

	assert_true(cJSON_IsNumber(it));
	return it->valuedouble;
}

static void test_json(void **state)
{
	struct kperf_report r;
	const cJSON *t, *s;
	cJSON *root;
	char *text;

	(void)state;
	make_report(&r);
	text = capture(report_json, &r, 0);
	root = cJSON_Parse(text);
	assert_non_null(root);
	t = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(root, "test"), "tls");
	assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(t,
								  "enabled")));
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(t, "version")
				    ->valuestring, "1.2");
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(t, "cipher")
				    ->valuestring, "aes-gcm-256");
	assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(t, "tx")));
	assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(t, "rx")));
	assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(t,
								   "nopad")));
	s = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(
			cJSON_GetObjectItemCaseSensitive(root, "hosts"), "src"),
		"tls_stat");
	assert_true(cJSON_IsObject(s));
	assert_int_equal(cJSON_GetArraySize(s), 5);
	assert_true(num(s, "TlsTxSw") == 2);
	assert_true(num(s, "TlsCurrRxSw") == -1);
	s = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(
			cJSON_GetObjectItemCaseSensitive(root, "hosts"), "dst"),
		"tls_stat");
	assert_int_equal(cJSON_GetArraySize(s), 2);
	assert_true(num(s, "TlsRxSw") == 2);
	cJSON_Delete(root);
	free(text);

	/* A server without /proc/net/tls_stat: an empty object. */
	r.dst.n_tls_stat = 0;
	text = capture(report_json, &r, 0);
	assert_non_null(strstr(text, "\"tls_stat\":\t{\n\t\t\t}"));
	free(text);
}

static void test_text(void **state)
{
	struct kperf_report r;
	char *text;

	(void)state;
	make_report(&r);
	text = capture(report_text, &r, 0);
	assert_non_null(strstr(text, "\nkernel TLS 1.2, aes-gcm-256: src -> "
				     "dst only\n"));
	/* Counters that moved, and TlsDecryptError always. */
	assert_non_null(strstr(text, "tls_stat on src (a): TlsCurrTxSw +2, "
				     "TlsTxSw +2, TlsDecryptError +0, "
				     "TlsCurrRxSw -1\n"));
	assert_non_null(strstr(text, "tls_stat on dst (b): TlsRxSw +2, "
				     "TlsDecryptError +0\n"));
	free(text);
	r.tls.rx = 1;
	r.tls.nopad = 1;
	r.tls.version = KPERF_TLS_1_3;
	r.dst.n_tls_stat = 0;
	text = capture(report_text, &r, 0);
	assert_non_null(strstr(text, "kernel TLS 1.3, aes-gcm-256: both "
				     "directions, receivers expect no "
				     "padding\n"));
	assert_non_null(strstr(text, "tls_stat on dst (b): none (no "
				     "/proc/net/tls_stat)\n"));
	free(text);
	/* Quiet: the total line only; TLS off: no TLS lines. */
	text = capture(report_text, &r, 1);
	assert_null(strstr(text, "TLS"));
	free(text);
	memset(&r.tls, 0, sizeof(r.tls));
	r.src.tls_stat = r.dst.tls_stat = NULL;
	text = capture(report_text, &r, 0);
	assert_null(strstr(text, "TLS"));
	assert_null(strstr(text, "tls_stat"));
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FIX_TEST(test_cli_defaults),
		FIX_TEST(test_cli_options),
		FIX_TEST(test_cli_errors),
		cmocka_unit_test(test_usage),
		cmocka_unit_test(test_datapath_conflict),
		FIX_TEST(test_run_refused),
		cmocka_unit_test(test_flow_error),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
