// SPDX-License-Identifier: MIT
/*
 * fullio - exact-length reads and writes for control traffic.
 *
 * Sockets are driven with recv()/send() and MSG_DONTWAIT when a timeout is
 * set, so an attempt never blocks past the deadline even on a blocking fd;
 * a socket is also the only kind of fd that can take MSG_NOSIGNAL.  Other
 * fds (pipes) are found by ENOTSOCK on the first attempt and from then on
 * are polled before each read()/write(), because those calls cannot be told
 * not to block.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/fullio.h"

struct fio {
	int fd;
	int timeout_ms;		/* < 0: wait forever */
	int is_sock;		/* cleared on ENOTSOCK */
	int is_write;
	uint64_t deadline_ns;	/* last progress + timeout */
};

static void fio_progress(struct fio *f)
{
	if (f->timeout_ms >= 0)
		f->deadline_ns = clock_now_ns() +
				 (uint64_t)f->timeout_ms * NSEC_PER_MSEC;
}

/* Milliseconds left before the deadline, rounded up; -1 means forever. */
static int fio_poll_ms(const struct fio *f)
{
	uint64_t now, left_ms;

	if (f->timeout_ms < 0)
		return -1;
	now = clock_now_ns();
	if (now >= f->deadline_ns)
		return 0;
	left_ms = (f->deadline_ns - now + NSEC_PER_MSEC - 1) / NSEC_PER_MSEC;
	return left_ms > INT_MAX ? INT_MAX : (int)left_ms;
}

/*
 * Wait until the fd is ready for the next attempt.  Hang-ups and errors
 * count as ready: the read or write that follows reports them.  The fd is
 * polled at least once, so a zero timeout still takes data already there.
 */
static int fio_wait(struct fio *f)
{
	struct pollfd pfd = {
		.fd = f->fd,
		.events = f->is_write ? POLLOUT : POLLIN,
	};

	for (;;) {
		int ret = poll(&pfd, 1, fio_poll_ms(f));

		if (ret < 0 && errno != EINTR)
			return -errno;
		if (ret > 0)
			return pfd.revents & POLLNVAL ? -EBADF : 0;
		if (f->timeout_ms >= 0 && clock_now_ns() >= f->deadline_ns)
			return -ETIMEDOUT;
	}
}

static ssize_t fio_once(struct fio *f, char *buf, size_t len)
{
	int flags = f->timeout_ms >= 0 ? MSG_DONTWAIT : 0;

	if (f->is_sock && f->is_write)
		return send(f->fd, buf, len, flags | MSG_NOSIGNAL);
	if (f->is_sock)
		return recv(f->fd, buf, len, flags);
	if (!f->is_write)
		return read(f->fd, buf, len);
	/*
	 * POLLOUT on a pipe promises room for PIPE_BUF bytes only; a larger
	 * write to a blocking pipe could block past the deadline.
	 */
	if (f->timeout_ms >= 0 && len > PIPE_BUF)
		len = PIPE_BUF;
	return write(f->fd, buf, len);
}

static int fio_xfer(struct fio *f, char *buf, size_t len)
{
	size_t off = 0;
	int ret;

	fio_progress(f);
	while (off < len) {
		ssize_t n;

		if (!f->is_sock && f->timeout_ms >= 0) {
			ret = fio_wait(f);
			if (ret)
				return ret;
		}
		n = fio_once(f, buf + off, len - off);
		if (n > 0) {
			off += (size_t)n;
			fio_progress(f);
			continue;
		}
		if (n == 0)	/* EOF; a write of len > 0 never returns 0 */
			return f->is_write ? -EIO : -ECONNRESET;
		if (errno == EINTR)
			continue;
		if (errno == ENOTSOCK && f->is_sock) {
			f->is_sock = 0;
			continue;
		}
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -errno;
		ret = fio_wait(f);
		if (ret)
			return ret;
	}
	return 0;
}

int fio_read_full(int fd, void *buf, size_t len, int timeout_ms)
{
	struct fio f = {
		.fd = fd,
		.timeout_ms = timeout_ms,
		.is_sock = 1,
		.is_write = 0,
	};

	return fio_xfer(&f, buf, len);
}

int fio_write_full(int fd, const void *buf, size_t len, int timeout_ms)
{
	struct fio f = {
		.fd = fd,
		.timeout_ms = timeout_ms,
		.is_sock = 1,
		.is_write = 1,
	};

	/* fio_xfer() only reads from buf when is_write is set. */
	return fio_xfer(&f, (char *)buf, len);
}
