/* SPDX-License-Identifier: MIT */
/*
 * proto_wire - private to the codec (proto.c, proto_measure.c, proto_opt.c):
 * byte order, the layout cursor and the size checks every message shares.
 *
 * Each layout is written once, as an x_*() function over a cursor that
 * either writes or reads, so an encoder and its decoder cannot disagree on
 * where a field is; the same function then says whether the values are
 * valid, so an encoder refuses (-EINVAL) exactly what a receiver would
 * refuse, and nothing invalid is ever put on the wire.
 *
 * Encoders reserve room for the whole frame with proto_wr_begin(), write
 * it into that room and commit it with proto_wr_end() only if it was
 * valid: a refused frame leaves w->len where it was.  Decoders check
 * counts and the exact body length before reading any array and before
 * allocating, and leave *m zeroed (pointers NULL, counts 0) when they fail.
 *
 * The encoding is canonical: pads, the tails of zero-padded strings and
 * online bits past the last CPU must be zero, and error text holds no NUL,
 * so a body that decodes re-encodes to the same bytes (the fuzzer checks).
 */
#ifndef KPERF_PROTO_WIRE_H
#define KPERF_PROTO_WIRE_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/proto.h"

/* Limits only the codec needs; docs/protocol.md lists them all. */
#define CONNECT_TIMEOUT_MAX_MS	600000u
#define TEST_INTERVAL_MIN_MS	10u
#define TEST_DEPTH_MAX		1024u
#define CONN_LIST_FIXED_LEN	8	/* u32 n, u32 pad, n conn_info */

/* Each layout as the sum of its field widths, in wire order. */
_Static_assert(2 + 2 + 4 + 4 + 4 == PROTO_HDR_LEN, "header");
_Static_assert(4 + 2 + 2 == PROTO_ERROR_FIXED_LEN, "error");
_Static_assert(4 + 2 + 2 + 8 + 4 + 4 + PROTO_NAME_LEN + PROTO_NAME_LEN ==
	       PROTO_HELLO_FIXED_LEN, "hello");
_Static_assert(2 + 2 + 4 == PROTO_LISTEN_REQ_LEN, "listen req");
_Static_assert(2 + 2 + 4 + 8 == PROTO_LISTEN_REP_LEN, "listen rep");
_Static_assert(1 + 1 + 2 + 4 + 16 + 8 + 4 + 4 == PROTO_CONNECT_REQ_LEN,
	       "connect req");
_Static_assert(4 + 4 + 8 + 4 + 4 + 4 + 4 + PROTO_CC_LEN ==
	       PROTO_SETOPT_FIXED_LEN, "setopt req");
_Static_assert(4 + 4 == PROTO_OPTS_FIXED_LEN, "opts list");
_Static_assert(4 + 4 + 8 + 4 + 4 + 4 + 4 + PROTO_CC_LEN ==
	       PROTO_CONN_OPTS_LEN, "conn opts");
_Static_assert(4 + 4 == PROTO_IDS_FIXED_LEN, "ids");
_Static_assert(4 + 4 == CONN_LIST_FIXED_LEN, "conn list");
_Static_assert(4 + 4 + 2 + 2 + 4 + 4 + 4 == PROTO_CONN_INFO_LEN, "conn info");
_Static_assert(4 + 4 == PROTO_WORKER_REQ_LEN, "worker req");
_Static_assert(4 + 4 + 4 + 4 == PROTO_WORKER_REP_LEN, "worker rep");
_Static_assert(2 + 1 + 1 + 9 * 4 + 4 + 2 + 1 + 1 == PROTO_TEST_FIXED_LEN,
	       "test req");
_Static_assert(4 + 4 + 1 + 3 == PROTO_TEST_FLOW_LEN, "test flow");
_Static_assert(8 + 4 + 4 + 4 + 4 == PROTO_RESULT_FIXED_LEN, "result");
_Static_assert(4 + 4 + 4 + 4 + 4 * 8 + 8 * 4 + 2 * 8 + 7 * 8 ==
	       PROTO_FLOW_RES_LEN,
	       "flow res");
_Static_assert(4 + 4 + 7 * 8 == PROTO_CPU_RES_LEN, "cpu res");
_Static_assert(4 + 4 + 4 + 4 + 8 + 8 == PROTO_WORKER_RES_LEN, "worker res");
_Static_assert(8 + 4 + 4 == PROTO_SAMPLE_FIXED_LEN, "sample");
_Static_assert(4 + 4 + 8 + 8 == PROTO_SAMPLE_FLOW_LEN, "sample flow");
_Static_assert(4 + 4 + 8 == PROTO_DATA_HELLO_LEN, "data hello");
_Static_assert(4 + 4 + 6 * 8 == PROTO_HIST_FIXED_LEN, "hist");
_Static_assert(4 + 4 + 8 == PROTO_HIST_PAIR_LEN, "hist pair");

/* The largest valid body of every message fits under the frame limit. */
_Static_assert(PROTO_MAX_CPUS % 64 == 0, "online bitmap is whole words");
_Static_assert(PROTO_HELLO_FIXED_LEN + PROTO_CPU_WORDS * 8 <= PROTO_MAX_BODY,
	       "hello fits");
_Static_assert(PROTO_ERROR_FIXED_LEN + PROTO_TEXT_MAX <= PROTO_MAX_BODY,
	       "error fits");
_Static_assert(PROTO_TEST_FIXED_LEN + PROTO_MAX_CONNS * PROTO_TEST_FLOW_LEN
	       <= PROTO_MAX_BODY, "test req fits");
_Static_assert(PROTO_RESULT_FIXED_LEN + PROTO_MAX_CONNS * PROTO_FLOW_RES_LEN +
	       PROTO_MAX_CPUS * PROTO_CPU_RES_LEN +
	       PROTO_MAX_CONNS * PROTO_WORKER_RES_LEN <= PROTO_MAX_BODY,
	       "result fits");
_Static_assert(PROTO_SAMPLE_FIXED_LEN + PROTO_MAX_CONNS * PROTO_SAMPLE_FLOW_LEN
	       <= PROTO_MAX_BODY, "sample fits");
_Static_assert(PROTO_HIST_FIXED_LEN + PROTO_HIST_MAX_PAIRS * PROTO_HIST_PAIR_LEN
	       <= PROTO_MAX_BODY, "hist fits");
_Static_assert(CONN_LIST_FIXED_LEN + PROTO_MAX_CONNS * PROTO_CONN_INFO_LEN
	       <= PROTO_MAX_BODY, "conn list fits");
_Static_assert(PROTO_IDS_FIXED_LEN + PROTO_MAX_CONNS * 4 <= PROTO_MAX_BODY,
	       "ids fit");
_Static_assert(PROTO_SETOPT_FIXED_LEN + PROTO_MAX_CONNS * 4 <= PROTO_MAX_BODY,
	       "setopt req fits");
_Static_assert(PROTO_OPTS_FIXED_LEN + PROTO_MAX_CONNS * PROTO_CONN_OPTS_LEN
	       <= PROTO_MAX_BODY, "opts list fits");

/* ---- byte order: the only place where it is converted ---- */

static inline void put_u16(uint8_t **p, uint16_t v)
{
	(*p)[0] = (uint8_t)(v >> 8);
	(*p)[1] = (uint8_t)v;
	*p += 2;
}

static inline void put_u32(uint8_t **p, uint32_t v)
{
	(*p)[0] = (uint8_t)(v >> 24);
	(*p)[1] = (uint8_t)(v >> 16);
	(*p)[2] = (uint8_t)(v >> 8);
	(*p)[3] = (uint8_t)v;
	*p += 4;
}

static inline void put_u64(uint8_t **p, uint64_t v)
{
	put_u32(p, (uint32_t)(v >> 32));
	put_u32(p, (uint32_t)v);
}

static inline uint16_t get_u16(const uint8_t **p)
{
	uint16_t v = (uint16_t)((*p)[0] << 8 | (*p)[1]);

	*p += 2;
	return v;
}

static inline uint32_t get_u32(const uint8_t **p)
{
	uint32_t v = (uint32_t)(*p)[0] << 24 | (uint32_t)(*p)[1] << 16 |
		     (uint32_t)(*p)[2] << 8 | (*p)[3];

	*p += 4;
	return v;
}

static inline uint64_t get_u64(const uint8_t **p)
{
	uint64_t hi = get_u32(p);

	return hi << 32 | get_u32(p);
}

/* Two's complement on the wire, without relying on the host's casts. */
static inline int32_t get_i32(const uint8_t **p)
{
	uint32_t v = get_u32(p);

	return v <= INT32_MAX ? (int32_t)v : -(int32_t)~v - 1;
}

/* ---- cursor: one layout function serves both directions ---- */

struct cur {
	bool rd;		/* decoding: read at r; encoding: write at w */
	bool bad;		/* decoding: a pad or string tail was not 0 */
	const uint8_t *r;
	uint8_t *w;
};

/*
 * A layout: moves the fields of *m through c and says whether they are
 * valid.  In write mode it only reads *m.
 */
typedef bool (*xfer_fn)(struct cur *c, void *m);

static inline void x_u8(struct cur *c, uint8_t *v)
{
	if (c->rd)
		*v = *c->r++;
	else
		*c->w++ = *v;
}

static inline void x_u16(struct cur *c, uint16_t *v)
{
	if (c->rd)
		*v = get_u16(&c->r);
	else
		put_u16(&c->w, *v);
}

static inline void x_u32(struct cur *c, uint32_t *v)
{
	if (c->rd)
		*v = get_u32(&c->r);
	else
		put_u32(&c->w, *v);
}

static inline void x_i32(struct cur *c, int32_t *v)
{
	if (c->rd)
		*v = get_i32(&c->r);
	else
		put_u32(&c->w, (uint32_t)*v);
}

static inline void x_u64(struct cur *c, uint64_t *v)
{
	if (c->rd)
		*v = get_u64(&c->r);
	else
		put_u64(&c->w, *v);
}

static inline void x_bytes(struct cur *c, void *v, size_t n)
{
	if (c->rd) {
		memcpy(v, c->r, n);
		c->r += n;
	} else {
		memcpy(c->w, v, n);
		c->w += n;
	}
}

/* Zero on the wire; a decoder refuses anything else. */
static inline void x_pad(struct cur *c, size_t n)
{
	size_t i;

	if (!c->rd) {
		memset(c->w, 0, n);
		c->w += n;
		return;
	}
	for (i = 0; i < n; i++)
		c->bad |= c->r[i] != 0;
	c->r += n;
}

/*
 * A string in an n-byte field, zero-padded: the encoder cuts it at n bytes,
 * the decoder NUL-terminates it into s[n + 1].
 */
static inline void x_str(struct cur *c, char *s, size_t n)
{
	size_t l;

	if (c->rd) {
		memcpy(s, c->r, n);
		s[n] = '\0';
	}
	l = strnlen(s, n);
	x_bytes(c, s, l);
	x_pad(c, n - l);
}

/*
 * ---- arrays ----
 *
 * Encoders size the frame from the counts (overflow-safe; an absurd count
 * makes it too long, hence invalid), write the fixed part, whose layout
 * checks the counts, and touch the elements only if that passed.
 * Decoders read the fixed part, check the counts, then the exact length,
 * and only then allocate.
 */

/* n elements of size bytes in memory; false if one is invalid. */
static inline bool x_elems(struct cur *c, void *v, uint32_t n, size_t size,
			   xfer_fn x)
{
	bool ok = n == 0 || v != NULL;
	uint32_t i;

	for (i = 0; ok && i < n; i++)
		ok = x(c, (uint8_t *)v + (size_t)i * size);
	return ok;
}

/*
 * Decode n elements into a new array.  Does nothing once *err is set;
 * on failure sets *err and may still return memory the caller frees.
 */
static inline void *get_elems(struct cur *c, uint32_t n, size_t size,
			      xfer_fn x, int *err)
{
	void *v;

	if (*err || !n)
		return NULL;
	v = calloc(n, size);
	if (!v)
		*err = -ENOMEM;
	else if (!x_elems(c, v, n, size, x) || c->bad)
		*err = -EBADMSG;
	return v;
}

/*
 * fixed + n * size, or SIZE_MAX (longer than any frame) if that would not
 * fit a size_t; SIZE_MAX as fixed stays SIZE_MAX, so calls chain.  The
 * counts are bounded far below this, but the arithmetic is safe without
 * relying on the order of the checks.
 */
static inline size_t body_len(size_t fixed, uint32_t n, size_t size)
{
	if (n > (SIZE_MAX - fixed) / size)
		return SIZE_MAX;
	return fixed + (size_t)n * size;
}

/* ---- validity shared by several messages ---- */

static inline bool in_range(uint32_t v, uint32_t min, uint32_t max)
{
	return v >= min && v <= max;
}

static inline bool cpu_ok(int32_t cpu)
{
	return cpu >= -1 && cpu < PROTO_MAX_CPUS;
}

/* ---- writer: frame reservation, in proto.c ---- */

/*
 * Reserve room for a whole frame of type and body length len in w, write
 * its header and point c at the body.  Returns 0 or -errno (also in
 * w->err): -EINVAL for a body over PROTO_MAX_BODY, -ENOSPC when w is full,
 * or the error already in w.
 */
int proto_wr_begin(struct proto_wr *w, uint16_t type, int reply,
		   uint32_t id, size_t len, struct cur *c);

/*
 * Commit the frame begun by proto_wr_begin() if ok (its body must be
 * exactly len bytes); otherwise leave w->len as it was and set -EINVAL.
 * Returns 0 or -errno (also in w->err).
 */
int proto_wr_end(struct proto_wr *w, const struct cur *c, size_t len,
		 bool ok);

#endif /* KPERF_PROTO_WIRE_H */
