// SPDX-License-Identifier: MIT
/* Unit tests of place: matching, attempt bound, worker CPU policies. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "client/place.h"

static int valid_choice(const struct place_cand *c, const unsigned int *ch,
			int n, const uint64_t *sa, const uint64_t *da)
{
	int i, j;

	for (i = 0; i < n; i++) {
		const struct place_cand *x = &c[ch[i]];

		if (x->src_cpu < 0 || x->dst_cpu < 0)
			return 0;
		if (sa && !((sa[x->src_cpu / 64] >> (x->src_cpu % 64)) & 1))
			return 0;
		if (da && !((da[x->dst_cpu / 64] >> (x->dst_cpu % 64)) & 1))
			return 0;
		for (j = 0; j < i; j++)
			if (c[ch[j]].src_cpu == x->src_cpu ||
			    c[ch[j]].dst_cpu == x->dst_cpu || ch[j] >= ch[i])
				return 0;
	}
	return 1;
}

/* Largest valid subset, by trying every subset. */
static int brute_force(const struct place_cand *c, unsigned int n,
		       const uint64_t *sa, const uint64_t *da)
{
	unsigned int mask, i, k, best = 0;
	unsigned int ch[16];

	for (mask = 0; mask < (1u << n); mask++) {
		for (i = 0, k = 0; i < n; i++)
			if (mask & (1u << i))
				ch[k++] = i;
		if (k > best && valid_choice(c, ch, (int)k, sa, da))
			best = k;
	}
	return (int)best;
}

static void test_match_simple(void **state)
{
	/* 0:(0,0) 1:(0,1) 2:(1,0): only a re-arrangement gives 2 flows. */
	struct place_cand c[] = { { 0, 0 }, { 0, 1 }, { 1, 0 } };
	unsigned int ch[3];
	int n;

	(void)state;
	n = place_match(c, 3, NULL, NULL, 2, ch);
	assert_int_equal(n, 2);
	assert_int_equal(ch[0], 1);
	assert_int_equal(ch[1], 2);
}

static void test_match_collisions(void **state)
{
	struct place_cand c[] = { { 1, 1 }, { 1, 1 }, { 1, 1 } };
	unsigned int ch[3];

	(void)state;
	assert_int_equal(place_match(c, 3, NULL, NULL, 3, ch), 1);
	assert_int_equal(ch[0], 0);
}

static void test_match_allowed(void **state)
{
	struct place_cand c[] = { { 0, 0 }, { 1, 1 }, { -1, 2 }, { 2, -1 } };
	uint64_t only1[PLACE_CPU_WORDS] = { 1u << 1 };
	unsigned int ch[4];

	(void)state;
	assert_int_equal(place_match(c, 4, only1, only1, 4, ch), 1);
	assert_int_equal(ch[0], 1);
	/* Unknown CPUs (-1) are never chosen. */
	assert_int_equal(place_match(c, 4, NULL, NULL, 4, ch), 2);
}

static void test_match_want_caps(void **state)
{
	struct place_cand c[] = { { 0, 0 }, { 1, 1 }, { 2, 2 }, { 3, 3 } };
	unsigned int ch[4];

	(void)state;
	assert_int_equal(place_match(c, 4, NULL, NULL, 2, ch), 2);
	/* The oldest candidates are kept. */
	assert_int_equal(ch[0], 0);
	assert_int_equal(ch[1], 1);
	assert_int_equal(place_match(c, 4, NULL, NULL, 0, ch), 0);
}

static void test_match_random_vs_brute(void **state)
{
	struct place_cand c[12];
	uint64_t sa[PLACE_CPU_WORDS], da[PLACE_CPU_WORDS];
	unsigned int ch[12];
	int round, n, k, want, got, best;

	(void)state;
	srand(12345);
	for (round = 0; round < 3000; round++) {
		n = 1 + rand() % 12;
		k = 1 + rand() % 6;
		memset(sa, 0, sizeof(sa));
		memset(da, 0, sizeof(da));
		sa[0] = (uint64_t)(rand() % 64) | 1;
		da[0] = (uint64_t)(rand() % 64) | 2;
		for (int i = 0; i < n; i++) {
			c[i].src_cpu = rand() % (k + 1) - (rand() % 8 == 0);
			c[i].dst_cpu = rand() % (k + 1) - (rand() % 8 == 0);
		}
		want = 1 + rand() % 7;
		got = place_match(c, (unsigned int)n, sa, da,
				  (unsigned int)want, ch);
		best = brute_force(c, (unsigned int)n, sa, da);
		if (best > want)
			best = want;
		assert_int_equal(got, best);
		assert_true(valid_choice(c, ch, got, sa, da));
	}
}

static void test_fail_bound(void **state)
{
	(void)state;
	/* Impossible placements are certain failures. */
	assert_true(place_fail_bound(3, 2, 2, 1000) == 1.0);
	assert_true(place_fail_bound(2, 2, 2, 1) == 1.0);
	/* A single flow always fits (p = 1). */
	assert_true(place_fail_bound(1, 4, 4, 1) == 0.0);
	/* The default makes 4 flows on 4 CPUs fail less than 1e-9. */
	assert_true(place_fail_bound(4, 4, 4, PLACE_ATTEMPTS_DEFAULT) < 1e-9);
	assert_true(place_fail_bound(2, 2, 2, PLACE_ATTEMPTS_DEFAULT) < 1e-9);
	/* And 10 rounds are clearly not enough for it. */
	assert_true(place_fail_bound(4, 4, 4, 10) > 0.5);
	/* Monotone in attempts. */
	assert_true(place_fail_bound(4, 4, 4, 100) >
		    place_fail_bound(4, 4, 4, 200));
	/* Exact for want 2, k 2: P(Bin(3, 1/4) < 2) = 27/64 + 27/64. */
	assert_true(place_fail_bound(2, 2, 2, 3) > 0.84374 &&
		    place_fail_bound(2, 2, 2, 3) < 0.84376);
}

static void test_worker_policies(void **state)
{
	uint64_t online[PLACE_CPU_WORDS] = { 0xb };	/* CPUs 0, 1, 3 */
	int rx[2] = { 1, 3 }, out[2];
	struct kperf_pin pin = { .policy = KPERF_PIN_RX_CPU };
	char err[128];

	(void)state;
	assert_int_equal(place_worker_cpu(&pin, rx, 2, online, out, err,
					  sizeof(err)), 0);
	assert_int_equal(out[0], 1);
	assert_int_equal(out[1], 3);
	pin = (struct kperf_pin){ .policy = KPERF_PIN_OFFSET, .offset = 1 };
	assert_int_equal(place_worker_cpu(&pin, rx, 2, online, out, err,
					  sizeof(err)), 0);
	assert_int_equal(out[0], 3);	/* 1 -> next online is 3 */
	assert_int_equal(out[1], 0);	/* 3 wraps to 0 */
	pin.offset = -1;
	assert_int_equal(place_worker_cpu(&pin, rx, 2, online, out, err,
					  sizeof(err)), 0);
	assert_int_equal(out[0], 0);
	assert_int_equal(out[1], 1);
	pin = (struct kperf_pin){ .policy = KPERF_PIN_CROSS };
	assert_int_equal(place_worker_cpu(&pin, rx, 2, online, out, err,
					  sizeof(err)), 0);
	assert_int_equal(out[0], 3);
	assert_int_equal(out[1], 1);
	assert_int_equal(place_worker_cpu(&pin, rx, 1, online, out, err,
					  sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "2 flows"));
	pin = (struct kperf_pin){ .policy = KPERF_PIN_CPU, .cpu = 2 };
	assert_int_equal(place_worker_cpu(&pin, rx, 2, online, out, err,
					  sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "CPU 2"));
	pin.cpu = 3;
	assert_int_equal(place_worker_cpu(&pin, rx, 2, online, out, err,
					  sizeof(err)), 0);
	assert_int_equal(out[0], 3);
	pin = (struct kperf_pin){ .policy = KPERF_PIN_NONE };
	assert_int_equal(place_worker_cpu(&pin, rx, 2, online, out, err,
					  sizeof(err)), 0);
	assert_int_equal(out[1], -1);
	rx[0] = -1;
	pin = (struct kperf_pin){ .policy = KPERF_PIN_RX_CPU };
	assert_int_equal(place_worker_cpu(&pin, rx, 2, online, out, err,
					  sizeof(err)), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_match_simple),
		cmocka_unit_test(test_match_collisions),
		cmocka_unit_test(test_match_allowed),
		cmocka_unit_test(test_match_want_caps),
		cmocka_unit_test(test_match_random_vs_brute),
		cmocka_unit_test(test_fail_bound),
		cmocka_unit_test(test_worker_policies),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
