// SPDX-License-Identifier: MIT
/*
 * cli - the kperf command line.  See cli.h.
 *
 * getopt_long() reports its own errors in English on stderr with the
 * program name; we switch that off (opterr = 0, ':' in the option string)
 * so every usage error comes back through err, in one format, and main()
 * alone decides where it goes.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "client/cli.h"

/* Option values above any char, for options with no short form. */
enum {
	OPT_SRC = 256,
	OPT_DST,
	OPT_SRC_SVC,
	OPT_DST_SVC,
	OPT_READ_SIZE,
	OPT_WRITE_SIZE,
	OPT_CONNECT_TIMEOUT,
	OPT_JSON,
};

/*
 * '+': stop at the first non-option instead of permuting argv, so a stray
 * word is reported where it stands.  ':': a missing value returns ':'
 * rather than '?', so it can get its own message.
 */
static const char short_opts[] = "+:t:n:i:vqhV" CLI_RR_SHORT_OPTS
				  CLI_TCP_SHORT_OPTS;

static const struct option long_opts[] = {
	{ "src", required_argument, NULL, OPT_SRC },
	{ "dst", required_argument, NULL, OPT_DST },
	{ "src-svc", required_argument, NULL, OPT_SRC_SVC },
	{ "dst-svc", required_argument, NULL, OPT_DST_SVC },
	{ "time", required_argument, NULL, 't' },
	{ "num-connections", required_argument, NULL, 'n' },
	{ "read-size", required_argument, NULL, OPT_READ_SIZE },
	{ "write-size", required_argument, NULL, OPT_WRITE_SIZE },
	{ "interval", required_argument, NULL, 'i' },
	{ "connect-timeout", required_argument, NULL, OPT_CONNECT_TIMEOUT },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "verbose", no_argument, NULL, 'v' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	CLI_PLACE_LONG_OPTS,
	CLI_RR_LONG_OPTS,
	CLI_TCP_LONG_OPTS,
	CLI_DATA_LONG_OPTS,
	CLI_TLS_LONG_OPTS,
	{ NULL, 0, NULL, 0 },
};

/* Longest value quoted whole in a message. */
#define VAL_MAX		64

/* One option's value being parsed, and where its error message goes. */
struct arg {
	char opt[40];		/* as the user spelled it: -n or --num-... */
	const char *val;
	char *err;
	size_t errlen;
};

static int __attribute__((format(printf, 3, 4)))
usage_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/*
 * "option -n: "0" <what>".  A long value is cut so that what is wrong with
 * it still fits the message.
 */
static int __attribute__((format(printf, 2, 3)))
arg_err(const struct arg *a, const char *fmt, ...)
{
	char what[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (strlen(a->val) > VAL_MAX)
		return usage_err(a->err, a->errlen, "option %s: \"%.*s...\" %s",
				 a->opt, VAL_MAX - 3, a->val, what);
	return usage_err(a->err, a->errlen, "option %s: \"%s\" %s", a->opt,
			 a->val, what);
}

static const struct option *opt_by_val(int val)
{
	const struct option *o;

	for (o = long_opts; o->name; o++)
		if (o->val == val)
			return o;
	return NULL;
}

static void opt_name(char *buf, size_t len, int val, bool is_long)
{
	const struct option *o = opt_by_val(val);

	if (o && (is_long || val > 255))
		snprintf(buf, len, "--%s", o->name);
	else
		snprintf(buf, len, "-%c", val);
}

static bool is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

/*
 * Plain decimals ("5", "0.5", ".5", "2."): no sign, exponent,
 * hex, "inf" or "nan", which strtod() would all take.
 */
static bool is_decimal(const char *s)
{
	bool digits = false, dot = false;

	for (; *s; s++) {
		if (is_digit(*s))
			digits = true;
		else if (*s == '.' && !dot)
			dot = true;
		else
			return false;
	}
	return digits;
}

/*
 * A negative number is "out of range" rather than "not a number": that is
 * what the user meant, and strtoull() would silently negate it.
 */
static bool is_negative(const char *s)
{
	return s[0] == '-' && is_decimal(s + 1);
}

/*
 * Leading digits of s as an unsigned value.  strtoull() alone accepts
 * leading blanks and signs, so we insist on a digit first.  Return 0 with
 * *end after the digits, -EINVAL when s does not start with a digit, or
 * -ERANGE on overflow.
 */
static int parse_digits(const char *s, unsigned long long *v, char **end)
{
	if (!is_digit(s[0]))
		return -EINVAL;
	errno = 0;
	*v = strtoull(s, end, 10);
	if (errno == ERANGE)
		return -ERANGE;
	return 0;
}

static int parse_count(const struct arg *a, unsigned int min,
		       unsigned int max, unsigned int *out)
{
	unsigned long long v;
	char *end;
	int ret;

	if (is_negative(a->val))
		return arg_err(a, "is out of range %u..%u", min, max);
	ret = parse_digits(a->val, &v, &end);
	if (ret == -EINVAL || (!ret && *end))
		return arg_err(a, "is not a number");
	if (ret == -ERANGE || v < min || v > max)
		return arg_err(a, "is out of range %u..%u", min, max);
	*out = (unsigned int)v;
	return 0;
}

/* Milliseconds as seconds for messages: 100 -> "0.1", 86400000 -> "86400". */
static const char *fmt_ms(char *buf, size_t len, unsigned long long ms)
{
	snprintf(buf, len, "%g", ms / 1000.0);
	return buf;
}

/*
 * Seconds into milliseconds, in min_ms..max_ms, or exactly 0 when zero_ok.
 * The range is checked on the double before rounding, so a value that
 * would round into range from outside it (0.0996) is still refused.
 */
static int parse_seconds(const struct arg *a, unsigned int min_ms,
			 unsigned int max_ms, bool zero_ok, unsigned int *out)
{
	char lo[32], hi[32];
	double v;

	fmt_ms(lo, sizeof(lo), min_ms);
	fmt_ms(hi, sizeof(hi), max_ms);
	if (!is_negative(a->val) && !is_decimal(a->val))
		return arg_err(a, "is not a number of seconds");
	v = strtod(a->val, NULL);
	if (zero_ok && v == 0) {
		*out = 0;
		return 0;
	}
	if (is_negative(a->val) || !(v >= min_ms / 1000.0) ||
	    !(v <= max_ms / 1000.0))
		return arg_err(a, "is out of range %s%s..%s seconds",
			       zero_ok ? "0 or " : "", lo, hi);
	*out = (unsigned int)llround(v * 1000.0);
	return 0;
}

/* 67108864 -> "64M", for the range in messages and usage. */
static const char *fmt_size(char *buf, size_t len, unsigned long long v)
{
	if (v && !(v % (1ull << 30)))
		snprintf(buf, len, "%lluG", v >> 30);
	else if (v && !(v % (1ull << 20)))
		snprintf(buf, len, "%lluM", v >> 20);
	else if (v && !(v % (1ull << 10)))
		snprintf(buf, len, "%lluK", v >> 10);
	else
		snprintf(buf, len, "%llu", v);
	return buf;
}

/* Suffixes are powers of 1024 whichever way they are written. */
static int size_shift(const char *suffix)
{
	static const struct {
		const char *s;
		int shift;
	} tab[] = {
		{ "", 0 },     { "k", 10 },  { "kib", 10 }, { "m", 20 },
		{ "mib", 20 }, { "g", 30 },  { "gib", 30 },
	};
	size_t i;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (!strcasecmp(suffix, tab[i].s))
			return tab[i].shift;
	return -1;
}

static int parse_size(const struct arg *a, unsigned int min,
		      unsigned int max, unsigned int *out)
{
	unsigned long long v;
	char hi[32];
	char *end;
	int ret, shift;

	fmt_size(hi, sizeof(hi), max);
	if (is_negative(a->val))
		return arg_err(a, "is out of range %u..%u (%s)", min, max, hi);
	ret = parse_digits(a->val, &v, &end);
	if (ret == -EINVAL)
		return arg_err(a, "is not a size (use bytes or K/M/G)");
	shift = size_shift(ret ? "" : end);
	if (!ret && shift < 0)
		return arg_err(a, "is not a size (use bytes or K/M/G)");
	/* v << shift > max, without overflowing the shift */
	if (ret == -ERANGE || v > (max >> shift) || (v << shift) < min)
		return arg_err(a, "is out of range %u..%u (%s)", min, max, hi);
	*out = (unsigned int)(v << shift);
	return 0;
}

/* Lengths are checked here because the report copies into host.address. */
static int parse_host(const struct arg *a, const char **out)
{
	size_t max = sizeof(((struct kperf_host *)0)->address) - 1;

	if (!a->val[0])
		return arg_err(a, "is not a host name or address");
	if (strlen(a->val) > max)
		return arg_err(a, "is longer than %zu characters", max);
	*out = a->val;
	return 0;
}

/*
 * A port number, or a name from the services database, checked now so a
 * typo is a usage error rather than a resolver error after the connect
 * timeout.  The name itself is passed on: getaddrinfo() resolves it again.
 * Only all-digit values are numbers: some service names start with one
 * ("3com-tsmux").
 */
static int parse_svc(const struct arg *a, const char **out)
{
	struct servent se, *res = NULL;
	unsigned long long v;
	char buf[1024];
	char *end;
	int ret;

	if (is_negative(a->val))
		return arg_err(a, "is out of range 1..65535");
	if (a->val[0] && strspn(a->val, "0123456789") == strlen(a->val)) {
		ret = parse_digits(a->val, &v, &end);
		if (ret || v < 1 || v > 65535)
			return arg_err(a, "is out of range 1..65535");
		*out = a->val;
		return 0;
	}
	if (!a->val[0] ||
	    getservbyname_r(a->val, "tcp", &se, buf, sizeof(buf), &res) ||
	    !res)
		return arg_err(a, "is not a port number 1..65535 or a known "
				  "service name");
	*out = a->val;
	return 0;
}

static void cli_defaults(struct cli *c)
{
	memset(c, 0, sizeof(*c));
	c->opts.src_host = CLI_HOST_DEFAULT;
	c->opts.dst_host = CLI_HOST_DEFAULT;
	c->opts.src_svc = KPERF_SVC_DEFAULT;
	c->opts.dst_svc = KPERF_SVC_DEFAULT;
	c->opts.type = KPERF_STREAM;
	c->opts.duration_ms = CLI_TIME_DEFAULT_MS;
	c->opts.n_conns = 1;
	c->opts.read_size = CLI_IO_SIZE_DEFAULT;
	c->opts.write_size = CLI_IO_SIZE_DEFAULT;
	c->opts.interval_ms = 0;
	c->opts.connect_timeout_ms = CLI_CONNECT_TIMEOUT_DEFAULT_MS;
	c->opts.placement_attempts = KPERF_ATTEMPTS_DEFAULT;
	cli_place_init(&c->place);
	cli_rr_init(&c->rr);
	cli_tcp_init(&c->tcp);
	cli_data_init(&c->data);
	cli_tls_init(&c->tls);
}

/*
 * getopt_long() returned '?': an unknown or ambiguous long option (optopt
 * 0), a value given to a long option that takes none (optopt is its val),
 * or an unknown short option (optopt is the char).
 */
static int bad_option(char **argv, char *err, size_t errlen)
{
	const char *word = argv[optind - 1];
	const struct option *o;
	char name[64], cand[160] = "";
	size_t len;
	int n = 0;

	if (optopt && opt_by_val(optopt) && !strncmp(word, "--", 2)) {
		opt_name(name, sizeof(name), optopt, true);
		return usage_err(err, errlen, "option %s takes no value",
				 name);
	}
	if (optopt)
		return usage_err(err, errlen, "unknown option -%c", optopt);

	len = strcspn(word + 2, "=");
	for (o = long_opts; o->name; o++) {
		if (strncmp(o->name, word + 2, len))
			continue;
		snprintf(cand + strlen(cand), sizeof(cand) - strlen(cand),
			 "%s--%s", n++ ? ", " : "", o->name);
	}
	if (n > 1)
		return usage_err(err, errlen,
				 "ambiguous option %.*s (could be %s)",
				 (int)len + 2, word, cand);
	return usage_err(err, errlen, "unknown option %.*s", (int)len + 2,
			 word);
}

int cli_parse(struct cli *c, int argc, char **argv, char *err,
	      size_t errlen)
{
	int ch, longindex, ret = 0;
	struct arg a, interval;
	char t[32];

	cli_defaults(c);
	if (errlen)
		err[0] = '\0';
	interval = (struct arg){ .opt = "-i", .val = "", .err = err,
				 .errlen = errlen };

	/* 0, not 1: glibc then also forgets a half-parsed "-vn" cluster. */
	optind = 0;
	opterr = 0;
	for (;;) {
		longindex = -1;
		ch = getopt_long(argc, argv, short_opts, long_opts,
				 &longindex);
		if (ch == -1)
			break;
		if (ch == '?')
			return bad_option(argv, err, errlen);
		if (ch == ':') {
			opt_name(a.opt, sizeof(a.opt), optopt,
				 !strncmp(argv[optind - 1], "--", 2));
			return usage_err(err, errlen, "option %s needs a value",
					 a.opt);
		}

		opt_name(a.opt, sizeof(a.opt), ch, longindex >= 0);
		a.val = optarg;
		a.err = err;
		a.errlen = errlen;

		switch (ch) {
		case OPT_SRC:
			ret = parse_host(&a, &c->opts.src_host);
			break;
		case OPT_DST:
			ret = parse_host(&a, &c->opts.dst_host);
			break;
		case OPT_SRC_SVC:
			ret = parse_svc(&a, &c->opts.src_svc);
			break;
		case OPT_DST_SVC:
			ret = parse_svc(&a, &c->opts.dst_svc);
			break;
		case 't':
			ret = parse_seconds(&a, CLI_TIME_MIN_MS,
					    CLI_TIME_MAX_MS, false,
					    &c->opts.duration_ms);
			break;
		case 'n':
			ret = parse_count(&a, 1, KPERF_MAX_CONNS,
					  &c->opts.n_conns);
			break;
		case OPT_READ_SIZE:
			ret = parse_size(&a, 1, KPERF_MAX_IO_SIZE,
					 &c->opts.read_size);
			break;
		case OPT_WRITE_SIZE:
			ret = parse_size(&a, 1, KPERF_MAX_IO_SIZE,
					 &c->opts.write_size);
			break;
		case 'i':
			/* The upper bound is -t, known only at the end. */
			ret = parse_seconds(&a, CLI_INTERVAL_MIN_MS,
					    CLI_TIME_MAX_MS, true,
					    &c->opts.interval_ms);
			interval = a;
			break;
		case OPT_CONNECT_TIMEOUT: {
			unsigned int ms;

			ret = parse_seconds(&a, CLI_CONNECT_TIMEOUT_MIN_MS,
					    CLI_CONNECT_TIMEOUT_MAX_MS, false,
					    &ms);
			c->opts.connect_timeout_ms = (int)ms;
			break;
		}
		case OPT_JSON:
			c->json = 1;
			break;
		case 'v':
			c->verbose++;
			break;
		case 'q':
			c->quiet = 1;
			break;
		case 'h':
			cli_usage(stdout);
			return 1;
		case 'V':
			cli_version(stdout);
			return 1;
		default:
			if (ch == 's' || ch == 'T' ||
			    (ch >= CLI_RR_FIRST && ch <= CLI_RR_LAST)) {
				ret = cli_rr_opt(&c->rr, &c->opts, ch, a.opt,
						 optarg, err, errlen);
				break;
			}
			if (ch == 'M' ||
			    (ch >= CLI_TCP_FIRST && ch <= CLI_TCP_LAST)) {
				ret = cli_tcp_opt(&c->tcp, ch, a.opt, optarg,
						  err, errlen);
				break;
			}
			if (ch >= CLI_TLS_FIRST && ch <= CLI_TLS_LAST) {
				ret = cli_tls_opt(&c->tls, ch, a.opt, optarg,
						  err, errlen);
				break;
			}
			if (ch >= CLI_DATA_FIRST && ch <= CLI_DATA_LAST) {
				ret = cli_data_opt(&c->data, ch, a.opt, optarg,
						   err, errlen);
				break;
			}
			if (ch >= CLI_PLACE_FIRST && ch <= CLI_PLACE_LAST) {
				ret = cli_place_opt(&c->place, &c->opts, ch,
						    a.opt, optarg, err,
						    errlen);
				break;
			}
			/* An entry in long_opts with no case here. */
			return usage_err(err, errlen, "option %s is not "
					 "implemented", a.opt);
		}
		if (ret)
			return ret;
	}

	if (optind < argc)
		return usage_err(err, errlen, "unexpected argument \"%s\"",
				 argv[optind]);

	/* Only set when -i was given: interval_ms is 0 otherwise. */
	if (c->opts.interval_ms > c->opts.duration_ms)
		return arg_err(&interval, "is longer than the test time (%s s)",
			       fmt_ms(t, sizeof(t), c->opts.duration_ms));

	ret = cli_place_finish(&c->place, &c->opts, err, errlen);
	if (!ret)
		ret = cli_rr_finish(&c->rr, &c->opts, c->json, err, errlen);
	if (!ret)
		ret = cli_tcp_finish(&c->tcp, &c->opts, err, errlen);
	if (!ret)
		ret = cli_data_finish(&c->data, &c->opts, err, errlen);
	/* After the data path: TLS refuses the paths that bypass it. */
	if (!ret)
		ret = cli_tls_finish(&c->tls, &c->opts, err, errlen);
	if (ret)
		return ret;
	c->opts.verbose = c->verbose;
	return 0;
}

void cli_usage(FILE *f)
{
	char max_io[32], def_io[32];

	fmt_size(max_io, sizeof(max_io), KPERF_MAX_IO_SIZE);
	fmt_size(def_io, sizeof(def_io), CLI_IO_SIZE_DEFAULT);
	fprintf(f,
"Usage: kperf [OPTION]...\n"
"Run a TCP test between two kperfd servers and report the throughput, the\n"
"RX CPU of every flow on both ends, TCP_INFO and the CPU use of both hosts.\n"
"\n"
"Hosts:\n"
"      --src HOST            server that sends (default %s)\n"
"      --dst HOST            server that receives (default %s)\n"
"      --src-svc PORT        control port or service name of --src\n"
"      --dst-svc PORT        control port or service name of --dst\n"
"                            (default %s)\n"
"      --connect-timeout SEC give up on a server after SEC, 0.1..600\n"
"                            (default %g)\n"
"Test:\n"
"  -t, --time SEC            test time, 0.1..86400 (default %g)\n"
"  -n, --num-connections N   parallel flows, 1..%u (default 1)\n"
"      --read-size SIZE      bytes per read, 1..%s (default %s)\n"
"      --write-size SIZE     bytes per write, 1..%s (default %s)\n"
"%s%s%s%s%s"
"Output:\n"
"  -i, --interval SEC        print the throughput every SEC while the test\n"
"                            runs, 0.01..test time (default 0: off)\n"
"      --json                print one JSON document (docs/json.md)\n"
"  -q, --quiet               print errors and the total line only\n"
"  -v, --verbose             more diagnostics on stderr (repeatable)\n"
"  -h, --help                print this help and exit\n"
"  -V, --version             print the version and exit\n"
"\n"
"SEC may have decimals (0.5).  SIZE is bytes, or a whole number followed by\n"
"K, M or G (or KiB, MiB, GiB): powers of 1024.\n"
"Exit status: 0 success, 1 the test failed, 2 usage error.\n",
		CLI_HOST_DEFAULT, CLI_HOST_DEFAULT, KPERF_SVC_DEFAULT,
		CLI_CONNECT_TIMEOUT_DEFAULT_MS / 1000.0,
		CLI_TIME_DEFAULT_MS / 1000.0, KPERF_MAX_CONNS, max_io, def_io,
		max_io, def_io, cli_rr_usage, cli_place_usage, cli_tcp_usage,
		cli_data_usage, cli_tls_usage);
}

void cli_version(FILE *f)
{
	fprintf(f, "kperf %s (JSON schema %d)\n", KPERF_VERSION,
		KPERF_JSON_SCHEMA);
}
