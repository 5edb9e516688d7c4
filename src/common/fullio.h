/* SPDX-License-Identifier: MIT */
/*
 * fullio - move exactly len bytes over a socket or pipe, for control
 * traffic (never the data path).
 *
 * Both retry on EINTR and short transfers and advance the offset.  With
 * timeout_ms >= 0 they wait with poll() between attempts, so they also work
 * on non-blocking fds, and give up with -ETIMEDOUT when no progress is made
 * for timeout_ms; with timeout_ms < 0 they wait forever.
 * Return 0, -ECONNRESET when the peer closed before len bytes (read), or
 * -errno.  Writes use MSG_NOSIGNAL on sockets, so a closed peer is -EPIPE,
 * never SIGPIPE.
 */
#ifndef KPERF_FULLIO_H
#define KPERF_FULLIO_H

#include <stddef.h>

int fio_read_full(int fd, void *buf, size_t len, int timeout_ms);
int fio_write_full(int fd, const void *buf, size_t len, int timeout_ms);

#endif
