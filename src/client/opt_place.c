// SPDX-License-Identifier: MIT
/* opt_place - placement options of the kperf command line. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/opt_place.h"
#include "common/hostinfo.h"

void opt_place_init(struct opt_place *p)
{
	memset(p, 0, sizeof(*p));
	p->cpu_min = p->cpu_max = -1;
	p->src_wrk = p->dst_wrk = -1;
}

static int opt_err(char *err, size_t errlen, const char *opt,
		   const char *val, const char *what)
{
	snprintf(err, errlen, "option %s: \"%.64s\" %s", opt, val, what);
	return -EINVAL;
}

static int parse_uint(const char *opt, const char *val, long max, int *out,
		      char *err, size_t errlen)
{
	char what[64];
	char *end;
	long v;

	errno = 0;
	v = strtol(val, &end, 10);
	snprintf(what, sizeof(what), "is not a number 0..%ld", max);
	if (val[0] < '0' || val[0] > '9' || *end || errno || v > max)
		return opt_err(err, errlen, opt, val, what);
	*out = (int)v;
	return 0;
}

/* "3" or "0,1,3,2": one CPU per flow, in flow order, repeated. */
static int parse_cpus(struct opt_place *p, int end, const char *opt,
		      const char *val, char *err, size_t errlen)
{
	char buf[32];
	const char *s = val;
	size_t len;
	int cpu, ret;

	p->n_wrk[end] = 0;
	while (*s) {
		len = strcspn(s, ",");
		if (!len || len >= sizeof(buf) ||
		    p->n_wrk[end] == OPTS_WRK_CPUS_MAX)
			return opt_err(err, errlen, opt, val, "is not a CPU or "
				       "a list of at most 256 CPUs, one per "
				       "flow (0,1,3)");
		memcpy(buf, s, len);
		buf[len] = '\0';
		ret = parse_uint(opt, buf, KPERF_MAX_CPUS - 1, &cpu, err,
				 errlen);
		if (ret)
			return ret;
		p->wrk[end][p->n_wrk[end]++] = (uint16_t)cpu;
		s += len + (s[len] == ',');
		if (!*s && s[-1] == ',')
			return opt_err(err, errlen, opt, val, "ends with a "
				       "comma");
	}
	if (!p->n_wrk[end])
		return opt_err(err, errlen, opt, val, "is not a CPU");
	if (end)
		p->dst_wrk = p->wrk[end][0];
	else
		p->src_wrk = p->wrk[end][0];
	return 0;
}

static int parse_list(const char *opt, const char *val, uint64_t *set,
		      char *err, size_t errlen)
{
	char msg[160];

	if (cpulist_parse(val, set, KPERF_MAX_CPUS, msg, sizeof(msg)) < 0) {
		snprintf(err, errlen, "option %s: %s", opt, msg);
		return -EINVAL;
	}
	return 0;
}

static int set_policy(struct opt_place *p, struct opts *o,
		      const char *opt, enum kperf_pin_policy pol, char *err,
		      size_t errlen)
{
	if (p->policy_opt) {
		snprintf(err, errlen, "options %s and %s cannot be combined",
			 p->policy_opt, opt);
		return -EINVAL;
	}
	p->policy_opt = opt;
	o->pin_src.policy = o->pin_dst.policy = pol;
	return 0;
}

int opt_place_opt(struct opt_place *p, struct opts *o, int id,
		  const char *opt, const char *val, char *err, size_t errlen)
{
	int v, ret;

	switch (id) {
	case OPT_PIN_OFF:
		ret = parse_uint(opt, val, KPERF_MAX_CPUS - 1, &v, err, errlen);
		if (ret)
			return ret;
		o->pin_src.offset = o->pin_dst.offset = v;
		return set_policy(p, o, opt, KPERF_PIN_OFFSET, err, errlen);
	case OPT_CROSS_PIN:
		return set_policy(p, o, opt, KPERF_PIN_CROSS, err, errlen);
	case OPT_NO_PIN:
		return set_policy(p, o, opt, KPERF_PIN_NONE, err, errlen);
	case OPT_CPU_SRC_WRK:
	case OPT_CPU_DST_WRK:
		return parse_cpus(p, id == OPT_CPU_DST_WRK, opt, val, err,
				  errlen);
	case OPT_CPU_MIN:
		return parse_uint(opt, val, KPERF_MAX_CPUS - 1, &p->cpu_min,
				  err, errlen);
	case OPT_CPU_MAX:
		return parse_uint(opt, val, KPERF_MAX_CPUS - 1, &p->cpu_max,
				  err, errlen);
	case OPT_RX_CPUS:
		p->have_rx = 1;
		return parse_list(opt, val, p->rx, err, errlen);
	case OPT_SRC_RX_CPUS:
		p->have_src_rx = 1;
		return parse_list(opt, val, p->src_rx, err, errlen);
	case OPT_DST_RX_CPUS:
		p->have_dst_rx = 1;
		return parse_list(opt, val, p->dst_rx, err, errlen);
	case OPT_ALLOW_SHARED:
		o->allow_shared_cpus = 1;
		return 0;
	case OPT_ATTEMPTS:
		ret = parse_uint(opt, val, 100000, &v, err, errlen);
		if (!ret && !v)
			return opt_err(err, errlen, opt, val,
				       "is out of range 1..100000");
		o->placement_attempts = (unsigned int)v;
		return ret;
	}
	snprintf(err, errlen, "option %s is not implemented", opt);
	return -EINVAL;
}

/* set = every CPU, narrowed by each restriction that was given. */
static void build_set(const struct opt_place *p, int have_own,
		      const uint64_t *own, uint64_t *set)
{
	int c;

	memset(set, 0xff, KPERF_CPU_WORDS * sizeof(*set));
	for (c = 0; c < KPERF_CPU_WORDS; c++) {
		if (p->have_rx)
			set[c] &= p->rx[c];
		if (have_own)
			set[c] &= own[c];
	}
	for (c = 0; c < KPERF_MAX_CPUS; c++)
		if ((p->cpu_min >= 0 && c < p->cpu_min) ||
		    (p->cpu_max >= 0 && c > p->cpu_max))
			set[c / 64] &= ~(1ull << (c % 64));
}

int opt_place_finish(struct opt_place *p, struct opts *o, char *err,
		     size_t errlen)
{
	int any = p->have_rx || p->cpu_min >= 0 || p->cpu_max >= 0;

	if (p->cpu_min >= 0 && p->cpu_max >= 0 && p->cpu_min > p->cpu_max) {
		snprintf(err, errlen, "--cpu-min %d is above --cpu-max %d",
			 p->cpu_min, p->cpu_max);
		return -EINVAL;
	}
	/* An explicit CPU wins over the global policy on its end. */
	memcpy(o->wrk_cpus, p->wrk, sizeof(o->wrk_cpus));
	memcpy(o->n_wrk_cpus, p->n_wrk, sizeof(o->n_wrk_cpus));
	if (p->src_wrk >= 0)
		o->pin_src = (struct kperf_pin){ KPERF_PIN_CPU, 0, p->src_wrk };
	if (p->dst_wrk >= 0)
		o->pin_dst = (struct kperf_pin){ KPERF_PIN_CPU, 0, p->dst_wrk };
	if ((o->pin_src.policy == KPERF_PIN_CROSS ||
	     o->pin_dst.policy == KPERF_PIN_CROSS) && o->n_conns < 2) {
		snprintf(err, errlen, "%s needs at least 2 flows (-n 2)",
			 p->policy_opt);
		return -EINVAL;
	}
	o->have_src_rx_cpus = any || p->have_src_rx;
	o->have_dst_rx_cpus = any || p->have_dst_rx;
	build_set(p, p->have_src_rx, p->src_rx, o->src_rx_cpus);
	build_set(p, p->have_dst_rx, p->dst_rx, o->dst_rx_cpus);
	return 0;
}
