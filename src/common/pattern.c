// SPDX-License-Identifier: MIT
/* pattern - the payload pattern and its checker (see pattern.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "common/pattern.h"

int pat_init(struct pat *p, size_t span)
{
	uint64_t x = 0x9e3779b97f4a7c15ull;
	size_t i;

	if (span < PAT_PERIOD)
		span = PAT_PERIOD;
	p->span = span;
	p->len = PAT_PERIOD + span;
	/* mmap: page-aligned, so zero-copy senders pin whole pages. */
	p->buf = mmap(NULL, p->len, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p->buf == MAP_FAILED) {
		p->buf = NULL;
		return -ENOMEM;
	}
	for (i = 0; i < PAT_PERIOD; i++) {
		/* xorshift64*: any byte value, no short cycles. */
		x ^= x >> 12;
		x ^= x << 25;
		x ^= x >> 27;
		p->buf[i] = (uint8_t)((x * 0x2545f4914f6cdd1dull) >> 56);
	}
	for (; i < p->len; i++)
		p->buf[i] = p->buf[i - PAT_PERIOD];
	return 0;
}

void pat_fini(struct pat *p)
{
	if (p->buf)
		munmap(p->buf, p->len);
	p->buf = NULL;
}

/* The slow path, only after memcmp found a difference. */
static uint64_t count_bad(const uint8_t *want, const uint8_t *data, size_t n,
			  uint64_t off, uint64_t *first_bad)
{
	uint64_t bad = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (data[i] == want[i])
			continue;
		if (!bad && *first_bad == PAT_NONE)
			*first_bad = off + i;
		bad++;
	}
	return bad;
}

uint64_t pat_check(const struct pat *p, const uint8_t *data, size_t n,
		   uint64_t off, uint64_t *first_bad)
{
	uint64_t bad = 0;

	while (n) {
		size_t k = n < p->span ? n : p->span;
		const uint8_t *want = pat_at(p, off);

		if (memcmp(data, want, k))
			bad += count_bad(want, data, k, off, first_bad);
		data += k;
		off += k;
		n -= k;
	}
	return bad;
}
