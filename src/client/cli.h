/* SPDX-License-Identifier: MIT */
/*
 * cli - the kperf command line: parse argv into a struct kperf_opts plus
 * the front end's own flags, with one clear message per usage error.
 *
 *	struct cli c;
 *	char err[256];
 *	int ret = cli_parse(&c, argc, argv, err, sizeof(err));
 *	if (ret < 0)	usage error: print err, exit 2
 *	if (ret > 0)	--help or --version was printed: exit 0
 *	else		run with c.opts
 *
 * Option names follow the original kperf client.  Numbers are parsed
 * strictly: the whole string must be a number in range, no sign, no
 * exponent, no "inf" or "nan".  Every message names the option as the user
 * spelled it (-n or --num-connections) and quotes the bad value.
 *
 * cli_parse() resets getopt's state, so it can be called again (tests do);
 * it is not thread-safe, because getopt_long() is not.
 */
#ifndef KPERF_CLI_H
#define KPERF_CLI_H

#include <stddef.h>
#include <stdio.h>

#include <kperf/kperf.h>

#include "client/cli_place.h"
#include "client/cli_rr.h"
#include "client/cli_tcp.h"
#include "client/cli_data.h"
#include "client/cli_tls.h"

/* Limits of the options given in seconds, in milliseconds. */
#define CLI_TIME_MIN_MS			100u
#define CLI_TIME_MAX_MS			86400000u
#define CLI_TIME_DEFAULT_MS		5000u
#define CLI_INTERVAL_MIN_MS		10u
#define CLI_CONNECT_TIMEOUT_MIN_MS	100
#define CLI_CONNECT_TIMEOUT_MAX_MS	600000
#define CLI_CONNECT_TIMEOUT_DEFAULT_MS	5000
#define CLI_IO_SIZE_DEFAULT		131072u
#define CLI_HOST_DEFAULT		"localhost"

struct cli {
	struct kperf_opts opts;	/* opts.verbose mirrors verbose */
	int json;		/* --json: one JSON document on stdout */
	int quiet;		/* -q: errors and the total line only */
	int verbose;		/* -v, once per -v */
	struct cli_place place;	/* placement options, see cli_place.h */
	struct cli_rr rr;	/* RR and timing options, see cli_rr.h */
	struct cli_tcp tcp;	/* TCP settings, see cli_tcp.h */
	struct cli_data data;	/* data path, see cli_data.h */
	struct cli_tls tls;	/* kernel TLS, see cli_tls.h */
};

/*
 * Fill c with the defaults, then apply argv.  Return 0 when the test should
 * run, 1 when --help or --version was printed on stdout (exit 0), or
 * -EINVAL with a one-line message in err (no "kperf: " prefix, no newline).
 * String options in c->opts point into argv.
 */
int cli_parse(struct cli *c, int argc, char **argv, char *err,
	      size_t errlen);

/* The --help text. */
void cli_usage(FILE *f);

/* The --version text: version and JSON schema. */
void cli_version(FILE *f);

#endif /* KPERF_CLI_H */
