// SPDX-License-Identifier: MIT
/*
 * Unit tests for procfile_read(): a file within, at and past the bound,
 * an empty and a missing file, and a pipe (opened by path through
 * /proc/self/fd) that hands its data over in short pieces and whose
 * reader is interrupted by signals, as /proc and /sys readers may be.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/procfile.h"

#define PIPE_DATA	65536	/* sixteen times the pipe's capacity */
#define PIPE_CAP	4096	/* the smallest F_SETPIPE_SZ allows */

/* A temporary file holding n bytes of 'a' + i % 26; its path in path. */
static void make_file(char path[32], size_t n)
{
	char *data = malloc(n + 1);
	size_t i;
	int fd;

	assert_non_null(data);
	for (i = 0; i < n; i++)
		data[i] = (char)('a' + i % 26);
	strcpy(path, "/tmp/kperf-procfile-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, n), (ssize_t)n);
	close(fd);
	free(data);
}

static void assert_pattern(const char *buf, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (buf[i] != (char)('a' + i % 26))
			fail_msg("byte %zu differs", i);
	assert_int_equal(buf[n], '\0');
}

/* size - 1 bytes fit; one more is -EFBIG, the buffer then cut there. */
static void test_bound(void **state)
{
	char path[32], buf[64];
	size_t len = 12345;

	(void)state;
	make_file(path, sizeof(buf) - 1);
	assert_int_equal(procfile_read(path, buf, sizeof(buf), &len), 0);
	assert_int_equal(len, sizeof(buf) - 1);
	assert_pattern(buf, len);
	unlink(path);

	make_file(path, sizeof(buf));
	assert_int_equal(procfile_read(path, buf, sizeof(buf), &len), -EFBIG);
	assert_int_equal(len, sizeof(buf) - 1);
	assert_pattern(buf, len);
	unlink(path);

	make_file(path, 100000);
	assert_int_equal(procfile_read(path, buf, sizeof(buf), NULL), -EFBIG);
	assert_pattern(buf, sizeof(buf) - 1);
	/* A one-byte buffer holds only the NUL: any content is too much. */
	assert_int_equal(procfile_read(path, buf, 1, &len), -EFBIG);
	assert_int_equal(len, 0);
	assert_int_equal(buf[0], '\0');
	assert_int_equal(procfile_read(path, buf, 0, NULL), -EINVAL);
	unlink(path);
}

static void test_empty(void **state)
{
	char path[32], buf[16];
	size_t len = 1;

	(void)state;
	make_file(path, 0);
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(procfile_read(path, buf, sizeof(buf), &len), 0);
	assert_int_equal(len, 0);
	assert_string_equal(buf, "");
	assert_int_equal(procfile_read(path, buf, 1, NULL), 0);
	unlink(path);
}

static void test_missing(void **state)
{
	char buf[16];

	(void)state;
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(procfile_read("/nonexistent/kperf/file", buf,
				       sizeof(buf), NULL), -ENOENT);
	assert_string_equal(buf, "");
	/* A directory opens but does not read. */
	assert_int_equal(procfile_read("/", buf, sizeof(buf), NULL), -EISDIR);
}

/* The live files the callers read: within their bounds, and text. */
static void test_proc(void **state)
{
	char buf[16384];
	size_t len;

	(void)state;
	assert_int_equal(procfile_read("/proc/self/stat", buf, sizeof(buf),
				       &len), 0);
	assert_true(len > 0 && len == strlen(buf));
	assert_int_equal(procfile_read("/proc/self/stat", buf, 8, &len),
			 -EFBIG);
	assert_int_equal(strlen(buf), 7);
}

struct writer {
	pthread_t reader;
	int fd;			/* the pipe's write end, closed when done */
	int signals;		/* how many SIGUSR1 to send first */
};

static volatile sig_atomic_t interrupted;

static void on_usr1(int sig)
{
	(void)sig;
	interrupted++;
}

/*
 * Signal the reader while it waits on the empty pipe, then write the
 * pattern through a pipe that holds PIPE_CAP bytes: every read() the
 * reader makes returns a piece of it.
 */
static void *writer_main(void *arg)
{
	struct writer *wr = arg;
	char *data = malloc(PIPE_DATA);
	size_t off = 0, i;
	int k;

	if (!data)
		abort();
	for (i = 0; i < PIPE_DATA; i++)
		data[i] = (char)('a' + i % 26);
	for (k = 0; k < wr->signals; k++) {
		pthread_kill(wr->reader, SIGUSR1);
		usleep(2000);
	}
	while (off < PIPE_DATA) {
		ssize_t n = write(wr->fd, data + off, PIPE_DATA - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			abort();
		off += (size_t)n;
	}
	close(wr->fd);
	free(data);
	return NULL;
}

static void test_pipe_short_reads(void **state)
{
	struct sigaction sa = { .sa_handler = on_usr1 }, old;
	struct writer wr = { .reader = pthread_self(), .signals = 5 };
	char path[64], *buf = malloc(PIPE_DATA * 2);
	pthread_t t;
	size_t len;
	int p[2];

	(void)state;
	assert_non_null(buf);
	/* No SA_RESTART: a signal makes the blocked read() fail EINTR. */
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGUSR1, &sa, &old), 0);
	assert_int_equal(pipe(p), 0);
	assert_true(fcntl(p[1], F_SETPIPE_SZ, PIPE_CAP) >= PIPE_CAP);
	assert_true(fcntl(p[1], F_GETPIPE_SZ) < PIPE_DATA);
	wr.fd = p[1];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", p[0]);
	assert_int_equal(pthread_create(&t, NULL, writer_main, &wr), 0);

	assert_int_equal(procfile_read(path, buf, PIPE_DATA * 2, &len), 0);
	assert_int_equal(len, PIPE_DATA);
	assert_pattern(buf, len);

	assert_int_equal(pthread_join(t, NULL), 0);
	/* Pending signals merge, so fewer handlers may run than were sent. */
	assert_true(interrupted > 0);
	close(p[0]);
	sigaction(SIGUSR1, &old, NULL);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bound),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_missing),
		cmocka_unit_test(test_proc),
		cmocka_unit_test(test_pipe_short_reads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
