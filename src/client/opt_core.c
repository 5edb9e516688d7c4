// SPDX-License-Identifier: MIT
/*
 * opt_core - the options of hosts and tests, and a group's type,
 * direction, flow count and I/O sizes.  Numbers are parsed strictly: the
 * whole string must be a number in range, no sign, no exponent, no "inf"
 * or "nan"; every message names the option as it was passed and quotes
 * the bad value.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/optset.h"

/* Longest value quoted whole in a message. */
#define VAL_MAX		64

/* One option's value being parsed, and where its error message goes. */
struct arg {
	const char *opt;	/* as the user spelled it: -n or --num-... */
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
	size_t max = sizeof(((struct kperf_host_report *)0)->address) - 1;

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


/* "stream" or "rr"; "forward" or "reverse". */
static int parse_word(const struct arg *a, const char *const *words,
		      unsigned int n, const char *what, int *out)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (!strcmp(a->val, words[i])) {
			*out = (int)i;
			return 0;
		}
	return arg_err(a, "is not %s", what);
}

int opt_core(struct optset *os, int id, const char *opt, const char *val,
	     char *err, size_t errlen)
{
	static const char *const types[] = { "", "stream", "rr" };
	static const char *const dirs[] = { "forward", "reverse", "bidir" };
	struct arg a = { .opt = opt, .val = val, .err = err, .errlen = errlen };
	struct opts *o = &os->raw;
	unsigned int ms;
	int v = 0, ret;

	switch (id) {
	case OPT_ADDRESS:
		return parse_host(&a, &o->address);
	case OPT_PORT:
		return parse_svc(&a, &o->port);
	case OPT_CONNECT_TIMEOUT:
		ret = parse_seconds(&a, OPT_CONNECT_TIMEOUT_MIN_MS,
				    OPT_CONNECT_TIMEOUT_MAX_MS, false, &ms);
		o->connect_timeout_ms = (int)ms;
		return ret;
	case OPT_TIME:
		return parse_seconds(&a, OPT_TIME_MIN_MS, OPT_TIME_MAX_MS,
				     false, &o->duration_ms);
	case OPT_INTERVAL:
		/* The upper bound is the time, known only at the end. */
		os->interval_opt = opt;
		return parse_seconds(&a, OPT_INTERVAL_MIN_MS, OPT_TIME_MAX_MS,
				     true, &o->interval_ms);
	case OPT_NUM_CONNS:
		return parse_count(&a, 1, KPERF_MAX_CONNS, &o->n_conns);
	case OPT_READ_SIZE:
		return parse_size(&a, 1, KPERF_MAX_IO_SIZE, &o->read_size);
	case OPT_WRITE_SIZE:
		return parse_size(&a, 1, KPERF_MAX_IO_SIZE, &o->write_size);
	case OPT_NAME:
		if (!val[0] || strlen(val) >= sizeof(os->name) ||
		    strpbrk(val, "\"\\\n\t"))
			return arg_err(&a, "is not a name (1..63 characters, "
				       "no quotes, backslashes or tabs)");
		snprintf(os->name, sizeof(os->name), "%s", val);
		return 0;
	case OPT_TYPE:
		ret = parse_word(&a, types + 1, 2, "stream or rr", &v);
		if (!ret)
			o->type = v + 1;
		return ret;
	case OPT_DIRECTION:
		ret = parse_word(&a, dirs, 3, "forward, reverse or bidir", &v);
		if (!ret) {
			o->reverse = v == 1;
			o->bidir = v == 2;
			os->bidir_opt = opt;
		}
		return ret;
	case OPT_REVERSE:
		o->reverse = 1;
		o->bidir = 0;
		return 0;
	case OPT_BIDIR:
		o->bidir = 1;
		o->reverse = 0;
		os->bidir_opt = opt;
		return 0;
	}
	return usage_err(err, errlen, "option %s is not implemented", opt);
}

int opt_core_finish(const struct optset *os, struct opts *o, char *err,
		    size_t errlen)
{
	struct arg a = { .opt = os->interval_opt, .err = err,
			 .errlen = errlen };
	char t[32], v[32];

	if (!os->interval_opt || o->interval_ms <= o->duration_ms)
		return 0;
	/* The value as given is gone; say it in seconds as parsed. */
	a.val = fmt_ms(v, sizeof(v), o->interval_ms);
	return arg_err(&a, "is longer than the test time (%s s)",
		       fmt_ms(t, sizeof(t), o->duration_ms));
}
