// SPDX-License-Identifier: MIT
/*
 * Unit tests for libkperf's public API (include/kperf/kperf.h) where no
 * kperfd is needed: contexts and what kperf_free() releases, the error
 * text, options set by name (unknown, of another object, bad values,
 * flags), the option table as front ends read it, the getters' neutral
 * values, the refusals of objects in use, the checks a test makes before
 * it connects, and the result accessors out of range.
 *
 * Two groups sharing a connection set are refused too, but a set needs
 * connected hosts, so that case belongs to the system tests.
 *
 * Every test has a context of its own (setup/teardown), freed with what
 * the test left in it, so the ASan build checks that kperf_free()
 * releases everything.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "client/group.h"
#include "client/results.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static int ctx_setup(void **state)
{
	struct kperf *k;

	if (kperf_new(&k) < 0)
		return -1;
	*state = k;
	return 0;
}

static int ctx_teardown(void **state)
{
	kperf_free(*state);
	return 0;
}

#define CTX_TEST(fn)							\
	cmocka_unit_test_setup_teardown(fn, ctx_setup, ctx_teardown)

/* The call failed with ret and exactly this message. */
#define FAILS(k, ret, msg, call) do {					\
	assert_int_equal(call, ret);					\
	assert_string_equal(kperf_errmsg(k), msg);			\
} while (0)

/* Two hosts never connected, and a group between them. */
static struct kperf_group *group_between(struct kperf *k)
{
	struct kperf_host *a, *b;
	struct kperf_group *g;

	assert_int_equal(kperf_host_new(k, &a), 0);
	assert_int_equal(kperf_host_new(k, &b), 0);
	assert_int_equal(kperf_group_new(k, &g), 0);
	assert_int_equal(kperf_group_hosts(g, a, b), 0);
	return g;
}

static void test_version(void **state)
{
	(void)state;
	/* The library's own version, which the shared object carries. */
	assert_string_equal(kperf_version(), LIBKPERF_VERSION);
}

/* Whatever is left open, kperf_free() releases (the ASan build checks). */
static void test_free_open_objects(void **state)
{
	struct kperf_result *res, *none = (void *)1;
	struct kperf_group *g, *lone;
	struct kperf_test *t, *empty;
	struct kperf_host *h;
	struct kperf *k;

	(void)state;
	kperf_free(NULL);
	assert_int_equal(kperf_new(&k), 0);
	assert_non_null(k);
	g = group_between(k);
	assert_int_equal(kperf_group_set(g, "write-size", "64K"), 0);
	assert_int_equal(kperf_group_set(g, "tcp-cc", "cubic"), 0);
	assert_int_equal(kperf_group_new(k, &lone), 0);
	assert_int_equal(kperf_host_new(k, &h), 0);
	assert_int_equal(kperf_host_set(h, "address", "192.0.2.1"), 0);
	assert_int_equal(kperf_test_new(k, &t), 0);
	assert_int_equal(kperf_test_set(t, "time", "1"), 0);
	assert_int_equal(kperf_test_add(t, g), 0);
	assert_int_equal(kperf_test_add(t, lone), 0);
	assert_int_equal(kperf_test_new(k, &empty), 0);
	assert_int_equal(result_new(k, 0, &res), 0);
	assert_non_null(res);
	/* lone has no hosts: refused before anything is opened. */
	assert_int_equal(kperf_test_run(t, &none), -EINVAL);
	assert_null(none);
	kperf_free(k);
}

static void test_errmsg(void **state)
{
	struct kperf *k = *state;
	struct kperf_group *g;

	assert_string_equal(kperf_errmsg(NULL), "no context");
	assert_string_equal(kperf_errmsg(k), "");
	assert_int_equal(kperf_group_new(k, &g), 0);
	assert_int_equal(kperf_group_set(g, "num-connections", "8"), 0);
	assert_int_equal(kperf_group_check(g), 0);
	assert_string_equal(kperf_errmsg(k), "");
	assert_int_equal(kperf_group_set(g, "num-connections", "0"), -EINVAL);
	assert_string_not_equal(kperf_errmsg(k), "");
}

/*
 * Set an option on a new object of kind obj (KPERF_OBJ_*): what the
 * setter returns, with its message in kperf_errmsg(k).
 */
static int set_on(struct kperf *k, unsigned int obj, const char *name,
		  const char *val)
{
	struct kperf_group *g;
	struct kperf_host *h;
	struct kperf_test *t;
	struct optset os;
	char err[256];
	int ret;

	switch (obj) {
	case KPERF_OBJ_HOST:
		assert_int_equal(kperf_host_new(k, &h), 0);
		return kperf_host_set(h, name, val);
	case KPERF_OBJ_GROUP:
		assert_int_equal(kperf_group_new(k, &g), 0);
		return kperf_group_set(g, name, val);
	case KPERF_OBJ_TEST:
		assert_int_equal(kperf_test_new(k, &t), 0);
		return kperf_test_set(t, name, val);
	}
	/* A set needs connected hosts: its options' table, directly. */
	optset_init(&os, OPT_SCOPE_CONNS);
	ret = optset_set(&os, name, val, err, sizeof(err));
	optset_free(&os);
	return ret < 0 ? lib_fail(k, ret, "%s", err) : ret;
}

static const struct set_case {
	unsigned int obj;
	const char *key, *val;
	int ret;
	const char *msg;
} refused_sets[] = {
	/* Unknown options. */
	{ KPERF_OBJ_GROUP, "bogus", "1", -ENOENT, "unknown option bogus" },
	{ KPERF_OBJ_GROUP, "--bogus", NULL, -ENOENT,
	  "unknown option --bogus" },
	{ KPERF_OBJ_HOST, "-Z", "1", -ENOENT, "unknown option -Z" },
	{ KPERF_OBJ_TEST, "durations", "1", -ENOENT,
	  "unknown option durations" },
	/* A prefix is the command line's convenience, not the library's. */
	{ KPERF_OBJ_GROUP, "num", "2", -ENOENT, "unknown option num" },
	{ KPERF_OBJ_GROUP, "", "1", -EINVAL, "an option needs a name" },
	{ KPERF_OBJ_TEST, NULL, "1", -EINVAL, "an option needs a name" },
	/* Options of another object. */
	{ KPERF_OBJ_GROUP, "time", "1", -ENOENT,
	  "option time is not an option of a flow group" },
	{ KPERF_OBJ_GROUP, "-t", "1", -ENOENT,
	  "option -t is not an option of a flow group" },
	{ KPERF_OBJ_GROUP, "address", "h", -ENOENT,
	  "option address is not an option of a flow group" },
	{ KPERF_OBJ_TEST, "--write-size", "1", -ENOENT,
	  "option --write-size is not an option of a test" },
	{ KPERF_OBJ_HOST, "-n", "1", -ENOENT,
	  "option -n is not an option of a host" },
	{ KPERF_OBJ_CONNS, "nodelay", NULL, -ENOENT,
	  "option nodelay is not an option of a connection set" },
	/* Bad values. */
	{ KPERF_OBJ_GROUP, "write-size", "lots", -EINVAL,
	  "option write-size: \"lots\" is not a size (use bytes or K/M/G)" },
	{ KPERF_OBJ_GROUP, "-n", "0", -EINVAL,
	  "option -n: \"0\" is out of range 1..4096" },
	{ KPERF_OBJ_GROUP, "type", "udp", -EINVAL,
	  "option type: \"udp\" is not stream or rr" },
	{ KPERF_OBJ_GROUP, "direction", "up", -EINVAL,
	  "option direction: \"up\" is not forward, reverse or bidir" },
	{ KPERF_OBJ_GROUP, "name", "", -EINVAL,
	  "option name: \"\" is not a name (1..63 characters, no quotes, "
	  "backslashes or tabs)" },
	{ KPERF_OBJ_GROUP, "write-size", NULL, -EINVAL,
	  "option write-size needs a value" },
	{ KPERF_OBJ_TEST, "time", "0", -EINVAL,
	  "option time: \"0\" is out of range 0.1..86400 seconds" },
	{ KPERF_OBJ_HOST, "port", "0", -EINVAL,
	  "option port: \"0\" is out of range 1..65535" },
	{ KPERF_OBJ_HOST, "connect-timeout", "x", -EINVAL,
	  "option connect-timeout: \"x\" is not a number of seconds" },
	{ KPERF_OBJ_CONNS, "mss", "87", -EINVAL,
	  "option mss: \"87\" is not a number 88..65535" },
};

static void test_refused_sets(void **state)
{
	struct kperf *k = *state;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(refused_sets); i++) {
		const struct set_case *sc = &refused_sets[i];
		int ret = set_on(k, sc->obj, sc->key, sc->val);

		if (ret != sc->ret || strcmp(kperf_errmsg(k), sc->msg))
			fail_msg("%s = %s: %d \"%s\", want %d \"%s\"",
				 sc->key ? sc->key : "NULL",
				 sc->val ? sc->val : "NULL", ret,
				 kperf_errmsg(k), sc->ret, sc->msg);
	}
}

/* A refused value leaves the one set before. */
static void test_refused_keeps(void **state)
{
	struct kperf *k = *state;
	struct kperf_group *g;
	struct opts o;

	assert_int_equal(kperf_group_new(k, &g), 0);
	assert_int_equal(kperf_group_set(g, "num-connections", "3"), 0);
	assert_int_equal(kperf_group_set(g, "num-connections", "x"), -EINVAL);
	assert_int_equal(group_opts(g, &o), 0);
	assert_int_equal(o.n_conns, 3);
}

static void test_flags(void **state)
{
	static const char *const on[] = { NULL, "", "1", "yes", "YES", "true",
					  "on" };
	static const char *const refused[] = { "maybe", "no", "0", "off",
					       "2" };
	struct kperf *k = *state;
	struct kperf_group *g;
	char want[160];
	struct opts o;
	size_t i;

	assert_int_equal(kperf_group_new(k, &g), 0);
	for (i = 0; i < ARRAY_SIZE(on); i++)
		assert_int_equal(kperf_group_set(g, "nodelay", on[i]), 0);
	assert_int_equal(group_opts(g, &o), 0);
	assert_int_equal(o.nodelay, 1);
	/* "no" too: a flag can only be switched on, never silently not. */
	for (i = 0; i < ARRAY_SIZE(refused); i++) {
		snprintf(want, sizeof(want), "option nodelay takes no value "
			 "(it can only be switched on), not \"%s\"",
			 refused[i]);
		FAILS(k, -EINVAL, want,
		      kperf_group_set(g, "nodelay", refused[i]));
	}
}

static void test_option_info(void **state)
{
	static const unsigned int objs[] = { KPERF_OBJ_HOST, KPERF_OBJ_CONNS,
					     KPERF_OBJ_GROUP, KPERF_OBJ_TEST };
	size_t pre = offsetof(struct kperf_option_info, takes_value);
	struct kperf_option_info v[128], in;
	_Alignas(max_align_t) unsigned char buf[sizeof(in) + 16];
	struct kperf *k = *state;
	unsigned int n, i, j, s = 0;
	int ret;

	for (n = 0; !kperf_option_info(n, &in, sizeof(in)); n++) {
		assert_true(n < ARRAY_SIZE(v));
		v[n] = in;
		assert_non_null(in.name);
		assert_true(in.name[0] && in.name[0] != '-');
		assert_non_null(in.help);
		assert_true(in.help[0]);
		assert_in_range(in.takes_value, 0, 1);
		assert_true(in.objects && !(in.objects & ~0xfu));
		if (in.short_name && !s)
			s = n;
		/* The table's order; each entry once. */
		assert_string_equal(in.name, optset_table[n].name);
		for (j = 0; j < n; j++) {
			if (!strcmp(v[j].name, in.name))
				fail_msg("option %s listed twice", in.name);
			if (in.short_name && v[j].short_name == in.short_name)
				fail_msg("-%c is %s and %s", in.short_name,
					 v[j].name, in.name);
		}
	}
	assert_null(optset_table[n].name);
	assert_true(n > 50);
	assert_int_equal(kperf_option_info(n, &in, sizeof(in)), -ENOENT);
	assert_int_equal(kperf_option_info(UINT_MAX, &in, sizeof(in)),
			 -ENOENT);

	/* Each option is one of exactly the objects it says. */
	for (i = 0; i < n; i++)
		for (j = 0; j < ARRAY_SIZE(objs); j++) {
			ret = set_on(k, objs[j], v[i].name,
				     v[i].takes_value ? "1" : NULL);
			if ((ret == -ENOENT) != !(v[i].objects & objs[j]))
				fail_msg("option %s on object 0x%x: %d (%s)",
					 v[i].name, objs[j], ret,
					 kperf_errmsg(k));
		}

	/* A caller built with a shorter struct gets only its part... */
	assert_true(s > 0);
	memset(buf, 0xa5, sizeof(buf));
	assert_int_equal(kperf_option_info(s, (void *)buf, pre), 0);
	memset(&in, 0, sizeof(in));
	memcpy(&in, buf, pre);
	assert_ptr_equal(in.name, v[s].name);
	assert_int_equal(in.short_name, v[s].short_name);
	for (i = pre; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 0xa5);
	/* ...one with a longer one gets zeros past what this one knows. */
	assert_int_equal(kperf_option_info(s, (void *)buf, sizeof(buf)), 0);
	for (i = sizeof(in); i < sizeof(buf); i++)
		assert_int_equal(buf[i], 0);
	memcpy(&in, buf, sizeof(in));
	assert_string_equal(in.help, v[s].help);
	assert_int_equal(in.takes_value, v[s].takes_value);
}

static void test_host_getters(void **state)
{
	struct kperf *k = *state;
	struct kperf_host *h, *none = NULL;
	unsigned int i;

	assert_int_equal(kperf_host_new(k, &h), 0);
	assert_int_equal(kperf_host_set(h, "address", "127.0.0.1"), 0);
	for (i = 0; i < 2; i++) {
		const struct kperf_host *x = i ? none : h;

		assert_null(kperf_host_address(x));
		assert_null(kperf_host_name(x));
		assert_null(kperf_host_kernel(x));
		assert_int_equal(kperf_host_ncpus(x), 0);
		assert_int_equal(kperf_host_n_online(x), 0);
		assert_int_equal(kperf_host_cpu_online(x, 0), 0);
		assert_int_equal(kperf_host_cpu_online(x, UINT_MAX), 0);
		assert_int_equal(kperf_host_features(x), 0);
	}
	assert_null(kperf_group_name(NULL));
}

/* kperf_host_open() frees the host it could not open. */
static void test_host_open_fails(void **state)
{
	struct kperf *k = *state;
	struct kperf_host *h = (void *)1;

	FAILS(k, -EINVAL, "option port: \"0\" is out of range 1..65535",
	      kperf_host_open(k, "127.0.0.1", "0", &h));
	assert_null(h);
	/* Port 1 on loopback: nothing listens, the kernel refuses at once. */
	h = (void *)1;
	assert_true(kperf_host_open(k, "127.0.0.1", "1", &h) < 0);
	assert_null(h);
	assert_non_null(strstr(kperf_errmsg(k), "127.0.0.1"));
}

static void test_run_without_groups(void **state)
{
	struct kperf *k = *state;
	struct kperf_result *res = (void *)1;
	struct kperf_group *g;
	struct kperf_test *t;

	assert_int_equal(kperf_test_new(k, &t), 0);
	FAILS(k, -EINVAL, "a test needs a flow group", kperf_test_check(t));
	FAILS(k, -EINVAL, "a test needs a flow group",
	      kperf_test_run(t, &res));
	assert_null(res);

	/* A group with neither hosts nor a connection set. */
	assert_int_equal(kperf_group_new(k, &g), 0);
	assert_int_equal(kperf_test_add(t, g), 0);
	res = (void *)1;
	FAILS(k, -EINVAL, "group (unnamed): no hosts and no connection set to "
	      "run on", kperf_test_run(t, &res));
	assert_null(res);
	assert_int_equal(kperf_group_set(g, "name", "bulk"), 0);
	FAILS(k, -EINVAL, "group bulk: no hosts and no connection set to run "
	      "on", kperf_test_check(t));
	FAILS(k, -EINVAL, "group bulk: hosts of another context, or none",
	      kperf_group_hosts(g, NULL, NULL));
}

static void test_busy(void **state)
{
	struct kperf *k = *state, *k2;
	struct kperf_group *g, *other;
	struct kperf_test *t, *t2;
	struct kperf_host *b;

	g = group_between(k);
	b = g->to;
	assert_int_equal(kperf_test_new(k, &t), 0);
	assert_int_equal(kperf_test_new(k, &t2), 0);
	assert_int_equal(kperf_test_add(t, g), 0);
	FAILS(k, -EBUSY, "group (unnamed) is in a test already",
	      kperf_test_add(t2, g));
	FAILS(k, -EBUSY, "group (unnamed) is in a test", kperf_group_free(g));
	FAILS(k, -EINVAL, "a group of another context, or none",
	      kperf_test_add(t2, NULL));
	assert_int_equal(kperf_new(&k2), 0);
	assert_int_equal(kperf_group_new(k2, &other), 0);
	FAILS(k, -EINVAL, "a group of another context, or none",
	      kperf_test_add(t2, other));
	kperf_free(k2);

	/* The host a group uses stays; the message names it. */
	assert_int_equal(kperf_host_set(b, "address", "192.0.2.7"), 0);
	FAILS(k, -EBUSY, "host 192.0.2.7: 1 connection sets or groups still "
	      "use it", kperf_host_close(b));
	/* Bound elsewhere, b is free. */
	assert_int_equal(kperf_group_hosts(g, g->from, g->from), 0);
	assert_int_equal(kperf_host_close(b), 0);

	/* Out of its test, the group can go, then its host. */
	kperf_test_free(t);
	assert_int_equal(kperf_group_free(g), 0);
	assert_int_equal(kperf_group_free(NULL), 0);
	assert_int_equal(kperf_host_close(NULL), 0);
	kperf_test_free(NULL);
}

static void test_check_combinations(void **state)
{
	struct kperf *k = *state;
	struct kperf_group *g;
	struct kperf_test *t;

	g = group_between(k);
	assert_int_equal(kperf_test_new(k, &t), 0);
	assert_int_equal(kperf_test_add(t, g), 0);
	assert_int_equal(kperf_test_check(t), 0);

	/* Each is refused when checked, not when set. */
	assert_int_equal(kperf_group_set(g, "cross-pin", NULL), 0);
	FAILS(k, -EINVAL, "cross-pin needs at least 2 flows (-n 2)",
	      kperf_test_check(t));
	FAILS(k, -EINVAL, "cross-pin needs at least 2 flows (-n 2)",
	      kperf_group_check(g));
	assert_int_equal(kperf_group_set(g, "count", "2"), 0);
	assert_int_equal(kperf_test_check(t), 0);
	FAILS(k, -EINVAL, "options cross-pin and no-pin cannot be combined",
	      kperf_group_set(g, "no-pin", NULL));

	/* A named group says which one. */
	assert_int_equal(kperf_group_set(g, "name", "enc"), 0);
	assert_int_equal(kperf_group_set(g, "tls", NULL), 0);
	assert_int_equal(kperf_group_set(g, "tls-nopad", NULL), 0);
	assert_int_equal(kperf_group_set(g, "tls-ver", "1.2"), 0);
	FAILS(k, -EINVAL, "group enc: option tls-nopad needs TLS 1.3, not "
	      "tls-ver 1.2", kperf_test_check(t));
	FAILS(k, -EINVAL, "group enc: option tls-nopad needs TLS 1.3, not "
	      "tls-ver 1.2", kperf_group_check(g));
	assert_int_equal(kperf_group_set(g, "tls-ver", "1.3"), 0);
	assert_int_equal(kperf_test_check(t), 0);

	/* The test's own: the interval is at most the time. */
	assert_int_equal(kperf_test_set(t, "interval", "2"), 0);
	assert_int_equal(kperf_test_set(t, "time", "1"), 0);
	FAILS(k, -EINVAL, "option interval: \"2\" is longer than the test time "
	      "(1 s)", kperf_test_check(t));
	assert_int_equal(kperf_test_set(t, "time", "2"), 0);
	assert_int_equal(kperf_test_check(t), 0);
	assert_int_equal(kperf_test_on_sample(t, NULL, NULL), 0);

	/* Two ways to receive, named as they were passed. */
	assert_int_equal(kperf_group_set(g, "zerocopy-rx", NULL), 0);
	FAILS(k, -EINVAL, "zerocopy-rx and msg-trunc exclude each other",
	      kperf_group_set(g, "msg-trunc", "yes"));
}

static void test_result_accessors(void **state)
{
	struct kperf *k = *state;
	struct kperf_result *res;
	struct kperf_report *r;

	assert_int_equal(kperf_result_n_groups(NULL), 0);
	assert_null(kperf_result_group(NULL, 0));
	assert_null(kperf_result_group_name(NULL, 0));
	assert_true(kperf_result_total_gbps(NULL) == 0);
	assert_true(kperf_result_total_tps(NULL) == 0);
	assert_int_equal(kperf_result_mismatches(NULL), 0);
	assert_null(kperf_report_flow(NULL, 0));
	assert_null(kperf_report_sample(NULL, 0));
	assert_null(kperf_report_cpu(NULL, KPERF_FROM, 0));
	kperf_result_free(NULL);

	/* One group that measured nothing; left for kperf_free(). */
	assert_int_equal(result_new(k, 1, &res), 0);
	r = calloc(1, sizeof(*r));
	assert_non_null(r);
	r->type = KPERF_STREAM;
	r->total_gbps = 2.5;
	res->reps[0] = r;
	snprintf(res->names[0], sizeof(res->names[0]), "group0");
	assert_int_equal(kperf_result_n_groups(res), 1);
	assert_ptr_equal(kperf_result_group(res, 0), r);
	assert_null(kperf_result_group(res, 1));
	assert_null(kperf_result_group(res, UINT_MAX));
	assert_string_equal(kperf_result_group_name(res, 0), "group0");
	assert_null(kperf_result_group_name(res, 1));
	assert_true(kperf_result_total_gbps(res) == 2.5);
	assert_true(kperf_result_total_tps(res) == 0);
	assert_null(kperf_report_flow(r, 0));
	assert_null(kperf_report_sample(r, 0));
	assert_null(kperf_report_cpu(r, KPERF_FROM, 0));
	assert_null(kperf_report_cpu(r, KPERF_TO, 0));
	assert_null(kperf_report_cpu(r, (enum kperf_end)2, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_version),
		cmocka_unit_test(test_free_open_objects),
		CTX_TEST(test_errmsg),
		CTX_TEST(test_refused_sets),
		CTX_TEST(test_refused_keeps),
		CTX_TEST(test_flags),
		CTX_TEST(test_option_info),
		CTX_TEST(test_host_getters),
		CTX_TEST(test_host_open_fails),
		CTX_TEST(test_run_without_groups),
		CTX_TEST(test_busy),
		CTX_TEST(test_check_combinations),
		CTX_TEST(test_result_accessors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
