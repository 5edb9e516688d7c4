// SPDX-License-Identifier: MIT
/*
 * Unit tests for the latency histogram (src/common/hist.c).
 *
 * Every percentile is checked against the exact nearest-rank value of the
 * sorted samples, with the bound hist.h promises: exact <= reported <
 * exact * (1 + 1/128), and in the same bucket as the exact value.  Ranks
 * are computed here from p as a fraction of integers, independently of the
 * implementation's fixed-point p.  Random inputs come from a seeded
 * generator, so a failure reproduces.  The last test prints the cost of
 * hist_record() and asserts nothing about it.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/hist.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define NSAMPLES	100000
#define US		UINT64_C(1000)
#define MS		(1000 * US)
#define SEC		(1000 * MS)

/* p = num / den percent, so ranks can be computed exactly. */
struct pct {
	double p;
	uint64_t num;
	uint64_t den;
};

static const struct pct pcts[] = {
	{ 0, 0, 1 },
	{ 1, 1, 1 },
	{ 50, 50, 1 },
	{ 90, 90, 1 },
	{ 99, 99, 1 },
	{ 99.9, 999, 10 },
	{ 99.99, 9999, 100 },
	{ 100, 100, 1 },
};

/* splitmix64: small, seeded, good enough for test data. */
static uint64_t rng_state;

static void rng_seed(uint64_t seed)
{
	rng_state = seed;
}

static uint64_t rng_next(void)
{
	uint64_t z = (rng_state += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* Uniform in [0, 1). */
static double rng_unit(void)
{
	return (double)(rng_next() >> 11) * 0x1p-53;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* The nearest rank of p = num / den percent among n samples. */
static uint64_t exact_rank(uint64_t n, uint64_t num, uint64_t den)
{
	hist_u128 d = (hist_u128)den * 100;

	return (uint64_t)(((hist_u128)num * n + d - 1) / d);
}

static uint64_t exact_at_rank(const uint64_t *sorted, uint64_t n,
			      uint64_t rank)
{
	if (rank == 0)
		return sorted[0];
	return sorted[(rank > n ? n : rank) - 1];
}

/* The bound of hist.h, for a value r reported where x is exact. */
static void assert_bounded(uint64_t x, uint64_t r, uint64_t max)
{
	if (x >= HIST_LIMIT_NS) {
		/* Overflow bucket: only max is known. */
		assert_int_equal(r, max);
		return;
	}
	assert_true(r >= x);
	/* r - x < x / 128, i.e. under 0.79%, and well within 1%. */
	assert_true(r == x || (hist_u128)(r - x) * 128 < x);
	assert_true((hist_u128)(r - x) * 100 <= x);
	assert_int_equal(hist_bucket_index(r), hist_bucket_index(x));
}

/* The exact sum and sum of squares, through the public summary. */
static uint64_t sum_of(const struct hist *h)
{
	struct hist_summary s;

	hist_get_summary(h, &s);
	return s.sum;
}

static hist_u128 sumsq_of(const struct hist *h)
{
	struct hist_summary s;

	hist_get_summary(h, &s);
	return (hist_u128)s.sumsq_hi << 64 | s.sumsq_lo;
}

static void record_all(struct hist *h, const uint64_t *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		hist_record(h, v[i]);
}

static void assert_rel(long double want, double got, long double tol)
{
	if (want == 0) {
		assert_true(got == 0);
		return;
	}
	if (fabsl((got - want) / want) > tol)
		fail_msg("want %.17Lg got %.17g", want, got);
}

/* Mean and stdev against a two-pass computation in long double. */
static void check_moments(const struct hist *h, const uint64_t *v, size_t n,
			  long double tol)
{
	long double mean = 0, m2 = 0, d;
	size_t i;

	for (i = 0; i < n; i++)
		mean += v[i];
	mean /= n;
	for (i = 0; i < n; i++) {
		d = v[i] - mean;
		m2 += d * d;
	}
	assert_rel(mean, hist_mean(h), tol);
	assert_rel(sqrtl(m2 / n), hist_stdev(h), tol);
}

/*
 * Check h against the samples v[0..n-1] (sorted in place): exact count,
 * min, max, sum, moments; each of pcts[]; every rank_step-th rank.
 */
static void check_against(const struct hist *h, uint64_t *v, size_t n,
			  size_t rank_step)
{
	uint64_t sum = 0, rank, x, r;
	size_t i;

	qsort(v, n, sizeof(*v), cmp_u64);
	for (i = 0; i < n; i++)
		sum += v[i];
	assert_int_equal(hist_count(h), n);
	assert_int_equal(hist_min(h), v[0]);
	assert_int_equal(hist_max(h), v[n - 1]);
	assert_int_equal(sum_of(h), sum);
	check_moments(h, v, n, 1e-12L);

	for (i = 0; i < ARRAY_SIZE(pcts); i++) {
		rank = exact_rank(n, pcts[i].num, pcts[i].den);
		x = exact_at_rank(v, n, rank);
		r = hist_percentile(h, pcts[i].p);
		assert_bounded(x, r, v[n - 1]);
	}
	assert_int_equal(hist_percentile(h, 0), v[0]);
	assert_int_equal(hist_percentile(h, 100), v[n - 1]);

	for (rank = 1; rank <= n; rank += rank_step) {
		x = v[rank - 1];
		r = hist_value_at_rank(h, rank);
		assert_bounded(x, r, v[n - 1]);
	}
	assert_int_equal(hist_value_at_rank(h, n), v[n - 1]);
}

/* Percentiles never go down as p goes up. */
static void check_monotonic(const struct hist *h)
{
	uint64_t prev = 0, r;
	double p;

	for (p = 0; p <= 100; p += 0.0625) {
		r = hist_percentile(h, p);
		assert_true(r >= prev);
		prev = r;
	}
}

/* h's buckets and moments equal g's, bit for bit where it matters. */
static void assert_hist_equal(const struct hist *h, const struct hist *g)
{
	struct hist_summary a, b;
	unsigned int i;

	hist_get_summary(h, &a);
	hist_get_summary(g, &b);
	assert_memory_equal(&a, &b, sizeof(a));
	for (i = 0; i < HIST_NBUCKETS; i++)
		assert_int_equal(hist_bucket_get(h, i), hist_bucket_get(g, i));
	for (i = 0; i < ARRAY_SIZE(pcts); i++)
		assert_int_equal(hist_percentile(h, pcts[i].p),
				 hist_percentile(g, pcts[i].p));
	assert_true(hist_mean(h) == hist_mean(g));
	assert_true(hist_stdev(h) == hist_stdev(g));
}

static struct hist *new_hist(void)
{
	struct hist *h = hist_new();

	assert_non_null(h);
	return h;
}

static uint64_t *new_samples(size_t n)
{
	uint64_t *v = calloc(n, sizeof(*v));

	assert_non_null(v);
	return v;
}

/* Random distributions, in ns. */
enum dist { D_UNIFORM, D_LOGUNIFORM, D_EXP, D_BIMODAL, D_COUNT };

static uint64_t draw(enum dist d)
{
	double u = rng_unit(), x;

	switch (d) {
	case D_UNIFORM:		/* 1 us .. 100 s */
		return US + (uint64_t)(u * (100.0 * SEC - US));
	case D_LOGUNIFORM:	/* 1 us .. 100 s, uniform in log */
		return (uint64_t)exp(log(1e3) + u * (log(1e11) - log(1e3)));
	case D_EXP:		/* mean 50 us, a long tail */
		return (uint64_t)(-log1p(-u) * 50e3);
	case D_BIMODAL:		/* 90% near 100 us, 10% near 10 ms */
		x = rng_unit() < 0.9 ? 100e3 + 5e3 * (u - 0.5) :
				       10e6 + 2e6 * (u - 0.5);
		return (uint64_t)x;
	default:
		fail();
	}
	return 0;
}

static void fill(uint64_t *v, size_t n, enum dist d, uint64_t seed)
{
	size_t i;

	rng_seed(seed);
	for (i = 0; i < n; i++)
		v[i] = draw(d);
}

/* ---------------------------------------------------------------- */

static void test_size(void **state)
{
	struct hist *h = new_hist();

	/* The numbers the header comment states. */
	assert_int_equal(sizeof(struct hist), 31808);
	assert_int_equal(HIST_SIZE, 31808);
	assert_int_equal(HIST_NBUCKETS, 3969);
	assert_int_equal(hist_bucket_count(), HIST_NBUCKETS);
	assert_int_equal(HIST_LIMIT_NS, UINT64_C(137438953472));
	assert_int_equal(offsetof(struct hist, bucket) +
			 HIST_NBUCKETS * sizeof(uint64_t), 31800);
	assert_int_equal(sizeof(struct hist_pair), 16);
	assert_int_equal(sizeof(struct hist_summary), 48);
	assert_int_equal(hist_count(h), 0);
	hist_free(h);
}

/* Every bucket: contiguous bounds, index round trip, width bound. */
static void test_layout_every_bucket(void **state)
{
	uint64_t lo, hi, width;
	unsigned int i;

	assert_int_equal(hist_bucket_lower_ns(0), 0);
	for (i = 0; i < HIST_NBUCKETS; i++) {
		lo = hist_bucket_lower_ns(i);
		hi = hist_bucket_upper_ns(i);
		assert_true(lo <= hi);
		assert_int_equal(hist_bucket_index(lo), i);
		assert_int_equal(hist_bucket_index(hi), i);
		if (i > 0) {
			assert_int_equal(lo, hist_bucket_upper_ns(i - 1) + 1);
			assert_int_equal(hist_bucket_index(lo - 1), i - 1);
		}
		if (i == HIST_OVERFLOW)
			continue;
		assert_int_equal(hist_bucket_index(hi + 1), i + 1);
		width = hi - lo + 1;
		if (i < 2 * HIST_SUB)
			assert_int_equal(width, 1);
		else
			assert_true(width * 128 <= lo);
		/* Widths are powers of two and buckets are aligned. */
		assert_int_equal(width & (width - 1), 0);
		assert_int_equal(lo & (width - 1), 0);
	}
	assert_int_equal(hist_bucket_upper_ns(HIST_OVERFLOW - 1),
			 HIST_LIMIT_NS - 1);
	assert_int_equal(hist_bucket_lower_ns(HIST_OVERFLOW), HIST_LIMIT_NS);
	assert_int_equal(hist_bucket_upper_ns(HIST_OVERFLOW), UINT64_MAX);
	assert_int_equal(hist_bucket_index(UINT64_MAX), HIST_OVERFLOW);
	assert_int_equal(hist_bucket_index(HIST_LIMIT_NS), HIST_OVERFLOW);
	/* The required range is inside the tracked one. */
	assert_true(hist_bucket_index(100 * SEC) < HIST_OVERFLOW);
	assert_true(hist_bucket_index(US) > 0);
	/* Out of range indexes. */
	assert_int_equal(hist_bucket_lower_ns(HIST_NBUCKETS), 0);
	assert_int_equal(hist_bucket_upper_ns(HIST_NBUCKETS), 0);
	assert_int_equal(hist_bucket_upper_ns(UINT32_MAX), 0);
}

/* Every value below 2^22 and a million random ones, of every magnitude. */
static void test_index_values(void **state)
{
	unsigned int idx, prev = 0;
	uint64_t v;
	int i;

	for (v = 0; v < (1u << 22); v++) {
		idx = hist_bucket_index(v);
		assert_true(idx == prev || idx == prev + 1);
		assert_true(hist_bucket_lower_ns(idx) <= v);
		assert_true(hist_bucket_upper_ns(idx) >= v);
		prev = idx;
	}
	rng_seed(1);
	for (i = 0; i < 1000000; i++) {
		v = rng_next() >> (rng_next() % 64);
		idx = hist_bucket_index(v);
		assert_true(idx < HIST_NBUCKETS);
		assert_true(hist_bucket_lower_ns(idx) <= v);
		assert_true(hist_bucket_upper_ns(idx) >= v);
	}
}

static void test_empty(void **state)
{
	struct hist_summary s, zero = { 0 };
	struct hist_pair pair;
	struct hist *h = new_hist();
	size_t i;

	assert_int_equal(hist_count(h), 0);
	assert_int_equal(hist_min(h), 0);
	assert_int_equal(hist_max(h), 0);
	assert_true(hist_mean(h) == 0);
	assert_true(hist_stdev(h) == 0);
	for (i = 0; i < ARRAY_SIZE(pcts); i++)
		assert_int_equal(hist_percentile(h, pcts[i].p), 0);
	assert_int_equal(hist_value_at_rank(h, 1), 0);
	assert_int_equal(hist_nonempty(h), 0);
	assert_int_equal(hist_bucket_next(h, 0), HIST_NBUCKETS);
	memset(&s, 0xa5, sizeof(s));
	assert_int_equal(hist_export(h, &s, &pair, 0), 0);
	assert_memory_equal(&s, &zero, sizeof(s));
	hist_free(h);
}

static const uint64_t special[] = {
	0, 1, 2, 127, 128, 255, 256, 257, 511, 512, 999, 1000, 1001, 1023,
	1024, 12345, 65535, 65536, 999999, 1000000, 123456789,
	100 * SEC - 1, 100 * SEC, 100 * SEC + 1, HIST_LIMIT_NS - 1,
	HIST_LIMIT_NS, HIST_LIMIT_NS + 1, UINT64_C(1) << 62, UINT64_MAX,
};

static void test_single_sample(void **state)
{
	struct hist *h = new_hist();
	size_t i, j;
	uint64_t v;

	for (i = 0; i < ARRAY_SIZE(special); i++) {
		v = special[i];
		hist_reset(h);
		hist_record(h, v);
		assert_int_equal(hist_count(h), 1);
		assert_int_equal(hist_min(h), v);
		assert_int_equal(hist_max(h), v);
		assert_int_equal(sum_of(h), v);
		assert_true(sumsq_of(h) == (hist_u128)v * v);
		assert_true(hist_mean(h) == (double)v);
		assert_true(hist_stdev(h) == 0);
		assert_int_equal(hist_bucket_get(h, hist_bucket_index(v)), 1);
		assert_int_equal(hist_nonempty(h), 1);
		for (j = 0; j < ARRAY_SIZE(pcts); j++)
			assert_int_equal(hist_percentile(h, pcts[j].p), v);
		assert_int_equal(hist_percentile(h, 0.0001), v);
	}
	hist_free(h);
}

static void test_two_samples(void **state)
{
	struct hist *h = new_hist();

	/* Far apart: p <= 50 is rank 1, above is rank 2; both exact. */
	hist_record(h, 5 * SEC);
	hist_record(h, 1000);
	assert_int_equal(hist_percentile(h, 0), 1000);
	assert_int_equal(hist_percentile(h, 1), 1000);
	assert_int_equal(hist_percentile(h, 50), 1000);
	assert_int_equal(hist_percentile(h, 50.0000001), 5 * SEC);
	assert_int_equal(hist_percentile(h, 99.99), 5 * SEC);
	assert_int_equal(hist_percentile(h, 100), 5 * SEC);
	assert_true(hist_mean(h) == (5 * SEC + 1000) / 2.0);
	assert_true(hist_stdev(h) == (5 * SEC - 1000) / 2.0);

	/* Same bucket [1000, 1003]: still exact, from min and max. */
	hist_reset(h);
	hist_record(h, 1001);
	hist_record(h, 1002);
	assert_int_equal(hist_bucket_index(1000), hist_bucket_index(1003));
	assert_int_equal(hist_percentile(h, 50), 1001);
	assert_int_equal(hist_percentile(h, 51), 1002);
	assert_int_equal(hist_nonempty(h), 1);

	/* A middle rank reports the upper bound 1003, clamped to max. */
	hist_record(h, 1000);
	assert_int_equal(hist_percentile(h, 50), 1002);
	hist_record(h, 1000);
	hist_record(h, 1000);
	assert_int_equal(hist_percentile(h, 50), 1002);
	hist_record(h, 2000);
	assert_int_equal(hist_percentile(h, 50), 1003);
	hist_free(h);
}

static void test_all_equal(void **state)
{
	struct hist *h = new_hist();
	size_t i, j;
	uint64_t v;

	for (i = 0; i < ARRAY_SIZE(special); i++) {
		v = special[i];
		/* The sum must stay below 2^64 (hist.h). */
		if (v > UINT64_MAX / NSAMPLES)
			continue;
		hist_reset(h);
		for (j = 0; j < NSAMPLES; j++)
			hist_record(h, v);
		assert_int_equal(hist_count(h), NSAMPLES);
		assert_int_equal(hist_bucket_get(h, hist_bucket_index(v)),
				 NSAMPLES);
		for (j = 0; j < ARRAY_SIZE(pcts); j++)
			assert_int_equal(hist_percentile(h, pcts[j].p), v);
		assert_int_equal(hist_value_at_rank(h, NSAMPLES / 2), v);
		assert_true(hist_mean(h) == (double)v);
		assert_true(hist_stdev(h) == 0);
	}
	hist_free(h);
}

/*
 * Every bucket boundary and its neighbours: lower - 1, lower, lower + 1,
 * upper - 1, upper, upper + 1, all ranks checked, and each bucket's count
 * equals the samples in its bounds.
 */
static void test_boundaries(void **state)
{
	uint64_t *v = new_samples(6 * HIST_NBUCKETS);
	struct hist *h = new_hist();
	uint64_t lo, hi, b[6], want;
	size_t n = 0, k, j;
	unsigned int i;

	for (i = 0; i < HIST_NBUCKETS; i++) {
		lo = hist_bucket_lower_ns(i);
		hi = hist_bucket_upper_ns(i);
		b[0] = lo - 1;
		b[1] = lo;
		b[2] = lo + 1;
		b[3] = hi - 1;
		b[4] = hi;
		b[5] = hi + 1;
		for (j = 0; j < 6; j++) {
			/* Skip wrapped neighbours and sum overflow. */
			if ((j == 0 && lo == 0) || (j == 5 && hi == UINT64_MAX))
				continue;
			if (b[j] >= HIST_LIMIT_NS << 2)
				continue;
			v[n++] = b[j];
		}
	}
	record_all(h, v, n);
	check_against(h, v, n, 1);
	for (i = 0; i < HIST_NBUCKETS; i++) {
		lo = hist_bucket_lower_ns(i);
		hi = hist_bucket_upper_ns(i);
		want = 0;
		for (k = 0; k < n; k++)
			want += v[k] >= lo && v[k] <= hi;
		assert_int_equal(hist_bucket_get(h, i), want);
	}
	check_monotonic(h);
	hist_free(h);
	free(v);
}

/* Below 1 us: exact under 256 ns, at most 3 ns off up to 1023 ns. */
static void test_below_1us(void **state)
{
	uint64_t *v = new_samples(3 * 1024);
	struct hist *h = new_hist();
	uint64_t rank, x, r;
	size_t n = 0, i;

	for (i = 0; i < 3 * 1024; i++)
		v[n++] = i % 1024;
	record_all(h, v, n);
	check_against(h, v, n, 1);
	for (rank = 1; rank <= n; rank++) {
		x = v[rank - 1];
		r = hist_value_at_rank(h, rank);
		assert_true(r >= x && r - x <= 3);
		if (x < 256)
			assert_int_equal(r, x);
	}
	hist_free(h);
	free(v);
}

/* Above 100 s and the overflow bucket: moments stay exact. */
static void test_above_range(void **state)
{
	static const uint64_t big[] = {
		100 * SEC, 100 * SEC + 1, 120 * SEC, HIST_LIMIT_NS - 1,
		HIST_LIMIT_NS, HIST_LIMIT_NS + 1, 1000 * SEC,
		UINT64_C(1) << 50, UINT64_C(1) << 56,
	};
	uint64_t *v = new_samples(NSAMPLES);
	struct hist *h = new_hist();
	uint64_t over = 0;
	size_t n = 0, i;

	rng_seed(7);
	for (i = 0; i < 1000; i++)
		v[n++] = draw(D_EXP);
	for (i = 0; i < ARRAY_SIZE(big); i++)
		v[n++] = big[i];
	for (i = 0; i < 20; i++)
		v[n++] = (UINT64_C(1) << 40) + i;
	for (i = 0; i < n; i++)
		over += v[i] >= HIST_LIMIT_NS;
	record_all(h, v, n);
	assert_int_equal(hist_bucket_get(h, HIST_OVERFLOW), over);
	check_against(h, v, n, 1);
	/* The top percent lies in the overflow bucket: reported as max. */
	assert_int_equal(hist_percentile(h, 99), UINT64_C(1) << 56);
	assert_int_equal(hist_max(h), UINT64_C(1) << 56);
	hist_free(h);
	free(v);
}

/* The ends of the required range, 1 us and 100 s, side by side. */
static void test_range_extremes(void **state)
{
	uint64_t *v = new_samples(4000);
	struct hist *h = new_hist();
	size_t i;

	for (i = 0; i < 4000; i++)
		v[i] = (i & 1 ? US : 100 * SEC) + i / 2 % 3 - 1;
	record_all(h, v, 4000);
	check_against(h, v, 4000, 1);
	assert_int_equal(hist_percentile(h, 0), US - 1);
	assert_int_equal(hist_percentile(h, 100), 100 * SEC + 1);
	hist_free(h);
	free(v);
}

static void check_dist(enum dist d, uint64_t seed)
{
	uint64_t *v = new_samples(NSAMPLES);
	struct hist *h = new_hist();

	fill(v, NSAMPLES, d, seed);
	record_all(h, v, NSAMPLES);
	check_against(h, v, NSAMPLES, 7);
	check_monotonic(h);
	hist_free(h);
	free(v);
}

static void test_uniform(void **state)
{
	check_dist(D_UNIFORM, 11);
}

static void test_loguniform(void **state)
{
	check_dist(D_LOGUNIFORM, 12);
}

static void test_exponential(void **state)
{
	check_dist(D_EXP, 13);
}

static void test_bimodal(void **state)
{
	check_dist(D_BIMODAL, 14);
}

/* 3 random parts merged equal the whole, in any order. */
static void test_merge_equivalence(void **state)
{
	uint64_t *v = new_samples(NSAMPLES);
	struct hist *whole = new_hist(), *dst = new_hist(), *part[3];
	size_t i;
	int d, k;

	for (k = 0; k < 3; k++)
		part[k] = new_hist();
	for (d = 0; d < D_COUNT; d++) {
		fill(v, NSAMPLES, d, 100 + d);
		hist_reset(whole);
		hist_reset(dst);
		for (k = 0; k < 3; k++)
			hist_reset(part[k]);
		record_all(whole, v, NSAMPLES);
		for (i = 0; i < NSAMPLES; i++)
			hist_record(part[rng_next() % 3], v[i]);
		assert_true(hist_count(part[0]) && hist_count(part[1]) &&
			    hist_count(part[2]));

		for (k = 0; k < 3; k++)
			assert_int_equal(hist_merge(dst, part[k]), 0);
		assert_hist_equal(dst, whole);

		/* Other order, into a non-empty one. */
		assert_int_equal(hist_merge(part[2], part[0]), 0);
		assert_int_equal(hist_merge(part[2], part[1]), 0);
		assert_hist_equal(part[2], whole);
		check_against(dst, v, NSAMPLES, 101);
	}
	for (k = 0; k < 3; k++)
		hist_free(part[k]);
	hist_free(whole);
	hist_free(dst);
	free(v);
}

/* Empty histograms are neutral; merging with itself doubles. */
static void test_merge_empty_self(void **state)
{
	struct hist *a = new_hist(), *e = new_hist(), *b = new_hist();
	unsigned int i;

	hist_record(a, 5000);
	hist_record(a, 7 * MS);
	hist_record(a, 200 * SEC);
	assert_int_equal(hist_merge(b, a), 0);
	assert_hist_equal(b, a);
	assert_int_equal(hist_merge(b, e), 0);
	assert_hist_equal(b, a);
	assert_int_equal(hist_merge(e, e), 0);
	assert_int_equal(hist_count(e), 0);
	assert_int_equal(hist_min(e), 0);

	assert_int_equal(hist_merge(b, b), 0);
	assert_int_equal(hist_count(b), 6);
	assert_int_equal(hist_min(b), 5000);
	assert_int_equal(hist_max(b), 200 * SEC);
	assert_int_equal(sum_of(b), 2 * sum_of(a));
	assert_true(sumsq_of(b) == 2 * sumsq_of(a));
	for (i = 0; i < HIST_NBUCKETS; i++)
		assert_int_equal(hist_bucket_get(b, i),
				 2 * hist_bucket_get(a, i));
	assert_true(hist_stdev(b) == hist_stdev(a));
	hist_free(a);
	hist_free(b);
	hist_free(e);
}

/* Import of a histogram with these (value, count) buckets. */
static void import_counts(struct hist *h, const uint64_t (*vc)[2], size_t n)
{
	struct hist_pair p[8];
	struct hist_summary s = { .min = vc[0][0], .max = vc[n - 1][0] };
	hist_u128 sq = 0;
	size_t i;

	assert_true(n <= ARRAY_SIZE(p));
	for (i = 0; i < n; i++) {
		p[i] = (struct hist_pair){ hist_bucket_index(vc[i][0]), 0,
					   vc[i][1] };
		s.count += vc[i][1];
		s.sum += vc[i][0] * vc[i][1];
		sq += (hist_u128)vc[i][0] * vc[i][0] * vc[i][1];
	}
	s.sumsq_hi = (uint64_t)(sq >> 64);
	s.sumsq_lo = (uint64_t)sq;
	assert_int_equal(hist_import(h, &s, p, n), 0);
}

static void test_merge_overflow(void **state)
{
	static const uint64_t many[][2] = { { 1, UINT64_C(1) << 63 } };
	static const uint64_t few[][2] = { { 1, 1 } };
	static const uint64_t long_[][2] = { { UINT64_C(1) << 62, 3 } };
	struct hist *a = new_hist(), *b = new_hist(), *c = new_hist();
	struct hist *saved = new_hist();

	/* Count: 2^63 + 2^63 does not fit. */
	import_counts(a, many, 1);
	import_counts(b, many, 1);
	assert_int_equal(hist_merge(saved, a), 0);
	assert_int_equal(hist_merge(a, b), -EOVERFLOW);
	assert_hist_equal(a, saved);
	/* One more still fits. */
	import_counts(c, few, 1);
	assert_int_equal(hist_merge(a, c), 0);
	assert_int_equal(hist_count(a), (UINT64_C(1) << 63) + 1);

	/* Sum: 3 * 2^62 + 3 * 2^62 does not fit. */
	import_counts(a, long_, 1);
	import_counts(b, long_, 1);
	hist_reset(saved);
	assert_int_equal(hist_merge(saved, a), 0);
	assert_int_equal(hist_merge(a, b), -EOVERFLOW);
	assert_hist_equal(a, saved);
	hist_free(a);
	hist_free(b);
	hist_free(c);
	hist_free(saved);
}

/* The sample of a rank among (value, count) pairs in increasing order. */
static uint64_t value_at(const uint64_t (*vc)[2], size_t n, uint64_t rank)
{
	uint64_t seen = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		seen += vc[i][1];
		if (seen >= rank)
			return vc[i][0];
	}
	return vc[n - 1][0];
}

/* Counts near 2^40 and a total near 2^64: ranks without overflow. */
static void test_huge_counts(void **state)
{
	const uint64_t g = UINT64_C(1) << 40;
	const uint64_t vc[][2] = {
		{ 1 * MS, g - 1 }, { 2 * MS, g }, { 10 * MS, g + 1 },
		{ 300 * SEC, 5 },
	};
	const uint64_t half[][2] = {
		{ 0, UINT64_C(1) << 63 }, { 1, (UINT64_C(1) << 63) - 1 },
	};
	struct hist *h = new_hist();
	uint64_t n = 3 * g + 5, rank;
	long double mean, m2, d;
	size_t i;

	import_counts(h, vc, ARRAY_SIZE(vc));
	assert_int_equal(hist_count(h), n);
	for (i = 0; i < ARRAY_SIZE(pcts); i++) {
		rank = exact_rank(n, pcts[i].num, pcts[i].den);
		assert_bounded(value_at(vc, ARRAY_SIZE(vc), rank),
			       hist_percentile(h, pcts[i].p), 300 * SEC);
	}
	/* p at the 1e-7 percent resolution hist.h promises. */
	rank = exact_rank(n, 333333333, 10000000);
	assert_true(rank < g - 1);
	assert_bounded(1 * MS, hist_percentile(h, 33.3333333), 300 * SEC);
	rank = exact_rank(n, 999999999, 10000000);
	assert_true(rank > 2 * g && rank < n - 5);
	assert_bounded(10 * MS, hist_percentile(h, 99.9999999), 300 * SEC);
	/* Ranks either side of each bucket's edge. */
	assert_int_equal(hist_value_at_rank(h, 1), 1 * MS);
	assert_bounded(1 * MS, hist_value_at_rank(h, g - 1), 300 * SEC);
	assert_bounded(2 * MS, hist_value_at_rank(h, g), 300 * SEC);
	assert_bounded(2 * MS, hist_value_at_rank(h, 2 * g - 1), 300 * SEC);
	assert_bounded(10 * MS, hist_value_at_rank(h, 2 * g), 300 * SEC);
	assert_bounded(10 * MS, hist_value_at_rank(h, n - 5), 300 * SEC);
	assert_int_equal(hist_value_at_rank(h, n - 4), 300 * SEC);
	assert_int_equal(hist_percentile(h, 100), 300 * SEC);

	mean = 0;
	for (i = 0; i < ARRAY_SIZE(vc); i++)
		mean += (long double)vc[i][0] * vc[i][1];
	mean /= n;
	m2 = 0;
	for (i = 0; i < ARRAY_SIZE(vc); i++) {
		d = vc[i][0] - mean;
		m2 += d * d * vc[i][1];
	}
	assert_rel(mean, hist_mean(h), 1e-12L);
	assert_rel(sqrtl(m2 / n), hist_stdev(h), 1e-12L);

	/* n = 2^64 - 1: half zeros, half ones. */
	import_counts(h, half, 2);
	assert_int_equal(hist_count(h), UINT64_MAX);
	assert_int_equal(hist_percentile(h, 50), 0);
	assert_int_equal(hist_percentile(h, 50.0000001), 1);
	assert_int_equal(hist_percentile(h, 100), 1);
	assert_int_equal(hist_value_at_rank(h, UINT64_C(1) << 63), 0);
	assert_int_equal(hist_value_at_rank(h, (UINT64_C(1) << 63) + 1), 1);
	assert_rel(0.5L, hist_mean(h), 1e-12L);
	assert_rel(0.5L, hist_stdev(h), 1e-12L);
	hist_free(h);
}

/* Stdev survives a deviation tiny beside the mean. */
static void test_stdev_precision(void **state)
{
	struct hist *h = new_hist();
	uint64_t base;
	size_t i, b;
	static const uint64_t bases[] = {
		US, SEC, HIST_LIMIT_NS - 2, 10000 * SEC,
	};

	for (b = 0; b < ARRAY_SIZE(bases); b++) {
		base = bases[b];
		hist_reset(h);
		for (i = 0; i < 1000000; i++)
			hist_record(h, base + (i & 1));
		assert_rel(base + 0.5L, hist_mean(h), 1e-15L);
		assert_rel(0.5L, hist_stdev(h), 1e-12L);
		/* Three values, 0 +- 1: stdev sqrt(2/3). */
		hist_reset(h);
		for (i = 0; i < 999999; i++)
			hist_record(h, base + i % 3 - 1);
		assert_rel(sqrtl(2.0L / 3), hist_stdev(h), 1e-12L);
	}
	hist_free(h);
}

/* p's rounding: 99.9 of 1000 is rank 999, not 1000; clamps of p. */
static void test_percentile_p(void **state)
{
	static const uint64_t rounding[][2] = {
		{ 0, 5699999 }, { 1, 1000000000 - 5699999 },
	};
	struct hist *h = new_hist();
	size_t i;

	for (i = 0; i < 999; i++)
		hist_record(h, 5);
	hist_record(h, 7);
	assert_int_equal(hist_percentile(h, 99.9), 5);
	assert_int_equal(hist_percentile(h, 99.9000001), 7);
	assert_int_equal(hist_percentile(h, 99.91), 7);
	hist_reset(h);
	/* 10000 samples, 9990 of 1 and ten of 2: p 99.9 is rank 9990. */
	for (i = 0; i < 9990; i++)
		hist_record(h, 1);
	for (i = 0; i < 10; i++)
		hist_record(h, 2);
	assert_int_equal(hist_percentile(h, 99.9), 1);
	assert_int_equal(hist_percentile(h, 99.91), 2);

	/*
	 * 0.57 * 1e7 is 5699999.999... in doubles: p must be rounded, not
	 * truncated, to its 1e-7 percent step.  n = 1e9, rank 5700000.
	 */
	import_counts(h, rounding, 2);
	assert_int_equal(exact_rank(1000000000, 57, 100), 5700000);
	assert_int_equal(hist_percentile(h, 0.57), 1);
	assert_int_equal(hist_value_at_rank(h, 5699999), 0);

	hist_reset(h);
	hist_record(h, 0);
	hist_record(h, 9);
	assert_int_equal(hist_percentile(h, -1), 0);
	assert_int_equal(hist_percentile(h, -INFINITY), 0);
	assert_int_equal(hist_percentile(h, NAN), 0);
	assert_int_equal(hist_percentile(h, 100.5), 9);
	assert_int_equal(hist_percentile(h, INFINITY), 9);
	assert_int_equal(hist_percentile(h, 1e-9), 0);
	assert_int_equal(hist_value_at_rank(h, 0), 0);
	assert_int_equal(hist_value_at_rank(h, UINT64_MAX), 9);
	hist_free(h);
}

static void test_export_import(void **state)
{
	struct hist_pair *p = calloc(HIST_NBUCKETS, sizeof(*p));
	uint64_t *v = new_samples(NSAMPLES);
	struct hist *h = new_hist(), *g = new_hist();
	struct hist_summary s;
	unsigned int n, i;
	int ret;

	assert_non_null(p);
	fill(v, NSAMPLES, D_LOGUNIFORM, 21);
	record_all(h, v, NSAMPLES);
	hist_record(h, 500 * SEC);
	n = hist_nonempty(h);
	assert_true(n > 1000);

	assert_int_equal(hist_export(h, &s, p, n - 1), -ENOSPC);
	memset(p, 0xa5, HIST_NBUCKETS * sizeof(*p));
	ret = hist_export(h, &s, p, n);
	assert_int_equal(ret, n);
	for (i = 0; i < n; i++) {
		assert_int_equal(p[i].pad, 0);
		assert_true(p[i].count > 0);
		assert_int_equal(p[i].count, hist_bucket_get(h, p[i].index));
		if (i)
			assert_true(p[i].index > p[i - 1].index);
	}
	assert_int_equal(p[n - 1].index, HIST_OVERFLOW);
	assert_int_equal(hist_export(h, &s, p, HIST_NBUCKETS), n);

	hist_record(g, 3);		/* replaced, not added to */
	assert_int_equal(hist_import(g, &s, p, n), 0);
	assert_hist_equal(g, h);
	assert_true(sumsq_of(g) == sumsq_of(h));

	/* Import ignores pad. */
	p[0].pad = 0xdeadbeef;
	assert_int_equal(hist_import(g, &s, p, n), 0);
	assert_hist_equal(g, h);

	/* The empty histogram round-trips too. */
	hist_reset(h);
	assert_int_equal(hist_export(h, &s, p, 0), 0);
	assert_int_equal(hist_import(g, &s, p, 0), 0);
	assert_int_equal(hist_count(g), 0);
	assert_int_equal(hist_min(g), 0);
	hist_record(g, 42);
	assert_int_equal(hist_min(g), 42);
	free(p);
	free(v);
	hist_free(h);
	hist_free(g);
}

/* A valid three-bucket import, broken one field at a time. */
struct bad_import {
	const char *name;
	void (*spoil)(struct hist_summary *s, struct hist_pair *p,
		      unsigned int *n);
};

static void spoil_index_nbuckets(struct hist_summary *s, struct hist_pair *p,
				 unsigned int *n)
{
	p[2].index = HIST_NBUCKETS;
	s->max = HIST_LIMIT_NS;
}

static void spoil_index_max(struct hist_summary *s, struct hist_pair *p,
			    unsigned int *n)
{
	p[2].index = UINT32_MAX;
}

static void spoil_index_order(struct hist_summary *s, struct hist_pair *p,
			      unsigned int *n)
{
	struct hist_pair t = p[1];

	p[1] = p[2];
	p[2] = t;
}

static void spoil_index_dup(struct hist_summary *s, struct hist_pair *p,
			    unsigned int *n)
{
	p[1].index = p[0].index;
	p[0].count -= 1;
	p[1].count += 1;
}

static void spoil_zero_count(struct hist_summary *s, struct hist_pair *p,
			     unsigned int *n)
{
	s->count -= p[1].count;
	p[1].count = 0;
}

static void spoil_count_sum(struct hist_summary *s, struct hist_pair *p,
			    unsigned int *n)
{
	s->count++;
}

static void spoil_count_wrap(struct hist_summary *s, struct hist_pair *p,
			     unsigned int *n)
{
	/* Adds up to s->count modulo 2^64. */
	p[0].count = 2;
	p[1].count = UINT64_MAX - 1;
	p[2].count = s->count;
}

static void spoil_min_bucket(struct hist_summary *s, struct hist_pair *p,
			     unsigned int *n)
{
	s->min = hist_bucket_upper_ns(p[0].index) + 1;
}

static void spoil_max_bucket(struct hist_summary *s, struct hist_pair *p,
			     unsigned int *n)
{
	s->max = hist_bucket_lower_ns(p[2].index) - 1;
}

static void spoil_min_above_max(struct hist_summary *s, struct hist_pair *p,
				unsigned int *n)
{
	*n = 1;
	p[0].count = s->count;
	s->min = 1001;
	s->max = 1000;
	s->sum = 1000 * s->count;
}

static void spoil_sum_low(struct hist_summary *s, struct hist_pair *p,
			  unsigned int *n)
{
	s->sum = s->count * s->min - 1;
}

static void spoil_sum_high(struct hist_summary *s, struct hist_pair *p,
			   unsigned int *n)
{
	s->sum = s->count * s->max + 1;
}

static void spoil_sumsq_low(struct hist_summary *s, struct hist_pair *p,
			    unsigned int *n)
{
	s->sumsq_hi = 0;
	s->sumsq_lo = s->sum * s->min - 1;
}

static void spoil_sumsq_high(struct hist_summary *s, struct hist_pair *p,
			     unsigned int *n)
{
	s->sumsq_hi = UINT64_MAX;
}

static void spoil_no_pairs(struct hist_summary *s, struct hist_pair *p,
			   unsigned int *n)
{
	*n = 0;
}

static void spoil_empty_min(struct hist_summary *s, struct hist_pair *p,
			    unsigned int *n)
{
	memset(s, 0, sizeof(*s));
	s->min = 1;
	*n = 0;
}

static void spoil_empty_sumsq(struct hist_summary *s, struct hist_pair *p,
			      unsigned int *n)
{
	memset(s, 0, sizeof(*s));
	s->sumsq_hi = 1;
	*n = 0;
}

static void spoil_empty_pairs(struct hist_summary *s, struct hist_pair *p,
			      unsigned int *n)
{
	memset(s, 0, sizeof(*s));
}

static const struct bad_import bad_imports[] = {
	{ "index == HIST_NBUCKETS", spoil_index_nbuckets },
	{ "index UINT32_MAX", spoil_index_max },
	{ "indexes out of order", spoil_index_order },
	{ "duplicate index", spoil_index_dup },
	{ "zero count", spoil_zero_count },
	{ "counts != count", spoil_count_sum },
	{ "counts wrap", spoil_count_wrap },
	{ "min outside first bucket", spoil_min_bucket },
	{ "max outside last bucket", spoil_max_bucket },
	{ "min > max", spoil_min_above_max },
	{ "sum below count * min", spoil_sum_low },
	{ "sum above count * max", spoil_sum_high },
	{ "sumsq below sum * min", spoil_sumsq_low },
	{ "sumsq above sum * max", spoil_sumsq_high },
	{ "count without pairs", spoil_no_pairs },
	{ "empty with min", spoil_empty_min },
	{ "empty with sumsq", spoil_empty_sumsq },
	{ "empty with pairs", spoil_empty_pairs },
};

static void test_import_rejects(void **state)
{
	struct hist *h = new_hist(), *src = new_hist(), *saved = new_hist();
	struct hist_summary good, s;
	struct hist_pair gp[3], p[3];
	unsigned int n;
	size_t i;

	hist_record(src, 1000);
	hist_record(src, 1001);
	hist_record(src, 5 * MS);
	hist_record(src, 5 * MS);
	hist_record(src, 80 * SEC);
	assert_int_equal(hist_export(src, &good, gp, 3), 3);
	/* The unspoiled input is accepted. */
	assert_int_equal(hist_import(h, &good, gp, 3), 0);
	assert_hist_equal(h, src);

	hist_reset(h);
	hist_record(h, 777);
	assert_int_equal(hist_merge(saved, h), 0);
	for (i = 0; i < ARRAY_SIZE(bad_imports); i++) {
		s = good;
		memcpy(p, gp, sizeof(p));
		n = 3;
		bad_imports[i].spoil(&s, p, &n);
		if (hist_import(h, &s, p, n) != -EINVAL)
			fail_msg("accepted: %s", bad_imports[i].name);
		/* h is left as it was. */
		assert_hist_equal(h, saved);
	}
	hist_free(h);
	hist_free(src);
	hist_free(saved);
}

static void test_reset_iterate(void **state)
{
	struct hist *h = new_hist(), *fresh = new_hist();
	uint64_t *v = new_samples(NSAMPLES);
	unsigned int i, next, seen = 0;

	fill(v, NSAMPLES, D_BIMODAL, 31);
	record_all(h, v, NSAMPLES);
	/* bucket_next visits exactly the non-empty buckets, in order. */
	next = hist_bucket_next(h, 0);
	for (i = 0; i < HIST_NBUCKETS; i++) {
		if (!hist_bucket_get(h, i))
			continue;
		assert_int_equal(next, i);
		next = hist_bucket_next(h, i + 1);
		seen++;
	}
	assert_int_equal(next, HIST_NBUCKETS);
	assert_int_equal(seen, hist_nonempty(h));
	assert_int_equal(hist_bucket_next(h, HIST_NBUCKETS), HIST_NBUCKETS);
	assert_int_equal(hist_bucket_get(h, HIST_NBUCKETS), 0);

	hist_reset(h);
	assert_memory_equal(h, fresh, sizeof(*h));
	hist_record(h, 12);
	assert_int_equal(hist_min(h), 12);
	assert_int_equal(hist_max(h), 12);
	hist_free(h);
	hist_free(fresh);
	free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_size),
		cmocka_unit_test(test_layout_every_bucket),
		cmocka_unit_test(test_index_values),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_single_sample),
		cmocka_unit_test(test_two_samples),
		cmocka_unit_test(test_all_equal),
		cmocka_unit_test(test_boundaries),
		cmocka_unit_test(test_below_1us),
		cmocka_unit_test(test_above_range),
		cmocka_unit_test(test_range_extremes),
		cmocka_unit_test(test_uniform),
		cmocka_unit_test(test_loguniform),
		cmocka_unit_test(test_exponential),
		cmocka_unit_test(test_bimodal),
		cmocka_unit_test(test_merge_equivalence),
		cmocka_unit_test(test_merge_empty_self),
		cmocka_unit_test(test_merge_overflow),
		cmocka_unit_test(test_huge_counts),
		cmocka_unit_test(test_stdev_precision),
		cmocka_unit_test(test_percentile_p),
		cmocka_unit_test(test_export_import),
		cmocka_unit_test(test_import_rejects),
		cmocka_unit_test(test_reset_iterate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
