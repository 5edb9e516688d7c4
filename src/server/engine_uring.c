// SPDX-License-Identifier: MIT
/* engine_uring - the io_uring engine (see uring.h). */
#include <errno.h>
#include <liburing.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/pattern.h"
#include "proto/proto.h"
#include "server/flow.h"
#include "server/uring.h"
#include "server/worker.h"

/* Linux 6.2 uapi; Debian 12's liburing 2.3 headers predate them. */
#ifndef IORING_SEND_ZC_REPORT_USAGE
#define IORING_SEND_ZC_REPORT_USAGE	(1U << 3)
#endif
#ifndef IORING_NOTIF_USAGE_ZC_COPIED
#define IORING_NOTIF_USAGE_ZC_COPIED	(1U << 31)
#endif

#define UR_ENTRIES	256
#define UR_BGID		1
#define UR_NO_BID	UINT32_MAX	/* a MSG_TRUNC read: no buffer */
#define UR_QUIESCE_MS	1000
/* user_data: a flow pointer (8-aligned) with the request kind below it. */
#define UD_CMD		0		/* the command eventfd poll */
#define UD_RECV		1
#define UD_SEND		2
#define UD_CANCEL	3
#define UD_KIND		7ull

#define UR_RQ		64	/* >= the buffers a worker provides */

/* Every queued receive holds a buffer: a flow's queue never overflows. */
_Static_assert(UR_RQ >= URING_NBUFS, "receive queue per flow");

/*
 * A flow's share of the engine (f->eng): its received buffers in order,
 * how its requests ended, what it sent and has yet to take.  Whether a
 * send is in flight is the flow's tx_busy, which the session reads.
 */
struct ur_flow {
	uint32_t rq_bid[UR_RQ];	/* received buffers, in order */
	uint32_t rq_len[UR_RQ];
	uint32_t rq_head, rq_tail;
	uint32_t rq_used;	/* bytes of the head buffer consumed */
	int32_t rx_res;		/* EOF (0) or -errno after the data */
	uint8_t rx_ended;	/* rx_res is set */
	uint8_t recv_armed;	/* a (multishot) receive is pending */
	uint8_t queued;		/* queued for a synthetic event */
	int32_t tx_err;
	uint64_t tx_done;	/* bytes sent, not yet taken by the flow */
};

struct uring {
	struct io_uring ring;
	int disabled;		/* R_DISABLED: the worker enables it */
	int cmd_fd;
	int cmd_armed;
	int multishot;		/* 0 once the kernel refused it */
	int quiesced;
	uint8_t rx_mode;
	struct io_uring_buf_ring *br;
	size_t br_len;
	uint8_t *bufs;		/* nbufs * buf_size */
	unsigned int nbufs;	/* a power of 2, <= URING_NBUFS */
	size_t buf_size;
	int64_t lent;		/* buffer handed out by the last recv, -1 */
	uint32_t pending;	/* requests whose last completion is due */
	struct flow **ready;	/* flows owed a synthetic event */
	unsigned int n_ready, cap;
	struct ur_flow *flows;	/* cap, handed out by attach */
	unsigned int n_attached;
};

static struct io_uring_sqe *ur_sqe(struct uring *u)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring);

	if (!sqe) {
		/* Full: hand the kernel what is queued, then there is room. */
		io_uring_submit(&u->ring);
		sqe = io_uring_get_sqe(&u->ring);
	}
	return sqe;
}

static void ur_recycle(struct uring *u)
{
	if (u->lent < 0)
		return;
	io_uring_buf_ring_add(u->br, u->bufs + (size_t)u->lent * u->buf_size,
			      (unsigned int)u->buf_size, (unsigned short)u->lent,
			      io_uring_buf_ring_mask(u->nbufs), 0);
	io_uring_buf_ring_advance(u->br, 1);
	u->lent = -1;
}

static int rq_empty(const struct ur_flow *q)
{
	return q->rq_head == q->rq_tail;
}

static void arm_cmd(struct uring *u)
{
	struct io_uring_sqe *sqe = ur_sqe(u);

	if (!sqe)
		return;
	io_uring_prep_poll_multishot(sqe, u->cmd_fd, POLLIN);
	io_uring_sqe_set_data64(sqe, UD_CMD);
	u->cmd_armed = 1;
}

static void arm_recv(struct uring *u, struct flow *f, size_t len)
{
	struct io_uring_sqe *sqe = ur_sqe(u);
	struct ur_flow *q = f->eng;

	if (!sqe)
		return;
	if (u->rx_mode == PROTO_RX_TRUNC) {
		/* TCP discards the bytes: no buffer is written. */
		io_uring_prep_recv(sqe, f->fd, NULL, len, MSG_TRUNC);
	} else {
		if (u->multishot)
			io_uring_prep_recv_multishot(sqe, f->fd, NULL, 0, 0);
		else
			io_uring_prep_recv(sqe, f->fd, NULL, u->buf_size, 0);
		sqe->flags |= IOSQE_BUFFER_SELECT;
		sqe->buf_group = UR_BGID;
	}
	io_uring_sqe_set_data64(sqe, (uintptr_t)f | UD_RECV);
	q->recv_armed = 1;
	u->pending++;
}

/*
 * The events f is owed without a completion when it watches events: room
 * to send (no send in flight), or received bytes still queued.
 */
static unsigned int owed(const struct uring *u, const struct flow *f,
			 unsigned int events)
{
	const struct ur_flow *q = f->eng;
	unsigned int ev = 0;

	if ((events & IO_EV_OUT) && !f->tx_busy)
		ev |= IO_EV_OUT;
	if ((events & IO_EV_IN) && (!rq_empty(q) || q->rx_ended))
		ev |= IO_EV_IN;
	return u->quiesced ? 0 : ev;
}

/*
 * Queue f for a synthetic event at the next wait, once.  Inline: it runs
 * for every completion, and with the flow's share behind f->eng GCC
 * stopped inlining it on its own.
 */
static inline void want(struct uring *u, struct flow *f,
			unsigned int events)
{
	struct ur_flow *q = f->eng;

	if (owed(u, f, events) && !q->queued && u->n_ready < u->cap) {
		q->queued = 1;
		u->ready[u->n_ready++] = f;
	}
}

static int ur_mod(struct io_engine *e, struct flow *f, int fd,
		  unsigned int ev)
{
	struct uring *u = e->priv;
	const struct ur_flow *q = f->eng;

	if ((ev & IO_EV_IN) && !q->recv_armed && !q->rx_ended &&
	    rq_empty(q) && !u->quiesced)
		arm_recv(u, f, u->buf_size);
	want(u, f, ev);
	return 0;
}

static int ur_watch(struct io_engine *e, struct flow *f, int fd,
		    unsigned int ev)
{
	return ur_mod(e, f, fd, ev);
}

/* A failed or stopped flow: its multishot receive ends. */
static int ur_unwatch(struct io_engine *e, struct flow *f, int fd)
{
	struct uring *u = e->priv;
	const struct ur_flow *q = f->eng;
	struct io_uring_sqe *sqe;

	if (!q->recv_armed || u->quiesced)
		return 0;
	sqe = ur_sqe(u);
	if (!sqe)
		return -EBUSY;
	io_uring_prep_cancel64(sqe, (uintptr_t)f | UD_RECV, 0);
	io_uring_sqe_set_data64(sqe, UD_CANCEL);
	return 0;
}

static void on_recv(struct uring *u, struct flow *f,
		    const struct io_uring_cqe *cqe)
{
	struct ur_flow *q = f->eng;
	uint32_t slot;

	if (!(cqe->flags & IORING_CQE_F_MORE)) {
		q->recv_armed = 0;
		u->pending--;
	}
	if (cqe->res > 0) {
		slot = q->rq_tail++ % UR_RQ;
		q->rq_bid[slot] = (cqe->flags & IORING_CQE_F_BUFFER) ?
			cqe->flags >> IORING_CQE_BUFFER_SHIFT : UR_NO_BID;
		q->rq_len[slot] = (uint32_t)cqe->res;
		return;
	}
	switch (cqe->res) {
	case -ENOBUFS:		/* re-armed when the flow returns buffers */
	case -ECANCELED:
		return;
	case -EINVAL:
		if (u->multishot && u->rx_mode != PROTO_RX_TRUNC) {
			u->multishot = 0;
			log_warn("io_uring: multishot receive refused by "
				 "this kernel; using single-shot receives");
			return;
		}
		break;
	default:
		break;
	}
	q->rx_ended = 1;
	q->rx_res = cqe->res;		/* 0: EOF */
}

static void on_send(struct uring *u, struct flow *f,
		    const struct io_uring_cqe *cqe)
{
	struct ur_flow *q = f->eng;

	if (cqe->flags & IORING_CQE_F_NOTIF) {
		/* The kernel is done with a zero-copy send's pages. */
		f->x.zc_done++;
		if ((uint32_t)cqe->res & IORING_NOTIF_USAGE_ZC_COPIED)
			f->x.zc_copied++;
		u->pending--;
		return;
	}
	if (cqe->flags & IORING_CQE_F_MORE)
		f->x.zc_calls++;	/* a notification follows */
	else {
		u->pending--;
	}
	flow_publish(&f->tx_busy, 0);
	if (cqe->res >= 0)
		q->tx_done += (uint64_t)cqe->res;
	else if (cqe->res != -ECANCELED && !q->tx_err)
		q->tx_err = cqe->res;
}

/* One completion; cb NULL while quiescing (record, call nobody). */
static int on_cqe(struct uring *u, const struct io_uring_cqe *cqe, io_cb cb,
		  void *arg)
{
	uint64_t ud = io_uring_cqe_get_data64(cqe);
	struct flow *f = (struct flow *)(uintptr_t)(ud & ~UD_KIND);
	unsigned int kind = ud & UD_KIND, ev;
	const struct ur_flow *q;

	if (ud == UD_CMD) {
		if (!(cqe->flags & IORING_CQE_F_MORE))
			u->cmd_armed = 0;
		if (cb && cqe->res >= 0)
			cb(arg, NULL, IO_EV_IN);
		return 0;
	}
	if (kind == UD_CANCEL || !f)
		return 0;
	if (kind == UD_RECV)
		on_recv(u, f, cqe);
	else
		on_send(u, f, cqe);
	if (!cb || (cqe->flags & IORING_CQE_F_NOTIF))
		return 0;
	ev = kind == UD_RECV ? IO_EV_IN : IO_EV_OUT;
	if (f->events & ev)
		cb(arg, f, ev);
	/*
	 * A receive that ended (single-shot, or multishot out of buffers)
	 * starts again whether or not the flow read to EAGAIN; bytes left
	 * queued, or room to send, come back without a completion.
	 */
	q = f->eng;
	if ((f->events & IO_EV_IN) && !q->recv_armed && !q->rx_ended &&
	    !u->quiesced)
		arm_recv(u, f, u->buf_size);
	want(u, f, f->events);
	return 1;
}

static int ur_wait(struct io_engine *e, int64_t timeout_ns, io_cb cb,
		   void *arg)
{
	struct uring *u = e->priv;
	struct __kernel_timespec ts;
	struct io_uring_cqe *cqe;
	unsigned int head, seen = 0, i, n;
	int ret, handled = 0;

	ur_recycle(u);
	if (!u->cmd_armed)
		arm_cmd(u);
	if (u->n_ready)
		timeout_ns = 0;
	ts.tv_sec = timeout_ns / 1000000000;
	ts.tv_nsec = timeout_ns % 1000000000;
	ret = io_uring_submit_and_wait_timeout(&u->ring, &cqe, 1,
					       timeout_ns < 0 ? NULL : &ts,
					       NULL);
	if (ret < 0 && ret != -ETIME && ret != -EINTR && ret != -EAGAIN &&
	    ret != -EBUSY)
		return ret;
	io_uring_for_each_cqe(&u->ring, head, cqe) {
		handled += on_cqe(u, cqe, cb, arg);
		seen++;
	}
	io_uring_cq_advance(&u->ring, seen);
	/* The flows owed an event now; those queued meanwhile wait a turn. */
	n = u->n_ready;
	for (i = 0; i < n; i++) {
		struct flow *f = u->ready[i];
		struct ur_flow *q = f->eng;
		unsigned int ev;

		q->queued = 0;
		ev = owed(u, f, f->events);
		if (ev) {
			cb(arg, f, ev);
			handled++;
		}
	}
	memmove(u->ready, u->ready + n, (u->n_ready - n) * sizeof(*u->ready));
	u->n_ready -= n;
	for (i = 0; i < u->n_ready; i++) {
		struct ur_flow *q = u->ready[i]->eng;

		q->queued = 1;
	}
	return handled;
}

static ssize_t ur_send(struct io_engine *e, struct flow *f, const void *buf,
		       size_t len, int zerocopy)
{
	struct uring *u = e->priv;
	struct ur_flow *q = f->eng;
	struct io_uring_sqe *sqe;
	ssize_t n;

	if (q->tx_done) {
		n = (ssize_t)q->tx_done;
		q->tx_done = 0;
		return n;
	}
	if (q->tx_err) {
		n = q->tx_err;
		q->tx_err = 0;
		return n;
	}
	if (u->quiesced)
		return -ENODATA;
	if (f->tx_busy)
		return -EAGAIN;
	sqe = ur_sqe(u);
	if (!sqe)
		return -EAGAIN;
	if (zerocopy) {
		/* The payload is registered buffer 0: no page pinning. */
		io_uring_prep_send_zc_fixed(sqe, f->fd, buf, len, MSG_NOSIGNAL,
					    IORING_SEND_ZC_REPORT_USAGE, 0);
	} else {
		io_uring_prep_send(sqe, f->fd, buf, len, MSG_NOSIGNAL);
	}
	io_uring_sqe_set_data64(sqe, (uintptr_t)f | UD_SEND);
	flow_publish(&f->tx_busy, 1);
	u->pending++;
	return -EAGAIN;
}

static ssize_t ur_recv(struct io_engine *e, struct flow *f, size_t len,
		       const uint8_t **data)
{
	struct uring *u = e->priv;
	struct ur_flow *q = f->eng;
	uint32_t slot, bid, avail;
	size_t n;

	ur_recycle(u);
	if (!rq_empty(q)) {
		slot = q->rq_head % UR_RQ;
		bid = q->rq_bid[slot];
		avail = q->rq_len[slot] - q->rq_used;
		n = len < avail ? len : avail;
		*data = bid == UR_NO_BID ? NULL :
			u->bufs + (size_t)bid * u->buf_size + q->rq_used;
		q->rq_used += (uint32_t)n;
		if (q->rq_used == q->rq_len[slot]) {
			q->rq_head++;
			q->rq_used = 0;
			/* Back to the kernel at the next call, once checked. */
			if (bid != UR_NO_BID)
				u->lent = bid;
		}
		return (ssize_t)n;
	}
	if (q->rx_ended)
		return q->rx_res;
	if (u->quiesced)
		return -ENODATA;
	if (!q->recv_armed)
		arm_recv(u, f, u->rx_mode == PROTO_RX_TRUNC ? len :
						   u->buf_size);
	return -EAGAIN;
}

/* Cancel everything, then reap until no request is left (bounded). */
static void ur_quiesce(struct io_engine *e)
{
	uint64_t end = clock_now_ns() + UR_QUIESCE_MS * NSEC_PER_MSEC;
	struct __kernel_timespec ts = { .tv_nsec = 10 * 1000 * 1000 };
	struct uring *u = e->priv;
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	unsigned int head, seen;

	ur_recycle(u);
	sqe = ur_sqe(u);
	if (sqe) {
		io_uring_prep_cancel64(sqe, 0, IORING_ASYNC_CANCEL_ANY);
		io_uring_sqe_set_data64(sqe, UD_CANCEL);
	}
	u->quiesced = 1;
	u->n_ready = 0;
	do {
		io_uring_submit_and_wait_timeout(&u->ring, &cqe, 1, &ts, NULL);
		seen = 0;
		io_uring_for_each_cqe(&u->ring, head, cqe) {
			on_cqe(u, cqe, NULL, NULL);
			seen++;
		}
		io_uring_cq_advance(&u->ring, seen);
	} while (u->pending && clock_now_ns() < end);
	if (u->pending)
		log_warn("io_uring: %u requests still pending after %d ms",
			 u->pending, UR_QUIESCE_MS);
}

static void ur_fini(struct io_engine *e)
{
	struct uring *u = e->priv;

	if (!u)
		return;
	/* Closing the ring cancels what is left before the memory goes. */
	io_uring_queue_exit(&u->ring);
	if (u->br)
		munmap(u->br, u->br_len);
	if (u->bufs)
		munmap(u->bufs, (size_t)u->nbufs * u->buf_size);
	free(u->ready);
	free(u->flows);
	free(u);
	e->priv = NULL;
	e->ops = NULL;
}

static int ur_init(struct io_engine *e, int cmd_fd)
{
	return -EOPNOTSUPP;	/* uring_setup() does it, with the params */
}

/* The flow's share of what uring_setup allocated for n_flows flows. */
static int ur_attach(struct io_engine *e, struct flow *f)
{
	struct uring *u = e->priv;

	if (u->n_attached >= u->cap)
		return -ENOSPC;
	f->eng = &u->flows[u->n_attached++];
	return 0;
}

/* The worker's thread becomes the ring's one submitter. */
static int ur_start(struct io_engine *e)
{
	struct uring *u = e->priv;
	int ret = 0;

	/*
	 * Debian 12's liburing 2.3 declares io_uring_enable_rings() but its
	 * library does not export it: the system call itself.
	 */
	if (u->disabled && syscall(__NR_io_uring_register, u->ring.ring_fd,
				   IORING_REGISTER_ENABLE_RINGS, NULL, 0) < 0)
		ret = -errno;
	u->disabled = 0;
	return ret;
}

const struct io_ops io_uring_ops = {
	.name = "io_uring",
	.init = ur_init,
	.fini = ur_fini,
	.attach = ur_attach,
	.watch = ur_watch,
	.mod = ur_mod,
	.unwatch = ur_unwatch,
	.wait = ur_wait,
	.send = ur_send,
	.recv = ur_recv,
	.quiesce = ur_quiesce,
	.start = ur_start,
};

static int disabled_sysctl(void)
{
	FILE *fp = fopen("/proc/sys/kernel/io_uring_disabled", "r");
	int v = 0;

	if (!fp)
		return 0;	/* before Linux 6.6: no such switch */
	if (fscanf(fp, "%d", &v) != 1)
		v = 0;
	fclose(fp);
	return v;
}

static int ring_error(int ret, char *err, size_t errlen)
{
	int off = disabled_sysctl();

	if (off)
		snprintf(err, errlen, "io_uring is disabled on this host "
			 "(/proc/sys/kernel/io_uring_disabled = %d): %s", off,
			 strerror(-ret));
	else if (ret == -ENOSYS)
		snprintf(err, errlen, "this kernel has no io_uring");
	else
		snprintf(err, errlen, "io_uring_queue_init: %s",
			 strerror(-ret));
	return ret == -ENOSYS || ret == -EPERM ? -EOPNOTSUPP : ret;
}

int uring_probe(const struct wrk_params *p, char *err, size_t errlen)
{
	struct io_uring_probe *pr;
	struct io_uring ring;
	int ret = 0;

	if (p->rx_mode == PROTO_RX_ZEROCOPY) {
		snprintf(err, errlen, "TCP_ZEROCOPY_RECEIVE is a getsockopt, "
			 "not an io_uring operation: --zerocopy-rx needs the "
			 "epoll engine");
		return -EOPNOTSUPP;
	}
	ret = io_uring_queue_init(8, &ring, 0);
	if (ret < 0)
		return ring_error(ret, err, errlen);
	pr = io_uring_get_probe_ring(&ring);
	if (!pr || !io_uring_opcode_supported(pr, IORING_OP_SEND) ||
	    !io_uring_opcode_supported(pr, IORING_OP_RECV)) {
		snprintf(err, errlen, "this kernel's io_uring lacks "
			 "IORING_OP_SEND/RECV (Linux 5.6+)");
		ret = -EOPNOTSUPP;
	} else if (p->tx_mode == PROTO_TX_ZEROCOPY &&
		   !io_uring_opcode_supported(pr, IORING_OP_SEND_ZC)) {
		snprintf(err, errlen, "this kernel's io_uring lacks "
			 "IORING_OP_SEND_ZC (Linux 6.0+): no --msg-zerocopy "
			 "with io_uring");
		ret = -EOPNOTSUPP;
	}
	if (pr)
		io_uring_free_probe(pr);
	io_uring_queue_exit(&ring);
	return ret;
}

static int setup_buffers(struct uring *u, size_t buf_size, char *err,
			 size_t errlen)
{
	struct io_uring_buf_reg reg = { .ring_entries = u->nbufs,
					.bgid = UR_BGID };
	unsigned int i;
	int ret;

	u->buf_size = buf_size;
	u->bufs = mmap(NULL, (size_t)u->nbufs * buf_size,
		       PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);
	u->br_len = u->nbufs * sizeof(struct io_uring_buf);
	u->br = mmap(NULL, u->br_len, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (u->bufs == MAP_FAILED || u->br == MAP_FAILED) {
		if (u->bufs == MAP_FAILED)
			u->bufs = NULL;
		if (u->br == MAP_FAILED)
			u->br = NULL;
		return -ENOMEM;
	}
	/* Touch every page now, not inside the measured window. */
	memset(u->bufs, 0, (size_t)u->nbufs * buf_size);
	reg.ring_addr = (uintptr_t)u->br;
	ret = io_uring_register_buf_ring(&u->ring, &reg, 0);
	if (ret < 0) {
		snprintf(err, errlen, "this kernel's io_uring lacks provided "
			 "buffer rings (Linux 5.19+): %s", strerror(-ret));
		return ret == -EINVAL ? -EOPNOTSUPP : ret;
	}
	io_uring_buf_ring_init(u->br);
	for (i = 0; i < u->nbufs; i++)
		io_uring_buf_ring_add(u->br, u->bufs + (size_t)i * buf_size,
				      (unsigned int)buf_size,
				      (unsigned short)i,
				      io_uring_buf_ring_mask(u->nbufs), i);
	io_uring_buf_ring_advance(u->br, (int)u->nbufs);
	return 0;
}

int uring_setup(struct io_engine *e, int cmd_fd, const struct wrk_params *p,
		unsigned int n_flows, char *err, size_t errlen)
{
	struct iovec iov = { .iov_base = p->pat->buf, .iov_len = p->pat->len };
	size_t buf_size = p->read_size;
	struct uring *u;
	int ret;

	if (p->req_size || p->resp_size || buf_size < 65536)
		buf_size = 65536;	/* rr: read what is there */
	if (buf_size > URING_BUF_MAX)
		buf_size = URING_BUF_MAX;
	u = calloc(1, sizeof(*u));
	if (!u)
		return -ENOMEM;
	e->priv = u;
	e->ops = &io_uring_ops;
	u->cmd_fd = cmd_fd;
	u->multishot = 1;
	u->lent = -1;
	u->rx_mode = p->rx_mode;
	u->cap = n_flows;
	/*
	 * Each flow holds a buffer or two at a time (it reads what a
	 * completion brought and hands the buffer back): a few buffers per
	 * flow keep them warm in the cache, where 32 would rotate through
	 * megabytes.  The ring size must be a power of 2.
	 */
	u->nbufs = 4;
	while (u->nbufs < 2 * n_flows && u->nbufs < URING_NBUFS)
		u->nbufs *= 2;
	u->ready = calloc(n_flows ? n_flows : 1, sizeof(*u->ready));
	u->flows = calloc(n_flows ? n_flows : 1, sizeof(*u->flows));
	/*
	 * One submitter (the worker) whose completions run their task work
	 * only when it waits: fewer interrupts of the worker, batched
	 * completions (Linux 6.1+).  Set up disabled, so that this thread
	 * can register buffers and the worker enables it at RUN.
	 */
	ret = io_uring_queue_init_params(UR_ENTRIES, &u->ring, &(struct
		io_uring_params){ .flags = IORING_SETUP_SINGLE_ISSUER |
				  IORING_SETUP_DEFER_TASKRUN |
				  IORING_SETUP_R_DISABLED });
	u->disabled = ret == 0;
	if (ret == -EINVAL)	/* an older kernel: the plain ring */
		ret = io_uring_queue_init(UR_ENTRIES, &u->ring, 0);
	if (ret < 0) {
		free(u->ready);
		free(u->flows);
		free(u);
		e->priv = NULL;
		e->ops = NULL;
		return ring_error(ret, err, errlen);
	}
	if (!u->ready || !u->flows) {
		ret = -ENOMEM;
		goto fail;
	}
	u->buf_size = buf_size;		/* MSG_TRUNC: the read size */
	if (p->rx_mode != PROTO_RX_TRUNC) {
		ret = setup_buffers(u, buf_size, err, errlen);
		if (ret < 0)
			goto fail;
	}
	if (p->tx_mode == PROTO_TX_ZEROCOPY) {
		ret = io_uring_register_buffers(&u->ring, &iov, 1);
		if (ret < 0) {
			snprintf(err, errlen, "io_uring_register_buffers "
				 "(%zu bytes): %s", iov.iov_len,
				 strerror(-ret));
			goto fail;
		}
	}
	arm_cmd(u);
	return 0;

fail:
	ur_fini(e);
	return ret;
}
