// SPDX-License-Identifier: MIT
/*
 * conns - connection sets: a session on each of two hosts, the `to`
 * session's data acceptor, and the connections between them, each known
 * by its id on both ends (index i is one connection on both lists).
 * Placement rounds are in place_conns.c.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/conns.h"
#include "client/run.h"

static const char *const end_role[2] = { "source", "destination" };

/* The `to` session's acceptor, reached at the address its host answered
 * the client at (as the original kperf does). */
static int listen_to(struct kperf_conns *cs)
{
	struct ctl *c = &cs->end[KPERF_TO].s->ctl;
	struct proto_listen_req lq = { 0 };
	struct proto_connect_req *m = &cs->tmpl;
	struct proto_listen_rep lr;
	struct proto_hdr h;
	struct proto_wr w;
	uint32_t id;
	int ret;

	id = ctl_begin(c, &w);
	proto_enc_listen_req(&w, id, &lq);
	ret = ctl_call(c, &w, id, &h, CALL_TIMEOUT_MS);
	if (ret < 0)
		return ret;
	if (proto_dec_listen_rep(c->rx, h.len, &lr) < 0)
		return ctl_fail(c, -EBADMSG, "malformed LISTEN reply");
	memset(m, 0, sizeof(*m));
	if (c->peer.ss_family == AF_INET) {
		const struct sockaddr_in *a = (const void *)&c->peer;

		m->family = 4;
		memcpy(m->addr, &a->sin_addr, 4);
	} else {
		const struct sockaddr_in6 *a6 = (const void *)&c->peer;

		m->family = 6;
		memcpy(m->addr, &a6->sin6_addr, 16);
	}
	m->port = lr.port;
	m->token = lr.token;
	return 0;
}

int kperf_conns_new(struct kperf_host *from, struct kperf_host *to,
		    struct kperf_conns **out)
{
	struct kperf *k = from->k;
	struct kperf_conns *cs;
	int e, ret;

	*out = NULL;
	lib_clear(k);
	if (to->k != k)
		return lib_fail(k, -EINVAL, "the two hosts belong to "
				"different contexts");
	if (from->sess.ctl.fd < 0 || to->sess.ctl.fd < 0)
		return lib_fail(k, -ENOTCONN, "host %s is not connected",
				from->sess.ctl.fd < 0 ? from->address : to->address);
	cs = calloc(1, sizeof(*cs));
	if (!cs)
		return lib_fail(k, -ENOMEM, "out of memory");
	cs->k = k;
	cs->host[KPERF_FROM] = from;
	cs->host[KPERF_TO] = to;
	optset_init(&cs->os, OPT_SCOPE_CONNS);
	from->users++;
	to->users++;
	lib_add(k, LIB_CONNS, &cs->link);
	for (e = 0, ret = 0; e < 2; e++) {
		struct kperf_host *h = cs->host[e];

		cs->end[e].own.ctl.fd = -1;
		if (h->sess.lent || ret) {
			cs->end[e].s = &cs->end[e].own;
			if (!ret)
				ret = host_session(h, &cs->end[e].own.ctl,
						   end_role[e]);
			continue;
		}
		cs->end[e].s = &h->sess;
		h->sess.lent = 1;
		h->sess.ctl.role = end_role[e];
	}
	if (!ret)
		ret = listen_to(cs);
	if (ret < 0) {
		conns_free(cs);
		return ret;
	}
	*out = cs;
	return 0;
}

int kperf_conns_set(struct kperf_conns *cs, const char *key,
		    const char *value)
{
	lib_clear(cs->k);
	return optset_set(&cs->os, key, value, cs->k->err, LIB_ERR_LEN);
}

static int grow(struct cs_end *e, unsigned int n)
{
	struct proto_conn_info *v;

	if (n <= e->cap)
		return 0;
	v = realloc(e->conns.v, n * sizeof(*v));
	if (!v)
		return -ENOMEM;
	e->conns.v = v;
	e->cap = n;
	return 0;
}

/* Ask `to` about its ends of the given `from` connections. */
static int to_info(struct kperf_conns *cs, const struct proto_conn_info *src,
		   unsigned int n, struct proto_conn_list *out)
{
	struct ctl *c = &cs->end[KPERF_TO].s->ctl;
	struct proto_ids ids = { .n = n };
	struct proto_hdr h;
	struct proto_wr w;
	unsigned int i;
	uint32_t id;
	int ret;

	ids.v = calloc(n ? n : 1, sizeof(*ids.v));
	if (!ids.v)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		ids.v[i] = src[i].peer_id;
	id = ctl_begin(c, &w);
	proto_enc_ids(&w, PROTO_T_CONN_INFO, id, &ids);
	free(ids.v);
	ret = ctl_call(c, &w, id, &h, CALL_TIMEOUT_MS);
	if (ret < 0)
		return ret;
	if (proto_dec_conn_list(c->rx, h.len, out) < 0 || out->n != n) {
		proto_conn_list_free(out);
		return ctl_fail(c, -EBADMSG, "malformed CONN_INFO reply");
	}
	return 0;
}

int conns_open(struct kperf_conns *cs, unsigned int n)
{
	struct ctl *c = &cs->end[KPERF_FROM].s->ctl;
	struct proto_connect_req cq = cs->tmpl;
	struct proto_conn_list sl = { 0 }, dl = { 0 };
	unsigned int i, have = cs->end[0].conns.n;
	struct proto_hdr h;
	struct proto_wr w;
	struct opts o;
	uint32_t id;
	int ret;

	if (!n)
		return 0;
	if (have + n > KPERF_MAX_CONNS)
		return lib_fail(cs->k, -E2BIG, "a connection set holds at "
				"most %u connections", KPERF_MAX_CONNS);
	ret = optset_finish(&cs->os, &o, cs->k->err, LIB_ERR_LEN);
	if (ret < 0)
		return ret;
	if (grow(&cs->end[0], have + n) < 0 || grow(&cs->end[1], have + n) < 0)
		return lib_fail(cs->k, -ENOMEM, "out of memory");
	cq.count = n;
	cq.mss = cs->mss_set ? cs->mss : o.mss;
	cq.timeout_ms = (uint32_t)cs->host[KPERF_TO]->connect_timeout_ms;
	id = ctl_begin(c, &w);
	proto_enc_connect_req(&w, id, &cq);
	ret = ctl_call(c, &w, id, &h, CALL_TIMEOUT_MS + (int)cq.timeout_ms);
	if (ret < 0)
		return ret;
	if (proto_dec_conn_list(c->rx, h.len, &sl) < 0 || sl.n != n) {
		proto_conn_list_free(&sl);
		return ctl_fail(c, -EBADMSG, "malformed CONNECT reply");
	}
	ret = to_info(cs, sl.v, n, &dl);
	for (i = 0; !ret && i < n; i++) {
		cs->end[0].conns.v[have + i] = sl.v[i];
		cs->end[1].conns.v[have + i] = dl.v[i];
	}
	if (!ret)
		cs->end[0].conns.n = cs->end[1].conns.n = have + n;
	proto_conn_list_free(&sl);
	proto_conn_list_free(&dl);
	return ret;
}

/*
 * A test that fails after it started closes the sessions of its sets
 * (test.c), caller's sets included: nothing can be asked of them after
 * that, and their buffers are gone.
 */
int conns_live(struct kperf_conns *cs)
{
	/* dead: a host's session lent to it may have been opened again. */
	if (cs->dead || cs->end[KPERF_FROM].s->ctl.fd < 0 ||
	    cs->end[KPERF_TO].s->ctl.fd < 0)
		return lib_fail(cs->k, -ENOTCONN, "the connection set's "
				"sessions were closed by a failed test: close "
				"the set and open a new one");
	return 0;
}

int kperf_conns_add(struct kperf_conns *cs, unsigned int n)
{
	lib_clear(cs->k);
	if (cs->busy)
		return lib_fail(cs->k, -EBUSY, "a test runs on the set");
	if (conns_live(cs))
		return -ENOTCONN;
	return conns_open(cs, n);
}

int conns_close_ids(struct ctl *c, const uint32_t *v, unsigned int n)
{
	struct proto_ids ids = { .n = n, .v = (uint32_t *)v };
	struct proto_hdr h;
	struct proto_wr w;
	uint32_t id;

	if (!n)
		return 0;
	id = ctl_begin(c, &w);
	proto_enc_ids(&w, PROTO_T_CONN_CLOSE, id, &ids);
	return ctl_call(c, &w, id, &h, CALL_TIMEOUT_MS);
}

/* Close connection i on both ends and drop it from the lists. */
static int drop(struct kperf_conns *cs, unsigned int i)
{
	unsigned int e, n = cs->end[0].conns.n;
	int ret = 0, r;

	for (e = 0; e < 2; e++) {
		struct proto_conn_info *v = cs->end[e].conns.v;

		r = conns_close_ids(&cs->end[e].s->ctl, &v[i].id, 1);
		if (!ret)
			ret = r;
		memmove(&v[i], &v[i + 1], (n - i - 1) * sizeof(*v));
		cs->end[e].conns.n = n - 1;
	}
	return ret;
}

static int check_index(struct kperf_conns *cs, unsigned int i)
{
	lib_clear(cs->k);
	if (cs->busy)
		return lib_fail(cs->k, -EBUSY, "a test runs on the set");
	if (conns_live(cs))
		return -ENOTCONN;
	if (i >= cs->end[0].conns.n)
		return lib_fail(cs->k, -ENOENT, "no connection %u in a set of "
				"%u", i, cs->end[0].conns.n);
	return 0;
}

int kperf_conns_remove(struct kperf_conns *cs, unsigned int i)
{
	int ret = check_index(cs, i);

	return ret ? ret : drop(cs, i);
}

int kperf_conns_reopen(struct kperf_conns *cs, unsigned int i)
{
	unsigned int e, n;
	int ret = check_index(cs, i);

	if (!ret)
		ret = conns_open(cs, 1);
	if (ret < 0)
		return ret;
	/* The new one is last: swap it into i, then drop the old one. */
	n = cs->end[0].conns.n;
	for (e = 0; e < 2; e++) {
		struct proto_conn_info *v = cs->end[e].conns.v, t = v[i];

		v[i] = v[n - 1];
		v[n - 1] = t;
	}
	return drop(cs, n - 1);
}

int kperf_conns_refresh(struct kperf_conns *cs)
{
	struct ctl *c;
	struct proto_ids ids;
	struct proto_conn_list l = { 0 };
	struct proto_hdr h;
	struct proto_wr w;
	unsigned int e, i, n = cs->end[0].conns.n;
	uint32_t id;
	int ret = 0;

	lib_clear(cs->k);
	/* A running test reads the sessions' frames: no request between. */
	if (cs->busy)
		return lib_fail(cs->k, -EBUSY, "a test runs on the set");
	if (conns_live(cs))
		return -ENOTCONN;
	ids.v = calloc(n ? n : 1, sizeof(*ids.v));
	if (!ids.v)
		return lib_fail(cs->k, -ENOMEM, "out of memory");
	ids.n = n;
	for (e = 0; e < 2 && n && !ret; e++) {
		c = &cs->end[e].s->ctl;
		for (i = 0; i < n; i++)
			ids.v[i] = cs->end[e].conns.v[i].id;
		id = ctl_begin(c, &w);
		proto_enc_ids(&w, PROTO_T_CONN_INFO, id, &ids);
		ret = ctl_call(c, &w, id, &h, CALL_TIMEOUT_MS);
		if (!ret && (proto_dec_conn_list(c->rx, h.len, &l) < 0 ||
			     l.n != n))
			ret = ctl_fail(c, -EBADMSG, "malformed CONN_INFO reply");
		for (i = 0; !ret && i < n; i++)
			cs->end[e].conns.v[i] = l.v[i];
		proto_conn_list_free(&l);
	}
	free(ids.v);
	return ret;
}

unsigned int kperf_conns_count(const struct kperf_conns *cs)
{
	return cs ? cs->end[0].conns.n : 0;
}

struct kperf_host *kperf_conns_host(const struct kperf_conns *cs,
				    enum kperf_end end)
{
	return cs && (unsigned int)end < 2 ? cs->host[end] : NULL;
}

static const struct proto_conn_info *info(const struct kperf_conns *cs,
					  unsigned int i, enum kperf_end end)
{
	if (!cs || (unsigned int)end >= 2 || i >= cs->end[0].conns.n)
		return NULL;
	return &cs->end[end].conns.v[i];
}

int kperf_conns_rx_cpu(const struct kperf_conns *cs, unsigned int i,
		       enum kperf_end end)
{
	const struct proto_conn_info *c = info(cs, i, end);

	return c ? c->rx_cpu : -1;
}

uint32_t kperf_conns_napi_id(const struct kperf_conns *cs, unsigned int i,
			     enum kperf_end end)
{
	const struct proto_conn_info *c = info(cs, i, end);

	return c ? c->napi_id : 0;
}

int kperf_conns_port(const struct kperf_conns *cs, unsigned int i,
		     enum kperf_end end)
{
	const struct proto_conn_info *c = info(cs, i, end);

	return c ? c->local_port : -1;
}

int conns_worker(struct kperf_conns *cs, enum kperf_end end, int cpu,
		 unsigned int nth_floating, const struct proto_worker_rep **rep)
{
	struct sess *e = cs->end[end].s;
	struct proto_worker_req q = { .cpu = cpu };
	struct proto_hdr h;
	struct proto_wr w;
	unsigned int i, seen = 0;
	uint32_t id;
	int ret;

	for (i = 0; i < e->n_workers; i++) {
		if (cpu >= 0 && e->workers[i].cpu == cpu)
			break;
		if (cpu < 0 && e->workers[i].cpu < 0 && seen++ == nth_floating)
			break;
	}
	if (i < e->n_workers) {
		*rep = &e->workers[i];
		return 0;
	}
	if (e->n_workers == e->cap_workers) {
		unsigned int cap = e->cap_workers ? 2 * e->cap_workers : 16;
		void *p = realloc(e->workers, cap * sizeof(*e->workers));

		if (!p)
			return lib_fail(cs->k, -ENOMEM, "out of memory");
		e->workers = p;
		e->cap_workers = cap;
	}
	id = ctl_begin(&e->ctl, &w);
	proto_enc_worker_req(&w, id, &q);
	ret = ctl_call(&e->ctl, &w, id, &h, CALL_TIMEOUT_MS);
	if (ret < 0)
		return ret;
	if (proto_dec_worker_rep(e->ctl.rx, h.len, &e->workers[i]) < 0)
		return ctl_fail(&e->ctl, -EBADMSG,
				"malformed WORKER_SPAWN reply");
	if (cpu >= 0 && e->workers[i].cpu != cpu)
		return ctl_fail(&e->ctl, -EIO, "worker asked for CPU %d "
				"reports CPU %d", cpu, e->workers[i].cpu);
	/* An unpinned worker reports -1; keep what was asked. */
	e->workers[i].cpu = cpu;
	e->n_workers++;
	*rep = &e->workers[i];
	return 0;
}

void conns_free(struct kperf_conns *cs)
{
	unsigned int e, i;
	uint32_t *ids;

	for (e = 0; e < 2; e++) {
		struct cs_end *end = &cs->end[e];
		struct sess *s = end->s;

		if (s == &end->own) {
			/* Ending the session releases all it held. */
			ctl_close(&s->ctl);
			free(s->workers);
		} else if (s) {
			/* The host's: close this set's connections only. */
			ids = calloc(end->conns.n + 1, sizeof(*ids));
			for (i = 0; ids && i < end->conns.n; i++)
				ids[i] = end->conns.v[i].id;
			if (ids && s->ctl.fd >= 0 &&
			    conns_close_ids(&s->ctl, ids, end->conns.n) < 0)
				ctl_close(&s->ctl);
			free(ids);
			s->lent = 0;
			s->ctl.role = host_role(cs->host[e]);
		}
		proto_conn_list_free(&end->conns);
		if (cs->host[e])
			cs->host[e]->users--;
	}
	optset_free(&cs->os);
	lib_del(&cs->link);
	free(cs);
}

int kperf_conns_close(struct kperf_conns *cs)
{
	if (!cs)
		return 0;
	lib_clear(cs->k);
	if (cs->users || cs->busy)
		return lib_fail(cs->k, -EBUSY, "%u groups still use the set",
				cs->users);
	/* Closing the sessions releases their connections and workers. */
	conns_free(cs);
	return 0;
}
