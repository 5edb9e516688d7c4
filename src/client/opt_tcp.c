// SPDX-License-Identifier: MIT
/* opt_tcp - per-flow TCP settings of the kperf command line. */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/opt_tcp.h"
#include "client/opt_val.h"

void opt_tcp_init(struct opt_tcp *t)
{
	memset(t, 0, sizeof(*t));
}

/*
 * "100M", "2.5G", "800k", "1000000": a plain decimal (no sign, exponent,
 * "inf" or "nan") and at most one suffix, k/K (10^3), M (10^6) or G
 * (10^9).  Into *bits; false when it is not written that way.
 */
static bool rate_bits(const char *val, double *bits)
{
	size_t n = strlen(val), i;
	bool digits = false, dot = false;
	double mul = 1;
	char num[64];

	if (n && strchr("kKMG", val[n - 1])) {
		mul = val[n - 1] == 'M' ? 1e6 : val[n - 1] == 'G' ? 1e9 : 1e3;
		n--;
	}
	if (n >= sizeof(num))
		return false;
	for (i = 0; i < n; i++) {
		if (opt_val_digit(val[i]))
			digits = true;
		else if (val[i] == '.' && !dot)
			dot = true;
		else
			return false;
	}
	if (!digits)
		return false;
	memcpy(num, val, n);
	num[n] = '\0';
	*bits = strtod(num, NULL) * mul;
	return true;
}

/* A rate in bits/s into bytes/s, rounded, within the limits. */
static int max_pace(const char *opt, const char *val, uint64_t *out,
		    char *err, size_t errlen)
{
	double bits;

	if (val[0] == '-' && rate_bits(val + 1, &bits))
		bits = -1;
	else if (!rate_bits(val, &bits))
		return opt_val_err(err, errlen, opt, val,
			   "is not a rate (bits/s, with k, M or G)");
	if (!(bits >= OPT_PACE_MIN_BITS) || !(bits <= OPT_PACE_MAX_BITS))
		return opt_val_err(err, errlen, opt, val,
			   "is out of range 8..10000G bits/s");
	*out = (uint64_t)llround(bits / 8);
	return 0;
}

/* What the kernel's congestion control names are made of. */
static int cc_name(const char *opt, const char *val, char *out,
		   char *err, size_t errlen)
{
	size_t n = strlen(val);

	if (!n || n >= KPERF_TCP_CC_LEN ||
	    strspn(val, "abcdefghijklmnopqrstuvwxyz"
			"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != n)
		return opt_val_err(err, errlen, opt, val,
			   "is not a congestion control name (1..15 of "
			   "A-Z a-z 0-9 _ -)");
	memcpy(out, val, n + 1);
	return 0;
}

int opt_tcp_opt(struct opt_tcp *t, int id, const char *opt, const char *val,
		char *err, size_t errlen)
{
	switch (id) {
	case 'M':
		return opt_val_uint(opt, val, KPERF_MSS_MIN, KPERF_MSS_MAX, &t->mss,
			   err, errlen);
	case OPT_MAX_PACE:
		return max_pace(opt, val, &t->max_pace, err, errlen);
	case OPT_TCP_CC:
		return cc_name(opt, val, t->tcp_cc, err, errlen);
	case OPT_SNDBUF:
		return opt_val_size(opt, val, KPERF_MAX_SOCKBUF, &t->sndbuf, err,
			    errlen);
	case OPT_RCVBUF:
		return opt_val_size(opt, val, KPERF_MAX_SOCKBUF, &t->rcvbuf, err,
			    errlen);
	case OPT_NODELAY:
		t->nodelay = 1;
		return 0;
	}
	snprintf(err, errlen, "option %s is not implemented", opt);
	return -EINVAL;
}

int opt_tcp_finish(const struct opt_tcp *t, struct opts *o, char *err,
		   size_t errlen)
{
	(void)err;
	(void)errlen;
	o->mss = t->mss;
	o->max_pace = t->max_pace;
	o->sndbuf = t->sndbuf;
	o->rcvbuf = t->rcvbuf;
	o->nodelay = t->nodelay;
	memcpy(o->tcp_cc, t->tcp_cc, sizeof(o->tcp_cc));
	return 0;
}
