// SPDX-License-Identifier: MIT
/*
 * place_conns - collision-free placement of a connection set: rounds of
 * "open what is missing, keep a matching of RX CPUs, close the rest"
 * (the matching is place.c's).  The set's connections are the pool: the
 * ones it holds take part in the first round.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/conns.h"
#include "client/place.h"
#include "common/hostinfo.h"

_Static_assert(KPERF_MAX_CPUS == PLACE_MAX_CPUS, "CPU set sizes differ");

/* One placement call: which end is the "source" of the options. */
struct round {
	struct kperf_conns *cs;
	const struct opts *o;
	unsigned int n;
	int s, d;		/* end indexes of src and dst */
	uint64_t sa[KPERF_CPU_WORDS], da[KPERF_CPU_WORDS];	/* allowed */
	uint64_t s_seen[KPERF_CPU_WORDS], d_seen[KPERF_CPU_WORDS];
};

static const struct proto_conn_info *ci(const struct round *r, int end,
					unsigned int i)
{
	return &r->cs->end[end].conns.v[i];
}

static void see(const struct round *r, uint64_t *seen, int end,
		unsigned int from, unsigned int to)
{
	unsigned int i;

	for (i = from; i < to; i++) {
		int cpu = ci(r, end, i)->rx_cpu;

		if (cpu >= 0 && cpu < KPERF_MAX_CPUS)
			cpuset_add(seen, (unsigned int)cpu);
	}
}

/* Keep the chosen connections (in order), close the others. */
static int keep(struct round *r, const unsigned int *ch, unsigned int n_ch)
{
	struct kperf_conns *cs = r->cs;
	unsigned int i, k = 0, nd = 0, n = cs->end[0].conns.n, e;
	uint32_t *ids[2];
	int ret = -ENOMEM;

	ids[0] = calloc(n ? n : 1, sizeof(uint32_t));
	ids[1] = calloc(n ? n : 1, sizeof(uint32_t));
	if (!ids[0] || !ids[1])
		goto out;
	for (i = 0; i < n; i++) {
		if (k < n_ch && ch[k] == i) {
			for (e = 0; e < 2; e++)
				cs->end[e].conns.v[k] = cs->end[e].conns.v[i];
			k++;
			continue;
		}
		for (e = 0; e < 2; e++)
			ids[e][nd] = cs->end[e].conns.v[i].id;
		nd++;
	}
	cs->placement.connections_discarded += nd;
	cs->end[0].conns.n = cs->end[1].conns.n = k;
	ret = conns_close_ids(&cs->end[0].s->ctl, ids[0], nd);
	if (!ret)
		ret = conns_close_ids(&cs->end[1].s->ctl, ids[1], nd);
out:
	free(ids[0]);
	free(ids[1]);
	return ret;
}

static void allowed_set(const struct ctl *c, int have, const uint64_t *opt,
			uint64_t *out)
{
	unsigned int i;

	for (i = 0; i < KPERF_CPU_WORDS; i++)
		out[i] = c->hello.online[i] & (have ? opt[i] : ~0ull);
}

static unsigned int set_count(const uint64_t *s)
{
	unsigned int i, n = 0;

	for (i = 0; i < KPERF_CPU_WORDS; i++)
		n += (unsigned int)__builtin_popcountll(s[i]);
	return n;
}

/* Choose from the set: a matching, or in order when CPUs may be shared. */
static int choose(const struct round *r, unsigned int *ch)
{
	unsigned int i, n = 0, np = r->cs->end[0].conns.n;
	struct place_cand *c;
	int ret;

	c = calloc(np ? np : 1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	for (i = 0; i < np; i++)
		c[i] = (struct place_cand){ ci(r, r->s, i)->rx_cpu,
					    ci(r, r->d, i)->rx_cpu };
	if (!r->o->allow_shared_cpus) {
		ret = place_match(c, np, r->sa, r->da, r->n, ch);
		free(c);
		return ret;
	}
	for (i = 0; i < np && n < r->n; i++)
		if (c[i].src_cpu >= 0 && c[i].dst_cpu >= 0 &&
		    cpuset_has(r->sa, (unsigned int)c[i].src_cpu) &&
		    cpuset_has(r->da, (unsigned int)c[i].dst_cpu))
			ch[n++] = i;
	free(c);
	return (int)n;
}

static int failed(struct round *r)
{
	char s_seen[256], d_seen[256], s_ok[256], d_ok[256];
	const struct opts *o = r->o;

	cpulist_format(r->s_seen, KPERF_MAX_CPUS, s_seen, sizeof(s_seen));
	cpulist_format(r->d_seen, KPERF_MAX_CPUS, d_seen, sizeof(d_seen));
	cpulist_format(r->sa, KPERF_MAX_CPUS, s_ok, sizeof(s_ok));
	cpulist_format(r->da, KPERF_MAX_CPUS, d_ok, sizeof(d_ok));
	return lib_fail(r->cs->k, -EADDRNOTAVAIL, "cannot place %u flows%s "
			"after %u attempts: RX CPUs seen on the source %s "
			"(allowed %s), on the destination %s (allowed %s); %u "
			"placed. %s", r->n, o->allow_shared_cpus ? "" :
			" on distinct RX CPUs", r->cs->placement.attempts,
			s_seen[0] ? s_seen : "none", s_ok,
			d_seen[0] ? d_seen : "none", d_ok,
			r->cs->end[0].conns.n,
			o->allow_shared_cpus ? "Widen the allowed CPUs." :
			"Widen the allowed CPUs or use --allow-shared-cpus.");
}

static int check_possible(struct round *r)
{
	unsigned int ks = set_count(r->sa), kd = set_count(r->da), k;
	char list[256];

	if (!ks || !kd)
		return lib_fail(r->cs->k, -EINVAL, "no allowed RX CPU is "
				"online on the %s",
				ks ? "destination" : "source");
	if (r->o->allow_shared_cpus || (r->n <= ks && r->n <= kd))
		return 0;
	cpulist_format(r->n > ks ? r->sa : r->da, KPERF_MAX_CPUS, list,
		       sizeof(list));
	k = r->n > ks ? ks : kd;
	return lib_fail(r->cs->k, -EINVAL, "%u flows need %u distinct RX "
			"CPUs on the %s, but only %u allowed CPU%s online "
			"there (%s); use --allow-shared-cpus to let flows "
			"share CPUs", r->n, r->n,
			r->n > ks ? "source" : "destination", k,
			k == 1 ? " is" : "s are", list);
}

int conns_place(struct kperf_conns *cs, unsigned int n, const struct opts *o,
		int swapped)
{
	unsigned int attempts = o->placement_attempts ?
					o->placement_attempts :
					KPERF_ATTEMPTS_DEFAULT;
	struct round r = { .cs = cs, .o = o, .n = n, .s = swapped,
			   .d = !swapped };
	unsigned int *ch = NULL, have;
	int ret, got, first;

	cs->placement = (struct kperf_placement){ 0 };
	allowed_set(&cs->end[r.s].s->ctl, o->have_src_rx_cpus, o->src_rx_cpus,
		    r.sa);
	allowed_set(&cs->end[r.d].s->ctl, o->have_dst_rx_cpus, o->dst_rx_cpus,
		    r.da);
	ret = check_possible(&r);
	if (ret < 0)
		return ret;
	have = cs->end[0].conns.n;
	see(&r, r.s_seen, r.s, 0, have);
	see(&r, r.d_seen, r.d, 0, have);
	/* A set that already holds enough still gets its one check. */
	for (first = 1; first || cs->end[0].conns.n < n; first = 0) {
		have = cs->end[0].conns.n;
		if (have < n) {
			if (cs->placement.attempts == attempts) {
				ret = failed(&r);
				break;
			}
			cs->placement.attempts++;
			cs->placement.connections_opened += n - have;
			ret = conns_open(cs, n - have);
			if (ret < 0)
				break;
			see(&r, r.s_seen, r.s, have, n);
			see(&r, r.d_seen, r.d, have, n);
		}
		free(ch);
		ch = calloc(cs->end[0].conns.n + 1, sizeof(*ch));
		ret = ch ? choose(&r, ch) : -ENOMEM;
		if (ret < 0)
			break;
		got = ret;
		ret = keep(&r, ch, (unsigned int)got);
		if (ret < 0)
			break;
	}
	free(ch);
	if (ret == -ENOMEM)
		lib_fail(cs->k, ret, "out of memory");
	return ret;
}

int kperf_conns_place(struct kperf_conns *cs, unsigned int n)
{
	struct opts o;
	int ret;

	lib_clear(cs->k);
	if (cs->busy)
		return lib_fail(cs->k, -EBUSY, "a test runs on the set");
	if (conns_live(cs))
		return -ENOTCONN;
	if (!n || n > KPERF_MAX_CONNS)
		return lib_fail(cs->k, -EINVAL, "cannot place %u connections: "
				"1..%u", n, KPERF_MAX_CONNS);
	ret = optset_finish(&cs->os, &o, cs->k->err, LIB_ERR_LEN);
	return ret ? ret : conns_place(cs, n, &o, 0);
}
