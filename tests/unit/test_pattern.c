// SPDX-License-Identifier: MIT
/*
 * Unit tests for the payload pattern (src/common/pattern.c): the checker
 * finds every corrupted, lost or repeated byte and names the first bad
 * stream offset; a correct stream read in any chunking checks clean.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/pattern.h"

#define SPAN	(128 * 1024)

static int setup(void **state)
{
	static struct pat p;

	if (pat_init(&p, SPAN))
		return -1;
	*state = &p;
	return 0;
}

static int teardown(void **state)
{
	pat_fini(*state);
	return 0;
}

/* The stream a sender writes: bytes [off, off + n) of the pattern. */
static uint8_t *stream_copy(const struct pat *p, uint64_t off, size_t n)
{
	uint8_t *b = malloc(n);
	size_t i;

	assert_non_null(b);
	for (i = 0; i < n; i += SPAN) {
		size_t k = n - i < SPAN ? n - i : SPAN;

		memcpy(b + i, pat_at(p, off + i), k);
	}
	return b;
}

static void test_periodic(void **state)
{
	const struct pat *p = *state;
	size_t i;

	assert_true(p->len >= PAT_PERIOD + SPAN);
	for (i = 0; i < SPAN; i++)
		assert_int_equal(p->buf[i + PAT_PERIOD], p->buf[i]);
	/* Not a trivially short cycle: shifted copies differ. */
	for (i = 1; i < 64; i++)
		assert_int_not_equal(memcmp(p->buf, p->buf + i, 4096), 0);
}

static void test_clean_any_chunking(void **state)
{
	const struct pat *p = *state;
	size_t n = 3 * SPAN + 12345, at = 0, k = 1;
	uint64_t base = 987654321, first = PAT_NONE;
	uint8_t *b = stream_copy(p, base, n);

	/* Chunks of 1, 2, 4 ... bytes, then one larger than the span. */
	while (at < n) {
		size_t len = k < n - at ? k : n - at;

		assert_int_equal(pat_check(p, b + at, len, base + at, &first),
				 0);
		at += len;
		k = k < SPAN ? k * 2 + 1 : 2 * SPAN + 7;
	}
	assert_true(first == PAT_NONE);
	free(b);
}

static void test_corrupted_bytes(void **state)
{
	const struct pat *p = *state;
	size_t n = 200000;
	uint64_t base = 5000, first = PAT_NONE;
	uint8_t *b = stream_copy(p, base, n);

	b[70001] ^= 0x01;
	b[70002] ^= 0xff;
	b[150000] = (uint8_t)~b[150000];
	assert_int_equal(pat_check(p, b, n, base, &first), 3);
	assert_int_equal(first, base + 70001);
	/* A later check keeps the first offset. */
	assert_int_equal(pat_check(p, b + 150000, 10, base + 150000, &first),
			 1);
	assert_int_equal(first, base + 70001);
	free(b);
}

/* Bytes lost (the stream skips ahead) or repeated show up. */
static void test_shifted(void **state)
{
	const struct pat *p = *state;
	size_t n = 8192;
	uint64_t first = PAT_NONE;
	uint8_t *b = stream_copy(p, 1000 + 1, n);	/* one byte lost */

	assert_true(pat_check(p, b, n, 1000, &first) > n / 2);
	assert_int_equal(first, 1000);
	free(b);
	first = PAT_NONE;
	b = stream_copy(p, 1000 + PAT_PERIOD - 1, n);	/* repeated */
	assert_true(pat_check(p, b, n, 1000, &first) > n / 2);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_periodic),
		cmocka_unit_test(test_clean_any_chunking),
		cmocka_unit_test(test_corrupted_bytes),
		cmocka_unit_test(test_shifted),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
