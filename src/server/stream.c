// SPDX-License-Identifier: MIT
/*
 * stream - bulk transfer: the active end sends, the passive end reads, and
 * a BOTH end does both on the same connection.
 */
#include <errno.h>

#include "common/clock.h"
#include "server/flow.h"
#include "server/worker.h"
#include "server/xfer.h"

/*
 * A short send means the socket buffer is full: stop there rather than pay
 * a syscall for EAGAIN; level-triggered epoll reports the space later.
 */
static void send_io(struct worker *w, struct flow *f, unsigned int ev)
{
	uint32_t len = w->p.write_size;
	uint64_t tx = f->tx_bytes;
	ssize_t n;
	int i;

	for (i = 0; i < w->budget; i++) {
		n = xfer_send(w, f, len);
		if (n < 0) {
			if (n != -EAGAIN && n != -EINTR)
				flow_fail(w, f, (int)-n);
			break;
		}
		tx += (uint64_t)n;
		if ((uint32_t)n < len)
			break;
	}
	flow_publish(&f->tx_bytes, tx);
}

static void send_start(struct worker *w, struct flow *f, uint64_t now)
{
	flow_publish(&f->t_first_ns, now);
	flow_watch(w, f, IO_EV_OUT);
}

static void send_stop_tx(struct worker *w, struct flow *f, uint64_t now)
{
	flow_publish(&f->t_last_ns, now);
	flow_watch(w, f, 0);
}

static void nothing(struct worker *w, struct flow *f)
{
}

const struct flow_ops stream_send_ops = {
	.start = send_start,
	.io = send_io,
	.stop_tx = send_stop_tx,
	.stop = nothing,
};

/*
 * Read up to the budget; a short read means the socket is (nearly) empty,
 * so stop unless draining, when only EAGAIN will do.  Returns -1 when the
 * socket is empty, 0 on EOF or error, 1 when there may be more.
 */
static int recv_some(struct worker *w, struct flow *f, int drain)
{
	uint32_t len = w->p.read_size;
	uint64_t rx = f->rx_bytes;
	ssize_t n = 0;
	int i;

	for (i = 0; i < w->budget; i++) {
		n = xfer_recv(w, f, len);
		if (n <= 0)
			break;
		rx += (uint64_t)n;
		if ((uint32_t)n < len && !drain) {
			n = -EAGAIN;
			break;
		}
	}
	if (rx != f->rx_bytes) {
		uint64_t now = clock_now_ns();

		if (!f->t_first_ns)
			flow_publish(&f->t_first_ns, now);
		flow_publish(&f->t_last_ns, now);
		flow_publish(&f->rx_bytes, rx);
	}
	if (n > 0)
		return 1;
	if (n == -EAGAIN || n == -EINTR)
		return -1;
	/* The sender never closes inside a test: EOF means it went away. */
	flow_fail(w, f, n == 0 ? ECONNRESET : (int)-n);
	return 0;
}

static void recv_io(struct worker *w, struct flow *f, unsigned int ev)
{
	recv_some(w, f, 0);
}

static void recv_start(struct worker *w, struct flow *f, uint64_t now)
{
	flow_watch(w, f, IO_EV_IN);
}

static void recv_stop_tx(struct worker *w, struct flow *f, uint64_t now)
{
}

/*
 * The sender has finished and its data is acked: read what is queued,
 * and no more.  A peer still sending (its session went on when this one
 * ended in a test, or a client stopped this side first) would otherwise
 * keep the worker draining past the session's wait for its ack, after
 * which the session frees the flows and the buffer it reads into.
 */
static void recv_stop(struct worker *w, struct flow *f)
{
	uint64_t left = xfer_rx_queued(w, f), rx0 = f->rx_bytes;

	while (!f->err && f->rx_bytes - rx0 < left &&
	       recv_some(w, f, 1) > 0)
		;
}

const struct flow_ops stream_recv_ops = {
	.start = recv_start,
	.io = recv_io,
	.stop_tx = recv_stop_tx,
	.stop = recv_stop,
};

/*
 * Both directions on one connection: it sends as an active flow and reads
 * as a passive one, waiting for either in epoll or io_uring (never in a
 * blocking call, which waits for one direction: see wrk_blocks).  Its
 * first and last times are those of its reads (recv_some): its sending
 * lasts as long as the test's window, which the client knows.
 */
static void both_start(struct worker *w, struct flow *f, uint64_t now)
{
	flow_watch(w, f, IO_EV_IN | IO_EV_OUT);
}

static void both_io(struct worker *w, struct flow *f, unsigned int ev)
{
	if (ev & (IO_EV_IN | IO_EV_ERR))
		recv_some(w, f, 0);
	if (!f->err && !f->stopping && (ev & IO_EV_OUT))
		send_io(w, f, ev);
}

/* The window is over: sending stops, reading goes on until the stop. */
static void both_stop_tx(struct worker *w, struct flow *f, uint64_t now)
{
	if (!f->err)
		flow_watch(w, f, IO_EV_IN);
}

const struct flow_ops stream_both_ops = {
	.start = both_start,
	.io = both_io,
	.stop_tx = both_stop_tx,
	.stop = recv_stop,
};
