// SPDX-License-Identifier: MIT
/* procfile - read a whole small /proc or /sys file; see procfile.h. */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "common/procfile.h"

/* read() that retries EINTR; -errno on failure. */
static ssize_t read_retry(int fd, void *buf, size_t n)
{
	ssize_t r;

	do
		r = read(fd, buf, n);
	while (r < 0 && errno == EINTR);
	return r < 0 ? -errno : r;
}

/*
 * Fill buf up to size - 1 bytes, then ask for one byte more: a file of
 * exactly size - 1 bytes fits, only a longer one is -EFBIG.
 */
static int read_all(int fd, char *buf, size_t size, size_t *len)
{
	ssize_t n;
	char more;

	*len = 0;
	while (*len < size - 1) {
		n = read_retry(fd, buf + *len, size - 1 - *len);
		if (n <= 0)
			return (int)n;
		*len += (size_t)n;
	}
	n = read_retry(fd, &more, 1);
	if (n < 0)
		return (int)n;
	return n ? -EFBIG : 0;
}

int procfile_read(const char *path, char *buf, size_t size, size_t *len)
{
	size_t got = 0;
	int fd, ret;

	if (!size)
		return -EINVAL;
	buf[0] = '\0';
	do
		fd = open(path, O_RDONLY | O_CLOEXEC);
	while (fd < 0 && errno == EINTR);
	if (fd < 0)
		return -errno;
	ret = read_all(fd, buf, size, &got);
	close(fd);
	buf[got] = '\0';
	if (len)
		*len = got;
	return ret;
}
