// SPDX-License-Identifier: MIT
/* sockutil - socket helpers. */
#include <errno.h>
#include <poll.h>

#include "common/sockutil.h"

int sock_connect_timed(int fd, const struct sockaddr *sa, socklen_t len,
		       int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	socklen_t elen = sizeof(int);
	int ret, soerr = 0;

	if (connect(fd, sa, len) == 0)
		return 0;
	if (errno != EINPROGRESS)
		return -errno;
	do
		ret = poll(&pfd, 1, timeout_ms);
	while (ret < 0 && errno == EINTR);
	if (ret == 0)
		return -ETIMEDOUT;
	if (ret < 0)
		return -errno;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &elen) < 0)
		return -errno;
	return -soerr;
}
