/* SPDX-License-Identifier: MIT */
/*
 * xfer - how a flow moves its bytes: the one place that knows the data
 * path.  Flows (stream.c, rr.c) ask to send or receive so many bytes;
 * xfer sends the payload pattern from the flow's stream offset (copy or
 * MSG_ZEROCOPY), reads by copy, MSG_TRUNC or TCP_ZEROCOPY_RECEIVE, checks
 * what it read against the pattern when validation is on, and hands the
 * request to the worker's engine instead when that engine moves bytes
 * itself (io_uring).
 *
 *	xfer_arm(f, p, &what)   before the test: SO_ZEROCOPY, mmap window
 *	xfer_arm_waitall(...)   and for a receiver that will block: whole
 *	                        blocks (SO_RCVTIMEO, SO_RCVLOWAT)
 *	xfer_send / xfer_recv   in the hot path
 *	xfer_event(w, f, &ev)   before a flow's io: zero-copy completions
 *	xfer_rx_queued(w, f)    at the stop: the most left to read
 *	xfer_tx_idle(f)         from the session: no send still in flight
 *	xfer_finish(w, f)       at the end: the completions still due
 *	xfer_disarm(f)          after the test
 */
#ifndef KPERF_XFER_H
#define KPERF_XFER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct flow;
struct worker;
struct wrk_params;

/*
 * Prepare f's socket for the data path of p.  0, or -errno with *what
 * naming the step that failed.
 */
int xfer_arm(struct flow *f, const struct wrk_params *p, const char **what);
int xfer_arm_waitall(struct flow *f, const struct wrk_params *p,
		     const char **what);
void xfer_disarm(struct flow *f);

/*
 * Send up to len bytes (len <= the pattern's span).  Return the bytes
 * taken, or -errno: -EAGAIN when nothing can go now (the engine reports
 * IO_EV_OUT later).
 */
ssize_t xfer_send(struct worker *w, struct flow *f, size_t len);

/*
 * Receive up to len bytes (len <= the worker's buffer).  Return the bytes
 * read (checked when validating), 0 at EOF, or -errno (-EAGAIN: none).
 */
ssize_t xfer_recv(struct worker *w, struct flow *f, size_t len);

/*
 * At a test's stop: the most f can have to read from a peer that has
 * stopped, what its socket holds now (SIOCINQ) and what its engine may
 * hold besides (io_uring's provided buffers); UINT64_MAX when the socket
 * cannot say.
 */
uint64_t xfer_rx_queued(const struct worker *w, const struct flow *f);

/* Engine events for f: read zero-copy completions, clear what they set. */
void xfer_event(struct worker *w, struct flow *f, unsigned int *ev);

/*
 * For the session while the worker runs: 1 when f's engine holds no send
 * of f that it has yet to hand the kernel (io_uring completes sends
 * later; socket sends are done when they return), else 0.
 */
int xfer_tx_idle(const struct flow *f);

/*
 * The test is over and the engine quiesced: count as sent what the engine
 * sent for f that f never took, and wait (bounded) for the zero-copy
 * completions due.
 */
void xfer_finish(struct worker *w, struct flow *f);

#endif
