// SPDX-License-Identifier: MIT
/* Unit tests for hostinfo: CPU list parsing/formatting, and this host. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/hostinfo.h"

struct good_case {
	const char *in;
	int count;
	const char *formatted;
};

static void test_parse_valid(void **state)
{
	static const struct good_case cases[] = {
		{ "0", 1, "0" },
		{ "0-3,8", 5, "0-3,8" },
		{ " 1,3-4\n", 3, "1,3-4" },
		{ "0-0", 1, "0" },
		{ "0,1", 2, "0-1" },
		{ "8,0-3", 5, "0-3,8" },
		{ "0-3,2-5", 6, "0-5" },	/* overlap counted once */
		{ "\t7\n", 1, "7" },
		{ "4095", 1, "4095" },
		{ "0-4095", 4096, "0-4095" },
		{ "63-64,127,128", 4, "63-64,127-128" },
		{ "007", 1, "7" },
	};
	uint64_t set[HOSTINFO_CPU_WORDS];
	char err[160], out[64];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct good_case *c = &cases[i];
		int ret;

		memset(err, 'x', sizeof(err));
		ret = cpulist_parse(c->in, set, HOSTINFO_MAX_CPUS, err,
				    sizeof(err));
		if (ret != c->count)
			fail_msg("\"%s\": got %d (%s), want %d", c->in, ret,
				 err, c->count);
		assert_string_equal(err, "");
		cpulist_format(set, HOSTINFO_MAX_CPUS, out, sizeof(out));
		assert_string_equal(out, c->formatted);
	}
}

static void test_parse_bits(void **state)
{
	uint64_t set[HOSTINFO_CPU_WORDS];

	memset(set, 0xff, sizeof(set));		/* must be cleared */
	assert_int_equal(cpulist_parse("0-3,8,64", set, HOSTINFO_MAX_CPUS,
				       NULL, 0), 6);
	assert_int_equal(set[0], 0x10full);
	assert_int_equal(set[1], 1);
	assert_int_equal(set[2], 0);
	assert_int_equal(set[HOSTINFO_CPU_WORDS - 1], 0);
	assert_true(cpuset_has(set, 8));
	assert_false(cpuset_has(set, 9));
}

struct bad_case {
	const char *in;
	unsigned int max_cpus;
	int ret;
	const char *msg;
};

static void test_parse_invalid(void **state)
{
	static const struct bad_case cases[] = {
		{ "", 4096, -EINVAL, "empty CPU list" },
		{ " \n", 4096, -EINVAL, "empty CPU list" },
		{ "a", 4096, -EINVAL,
		  "expected a CPU number at character 1 of \"a\"" },
		{ "3-1", 4096, -EINVAL,
		  "range 3-1 is descending at character 1 of \"3-1\"" },
		{ "0,5-2", 4096, -EINVAL,
		  "range 5-2 is descending at character 3 of \"0,5-2\"" },
		{ "1,,2", 4096, -EINVAL,
		  "expected a CPU number at character 3 of \"1,,2\"" },
		{ "0-,4", 4096, -EINVAL,
		  "expected a CPU number at character 3 of \"0-,4\"" },
		{ "1-", 4096, -EINVAL,
		  "expected a CPU number at character 3 of \"1-\"" },
		{ "-1", 4096, -EINVAL,
		  "expected a CPU number at character 1 of \"-1\"" },
		{ "1,", 4096, -EINVAL,
		  "expected a CPU number at character 3 of \"1,\"" },
		{ "5000", 4096, -ERANGE,
		  "CPU 5000 is above the maximum 4095"
		  " at character 1 of \"5000\"" },
		{ "0-9000", 4096, -ERANGE,
		  "CPU 9000 is above the maximum 4095"
		  " at character 3 of \"0-9000\"" },
		{ "4", 4, -ERANGE,
		  "CPU 4 is above the maximum 3 at character 1 of \"4\"" },
		{ "99999999999999999999999", 4096, -ERANGE,
		  "CPU 99999999999999999999... is above the maximum 4095"
		  " at character 1 of \"99999999999999999999999\"" },
		{ "1 2", 4096, -EINVAL,
		  "unexpected ' ' at character 2 of \"1 2\"" },
		{ " 1, 2", 4096, -EINVAL,
		  "expected a CPU number at character 4 of \" 1, 2\"" },
		{ "1-3-5", 4096, -EINVAL,
		  "unexpected '-' at character 4 of \"1-3-5\"" },
		{ "1;2", 4096, -EINVAL,
		  "unexpected ';' at character 2 of \"1;2\"" },
		{ "1\n2", 4096, -EINVAL,
		  "unexpected '?' at character 2 of \"1?2\"" },
	};
	uint64_t set[HOSTINFO_CPU_WORDS];
	char err[160];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct bad_case *c = &cases[i];
		int ret;

		memset(set, 0xff, sizeof(set));
		ret = cpulist_parse(c->in, set, c->max_cpus, err, sizeof(err));
		if (ret != c->ret)
			fail_msg("\"%s\": got %d (%s), want %d", c->in, ret,
				 err, c->ret);
		assert_string_equal(err, c->msg);
		/* A failed parse leaves no half-filled set behind. */
		assert_int_equal(set[0], 0);
	}
}

static void test_parse_error_buffer(void **state)
{
	uint64_t set[HOSTINFO_CPU_WORDS];
	char err[8];
	char long_in[200];

	/* A short buffer is cut but terminated; NULL is allowed. */
	assert_int_equal(cpulist_parse("x", set, 64, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "expecte");
	assert_int_equal(cpulist_parse("x", set, 64, NULL, 0), -EINVAL);

	/* A long input is quoted cut, not in full. */
	memset(long_in, '1', sizeof(long_in) - 1);
	long_in[sizeof(long_in) - 1] = '\0';
	long_in[100] = 'x';
	{
		char msg[256];

		assert_int_equal(cpulist_parse(long_in + 99, set, 4096, msg,
					       sizeof(msg)), -EINVAL);
		assert_non_null(strstr(msg, "at character 2 of \"1x1"));
		assert_non_null(strstr(msg, "...\""));
		assert_true(strlen(msg) < 120);
	}
}

static void test_format(void **state)
{
	uint64_t set[HOSTINFO_CPU_WORDS] = { 0 };
	char out[64];

	cpulist_format(set, HOSTINFO_MAX_CPUS, out, sizeof(out));
	assert_string_equal(out, "");

	cpuset_add(set, 0);
	cpuset_add(set, 1);
	cpuset_add(set, 2);
	cpuset_add(set, 3);
	cpuset_add(set, 8);
	cpulist_format(set, HOSTINFO_MAX_CPUS, out, sizeof(out));
	assert_string_equal(out, "0-3,8");

	/* Bits at or above max_cpus are not looked at. */
	cpulist_format(set, 3, out, sizeof(out));
	assert_string_equal(out, "0-2");

	cpuset_add(set, 4095);
	cpulist_format(set, HOSTINFO_MAX_CPUS, out, sizeof(out));
	assert_string_equal(out, "0-3,8,4095");
}

static void test_format_truncated(void **state)
{
	uint64_t set[HOSTINFO_CPU_WORDS] = { 0 };
	char out[16];

	cpulist_parse("0-3,8,10-11,100,2000", set, HOSTINFO_MAX_CPUS, NULL, 0);

	/* Cut after the last whole item, never inside a number. */
	memset(out, 'x', sizeof(out));
	cpulist_format(set, HOSTINFO_MAX_CPUS, out, 12);
	assert_string_equal(out, "0-3,8,10-11");
	cpulist_format(set, HOSTINFO_MAX_CPUS, out, 11);
	assert_string_equal(out, "0-3,8");
	cpulist_format(set, HOSTINFO_MAX_CPUS, out, 2);
	assert_string_equal(out, "");
	out[0] = 'x';
	cpulist_format(set, HOSTINFO_MAX_CPUS, out, 1);
	assert_int_equal(out[0], '\0');
	out[0] = 'x';
	cpulist_format(set, HOSTINFO_MAX_CPUS, out, 0);
	assert_int_equal(out[0], 'x');
}

static void test_round_trip(void **state)
{
	static const char *const lists[] = {
		"0", "0-3,8", "1,3-4", "0-4095", "0,2,4,6,4094",
		"63-64,127-128,1000-1023",
	};
	uint64_t a[HOSTINFO_CPU_WORDS], b[HOSTINFO_CPU_WORDS];
	char out[64];
	size_t i;

	for (i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		int n = cpulist_parse(lists[i], a, HOSTINFO_MAX_CPUS, NULL, 0);

		assert_true(n > 0);
		cpulist_format(a, HOSTINFO_MAX_CPUS, out, sizeof(out));
		assert_string_equal(out, lists[i]);
		assert_int_equal(cpulist_parse(out, b, HOSTINFO_MAX_CPUS,
					       NULL, 0), n);
		assert_memory_equal(a, b, sizeof(a));
	}
}

/* Check against what glibc and uname(2) say, not hard-coded numbers. */
static void test_hostinfo_this_host(void **state)
{
	long conf = sysconf(_SC_NPROCESSORS_CONF);
	long onln = sysconf(_SC_NPROCESSORS_ONLN);
	struct hostinfo h;
	struct utsname u;
	unsigned int c, n = 0, highest = 0;

	memset(&h, 0xa5, sizeof(h));
	assert_int_equal(hostinfo_get(&h), 0);
	assert_int_equal(uname(&u), 0);

	assert_true(h.ncpus >= 1);
	assert_true(h.ncpus <= HOSTINFO_MAX_CPUS);
	assert_true(h.n_online >= 1);
	assert_int_equal(h.n_online, onln);
	assert_true(h.ncpus >= (unsigned int)conf);
	assert_true(h.ncpus >= h.n_online);

	for (c = 0; c < HOSTINFO_MAX_CPUS; c++) {
		if (cpuset_has(h.online, c)) {
			n++;
			highest = c;
		}
	}
	assert_int_equal(n, h.n_online);
	assert_true(highest < h.ncpus);

	assert_string_equal(h.kernel, u.release);
	assert_int_equal(strncmp(h.hostname, u.nodename, 64), 0);
	assert_true(strlen(h.hostname) <= 64);
	print_message("ncpus %u, online %u, kernel %s\n", h.ncpus,
		      h.n_online, h.kernel);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_valid),
		cmocka_unit_test(test_parse_bits),
		cmocka_unit_test(test_parse_invalid),
		cmocka_unit_test(test_parse_error_buffer),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_format_truncated),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_hostinfo_this_host),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
