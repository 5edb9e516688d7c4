// SPDX-License-Identifier: MIT
/* opt_val - strict option value parsers. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "client/opt_val.h"

int opt_val_err(char *err, size_t errlen, const char *opt, const char *val,
		const char *what)
{
	snprintf(err, errlen, "option %s: \"%.64s\" %s", opt, val, what);
	return -EINVAL;
}

int opt_val_uint(const char *opt, const char *val, unsigned long min,
		 unsigned long max, unsigned int *out, char *err,
		 size_t errlen)
{
	char what[64], *end;
	unsigned long v;

	errno = 0;
	v = strtoul(val, &end, 10);
	snprintf(what, sizeof(what), "is not a number %lu..%lu", min, max);
	if (!opt_val_digit(val[0]) || *end || errno || v < min || v > max)
		return opt_val_err(err, errlen, opt, val, what);
	*out = (unsigned int)v;
	return 0;
}

/* 67108864 -> "64M": the limit as a user would type it. */
static void fmt_size(char *buf, size_t len, unsigned int v)
{
	if (v >= 1u << 30 && !(v % (1u << 30)))
		snprintf(buf, len, "%uG", v >> 30);
	else if (v >= 1u << 20 && !(v % (1u << 20)))
		snprintf(buf, len, "%uM", v >> 20);
	else if (v >= 1u << 10 && !(v % (1u << 10)))
		snprintf(buf, len, "%uK", v >> 10);
	else
		snprintf(buf, len, "%u", v);
}

int opt_val_size(const char *opt, const char *val, unsigned int max,
		 unsigned int *out, char *err, size_t errlen)
{
	unsigned long long v, mul = 1;
	char what[64], lim[16], *end;

	errno = 0;
	v = strtoull(val, &end, 10);
	if (*end && !end[1]) {
		switch (*end | 0x20) {
		case 'k':
			mul = 1ull << 10;
			end++;
			break;
		case 'm':
			mul = 1ull << 20;
			end++;
			break;
		case 'g':
			mul = 1ull << 30;
			end++;
			break;
		}
	}
	if (!opt_val_digit(val[0]) || *end || errno || !v || v > max / mul) {
		fmt_size(lim, sizeof(lim), max);
		snprintf(what, sizeof(what),
			 "is not a size 1..%s (bytes, or K/M/G)", lim);
		return opt_val_err(err, errlen, opt, val, what);
	}
	*out = (unsigned int)(v * mul);
	return 0;
}

int opt_val_seconds(const char *opt, const char *val, unsigned int max_ms,
		    unsigned int *out, char *err, size_t errlen)
{
	char what[64], *end;
	double v;

	errno = 0;
	v = strtod(val, &end);
	snprintf(what, sizeof(what), "is not a time 0..%u s", max_ms / 1000);
	if (!opt_val_digit(val[0]) || *end || errno || !isfinite(v) ||
	    v * 1000 > max_ms)
		return opt_val_err(err, errlen, opt, val, what);
	*out = (unsigned int)llround(v * 1000);
	return 0;
}
