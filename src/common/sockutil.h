/* SPDX-License-Identifier: MIT */
/*
 * sockutil - socket helpers shared by the client and the server.
 */
#ifndef KPERF_SOCKUTIL_H
#define KPERF_SOCKUTIL_H

#include <sys/socket.h>

/*
 * connect() a non-blocking socket and wait up to timeout_ms for the
 * result.  Return 0, -ETIMEDOUT, or the connection's -errno.
 */
int sock_connect_timed(int fd, const struct sockaddr *sa, socklen_t len,
		       int timeout_ms);

#endif
