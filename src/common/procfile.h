/* SPDX-License-Identifier: MIT */
/*
 * procfile - read a whole small file of /proc or /sys as a string.
 *
 * The kernel makes these files as they are read: st_size says nothing
 * (0 or 4096), one read() may return less than the file, and a signal may
 * interrupt it.  So the file is read until end of file, retrying EINTR,
 * into the caller's buffer, whose size is the bound: a longer file is an
 * error, never silently cut.  Usage:
 *	char buf[4096];
 *	int ret = procfile_read("/sys/devices/system/cpu/online", buf,
 *				sizeof(buf), NULL);
 */
#ifndef KPERF_PROCFILE_H
#define KPERF_PROCFILE_H

#include <stddef.h>

/*
 * Read the file at path into buf[size], NUL-terminated; *len (when len is
 * not NULL) gets the number of bytes read.  The file may hold up to
 * size - 1 bytes.
 * Return 0; -EFBIG when the file is longer (buf then holds its first
 * size - 1 bytes); -EINVAL when size is 0; or the -errno of open() (e.g.
 * -ENOENT) or read().  buf is a string whatever the result.
 */
int procfile_read(const char *path, char *buf, size_t size, size_t *len);

#endif
