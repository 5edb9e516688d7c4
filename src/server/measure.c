// SPDX-License-Identifier: MIT
/* measure - the life of one test inside a session. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/mman.h>
#include <time.h>

#include "common/clock.h"
#include "common/cpustat.h"
#include "common/log.h"
#include "common/pattern.h"
#include "common/taskstat.h"
#include "server/session.h"
#include "server/tcpstat.h"
#include "server/measure_priv.h"
#include "server/measure.h"
#include "server/rr.h"
#include "server/uring.h"
#include "server/xfer.h"

#define DRAIN_MAX_MS		3000	/* wait for the peer's acks, at most */
#define DRAIN_POLL_MS		2
/*
 * A worker acknowledges a command at its next wake-up; io_uring shutdown
 * and MSG_ZEROCOPY completions can hold it a second or more, and a loaded
 * machine (sanitizer builds, CI) more: a hang guard, below the client's
 * 10 s wait for the replies that follow.
 */
#define ACK_TIMEOUT_MS		6000
#define CPU_SAMPLE_MS		10	/* where unpinned workers run */
/* Buffers a client may have one session touch: a test asking more fails. */
#define TEST_BUF_MAX		(1ull << 30)

static void measure_free(struct session *s)
{
	struct measure *t = s->test;
	unsigned int i;

	if (!t)
		return;
	for (i = 0; t->flows && i < t->req.n; i++) {
		struct flow *f = &t->flows[i].f;
		struct conn *c = conn_get(&s->conns, f->conn_id);

		if (c && c->in_test) {
			c->in_test = 0;
			c->tx_off = f->x.tx_off;
			c->rx_off = f->x.rx_off;
		}
		xfer_disarm(f);
		if (t->req.type == PROTO_TEST_RR)
			rr_disarm(f);
	}
	for (i = 0; t->tws && i < t->n_tws; i++) {
		struct worker *w = t->tws[i].w;

		wrk_disarm(w);
		free(t->tws[i].cpu_hits);
		free(w->flows);
		w->flows = NULL;
		w->n_flows = 0;
		if (w->buf)
			munmap(w->buf, w->buf_len);
		w->buf = NULL;
	}
	cpustat_free(&t->cpu0);
	cpustat_free(&t->cpu1);
	pat_fini(&t->pat);
	free(t->flows);
	free(t->tws);
	free(t->ws);
	proto_test_req_free(&t->req);
	free(t);
	s->test = NULL;
}

static struct measure_worker *measure_worker_of(struct measure *t, struct worker *w)
{
	unsigned int i;

	for (i = 0; i < t->n_tws; i++)
		if (t->tws[i].w == w)
			return &t->tws[i];
	t->tws[t->n_tws].w = w;
	t->ws[t->n_tws] = w;
	return &t->tws[t->n_tws++];
}

/* Check every id of the request against the session's own tables. */
static int measure_bind(struct session *s, struct measure *t, char *err,
		     size_t errlen)
{
	unsigned int i;

	for (i = 0; i < t->req.n; i++) {
		const struct proto_test_flow *rf = &t->req.flows[i];
		struct conn *c = conn_get(&s->conns, rf->conn_id);
		struct measure_flow *tf = &t->flows[i];

		if (!c) {
			snprintf(err, errlen, "flow %u: connection id %u "
				 "does not exist", i, rf->conn_id);
			return -ENOENT;
		}
		if (c->in_test) {
			snprintf(err, errlen, "flow %u: connection id %u is "
				 "listed twice", i, rf->conn_id);
			return -EINVAL;
		}
		if (rf->worker_id >= s->n_workers) {
			snprintf(err, errlen, "flow %u: worker id %u does not "
				 "exist", i, rf->worker_id);
			return -ENOENT;
		}
		c->in_test = 1;
		tf->f.x.tx_off = c->tx_off;
		tf->f.x.rx_off = c->rx_off;
		tf->f.fd = c->fd;
		tf->f.conn_id = rf->conn_id;
		tf->f.role = rf->role;
		tf->w = s->workers[rf->worker_id];
		measure_worker_of(t, tf->w)->n_flows++;
		t->n_send += rf->role != PROTO_ROLE_PASSIVE;
		t->n_recv += rf->role != PROTO_ROLE_ACTIVE;
		t->n_both += rf->role == PROTO_ROLE_BOTH;
	}
	return 0;
}

/* Give every worker its flows and a buffer; nothing is allocated later. */
static size_t max_sz(size_t a, size_t b)
{
	return a > b ? a : b;
}

/* The data path of a flow: test type by role (BOTH: stream only). */
static const struct flow_ops *flow_ops_of(uint16_t type, uint8_t role)
{
	if (type == PROTO_TEST_RR)
		return role == PROTO_ROLE_ACTIVE ? &rr_active_ops :
						   &rr_passive_ops;
	switch (role) {
	case PROTO_ROLE_ACTIVE:
		return &stream_send_ops;
	case PROTO_ROLE_BOTH:
		return &stream_both_ops;
	default:
		return &stream_recv_ops;
	}
}

/* One buffer per worker; RR reads what is there, so at least 64 KiB. */
static size_t buf_len(const struct measure *t)
{
	return max_sz(max_sz(t->params.read_size, t->params.write_size),
		      max_sz(max_sz(t->params.req_size, t->params.resp_size),
			     65536));
}

/* Bytes of buffers the test needs: workers', io_uring's, the payload. */
static uint64_t measure_mem(const struct measure *t)
{
	uint64_t per_worker = buf_len(t);

	if (t->params.engine == PROTO_ENGINE_IO_URING)
		per_worker += (uint64_t)URING_NBUFS *
			      (buf_len(t) < URING_BUF_MAX ? buf_len(t) :
							    URING_BUF_MAX);
	return per_worker * t->n_tws + PAT_PERIOD + buf_len(t);
}

static int measure_arm_workers(struct measure *t, char *err, size_t errlen)
{
	size_t len = buf_len(t);
	const char *what = NULL;
	unsigned int i, j;
	int ret;

	ret = pat_init(&t->pat, len);
	if (ret < 0)
		return ret;
	t->params.pat = &t->pat;
	for (i = 0; i < t->n_tws; i++) {
		struct worker *w = t->tws[i].w;

		w->flows = calloc(t->tws[i].n_flows, sizeof(*w->flows));
		if (!w->flows)
			return -ENOMEM;
		w->n_flows = 0;
		w->buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (w->buf == MAP_FAILED) {
			w->buf = NULL;
			return -ENOMEM;
		}
		w->buf_len = len;
		if (w->cpu_pinned < 0) {
			t->tws[i].cpu_hits = calloc(t->ncpus,
						    sizeof(uint32_t));
			if (!t->tws[i].cpu_hits)
				return -ENOMEM;
		}
		/* Touch every page now, not inside the measured window. */
		memset(w->buf, 0xa5, len);
		w->params = &t->params;
	}
	for (j = 0; j < t->req.n; j++) {
		struct worker *w = t->flows[j].w;
		struct flow *f = &t->flows[j].f;

		f->ops = flow_ops_of(t->req.type, f->role);
		if (t->req.type == PROTO_TEST_RR) {
			ret = rr_arm(f, &t->params);
			if (ret < 0)
				return ret;
		}
		ret = xfer_arm(f, &t->params, &what);
		if (ret < 0) {
			snprintf(err, errlen, "flow %u: %s: %s", j, what,
				 strerror(-ret));
			return ret;
		}
		w->flows[w->n_flows++] = f;
	}
	/*
	 * Whole blocks where the receiver blocks in its own recv (a BOTH
	 * flow waits in epoll, for either direction).
	 */
	for (j = 0; t->params.waitall && j < t->req.n; j++) {
		struct worker *w = t->flows[j].w;
		struct flow *f = &t->flows[j].f;

		if (f->role != PROTO_ROLE_PASSIVE ||
		    !wrk_blocks(&t->params, w->flows, w->n_flows))
			continue;
		ret = xfer_arm_waitall(f, &t->params, &what);
		if (ret < 0) {
			snprintf(err, errlen, "flow %u: %s: %s", j, what,
				 strerror(-ret));
			return ret;
		}
	}
	/* Each worker's engine for this test, once it has all its flows. */
	for (i = 0; i < t->n_tws; i++) {
		ret = wrk_arm(t->tws[i].w, &t->params, err, errlen);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/*
 * A worker's CPU time in ns from its thread CPU clock: /proc counts in
 * ticks of 10 ms, too coarse for short tests.
 */
static uint64_t thread_cpu_ns(const struct worker *w)
{
	struct timespec ts;
	clockid_t cid;

	if (pthread_getcpuclockid(w->thread, &cid) ||
	    clock_gettime(cid, &ts))
		return 0;
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

/* Counters, CPU time and TCP_INFO from now on count. */
static void measure_begin_window(struct measure *t, uint64_t now)
{
	unsigned int i;

	for (i = 0; i < t->req.n; i++)
		tcpstat_read(t->flows[i].f.fd, &t->flows[i].ti0);
	for (i = 0; i < t->n_tws; i++) {
		taskstat_read(t->tws[i].w->tid, &t->tws[i].ts0);
		t->tws[i].cpu_ns0 = thread_cpu_ns(t->tws[i].w);
	}
	cpustat_free(&t->cpu0);
	cpustat_read(&t->cpu0);
	t->t0_ns = now;
	t->window_end_ns = now + t->req.duration_ms * NSEC_PER_MSEC;
	t->next_sample_ns = t->req.interval_ms ?
		now + t->req.interval_ms * NSEC_PER_MSEC : UINT64_MAX;
	if (t->next_cpu_sample_ns != UINT64_MAX)
		t->next_cpu_sample_ns = now;
	t->state = TS_RUNNING;
}

int measure_start(struct session *s, uint32_t id, struct proto_test_req *req,
	       char *err, size_t errlen)
{
	struct measure *t;
	unsigned int i;
	uint64_t now;
	int ret;

	if (s->test) {
		snprintf(err, errlen, "a test is already running");
		proto_test_req_free(req);
		return -EBUSY;
	}
	t = calloc(1, sizeof(*t));
	if (!t) {
		proto_test_req_free(req);
		return -ENOMEM;
	}
	s->test = t;
	t->id = id;
	t->req = *req;
	memset(req, 0, sizeof(*req));
	t->ncpus = s->host.ncpus;
	t->params = (struct wrk_params){
		.read_size = t->req.read_size,
		.write_size = t->req.write_size,
		.req_size = t->req.req_size,
		.resp_size = t->req.resp_size,
		.depth = t->req.depth,
		.resp_delay_ns = (uint64_t)t->req.resp_delay_us * 1000,
		.timing = !(t->req.flags & PROTO_TEST_F_NO_LATENCY),
		.engine = t->req.engine,
		.rx_mode = t->req.rx_mode,
		.tx_mode = t->req.tx_mode,
		.validate = !!(t->req.flags & PROTO_TEST_F_VALIDATE),
		/* The decoder allows it only in stream tests. */
		.waitall = !!(t->req.flags & PROTO_TEST_F_WAITALL),
	};
	t->flows = calloc(t->req.n, sizeof(*t->flows));
	t->tws = calloc(t->req.n, sizeof(*t->tws));
	t->ws = calloc(t->req.n, sizeof(*t->ws));
	ret = -ENOMEM;
	if (!t->flows || !t->tws || !t->ws)
		goto fail;
	ret = measure_bind(s, t, err, errlen);
	if (ret < 0)
		goto fail;
	if (measure_mem(t) > TEST_BUF_MAX) {
		snprintf(err, errlen, "%u workers with %zu-byte buffers exceed "
			 "this session's limit of %llu MiB", t->n_tws,
			 buf_len(t), TEST_BUF_MAX >> 20);
		ret = -ENOMEM;
		goto fail;
	}
	if (t->params.engine == PROTO_ENGINE_IO_URING) {
		ret = uring_probe(&t->params, err, errlen);
		if (ret < 0)
			goto fail;
	}
	err[0] = '\0';
	ret = measure_arm_workers(t, err, errlen);
	if (ret < 0 && err[0])
		goto fail;
	if (ret < 0)
		goto fail_msg;
	t->next_cpu_sample_ns = UINT64_MAX;
	for (i = 0; i < t->n_tws; i++)
		if (t->tws[i].cpu_hits)
			t->next_cpu_sample_ns = 0;
	now = clock_now_ns();
	measure_begin_window(t, now);
	if (t->req.warmup_ms) {
		t->state = TS_WARMUP;
		t->warmup_end_ns = now + t->req.warmup_ms * NSEC_PER_MSEC;
	}
	for (i = 0; i < t->n_tws; i++)
		wrk_post(t->ws[i], WCMD_RUN);
	ret = sess_wait_acks(s, t->ws, t->n_tws, ACK_TIMEOUT_MS);
	if (ret < 0) {
		snprintf(err, errlen, "workers did not start the test");
		measure_abort(s);
		return ret;
	}
	return 0;

fail_msg:
	snprintf(err, errlen, "cannot prepare the test: %s", strerror(-ret));
fail:
	measure_free(s);
	return ret;
}

static void measure_end_window(struct measure *t, uint64_t now)
{
	unsigned int i;

	if (t->window_done)
		return;
	t->window_done = 1;
	cpustat_read(&t->cpu1);
	for (i = 0; i < t->n_tws; i++) {
		taskstat_read(t->tws[i].w->tid, &t->tws[i].ts1);
		t->tws[i].cpu_ns1 = thread_cpu_ns(t->tws[i].w);
	}
	t->window_ns = now - t->t0_ns;
}

static void sample_worker_cpus(struct measure *t)
{
	struct taskstat ts;
	unsigned int i;

	for (i = 0; i < t->n_tws; i++) {
		struct measure_worker *tw = &t->tws[i];

		if (tw->cpu_hits && !taskstat_read(tw->w->tid, &ts) &&
		    ts.cpu_last >= 0 && (unsigned int)ts.cpu_last < t->ncpus)
			tw->cpu_hits[ts.cpu_last]++;
	}
}

/*
 * Stream: every byte handed to the kernel (an io_uring send completes
 * later) and acknowledged; RR: every request answered.
 */
static int drained(const struct measure *t)
{
	unsigned int i;

	for (i = 0; i < t->req.n; i++) {
		const struct flow *f = &t->flows[i].f;

		if (f->role == PROTO_ROLE_PASSIVE || f->err)
			continue;
		if (t->req.type == PROTO_TEST_RR ? !flow_read(&f->idle) :
		    !xfer_tx_idle(f) || tcpstat_unacked(f->fd) > 0)
			return 0;
	}
	return 1;
}

static void measure_finish(struct session *s)
{
	struct measure *t = s->test;
	unsigned int i;

	measure_end_window(t, clock_now_ns());
	for (i = 0; i < t->n_tws; i++)
		wrk_post(t->ws[i], WCMD_STOP);
	if (sess_wait_acks(s, t->ws, t->n_tws, ACK_TIMEOUT_MS) < 0) {
		sess_error(s, t->id, ETIMEDOUT, "workers did not stop");
		s->quit = 1;
	} else {
		measure_send_report(s, t);
	}
	measure_free(s);
}

void measure_on_timer(struct session *s, uint64_t now)
{
	struct measure *t = s->test;
	unsigned int i;

	if (!t)
		return;
	if (t->state == TS_WARMUP && now >= t->warmup_end_ns) {
		for (i = 0; i < t->n_tws; i++)
			wrk_post(t->ws[i], WCMD_RESET);
		if (sess_wait_acks(s, t->ws, t->n_tws, ACK_TIMEOUT_MS) < 0) {
			sess_error(s, t->id, ETIMEDOUT, "workers did not reset");
			s->quit = 1;
			return;
		}
		measure_begin_window(t, clock_now_ns());
	}
	if (t->state == TS_RUNNING && now >= t->next_cpu_sample_ns) {
		sample_worker_cpus(t);
		t->next_cpu_sample_ns = now + CPU_SAMPLE_MS * NSEC_PER_MSEC;
	}
	if (t->state == TS_RUNNING && now >= t->next_sample_ns &&
	    now < t->window_end_ns) {
		measure_send_sample(s, t, now);
		t->next_sample_ns += t->req.interval_ms * NSEC_PER_MSEC;
	}
	if (t->state == TS_RUNNING && now >= t->window_end_ns) {
		/* The last interval ends with the window: report it too. */
		if (t->next_sample_ns <= t->window_end_ns)
			measure_send_sample(s, t, now);
		if (t->n_send) {
			for (i = 0; i < t->n_tws; i++)
				wrk_post(t->ws[i], WCMD_STOP_TX);
		}
		measure_end_window(t, now);
		if (t->n_send && sess_wait_acks(s, t->ws, t->n_tws,
						ACK_TIMEOUT_MS) < 0) {
			sess_error(s, t->id, ETIMEDOUT, "workers did not stop");
			s->quit = 1;
			return;
		}
		t->state = TS_DRAINING;
		t->drain_end_ns = now + DRAIN_MAX_MS * NSEC_PER_MSEC;
	}
	if (t->state == TS_DRAINING &&
	    (drained(t) || now >= t->drain_end_ns)) {
		if (now >= t->drain_end_ns)
			log_warn("test %u: peer did not acknowledge all data "
				 "within %d ms", t->id, DRAIN_MAX_MS);
		t->state = TS_WAIT_STOP;
		/*
		 * Where purely active flows would report, BOTH flows say they
		 * are done sending and go on reading until TEST_STOP: the
		 * client stops both ends once both have said so.
		 */
		if (t->n_both)
			measure_send_tx_done(s, t);
	}
	if (t->state == TS_WAIT_STOP && (!t->n_recv || t->stop_requested))
		measure_finish(s);
}

void measure_stop(struct session *s)
{
	struct measure *t = s->test;

	if (!t)
		return;
	t->stop_requested = 1;
	if (t->state == TS_WARMUP)
		measure_begin_window(t, clock_now_ns());
	if (t->state == TS_RUNNING)
		t->window_end_ns = clock_now_ns();
	measure_on_timer(s, clock_now_ns());
}

uint64_t measure_next_deadline(const struct session *s)
{
	const struct measure *t = s->test;

	if (!t)
		return UINT64_MAX;
	switch (t->state) {
	case TS_WARMUP:
		return t->warmup_end_ns;
	case TS_RUNNING: {
		uint64_t next = t->window_end_ns;

		if (t->next_sample_ns < next)
			next = t->next_sample_ns;
		if (t->next_cpu_sample_ns < next)
			next = t->next_cpu_sample_ns;
		return next;
	}
	case TS_DRAINING:
		return clock_now_ns() + DRAIN_POLL_MS * NSEC_PER_MSEC;
	default:
		return UINT64_MAX;
	}
}

void measure_abort(struct session *s)
{
	struct measure *t = s->test;
	unsigned int i;

	if (!t)
		return;
	for (i = 0; i < t->n_tws; i++)
		wrk_post(t->ws[i], WCMD_STOP);
	sess_wait_acks(s, t->ws, t->n_tws, ACK_TIMEOUT_MS);
	measure_free(s);
}
