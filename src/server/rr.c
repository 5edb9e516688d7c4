// SPDX-License-Identifier: MIT
/*
 * rr - request/response traffic.  The active end keeps up to depth
 * requests of req_size bytes in flight and times each one, from the send
 * call that hands its first byte to the kernel to the read that completes
 * its response (CLOCK_MONOTONIC, one clock read per wake-up).  The passive
 * end answers every complete request with resp_size bytes, after
 * resp_delay when one is set: the worker sleeps on a timer until 300 us
 * before the answer is due, then busy-polls (timer wake-ups overshoot by
 * 50-150 us on VMs), so answers leave within a few us of the due time.
 * Messages are counted in bytes: no headers.
 */
#include <errno.h>
#include <stdlib.h>

#include "common/clock.h"
#include "common/hist.h"
#include "proto/proto.h"
#include "server/flow.h"
#include "server/rr.h"
#include "server/worker.h"
#include "server/xfer.h"

/* A flow's request/response state (f->traffic), from rr_arm to rr_disarm. */
struct rr_flow {
	uint32_t inflight;	/* active: requests started, unanswered */
	uint32_t owed;		/* passive: requests complete, unanswered */
	uint64_t unsent;	/* bytes of started messages not yet sent */
	uint64_t rx_msg_bytes;	/* bytes of the message being read */
	uint32_t head, tail;	/* t_sent positions (mod depth) */
	uint64_t next_due_ns;	/* passive with a delay: next answer, 0 none */
	struct hist *hist;	/* active: latency of every transaction */
	/*
	 * depth entries where they are used (else none): active and timed:
	 * send times; passive with a delay: due times.
	 */
	uint64_t t_sent[];
};

int rr_arm(struct flow *f, const struct wrk_params *p)
{
	int active = f->role == PROTO_ROLE_ACTIVE;
	size_t ring = (active ? p->timing : p->resp_delay_ns > 0) ?
		      p->depth : 0;
	struct rr_flow *r;

	r = calloc(1, sizeof(*r) + ring * sizeof(r->t_sent[0]));
	if (!r)
		return -ENOMEM;
	f->traffic = r;
	if (active && p->timing) {
		r->hist = hist_new();
		if (!r->hist)
			return -ENOMEM;
	}
	return 0;
}

void rr_disarm(struct flow *f)
{
	struct rr_flow *r = f->traffic;

	if (!r)
		return;
	hist_free(r->hist);
	free(r);
	f->traffic = NULL;
}

struct hist *rr_hist(const struct flow *f)
{
	const struct rr_flow *r = f->traffic;

	return r ? r->hist : NULL;
}

/* Hand up to `unsent` bytes to the kernel; 0, or -1 when it is full. */
static int send_pending(struct worker *w, struct flow *f, uint64_t *unsent)
{
	size_t len = *unsent < w->buf_len ? (size_t)*unsent : w->buf_len;
	ssize_t n;

	while (*unsent) {
		n = xfer_send(w, f, len);
		if (n < 0) {
			/* EINTR: a command; the worker comes back after it. */
			if (n != -EAGAIN && n != -EINTR)
				flow_fail(w, f, (int)-n);
			return -1;
		}
		*unsent -= (uint64_t)n;
		flow_publish(&f->tx_bytes, f->tx_bytes + (uint64_t)n);
		if ((size_t)n < len)
			return -1;
		len = *unsent < w->buf_len ? (size_t)*unsent : w->buf_len;
	}
	return 0;
}

/* Read what is there; return the bytes read, 0 if none, -1 on EOF/error. */
static ssize_t recv_avail(struct worker *w, struct flow *f)
{
	ssize_t n = xfer_recv(w, f, w->buf_len);

	if (n > 0) {
		flow_publish(&f->rx_bytes, f->rx_bytes + (uint64_t)n);
		return n;
	}
	if (n == -EAGAIN || n == -EINTR)
		return 0;
	/* The peer never closes inside a test: EOF means it went away. */
	flow_fail(w, f, n == 0 ? ECONNRESET : (int)-n);
	return -1;
}

/* ---- active end: requests out, responses in ---- */

static void active_send(struct worker *w, struct flow *f, uint64_t now)
{
	const struct wrk_params *p = &w->p;
	struct rr_flow *r = f->traffic;
	uint32_t k = 0;

	if (!f->stopping && r->inflight < p->depth) {
		k = p->depth - r->inflight;
		r->inflight += k;
		r->unsent += (uint64_t)k * p->req_size;
		if (p->timing)
			for (; k; k--)
				r->t_sent[r->head++ % p->depth] = now;
	}
	if (send_pending(w, f, &r->unsent) < 0 && !f->err)
		flow_watch(w, f, IO_EV_IN | IO_EV_OUT);
	else if (!f->err)
		flow_watch(w, f, IO_EV_IN);
}

static void active_complete(struct worker *w, struct flow *f, uint32_t k,
			    uint64_t now)
{
	const struct wrk_params *p = &w->p;
	struct rr_flow *r = f->traffic;

	if (k > r->inflight) {
		/* More responses than requests: the peer is not kperf. */
		flow_fail(w, f, EPROTO);
		return;
	}
	r->inflight -= k;
	flow_publish(&f->transactions, f->transactions + k);
	flow_publish(&f->t_last_ns, now);
	if (p->timing)
		for (; k; k--)
			hist_record(r->hist, now - r->t_sent[r->tail++ %
							      p->depth]);
	if (f->stopping && !r->inflight && !r->unsent)
		flow_publish(&f->idle, 1);
}

static void active_io(struct worker *w, struct flow *f, unsigned int ev)
{
	const struct wrk_params *p = &w->p;
	struct rr_flow *r = f->traffic;
	uint64_t now = 0;
	ssize_t n = 0;
	int i;

	for (i = 0; i < w->budget && (ev & (IO_EV_IN | IO_EV_ERR)); i++) {
		n = recv_avail(w, f);
		if (n <= 0)
			break;
		r->rx_msg_bytes += (uint64_t)n;
		if (r->rx_msg_bytes >= p->resp_size) {
			now = clock_now_ns();
			active_complete(w, f, (uint32_t)(r->rx_msg_bytes /
							 p->resp_size), now);
			r->rx_msg_bytes %= p->resp_size;
		}
		if (f->err || (size_t)n < w->buf_len)
			break;
	}
	if (f->err)
		return;
	if (!now && (ev & IO_EV_OUT))
		now = clock_now_ns();
	if (now)
		active_send(w, f, now);
}

static void active_start(struct worker *w, struct flow *f, uint64_t now)
{
	flow_publish(&f->t_first_ns, now);
	flow_watch(w, f, IO_EV_IN);
	active_send(w, f, now);
}

static void active_stop_tx(struct worker *w, struct flow *f, uint64_t now)
{
	const struct rr_flow *r = f->traffic;

	if (!r->inflight && !r->unsent)
		flow_publish(&f->idle, 1);
}

static void rr_stop(struct worker *w, struct flow *f)
{
}

/* The warm-up's latencies do not count. */
static void active_reset(struct worker *w, struct flow *f)
{
	struct rr_flow *r = f->traffic;

	if (r->hist)
		hist_reset(r->hist);
}

const struct flow_ops rr_active_ops = {
	.start = active_start,
	.io = active_io,
	.stop_tx = active_stop_tx,
	.stop = rr_stop,
	.reset = active_reset,
};

/* ---- passive end: requests in, responses out ---- */

/* Start the responses that are due (all of them without a delay). */
static void passive_answer(struct worker *w, struct flow *f, uint64_t now)
{
	const struct wrk_params *p = &w->p;
	struct rr_flow *r = f->traffic;
	uint32_t k = 0;

	if (!p->resp_delay_ns) {
		k = r->owed;
	} else {
		while (k < r->owed &&
		       r->t_sent[(r->tail + k) % p->depth] <= now)
			k++;
		r->tail += k;
		r->next_due_ns = k < r->owed ?
			r->t_sent[r->tail % p->depth] : 0;
	}
	r->owed -= k;
	r->unsent += (uint64_t)k * p->resp_size;
	if (k) {
		if (!f->t_first_ns)
			flow_publish(&f->t_first_ns, now ? now : clock_now_ns());
		flow_publish(&f->t_last_ns, now ? now : clock_now_ns());
	}
	flow_publish(&f->transactions, f->transactions + k);
	if (send_pending(w, f, &r->unsent) < 0 && !f->err)
		flow_watch(w, f, IO_EV_IN | IO_EV_OUT);
	else if (!f->err)
		flow_watch(w, f, IO_EV_IN);
}

static void passive_io(struct worker *w, struct flow *f, unsigned int ev)
{
	const struct wrk_params *p = &w->p;
	struct rr_flow *r = f->traffic;
	uint64_t now = 0;
	uint32_t k;
	ssize_t n;
	int i;

	for (i = 0; i < w->budget && (ev & (IO_EV_IN | IO_EV_ERR)); i++) {
		n = recv_avail(w, f);
		if (n <= 0)
			break;
		r->rx_msg_bytes += (uint64_t)n;
		k = (uint32_t)(r->rx_msg_bytes / p->req_size);
		r->rx_msg_bytes %= p->req_size;
		if (k)
			now = clock_now_ns();
		if (p->resp_delay_ns) {
			if (r->owed + k > p->depth) {
				/* Deeper than agreed: the peer is not kperf. */
				flow_fail(w, f, EPROTO);
				return;
			}
			if (!r->owed)
				r->next_due_ns = now + p->resp_delay_ns;
			for (; k; k--, r->owed++)
				r->t_sent[r->head++ % p->depth] =
					now + p->resp_delay_ns;
		} else {
			r->owed += k;
		}
		if ((size_t)n < w->buf_len)
			break;
	}
	if (f->err)
		return;
	if (r->owed || r->unsent || (ev & IO_EV_OUT)) {
		if (p->resp_delay_ns && !now)
			now = clock_now_ns();
		passive_answer(w, f, now);
	}
}

static void passive_start(struct worker *w, struct flow *f, uint64_t now)
{
	flow_watch(w, f, IO_EV_IN);
}

static void passive_stop_tx(struct worker *w, struct flow *f, uint64_t now)
{
}

/*
 * Delayed responses: answer those due by now; the next due time, or 0.
 * Through the table, as the worker calls io: a direct call here would
 * make the compiler stop inlining passive_answer into passive_io.
 */
static uint64_t passive_timer(struct worker *w, struct flow *f, uint64_t now)
{
	const struct rr_flow *r = f->traffic;

	if (r->next_due_ns && r->next_due_ns <= now)
		f->ops->io(w, f, 0);
	return r->next_due_ns;
}

const struct flow_ops rr_passive_ops = {
	.start = passive_start,
	.io = passive_io,
	.stop_tx = passive_stop_tx,
	.stop = rr_stop,
	.timer = passive_timer,
};
