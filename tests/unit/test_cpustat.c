// SPDX-License-Identifier: MIT
/* Unit tests for cpustat: parsing /proc/stat text, deltas and totals. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/cpustat.h"

#define HZ		100
#define NS_PER_TICK	10000000ull	/* at HZ */

/* A 5-CPU host with cpu2 offline, as /proc/stat prints it. */
static const char proc_stat[] =
	"cpu  10132153 290696 3084719 46828483 16683 0 25195 0 0 0\n"
	"cpu0 1393280 32966 572056 13343292 6130 0 17875 0 0 0\n"
	"cpu1 1335 20 30 400 5 6 7 8 9 10\n"
	"cpu3 100 0 50 1000 0 0 0 3 0 0\n"
	"cpu4 7 1 2 3 4 5 6 7 8 9\n"
	"intr 1462898 0 0 0 0 0 0 0 0 0 1 0 0 0 0 0 0\n"
	"ctxt 3096211\n"
	"btime 1700000000\n"
	"processes 12345\n"
	"procs_running 2\n"
	"procs_blocked 0\n"
	"softirq 1234 1 2 3 4 5 6 7 8 9 10\n";

static void test_parse_realistic(void **state)
{
	struct cpustat s;

	assert_int_equal(cpustat_parse(proc_stat, HZ, &s), 0);
	assert_int_equal(s.n, 5);
	assert_non_null(s.cpu);

	assert_int_equal(s.cpu[0].present, 1);
	assert_int_equal(s.cpu[0].user, (1393280ull + 32966) * NS_PER_TICK);
	assert_int_equal(s.cpu[0].system, 572056ull * NS_PER_TICK);
	assert_int_equal(s.cpu[0].idle, 13343292ull * NS_PER_TICK);
	assert_int_equal(s.cpu[0].iowait, 6130ull * NS_PER_TICK);
	assert_int_equal(s.cpu[0].softirq, 17875ull * NS_PER_TICK);

	/* Every column lands in its own field. */
	assert_int_equal(s.cpu[1].user, (1335ull + 20) * NS_PER_TICK);
	assert_int_equal(s.cpu[1].system, 30 * NS_PER_TICK);
	assert_int_equal(s.cpu[1].idle, 400 * NS_PER_TICK);
	assert_int_equal(s.cpu[1].iowait, 5 * NS_PER_TICK);
	assert_int_equal(s.cpu[1].irq, 6 * NS_PER_TICK);
	assert_int_equal(s.cpu[1].softirq, 7 * NS_PER_TICK);
	assert_int_equal(s.cpu[1].steal, 8 * NS_PER_TICK);

	/* The offline CPU is a hole, not a shift of the later rows. */
	assert_int_equal(s.cpu[2].present, 0);
	assert_int_equal(cpustat_total(&s.cpu[2]), 0);
	assert_int_equal(s.cpu[3].present, 1);
	assert_int_equal(s.cpu[3].steal, 3 * NS_PER_TICK);
	assert_int_equal(s.cpu[4].present, 1);
	assert_int_equal(s.cpu[4].user, 8 * NS_PER_TICK);
	cpustat_free(&s);
	assert_null(s.cpu);
	assert_int_equal(s.n, 0);
}

static void test_parse_ticks_conversion(void **state)
{
	struct cpustat s;

	/* 250 Hz: one tick is 4 ms. */
	assert_int_equal(cpustat_parse("cpu0 3 0 1 2\n", 250, &s), 0);
	assert_int_equal(s.cpu[0].user, 12000000ull);
	assert_int_equal(s.cpu[0].system, 4000000ull);
	cpustat_free(&s);

	/* A counter whose ticks * 1e9 would wrap still converts exactly. */
	assert_int_equal(cpustat_parse("cpu0 100000000000 0 0 0\n", 100,
				       &s), 0);
	assert_int_equal(s.cpu[0].user, 1000000000000000000ull);
	cpustat_free(&s);

	assert_int_equal(cpustat_parse("cpu0 1 2 3 4\n", 0, &s), -EINVAL);
	assert_null(s.cpu);
}

static void test_parse_short_lines(void **state)
{
	struct cpustat s;

	/* A 2.4-era line: four columns, the rest are 0. */
	assert_int_equal(cpustat_parse("cpu  4 6 8 10\ncpu0 1 2 3 4\n"
				       "cpu1 5 6 7 8 9", HZ, &s), 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.cpu[0].user, 3 * NS_PER_TICK);
	assert_int_equal(s.cpu[0].system, 3 * NS_PER_TICK);
	assert_int_equal(s.cpu[0].idle, 4 * NS_PER_TICK);
	assert_int_equal(s.cpu[0].iowait, 0);
	assert_int_equal(s.cpu[0].irq, 0);
	assert_int_equal(s.cpu[0].softirq, 0);
	assert_int_equal(s.cpu[0].steal, 0);
	/* Last line without '\n', five columns. */
	assert_int_equal(s.cpu[1].iowait, 9 * NS_PER_TICK);
	assert_int_equal(s.cpu[1].irq, 0);
	cpustat_free(&s);
}

static void test_parse_extra_columns_and_blanks(void **state)
{
	struct cpustat s;

	/* Future columns are ignored; tabs and trailing blanks are fine. */
	assert_int_equal(cpustat_parse("cpu0\t1 2 3 4 5 6 7 8 9 10 11 12  \n",
				       HZ, &s), 0);
	assert_int_equal(s.cpu[0].steal, 8 * NS_PER_TICK);
	cpustat_free(&s);
}

static void test_parse_no_cpus(void **state)
{
	struct cpustat s;

	assert_int_equal(cpustat_parse("", HZ, &s), 0);
	assert_int_equal(s.n, 0);
	assert_null(s.cpu);
	/* "cpu" not followed by a digit is not a cpuN line. */
	assert_int_equal(cpustat_parse("cpu 1 2 3 4\ncpufreq x\n", HZ, &s), 0);
	assert_int_equal(s.n, 0);
	cpustat_free(&s);
}

static void test_parse_malformed(void **state)
{
	static const char *const bad[] = {
		"cpu0 1 2 3\n",			/* too few columns */
		"cpu0\n",
		"cpu0 1 x 3 4\n",
		"cpu0 1 2 3 4x\n",
		"cpu0 -1 2 3 4\n",
		"cpu0x 1 2 3 4\n",
		"cpu0 1 2 3 99999999999999999999999\n",	/* overflow */
		"cpu4096 1 2 3 4\n",		/* id above 4095 */
		"cpu99999999999999999999999 1 2 3 4\n",
		"cpu0 1 2 3 4\ncpu0 1 2 3 4\n",	/* the same CPU twice */
		"cpu0 1 2 3 4\ncpu1 1 2\n",	/* bad line after a good one */
	};
	struct cpustat s;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		s.n = 77;
		s.cpu = (void *)&s;
		if (cpustat_parse(bad[i], HZ, &s) != -EBADMSG)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_int_equal(s.n, 0);
		assert_null(s.cpu);
	}
}

static void test_parse_max_cpu(void **state)
{
	struct cpustat s;

	assert_int_equal(cpustat_parse("cpu4095 1 2 3 4\n", HZ, &s), 0);
	assert_int_equal(s.n, 4096);
	assert_int_equal(s.cpu[4095].present, 1);
	assert_int_equal(s.cpu[0].present, 0);
	cpustat_free(&s);
}

/* A many-core /proc/stat, far above one page. */
static void test_parse_4096_cpus(void **state)
{
	size_t cap = 4096 * 64, len = 0;
	char *text = malloc(cap);
	struct cpustat s;
	unsigned int i;

	assert_non_null(text);
	len += (size_t)snprintf(text, cap, "cpu  1 2 3 4 5 6 7 8 0 0\n");
	for (i = 0; i < 4096; i++)
		len += (size_t)snprintf(text + len, cap - len,
					"cpu%u %u 0 1 2 3 4 5 6 0 0\n", i, i);
	assert_true(len < cap);
	assert_int_equal(cpustat_parse(text, HZ, &s), 0);
	assert_int_equal(s.n, 4096);
	for (i = 0; i < 4096; i++) {
		assert_int_equal(s.cpu[i].present, 1);
		assert_int_equal(s.cpu[i].user, i * NS_PER_TICK);
	}
	cpustat_free(&s);
	free(text);
}

static void test_delta(void **state)
{
	struct cpustat a, b, d;

	assert_int_equal(cpustat_parse("cpu0 10 0 20 30 0 0 0 5\n"
				       "cpu1 10 10 10 10\n"
				       "cpu2 1 1 1 1\n", HZ, &a), 0);
	/* cpu1's system went backwards; cpu2 went offline; cpu3 came up. */
	assert_int_equal(cpustat_parse("cpu0 15 1 22 40 0 0 0 9\n"
				       "cpu1 30 10 4 50\n"
				       "cpu3 1 1 1 1\n", HZ, &b), 0);
	assert_int_equal(cpustat_delta(&a, &b, &d), 0);
	assert_int_equal(d.n, 4);

	assert_int_equal(d.cpu[0].present, 1);
	assert_int_equal(d.cpu[0].user, 6 * NS_PER_TICK);
	assert_int_equal(d.cpu[0].system, 2 * NS_PER_TICK);
	assert_int_equal(d.cpu[0].idle, 10 * NS_PER_TICK);
	assert_int_equal(d.cpu[0].steal, 4 * NS_PER_TICK);
	assert_int_equal(cpustat_total(&d.cpu[0]), 22 * NS_PER_TICK);

	assert_int_equal(d.cpu[1].present, 1);
	assert_int_equal(d.cpu[1].user, 20 * NS_PER_TICK);
	assert_int_equal(d.cpu[1].system, 0);
	assert_int_equal(d.cpu[1].idle, 40 * NS_PER_TICK);

	assert_int_equal(d.cpu[2].present, 0);
	assert_int_equal(cpustat_total(&d.cpu[2]), 0);
	assert_int_equal(d.cpu[3].present, 0);
	assert_int_equal(cpustat_total(&d.cpu[3]), 0);

	cpustat_free(&a);
	cpustat_free(&b);
	cpustat_free(&d);
}

static void test_delta_empty(void **state)
{
	struct cpustat a = { 0 }, b = { 0 }, d;

	assert_int_equal(cpustat_delta(&a, &b, &d), 0);
	assert_int_equal(d.n, 0);
	assert_null(d.cpu);
}

static void test_total(void **state)
{
	struct cpustat_cpu c = {
		.present = 1, .user = 1, .system = 2, .irq = 4, .softirq = 8,
		.iowait = 16, .idle = 32, .steal = 64,
	};

	assert_int_equal(cpustat_total(&c), 127);
}

/*
 * The states by name and through the one struct cpustat_time are the same
 * memory, and CPUSTAT_STATES lists them in the wire's order.
 */
static void test_time_member(void **state)
{
	struct cpustat_cpu c = { .user = 1, .steal = 64 };
	static const char *const names[] = {
#define NAME(s) #s,
		CPUSTAT_STATES(NAME)
#undef NAME
	};
	static const char *const wire[] = {
		"user", "system", "irq", "softirq", "iowait", "idle", "steal",
	};
	unsigned int i;

	assert_int_equal(c.time.user, 1);
	c.time.idle = 32;
	assert_int_equal(c.idle, 32);
	assert_int_equal(cpustat_time_total(&c.time), 97);
	assert_int_equal(sizeof(names), sizeof(wire));
	for (i = 0; i < sizeof(wire) / sizeof(wire[0]); i++)
		assert_string_equal(names[i], wire[i]);
}

/* The live file: one present row per online CPU. */
static void test_read_live(void **state)
{
	long online = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned int i, present = 0;
	struct cpustat s;

	assert_int_equal(cpustat_read(&s), 0);
	assert_true(s.n >= 1);
	for (i = 0; i < s.n; i++) {
		present += (unsigned int)s.cpu[i].present;
		if (s.cpu[i].present)
			assert_true(cpustat_total(&s.cpu[i]) > 0);
	}
	assert_int_equal(present, online);
	cpustat_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_realistic),
		cmocka_unit_test(test_parse_ticks_conversion),
		cmocka_unit_test(test_parse_short_lines),
		cmocka_unit_test(test_parse_extra_columns_and_blanks),
		cmocka_unit_test(test_parse_no_cpus),
		cmocka_unit_test(test_parse_malformed),
		cmocka_unit_test(test_parse_max_cpu),
		cmocka_unit_test(test_parse_4096_cpus),
		cmocka_unit_test(test_delta),
		cmocka_unit_test(test_delta_empty),
		cmocka_unit_test(test_total),
		cmocka_unit_test(test_time_member),
		cmocka_unit_test(test_read_live),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
