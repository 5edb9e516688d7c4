// SPDX-License-Identifier: MIT
/*
 * Unit tests for fullio over socketpairs and pipes.
 *
 * SIGPIPE keeps its default action on purpose: a write that raised it
 * would kill the test instead of returning -EPIPE.  Tests that could hang
 * on a bug arm alarm(), whose default action also kills the run.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/fullio.h"

#define BIG_LEN		(1u << 20)	/* well above a socket buffer */

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static void fill_pattern(unsigned char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = (unsigned char)(i * 7 + i / 251);
}

static void set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	assert_true(fl >= 0);
	assert_int_equal(fcntl(fd, F_SETFL, fl | O_NONBLOCK), 0);
}

struct peer {
	int fd;
	const unsigned char *src;	/* writer: data to send */
	unsigned char *dst;		/* reader: where to put it */
	size_t len;
	unsigned int pause_ms;		/* between chunks */
	size_t max_chunk;
	int ret;
};

/* Raw short writes of 1..max_chunk bytes, as a slow peer would do. */
static void *short_writer(void *arg)
{
	struct peer *p = arg;
	size_t off = 0, chunk = 1;

	while (off < p->len) {
		size_t n = chunk < p->len - off ? chunk : p->len - off;
		ssize_t w = write(p->fd, p->src + off, n);

		if (w < 0) {
			p->ret = -errno;
			return NULL;
		}
		off += (size_t)w;
		chunk = chunk % p->max_chunk + 1;
		if (p->pause_ms)
			sleep_ms(p->pause_ms);
	}
	p->ret = 0;
	return NULL;
}

/* Raw short reads, so the other side sees partial sends. */
static void *short_reader(void *arg)
{
	struct peer *p = arg;
	size_t off = 0, chunk = 1;

	while (off < p->len) {
		size_t n = chunk < p->len - off ? chunk : p->len - off;
		ssize_t r = read(p->fd, p->dst + off, n);

		if (r <= 0) {
			p->ret = r < 0 ? -errno : -ECONNRESET;
			return NULL;
		}
		off += (size_t)r;
		chunk = chunk * 3 % p->max_chunk + 1;
	}
	p->ret = 0;
	return NULL;
}

static void read_roundtrip(int timeout_ms, int nonblock)
{
	size_t len = 65536 + 13;
	unsigned char *src = malloc(len), *dst = calloc(1, len);
	struct peer p = { .src = src, .len = len, .max_chunk = 977 };
	pthread_t th;
	int sv[2];

	assert_non_null(src);
	assert_non_null(dst);
	fill_pattern(src, len);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	if (nonblock)
		set_nonblock(sv[0]);
	p.fd = sv[1];

	alarm(20);
	assert_int_equal(pthread_create(&th, NULL, short_writer, &p), 0);
	assert_int_equal(fio_read_full(sv[0], dst, len, timeout_ms), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	alarm(0);
	assert_int_equal(p.ret, 0);
	assert_memory_equal(src, dst, len);

	close(sv[0]);
	close(sv[1]);
	free(src);
	free(dst);
}

static void test_read_short_writes_blocking(void **state)
{
	read_roundtrip(-1, 0);
}

static void test_read_short_writes_timeout(void **state)
{
	read_roundtrip(5000, 0);
}

static void test_read_short_writes_nonblocking(void **state)
{
	read_roundtrip(5000, 1);
}

static void write_roundtrip(int timeout_ms, int nonblock)
{
	unsigned char *src = malloc(BIG_LEN), *dst = calloc(1, BIG_LEN);
	struct peer p = { .dst = dst, .len = BIG_LEN, .max_chunk = 65536 };
	pthread_t th;
	int sv[2];

	assert_non_null(src);
	assert_non_null(dst);
	fill_pattern(src, BIG_LEN);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	if (nonblock)
		set_nonblock(sv[0]);
	p.fd = sv[1];

	alarm(20);
	assert_int_equal(pthread_create(&th, NULL, short_reader, &p), 0);
	assert_int_equal(fio_write_full(sv[0], src, BIG_LEN, timeout_ms), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	alarm(0);
	assert_int_equal(p.ret, 0);
	assert_memory_equal(src, dst, BIG_LEN);

	close(sv[0]);
	close(sv[1]);
	free(src);
	free(dst);
}

static void test_write_big_blocking(void **state)
{
	write_roundtrip(-1, 0);
}

static void test_write_big_nonblocking(void **state)
{
	write_roundtrip(5000, 1);
}

static void test_eof_mid_read(void **state)
{
	char buf[20];
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(write(sv[1], "0123456789", 10), 10);
	close(sv[1]);
	alarm(10);
	assert_int_equal(fio_read_full(sv[0], buf, sizeof(buf), -1),
			 -ECONNRESET);
	alarm(0);
	assert_memory_equal(buf, "0123456789", 10);
	close(sv[0]);
}

static void test_timeout_nonblocking(void **state)
{
	uint64_t start, elapsed;
	char buf[4];
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	set_nonblock(sv[0]);
	alarm(10);
	start = now_ms();
	assert_int_equal(fio_read_full(sv[0], buf, sizeof(buf), 100),
			 -ETIMEDOUT);
	elapsed = now_ms() - start;
	alarm(0);
	assert_in_range(elapsed, 100, 2000);
	close(sv[0]);
	close(sv[1]);
}

/* A blocking socket with a timeout must not block inside recv(). */
static void test_timeout_blocking_socket(void **state)
{
	uint64_t start, elapsed;
	char buf[4];
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(write(sv[1], "ab", 2), 2);
	alarm(10);
	start = now_ms();
	assert_int_equal(fio_read_full(sv[0], buf, sizeof(buf), 100),
			 -ETIMEDOUT);
	elapsed = now_ms() - start;
	alarm(0);
	assert_in_range(elapsed, 100, 2000);
	close(sv[0]);
	close(sv[1]);
}

/* The timeout is for lack of progress, not for the whole transfer. */
static void test_timeout_resets_on_progress(void **state)
{
	unsigned char src[10], dst[10] = { 0 };
	struct peer p = { .src = src, .len = sizeof(src), .pause_ms = 30,
			  .max_chunk = 1 };
	uint64_t start;
	pthread_t th;
	int sv[2];

	fill_pattern(src, sizeof(src));
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	p.fd = sv[1];
	alarm(10);
	start = now_ms();
	assert_int_equal(pthread_create(&th, NULL, short_writer, &p), 0);
	/* 10 bytes 30 ms apart take ~300 ms, three times the timeout. */
	assert_int_equal(fio_read_full(sv[0], dst, sizeof(dst), 100), 0);
	assert_true(now_ms() - start >= 200);
	assert_int_equal(pthread_join(th, NULL), 0);
	alarm(0);
	assert_memory_equal(src, dst, sizeof(src));
	close(sv[0]);
	close(sv[1]);
}

static void test_zero_timeout(void **state)
{
	char buf[3];
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	/* Data already there is taken even with no time to wait. */
	assert_int_equal(write(sv[1], "xyz", 3), 3);
	assert_int_equal(fio_read_full(sv[0], buf, 3, 0), 0);
	assert_memory_equal(buf, "xyz", 3);
	assert_int_equal(fio_read_full(sv[0], buf, 3, 0), -ETIMEDOUT);
	close(sv[0]);
	close(sv[1]);
}

static void test_write_closed_peer(void **state)
{
	char buf[64] = { 0 };
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	close(sv[1]);
	/* Default SIGPIPE action: a missing MSG_NOSIGNAL kills the run. */
	assert_int_equal(fio_write_full(sv[0], buf, sizeof(buf), -1), -EPIPE);
	assert_int_equal(fio_write_full(sv[0], buf, sizeof(buf), 100), -EPIPE);
	close(sv[0]);
}

static void test_bad_fd(void **state)
{
	char buf[4] = { 0 };
	int fds[2];

	assert_int_equal(pipe(fds), 0);
	close(fds[0]);
	close(fds[1]);
	assert_int_equal(fio_read_full(fds[0], buf, sizeof(buf), 100), -EBADF);
	assert_int_equal(fio_write_full(fds[1], buf, sizeof(buf), -1), -EBADF);
}

static void test_zero_length(void **state)
{
	assert_int_equal(fio_read_full(-1, NULL, 0, 100), 0);
	assert_int_equal(fio_write_full(-1, NULL, 0, -1), 0);
}

/* Pipes: not sockets, so read()/write() after ENOTSOCK. */
static void pipe_roundtrip(int timeout_ms)
{
	size_t len = 3 * 65536 + 5;	/* above the default pipe size */
	unsigned char *src = malloc(len), *dst = calloc(1, len);
	struct peer p = { .dst = dst, .len = len, .max_chunk = 5000 };
	pthread_t th;
	int fds[2];

	assert_non_null(src);
	assert_non_null(dst);
	fill_pattern(src, len);
	assert_int_equal(pipe(fds), 0);
	p.fd = fds[0];

	alarm(20);
	assert_int_equal(pthread_create(&th, NULL, short_reader, &p), 0);
	assert_int_equal(fio_write_full(fds[1], src, len, timeout_ms), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(p.ret, 0);
	assert_memory_equal(src, dst, len);

	/* And back the other way, through fio_read_full(). */
	memset(dst, 0, len);
	p.src = src;
	p.fd = fds[1];
	p.max_chunk = 3000;
	assert_int_equal(pthread_create(&th, NULL, short_writer, &p), 0);
	assert_int_equal(fio_read_full(fds[0], dst, len, timeout_ms), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	alarm(0);
	assert_int_equal(p.ret, 0);
	assert_memory_equal(src, dst, len);

	close(fds[0]);
	close(fds[1]);
	free(src);
	free(dst);
}

static void test_pipe_roundtrip_blocking(void **state)
{
	pipe_roundtrip(-1);
}

static void test_pipe_roundtrip_timeout(void **state)
{
	pipe_roundtrip(5000);
}

/* A blocking pipe has no MSG_DONTWAIT: the timeout needs poll() first. */
static void test_pipe_timeouts(void **state)
{
	static char big[1u << 20];
	uint64_t start;
	char buf[4];
	int fds[2];

	assert_int_equal(pipe(fds), 0);
	alarm(10);
	start = now_ms();
	assert_int_equal(fio_read_full(fds[0], buf, sizeof(buf), 100),
			 -ETIMEDOUT);
	assert_in_range(now_ms() - start, 100, 2000);

	/* Nobody reads: the pipe fills and the write gives up. */
	start = now_ms();
	assert_int_equal(fio_write_full(fds[1], big, sizeof(big), 100),
			 -ETIMEDOUT);
	assert_in_range(now_ms() - start, 100, 2000);
	alarm(0);

	close(fds[0]);
	close(fds[1]);

	/* EOF on a pipe reads as a reset peer too. */
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(write(fds[1], "ab", 2), 2);
	close(fds[1]);
	assert_int_equal(fio_read_full(fds[0], buf, sizeof(buf), 100),
			 -ECONNRESET);
	close(fds[0]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_short_writes_blocking),
		cmocka_unit_test(test_read_short_writes_timeout),
		cmocka_unit_test(test_read_short_writes_nonblocking),
		cmocka_unit_test(test_write_big_blocking),
		cmocka_unit_test(test_write_big_nonblocking),
		cmocka_unit_test(test_eof_mid_read),
		cmocka_unit_test(test_timeout_nonblocking),
		cmocka_unit_test(test_timeout_blocking_socket),
		cmocka_unit_test(test_timeout_resets_on_progress),
		cmocka_unit_test(test_zero_timeout),
		cmocka_unit_test(test_write_closed_peer),
		cmocka_unit_test(test_bad_fd),
		cmocka_unit_test(test_zero_length),
		cmocka_unit_test(test_pipe_roundtrip_blocking),
		cmocka_unit_test(test_pipe_roundtrip_timeout),
		cmocka_unit_test(test_pipe_timeouts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
