/* SPDX-License-Identifier: MIT */
/*
 * opt_place - the placement options of the kperf command line (see
 * docs/placement.md): pin policies, allowed RX CPUs, collision rules.
 *
 * cli.c hands every placement option to opt_place_opt() as it meets it,
 * then calls opt_place_finish() once to check combinations and fill
 * struct opts.
 */
#ifndef KPERF_OPT_PLACE_H
#define KPERF_OPT_PLACE_H

#include <stddef.h>
#include <stdint.h>

#include "client/opts.h"

enum {
	OPT_PLACE_FIRST = 512,
	OPT_PIN_OFF = OPT_PLACE_FIRST,
	OPT_CROSS_PIN,
	OPT_NO_PIN,
	OPT_CPU_SRC_WRK,
	OPT_CPU_DST_WRK,
	OPT_CPU_MIN,
	OPT_CPU_MAX,
	OPT_RX_CPUS,
	OPT_SRC_RX_CPUS,
	OPT_DST_RX_CPUS,
	OPT_ALLOW_SHARED,
	OPT_ATTEMPTS,
	OPT_PLACE_LAST = OPT_ATTEMPTS,
};

#define OPT_PLACE_LONG_OPTS \
	{ "pin-off", required_argument, NULL, OPT_PIN_OFF }, \
	{ "cross-pin", no_argument, NULL, OPT_CROSS_PIN }, \
	{ "no-pin", no_argument, NULL, OPT_NO_PIN }, \
	{ "cpu-src-wrk", required_argument, NULL, OPT_CPU_SRC_WRK }, \
	{ "cpu-dst-wrk", required_argument, NULL, OPT_CPU_DST_WRK }, \
	{ "cpu-min", required_argument, NULL, OPT_CPU_MIN }, \
	{ "cpu-max", required_argument, NULL, OPT_CPU_MAX }, \
	{ "rx-cpus", required_argument, NULL, OPT_RX_CPUS }, \
	{ "src-rx-cpus", required_argument, NULL, OPT_SRC_RX_CPUS }, \
	{ "dst-rx-cpus", required_argument, NULL, OPT_DST_RX_CPUS }, \
	{ "allow-shared-cpus", no_argument, NULL, OPT_ALLOW_SHARED }, \
	{ "placement-attempts", required_argument, NULL, OPT_ATTEMPTS }

struct opt_place {
	const char *policy_opt;		/* the global policy option given */
	int cpu_min, cpu_max;		/* -1: not given */
	int src_wrk, dst_wrk;		/* explicit worker CPU, -1: none */
	uint16_t wrk[2][OPTS_WRK_CPUS_MAX];	/* the lists, src and dst */
	unsigned int n_wrk[2];
	int have_rx, have_src_rx, have_dst_rx;
	uint64_t rx[KPERF_CPU_WORDS];
	uint64_t src_rx[KPERF_CPU_WORDS];
	uint64_t dst_rx[KPERF_CPU_WORDS];
};

void opt_place_init(struct opt_place *p);

/*
 * One placement option; opt is its name as the user spelled it, val its
 * value (NULL for flags).  Return 0 or -EINVAL with a message in err.
 */
int opt_place_opt(struct opt_place *p, struct opts *o, int id,
		  const char *opt, const char *val, char *err, size_t errlen);

/* Check combinations and fill o.  0 or -EINVAL with a message. */
int opt_place_finish(struct opt_place *p, struct opts *o, char *err,
		     size_t errlen);


#endif
