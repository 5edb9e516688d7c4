// SPDX-License-Identifier: MIT
/* Unit tests for taskstat: parsing stat lines, this thread, pinning. */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/hostinfo.h"
#include "common/taskstat.h"

#define HZ		100
#define NS_PER_TICK	10000000ull	/* at HZ */

/*
 * Fields 3..52 of a real line: utime (14) = 250, stime (15) = 75,
 * processor (39) = 3.
 */
#define STAT_TAIL \
	" S 4636 4636 2766 0 -1 4194304 102 0 0 0 250 75 0 0 20 0 1 0" \
	" 186515 2998272 395 18446744073709551615 94880007344128" \
	" 94880007368233 140728987761696 0 0 0 0 0 0 0 0 0 17 3 0 0 0 0 0" \
	" 94880007384080 94880007385696 94880034148352 140728987765368" \
	" 140728987765396 140728987765396 140728987766762 0\n"

static void expect_parsed(const char *line)
{
	struct taskstat t;

	memset(&t, 0xa5, sizeof(t));
	assert_int_equal(taskstat_parse(line, HZ, &t), 0);
	assert_int_equal(t.cpu_last, 3);
	assert_int_equal(t.utime_ns, 250 * NS_PER_TICK);
	assert_int_equal(t.stime_ns, 75 * NS_PER_TICK);
}

static void test_parse_plain(void **state)
{
	expect_parsed("4720 (kperfd)" STAT_TAIL);
}

/* The comm may hold ')' and spaces: only the last ')' ends it. */
static void test_parse_tricky_comm(void **state)
{
	expect_parsed("4720 ((a) b))" STAT_TAIL);
	expect_parsed("4720 (a) b)" STAT_TAIL);
	expect_parsed("4720 () 1 2 3 4)" STAT_TAIL);
	expect_parsed("4720 ()" STAT_TAIL);
}

static void test_parse_ticks(void **state)
{
	struct taskstat t;

	/* 250 Hz: one tick is 4 ms. */
	assert_int_equal(taskstat_parse("1 (x)" STAT_TAIL, 250, &t), 0);
	assert_int_equal(t.utime_ns, 1000000000ull);
	assert_int_equal(t.stime_ns, 300000000ull);
	assert_int_equal(taskstat_parse("1 (x)" STAT_TAIL, 0, &t), -EINVAL);
}

static void test_parse_truncated(void **state)
{
	static const char *const bad[] = {
		"",
		"4720 (kperfd",
		"4720 (kperfd)",
		"4720 (kperfd)\n",
		/* Ends after field 38: the processor field is missing. */
		"4720 (kperfd) S 4636 4636 2766 0 -1 4194304 102 0 0 0 250 75"
		" 0 0 20 0 1 0 186515 2998272 395 18446744073709551615 1 2 3"
		" 0 0 0 0 0 0 0 0 0 17\n",
		/* Cut inside utime's neighbourhood. */
		"4720 (kperfd) S 4636 4636 2766 0 -1 4194304 102 0 0 0 250\n",
		/* Not a stat line at all. */
		"(kperfd)" STAT_TAIL,
		"x (kperfd)" STAT_TAIL,
		"4720 kperfd)" STAT_TAIL,
		/* A non-number where utime belongs. */
		"4720 (kperfd) S 4636 4636 2766 0 -1 4194304 102 0 0 0 2x0 75"
		" 0 0 20 0 1 0 186515 2998272 395 18446744073709551615 1 2 3"
		" 0 0 0 0 0 0 0 0 0 17 3 0\n",
		/* A negative processor. */
		"4720 (kperfd) S 4636 4636 2766 0 -1 4194304 102 0 0 0 250 75"
		" 0 0 20 0 1 0 186515 2998272 395 18446744073709551615 1 2 3"
		" 0 0 0 0 0 0 0 0 0 17 -3 0\n",
		/* An empty field (two spaces). */
		"4720 (kperfd) S  4636 4636 2766 0 -1 4194304 102 0 0 0 250 75"
		" 0 0 20 0 1 0 186515 2998272 395 18446744073709551615 1 2 3"
		" 0 0 0 0 0 0 0 0 0 17 3 0\n",
	};
	struct taskstat t;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (taskstat_parse(bad[i], HZ, &t) != -EBADMSG)
			fail_msg("accepted \"%s\"", bad[i]);
}

/* The processor field may be the last one an old kernel prints. */
static void test_parse_ends_at_processor(void **state)
{
	struct taskstat t;

	assert_int_equal(taskstat_parse(
		"4720 (kperfd) S 4636 4636 2766 0 -1 4194304 102 0 0 0 250 75"
		" 0 0 20 0 1 0 186515 2998272 395 18446744073709551615 1 2 3"
		" 0 0 0 0 0 0 0 0 0 17 5", HZ, &t), 0);
	assert_int_equal(t.cpu_last, 5);
}

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void test_read_self(void **state)
{
	struct hostinfo h;
	struct taskstat t;
	uint64_t start = thread_cpu_ns();
	volatile uint64_t spin = 0;

	assert_int_equal(hostinfo_get(&h), 0);

	/* Burn 200 ms of CPU so utime + stime has something to show. */
	while (thread_cpu_ns() - start < 200000000ull)
		spin++;

	assert_int_equal(taskstat_read(gettid(), &t), 0);
	assert_in_range(t.cpu_last, 0, h.ncpus - 1);
	assert_true(cpuset_has(h.online, (unsigned int)t.cpu_last));
	assert_true(t.utime_ns + t.stime_ns >= 100000000ull);
	assert_true(t.utime_ns + t.stime_ns <= thread_cpu_ns() + NS_PER_TICK);
}

static void test_read_no_such_thread(void **state)
{
	struct taskstat t;

	/* Our pid's parent is not a thread of this process. */
	assert_int_equal(taskstat_read(getppid(), &t), -ESRCH);
	assert_int_equal(taskstat_pinned_cpu(-5), -ESRCH);
}

struct child {
	pthread_barrier_t ready, done;
	pid_t tid;
	struct taskstat ts;
	int ts_ret;
};

static void *child_main(void *arg)
{
	struct child *c = arg;

	c->tid = gettid();
	pthread_barrier_wait(&c->ready);	/* parent pins us */
	pthread_barrier_wait(&c->done);		/* ... and checks */
	/* Running again, now on the pinned CPU. */
	c->ts_ret = taskstat_read(c->tid, &c->ts);
	return NULL;
}

/* Lowest CPU this process may run on, and how many it may run on. */
static int allowed_cpus(int *lowest)
{
	cpu_set_t set;
	int c;

	if (sched_getaffinity(0, sizeof(set), &set))
		return -errno;
	*lowest = -1;
	for (c = CPU_SETSIZE - 1; c >= 0; c--)
		if (CPU_ISSET(c, &set))
			*lowest = c;
	return CPU_COUNT(&set);
}

static void test_pinned_cpu(void **state)
{
	struct child c = { 0 };
	pthread_t th;
	cpu_set_t set;
	int lowest, n;

	n = allowed_cpus(&lowest);
	assert_true(n >= 1);
	if (n < 2) {
		print_message("skip: this process may run on one CPU only, "
			      "so pinned and unpinned look the same\n");
		skip();
	}
	if (lowest != 0)
		print_message("CPU 0 is not allowed here; pinning to CPU %d\n",
			      lowest);

	assert_int_equal(taskstat_pinned_cpu(gettid()), -1);

	pthread_barrier_init(&c.ready, NULL, 2);
	pthread_barrier_init(&c.done, NULL, 2);
	assert_int_equal(pthread_create(&th, NULL, child_main, &c), 0);
	pthread_barrier_wait(&c.ready);

	/* Not pinned yet: it inherited our affinity. */
	assert_int_equal(taskstat_pinned_cpu(c.tid), -1);

	CPU_ZERO(&set);
	CPU_SET(lowest, &set);
	assert_int_equal(pthread_setaffinity_np(th, sizeof(set), &set), 0);
	assert_int_equal(taskstat_pinned_cpu(c.tid), lowest);
	/* Pinning the child did not pin us. */
	assert_int_equal(taskstat_pinned_cpu(gettid()), -1);

	pthread_barrier_wait(&c.done);
	assert_int_equal(pthread_join(th, NULL), 0);
	pthread_barrier_destroy(&c.ready);
	pthread_barrier_destroy(&c.done);

	assert_int_equal(c.ts_ret, 0);
	assert_int_equal(c.ts.cpu_last, lowest);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_plain),
		cmocka_unit_test(test_parse_tricky_comm),
		cmocka_unit_test(test_parse_ticks),
		cmocka_unit_test(test_parse_truncated),
		cmocka_unit_test(test_parse_ends_at_processor),
		cmocka_unit_test(test_read_self),
		cmocka_unit_test(test_read_no_such_thread),
		cmocka_unit_test(test_pinned_cpu),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
