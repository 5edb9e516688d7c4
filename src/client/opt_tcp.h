/* SPDX-License-Identifier: MIT */
/*
 * opt_tcp - the per-flow TCP settings of the kperf command line: -M/--mss,
 * --max-pace, --tcp-cc, --sndbuf, --rcvbuf, --nodelay.
 *
 * cli.c hands every such option to opt_tcp_opt() as it meets it, then
 * calls opt_tcp_finish() once to fill struct opts.  --max-pace takes
 * a rate in bits per second, like iperf's -b: a decimal number with an
 * optional k/K, M or G (10^3, 10^6, 10^9), e.g. "100M" or "2.5G"; the
 * kernel's SO_MAX_PACING_RATE is in bytes per second, so kperf_opts gets
 * the rate / 8, rounded.  --sndbuf and --rcvbuf take sizes in bytes with
 * K/M/G as powers of 1024, as --read-size does.
 */
#ifndef KPERF_OPT_TCP_H
#define KPERF_OPT_TCP_H

#include <stddef.h>
#include <stdint.h>

#include "client/opts.h"

enum {
	OPT_TCP_FIRST = 700,
	OPT_MAX_PACE = OPT_TCP_FIRST,
	OPT_TCP_CC,
	OPT_SNDBUF,
	OPT_RCVBUF,
	OPT_NODELAY,
	OPT_TCP_LAST = OPT_NODELAY,
};

/* -M is also the short form of --mss. */
#define OPT_TCP_LONG_OPTS \
	{ "mss", required_argument, NULL, 'M' }, \
	{ "max-pace", required_argument, NULL, OPT_MAX_PACE }, \
	{ "tcp-cc", required_argument, NULL, OPT_TCP_CC }, \
	{ "sndbuf", required_argument, NULL, OPT_SNDBUF }, \
	{ "rcvbuf", required_argument, NULL, OPT_RCVBUF }, \
	{ "nodelay", no_argument, NULL, OPT_NODELAY }

#define OPT_TCP_SHORT_OPTS	"M:"
/* --max-pace limits, bits per second. */
#define OPT_PACE_MIN_BITS	8.0
#define OPT_PACE_MAX_BITS	1e13

struct opt_tcp {
	unsigned int mss;
	uint64_t max_pace;		/* bytes/s */
	unsigned int sndbuf, rcvbuf;
	int nodelay;
	char tcp_cc[KPERF_TCP_CC_LEN];
};

void opt_tcp_init(struct opt_tcp *t);

/*
 * One TCP option (id 'M' or OPT_*); opt is its name as the user spelled
 * it, val its value (NULL for --nodelay).  0 or -EINVAL with a message.
 */
int opt_tcp_opt(struct opt_tcp *t, int id, const char *opt, const char *val,
		char *err, size_t errlen);

/* Fill o with what was given.  0 or -EINVAL with a message in err. */
int opt_tcp_finish(const struct opt_tcp *t, struct opts *o, char *err,
		   size_t errlen);


#endif
