// SPDX-License-Identifier: MIT
/* xfer - the data path of a flow (see xfer.h). */
#include <errno.h>
#include <time.h>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <linux/sockios.h>

#include "common/clock.h"
#include "common/pattern.h"
#include "proto/proto.h"
#include "server/flow.h"
#include "server/uring.h"
#include "server/worker.h"
#include "server/xfer.h"

/*
 * struct tcp_zerocopy_receive as of Linux 5.11 (uapi linux/tcp.h); glibc's
 * netinet/tcp.h carries the 4.18 one, without the copy buffer.  The
 * kernel takes any length up to its own and fills what it knows.
 */
struct zc_receive {
	uint64_t address;
	uint32_t length;
	uint32_t recv_skip_hint;
	uint32_t inq;
	int32_t err;
	uint64_t copybuf_address;
	int32_t copybuf_len;
	uint32_t flags;
	uint64_t msg_control;
	uint64_t msg_controllen;
	uint32_t msg_flags;
	uint32_t reserved;
};

#define ZC_FINISH_MS	1000	/* completions still due at the end */
#define ZRX_MIN_LEN	(64 * 1024)
/*
 * How long a whole-block read may hold bytes that have arrived: without
 * a bound, a slow flow's bytes would be counted a whole block late, and
 * so would the receiver's first byte, from which its rate is timed.  The
 * kernel rounds it up to a timer tick (1-4 ms).
 */
#define WAITALL_MAX_US	1000

static int set_rcvtimeo(int fd, long usec)
{
	struct timeval tv = { .tv_sec = 0, .tv_usec = usec };

	return setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

static int set_rcvlowat(int fd, int bytes)
{
	return setsockopt(fd, SOL_SOCKET, SO_RCVLOWAT, &bytes, sizeof(bytes));
}

/* An upper layer protocol (kTLS) reads the TCP bytes as records itself. */
static int has_ulp(int fd)
{
	char name[16] = "";
	socklen_t len = sizeof(name);

	return getsockopt(fd, IPPROTO_TCP, TCP_ULP, name, &len) == 0 &&
	       name[0];
}

/*
 * Whole blocks: MSG_WAITALL (recv_socket), and SO_RCVLOWAT so that TCP
 * wakes the reader once a block is queued rather than for every segment
 * (under kTLS the threshold would hold back the records the TLS layer
 * parses: there MSG_WAITALL alone).  SO_RCVTIMEO bounds both, but only a
 * blocking read: epoll would not report a socket readable below the
 * threshold, however long the bytes waited.
 */
int xfer_arm_waitall(struct flow *f, const struct wrk_params *p,
		     const char **what)
{
	if (set_rcvtimeo(f->fd, WAITALL_MAX_US) < 0) {
		*what = "SO_RCVTIMEO";
		return -errno;
	}
	f->x.rcvtimeo_set = 1;
	if (has_ulp(f->fd))
		return 0;
	if (set_rcvlowat(f->fd, (int)p->read_size) < 0) {
		*what = "SO_RCVLOWAT";
		return -errno;
	}
	f->x.rcvlowat_set = 1;
	return 0;
}

int xfer_arm(struct flow *f, const struct wrk_params *p, const char **what)
{
	long page = sysconf(_SC_PAGESIZE);
	int one = 1;
	size_t len;

	f->x.first_bad = PAT_NONE;
	if (p->tx_mode == PROTO_TX_ZEROCOPY &&
	    setsockopt(f->fd, SOL_SOCKET, SO_ZEROCOPY, &one, sizeof(one)) < 0) {
		*what = "SO_ZEROCOPY";
		return -errno;
	}
	if (p->rx_mode != PROTO_RX_ZEROCOPY)
		return 0;
	len = p->read_size > ZRX_MIN_LEN ? p->read_size : ZRX_MIN_LEN;
	len = (len + (size_t)page - 1) & ~((size_t)page - 1);
	/* The kernel maps received pages into this window of the socket. */
	f->x.zrx_map = mmap(NULL, len, PROT_READ, MAP_SHARED, f->fd, 0);
	if (f->x.zrx_map == MAP_FAILED) {
		f->x.zrx_map = NULL;
		*what = "TCP_ZEROCOPY_RECEIVE window (mmap)";
		return -errno;
	}
	f->x.zrx_len = len;
	return 0;
}

void xfer_disarm(struct flow *f)
{
	if (f->x.zrx_map)
		munmap(f->x.zrx_map, f->x.zrx_len);
	f->x.zrx_map = NULL;
	/* The connection may serve the next test: the defaults back. */
	if (f->x.rcvtimeo_set)
		set_rcvtimeo(f->fd, 0);
	if (f->x.rcvlowat_set)
		set_rcvlowat(f->fd, 1);
	f->x.rcvtimeo_set = 0;
	f->x.rcvlowat_set = 0;
}

static void check(struct worker *w, struct flow *f, const uint8_t *data,
		  size_t n)
{
	f->x.mismatches += pat_check(w->p.pat, data, n, f->x.rx_off,
				     &f->x.first_bad);
	f->x.checked += n;
}

/* Read the MSG_ZEROCOPY completions queued on f's socket. */
static void zc_reap(struct flow *f)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct sock_extended_err)) + 64];
		struct cmsghdr align;
	} ctl;
	struct msghdr msg;
	struct cmsghdr *cm;

	for (;;) {
		msg = (struct msghdr){ .msg_control = ctl.buf,
				       .msg_controllen = sizeof(ctl.buf) };
		if (recvmsg(f->fd, &msg, MSG_ERRQUEUE | MSG_DONTWAIT) < 0)
			return;
		for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
			const struct sock_extended_err *ee;
			uint32_t n;

			if (!((cm->cmsg_level == SOL_IP &&
			       cm->cmsg_type == IP_RECVERR) ||
			      (cm->cmsg_level == SOL_IPV6 &&
			       cm->cmsg_type == IPV6_RECVERR)))
				continue;
			ee = (const void *)CMSG_DATA(cm);
			if (ee->ee_origin != SO_EE_ORIGIN_ZEROCOPY ||
			    ee->ee_errno)
				continue;
			/* Sends ee_info .. ee_data, inclusive, mod 2^32. */
			n = ee->ee_data - ee->ee_info + 1;
			f->x.zc_done += n;
			if (ee->ee_code & SO_EE_CODE_ZEROCOPY_COPIED)
				f->x.zc_copied += n;
		}
	}
}

static ssize_t send_socket(struct worker *w, struct flow *f,
			   const uint8_t *buf, size_t len)
{
	int zc = w->p.tx_mode == PROTO_TX_ZEROCOPY;
	ssize_t n;

	n = send(f->fd, buf, len, MSG_NOSIGNAL | (zc ? MSG_ZEROCOPY : 0));
	if (n < 0) {
		/* Out of option memory for completions: read them, retry. */
		if (zc && errno == ENOBUFS) {
			zc_reap(f);
			return -EAGAIN;
		}
		return -errno;
	}
	if (zc && n > 0)
		f->x.zc_calls++;
	return n;
}

ssize_t xfer_send(struct worker *w, struct flow *f, size_t len)
{
	const uint8_t *buf = pat_at(w->p.pat, f->x.tx_off);
	const struct io_ops *ops = w->io->ops;
	ssize_t n = -ENODATA;

	if (ops->send)
		n = ops->send(w->io, f, buf, len,
			      w->p.tx_mode == PROTO_TX_ZEROCOPY);
	if (n == -ENODATA)
		n = send_socket(w, f, buf, len);
	if (n > 0)
		f->x.tx_off += (uint64_t)n;
	return n;
}

/*
 * TCP_ZEROCOPY_RECEIVE: whole pages are mapped into the flow's window,
 * what cannot be mapped is copied into the worker's buffer after them.
 * Nothing to read gives 0 and no hint; EOF gives EIO.
 */
static ssize_t recv_zerocopy(struct worker *w, struct flow *f, size_t len)
{
	struct zc_receive zc = {
		.address = (uintptr_t)f->x.zrx_map,
		.length = (uint32_t)f->x.zrx_len,
		.copybuf_address = (uintptr_t)w->buf,
		.copybuf_len = (int32_t)len,
	};
	socklen_t zl = sizeof(zc);
	ssize_t n;

	if (getsockopt(f->fd, IPPROTO_TCP, TCP_ZEROCOPY_RECEIVE, &zc, &zl) < 0)
		return errno == EIO ? 0 : -errno;
	if (zc.err)
		return -zc.err;
	if (zc.copybuf_len < 0)
		return zc.copybuf_len;
	if (w->p.validate) {
		check(w, f, f->x.zrx_map, zc.length);
		f->x.rx_off += zc.length;
		check(w, f, w->buf, (size_t)zc.copybuf_len);
		f->x.rx_off -= zc.length;
	}
	f->x.zrx_mapped += zc.length;
	f->x.zrx_copied += (uint64_t)zc.copybuf_len;
	n = (ssize_t)zc.length + zc.copybuf_len;
	if (n)
		return n;
	/* Unmappable bytes the copy buffer did not take: plain read. */
	n = recv(f->fd, w->buf, len, MSG_DONTWAIT);
	if (n > 0) {
		if (w->p.validate)
			check(w, f, w->buf, (size_t)n);
		f->x.zrx_copied += (uint64_t)n;
	}
	return n < 0 ? -errno : n;
}

/*
 * Whole blocks only matter on a blocking socket (a worker with one flow):
 * the receiver sleeps until a block is queued (SO_RCVLOWAT) and stays in
 * recvmsg until it has read it, so segments arriving meanwhile go to the
 * socket's backlog and are processed on the receiver's CPU, in batches,
 * instead of on the CPU that delivers them (on loopback, the sender's).
 * docs/datapath.md has the measurements.
 */
static ssize_t recv_socket(struct worker *w, struct flow *f, size_t len)
{
	int flags = w->p.waitall ? MSG_WAITALL : 0;
	ssize_t n;

	switch (w->p.rx_mode) {
	case PROTO_RX_TRUNC:
		/* TCP discards the bytes in the kernel: nothing to check. */
		n = recv(f->fd, NULL, len, MSG_TRUNC | flags);
		break;
	case PROTO_RX_ZEROCOPY:
		return recv_zerocopy(w, f, len);
	default:
		n = recv(f->fd, w->buf, len, flags);
		if (n > 0 && w->p.validate)
			check(w, f, w->buf, (size_t)n);
		break;
	}
	return n < 0 ? -errno : n;
}

ssize_t xfer_recv(struct worker *w, struct flow *f, size_t len)
{
	const struct io_ops *ops = w->io->ops;
	const uint8_t *data = NULL;
	ssize_t n = -ENODATA;

	if (ops->recv) {
		n = ops->recv(w->io, f, len, &data);
		if (n > 0 && data && w->p.validate)
			check(w, f, data, (size_t)n);
	}
	if (n == -ENODATA)
		n = recv_socket(w, f, len);
	if (n > 0)
		f->x.rx_off += (uint64_t)n;
	return n;
}

uint64_t xfer_rx_queued(const struct worker *w, const struct flow *f)
{
	int inq = 0;

	if (ioctl(f->fd, SIOCINQ, &inq) < 0 || inq < 0)
		return UINT64_MAX;
	return (uint64_t)inq + (w->io->ops->recv ? (uint64_t)URING_NBUFS *
						   URING_BUF_MAX : 0);
}

void xfer_event(struct worker *w, struct flow *f, unsigned int *ev)
{
	uint64_t done = f->x.zc_done;

	if (w->p.tx_mode != PROTO_TX_ZEROCOPY || !(*ev & EPOLLERR) ||
	    w->io->ops->send)
		return;
	zc_reap(f);
	/* Completions, not a socket error: the flow need not see it. */
	if (f->x.zc_done != done)
		*ev &= ~(unsigned int)EPOLLERR;
}

/*
 * Without this, the drain could find every byte acknowledged while an
 * io_uring send that started before the window ended is still waiting for
 * room, and its bytes would leave after the session said it was done.
 */
int xfer_tx_idle(const struct flow *f)
{
	return !flow_read(&f->tx_busy);
}

void xfer_finish(struct worker *w, struct flow *f)
{
	uint64_t end = clock_now_ns() + ZC_FINISH_MS * NSEC_PER_MSEC;
	struct pollfd pfd = { .fd = f->fd, .events = 0 };
	const struct io_ops *ops = w->io->ops;
	ssize_t n;

	if (ops->send) {
		/* Quiesced, the engine gives back what f never took: sent. */
		n = ops->send(w->io, f, NULL, 0, 0);
		if (n > 0) {
			f->x.tx_off += (uint64_t)n;
			flow_publish(&f->tx_bytes, f->tx_bytes + (uint64_t)n);
		}
		return;
	}
	if (w->p.tx_mode != PROTO_TX_ZEROCOPY)
		return;
	zc_reap(f);
	while (f->x.zc_done < f->x.zc_calls && clock_now_ns() < end) {
		poll(&pfd, 1, 10);	/* POLLERR: completions queued */
		zc_reap(f);
	}
}
