// SPDX-License-Identifier: MIT
/*
 * hist_record: the cost of one histogram record (src/common/hist.h), in ns,
 * for the notes; a measurement, not a test (it asserts nothing about
 * speed, so it lives here and not in tests/unit).
 *
 *	build/bench/micro/hist_record [ITERATIONS]	(default 10000000)
 *
 * For each of two sample distributions (exponential, mean 50 us; log-
 * uniform, 1 us .. 100 s), 64 Ki samples drawn from a fixed seed are
 * recorded ITERATIONS times in turn; prints ns per record.  Exits 1 when
 * the histogram's count is not ITERATIONS (the loop was optimised away or
 * hist_record lost samples).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "common/hist.h"

#define NSAMPLES	(1u << 16)

/* splitmix64: small, seeded, good enough for benchmark data. */
static uint64_t rng_state;

static double rng_unit(void)
{
	uint64_t z = (rng_state += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	z ^= z >> 31;
	return (double)(z >> 11) / (double)(UINT64_C(1) << 53);
}

static uint64_t draw_exp(void)		/* mean 50 us, a long tail */
{
	return (uint64_t)(-log1p(-rng_unit()) * 50e3);
}

static uint64_t draw_loguniform(void)	/* 1 us .. 100 s, uniform in log */
{
	return (uint64_t)exp(log(1e3) + rng_unit() * (log(1e11) - log(1e3)));
}

static double ns_per_record(struct hist *h, const uint64_t *v, size_t iters)
{
	struct timespec a, b;
	size_t i;

	hist_reset(h);
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 0; i < iters; i++)
		hist_record(h, v[i & (NSAMPLES - 1)]);
	clock_gettime(CLOCK_MONOTONIC, &b);
	if (hist_count(h) != iters) {
		fprintf(stderr, "hist_record: count %llu, expected %zu\n",
			(unsigned long long)hist_count(h), iters);
		exit(1);
	}
	return ((double)(b.tv_sec - a.tv_sec) * 1e9 +
		(double)(b.tv_nsec - a.tv_nsec)) / (double)iters;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		uint64_t (*draw)(void);
		uint64_t seed;
	} dists[] = {
		{ "exponential 50 us", draw_exp, 41 },
		{ "log-uniform 1 us..100 s", draw_loguniform, 42 },
	};
	size_t iters = 10000000, d, i;
	uint64_t *v = calloc(NSAMPLES, sizeof(*v));
	struct hist *h = hist_new();
	char *end;

	if (argc > 1) {
		iters = strtoul(argv[1], &end, 10);
		if (*end || !iters) {
			fprintf(stderr, "usage: %s [ITERATIONS]\n", argv[0]);
			return 2;
		}
	}
	if (!v || !h) {
		fprintf(stderr, "hist_record: out of memory\n");
		return 1;
	}
	for (d = 0; d < sizeof(dists) / sizeof(dists[0]); d++) {
		rng_state = dists[d].seed;
		for (i = 0; i < NSAMPLES; i++)
			v[i] = dists[d].draw();
		printf("hist_record: %.2f ns/record (%zu records, %s)\n",
		       ns_per_record(h, v, iters), iters, dists[d].name);
	}
	hist_free(h);
	free(v);
	return 0;
}
