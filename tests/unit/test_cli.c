// SPDX-License-Identifier: MIT
/*
 * Unit tests for the kperf command line (src/client/cli.c): defaults, every
 * option in its short and long spelling, and for each numeric option the
 * values that must be refused, each with a message that names the option
 * and quotes the value.
 *
 * The bad-value cases are a table; each row becomes its own cmocka test,
 * named after its argv, so a failure says which input broke.
 *
 * The command line routes each option to the object it belongs to (the
 * hosts, the test, the flow group: libkperf's public API), so the values
 * are read back from those objects (cli_fixture.h's vals_get) and most
 * messages are the library's.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli_fixture.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* The front end's own options: --json, -q, -v. */
static void assert_front(const struct cli *c, int json, int quiet,
			 int verbose)
{
	assert_int_equal(c->json, json);
	assert_int_equal(c->quiet, quiet);
	assert_int_equal(c->verbose, verbose);
}

static void test_defaults(void **state)
{
	char *argv[] = { "kperf", NULL };
	struct fix *f = *state;
	char err[256] = "stale";
	struct vals v;

	memset(&f->c, 0xa5, sizeof(f->c));
	assert_int_equal(cli_parse(&f->c, f->k, 1, argv, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	vals_get(f, &v);
	assert_string_equal(v.src.address, "localhost");
	assert_string_equal(v.dst.address, "localhost");
	assert_string_equal(v.src.port, "18323");
	assert_string_equal(v.dst.port, "18323");
	assert_int_equal(v.grp.type, KPERF_STREAM);
	assert_int_equal(v.test.duration_ms, 5000);
	assert_int_equal(v.grp.n_conns, 1);
	assert_int_equal(v.grp.read_size, 131072);
	assert_int_equal(v.grp.write_size, 131072);
	assert_int_equal(v.test.interval_ms, 0);
	assert_int_equal(v.src.connect_timeout_ms, 5000);
	assert_int_equal(v.dst.connect_timeout_ms, 5000);
	assert_null(f->c.test->sample_fn);
	assert_null(f->c.test->sample_arg);
	assert_null(f->c.scenario);
	assert_front(&f->c, 0, 0, 0);
}

static void test_long_options(void **state)
{
	struct fix *f = *state;
	struct vals v;

	PARSE_OK(f, &v, "--src", "198.18.0.1", "--dst", "198.18.0.2",
		 "--src-svc", "1234", "--dst-svc", "65535");
	assert_string_equal(v.src.address, "198.18.0.1");
	assert_string_equal(v.dst.address, "198.18.0.2");
	assert_string_equal(v.src.port, "1234");
	assert_string_equal(v.dst.port, "65535");

	PARSE_OK(f, &v, "--time", "2.5", "--num-connections", "16",
		 "--read-size", "64K", "--write-size", "1M");
	assert_int_equal(v.test.duration_ms, 2500);
	assert_int_equal(v.grp.n_conns, 16);
	assert_int_equal(v.grp.read_size, 65536);
	assert_int_equal(v.grp.write_size, 1048576);

	PARSE_OK(f, &v, "--interval", "0.5", "--connect-timeout", "0.25",
		 "--json", "--verbose", "--verbose", "--quiet");
	assert_int_equal(v.test.interval_ms, 500);
	/* One timeout for both hosts. */
	assert_int_equal(v.src.connect_timeout_ms, 250);
	assert_int_equal(v.dst.connect_timeout_ms, 250);
	assert_int_equal(f->c.interval, 1);
	assert_front(&f->c, 1, 1, 2);
}

static void test_short_options(void **state)
{
	struct fix *f = *state;
	struct vals v;

	PARSE_OK(f, &v, "-t", "10", "-n", "4", "-i", "1", "-vvv", "-q");
	assert_int_equal(v.test.duration_ms, 10000);
	assert_int_equal(v.grp.n_conns, 4);
	assert_int_equal(v.test.interval_ms, 1000);
	assert_front(&f->c, 0, 1, 3);

	/* Values glued to the option, and --opt=value. */
	PARSE_OK(f, &v, "-n8", "-t0.5", "--read-size=2MiB", "--dst=host-b");
	assert_int_equal(v.grp.n_conns, 8);
	assert_int_equal(v.test.duration_ms, 500);
	assert_int_equal(v.grp.read_size, 2 << 20);
	assert_string_equal(v.dst.address, "host-b");

	/* A unique prefix of a long option is that option. */
	PARSE_OK(f, &v, "--num", "7");
	assert_int_equal(v.grp.n_conns, 7);
}

static void test_sizes(void **state)
{
	static const struct {
		const char *s;
		unsigned int v;
	} tab[] = {
		{ "1", 1 },		{ "4096", 4096 },
		{ "64K", 65536 },	{ "64k", 65536 },
		{ "64KiB", 65536 },	{ "3kib", 3072 },
		{ "1M", 1 << 20 },	{ "2MiB", 2 << 20 },
		{ "64M", 64 << 20 },	{ "67108864", 64 << 20 },
		{ "0001", 1 },
	};
	struct fix *f = *state;
	struct vals v;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(tab); i++) {
		PARSE_OK(f, &v, "--write-size", tab[i].s);
		assert_int_equal(v.grp.write_size, tab[i].v);
		PARSE_OK(f, &v, "--read-size", tab[i].s);
		assert_int_equal(v.grp.read_size, tab[i].v);
	}
}

static void test_seconds(void **state)
{
	static const struct {
		const char *s;
		unsigned int ms;
	} tab[] = {
		{ "0.1", 100 },	   { "1", 1000 },	   { ".5", 500 },
		{ "2.", 2000 },	   { "1.25", 1250 },	   { "007", 7000 },
		{ "86400", 86400000 },
	};
	struct fix *f = *state;
	struct vals v;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(tab); i++) {
		PARSE_OK(f, &v, "-t", tab[i].s);
		assert_int_equal(v.test.duration_ms, tab[i].ms);
	}
	PARSE_OK(f, &v, "--connect-timeout", "600");
	assert_int_equal(v.src.connect_timeout_ms, 600000);
	PARSE_OK(f, &v, "--connect-timeout", "0.1");
	assert_int_equal(v.dst.connect_timeout_ms, 100);
}

static void test_interval(void **state)
{
	struct fix *f = *state;
	struct vals v;

	PARSE_OK(f, &v, "-i", "0");
	assert_int_equal(v.test.interval_ms, 0);
	PARSE_OK(f, &v, "-i", "0.0");
	assert_int_equal(v.test.interval_ms, 0);
	PARSE_OK(f, &v, "-i", "0.01");
	assert_int_equal(v.test.interval_ms, 10);
	/* Equal to the test time is allowed: one sample. */
	PARSE_OK(f, &v, "-i", "5");
	assert_int_equal(v.test.interval_ms, 5000);
	/* The bound is the final -t, whichever comes first. */
	PARSE_OK(f, &v, "-i", "10", "-t", "20");
	assert_int_equal(v.test.interval_ms, 10000);
	assert_int_equal(PARSE(f, "-t", "20", "-i", "10", "-t", "5"), -EINVAL);
	assert_string_equal(f->err, "option -i: \"10\" is longer than the test "
				    "time (5 s)");
	assert_int_equal(PARSE(f, "-t", "0.5", "--interval", "0.6"), -EINVAL);
	assert_string_equal(f->err, "option --interval: \"0.6\" is longer than "
				    "the test time (0.5 s)");
}

static void test_service_name(void **state)
{
	struct fix *f = *state;
	struct vals v;

	if (!getservbyname("ssh", "tcp"))
		skip();	/* no /etc/services here */
	PARSE_OK(f, &v, "--dst-svc", "ssh", "--src-svc", "ssh");
	assert_string_equal(v.dst.port, "ssh");
	assert_string_equal(v.src.port, "ssh");
}

static void test_host_too_long(void **state)
{
	char host[300], want[256];
	struct fix *f = *state;
	struct vals v;

	memset(host, 'a', sizeof(host) - 1);
	host[sizeof(host) - 1] = '\0';
	assert_int_equal(PARSE(f, "--dst", host), -EINVAL);
	/* The value is cut to 61 characters and "..." in the message. */
	snprintf(want, sizeof(want), "option --dst: \"%.61s...\" is longer "
		 "than 255 characters", host);
	assert_string_equal(f->err, want);

	host[255] = '\0';
	PARSE_OK(f, &v, "--src", host);
	assert_int_equal(strlen(v.src.address), 255);
}

/* Point stdout at /dev/null (on) and back (off): --help prints there. */
static void mute_stdout(bool on)
{
	static int saved = -1;
	int fd;

	fflush(stdout);
	if (on) {
		saved = dup(STDOUT_FILENO);
		fd = open("/dev/null", O_WRONLY);
		assert_true(saved >= 0 && fd >= 0);
		dup2(fd, STDOUT_FILENO);
		close(fd);
	} else {
		dup2(saved, STDOUT_FILENO);
		close(saved);
	}
}

static void test_help_version(void **state)
{
	struct fix *f = *state;
	int r[5];

	mute_stdout(true);
	r[0] = PARSE(f, "-h");
	r[1] = PARSE(f, "--help");
	r[2] = PARSE(f, "-V");
	r[3] = PARSE(f, "--version");
	/* A usage error before --help still wins: it is what ran first. */
	r[4] = PARSE(f, "-n", "0", "--help");
	mute_stdout(false);
	assert_int_equal(r[0], 1);
	assert_int_equal(r[1], 1);
	assert_int_equal(r[2], 1);
	assert_int_equal(r[3], 1);
	assert_int_equal(r[4], -EINVAL);
}

static void test_version_text(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	cli_version(f);
	assert_int_equal(fclose(f), 0);
	assert_string_equal(buf, "kperf " KPERF_VERSION " (libkperf "
				 LIBKPERF_VERSION ", JSON schema 1)\n");
	free(buf);
}

static void test_usage_text(void **state)
{
	char *buf = NULL, *line;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	cli_usage(f);
	assert_int_equal(fclose(f), 0);
	/* Every option is documented. */
	assert_non_null(strstr(buf, "--src HOST"));
	assert_non_null(strstr(buf, "--dst-svc PORT"));
	assert_non_null(strstr(buf, "-n, --num-connections N"));
	assert_non_null(strstr(buf, "1..4096"));
	assert_non_null(strstr(buf, "1..64M"));
	assert_non_null(strstr(buf, "--connect-timeout SEC"));
	assert_non_null(strstr(buf, "--json"));
	assert_non_null(strstr(buf, "-V, --version"));
	assert_non_null(strstr(buf, "\nTCP settings:\n"));
	assert_non_null(strstr(buf, "-M, --mss N"));
	assert_non_null(strstr(buf, "--max-pace RATE"));
	assert_non_null(strstr(buf, "--tcp-cc NAME"));
	assert_non_null(strstr(buf, "--sndbuf SIZE"));
	assert_non_null(strstr(buf, "--rcvbuf SIZE"));
	assert_non_null(strstr(buf, "--nodelay"));
	/* Fits a terminal. */
	for (line = buf; *line;) {
		size_t n = strcspn(line, "\n");

		assert_in_range(n, 0, 79);
		line += n + (line[n] == '\n');
	}
	free(buf);
}

/* The parser keeps no state between calls, getopt's included. */
static void test_reentrant(void **state)
{
	struct fix *f = *state;
	struct vals v;

	PARSE_OK(f, &v, "-n", "3", "-v");
	assert_int_equal(v.grp.n_conns, 3);
	/* Stop half-way through a "-vn" cluster, then parse again. */
	assert_int_equal(PARSE(f, "-vn"), -EINVAL);
	PARSE_OK(f, &v, "--json");
	assert_int_equal(v.grp.n_conns, 1);
	assert_front(&f->c, 1, 0, 0);
}

/* A short err buffer is cut, not overrun, and still NUL-terminated. */
static void test_short_err_buffer(void **state)
{
	struct fix *f = *state;
	char err[8];

	memset(err, 'x', sizeof(err));
	assert_int_equal(parse_args(f, (const char *const[]){ "-n", "0",
							     NULL },
				    err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(strlen(err), sizeof(err) - 1);
	assert_memory_equal(err, "option ", 7);
}

struct bad_case {
	const char *args[MAX_ARGS];
	const char *want;	/* the whole message */
};

static const struct bad_case bad_cases[] = {
	/* -n */
	{ { "-n", "0" }, "option -n: \"0\" is out of range 1..4096" },
	{ { "--num-connections", "4097" },
	  "option --num-connections: \"4097\" is out of range 1..4096" },
	{ { "-n", "-1" }, "option -n: \"-1\" is out of range 1..4096" },
	{ { "-n", "99999999999999999999" },
	  "option -n: \"99999999999999999999\" is out of range 1..4096" },
	{ { "-n", "abc" }, "option -n: \"abc\" is not a number" },
	{ { "-n", "3x" }, "option -n: \"3x\" is not a number" },
	{ { "-n", "" }, "option -n: \"\" is not a number" },
	{ { "-n", " 3" }, "option -n: \" 3\" is not a number" },
	{ { "-n", "+3" }, "option -n: \"+3\" is not a number" },
	{ { "-n", "0x10" }, "option -n: \"0x10\" is not a number" },
	{ { "-n", "2.5" }, "option -n: \"2.5\" is not a number" },
	/* -t */
	{ { "-t", "0" },
	  "option -t: \"0\" is out of range 0.1..86400 seconds" },
	{ { "-t", "0.09" },
	  "option -t: \"0.09\" is out of range 0.1..86400 seconds" },
	{ { "--time", "-1" },
	  "option --time: \"-1\" is out of range 0.1..86400 seconds" },
	{ { "-t", "86400.5" },
	  "option -t: \"86400.5\" is out of range 0.1..86400 seconds" },
	{ { "-t", "99999999999999999999" },
	  "option -t: \"99999999999999999999\" is out of range 0.1..86400 "
	  "seconds" },
	{ { "-t", "abc" }, "option -t: \"abc\" is not a number of seconds" },
	{ { "-t", "nan" }, "option -t: \"nan\" is not a number of seconds" },
	{ { "-t", "inf" }, "option -t: \"inf\" is not a number of seconds" },
	{ { "-t", "1e3" }, "option -t: \"1e3\" is not a number of seconds" },
	{ { "-t", "0x10" }, "option -t: \"0x10\" is not a number of seconds" },
	{ { "-t", "1.2.3" },
	  "option -t: \"1.2.3\" is not a number of seconds" },
	{ { "-t", "." }, "option -t: \".\" is not a number of seconds" },
	{ { "-t", "" }, "option -t: \"\" is not a number of seconds" },
	{ { "-t", "5s" }, "option -t: \"5s\" is not a number of seconds" },
	/* -i */
	{ { "-i", "0.001" },
	  "option -i: \"0.001\" is out of range 0 or 0.01..86400 seconds" },
	{ { "--interval", "-1" },
	  "option --interval: \"-1\" is out of range 0 or 0.01..86400 "
	  "seconds" },
	{ { "-i", "99999999999999999999" },
	  "option -i: \"99999999999999999999\" is out of range 0 or "
	  "0.01..86400 seconds" },
	{ { "-i", "x" }, "option -i: \"x\" is not a number of seconds" },
	{ { "-i", "NaN" }, "option -i: \"NaN\" is not a number of seconds" },
	{ { "-i", "6" },
	  "option -i: \"6\" is longer than the test time (5 s)" },
	/* --connect-timeout */
	{ { "--connect-timeout", "0" },
	  "option --connect-timeout: \"0\" is out of range 0.1..600 "
	  "seconds" },
	{ { "--connect-timeout", "0.05" },
	  "option --connect-timeout: \"0.05\" is out of range 0.1..600 "
	  "seconds" },
	{ { "--connect-timeout", "601" },
	  "option --connect-timeout: \"601\" is out of range 0.1..600 "
	  "seconds" },
	{ { "--connect-timeout", "-5" },
	  "option --connect-timeout: \"-5\" is out of range 0.1..600 "
	  "seconds" },
	{ { "--connect-timeout", "99999999999999999999" },
	  "option --connect-timeout: \"99999999999999999999\" is out of "
	  "range 0.1..600 seconds" },
	{ { "--connect-timeout", "soon" },
	  "option --connect-timeout: \"soon\" is not a number of seconds" },
	{ { "--connect-timeout", "infinity" },
	  "option --connect-timeout: \"infinity\" is not a number of "
	  "seconds" },
	/* --read-size, --write-size */
	{ { "--read-size", "0" },
	  "option --read-size: \"0\" is out of range 1..67108864 (64M)" },
	{ { "--read-size", "0K" },
	  "option --read-size: \"0K\" is out of range 1..67108864 (64M)" },
	{ { "--read-size", "-1" },
	  "option --read-size: \"-1\" is out of range 1..67108864 (64M)" },
	{ { "--read-size", "65M" },
	  "option --read-size: \"65M\" is out of range 1..67108864 (64M)" },
	{ { "--read-size", "67108865" },
	  "option --read-size: \"67108865\" is out of range 1..67108864 "
	  "(64M)" },
	{ { "--read-size", "64G" },
	  "option --read-size: \"64G\" is out of range 1..67108864 (64M)" },
	{ { "--read-size", "99999999999999999999" },
	  "option --read-size: \"99999999999999999999\" is out of range "
	  "1..67108864 (64M)" },
	{ { "--read-size", "12Q" },
	  "option --read-size: \"12Q\" is not a size (use bytes or K/M/G)" },
	{ { "--read-size", "1.5K" },
	  "option --read-size: \"1.5K\" is not a size (use bytes or K/M/G)" },
	{ { "--read-size", "K" },
	  "option --read-size: \"K\" is not a size (use bytes or K/M/G)" },
	{ { "--read-size", "1KB" },
	  "option --read-size: \"1KB\" is not a size (use bytes or K/M/G)" },
	{ { "--read-size", "" },
	  "option --read-size: \"\" is not a size (use bytes or K/M/G)" },
	{ { "--write-size", "0" },
	  "option --write-size: \"0\" is out of range 1..67108864 (64M)" },
	{ { "--write-size", "1G" },
	  "option --write-size: \"1G\" is out of range 1..67108864 (64M)" },
	{ { "--write-size", "lots" },
	  "option --write-size: \"lots\" is not a size (use bytes or "
	  "K/M/G)" },
	/* --src-svc, --dst-svc */
	{ { "--dst-svc", "0" }, "option --dst-svc: \"0\" is out of range "
				"1..65535" },
	{ { "--dst-svc", "65536" },
	  "option --dst-svc: \"65536\" is out of range 1..65535" },
	{ { "--dst-svc", "-1" },
	  "option --dst-svc: \"-1\" is out of range 1..65535" },
	{ { "--src-svc", "99999999999999999999" },
	  "option --src-svc: \"99999999999999999999\" is out of range "
	  "1..65535" },
	{ { "--src-svc", "12ab" },
	  "option --src-svc: \"12ab\" is not a port number 1..65535 or a "
	  "known service name" },
	{ { "--src-svc", "+80" },
	  "option --src-svc: \"+80\" is not a port number 1..65535 or a "
	  "known service name" },
	{ { "--dst-svc", "no-such-service-kperf" },
	  "option --dst-svc: \"no-such-service-kperf\" is not a port "
	  "number 1..65535 or a known service name" },
	{ { "--dst-svc", "" },
	  "option --dst-svc: \"\" is not a port number 1..65535 or a known "
	  "service name" },
	/* hosts */
	{ { "--dst", "" }, "option --dst: \"\" is not a host name or address" },
	{ { "--src", "" }, "option --src: \"\" is not a host name or address" },
	/* option syntax */
	{ { "--foo" }, "unknown option --foo" },
	{ { "--foo=1" }, "unknown option --foo" },
	{ { "-x" }, "unknown option -x" },
	{ { "-n", "2", "-Z" }, "unknown option -Z" },
	{ { "--s", "h" },
	  "ambiguous option --s (could be --src, --src-svc, --src-rx-cpus, "
	  "--sndbuf)" },
	/* request/response */
	{ { "--depth", "4" },
	  "option --depth needs a request/response test (-s/--req-size)" },
	{ { "-s", "0" },
	  "option -s: \"0\" is not a size 1..64M (bytes, or K/M/G)" },
	{ { "-s", "1", "--depth", "0" },
	  "option --depth: \"0\" is not a number 1..1024" },
	{ { "-s", "1", "--resp-delay-us", "x" },
	  "option --resp-delay-us: \"x\" is not a number 0..10000000" },
	{ { "--json-histogram" }, "option --json-histogram needs --json" },
	{ { "-s", "1", "--no-latency", "-T", "1" },
	  "--no-latency leaves no histogram to print" },
	{ { "--warmup", "-1" },
	  "option --warmup: \"-1\" is not a time 0..3600 s" },
	/* placement */
	{ { "--pin-off", "x" },
	  "option --pin-off: \"x\" is not a number 0..4095" },
	{ { "--pin-off", "-1" },
	  "option --pin-off: \"-1\" is not a number 0..4095" },
	{ { "--cpu-src-wrk", "4096" },
	  "option --cpu-src-wrk: \"4096\" is not a number 0..4095" },
	{ { "--rx-cpus", "0-" },
	  "option --rx-cpus: expected a CPU number at character 3 of \"0-\"" },
	{ { "--cross-pin" }, "--cross-pin needs at least 2 flows (-n 2)" },
	{ { "-n", "2", "--cross-pin", "--no-pin" },
	  "options --cross-pin and --no-pin cannot be combined" },
	{ { "--cpu-min", "3", "--cpu-max", "1" },
	  "--cpu-min 3 is above --cpu-max 1" },
	{ { "--placement-attempts", "0" },
	  "option --placement-attempts: \"0\" is out of range 1..100000" },
	/* TCP settings */
	{ { "-M", "87" }, "option -M: \"87\" is not a number 88..65535" },
	{ { "--mss", "65536" },
	  "option --mss: \"65536\" is not a number 88..65535" },
	{ { "-M", "1k" }, "option -M: \"1k\" is not a number 88..65535" },
	{ { "-M", "-1000" },
	  "option -M: \"-1000\" is not a number 88..65535" },
	{ { "--max-pace", "2.5X" },
	  "option --max-pace: \"2.5X\" is not a rate (bits/s, with k, M or "
	  "G)" },
	{ { "--max-pace", "100m" },
	  "option --max-pace: \"100m\" is not a rate (bits/s, with k, M or "
	  "G)" },
	{ { "--max-pace", "1e9" },
	  "option --max-pace: \"1e9\" is not a rate (bits/s, with k, M or "
	  "G)" },
	{ { "--max-pace", "M" },
	  "option --max-pace: \"M\" is not a rate (bits/s, with k, M or G)" },
	{ { "--max-pace", "1.2.3G" },
	  "option --max-pace: \"1.2.3G\" is not a rate (bits/s, with k, M "
	  "or G)" },
	{ { "--max-pace", "100MM" },
	  "option --max-pace: \"100MM\" is not a rate (bits/s, with k, M or "
	  "G)" },
	{ { "--max-pace", "inf" },
	  "option --max-pace: \"inf\" is not a rate (bits/s, with k, M or "
	  "G)" },
	{ { "--max-pace", "" },
	  "option --max-pace: \"\" is not a rate (bits/s, with k, M or G)" },
	{ { "--max-pace", "0" },
	  "option --max-pace: \"0\" is out of range 8..10000G bits/s" },
	{ { "--max-pace", "7" },
	  "option --max-pace: \"7\" is out of range 8..10000G bits/s" },
	{ { "--max-pace", "-1M" },
	  "option --max-pace: \"-1M\" is out of range 8..10000G bits/s" },
	{ { "--max-pace", "10000.1G" },
	  "option --max-pace: \"10000.1G\" is out of range 8..10000G bits/s" },
	{ { "--tcp-cc", "" },
	  "option --tcp-cc: \"\" is not a congestion control name (1..15 of "
	  "A-Z a-z 0-9 _ -)" },
	{ { "--tcp-cc", "b r" },
	  "option --tcp-cc: \"b r\" is not a congestion control name (1..15 "
	  "of A-Z a-z 0-9 _ -)" },
	{ { "--tcp-cc", "abcdefghijklmnop" },
	  "option --tcp-cc: \"abcdefghijklmnop\" is not a congestion control "
	  "name (1..15 of A-Z a-z 0-9 _ -)" },
	{ { "--sndbuf", "0" },
	  "option --sndbuf: \"0\" is not a size 1..1G (bytes, or K/M/G)" },
	{ { "--sndbuf", "2G" },
	  "option --sndbuf: \"2G\" is not a size 1..1G (bytes, or K/M/G)" },
	{ { "--rcvbuf", "1.5M" },
	  "option --rcvbuf: \"1.5M\" is not a size 1..1G (bytes, or K/M/G)" },
	{ { "--rcvbuf", "-1" },
	  "option --rcvbuf: \"-1\" is not a size 1..1G (bytes, or K/M/G)" },
	{ { "--nodelay=1" }, "option --nodelay takes no value" },
	{ { "-M" }, "option -M needs a value" },
	{ { "--json=1" }, "option --json takes no value" },
	{ { "--verbose=2" }, "option --verbose takes no value" },
	{ { "-n" }, "option -n needs a value" },
	{ { "--time" }, "option --time needs a value" },
	{ { "--dst" }, "option --dst needs a value" },
	{ { "-vt" }, "option -t needs a value" },
	/* positional arguments */
	{ { "foo" }, "unexpected argument \"foo\"" },
	{ { "-n", "2", "host-b" }, "unexpected argument \"host-b\"" },
	{ { "--", "-n" }, "unexpected argument \"-n\"" },
	{ { "host-b", "-n", "2" }, "unexpected argument \"host-b\"" },
};

/* An argv of up to MAX_ARGS, NULL-terminated where it is shorter. */
static int parse_list(struct fix *f, const char *const *args)
{
	return parse_args(f, args, f->err, sizeof(f->err));
}

static void test_placement(void **state)
{
	const char *args[MAX_ARGS] = { "-n", "2", "--pin-off", "1",
				       "--cpu-dst-wrk", "3", "--rx-cpus",
				       "0-5", "--dst-rx-cpus", "1,4",
				       "--cpu-min", "1", "--allow-shared-cpus",
				       "--placement-attempts", "7" };
	const char *none[MAX_ARGS] = { NULL };
	struct fix *f = *state;
	struct vals v;

	parse_ok(f, &v, args);
	assert_int_equal(v.grp.pin_src.policy, KPERF_PIN_OFFSET);
	assert_int_equal(v.grp.pin_src.offset, 1);
	assert_int_equal(v.grp.pin_dst.policy, KPERF_PIN_CPU);
	assert_int_equal(v.grp.pin_dst.cpu, 3);
	assert_true(v.grp.have_src_rx_cpus && v.grp.have_dst_rx_cpus);
	/* 0-5 from 1 up: 1..5 on the source; and 1,4 on the destination. */
	assert_int_equal(v.grp.src_rx_cpus[0], 0x3e);
	assert_int_equal(v.grp.dst_rx_cpus[0], 0x12);
	assert_int_equal(v.grp.src_rx_cpus[1], 0);
	assert_int_equal(v.grp.allow_shared_cpus, 1);
	assert_int_equal(v.grp.placement_attempts, 7);
	/* Defaults: same CPU, no restriction, 500 attempts. */
	parse_ok(f, &v, none);
	assert_int_equal(v.grp.pin_src.policy, KPERF_PIN_RX_CPU);
	assert_int_equal(v.grp.have_src_rx_cpus, 0);
	assert_int_equal(v.grp.placement_attempts, KPERF_ATTEMPTS_DEFAULT);
}

static void test_rr_options(void **state)
{
	const char *args[MAX_ARGS] = { "-s", "2K", "--depth", "8",
				       "--resp-delay-us", "150", "--warmup",
				       "0.25", "-T", "1", "--json",
				       "--json-histogram" };
	const char *only[MAX_ARGS] = { "--req-size", "64" };
	struct fix *f = *state;
	struct vals v;

	parse_ok(f, &v, args);
	assert_int_equal(v.grp.type, KPERF_RR);
	assert_int_equal(v.grp.req_size, 2048);
	assert_int_equal(v.grp.resp_size, 2048);	/* defaults to req */
	assert_int_equal(v.grp.depth, 8);
	assert_int_equal(v.grp.resp_delay_us, 150);
	assert_int_equal(v.test.warmup_ms, 250);
	assert_int_equal(f->c.time_stats, 1);
	assert_int_equal(f->c.json_hist, 1);
	parse_ok(f, &v, only);
	assert_int_equal(v.grp.depth, 1);
	assert_int_equal(v.grp.no_latency, 0);
}

/* The TCP settings in force are want's. */
static void assert_tcp(const struct opts *o, const struct opts *want)
{
	assert_int_equal(o->mss, want->mss);
	assert_int_equal(o->max_pace, want->max_pace);
	assert_string_equal(o->tcp_cc, want->tcp_cc);
	assert_int_equal(o->sndbuf, want->sndbuf);
	assert_int_equal(o->rcvbuf, want->rcvbuf);
	assert_int_equal(o->nodelay, want->nodelay);
}

static void test_tcp_options(void **state)
{
	const char *args[MAX_ARGS] = { "-M", "1000", "--max-pace", "200M",
				       "--tcp-cc", "bbr", "--sndbuf", "1M",
				       "--rcvbuf", "256K", "--nodelay" };
	static const struct {
		const char *rate;
		uint64_t bytes;
	} rates[] = {
		{ "200M", 25000000 },	/* bits/s / 8 */
		{ "2.5G", 312500000 },
		{ "100k", 12500 },
		{ "100K", 12500 },
		{ "1000000", 125000 },
		{ ".5M", 62500 },
		{ "2.", 0 },		/* below 8 bits/s */
		{ "8", 1 },
		{ "12", 2 },		/* 1.5 bytes/s, rounded */
		{ "0.1G", 12500000 },
		{ "10000G", 1250000000000ull },
	};
	const char *one[MAX_ARGS] = { "--max-pace", NULL };
	const char *none[MAX_ARGS] = { NULL };
	struct fix *f = *state;
	struct vals v;
	size_t i;

	parse_ok(f, &v, args);
	assert_tcp(&v.grp, &(struct opts){ .mss = 1000, .max_pace = 25000000,
					   .tcp_cc = "bbr", .sndbuf = 1048576,
					   .rcvbuf = 262144, .nodelay = 1 });

	for (i = 0; i < ARRAY_SIZE(rates); i++) {
		one[1] = rates[i].rate;
		if (!rates[i].bytes) {
			assert_int_equal(parse_list(f, one), -EINVAL);
			continue;
		}
		parse_ok(f, &v, one);
		if (v.grp.max_pace != rates[i].bytes)
			fail_msg("--max-pace %s: %llu bytes/s, want %llu",
				 rates[i].rate,
				 (unsigned long long)v.grp.max_pace,
				 (unsigned long long)rates[i].bytes);
	}

	/* The long spelling of -M, the extremes, and the defaults. */
	const char *edge[MAX_ARGS] = { "--mss", "88", "--sndbuf", "1G",
				       "--tcp-cc", "abcdefghijklmno" };

	parse_ok(f, &v, edge);
	assert_int_equal(v.grp.mss, 88);
	assert_int_equal(v.grp.sndbuf, 1u << 30);
	assert_string_equal(v.grp.tcp_cc, "abcdefghijklmno");
	parse_ok(f, &v, none);
	assert_tcp(&v.grp, &(struct opts){ .tcp_cc = "" });
}

static void test_bad(void **state)
{
	struct fix *f = *state;
	const struct bad_case *bc = f->arg;

	assert_int_equal(parse_list(f, bc->args), -EINVAL);
	assert_string_equal(f->err, bc->want);
}

int main(void)
{
	static const struct CMUnitTest fixed[] = {
		FIX_TEST(test_defaults),
		FIX_TEST(test_long_options),
		FIX_TEST(test_short_options),
		FIX_TEST(test_sizes),
		FIX_TEST(test_seconds),
		FIX_TEST(test_interval),
		FIX_TEST(test_service_name),
		FIX_TEST(test_host_too_long),
		FIX_TEST(test_help_version),
		cmocka_unit_test(test_version_text),
		cmocka_unit_test(test_usage_text),
		FIX_TEST(test_reentrant),
		FIX_TEST(test_short_err_buffer),
		FIX_TEST(test_placement),
		FIX_TEST(test_rr_options),
		FIX_TEST(test_tcp_options),
	};
	struct CMUnitTest tests[ARRAY_SIZE(fixed) + ARRAY_SIZE(bad_cases)];
	char names[ARRAY_SIZE(bad_cases)][320];
	size_t i, j, n = 0;

	for (i = 0; i < ARRAY_SIZE(fixed); i++)
		tests[n++] = fixed[i];
	for (i = 0; i < ARRAY_SIZE(bad_cases); i++) {
		int len = snprintf(names[i], sizeof(names[i]), "bad:");

		for (j = 0; bad_cases[i].args[j]; j++)
			len += snprintf(names[i] + len, sizeof(names[i]) - len,
					" '%.30s'", bad_cases[i].args[j]);
		tests[n] = (struct CMUnitTest){
			.name = names[i],
			.test_func = test_bad,
			.setup_func = fix_setup,
			.teardown_func = fix_teardown,
			.initial_state = (void *)&bad_cases[i],
		};
		n++;
	}
	return _cmocka_run_group_tests("cli", tests, n, NULL, NULL);
}
