// SPDX-License-Identifier: MIT
/*
 * proto_measure - encoder and decoder of the test messages of the kperf
 * control protocol: TEST_START, TEST_RESULT and SAMPLE, and the frees of
 * what their decoders allocate.  Same conventions as proto.c; the byte
 * order and the layout cursor are in proto_wire.h.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/proto.h"
#include "proto/proto_wire.h"

/* ---- validity beyond single fields ---- */

static bool test_req_ok(const struct proto_test_req *m)
{
	bool stream = m->type == PROTO_TEST_STREAM;
	bool rr = m->type == PROTO_TEST_RR;

	if (!stream && !rr)
		return false;
	if (!in_range(m->duration_ms, 1, PROTO_MAX_DURATION_MS) ||
	    m->warmup_ms > PROTO_MAX_DURATION_MS)
		return false;
	if (m->interval_ms && !in_range(m->interval_ms, TEST_INTERVAL_MIN_MS,
					PROTO_MAX_DURATION_MS))
		return false;
	/* Sizes the test type does not use may be 0, never absurd. */
	if (!in_range(m->read_size, stream, PROTO_MAX_IO_SIZE) ||
	    !in_range(m->write_size, stream, PROTO_MAX_IO_SIZE) ||
	    !in_range(m->req_size, rr, PROTO_MAX_IO_SIZE) ||
	    !in_range(m->resp_size, rr, PROTO_MAX_IO_SIZE))
		return false;
	if (rr && !in_range(m->depth, 1, TEST_DEPTH_MAX))
		return false;
	if (m->engine > PROTO_ENGINE_IO_URING ||
	    m->rx_mode > PROTO_RX_ZEROCOPY || m->tx_mode > PROTO_TX_ZEROCOPY)
		return false;
	/* Bytes discarded in the kernel cannot be checked. */
	if (m->rx_mode == PROTO_RX_TRUNC && (m->flags & PROTO_TEST_F_VALIDATE))
		return false;
	/* Whole-block reads: a stream receiver that reads with recv(). */
	if ((m->flags & PROTO_TEST_F_WAITALL) &&
	    (!stream || m->rx_mode == PROTO_RX_ZEROCOPY ||
	     m->engine == PROTO_ENGINE_IO_URING))
		return false;
	if ((m->flags & ~PROTO_TEST_F_ALL) ||
	    m->resp_delay_us > PROTO_MAX_RESP_DELAY_US)
		return false;
	return in_range(m->n, 1, PROTO_MAX_CONNS);
}

/* ---- layouts: every field once, in wire order, then its checks ---- */

static bool x_test_req(struct cur *c, void *p)
{
	struct proto_test_req *m = p;

	x_u16(c, &m->type);
	x_u8(c, &m->engine);
	x_u8(c, &m->rx_mode);
	x_u32(c, &m->duration_ms);
	x_u32(c, &m->warmup_ms);
	x_u32(c, &m->interval_ms);
	x_u32(c, &m->read_size);
	x_u32(c, &m->write_size);
	x_u32(c, &m->req_size);
	x_u32(c, &m->resp_size);
	x_u32(c, &m->depth);
	x_u32(c, &m->n);
	x_u32(c, &m->resp_delay_us);
	x_u16(c, &m->flags);
	x_u8(c, &m->tx_mode);
	x_pad(c, 1);
	return test_req_ok(m);
}

static bool x_test_flow(struct cur *c, void *p)
{
	struct proto_test_flow *f = p;

	x_u32(c, &f->conn_id);
	x_u32(c, &f->worker_id);
	x_u8(c, &f->role);
	x_pad(c, 3);
	return in_range(f->role, PROTO_ROLE_ACTIVE, PROTO_ROLE_BOTH);
}

/*
 * A flow's role against the test type, which its layout function cannot
 * see: BOTH only in a stream test (an RR flow sends and reads anyway; its
 * role says which end asks).
 */
static bool roles_ok(const struct proto_test_req *m)
{
	uint32_t i;

	for (i = 0; m->type != PROTO_TEST_STREAM && i < m->n; i++)
		if (m->flows[i].role == PROTO_ROLE_BOTH)
			return false;
	return true;
}

static bool x_result(struct cur *c, void *p)
{
	struct proto_result *m = p;

	x_u64(c, &m->window_ns);
	x_u32(c, &m->n_flows);
	x_u32(c, &m->n_cpus);
	x_u32(c, &m->n_workers);
	x_pad(c, 4);
	return m->n_flows <= PROTO_MAX_CONNS && m->n_cpus <= PROTO_MAX_CPUS &&
	       m->n_workers <= PROTO_MAX_CONNS;
}

static bool x_flow_res(struct cur *c, void *p)
{
	struct proto_flow_res *f = p;

	x_u32(c, &f->conn_id);
	x_i32(c, &f->rx_cpu_end);
	x_u32(c, &f->napi_id_end);
	x_pad(c, 4);
	x_u64(c, &f->tx_bytes);
	x_u64(c, &f->rx_bytes);
	x_u64(c, &f->xfer_ns);
	x_u64(c, &f->transactions);
	x_u32(c, &f->tcp.retrans);
	x_u32(c, &f->tcp.reord_seen);
	x_u32(c, &f->tcp.rtt_us);
	x_u32(c, &f->tcp.rttvar_us);
	x_u32(c, &f->tcp.delivered_ce);
	x_u32(c, &f->tcp.snd_wnd);
	x_u32(c, &f->tcp.snd_cwnd);
	x_pad(c, 4);
	x_u64(c, &f->tcp.bytes_acked);
	x_u64(c, &f->tcp.bytes_received);
	x_u64(c, &f->xfer.checked);
	x_u64(c, &f->xfer.mismatches);
	x_u64(c, &f->xfer.first_bad);
	x_u64(c, &f->xfer.zc_sends);
	x_u64(c, &f->xfer.zc_copied);
	x_u64(c, &f->xfer.zrx_mapped);
	x_u64(c, &f->xfer.zrx_copied);
	return cpu_ok(f->rx_cpu_end) && f->xfer.mismatches <= f->xfer.checked &&
	       f->xfer.zc_copied <= f->xfer.zc_sends;
}

/* A new CPU state is a new wire layout, not just a new field here. */
_Static_assert(sizeof(struct cpustat_time) == 7 * 8, "cpu res states");

static bool x_cpu_res(struct cur *c, void *p)
{
	struct proto_cpu_res *r = p;

	x_u32(c, &r->cpu);
	x_pad(c, 4);
	x_u64(c, &r->user);
	x_u64(c, &r->system);
	x_u64(c, &r->irq);
	x_u64(c, &r->softirq);
	x_u64(c, &r->iowait);
	x_u64(c, &r->idle);
	x_u64(c, &r->steal);
	return r->cpu < PROTO_MAX_CPUS;
}

static bool x_worker_res(struct cur *c, void *p)
{
	struct proto_worker_res *r = p;

	x_u32(c, &r->worker_id);
	x_u32(c, &r->tid);
	x_i32(c, &r->cpu_pinned);
	x_i32(c, &r->cpu_last);
	x_u64(c, &r->utime_ns);
	x_u64(c, &r->stime_ns);
	return cpu_ok(r->cpu_pinned) && cpu_ok(r->cpu_last);
}

static bool x_sample(struct cur *c, void *p)
{
	struct proto_sample *m = p;

	x_u64(c, &m->t_ns);
	x_u32(c, &m->n);
	x_pad(c, 4);
	return m->n <= PROTO_MAX_CONNS;
}

static bool x_sample_flow(struct cur *c, void *p)
{
	struct proto_sample_flow *f = p;

	x_u32(c, &f->conn_id);
	x_pad(c, 4);
	x_u64(c, &f->tx_bytes);
	x_u64(c, &f->rx_bytes);
	return true;
}

static bool x_hist(struct cur *c, void *p)
{
	struct proto_hist *m = p;

	x_u32(c, &m->conn_id);
	x_u32(c, &m->n);
	x_u64(c, &m->count);
	x_u64(c, &m->min);
	x_u64(c, &m->max);
	x_u64(c, &m->sum);
	x_u64(c, &m->sumsq_hi);
	x_u64(c, &m->sumsq_lo);
	return m->n <= PROTO_HIST_MAX_PAIRS && m->min <= m->max &&
	       (m->n || !m->count);
}

static bool x_hist_pair(struct cur *c, void *p)
{
	struct proto_hist_pair *v = p;

	x_u32(c, &v->index);
	x_pad(c, 4);
	x_u64(c, &v->count);
	return v->index < PROTO_HIST_MAX_PAIRS && v->count;
}

/* ---- messages with arrays: see "arrays" in proto_wire.h ---- */

int proto_enc_test_req(struct proto_wr *w, uint32_t id,
		       const struct proto_test_req *m)
{
	size_t len = body_len(PROTO_TEST_FIXED_LEN, m->n, PROTO_TEST_FLOW_LEN);
	struct proto_test_req t = *m;
	struct cur c;
	bool ok;

	if (proto_wr_begin(w, PROTO_T_TEST_START, 0, id, len, &c))
		return w->err;
	ok = x_test_req(&c, &t) &&
	     x_elems(&c, t.flows, t.n, sizeof(*t.flows), x_test_flow) &&
	     roles_ok(&t);
	return proto_wr_end(w, &c, len, ok);
}

int proto_dec_test_req(const uint8_t *b, size_t len,
		       struct proto_test_req *m)
{
	struct cur c = { .rd = true, .r = b };
	int ret = -EBADMSG;

	memset(m, 0, sizeof(*m));
	if (len < PROTO_TEST_FIXED_LEN)
		return -EBADMSG;
	if (x_test_req(&c, m) && !c.bad &&
	    body_len(PROTO_TEST_FIXED_LEN, m->n, PROTO_TEST_FLOW_LEN) == len) {
		ret = 0;
		m->flows = get_elems(&c, m->n, sizeof(*m->flows), x_test_flow,
				     &ret);
		if (!ret && !roles_ok(m))
			ret = -EBADMSG;
	}
	if (ret)
		proto_test_req_free(m);
	return ret;
}

/* Body length of a result from its counts; SIZE_MAX if absurd. */
static size_t result_len(const struct proto_result *m)
{
	size_t len;

	len = body_len(PROTO_RESULT_FIXED_LEN, m->n_flows, PROTO_FLOW_RES_LEN);
	len = body_len(len, m->n_cpus, PROTO_CPU_RES_LEN);
	return body_len(len, m->n_workers, PROTO_WORKER_RES_LEN);
}

int proto_enc_result(struct proto_wr *w, uint32_t id,
		     const struct proto_result *m)
{
	size_t len = result_len(m);
	struct proto_result t = *m;
	struct cur c;
	bool ok;

	if (proto_wr_begin(w, PROTO_T_TEST_RESULT, 0, id, len, &c))
		return w->err;
	ok = x_result(&c, &t) &&
	     x_elems(&c, t.flows, t.n_flows, sizeof(*t.flows), x_flow_res) &&
	     x_elems(&c, t.cpus, t.n_cpus, sizeof(*t.cpus), x_cpu_res) &&
	     x_elems(&c, t.workers, t.n_workers, sizeof(*t.workers),
		     x_worker_res);
	return proto_wr_end(w, &c, len, ok);
}

int proto_dec_result(const uint8_t *b, size_t len, struct proto_result *m)
{
	struct cur c = { .rd = true, .r = b };
	int ret = -EBADMSG;

	memset(m, 0, sizeof(*m));
	if (len < PROTO_RESULT_FIXED_LEN)
		return -EBADMSG;
	if (x_result(&c, m) && !c.bad && result_len(m) == len) {
		ret = 0;
		m->flows = get_elems(&c, m->n_flows, sizeof(*m->flows),
				     x_flow_res, &ret);
		m->cpus = get_elems(&c, m->n_cpus, sizeof(*m->cpus),
				    x_cpu_res, &ret);
		m->workers = get_elems(&c, m->n_workers, sizeof(*m->workers),
				       x_worker_res, &ret);
	}
	if (ret)
		proto_result_free(m);
	return ret;
}

int proto_enc_sample(struct proto_wr *w, uint32_t id,
		     const struct proto_sample *m)
{
	size_t len = body_len(PROTO_SAMPLE_FIXED_LEN, m->n,
			      PROTO_SAMPLE_FLOW_LEN);
	struct proto_sample t = *m;
	struct cur c;
	bool ok;

	if (proto_wr_begin(w, PROTO_T_SAMPLE, 0, id, len, &c))
		return w->err;
	ok = x_sample(&c, &t) &&
	     x_elems(&c, t.v, t.n, sizeof(*t.v), x_sample_flow);
	return proto_wr_end(w, &c, len, ok);
}

int proto_dec_sample(const uint8_t *b, size_t len, struct proto_sample *m)
{
	struct cur c = { .rd = true, .r = b };
	int ret = -EBADMSG;

	memset(m, 0, sizeof(*m));
	if (len < PROTO_SAMPLE_FIXED_LEN)
		return -EBADMSG;
	if (x_sample(&c, m) && !c.bad &&
	    body_len(PROTO_SAMPLE_FIXED_LEN, m->n, PROTO_SAMPLE_FLOW_LEN) ==
	    len) {
		ret = 0;
		m->v = get_elems(&c, m->n, sizeof(*m->v), x_sample_flow, &ret);
	}
	if (ret)
		proto_sample_free(m);
	return ret;
}

int proto_enc_hist(struct proto_wr *w, uint32_t id,
		   const struct proto_hist *m)
{
	size_t len = body_len(PROTO_HIST_FIXED_LEN, m->n, PROTO_HIST_PAIR_LEN);
	struct proto_hist t = *m;
	struct cur c;
	bool ok;

	if (proto_wr_begin(w, PROTO_T_HIST, 0, id, len, &c))
		return w->err;
	ok = x_hist(&c, &t) &&
	     x_elems(&c, t.v, t.n, sizeof(*t.v), x_hist_pair);
	return proto_wr_end(w, &c, len, ok);
}

/* Bucket semantics (order, sums) are hist_import()'s to check. */
int proto_dec_hist(const uint8_t *b, size_t len, struct proto_hist *m)
{
	struct cur c = { .rd = true, .r = b };
	int ret = -EBADMSG;

	memset(m, 0, sizeof(*m));
	if (len < PROTO_HIST_FIXED_LEN)
		return -EBADMSG;
	if (x_hist(&c, m) && !c.bad &&
	    body_len(PROTO_HIST_FIXED_LEN, m->n, PROTO_HIST_PAIR_LEN) == len) {
		ret = 0;
		m->v = get_elems(&c, m->n, sizeof(*m->v), x_hist_pair, &ret);
	}
	if (ret)
		proto_hist_free(m);
	return ret;
}

/* ---- freeing: zeroes the message, so safe on zeroed ones and twice ---- */

void proto_test_req_free(struct proto_test_req *m)
{
	free(m->flows);
	memset(m, 0, sizeof(*m));
}

void proto_result_free(struct proto_result *m)
{
	free(m->flows);
	free(m->cpus);
	free(m->workers);
	memset(m, 0, sizeof(*m));
}

void proto_sample_free(struct proto_sample *m)
{
	free(m->v);
	memset(m, 0, sizeof(*m));
}

void proto_hist_free(struct proto_hist *m)
{
	free(m->v);
	memset(m, 0, sizeof(*m));
}
