/* SPDX-License-Identifier: MIT */
/*
 * cli_fixture - what the command-line unit tests (test_cli.c,
 * test_tls_client.c) share: a libkperf context per test, cli_parse() over
 * a NULL-terminated list of arguments, and the option values in force
 * afterwards, read from the objects cli_parse() made (they have no other
 * accessors: the values are the library's insides).
 *
 *	FIX_TEST(test_x),	(in the test table: setup and teardown)
 *
 *	static void test_x(void **state)
 *	{
 *		struct fix *f = *state;
 *		struct vals v;
 *
 *		PARSE_OK(f, &v, "-n", "4");
 *		assert_int_equal(v.grp.n_conns, 4);
 *		assert_int_equal(PARSE(f, "-n", "0"), -EINVAL);
 *		assert_string_equal(f->err, "option -n: ...");
 *	}
 *
 * Each parse makes new objects under the test's context; kperf_free() in
 * fix_teardown() releases them all, also after a failed assertion.
 */
#ifndef KPERF_CLI_FIXTURE_H
#define KPERF_CLI_FIXTURE_H

#include <stddef.h>

#include "client/cli.h"
#include "client/lib.h"

#define MAX_ARGS	16

struct fix {
	struct kperf *k;
	struct cli c;
	char err[256];
	const void *arg;	/* the cmocka initial_state, for table rows */
};

/* *state: the initial state in, a struct fix out. */
int fix_setup(void **state);
int fix_teardown(void **state);

#define FIX_TEST(fn)							\
	cmocka_unit_test_setup_teardown(fn, fix_setup, fix_teardown)

/* cli_parse(&f->c, f->k, "kperf" args..., err, errlen). */
int parse_args(struct fix *f, const char *const *args, char *err,
	       size_t errlen);

#define PARSE(f, ...)							\
	parse_args(f, (const char *const[]){ __VA_ARGS__, NULL }, (f)->err, \
		   sizeof((f)->err))

/* The values in force after a parse that returned 0. */
struct vals {
	struct opts grp;	/* group_opts(): the flows' options */
	struct opts test;	/* time, warmup, interval */
	struct opts src, dst;	/* address, port, connect timeout */
};

void vals_get(struct fix *f, struct vals *v);

/* Parse args, which must succeed, and get the values in force. */
void parse_ok(struct fix *f, struct vals *v, const char *const *args);

#define PARSE_OK(f, v, ...)						\
	parse_ok(f, v, (const char *const[]){ __VA_ARGS__, NULL })

#endif
