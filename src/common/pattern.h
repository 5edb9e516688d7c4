/* SPDX-License-Identifier: MIT */
/*
 * pattern - the payload kperf sends, so that a receiver can check every
 * byte it reads.
 *
 * Byte k of a connection's stream (k counted from its first byte after the
 * data hello) is pattern byte k mod PAT_PERIOD: a pseudo-random sequence
 * whose period is prime, so a run of bytes that is lost, repeated or
 * reordered shows unless it moved by a multiple of PAT_PERIOD bytes.  The
 * buffer holds PAT_PERIOD + span bytes: any span bytes from any offset are
 * one contiguous slice, so a sender sends straight from it (MSG_ZEROCOPY
 * too: it never changes once built) and a receiver compares with memcmp.
 *
 *	struct pat p;
 *	pat_init(&p, 128 * 1024);
 *	send(fd, pat_at(&p, off), len, 0);                    // len <= span
 *	bad = pat_check(&p, buf, n, off, &first_bad);         // any n
 *	pat_fini(&p);
 */
#ifndef KPERF_PATTERN_H
#define KPERF_PATTERN_H

#include <stddef.h>
#include <stdint.h>

#define PAT_PERIOD	65521u	/* the largest prime below 2^16 */
#define PAT_NONE	UINT64_MAX	/* first_bad: no mismatch */

struct pat {
	uint8_t *buf;		/* PAT_PERIOD + span bytes, read-only */
	size_t len;
	size_t span;
};

/* Build the pattern for slices of up to span bytes.  0 or -ENOMEM. */
int pat_init(struct pat *p, size_t span);
void pat_fini(struct pat *p);

/* The pattern from stream offset off on, valid for span bytes. */
static inline const uint8_t *pat_at(const struct pat *p, uint64_t off)
{
	return p->buf + off % PAT_PERIOD;
}

/*
 * Compare n bytes read at stream offset off with the pattern.  Return the
 * number of bytes that differ; when that is not 0 and *first_bad is
 * PAT_NONE, set it to the stream offset of the first one.
 */
uint64_t pat_check(const struct pat *p, const uint8_t *data, size_t n,
		   uint64_t off, uint64_t *first_bad);

#endif
