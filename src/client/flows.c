// SPDX-License-Identifier: MIT
/*
 * flows - open the test's flows and place them: rounds of "open what is
 * missing, ask both ends for the RX CPUs, keep a collision-free set, close
 * the rest", then the worker CPU of every flow from the pin policy.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/place.h"
#include "client/run.h"
#include "common/hostinfo.h"

_Static_assert(KPERF_MAX_CPUS == PLACE_MAX_CPUS, "CPU set sizes differ");
_Static_assert(KPERF_PIN_RX_CPU == (int)PLACE_SAME_CPU &&
	       KPERF_PIN_OFFSET == (int)PLACE_OFFSET &&
	       KPERF_PIN_CROSS == (int)PLACE_CROSS &&
	       KPERF_PIN_CPU == (int)PLACE_EXPLICIT &&
	       KPERF_PIN_NONE == (int)PLACE_NONE, "pin policies differ");

/* The flows kept so far plus the ones opened in this round. */
struct pool {
	struct proto_conn_info *src, *dst;
	unsigned int n, cap;
	uint64_t src_seen[KPERF_CPU_WORDS], dst_seen[KPERF_CPU_WORDS];
};

static int run_fail(struct run *r, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int run_fail(struct run *r, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->src.ctl.err, r->src.ctl.errlen, fmt, ap);
	va_end(ap);
	return err;
}

/*
 * The source reaches the destination's acceptor at the address the client
 * reached the destination's kperfd at (as the original kperf does).
 */
static void dst_address(const struct ctl *c, struct proto_connect_req *m)
{
	if (c->peer.ss_family == AF_INET) {
		const struct sockaddr_in *a = (const void *)&c->peer;

		m->family = 4;
		memcpy(m->addr, &a->sin_addr, 4);
	} else {
		const struct sockaddr_in6 *a6 = (const void *)&c->peer;

		m->family = 6;
		memcpy(m->addr, &a6->sin6_addr, 16);
	}
}

static int dst_listen(struct run *r, struct proto_connect_req *cq)
{
	struct proto_listen_req lq = { 0 };
	struct proto_listen_rep lr;
	struct proto_hdr h;
	struct proto_wr w;
	uint32_t id;
	int ret;

	id = ctl_begin(&r->dst.ctl, &w);
	proto_enc_listen_req(&w, id, &lq);
	ret = ctl_call(&r->dst.ctl, &w, id, &h, CALL_TIMEOUT_MS);
	if (ret < 0)
		return ret;
	if (proto_dec_listen_rep(r->dst.ctl.rx, h.len, &lr) < 0)
		return ctl_fail(&r->dst.ctl, -EBADMSG, "malformed LISTEN reply");
	memset(cq, 0, sizeof(*cq));
	dst_address(&r->dst.ctl, cq);
	cq->port = lr.port;
	cq->token = lr.token;
	cq->timeout_ms = (uint32_t)r->o->connect_timeout_ms;
	cq->mss = r->o->mss;
	return 0;
}

/* Ask the destination about its ends of the given source connections. */
static int dst_info(struct run *r, const struct proto_conn_info *src,
		    unsigned int n, struct proto_conn_list *out)
{
	struct proto_ids ids = { .n = n };
	struct proto_hdr h;
	struct proto_wr w;
	unsigned int i;
	uint32_t id;
	int ret;

	ids.v = calloc(n, sizeof(*ids.v));
	if (!ids.v)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		ids.v[i] = src[i].peer_id;
	id = ctl_begin(&r->dst.ctl, &w);
	proto_enc_ids(&w, PROTO_T_CONN_INFO, id, &ids);
	free(ids.v);
	ret = ctl_call(&r->dst.ctl, &w, id, &h, CALL_TIMEOUT_MS);
	if (ret < 0)
		return ret;
	if (proto_dec_conn_list(r->dst.ctl.rx, h.len, out) < 0 ||
	    out->n != n)
		return ctl_fail(&r->dst.ctl, -EBADMSG,
				"malformed CONN_INFO reply");
	return 0;
}

/* Open n more connections and append both ends' views to the pool. */
static int pool_open(struct run *r, const struct proto_connect_req *tmpl,
		     unsigned int n, struct pool *p)
{
	struct proto_connect_req cq = *tmpl;
	struct proto_conn_list sl = { 0 }, dl = { 0 };
	struct proto_hdr h;
	struct proto_wr w;
	unsigned int i;
	uint32_t id;
	int ret;

	cq.count = n;
	id = ctl_begin(&r->src.ctl, &w);
	proto_enc_connect_req(&w, id, &cq);
	ret = ctl_call(&r->src.ctl, &w, id, &h,
		       CALL_TIMEOUT_MS + r->o->connect_timeout_ms);
	if (ret < 0)
		return ret;
	if (proto_dec_conn_list(r->src.ctl.rx, h.len, &sl) < 0 || sl.n != n) {
		proto_conn_list_free(&sl);
		return ctl_fail(&r->src.ctl, -EBADMSG,
				"malformed CONNECT reply");
	}
	ret = dst_info(r, sl.v, n, &dl);
	for (i = 0; !ret && i < n; i++) {
		p->src[p->n] = sl.v[i];
		p->dst[p->n] = dl.v[i];
		if (sl.v[i].rx_cpu >= 0 && sl.v[i].rx_cpu < KPERF_MAX_CPUS)
			cpuset_add(p->src_seen, (unsigned int)sl.v[i].rx_cpu);
		if (dl.v[i].rx_cpu >= 0 && dl.v[i].rx_cpu < KPERF_MAX_CPUS)
			cpuset_add(p->dst_seen, (unsigned int)dl.v[i].rx_cpu);
		p->n++;
	}
	proto_conn_list_free(&sl);
	proto_conn_list_free(&dl);
	return ret;
}

static int close_ids(struct side *s, const uint32_t *v, unsigned int n)
{
	struct proto_ids ids = { .n = n, .v = (uint32_t *)v };
	struct proto_hdr h;
	struct proto_wr w;
	uint32_t id;

	if (!n)
		return 0;
	id = ctl_begin(&s->ctl, &w);
	proto_enc_ids(&w, PROTO_T_CONN_CLOSE, id, &ids);
	return ctl_call(&s->ctl, &w, id, &h, CALL_TIMEOUT_MS);
}

/* Keep the chosen entries of the pool (in order), close the others. */
static int pool_keep(struct run *r, struct pool *p, const unsigned int *ch,
		     unsigned int n_ch)
{
	uint32_t *sid = calloc(p->n, sizeof(*sid));
	uint32_t *did = calloc(p->n, sizeof(*did));
	unsigned int i, k = 0, nd = 0;
	int ret = -ENOMEM;

	if (!sid || !did)
		goto out;
	for (i = 0; i < p->n; i++) {
		if (k < n_ch && ch[k] == i) {
			p->src[k] = p->src[i];
			p->dst[k] = p->dst[i];
			k++;
			continue;
		}
		sid[nd] = p->src[i].id;
		did[nd++] = p->dst[i].id;
	}
	r->rep->placement.connections_discarded += nd;
	p->n = k;
	ret = close_ids(&r->src, sid, nd);
	if (!ret)
		ret = close_ids(&r->dst, did, nd);
out:
	free(sid);
	free(did);
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

/* Choose from the pool: a matching, or in order when CPUs may be shared. */
static int pool_choose(const struct run *r, const struct pool *p,
		       const uint64_t *sa, const uint64_t *da,
		       unsigned int *ch)
{
	struct place_cand *c;
	unsigned int i, n = 0;
	int ret;

	c = calloc(p->n ? p->n : 1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	for (i = 0; i < p->n; i++)
		c[i] = (struct place_cand){ p->src[i].rx_cpu,
					    p->dst[i].rx_cpu };
	if (!r->o->allow_shared_cpus) {
		ret = place_match(c, p->n, sa, da, r->n, ch);
		free(c);
		return ret;
	}
	for (i = 0; i < p->n && n < r->n; i++)
		if (c[i].src_cpu >= 0 && c[i].dst_cpu >= 0 &&
		    cpuset_has(sa, (unsigned int)c[i].src_cpu) &&
		    cpuset_has(da, (unsigned int)c[i].dst_cpu))
			ch[n++] = i;
	free(c);
	return (int)n;
}

static int placement_failed(struct run *r, const struct pool *p,
			    const uint64_t *sa, const uint64_t *da)
{
	char s_seen[256], d_seen[256], s_ok[256], d_ok[256];

	cpulist_format(p->src_seen, KPERF_MAX_CPUS, s_seen, sizeof(s_seen));
	cpulist_format(p->dst_seen, KPERF_MAX_CPUS, d_seen, sizeof(d_seen));
	cpulist_format(sa, KPERF_MAX_CPUS, s_ok, sizeof(s_ok));
	cpulist_format(da, KPERF_MAX_CPUS, d_ok, sizeof(d_ok));
	return run_fail(r, -EADDRNOTAVAIL, "cannot place %u flows%s after %u "
			"attempts: RX CPUs seen on the source %s (allowed %s), "
			"on the destination %s (allowed %s); %u placed. %s",
			r->n, r->o->allow_shared_cpus ? "" :
			" on distinct RX CPUs", r->rep->placement.attempts,
			s_seen[0] ? s_seen : "none", s_ok,
			d_seen[0] ? d_seen : "none", d_ok, p->n,
			r->o->allow_shared_cpus ? "Widen the allowed CPUs." :
			"Widen the allowed CPUs or use --allow-shared-cpus.");
}

static int check_possible(struct run *r, const uint64_t *sa,
			  const uint64_t *da)
{
	unsigned int ks = set_count(sa), kd = set_count(da), k;
	char list[256];

	if (!ks || !kd) {
		cpulist_format(ks ? da : sa, KPERF_MAX_CPUS, list, sizeof(list));
		return run_fail(r, -EINVAL, "no allowed RX CPU is online on "
				"the %s", ks ? "destination" : "source");
	}
	if (r->o->allow_shared_cpus || (r->n <= ks && r->n <= kd))
		return 0;
	cpulist_format(r->n > ks ? sa : da, KPERF_MAX_CPUS, list,
		       sizeof(list));
	k = r->n > ks ? ks : kd;
	return run_fail(r, -EINVAL, "%u flows need %u distinct RX CPUs on the "
			"%s, but only %u allowed CPU%s online there (%s); use "
			"--allow-shared-cpus to let flows share CPUs", r->n,
			r->n, r->n > ks ? "source" : "destination", k,
			k == 1 ? " is" : "s are", list);
}

static int pool_to_sides(struct run *r, struct pool *p)
{
	r->src.conns.v = p->src;
	r->dst.conns.v = p->dst;
	r->src.conns.n = r->dst.conns.n = p->n;
	p->src = p->dst = NULL;
	return 0;
}

int flows_open(struct run *r)
{
	const struct kperf_opts *o = r->o;
	unsigned int attempts = o->placement_attempts ?
					o->placement_attempts :
					KPERF_ATTEMPTS_DEFAULT;
	uint64_t sa[KPERF_CPU_WORDS], da[KPERF_CPU_WORDS];
	struct proto_connect_req tmpl;
	struct pool p = { .cap = 2 * r->n };
	unsigned int *ch;
	int ret, got;

	r->rep->placement.policy = place_policy_name(
		(enum place_policy)o->pin_src.policy);
	r->rep->placement.policy_dst = place_policy_name(
		(enum place_policy)o->pin_dst.policy);
	allowed_set(&r->src.ctl, o->have_src_rx_cpus, o->src_rx_cpus, sa);
	allowed_set(&r->dst.ctl, o->have_dst_rx_cpus, o->dst_rx_cpus, da);
	ret = check_possible(r, sa, da);
	if (ret < 0)
		return ret;
	ret = dst_listen(r, &tmpl);
	if (ret < 0)
		return ret;
	p.src = calloc(p.cap, sizeof(*p.src));
	p.dst = calloc(p.cap, sizeof(*p.dst));
	ch = calloc(p.cap, sizeof(*ch));
	ret = -ENOMEM;
	if (!p.src || !p.dst || !ch)
		goto out;
	while (p.n < r->n) {
		if (r->rep->placement.attempts == attempts) {
			ret = placement_failed(r, &p, sa, da);
			goto out;
		}
		r->rep->placement.attempts++;
		r->rep->placement.connections_opened += r->n - p.n;
		ret = pool_open(r, &tmpl, r->n - p.n, &p);
		if (ret < 0)
			goto out;
		got = pool_choose(r, &p, sa, da, ch);
		ret = got;
		if (got < 0)
			goto out;
		ret = pool_keep(r, &p, ch, (unsigned int)got);
		if (ret < 0)
			goto out;
	}
	ret = pool_to_sides(r, &p);
out:
	free(p.src);
	free(p.dst);
	free(ch);
	return ret;
}

static int place_side(struct run *r, struct side *s, const struct kperf_pin *pin)
{
	struct place_pin pp = { .policy = (enum place_policy)pin->policy,
				.offset = pin->offset, .cpu = pin->cpu };
	int *rx = calloc(r->n, sizeof(*rx));
	char msg[256];
	unsigned int i;
	int ret;

	s->worker_cpu = calloc(r->n, sizeof(*s->worker_cpu));
	s->worker_of = calloc(r->n, sizeof(*s->worker_of));
	s->workers = calloc(r->n, sizeof(*s->workers));
	if (!rx || !s->worker_cpu || !s->worker_of || !s->workers) {
		free(rx);
		return -ENOMEM;
	}
	for (i = 0; i < r->n; i++)
		rx[i] = s->conns.v[i].rx_cpu;
	ret = place_worker_cpu(&pp, rx, r->n, s->ctl.hello.online,
			       s->worker_cpu, msg, sizeof(msg));
	free(rx);
	if (ret < 0)
		return ctl_fail(&s->ctl, ret, "%s", msg);
	return 0;
}

int flows_place_workers(struct run *r)
{
	int ret = place_side(r, &r->src, &r->o->pin_src);

	return ret ? ret : place_side(r, &r->dst, &r->o->pin_dst);
}
