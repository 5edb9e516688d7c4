/* SPDX-License-Identifier: MIT */
/*
 * opt_val - strict parsers for option values, shared by the option groups
 * of the kperf command line (opt_rr.c, opt_tcp.c, opt_place.c).  Each
 * returns 0, or -EINVAL with `option OPT: "VAL" is not ...` in err.
 */
#ifndef KPERF_OPT_VAL_H
#define KPERF_OPT_VAL_H

#include <stdbool.h>
#include <stddef.h>

int opt_val_err(char *err, size_t errlen, const char *opt, const char *val,
		const char *what);

static inline bool opt_val_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

/* A whole number min..max: digits only, no sign. */
int opt_val_uint(const char *opt, const char *val, unsigned long min,
		 unsigned long max, unsigned int *out, char *err,
		 size_t errlen);

/* Bytes 1..max, with an optional K, M or G suffix (powers of 1024). */
int opt_val_size(const char *opt, const char *val, unsigned int max,
		 unsigned int *out, char *err, size_t errlen);

/* Seconds 0..max_ms / 1000, decimals allowed, into milliseconds. */
int opt_val_seconds(const char *opt, const char *val, unsigned int max_ms,
		    unsigned int *out, char *err, size_t errlen);

#endif
