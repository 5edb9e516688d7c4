// SPDX-License-Identifier: MIT
/*
 * settings - the per-flow TCP settings of a test: once the flows are
 * placed, one CONN_SETOPT to each session with its ends of the flows sets
 * what the options ask for and reads back what is in force (always: the
 * report shows the defaults too).  The congestion control and the pacing
 * rate must read back as asked, else the test does not start.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "client/run.h"

_Static_assert(KPERF_TCP_CC_LEN == PROTO_CC_LEN &&
	       KPERF_MAX_SOCKBUF == PROTO_MAX_SOCKBUF &&
	       KPERF_MSS_MIN == PROTO_MSS_MIN &&
	       KPERF_MSS_MAX == PROTO_MSS_MAX &&
	       KPERF_PACE_UNLIMITED == PROTO_PACE_UNLIMITED,
	       "TCP settings limits differ");

/* The request for side s: pacing only where pace is set. */
static int build_req(const struct run *r, const struct side *s, int pace,
		     struct proto_setopt_req *q)
{
	const struct opts *o = r->o;
	unsigned int i;

	memset(q, 0, sizeof(*q));
	q->n = r->n;
	if (pace && o->max_pace) {
		q->which |= PROTO_OPT_MAX_PACE;
		q->max_pace = o->max_pace;
	}
	if (o->sndbuf) {
		q->which |= PROTO_OPT_SNDBUF;
		q->sndbuf = o->sndbuf;
	}
	if (o->rcvbuf) {
		q->which |= PROTO_OPT_RCVBUF;
		q->rcvbuf = o->rcvbuf;
	}
	if (o->nodelay) {
		q->which |= PROTO_OPT_NODELAY;
		q->nodelay = 1;
	}
	if (o->tcp_cc[0]) {
		q->which |= PROTO_OPT_CC;
		memcpy(q->cc, o->tcp_cc, sizeof(q->cc));
	}
	q->ids = calloc(r->n, sizeof(*q->ids));
	if (!q->ids)
		return -ENOMEM;
	for (i = 0; i < r->n; i++)
		q->ids[i] = s->conns->v[i].id;
	return 0;
}

/* What must read back as it was set. */
static int verify(const struct run *r, struct side *s, int pace)
{
	const struct opts *o = r->o;
	const struct proto_conn_opts *v;
	unsigned int i;

	for (i = 0; i < r->n; i++) {
		v = &s->opts.v[i];
		if (v->id != s->conns->v[i].id)
			return ctl_fail(s->ctl, -EPROTO, "CONN_SETOPT reply "
					"for connection id %u, expected %u",
					v->id, s->conns->v[i].id);
		if (o->tcp_cc[0] && strcmp(v->cc, o->tcp_cc))
			return ctl_fail(s->ctl, -EIO, "--tcp-cc %s: flow %u "
					"reads back \"%s\"", o->tcp_cc, i,
					v->cc);
		if (pace && o->max_pace && v->max_pace != o->max_pace)
			return ctl_fail(s->ctl, -EIO, "--max-pace: flow %u "
					"reads back %" PRIu64 " bytes/s, not %"
					PRIu64, i, v->max_pace, o->max_pace);
	}
	return 0;
}

static int side_apply(struct run *r, struct side *s, int pace)
{
	struct proto_setopt_req q;
	struct proto_hdr h;
	struct proto_wr w;
	uint32_t id;
	int ret;

	ret = build_req(r, s, pace, &q);
	if (ret < 0)
		return ret;
	id = ctl_begin(s->ctl, &w);
	proto_enc_setopt_req(&w, id, &q);
	proto_setopt_req_free(&q);
	ret = ctl_call(s->ctl, &w, id, &h, CALL_TIMEOUT_MS);
	if (ret < 0)
		return ret;
	if (proto_dec_opts_list(s->ctl->rx, h.len, &s->opts) < 0 ||
	    s->opts.n != r->n)
		return ctl_fail(s->ctl, -EBADMSG,
				"malformed CONN_SETOPT reply");
	return verify(r, s, pace);
}

int settings_apply(struct run *r)
{
	/* A stream test's data flows one way: only its sender is paced. */
	int rr = r->o->type == KPERF_RR || r->o->bidir;
	int ret = side_apply(r, &r->src, 1);

	return ret ? ret : side_apply(r, &r->dst, rr);
}
