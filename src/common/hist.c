// SPDX-License-Identifier: MIT
/*
 * hist - log-linear latency histogram; the layout and the error bound are
 * described in hist.h.  Everything here runs at report time: a walk over
 * at most HIST_NBUCKETS counters is cheap there, so no index or cumulative
 * table is kept that hist_record() would have to maintain.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/hist.h"

/* p is taken in steps of 1e-7 percent: rank = ceil(pp * n / PCT_SCALE). */
#define PCT_SCALE	1000000000u

void hist_reset(struct hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min = UINT64_MAX;
}

struct hist *hist_new(void)
{
	struct hist *h = malloc(sizeof(*h));

	if (h)
		hist_reset(h);
	return h;
}

void hist_free(struct hist *h)
{
	free(h);
}

int hist_merge(struct hist *dst, const struct hist *src)
{
	uint64_t count, sum;
	unsigned int i;

	/*
	 * Bucket counts cannot overflow if the total does not, and the sum of
	 * squares cannot if the sum does not (hist.h), so two checks made
	 * before touching dst cover everything.
	 */
	if (__builtin_add_overflow(dst->count, src->count, &count) ||
	    __builtin_add_overflow(dst->sum, src->sum, &sum))
		return -EOVERFLOW;
	for (i = 0; i < HIST_NBUCKETS; i++)
		dst->bucket[i] += src->bucket[i];
	dst->count = count;
	dst->sum = sum;
	dst->sumsq += src->sumsq;
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
	return 0;
}

uint64_t hist_count(const struct hist *h)
{
	return h->count;
}

uint64_t hist_min(const struct hist *h)
{
	return h->count ? h->min : 0;
}

uint64_t hist_max(const struct hist *h)
{
	return h->count ? h->max : 0;
}

double hist_mean(const struct hist *h)
{
	if (!h->count)
		return 0;
	return (double)((long double)h->sum / h->count);
}

double hist_stdev(const struct hist *h)
{
	uint64_t n = h->count, q, r;
	hist_u128 t;
	long double m2;

	if (n < 2)
		return 0;
	/*
	 * The sum of squared deviations is sumsq - sum^2 / n.  Computed
	 * naively in floating point it cancels catastrophically when the
	 * deviation is small beside the mean (1 s +- 1 ns).  With sum =
	 * q * n + r it is sumsq - q^2 n - 2 q r - r^2 / n, where every term
	 * but the last is an exact integer below sumsq, and r^2 / n < n.
	 * So only one rounding is left, and nothing overflows: q^2 n +
	 * 2 q r <= sum^2 / n <= sum * max < 2^128.
	 */
	q = h->sum / n;
	r = h->sum % n;
	t = (hist_u128)q * q * n + (hist_u128)2 * q * r;
	/* Only an inconsistent import could make this negative. */
	if (h->sumsq < t)
		return 0;
	m2 = (long double)(h->sumsq - t) - (long double)r * r / n;
	if (m2 <= 0)
		return 0;
	return (double)sqrtl(m2 / n);
}

uint64_t hist_value_at_rank(const struct hist *h, uint64_t rank)
{
	uint64_t seen = 0, upper;
	unsigned int i;

	if (!h->count)
		return 0;
	/* The extremes are known exactly; the buckets would round them. */
	if (rank <= 1)
		return h->min;
	if (rank >= h->count)
		return h->max;
	for (i = 0; i < HIST_OVERFLOW; i++) {
		seen += h->bucket[i];
		if (seen >= rank)
			break;
	}
	/* In the overflow bucket the only bound known is max. */
	if (i == HIST_OVERFLOW)
		return h->max;
	upper = hist_bucket_upper_ns(i);
	return upper < h->max ? upper : h->max;
}

uint64_t hist_percentile(const struct hist *h, double p)
{
	hist_u128 rank;
	uint64_t pp;

	/* !(p > 0) also catches NaN. */
	if (!(p > 0))
		pp = 0;
	else if (p >= 100)
		pp = PCT_SCALE;
	else
		pp = (uint64_t)llround(p * (PCT_SCALE / 100));
	/*
	 * Exact ceil(p/100 * n): in doubles, 99.9 / 100 * 1000 is a hair
	 * above 999 and would round the rank up to 1000.
	 */
	rank = ((hist_u128)pp * h->count + PCT_SCALE - 1) / PCT_SCALE;
	return hist_value_at_rank(h, (uint64_t)rank);
}

unsigned int hist_bucket_count(void)
{
	return HIST_NBUCKETS;
}

uint64_t hist_bucket_lower_ns(unsigned int i)
{
	unsigned int shift;

	if (i >= HIST_NBUCKETS)
		return 0;
	if (i == HIST_OVERFLOW)
		return HIST_LIMIT_NS;
	if (i < 2 * HIST_SUB)
		return i;
	/* Inverse of hist_bucket_index(): index = (shift << 7) + top. */
	shift = (i >> HIST_SUB_BITS) - 1;
	return (uint64_t)((i & (HIST_SUB - 1)) | HIST_SUB) << shift;
}

uint64_t hist_bucket_upper_ns(unsigned int i)
{
	unsigned int shift;

	if (i >= HIST_NBUCKETS)
		return 0;
	if (i == HIST_OVERFLOW)
		return UINT64_MAX;
	if (i < 2 * HIST_SUB)
		return i;
	shift = (i >> HIST_SUB_BITS) - 1;
	return hist_bucket_lower_ns(i) + (UINT64_C(1) << shift) - 1;
}

uint64_t hist_bucket_get(const struct hist *h, unsigned int i)
{
	return i < HIST_NBUCKETS ? h->bucket[i] : 0;
}

unsigned int hist_bucket_next(const struct hist *h, unsigned int i)
{
	for (; i < HIST_NBUCKETS; i++)
		if (h->bucket[i])
			return i;
	return HIST_NBUCKETS;
}

unsigned int hist_nonempty(const struct hist *h)
{
	unsigned int i, n = 0;

	for (i = 0; i < HIST_NBUCKETS; i++)
		n += h->bucket[i] != 0;
	return n;
}

void hist_get_summary(const struct hist *h, struct hist_summary *s)
{
	s->count = h->count;
	s->min = hist_min(h);
	s->max = hist_max(h);
	s->sum = h->sum;
	s->sumsq_hi = (uint64_t)(h->sumsq >> 64);
	s->sumsq_lo = (uint64_t)h->sumsq;
}

int hist_export(const struct hist *h, struct hist_summary *s,
		struct hist_pair *pairs, unsigned int max)
{
	unsigned int i, n = 0;

	hist_get_summary(h, s);
	for (i = hist_bucket_next(h, 0); i < HIST_NBUCKETS;
	     i = hist_bucket_next(h, i + 1)) {
		if (n == max)
			return -ENOSPC;
		pairs[n].index = i;
		pairs[n].pad = 0;
		pairs[n].count = h->bucket[i];
		n++;
	}
	return (int)n;
}

/* Whether *s and pairs[] could come from hist_export() of a real histogram. */
static int hist_import_check(const struct hist_summary *s,
			     const struct hist_pair *pairs, unsigned int n)
{
	hist_u128 sumsq = (hist_u128)s->sumsq_hi << 64 | s->sumsq_lo;
	uint64_t total = 0;
	unsigned int i;

	if (!s->count)
		return n || s->min || s->max || s->sum || sumsq ? -EINVAL : 0;
	if (!n)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (pairs[i].index >= HIST_NBUCKETS || !pairs[i].count)
			return -EINVAL;
		if (i && pairs[i].index <= pairs[i - 1].index)
			return -EINVAL;
		if (__builtin_add_overflow(total, pairs[i].count, &total))
			return -EINVAL;
	}
	if (total != s->count || s->min > s->max)
		return -EINVAL;
	if (hist_bucket_index(s->min) != pairs[0].index ||
	    hist_bucket_index(s->max) != pairs[n - 1].index)
		return -EINVAL;
	/*
	 * min <= v <= max for every sample bounds the sum and, multiplying
	 * by v, the sum of squares; hist_stdev() relies on the latter.
	 */
	if ((hist_u128)s->count * s->min > s->sum ||
	    (hist_u128)s->count * s->max < s->sum)
		return -EINVAL;
	if ((hist_u128)s->sum * s->min > sumsq ||
	    (hist_u128)s->sum * s->max < sumsq)
		return -EINVAL;
	return 0;
}

int hist_import(struct hist *h, const struct hist_summary *s,
		const struct hist_pair *pairs, unsigned int n)
{
	unsigned int i;
	int ret;

	ret = hist_import_check(s, pairs, n);
	if (ret)
		return ret;
	hist_reset(h);
	for (i = 0; i < n; i++)
		h->bucket[pairs[i].index] = pairs[i].count;
	h->count = s->count;
	if (s->count) {
		h->min = s->min;
		h->max = s->max;
	}
	h->sum = s->sum;
	h->sumsq = (hist_u128)s->sumsq_hi << 64 | s->sumsq_lo;
	return 0;
}
