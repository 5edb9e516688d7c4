// SPDX-License-Identifier: MIT
/*
 * Unit tests for the kperf command line (src/client/cli.c): defaults, every
 * option in its short and long spelling, and for each numeric option the
 * values that must be refused, each with a message that names the option
 * and quotes the value.
 *
 * The bad-value cases are a table; each row becomes its own cmocka test,
 * named after its argv, so a failure says which input broke.
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

#include "client/cli.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define MAX_ARGS	16

/* argv for cli_parse: "kperf" then args, NULL-terminated. */
static int parse_args(struct cli *c, const char *const *args, char *err,
		      size_t errlen)
{
	char *argv[MAX_ARGS + 2] = { "kperf" };
	int argc = 1;

	while (argc <= MAX_ARGS && args[argc - 1]) {
		argv[argc] = (char *)args[argc - 1];
		argc++;
	}
	argv[argc] = NULL;
	return cli_parse(c, argc, argv, err, errlen);
}

#define PARSE(c, err, ...)						\
	parse_args(c, (const char *const[]){ __VA_ARGS__, NULL }, err,	\
		   sizeof(err))

static void test_defaults(void **state)
{
	char *argv[] = { "kperf", NULL };
	char err[256] = "stale";
	struct cli c;

	memset(&c, 0xa5, sizeof(c));
	assert_int_equal(cli_parse(&c, 1, argv, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_string_equal(c.opts.src_host, "localhost");
	assert_string_equal(c.opts.dst_host, "localhost");
	assert_string_equal(c.opts.src_svc, "18323");
	assert_string_equal(c.opts.dst_svc, "18323");
	assert_int_equal(c.opts.type, KPERF_STREAM);
	assert_int_equal(c.opts.duration_ms, 5000);
	assert_int_equal(c.opts.n_conns, 1);
	assert_int_equal(c.opts.read_size, 131072);
	assert_int_equal(c.opts.write_size, 131072);
	assert_int_equal(c.opts.interval_ms, 0);
	assert_int_equal(c.opts.connect_timeout_ms, 5000);
	assert_null(c.opts.on_sample);
	assert_null(c.opts.sample_arg);
	assert_int_equal(c.opts.verbose, 0);
	assert_int_equal(c.json, 0);
	assert_int_equal(c.quiet, 0);
	assert_int_equal(c.verbose, 0);
}

static void test_long_options(void **state)
{
	char err[256];
	struct cli c;

	assert_int_equal(PARSE(&c, err, "--src", "198.18.0.1", "--dst",
			       "198.18.0.2", "--src-svc", "1234", "--dst-svc",
			       "65535"),
			 0);
	assert_string_equal(c.opts.src_host, "198.18.0.1");
	assert_string_equal(c.opts.dst_host, "198.18.0.2");
	assert_string_equal(c.opts.src_svc, "1234");
	assert_string_equal(c.opts.dst_svc, "65535");

	assert_int_equal(PARSE(&c, err, "--time", "2.5", "--num-connections",
			       "16", "--read-size", "64K", "--write-size",
			       "1M"),
			 0);
	assert_int_equal(c.opts.duration_ms, 2500);
	assert_int_equal(c.opts.n_conns, 16);
	assert_int_equal(c.opts.read_size, 65536);
	assert_int_equal(c.opts.write_size, 1048576);

	assert_int_equal(PARSE(&c, err, "--interval", "0.5",
			       "--connect-timeout", "0.25", "--json",
			       "--verbose", "--verbose", "--quiet"),
			 0);
	assert_int_equal(c.opts.interval_ms, 500);
	assert_int_equal(c.opts.connect_timeout_ms, 250);
	assert_int_equal(c.json, 1);
	assert_int_equal(c.quiet, 1);
	assert_int_equal(c.verbose, 2);
	assert_int_equal(c.opts.verbose, 2);
}

static void test_short_options(void **state)
{
	char err[256];
	struct cli c;

	assert_int_equal(PARSE(&c, err, "-t", "10", "-n", "4", "-i", "1",
			       "-vvv", "-q"),
			 0);
	assert_int_equal(c.opts.duration_ms, 10000);
	assert_int_equal(c.opts.n_conns, 4);
	assert_int_equal(c.opts.interval_ms, 1000);
	assert_int_equal(c.verbose, 3);
	assert_int_equal(c.quiet, 1);

	/* Values glued to the option, and --opt=value. */
	assert_int_equal(PARSE(&c, err, "-n8", "-t0.5", "--read-size=2MiB",
			       "--dst=host-b"),
			 0);
	assert_int_equal(c.opts.n_conns, 8);
	assert_int_equal(c.opts.duration_ms, 500);
	assert_int_equal(c.opts.read_size, 2 << 20);
	assert_string_equal(c.opts.dst_host, "host-b");

	/* A unique prefix of a long option is that option. */
	assert_int_equal(PARSE(&c, err, "--num", "7"), 0);
	assert_int_equal(c.opts.n_conns, 7);
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
	char err[256];
	struct cli c;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(tab); i++) {
		assert_int_equal(PARSE(&c, err, "--write-size", tab[i].s), 0);
		assert_int_equal(c.opts.write_size, tab[i].v);
		assert_int_equal(PARSE(&c, err, "--read-size", tab[i].s), 0);
		assert_int_equal(c.opts.read_size, tab[i].v);
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
	char err[256];
	struct cli c;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(tab); i++) {
		assert_int_equal(PARSE(&c, err, "-t", tab[i].s), 0);
		assert_int_equal(c.opts.duration_ms, tab[i].ms);
	}
	assert_int_equal(PARSE(&c, err, "--connect-timeout", "600"), 0);
	assert_int_equal(c.opts.connect_timeout_ms, 600000);
	assert_int_equal(PARSE(&c, err, "--connect-timeout", "0.1"), 0);
	assert_int_equal(c.opts.connect_timeout_ms, 100);
}

static void test_interval(void **state)
{
	char err[256];
	struct cli c;

	assert_int_equal(PARSE(&c, err, "-i", "0"), 0);
	assert_int_equal(c.opts.interval_ms, 0);
	assert_int_equal(PARSE(&c, err, "-i", "0.0"), 0);
	assert_int_equal(c.opts.interval_ms, 0);
	assert_int_equal(PARSE(&c, err, "-i", "0.01"), 0);
	assert_int_equal(c.opts.interval_ms, 10);
	/* Equal to the test time is allowed: one sample. */
	assert_int_equal(PARSE(&c, err, "-i", "5"), 0);
	assert_int_equal(c.opts.interval_ms, 5000);
	/* The bound is the final -t, whichever comes first. */
	assert_int_equal(PARSE(&c, err, "-i", "10", "-t", "20"), 0);
	assert_int_equal(c.opts.interval_ms, 10000);
	assert_int_equal(PARSE(&c, err, "-t", "20", "-i", "10", "-t", "5"),
			 -EINVAL);
	assert_string_equal(err, "option -i: \"10\" is longer than the test "
				 "time (5 s)");
	assert_int_equal(PARSE(&c, err, "-t", "0.5", "--interval", "0.6"),
			 -EINVAL);
	assert_string_equal(err, "option --interval: \"0.6\" is longer than "
				 "the test time (0.5 s)");
}

static void test_service_name(void **state)
{
	char err[256];
	struct cli c;

	if (!getservbyname("ssh", "tcp"))
		skip();	/* no /etc/services here */
	assert_int_equal(PARSE(&c, err, "--dst-svc", "ssh", "--src-svc",
			       "ssh"),
			 0);
	assert_string_equal(c.opts.dst_svc, "ssh");
	assert_string_equal(c.opts.src_svc, "ssh");
}

static void test_host_too_long(void **state)
{
	char host[300], err[256], want[256];
	struct cli c;

	memset(host, 'a', sizeof(host) - 1);
	host[sizeof(host) - 1] = '\0';
	assert_int_equal(PARSE(&c, err, "--dst", host), -EINVAL);
	/* The value is cut to 61 characters and "..." in the message. */
	snprintf(want, sizeof(want), "option --dst: \"%.61s...\" is longer "
		 "than 255 characters", host);
	assert_string_equal(err, want);

	host[255] = '\0';
	assert_int_equal(PARSE(&c, err, "--src", host), 0);
	assert_int_equal(strlen(c.opts.src_host), 255);
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
	char err[256];
	struct cli c;
	int r[5];

	mute_stdout(true);
	r[0] = PARSE(&c, err, "-h");
	r[1] = PARSE(&c, err, "--help");
	r[2] = PARSE(&c, err, "-V");
	r[3] = PARSE(&c, err, "--version");
	/* A usage error before --help still wins: it is what ran first. */
	r[4] = PARSE(&c, err, "-n", "0", "--help");
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
	assert_string_equal(buf, "kperf " KPERF_VERSION " (JSON schema 1)\n");
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
	char err[256];
	struct cli c;

	assert_int_equal(PARSE(&c, err, "-n", "3", "-v"), 0);
	assert_int_equal(c.opts.n_conns, 3);
	/* Stop half-way through a "-vn" cluster, then parse again. */
	assert_int_equal(PARSE(&c, err, "-vn"), -EINVAL);
	assert_int_equal(PARSE(&c, err, "--json"), 0);
	assert_int_equal(c.opts.n_conns, 1);
	assert_int_equal(c.verbose, 0);
	assert_int_equal(c.json, 1);
}

/* A short err buffer is cut, not overrun, and still NUL-terminated. */
static void test_short_err_buffer(void **state)
{
	char err[8];
	struct cli c;

	memset(err, 'x', sizeof(err));
	assert_int_equal(PARSE(&c, err, "-n", "0"), -EINVAL);
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

static void test_placement(void **state)
{
	const char *args[MAX_ARGS] = { "-n", "2", "--pin-off", "1",
				       "--cpu-dst-wrk", "3", "--rx-cpus",
				       "0-5", "--dst-rx-cpus", "1,4",
				       "--cpu-min", "1", "--allow-shared-cpus",
				       "--placement-attempts", "7" };
	char err[256];
	struct cli c;

	(void)state;
	assert_int_equal(parse_args(&c, args, err, sizeof(err)), 0);
	assert_int_equal(c.opts.pin_src.policy, KPERF_PIN_OFFSET);
	assert_int_equal(c.opts.pin_src.offset, 1);
	assert_int_equal(c.opts.pin_dst.policy, KPERF_PIN_CPU);
	assert_int_equal(c.opts.pin_dst.cpu, 3);
	assert_true(c.opts.have_src_rx_cpus && c.opts.have_dst_rx_cpus);
	/* 0-5 from 1 up: 1..5 on the source; and 1,4 on the destination. */
	assert_int_equal(c.opts.src_rx_cpus[0], 0x3e);
	assert_int_equal(c.opts.dst_rx_cpus[0], 0x12);
	assert_int_equal(c.opts.src_rx_cpus[1], 0);
	assert_int_equal(c.opts.allow_shared_cpus, 1);
	assert_int_equal(c.opts.placement_attempts, 7);
	/* Defaults: same CPU, no restriction, 500 attempts. */
	const char *none[MAX_ARGS] = { NULL };

	assert_int_equal(parse_args(&c, none, err, sizeof(err)), 0);
	assert_int_equal(c.opts.pin_src.policy, KPERF_PIN_RX_CPU);
	assert_int_equal(c.opts.have_src_rx_cpus, 0);
	assert_int_equal(c.opts.placement_attempts, KPERF_ATTEMPTS_DEFAULT);
}

static void test_rr_options(void **state)
{
	const char *args[MAX_ARGS] = { "-s", "2K", "--depth", "8",
				       "--resp-delay-us", "150", "--warmup",
				       "0.25", "-T", "1", "--json",
				       "--json-histogram" };
	const char *only[MAX_ARGS] = { "--req-size", "64" };
	char err[256];
	struct cli c;

	(void)state;
	assert_int_equal(parse_args(&c, args, err, sizeof(err)), 0);
	assert_int_equal(c.opts.type, KPERF_RR);
	assert_int_equal(c.opts.req_size, 2048);
	assert_int_equal(c.opts.resp_size, 2048);	/* defaults to req */
	assert_int_equal(c.opts.depth, 8);
	assert_int_equal(c.opts.resp_delay_us, 150);
	assert_int_equal(c.opts.warmup_ms, 250);
	assert_int_equal(c.rr.time_stats, 1);
	assert_int_equal(c.rr.json_hist, 1);
	assert_int_equal(parse_args(&c, only, err, sizeof(err)), 0);
	assert_int_equal(c.opts.depth, 1);
	assert_int_equal(c.opts.no_latency, 0);
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
	char err[256];
	struct cli c;
	size_t i;

	(void)state;
	assert_int_equal(parse_args(&c, args, err, sizeof(err)), 0);
	assert_int_equal(c.opts.mss, 1000);
	assert_int_equal(c.opts.max_pace, 25000000);
	assert_string_equal(c.opts.tcp_cc, "bbr");
	assert_int_equal(c.opts.sndbuf, 1048576);
	assert_int_equal(c.opts.rcvbuf, 262144);
	assert_int_equal(c.opts.nodelay, 1);

	for (i = 0; i < ARRAY_SIZE(rates); i++) {
		one[1] = rates[i].rate;
		if (!rates[i].bytes) {
			assert_int_equal(parse_args(&c, one, err, sizeof(err)),
					 -EINVAL);
			continue;
		}
		assert_int_equal(parse_args(&c, one, err, sizeof(err)), 0);
		if (c.opts.max_pace != rates[i].bytes)
			fail_msg("--max-pace %s: %llu bytes/s, want %llu",
				 rates[i].rate,
				 (unsigned long long)c.opts.max_pace,
				 (unsigned long long)rates[i].bytes);
	}

	/* The long spelling of -M, the extremes, and the defaults. */
	const char *edge[MAX_ARGS] = { "--mss", "88", "--sndbuf", "1G",
				       "--tcp-cc", "abcdefghijklmno" };

	assert_int_equal(parse_args(&c, edge, err, sizeof(err)), 0);
	assert_int_equal(c.opts.mss, 88);
	assert_int_equal(c.opts.sndbuf, 1u << 30);
	assert_string_equal(c.opts.tcp_cc, "abcdefghijklmno");
	assert_int_equal(parse_args(&c, none, err, sizeof(err)), 0);
	assert_int_equal(c.opts.mss, 0);
	assert_int_equal(c.opts.max_pace, 0);
	assert_string_equal(c.opts.tcp_cc, "");
	assert_int_equal(c.opts.sndbuf, 0);
	assert_int_equal(c.opts.rcvbuf, 0);
	assert_int_equal(c.opts.nodelay, 0);
}

static void test_bad(void **state)
{
	const struct bad_case *bc = *state;
	char err[256];
	struct cli c;

	assert_int_equal(parse_args(&c, bc->args, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, bc->want);
}

int main(void)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_long_options),
		cmocka_unit_test(test_short_options),
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_seconds),
		cmocka_unit_test(test_interval),
		cmocka_unit_test(test_service_name),
		cmocka_unit_test(test_host_too_long),
		cmocka_unit_test(test_help_version),
		cmocka_unit_test(test_version_text),
		cmocka_unit_test(test_usage_text),
		cmocka_unit_test(test_reentrant),
		cmocka_unit_test(test_short_err_buffer),
		cmocka_unit_test(test_placement),
		cmocka_unit_test(test_rr_options),
		cmocka_unit_test(test_tcp_options),
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
			.initial_state = (void *)&bad_cases[i],
		};
		n++;
	}
	return _cmocka_run_group_tests("cli", tests, n, NULL, NULL);
}
