/* SPDX-License-Identifier: MIT */
/*
 * flow - one connection in a test, as its worker drives it.
 *
 * A flow's behaviour is a table of callbacks chosen by the test type and
 * the flow's role (stream.c: send, receive, or both on one connection;
 * rr.c: request or respond).
 * The worker calls them from its loop: start when the test runs, io when
 * the engine reports the socket ready, stop_tx when the measured window
 * ends (no new work; finish what is in flight), stop when the test ends
 * (drain what is queued).  They touch only the flow and the worker's
 * buffer: no allocation, no locks, no syscalls but the I/O.
 *
 * Ownership: struct flow holds what every engine and traffic type uses
 * (socket, role, the counters the session samples, the data path's
 * state in x).  What only one of them needs hangs off a pointer set when
 * the test is armed, never in the hot loop: eng is the engine's (io_uring:
 * its receive queue, set by the engine's attach; NULL on epoll and
 * block), traffic the traffic type's (rr.c: in-flight counts, time rings
 * and the latency histogram, set by rr_arm; NULL for stream).
 */
#ifndef KPERF_FLOW_H
#define KPERF_FLOW_H

#include <stdint.h>

struct worker;
struct flow;

struct flow_ops {
	void (*start)(struct worker *w, struct flow *f, uint64_t now);
	void (*io)(struct worker *w, struct flow *f, unsigned int ev);
	void (*stop_tx)(struct worker *w, struct flow *f, uint64_t now);
	void (*stop)(struct worker *w, struct flow *f);
	/* Optional: the warm-up is over (rr: the latency histogram). */
	void (*reset)(struct worker *w, struct flow *f);
	/*
	 * Optional, for a test with a response delay: do what is due by
	 * now; return when the next thing is due, 0 for nothing.
	 */
	uint64_t (*timer)(struct worker *w, struct flow *f, uint64_t now);
};

/*
 * The data path of a flow (xfer.c).  Offsets are positions in the
 * connection's stream, which pick the payload pattern's phase; the
 * counters cover the whole test, warm-up included.
 */
struct flow_xfer {
	uint64_t tx_off, rx_off;
	uint64_t checked, mismatches, first_bad;
	uint64_t zc_calls;	/* MSG_ZEROCOPY sends made (kernel ids) */
	uint64_t zc_done;	/* of those, completions read */
	uint64_t zc_copied;	/* of those, the kernel copied */
	uint64_t zrx_mapped, zrx_copied;
	uint8_t *zrx_map;	/* TCP_ZEROCOPY_RECEIVE window, zrx_len */
	size_t zrx_len;
	int rcvtimeo_set;	/* SO_RCVTIMEO set for whole blocks */
	int rcvlowat_set;	/* SO_RCVLOWAT set for whole blocks */
};

struct flow {
	int fd;
	uint8_t role;		/* PROTO_ROLE_* */
	uint8_t running;	/* started and not stopped */
	uint8_t stopping;	/* stop_tx seen: no new work */
	/*
	 * An engine that sends for the flow (io_uring) holds a send it has
	 * not completed; published: the session's drain waits for it.
	 */
	uint8_t tx_busy;
	uint32_t conn_id;
	uint32_t events;	/* what the engine watches for now */
	int err;		/* first errno of this flow, 0 if none */
	const struct flow_ops *ops;
	/* Published with relaxed atomic stores: the session samples them. */
	uint64_t tx_bytes;
	uint64_t rx_bytes;
	uint64_t transactions;
	/* Active: its sending; passive and BOTH: its reading. */
	uint64_t t_first_ns;	/* first byte moved (active: start) */
	uint64_t t_last_ns;	/* last byte moved (active: stop) */
	uint32_t idle;		/* active: nothing in flight (rr drained) */
	void *eng;		/* the engine's per-flow state, or NULL */
	void *traffic;		/* the traffic type's (rr.c), or NULL */
	struct flow_xfer x;
};

#define flow_publish(p, v)	__atomic_store_n((p), (v), __ATOMIC_RELAXED)
#define flow_read(p)		__atomic_load_n((p), __ATOMIC_RELAXED)

/* Stop watching f and remember why (first error wins). */
void flow_fail(struct worker *w, struct flow *f, int err);
/* Change what the engine watches f for, if it differs. */
void flow_watch(struct worker *w, struct flow *f, uint32_t events);

extern const struct flow_ops stream_send_ops;
extern const struct flow_ops stream_recv_ops;
extern const struct flow_ops stream_both_ops;
extern const struct flow_ops rr_active_ops;
extern const struct flow_ops rr_passive_ops;

#endif
