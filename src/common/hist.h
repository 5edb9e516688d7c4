/* SPDX-License-Identifier: MIT */
/*
 * hist - log-linear (HDR-style) latency histogram in fixed memory.
 *
 * Records nanosecond values in O(1) with no allocation and no division, and
 * answers nearest-rank percentiles with a bounded relative error, plus an
 * exact count, min, max, mean and standard deviation.  Histograms with the
 * same layout (all of them: it is fixed at compile time) merge by adding
 * bucket counts, so percentiles of merged flows, workers or hosts equal
 * those of the concatenated samples; never average percentiles instead.
 *
 * Bucket layout (HIST_SUB_BITS = 7, so 128 sub-buckets per power of two):
 *	index 0..255		one value each: 0..255 ns, exact
 *	octave [2^k, 2^(k+1))	for k = 8..36: 128 buckets of 2^(k-7) ns,
 *				index (k - 7) * 128 + (v >> (k - 7))
 *	index 3968		overflow: v >= HIST_LIMIT_NS = 2^37 ns (137.4 s)
 * so HIST_NBUCKETS = 3969, and the index is one clz and one shift.
 *
 * Error bound: a bucket holds either one value or values v with
 * (bucket width) <= (bucket lower bound) / 128.  Percentiles report the
 * bucket's inclusive upper bound (clamped to the exact max), so a reported
 * percentile r and the exact one x satisfy x <= r <= x * (1 + 1/128): never
 * below the truth and at most 0.79% above it, from 0 ns to 137.4 s, which
 * covers the required 1 us .. 100 s with <= 1%.  Below 1 us the absolute
 * error is 0 under 256 ns and at most 3 ns up to 1023 ns.  Rank 1 and rank
 * n are exact (min, max).  A percentile that falls in the overflow bucket
 * reports the exact max.  The upper bound was chosen over the midpoint
 * because it keeps the bound while never under-reporting a latency.
 *
 * count, min, max and sum are exact uint64_t; the sum of squares is an
 * exact 128-bit integer, which cannot overflow while the sum does not
 * (sum v^2 <= (sum v)^2).  The sum is exact below 2^64 ns (584 years) of
 * recorded time: hist_record() does not check, hist_merge() refuses.  The
 * mean and the (population) standard deviation are computed from these at
 * read time in long double and returned as double, good to ~1e-16
 * relative even when the stdev is tiny beside the mean (1 s +- 1 ns): see
 * hist_stdev() for how the cancellation is avoided.
 *
 * Memory: sizeof(struct hist) == HIST_SIZE == 31808 bytes (checked below),
 * embedded or from hist_new(); nothing else is ever allocated.  A record
 * touches the first cache line and one bucket's.
 *
 * Usage:
 *	struct hist *h = hist_new();		(or hist_reset() on your own)
 *	hist_record(h, t1 - t0);		hot path, per transaction
 *	hist_merge(total, h);			report time, per worker/flow
 *	hist_percentile(total, 99.9), hist_mean(total), ...
 *	for (i = hist_bucket_next(h, 0); i < HIST_NBUCKETS;
 *	     i = hist_bucket_next(h, i + 1))
 *		print(hist_bucket_upper_ns(i), hist_bucket_get(h, i));
 * For the wire, hist_export() gives a summary and a sparse, increasing
 * list of (index, count) pairs; hist_import() rebuilds the histogram and
 * refuses anything inconsistent.  Byte order is the codec's business.
 *
 * Fields of struct hist are private: it is visible only so that
 * hist_record() can be inlined.  Not thread-safe: one writer per histogram.
 */
#ifndef KPERF_HIST_H
#define KPERF_HIST_H

#include <stdint.h>

#ifndef __SIZEOF_INT128__
#error "hist needs unsigned __int128 (64-bit GCC or Clang)"
#endif

#define HIST_SUB_BITS	7
#define HIST_SUB	(1u << HIST_SUB_BITS)
#define HIST_TOP_BITS	37		/* in-range values are < 2^37 ns */
#define HIST_LIMIT_NS	(UINT64_C(1) << HIST_TOP_BITS)
#define HIST_OVERFLOW	((HIST_TOP_BITS - HIST_SUB_BITS + 1) * HIST_SUB)
#define HIST_NBUCKETS	(HIST_OVERFLOW + 1)
#define HIST_SIZE	31808		/* sizeof(struct hist), bytes */

__extension__ typedef unsigned __int128 hist_u128;

struct hist {
	uint64_t count;
	uint64_t min;			/* UINT64_MAX while empty */
	uint64_t max;
	uint64_t sum;
	hist_u128 sumsq;
	uint64_t bucket[HIST_NBUCKETS];
};

_Static_assert(HIST_NBUCKETS == 3969, "bucket count in the comment above");
_Static_assert(sizeof(struct hist) == HIST_SIZE, "size in the comment above");

/* Exact moments: what travels beside the bucket pairs. */
struct hist_summary {
	uint64_t count;
	uint64_t min;			/* 0 when count == 0 */
	uint64_t max;
	uint64_t sum;
	uint64_t sumsq_hi;		/* sum of squares, high 64 bits */
	uint64_t sumsq_lo;
};

/* One non-empty bucket.  pad is written as 0 and ignored on import. */
struct hist_pair {
	uint32_t index;
	uint32_t pad;
	uint64_t count;
};

/* Bucket index of a value; see the layout above.  Always < HIST_NBUCKETS. */
static inline unsigned int hist_bucket_index(uint64_t ns)
{
	unsigned int shift;

	if (__builtin_expect(ns >= HIST_LIMIT_NS, 0))
		return HIST_OVERFLOW;
	/* Values below 2^8 all get shift 0: the exact region. */
	shift = 63 - HIST_SUB_BITS - __builtin_clzll(ns | (2 * HIST_SUB - 1));
	return (shift << HIST_SUB_BITS) + (unsigned int)(ns >> shift);
}

/* Add one sample.  Cheap enough for a per-transaction hot loop. */
static inline void hist_record(struct hist *h, uint64_t ns)
{
	h->bucket[hist_bucket_index(ns)]++;
	h->count++;
	h->sum += ns;
	h->sumsq += (hist_u128)ns * ns;
	if (ns < h->min)
		h->min = ns;
	if (ns > h->max)
		h->max = ns;
}

/* Empty h; also the initialiser of a histogram not from hist_new(). */
void hist_reset(struct hist *h);
/* A reset histogram from malloc, or NULL.  Free with hist_free(). */
struct hist *hist_new(void);
void hist_free(struct hist *h);

/*
 * dst += src (dst == src doubles it).  Return 0, or -EOVERFLOW, leaving
 * dst unchanged, when the merged count or sum would not fit in 64 bits.
 */
int hist_merge(struct hist *dst, const struct hist *src);

uint64_t hist_count(const struct hist *h);
/* Exact extremes; 0 for an empty histogram. */
uint64_t hist_min(const struct hist *h);
uint64_t hist_max(const struct hist *h);
/* Mean and population standard deviation in ns; 0 when empty. */
double hist_mean(const struct hist *h);
double hist_stdev(const struct hist *h);

/*
 * Nearest-rank percentile: for the smallest v with at least p% of samples
 * <= v, a value in [v, v * (1 + 1/128)) (see the error bound above); p = 0
 * gives min and p = 100 max.  p is taken to 1e-7 percent (rank =
 * ceil(round(p * 1e7) * count / 1e9), exact integer arithmetic, no overflow
 * for any count); p < 0 or NaN counts as 0, p > 100 as 100.  0 when empty.
 */
uint64_t hist_percentile(const struct hist *h, double p);
/*
 * The sample of the given 1-based rank in sorted order, with the error
 * bound above; rank 0 gives min, rank >= count gives max.  0 when empty.
 */
uint64_t hist_value_at_rank(const struct hist *h, uint64_t rank);

/* HIST_NBUCKETS, for callers that iterate. */
unsigned int hist_bucket_count(void);
/*
 * Inclusive bounds of bucket i: every value v with lower <= v <= upper,
 * and no other, lands in i.  The overflow bucket's upper bound is
 * UINT64_MAX.  Both return 0 for i >= HIST_NBUCKETS.
 */
uint64_t hist_bucket_lower_ns(unsigned int i);
uint64_t hist_bucket_upper_ns(unsigned int i);
/* Samples in bucket i; 0 for i >= HIST_NBUCKETS. */
uint64_t hist_bucket_get(const struct hist *h, unsigned int i);
/* First non-empty bucket at index >= i, or HIST_NBUCKETS when none. */
unsigned int hist_bucket_next(const struct hist *h, unsigned int i);
/* Number of non-empty buckets: the pairs hist_export() writes. */
unsigned int hist_nonempty(const struct hist *h);

/* The exact moments of h (what hist_export() puts in *s). */
void hist_get_summary(const struct hist *h, struct hist_summary *s);
/*
 * Write h's summary to *s and its non-empty buckets to pairs[], in
 * increasing index order, pad 0.  max is the room in pairs[]
 * (HIST_NBUCKETS always suffices).  Return the number of pairs written,
 * or -ENOSPC (nothing useful written) when they do not fit.
 */
int hist_export(const struct hist *h, struct hist_summary *s,
		struct hist_pair *pairs, unsigned int max);
/*
 * Replace h by the histogram of *s and pairs[0..n-1], as from hist_export()
 * of another host.  Return 0, or -EINVAL, leaving h unchanged, when an
 * index is >= HIST_NBUCKETS or not above the one before, a count is 0, the
 * counts do not add up to s->count, min or max do not fall in the first or
 * last bucket given, min > max, or sum or sumsq lie outside what count,
 * min and max allow.  An empty summary needs n == 0 and all fields 0.
 */
int hist_import(struct hist *h, const struct hist_summary *s,
		const struct hist_pair *pairs, unsigned int n);

#endif
