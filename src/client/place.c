// SPDX-License-Identifier: MIT
/* place - collision-free flow selection and worker CPU policies. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/place.h"

static int allowed(const uint64_t *set, int cpu)
{
	if (cpu < 0 || cpu >= PLACE_MAX_CPUS)
		return 0;
	return !set || ((set[cpu / 64] >> (cpu % 64)) & 1);
}

struct matcher {
	const struct place_cand *c;
	int *head;		/* per source CPU: first candidate, -1 none */
	int *next;		/* per candidate: next one of the same CPU */
	int *match_src;		/* per source CPU: matched candidate */
	int *match_dst;		/* per destination CPU: matched candidate */
	unsigned int *seen;	/* per destination CPU: visit stamp */
	unsigned int stamp;
};

/* Kuhn's augmenting path from source CPU s. */
static int augment(struct matcher *m, int s)
{
	int e, d;

	for (e = m->head[s]; e >= 0; e = m->next[e]) {
		d = m->c[e].dst_cpu;
		if (m->seen[d] == m->stamp)
			continue;
		m->seen[d] = m->stamp;
		if (m->match_dst[d] < 0 ||
		    augment(m, m->c[m->match_dst[d]].src_cpu)) {
			m->match_dst[d] = e;
			m->match_src[s] = e;
			return 1;
		}
	}
	return 0;
}

static int matcher_init(struct matcher *m, const struct place_cand *c,
			unsigned int n, const uint64_t *sa, const uint64_t *da)
{
	int *tail;
	unsigned int i;

	memset(m, 0, sizeof(*m));
	m->c = c;
	m->head = malloc(PLACE_MAX_CPUS * sizeof(int));
	tail = malloc(PLACE_MAX_CPUS * sizeof(int));
	m->next = malloc((n ? n : 1) * sizeof(int));
	m->match_src = malloc(PLACE_MAX_CPUS * sizeof(int));
	m->match_dst = malloc(PLACE_MAX_CPUS * sizeof(int));
	m->seen = calloc(PLACE_MAX_CPUS, sizeof(unsigned int));
	if (!m->head || !tail || !m->next || !m->match_src ||
	    !m->match_dst || !m->seen) {
		free(tail);
		return -ENOMEM;
	}
	for (i = 0; i < PLACE_MAX_CPUS; i++)
		m->head[i] = tail[i] = m->match_src[i] = m->match_dst[i] = -1;
	/* Lists in candidate order, so older candidates are tried first. */
	for (i = 0; i < n; i++) {
		int s = c[i].src_cpu;

		m->next[i] = -1;
		if (!allowed(sa, s) || !allowed(da, c[i].dst_cpu))
			continue;
		if (tail[s] < 0)
			m->head[s] = (int)i;
		else
			m->next[tail[s]] = (int)i;
		tail[s] = (int)i;
	}
	free(tail);
	return 0;
}

static void matcher_fini(struct matcher *m)
{
	free(m->head);
	free(m->next);
	free(m->match_src);
	free(m->match_dst);
	free(m->seen);
}

static int cmp_uint(const void *a, const void *b)
{
	unsigned int x = *(const unsigned int *)a, y = *(const unsigned int *)b;

	return x < y ? -1 : x > y;
}

int place_match(const struct place_cand *c, unsigned int n,
		const uint64_t *src_allowed, const uint64_t *dst_allowed,
		unsigned int want, unsigned int *chosen)
{
	struct matcher m;
	unsigned int i, got = 0;
	int ret;

	ret = matcher_init(&m, c, n, src_allowed, dst_allowed);
	if (ret < 0) {
		matcher_fini(&m);
		return ret;
	}
	/* Source CPUs in order of their oldest candidate. */
	for (i = 0; i < n && got < want; i++) {
		int s = c[i].src_cpu;

		if (!allowed(src_allowed, s) || m.head[s] != (int)i ||
		    m.match_src[s] >= 0)
			continue;
		m.stamp++;
		if (augment(&m, s))
			got++;
	}
	got = 0;
	for (i = 0; i < PLACE_MAX_CPUS; i++)
		if (m.match_src[i] >= 0)
			chosen[got++] = (unsigned int)m.match_src[i];
	qsort(chosen, got, sizeof(*chosen), cmp_uint);
	matcher_fini(&m);
	return (int)got;
}

/*
 * Each round opens at least one new connection while the matching has at
 * most want - 1 flows, so a round adds a flow with probability at least
 * p = (k_src - want + 1) / k_src * (k_dst - want + 1) / k_dst, whatever
 * happened before; kept flows are never lost.  Failing means fewer than
 * want successes in `attempts` such rounds: P(Binomial(attempts, p) < want).
 */
double place_fail_bound(unsigned int want, unsigned int k_src,
			unsigned int k_dst, unsigned int attempts)
{
	double p, lp, lq, sum = 0;
	unsigned int j;

	if (!want)
		return 0;
	if (want > k_src || want > k_dst)
		return 1;
	if (attempts < want)
		return 1;
	p = (double)(k_src - want + 1) / k_src *
	    (double)(k_dst - want + 1) / k_dst;
	if (p >= 1)
		return 0;
	lp = log(p);
	lq = log1p(-p);
	for (j = 0; j < want; j++)
		sum += exp(lgamma(attempts + 1.0) - lgamma(j + 1.0) -
			   lgamma(attempts - j + 1.0) + j * lp +
			   (attempts - j) * lq);
	return sum > 1 ? 1 : sum;
}

static int online_index(const uint64_t *online, int cpu, int *idx, int *n)
{
	int c, found = -1;

	*n = 0;
	for (c = 0; c < PLACE_MAX_CPUS; c++) {
		if (!allowed(online, c))
			continue;
		if (c == cpu)
			found = *n;
		idx[(*n)++] = c;
	}
	return found;
}

static int offset_cpu(const uint64_t *online, int rx, int off, int *out)
{
	int idx[PLACE_MAX_CPUS];
	int n, pos = online_index(online, rx, idx, &n);

	if (pos < 0 || !n)
		return -EINVAL;
	pos = (int)(((long)pos + off) % n);
	if (pos < 0)
		pos += n;
	*out = idx[pos];
	return 0;
}

int place_worker_cpu(const struct kperf_pin *pin, const int *rx_cpu,
		     unsigned int n, const uint64_t *online, int *out,
		     char *err, size_t errlen)
{
	int cross = pin->policy == KPERF_PIN_CROSS;
	unsigned int i;

	if (cross && n < 2) {
		snprintf(err, errlen, "--cross-pin needs at least 2 flows");
		return -EINVAL;
	}
	if (pin->policy == KPERF_PIN_CPU && !allowed(online, pin->cpu)) {
		snprintf(err, errlen, "CPU %d is not online", pin->cpu);
		return -EINVAL;
	}
	for (i = 0; i < n; i++) {
		int rx = rx_cpu[cross ? (i + 1) % n : i];

		switch (pin->policy) {
		case KPERF_PIN_NONE:
			out[i] = -1;
			continue;
		case KPERF_PIN_CPU:
			out[i] = pin->cpu;
			continue;
		default:
			break;
		}
		if (rx < 0) {
			snprintf(err, errlen, "the RX CPU of flow %u is "
				 "unknown (SO_INCOMING_CPU), so its worker "
				 "cannot be placed relative to it", i);
			return -EINVAL;
		}
		out[i] = rx;
		if (pin->policy == KPERF_PIN_OFFSET &&
		    offset_cpu(online, rx, pin->offset, &out[i]) < 0) {
			snprintf(err, errlen, "RX CPU %d of flow %u is not "
				 "online", rx, i);
			return -EINVAL;
		}
	}
	return 0;
}

const char *place_policy_name(enum kperf_pin_policy p)
{
	switch (p) {
	case KPERF_PIN_RX_CPU:
		return "same-cpu";
	case KPERF_PIN_OFFSET:
		return "pin-off";
	case KPERF_PIN_CROSS:
		return "cross-pin";
	case KPERF_PIN_CPU:
		return "explicit";
	case KPERF_PIN_NONE:
		return "none";
	}
	return "?";
}
