// SPDX-License-Identifier: MIT
/*
 * Unit tests for the control protocol codec.
 *
 * The golden frames below are written by hand from docs/protocol.md, byte
 * by byte, never produced by the encoder: the encoder must reproduce them
 * and the decoders must read them back.  Every refused input is copied to
 * a heap block of exactly its length, so that ASan builds catch a decoder
 * that reads one byte too far.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto/proto.h"

#define Z4	0, 0, 0, 0
#define Z8	Z4, Z4
#define Z56	Z8, Z8, Z8, Z8, Z8, Z8, Z8

/* ---- golden frames: 16-byte header, then the body ---- */

static const uint8_t g_hdr[PROTO_HDR_LEN] = {
	0x00, 0x08,		/* type TEST_START */
	0x00, 0x01,		/* flags REPLY */
	0xde, 0xad, 0xbe, 0xef,	/* id */
	0x00, 0x00, 0x01, 0x00,	/* len 256 */
	Z4,			/* reserved */
};

static const uint8_t g_error[] = {
	0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x09,
	0x00, 0x00, 0x00, 0x17, Z4,
	0x00, 0x00, 0x00, 0x5f,	/* err 95 */
	0x00, 0x0f,		/* text_len 15 */
	0x00, 0x00,		/* pad */
	'u', 'n', 'k', 'n', 'o', 'w', 'n', ' ', 't', 'y', 'p', 'e', ' ',
	'4', '2',
};

static const uint8_t g_hello[] = {
	0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x00, 0x00, 0x00, 0xa8, Z4,
	0x4b, 0x50, 0x46, 0x52,	/* magic "KPFR" */
	0x00, 0x01,		/* version */
	0x00, 0x02,		/* n_words */
	0, 0, 0, 0, 0, 0, 0, 0x07,	/* features */
	0x00, 0x00, 0x00, 0x48,	/* ncpus 72 */
	0x00, 0x00, 0x00, 0x46,	/* n_online 70 */
	'6', '.', '1', '.', '0', 0, 0, 0, Z56,		/* kernel */
	'h', 'o', 's', 't', 'A', 0, 0, 0, Z56,		/* hostname */
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfc,	/* CPUs 2..63 */
	0, 0, 0, 0, 0, 0, 0, 0xff,			/* CPUs 64..71 */
};

static const uint8_t g_connect[] = {
	0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
	0x00, 0x00, 0x00, 0x28, Z4,
	0x04, 0x00,		/* family, pad */
	0x1f, 0x90,		/* port 8080 */
	0x00, 0x00, 0x00, 0x02,	/* count */
	0xc6, 0x12, 0x00, 0x02, Z8, Z4,	/* 198.18.0.2 */
	0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,	/* token */
	0x00, 0x00, 0x13, 0x88,	/* timeout 5000 ms */
	0x00, 0x00, 0x05, 0xb4,	/* mss 1460 */
};

static const uint8_t g_conn_list[] = {
	0x00, 0x04, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02,
	0x00, 0x00, 0x00, 0x38, Z4,
	0x00, 0x00, 0x00, 0x02, Z4,		/* n, pad */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07,	/* id, peer */
	0x1f, 0x90, 0xc3, 0x50,			/* ports 8080, 50000 */
	0x00, 0x00, 0x00, 0x03,			/* rx_cpu */
	0x00, 0x00, 0x20, 0x01, Z4,		/* napi_id, pad */
	0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x08,
	0x1f, 0x90, 0xc3, 0x51,
	0xff, 0xff, 0xff, 0xff,			/* rx_cpu -1 */
	0x00, 0x00, 0x00, 0x00, Z4,
};

static const uint8_t g_test[] = {
	0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03,
	0x00, 0x00, 0x00, 0x48, Z4,
	0x00, 0x02, 0x01, 0x02,	/* RR, io_uring, rx zerocopy */
	0x00, 0x00, 0x27, 0x10,	/* duration 10000 */
	0x00, 0x00, 0x03, 0xe8,	/* warmup 1000 */
	0x00, 0x00, 0x01, 0xf4,	/* interval 500 */
	Z4, Z4,			/* read, write size */
	0x00, 0x00, 0x00, 0x40,	/* req_size 64 */
	0x00, 0x00, 0x10, 0x00,	/* resp_size 4096 */
	0x00, 0x00, 0x00, 0x04,	/* depth */
	0x00, 0x00, 0x00, 0x02,	/* n */
	0x00, 0x00, 0x07, 0xd0,	/* resp_delay_us 2000 */
	0x00, 0x03, 0x01, 0x00,	/* NO_LATENCY | VALIDATE, tx zc, pad */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x01, 0, 0, 0,
	0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0x02, 0, 0, 0,
};

/* A stream test whose one flow sends and receives (role BOTH). */
static const uint8_t g_test_both[] = {
	0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04,
	0x00, 0x00, 0x00, 0x3c, Z4,	/* len 60 */
	0x00, 0x01, 0x00, 0x00,	/* STREAM, epoll, rx copy */
	0x00, 0x00, 0x07, 0xd0,	/* duration 2000 */
	Z4,			/* warmup 0 */
	0x00, 0x00, 0x00, 0x64,	/* interval 100 */
	0x00, 0x02, 0x00, 0x00,	/* read_size 131072 */
	0x00, 0x01, 0x00, 0x00,	/* write_size 65536 */
	Z4, Z4, Z4,		/* req_size, resp_size, depth */
	0x00, 0x00, 0x00, 0x01,	/* n */
	Z4,			/* resp_delay_us */
	0x00, 0x06, 0x00, 0x00,	/* VALIDATE | WAITALL, tx copy, pad */
	0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00, 0x03, 0, 0, 0,
};

/* TX_DONE: empty, not a reply, with the id of its TEST_START. */
static const uint8_t g_tx_done[] = {
	0x00, 0x10,		/* type TX_DONE */
	0x00, 0x00,		/* flags: none */
	0x00, 0x00, 0x00, 0x04,	/* id */
	Z4,			/* len 0 */
	Z4,			/* reserved */
};

static const uint8_t g_result[] = {
	0x00, 0x0a, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03,
	0x00, 0x00, 0x01, 0x10, Z4,
	0x00, 0x00, 0x00, 0x02, 0x54, 0x0b, 0xe4, 0x00,	/* window 10 s */
	0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01,	/* flows, cpus */
	0x00, 0x00, 0x00, 0x01, Z4,			/* workers, pad */
	/* flow_res */
	0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x02,	/* conn, rx_cpu */
	0x00, 0x00, 0x20, 0x02, Z4,			/* napi, pad */
	0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,	/* tx_bytes */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x20,	/* rx_bytes */
	0x00, 0x00, 0x00, 0x02, 0x54, 0x0b, 0xe3, 0xff,	/* xfer_ns */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x12, 0x34,	/* transactions */
	0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02,	/* retrans, reord */
	0x00, 0x00, 0x00, 0x1e, 0x00, 0x00, 0x00, 0x04,	/* rtt, rttvar */
	0x00, 0x00, 0x00, 0x05, 0x00, 0x01, 0x00, 0x00,	/* ce, snd_wnd */
	0x00, 0x00, 0x00, 0x0a, Z4,			/* cwnd, pad */
	0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01,	/* bytes_acked */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x77,	/* bytes_received */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x20,	/* checked */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03,	/* mismatches */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x11,	/* first_bad */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09,	/* zc_sends */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08,	/* zc_copied */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,	/* zrx_mapped */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00,	/* zrx_copied */
	/* cpu_res */
	0x00, 0x00, 0x00, 0x02, Z4,
	0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,	/* user */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05,
	0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00,	/* idle */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07,
	/* worker_res */
	0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x30, 0x39,	/* id, tid */
	0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x03,	/* pinned, last */
	0x00, 0x00, 0x00, 0x00, 0x3b, 0x9a, 0xca, 0x00,	/* utime 1 s */
	0x00, 0x00, 0x00, 0x00, 0x1d, 0xcd, 0x65, 0x00,	/* stime .5 s */
};

/* Smaller messages, bodies only. */
static const uint8_t g_listen_req[] = { 0x1f, 0x90, 0, 0, Z4 };
static const uint8_t g_listen_rep[] = {
	0xc3, 0x50, 0, 0, Z4, 0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10,
};
static const uint8_t g_ids[] = { 0, 0, 0, 2, Z4, 0, 0, 0, 7, 0, 0, 1, 0 };
static const uint8_t g_worker_req[] = { 0xff, 0xff, 0xff, 0xff, Z4 };
static const uint8_t g_worker_rep[] = {
	0, 0, 0, 3, 0, 0, 0x30, 0x3a, 0, 0, 0x0f, 0xff, Z4,
};
static const uint8_t g_sample[] = {
	0, 0, 0, 0, 0x3b, 0x9a, 0xca, 0x00, 0, 0, 0, 1, Z4,
	0, 0, 0, 9, Z4, 0, 0, 0, 0, 0, 0, 0x10, 0x00, Z8,
};
static const uint8_t g_setopt[] = {
	0x00, 0x0d, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05,
	0x00, 0x00, 0x00, 0x38, Z4,
	0x00, 0x00, 0x00, 0x02,	/* n */
	0x00, 0x00, 0x00, 0x1b,	/* which: pace, sndbuf, nodelay, cc */
	Z4, 0x01, 0x7d, 0x78, 0x40,	/* max_pace 25000000 B/s */
	0x00, 0x10, 0x00, 0x00,	/* sndbuf 1 MiB */
	Z4,			/* rcvbuf: not set */
	0x00, 0x00, 0x00, 0x01,	/* nodelay */
	Z4,			/* pad */
	'b', 'b', 'r', 0, Z4, Z8,	/* cc */
	0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x01, 0x02,	/* ids 3, 258 */
};
static const uint8_t g_opts[] = {
	0x00, 0x0d, 0x00, 0x01, 0x00, 0x00, 0x00, 0x05,
	0x00, 0x00, 0x00, 0x68, Z4,
	0x00, 0x00, 0x00, 0x02, Z4,		/* n, pad */
	0x00, 0x00, 0x00, 0x03,			/* id */
	0x00, 0x00, 0x03, 0xdc,			/* mss 988 */
	Z4, 0x01, 0x7d, 0x78, 0x40,		/* max_pace */
	0x00, 0x20, 0x00, 0x00,			/* sndbuf 2 MiB */
	0x00, 0x02, 0x00, 0x00,			/* rcvbuf 128 KiB */
	0x00, 0x00, 0x00, 0x01, Z4,		/* nodelay, pad */
	'b', 'b', 'r', 0, Z4, Z8,		/* cc */
	0x00, 0x00, 0x01, 0x02,			/* id 258 */
	0x00, 0x00, 0x05, 0xa8,			/* mss 1448 */
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,	/* no limit */
	0x00, 0x01, 0x54, 0x00,			/* sndbuf 87040 */
	0x00, 0x02, 0x00, 0x00,
	Z4, Z4,					/* nodelay 0, pad */
	'c', 'u', 'b', 'i', 'c', 0, 0, 0, Z8,	/* cc */
};
static const uint8_t g_data_hello[] = {
	0x4b, 0x50, 0x44, 0x48, 0x00, 0x00, 0x00, 0x2a,
	0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
};

_Static_assert(sizeof(g_error) == 16 + 23, "error golden");
_Static_assert(sizeof(g_hello) == 16 + PROTO_HELLO_FIXED_LEN + 16, "hello");
_Static_assert(sizeof(g_connect) == 16 + PROTO_CONNECT_REQ_LEN, "connect");
_Static_assert(sizeof(g_conn_list) == 16 + 8 + 2 * PROTO_CONN_INFO_LEN,
	       "conn list");
_Static_assert(sizeof(g_test) == 16 + PROTO_TEST_FIXED_LEN +
	       2 * PROTO_TEST_FLOW_LEN, "test");
_Static_assert(sizeof(g_test_both) == 16 + PROTO_TEST_FIXED_LEN +
	       PROTO_TEST_FLOW_LEN, "test both");
_Static_assert(sizeof(g_tx_done) == PROTO_HDR_LEN, "tx done");
_Static_assert(sizeof(g_result) == 16 + PROTO_RESULT_FIXED_LEN +
	       PROTO_FLOW_RES_LEN + PROTO_CPU_RES_LEN + PROTO_WORKER_RES_LEN,
	       "result");
_Static_assert(sizeof(g_listen_rep) == PROTO_LISTEN_REP_LEN, "listen rep");
_Static_assert(sizeof(g_worker_rep) == PROTO_WORKER_REP_LEN, "worker rep");
_Static_assert(sizeof(g_sample) == PROTO_SAMPLE_FIXED_LEN +
	       PROTO_SAMPLE_FLOW_LEN, "sample");
_Static_assert(sizeof(g_data_hello) == PROTO_DATA_HELLO_LEN, "data hello");
_Static_assert(sizeof(g_setopt) == 16 + PROTO_SETOPT_FIXED_LEN + 2 * 4,
	       "setopt");
_Static_assert(sizeof(g_opts) == 16 + PROTO_OPTS_FIXED_LEN +
	       2 * PROTO_CONN_OPTS_LEN, "opts list");

/* ---- the structs the golden frames hold ---- */

static void golden_hello(struct proto_hello *m)
{
	memset(m, 0, sizeof(*m));
	m->magic = PROTO_MAGIC;
	m->version = PROTO_VERSION;
	m->features = PROTO_FEAT_STREAM | PROTO_FEAT_RR | PROTO_FEAT_SAMPLES;
	m->ncpus = 72;
	m->n_online = 70;
	strcpy(m->kernel, "6.1.0");
	strcpy(m->hostname, "hostA");
	m->online[0] = ~3ull;
	m->online[1] = 0xff;
}

static const struct proto_connect_req golden_connect = {
	.family = 4,
	.port = 8080,
	.count = 2,
	.addr = { 198, 18, 0, 2 },
	.token = 0x0123456789abcdefull,
	.timeout_ms = 5000,
	.mss = 1460,
};

static struct proto_conn_info golden_conns[2] = {
	{ .id = 0, .peer_id = 7, .local_port = 8080, .peer_port = 50000,
	  .rx_cpu = 3, .napi_id = 0x2001 },
	{ .id = 1, .peer_id = 8, .local_port = 8080, .peer_port = 50001,
	  .rx_cpu = -1, .napi_id = 0 },
};

static struct proto_test_flow golden_flows[2] = {
	{ .conn_id = 0, .worker_id = 1, .role = PROTO_ROLE_ACTIVE },
	{ .conn_id = 1, .worker_id = 2, .role = PROTO_ROLE_PASSIVE },
};

static void golden_test(struct proto_test_req *m)
{
	memset(m, 0, sizeof(*m));
	m->type = PROTO_TEST_RR;
	m->duration_ms = 10000;
	m->warmup_ms = 1000;
	m->interval_ms = 500;
	m->req_size = 64;
	m->resp_size = 4096;
	m->depth = 4;
	m->n = 2;
	m->resp_delay_us = 2000;
	m->flags = PROTO_TEST_F_NO_LATENCY | PROTO_TEST_F_VALIDATE;
	m->engine = PROTO_ENGINE_IO_URING;
	m->rx_mode = PROTO_RX_ZEROCOPY;
	m->tx_mode = PROTO_TX_ZEROCOPY;
	m->flows = golden_flows;
}

static struct proto_flow_res golden_flow_res = {
	.conn_id = 5, .rx_cpu_end = 2, .napi_id_end = 0x2002,
	.tx_bytes = 1ull << 32, .rx_bytes = 0x20, .xfer_ns = 9999999999ull,
	.transactions = 0x1234,
	.tcp = { .retrans = 1, .reord_seen = 2, .rtt_us = 30, .rttvar_us = 4,
		 .delivered_ce = 5, .snd_wnd = 65536, .snd_cwnd = 10,
		 .bytes_acked = (1ull << 32) + 1, .bytes_received = 0x77 },
	.xfer = { .checked = 0x20, .mismatches = 3, .first_bad = 0x11,
		  .zc_sends = 9, .zc_copied = 8, .zrx_mapped = 65536,
		  .zrx_copied = 256 },
};

static struct proto_cpu_res golden_cpu_res = {
	.cpu = 2, .user = 0x0102030405060708ull, .system = 2, .irq = 3,
	.softirq = 4, .iowait = 5, .idle = 1ull << 33, .steal = 7,
};

static struct proto_worker_res golden_worker_res = {
	.worker_id = 1, .tid = 12345, .cpu_pinned = -1, .cpu_last = 3,
	.utime_ns = 1000000000, .stime_ns = 500000000,
};

static uint32_t golden_setopt_ids[2] = { 3, 258 };

static void golden_setopt(struct proto_setopt_req *m)
{
	memset(m, 0, sizeof(*m));
	m->n = 2;
	m->which = PROTO_OPT_MAX_PACE | PROTO_OPT_SNDBUF | PROTO_OPT_NODELAY |
		   PROTO_OPT_CC;
	m->max_pace = 25000000;
	m->sndbuf = 1u << 20;
	m->nodelay = 1;
	strcpy(m->cc, "bbr");
	m->ids = golden_setopt_ids;
}

static struct proto_conn_opts golden_opts[2] = {
	{ .id = 3, .mss = 988, .max_pace = 25000000, .sndbuf = 2u << 20,
	  .rcvbuf = 131072, .nodelay = 1, .cc = "bbr" },
	{ .id = 258, .mss = 1448, .max_pace = PROTO_PACE_UNLIMITED,
	  .sndbuf = 87040, .rcvbuf = 131072, .nodelay = 0, .cc = "cubic" },
};

static void golden_result(struct proto_result *m)
{
	memset(m, 0, sizeof(*m));
	m->window_ns = 10000000000ull;
	m->n_flows = 1;
	m->n_cpus = 1;
	m->n_workers = 1;
	m->flows = &golden_flow_res;
	m->cpus = &golden_cpu_res;
	m->workers = &golden_worker_res;
}

/* ---- helpers ---- */

static uint8_t wbuf[1u << 21];

static uint8_t *heap_copy(const uint8_t *b, size_t len)
{
	uint8_t *p = malloc(len ? len : 1);

	assert_non_null(p);
	if (len)
		memcpy(p, b, len);
	return p;
}

static void be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* The frame in w must equal the golden one byte for byte. */
static void assert_frame(const struct proto_wr *w, const uint8_t *g,
			 size_t len)
{
	assert_int_equal(w->err, 0);
	assert_int_equal(w->len, len);
	assert_memory_equal(w->buf, g, len);
}

/* Decode a frame's header and check it against what was encoded. */
static const uint8_t *check_hdr(const uint8_t *f, uint16_t type,
				uint16_t flags, uint32_t id, uint32_t len)
{
	struct proto_hdr h;

	assert_int_equal(proto_hdr_decode(f, &h), 0);
	assert_int_equal(h.type, type);
	assert_int_equal(h.flags, flags);
	assert_int_equal(h.id, id);
	assert_int_equal(h.len, len);
	return f + PROTO_HDR_LEN;
}

/* Decoders wrapped to one signature, freeing what they allocate. */
typedef int (*dec_fn)(const uint8_t *b, size_t len);

static int dec_error(const uint8_t *b, size_t len)
{
	struct proto_error m;

	return proto_dec_error(b, len, &m);
}

static int dec_hello(const uint8_t *b, size_t len)
{
	struct proto_hello m;

	return proto_dec_hello(b, len, &m);
}

static int dec_connect(const uint8_t *b, size_t len)
{
	struct proto_connect_req m;

	return proto_dec_connect_req(b, len, &m);
}

static int dec_conn_list(const uint8_t *b, size_t len)
{
	struct proto_conn_list m;
	int ret = proto_dec_conn_list(b, len, &m);

	if (ret) {
		assert_null(m.v);
		assert_int_equal(m.n, 0);
	}
	proto_conn_list_free(&m);
	return ret;
}

static int dec_hist(const uint8_t *b, size_t len)
{
	struct proto_hist m;
	int ret = proto_dec_hist(b, len, &m);

	if (ret)
		assert_null(m.v);
	proto_hist_free(&m);
	return ret;
}

static int dec_test(const uint8_t *b, size_t len)
{
	struct proto_test_req m;
	int ret = proto_dec_test_req(b, len, &m);

	if (ret) {
		assert_null(m.flows);
		assert_int_equal(m.n, 0);
	}
	proto_test_req_free(&m);
	return ret;
}

static int dec_result(const uint8_t *b, size_t len)
{
	struct proto_result m;
	int ret = proto_dec_result(b, len, &m);

	if (ret) {
		assert_null(m.flows);
		assert_null(m.cpus);
		assert_null(m.workers);
		assert_int_equal(m.n_flows + m.n_cpus + m.n_workers, 0);
	}
	proto_result_free(&m);
	return ret;
}

static int dec_listen_req(const uint8_t *b, size_t len)
{
	struct proto_listen_req m;

	return proto_dec_listen_req(b, len, &m);
}

static int dec_listen_rep(const uint8_t *b, size_t len)
{
	struct proto_listen_rep m;

	return proto_dec_listen_rep(b, len, &m);
}

static int dec_ids(const uint8_t *b, size_t len)
{
	struct proto_ids m;
	int ret = proto_dec_ids(b, len, &m);

	if (ret) {
		assert_null(m.v);
		assert_int_equal(m.n, 0);
	}
	proto_ids_free(&m);
	return ret;
}

static int dec_worker_req(const uint8_t *b, size_t len)
{
	struct proto_worker_req m;

	return proto_dec_worker_req(b, len, &m);
}

static int dec_worker_rep(const uint8_t *b, size_t len)
{
	struct proto_worker_rep m;

	return proto_dec_worker_rep(b, len, &m);
}

static int dec_setopt(const uint8_t *b, size_t len)
{
	struct proto_setopt_req m;
	int ret = proto_dec_setopt_req(b, len, &m);

	if (ret) {
		assert_null(m.ids);
		assert_int_equal(m.n, 0);
	}
	proto_setopt_req_free(&m);
	return ret;
}

static int dec_opts(const uint8_t *b, size_t len)
{
	struct proto_opts_list m;
	int ret = proto_dec_opts_list(b, len, &m);

	if (ret) {
		assert_null(m.v);
		assert_int_equal(m.n, 0);
	}
	proto_opts_list_free(&m);
	return ret;
}

static int dec_sample(const uint8_t *b, size_t len)
{
	struct proto_sample m;
	int ret = proto_dec_sample(b, len, &m);

	if (ret) {
		assert_null(m.v);
		assert_int_equal(m.n, 0);
	}
	proto_sample_free(&m);
	return ret;
}

/* Decode exactly len bytes from a block of exactly that size. */
static int dec_exact(dec_fn dec, const uint8_t *b, size_t len)
{
	uint8_t *p = heap_copy(b, len);
	int ret = dec(p, len);

	free(p);
	return ret;
}

/* Decode b with byte off set to v. */
static int dec_patched(dec_fn dec, const uint8_t *b, size_t len, size_t off,
		       uint8_t v)
{
	uint8_t *p = heap_copy(b, len);
	int ret;

	assert_true(off < len);
	p[off] = v;
	ret = dec(p, len);
	free(p);
	return ret;
}

struct body_case {
	const char *name;
	dec_fn dec;
	const uint8_t *b;
	size_t len;
	int pads[24];		/* offsets that must be zero; -1 ends */
};

#define FRAME(g)	((g) + PROTO_HDR_LEN), (sizeof(g) - PROTO_HDR_LEN)
#define BODY(g)		(g), sizeof(g)

static const struct body_case bodies[] = {
	{ "error", dec_error, FRAME(g_error), { 6, 7, -1 } },
	/* String tails past their NUL and online bits past CPU 71 too. */
	{ "hello", dec_hello, FRAME(g_hello), { 30, 87, 94, 151, 166, -1 } },
	{ "connect", dec_connect, FRAME(g_connect),
	  { 1, 12, 15, 19, 23, -1 } },
	{ "conn list", dec_conn_list, FRAME(g_conn_list),
	  { 4, 7, 28, 31, 52, 55, -1 } },
	{ "test", dec_test, FRAME(g_test), { 47, 57, 59, 69, 71, -1 } },
	{ "test both", dec_test, FRAME(g_test_both), { 47, 57, 59, -1 } },
	{ "result", dec_result, FRAME(g_result),
	  { 20, 23, 36, 39, 100, 103, 180, 183, -1 } },
	{ "listen req", dec_listen_req, BODY(g_listen_req),
	  { 2, 3, 4, 7, -1 } },
	{ "listen rep", dec_listen_rep, BODY(g_listen_rep), { 2, 7, -1 } },
	{ "ids", dec_ids, BODY(g_ids), { 4, 7, -1 } },
	{ "worker req", dec_worker_req, BODY(g_worker_req), { 4, 7, -1 } },
	{ "worker rep", dec_worker_rep, BODY(g_worker_rep), { 12, 15, -1 } },
	{ "sample", dec_sample, BODY(g_sample), { 12, 15, 20, 23, -1 } },
	/* The tails of the cc names after their NUL are pads too. */
	{ "setopt", dec_setopt, FRAME(g_setopt), { 28, 31, 35, 47, -1 } },
	{ "opts list", dec_opts, FRAME(g_opts),
	  { 4, 7, 36, 39, 43, 55, 84, 87, 93, 103, -1 } },
};

/* ---- header ---- */

static void test_hdr_golden(void **state)
{
	struct proto_hdr h = { .type = PROTO_T_TEST_START,
			       .flags = PROTO_F_REPLY, .id = 0xdeadbeef,
			       .len = 256 };
	uint8_t out[PROTO_HDR_LEN];

	proto_hdr_encode(out, &h);
	assert_memory_equal(out, g_hdr, sizeof(g_hdr));
	memset(&h, 0xff, sizeof(h));
	assert_int_equal(proto_hdr_decode(g_hdr, &h), 0);
	assert_int_equal(h.type, PROTO_T_TEST_START);
	assert_int_equal(h.flags, PROTO_F_REPLY);
	assert_int_equal(h.id, 0xdeadbeef);
	assert_int_equal(h.len, 256);
}

static void test_hdr_refused(void **state)
{
	uint8_t b[PROTO_HDR_LEN];
	struct proto_hdr h;

	memcpy(b, g_hdr, sizeof(b));
	b[15] = 1;				/* reserved */
	assert_int_equal(proto_hdr_decode(b, &h), -EBADMSG);

	memcpy(b, g_hdr, sizeof(b));
	be32(b + 8, PROTO_MAX_BODY);
	assert_int_equal(proto_hdr_decode(b, &h), 0);
	be32(b + 8, PROTO_MAX_BODY + 1);
	assert_int_equal(proto_hdr_decode(b, &h), -EMSGSIZE);
	be32(b + 8, UINT32_MAX);
	assert_int_equal(proto_hdr_decode(b, &h), -EMSGSIZE);

	/* Unknown types keep the header usable, to skip the body. */
	memcpy(b, g_hdr, sizeof(b));
	b[1] = 0;
	assert_int_equal(proto_hdr_decode(b, &h), -ENOMSG);
	b[1] = PROTO_T_MAX + 1;
	assert_int_equal(proto_hdr_decode(b, &h), -ENOMSG);
	assert_int_equal(h.type, PROTO_T_MAX + 1);
	assert_int_equal(h.id, 0xdeadbeef);
	assert_int_equal(h.len, 256);
	b[0] = 0xff;
	b[1] = 0xff;
	assert_int_equal(proto_hdr_decode(b, &h), -ENOMSG);

	memcpy(b, g_hdr, sizeof(b));
	b[3] = 0x02;				/* unknown flag */
	assert_int_equal(proto_hdr_decode(b, &h), -EBADMSG);
	b[3] = 0x01;
	b[2] = 0x80;
	assert_int_equal(proto_hdr_decode(b, &h), -EBADMSG);
}

static void test_type_names(void **state)
{
	assert_string_equal(proto_type_name(PROTO_T_ERROR), "ERROR");
	assert_string_equal(proto_type_name(PROTO_T_HELLO), "HELLO");
	assert_string_equal(proto_type_name(PROTO_T_LISTEN), "LISTEN");
	assert_string_equal(proto_type_name(PROTO_T_CONNECT), "CONNECT");
	assert_string_equal(proto_type_name(PROTO_T_CONN_INFO), "CONN_INFO");
	assert_string_equal(proto_type_name(PROTO_T_CONN_CLOSE),
			    "CONN_CLOSE");
	assert_string_equal(proto_type_name(PROTO_T_WORKER_SPAWN),
			    "WORKER_SPAWN");
	assert_string_equal(proto_type_name(PROTO_T_TEST_START),
			    "TEST_START");
	assert_string_equal(proto_type_name(PROTO_T_TEST_STOP), "TEST_STOP");
	assert_string_equal(proto_type_name(PROTO_T_TEST_RESULT),
			    "TEST_RESULT");
	assert_string_equal(proto_type_name(PROTO_T_SAMPLE), "SAMPLE");
	assert_string_equal(proto_type_name(PROTO_T_HIST), "HIST");
	assert_string_equal(proto_type_name(PROTO_T_CONN_SETOPT),
			    "CONN_SETOPT");
	/* CONN_TLS and TLS_STAT: tests/unit/test_tls_proto.c */
	assert_string_equal(proto_type_name(PROTO_T_TX_DONE), "TX_DONE");
	assert_int_equal(PROTO_T_TX_DONE, 16);
	assert_int_equal(PROTO_T_MAX, PROTO_T_TX_DONE);
	assert_string_equal(proto_type_name(0), "?");
	assert_string_equal(proto_type_name(PROTO_T_MAX + 1), "?");
	assert_string_equal(proto_type_name(0xffff), "?");
}

/* ---- golden frames: encode to them, decode from them ---- */

static void test_error_golden(void **state)
{
	struct proto_error m;
	struct proto_wr w;

	proto_wr_init(&w, wbuf, sizeof(wbuf));
	assert_int_equal(proto_enc_error(&w, 9, 95, "unknown type 42"), 0);
	assert_frame(&w, g_error, sizeof(g_error));
	assert_int_equal(proto_dec_error(FRAME(g_error), &m), 0);
	assert_int_equal(m.err, 95);
	assert_string_equal(m.text, "unknown type 42");
}

static void test_hello_golden(void **state)
{
	struct proto_hello in, m;
	struct proto_wr w;

	golden_hello(&in);
	proto_wr_init(&w, wbuf, sizeof(wbuf));
	assert_int_equal(proto_enc_hello(&w, 1, 0, &in), 0);
	assert_frame(&w, g_hello, sizeof(g_hello));
	assert_int_equal(proto_dec_hello(FRAME(g_hello), &m), 0);
	assert_int_equal(m.magic, PROTO_MAGIC);
	assert_int_equal(m.version, 1);
	assert_int_equal(m.features, 7);
	assert_int_equal(m.ncpus, 72);
	assert_int_equal(m.n_online, 70);
	assert_string_equal(m.kernel, "6.1.0");
	assert_string_equal(m.hostname, "hostA");
	assert_int_equal(m.online[0], 0xfffffffffffffffcull);
	assert_int_equal(m.online[1], 0xff);
	assert_int_equal(m.online[2], 0);
	assert_int_equal(m.online[PROTO_CPU_WORDS - 1], 0);
}

static void test_connect_golden(void **state)
{
	static const uint8_t addr[16] = { 198, 18, 0, 2 };
	struct proto_connect_req m;
	struct proto_wr w;

	proto_wr_init(&w, wbuf, sizeof(wbuf));
	assert_int_equal(proto_enc_connect_req(&w, 2, &golden_connect), 0);
	assert_frame(&w, g_connect, sizeof(g_connect));
	assert_int_equal(proto_dec_connect_req(FRAME(g_connect), &m), 0);
	assert_int_equal(m.family, 4);
	assert_int_equal(m.port, 8080);
	assert_int_equal(m.count, 2);
	assert_memory_equal(m.addr, addr, 16);
	assert_int_equal(m.token, 0x0123456789abcdefull);
	assert_int_equal(m.timeout_ms, 5000);
	assert_int_equal(m.mss, 1460);
}

static void test_conn_list_golden(void **state)
{
	struct proto_conn_list in = { .n = 2, .v = golden_conns }, m;
	struct proto_wr w;

	proto_wr_init(&w, wbuf, sizeof(wbuf));
	assert_int_equal(proto_enc_conn_list(&w, PROTO_T_CONNECT, 2, &in), 0);
	assert_frame(&w, g_conn_list, sizeof(g_conn_list));
	assert_int_equal(proto_dec_conn_list(FRAME(g_conn_list), &m), 0);
	assert_int_equal(m.n, 2);
	assert_int_equal(m.v[0].id, 0);
	assert_int_equal(m.v[0].peer_id, 7);
	assert_int_equal(m.v[0].local_port, 8080);
	assert_int_equal(m.v[0].peer_port, 50000);
	assert_int_equal(m.v[0].rx_cpu, 3);
	assert_int_equal(m.v[0].napi_id, 0x2001);
	assert_int_equal(m.v[1].id, 1);
	assert_int_equal(m.v[1].peer_id, 8);
	assert_int_equal(m.v[1].peer_port, 50001);
	assert_int_equal(m.v[1].rx_cpu, -1);
	assert_int_equal(m.v[1].napi_id, 0);
	proto_conn_list_free(&m);
}

static void test_test_req_golden(void **state)
{
	struct proto_test_req in, m;
	struct proto_wr w;

	golden_test(&in);
	proto_wr_init(&w, wbuf, sizeof(wbuf));
	assert_int_equal(proto_enc_test_req(&w, 3, &in), 0);
	assert_frame(&w, g_test, sizeof(g_test));
	assert_int_equal(proto_dec_test_req(FRAME(g_test), &m), 0);
	assert_int_equal(m.type, PROTO_TEST_RR);
	assert_int_equal(m.duration_ms, 10000);
	assert_int_equal(m.warmup_ms, 1000);
	assert_int_equal(m.interval_ms, 500);
	assert_int_equal(m.read_size, 0);
	assert_int_equal(m.write_size, 0);
	assert_int_equal(m.req_size, 64);
	assert_int_equal(m.resp_size, 4096);
	assert_int_equal(m.depth, 4);
	assert_int_equal(m.n, 2);
	assert_int_equal(m.resp_delay_us, 2000);
	assert_int_equal(m.flags,
			 PROTO_TEST_F_NO_LATENCY | PROTO_TEST_F_VALIDATE);
	assert_int_equal(m.engine, PROTO_ENGINE_IO_URING);
	assert_int_equal(m.rx_mode, PROTO_RX_ZEROCOPY);
	assert_int_equal(m.tx_mode, PROTO_TX_ZEROCOPY);
	assert_int_equal(m.flows[0].conn_id, 0);
	assert_int_equal(m.flows[0].worker_id, 1);
	assert_int_equal(m.flows[0].role, PROTO_ROLE_ACTIVE);
	assert_int_equal(m.flows[1].conn_id, 1);
	assert_int_equal(m.flows[1].worker_id, 2);
	assert_int_equal(m.flows[1].role, PROTO_ROLE_PASSIVE);
	proto_test_req_free(&m);
}

/* Every field of two test requests, flows included. */
static void assert_test_req_equal(const struct proto_test_req *a,
				  const struct proto_test_req *b)
{
	uint32_t i;

	assert_int_equal(a->type, b->type);
	assert_int_equal(a->engine, b->engine);
	assert_int_equal(a->rx_mode, b->rx_mode);
	assert_int_equal(a->tx_mode, b->tx_mode);
	assert_int_equal(a->duration_ms, b->duration_ms);
	assert_int_equal(a->warmup_ms, b->warmup_ms);
	assert_int_equal(a->interval_ms, b->interval_ms);
	assert_int_equal(a->read_size, b->read_size);
	assert_int_equal(a->write_size, b->write_size);
	assert_int_equal(a->req_size, b->req_size);
	assert_int_equal(a->resp_size, b->resp_size);
	assert_int_equal(a->depth, b->depth);
	assert_int_equal(a->resp_delay_us, b->resp_delay_us);
	assert_int_equal(a->flags, b->flags);
	assert_int_equal(a->n, b->n);
	for (i = 0; i < a->n; i++) {
		assert_int_equal(a->flows[i].conn_id, b->flows[i].conn_id);
		assert_int_equal(a->flows[i].worker_id, b->flows[i].worker_id);
		assert_int_equal(a->flows[i].role, b->flows[i].role);
	}
}

/*
 * A stream flow that sends and receives on one connection: the struct
 * encodes to the hand-written bytes, which decode back to it.
 */
static void test_test_req_both(void **state)
{
	struct proto_test_flow fl = { .conn_id = 5, .worker_id = 0,
				      .role = PROTO_ROLE_BOTH };
	struct proto_test_req in = {
		.type = PROTO_TEST_STREAM, .duration_ms = 2000,
		.interval_ms = 100, .read_size = 131072, .write_size = 65536,
		.n = 1, .flags = PROTO_TEST_F_VALIDATE | PROTO_TEST_F_WAITALL,
		.flows = &fl,
	}, m;
	struct proto_wr w;

	assert_int_equal(PROTO_ROLE_BOTH, 3);
	assert_int_equal(PROTO_FEAT_BIDIR, 1u << 7);
	proto_wr_init(&w, wbuf, sizeof(wbuf));
	assert_int_equal(proto_enc_test_req(&w, 4, &in), 0);
	assert_frame(&w, g_test_both, sizeof(g_test_both));
	assert_int_equal(proto_dec_test_req(FRAME(g_test_both), &m), 0);
	assert_test_req_equal(&m, &in);
	proto_test_req_free(&m);
}

/*
 * Roles against the test type: the role byte of a flow (body offset
 * 48 + 12 i + 8) patched in a golden stream or RR test.
 */
static void test_test_req_roles(void **state)
{
	static const struct {
		int rr;			/* g_test (RR), else g_test_both */
		size_t off;
		uint8_t role;
		int ret;
	} cases[] = {
		{ 0, 56, 0, -EBADMSG },
		{ 0, 56, PROTO_ROLE_BOTH + 1, -EBADMSG },
		{ 0, 56, 0xff, -EBADMSG },
		{ 0, 56, PROTO_ROLE_ACTIVE, 0 },
		{ 0, 56, PROTO_ROLE_PASSIVE, 0 },
		{ 1, 56, PROTO_ROLE_BOTH, -EBADMSG },	/* BOTH in RR */
		{ 1, 68, PROTO_ROLE_BOTH, -EBADMSG },
		{ 1, 68, PROTO_ROLE_ACTIVE, 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int ret = cases[i].rr ?
			dec_patched(dec_test, FRAME(g_test), cases[i].off,
				    cases[i].role) :
			dec_patched(dec_test, FRAME(g_test_both), cases[i].off,
				    cases[i].role);

		if (ret != cases[i].ret)
			fail_msg("case %zu: %d, expected %d", i, ret,
				 cases[i].ret);
	}
}

/* TX_DONE: a header with no body, sent by a session (never a reply). */
static void test_tx_done_golden(void **state)
{
	uint8_t b[PROTO_HDR_LEN];
	struct proto_hdr h;
	struct proto_wr w;

	proto_wr_init(&w, wbuf, sizeof(wbuf));
	assert_int_equal(proto_enc_empty(&w, PROTO_T_TX_DONE, 4, 0), 0);
	assert_frame(&w, g_tx_done, sizeof(g_tx_done));
	memset(&h, 0xff, sizeof(h));
	assert_int_equal(proto_hdr_decode(g_tx_done, &h), 0);
	assert_int_equal(h.type, PROTO_T_TX_DONE);
	assert_int_equal(h.flags, 0);
	assert_int_equal(h.id, 4);
	assert_int_equal(h.len, 0);
	/* The next type is unknown, its header still usable. */
	memcpy(b, g_tx_done, sizeof(b));
	b[1] = PROTO_T_TX_DONE + 1;
	assert_int_equal(proto_hdr_decode(b, &h), -ENOMSG);
	assert_int_equal(h.id, 4);
}

/*
 * WAITALL: a stream receiver reading with recv().  The encoder refuses it
 * elsewhere, and so does the decoder when the frame says otherwise (body
 * byte 2 is the engine, byte 3 the receive mode; RR with WAITALL is a
 * case of test_test_req_values).
 */
static void test_test_req_waitall(void **state)
{
	static const struct {
		uint8_t engine, rx_mode;
		int ret;
	} cases[] = {
		{ PROTO_ENGINE_EPOLL, PROTO_RX_COPY, 0 },
		{ PROTO_ENGINE_EPOLL, PROTO_RX_TRUNC, 0 },
		{ PROTO_ENGINE_EPOLL, PROTO_RX_ZEROCOPY, -EBADMSG },
		{ PROTO_ENGINE_IO_URING, PROTO_RX_COPY, -EBADMSG },
	};
	struct proto_test_req in, m;
	struct proto_wr w;
	uint8_t *body = wbuf + PROTO_HDR_LEN;
	size_t i;

	golden_test(&in);
	in.type = PROTO_TEST_STREAM;
	in.read_size = in.write_size = 65536;
	in.req_size = in.resp_size = in.depth = 0;
	in.engine = PROTO_ENGINE_EPOLL;
	in.rx_mode = PROTO_RX_COPY;
	in.tx_mode = PROTO_TX_COPY;
	in.flags = PROTO_TEST_F_WAITALL;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		in.engine = cases[i].engine;
		in.rx_mode = cases[i].rx_mode;
		proto_wr_init(&w, wbuf, sizeof(wbuf));
		assert_int_equal(proto_enc_test_req(&w, 3, &in),
				 cases[i].ret ? -EINVAL : 0);
		in.engine = PROTO_ENGINE_EPOLL;
		in.rx_mode = PROTO_RX_COPY;
		proto_wr_init(&w, wbuf, sizeof(wbuf));
		assert_int_equal(proto_enc_test_req(&w, 3, &in), 0);
		body[2] = cases[i].engine;
		body[3] = cases[i].rx_mode;
		if (proto_dec_test_req(body, w.len - PROTO_HDR_LEN, &m) !=
		    cases[i].ret)
			fail_msg("case %zu: expected %d", i, cases[i].ret);
		if (!cases[i].ret) {
			assert_int_equal(m.flags, PROTO_TEST_F_WAITALL);
			assert_int_equal(m.rx_mode, cases[i].rx_mode);
		}
		proto_test_req_free(&m);
	}
}

static void test_result_golden(void **state)
{
	struct proto_result in, m;
	struct proto_wr w;

	golden_result(&in);
	proto_wr_init(&w, wbuf, sizeof(wbuf));
	assert_int_equal(proto_enc_result(&w, 3, &in), 0);
	assert_frame(&w, g_result, sizeof(g_result));
	assert_int_equal(proto_dec_result(FRAME(g_result), &m), 0);
	assert_int_equal(m.window_ns, 10000000000ull);
	assert_int_equal(m.n_flows, 1);
	assert_int_equal(m.n_cpus, 1);
	assert_int_equal(m.n_workers, 1);
	/* Every field has its own value, so a swap would show. */
	assert_memory_equal(&m.flows[0], &golden_flow_res,
			    sizeof(golden_flow_res));
	assert_int_equal(m.flows[0].xfer_ns, 9999999999ull);
	assert_int_equal(m.flows[0].tcp.snd_wnd, 65536);
	assert_int_equal(m.flows[0].tcp.bytes_acked, 0x100000001ull);
	assert_int_equal(m.cpus[0].cpu, 2);
	assert_int_equal(m.cpus[0].user, 0x0102030405060708ull);
	assert_int_equal(m.cpus[0].idle, 1ull << 33);
	assert_int_equal(m.cpus[0].steal, 7);
	assert_int_equal(m.workers[0].tid, 12345);
	assert_int_equal(m.workers[0].cpu_pinned, -1);
	assert_int_equal(m.workers[0].cpu_last, 3);
	assert_int_equal(m.workers[0].utime_ns, 1000000000);
	assert_int_equal(m.workers[0].stime_ns, 500000000);
	proto_result_free(&m);
}

/* The small bodies: decode the hand-written bytes, re-encode them. */
static void test_small_golden(void **state)
{
	struct proto_listen_req lq;
	struct proto_listen_rep lp;
	struct proto_worker_req wq;
	struct proto_worker_rep wp;
	struct proto_ids ids;
	struct proto_sample s;
	struct proto_wr w;

	proto_wr_init(&w, wbuf, sizeof(wbuf));
	assert_int_equal(proto_dec_listen_req(BODY(g_listen_req), &lq), 0);
	assert_int_equal(lq.port, 8080);
	assert_int_equal(proto_enc_listen_req(&w, 1, &lq), 0);
	assert_memory_equal(wbuf + 16, g_listen_req, sizeof(g_listen_req));

	proto_wr_init(&w, wbuf, sizeof(wbuf));
	assert_int_equal(proto_dec_listen_rep(BODY(g_listen_rep), &lp), 0);
	assert_int_equal(lp.port, 50000);
	assert_int_equal(lp.token, 0xfedcba9876543210ull);
	assert_int_equal(proto_enc_listen_rep(&w, 1, &lp), 0);
	assert_memory_equal(wbuf + 16, g_listen_rep, sizeof(g_listen_rep));

	proto_wr_init(&w, wbuf, sizeof(wbuf));
	assert_int_equal(proto_dec_worker_req(BODY(g_worker_req), &wq), 0);
	assert_int_equal(wq.cpu, -1);
	assert_int_equal(proto_enc_worker_req(&w, 1, &wq), 0);
	assert_memory_equal(wbuf + 16, g_worker_req, sizeof(g_worker_req));

	proto_wr_init(&w, wbuf, sizeof(wbuf));
	assert_int_equal(proto_dec_worker_rep(BODY(g_worker_rep), &wp), 0);
	assert_int_equal(wp.worker_id, 3);
	assert_int_equal(wp.tid, 12346);
	assert_int_equal(wp.cpu, 4095);
	assert_int_equal(proto_enc_worker_rep(&w, 1, &wp), 0);
	assert_memory_equal(wbuf + 16, g_worker_rep, sizeof(g_worker_rep));

	proto_wr_init(&w, wbuf, sizeof(wbuf));
	assert_int_equal(proto_dec_ids(BODY(g_ids), &ids), 0);
	assert_int_equal(ids.n, 2);
	assert_int_equal(ids.v[0], 7);
	assert_int_equal(ids.v[1], 256);
	assert_int_equal(proto_enc_ids(&w, PROTO_T_CONN_CLOSE, 1, &ids), 0);
	assert_memory_equal(wbuf + 16, g_ids, sizeof(g_ids));
	proto_ids_free(&ids);

	proto_wr_init(&w, wbuf, sizeof(wbuf));
	assert_int_equal(proto_dec_sample(BODY(g_sample), &s), 0);
	assert_int_equal(s.t_ns, 1000000000);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.v[0].conn_id, 9);
	assert_int_equal(s.v[0].tx_bytes, 4096);
	assert_int_equal(s.v[0].rx_bytes, 0);
	assert_int_equal(proto_enc_sample(&w, 1, &s), 0);
	assert_memory_equal(wbuf + 16, g_sample, sizeof(g_sample));
	proto_sample_free(&s);
}

static void test_data_hello(void **state)
{
	struct proto_data_hello m = { .magic = PROTO_DATA_MAGIC,
				      .conn_id = 42,
				      .token = 0x1122334455667788ull };
	uint8_t out[PROTO_DATA_HELLO_LEN], bad[PROTO_DATA_HELLO_LEN];

	proto_data_hello_encode(out, &m);
	assert_memory_equal(out, g_data_hello, sizeof(out));
	memset(&m, 0xff, sizeof(m));
	assert_int_equal(proto_data_hello_decode(g_data_hello, &m), 0);
	assert_int_equal(m.magic, PROTO_DATA_MAGIC);
	assert_int_equal(m.conn_id, 42);
	assert_int_equal(m.token, 0x1122334455667788ull);

	memcpy(bad, g_data_hello, sizeof(bad));
	bad[3] ^= 1;
	assert_int_equal(proto_data_hello_decode(bad, &m), -EBADMSG);
	assert_int_equal(m.token, 0);
	memcpy(bad, g_data_hello, sizeof(bad));
	memcpy(bad, "KPFR", 4);		/* the control magic is not it */
	assert_int_equal(proto_data_hello_decode(bad, &m), -EBADMSG);
}

/* ---- round trips of what the golden frames do not cover ---- */

static void test_round_trip_frames(void **state)
{
	struct proto_conn_list cl = { 0 }, clm;
	struct proto_result r = { .window_ns = UINT64_MAX }, rm;
	struct proto_sample s = { .t_ns = 5 }, sm;
	struct proto_hello h, hm;
	struct proto_error e;
	struct proto_wr w;
	const uint8_t *b;
	uint32_t i;

	/* Several frames in one buffer, each with its own header. */
	proto_wr_init(&w, wbuf, sizeof(wbuf));
	assert_int_equal(proto_enc_conn_list(&w, PROTO_T_CONN_INFO, 10, &cl),
			 0);
	assert_int_equal(proto_enc_result(&w, 11, &r), 0);
	assert_int_equal(proto_enc_sample(&w, 12, &s), 0);
	assert_int_equal(proto_enc_empty(&w, PROTO_T_TEST_STOP, 13, 0), 0);
	assert_int_equal(proto_enc_empty(&w, PROTO_T_TEST_START, 14, 1), 0);
	assert_int_equal(proto_enc_error(&w, 15, EMSGSIZE, NULL), 0);
	assert_int_equal(w.len, 6 * 16 + 8 + 24 + 16 + 8);

	b = check_hdr(wbuf, PROTO_T_CONN_INFO, PROTO_F_REPLY, 10, 8);
	assert_int_equal(proto_dec_conn_list(b, 8, &clm), 0);
	assert_int_equal(clm.n, 0);
	assert_null(clm.v);
	b = check_hdr(b + 8, PROTO_T_TEST_RESULT, 0, 11, 24);
	assert_int_equal(proto_dec_result(b, 24, &rm), 0);
	assert_int_equal(rm.window_ns, UINT64_MAX);
	assert_null(rm.flows);
	b = check_hdr(b + 24, PROTO_T_SAMPLE, 0, 12, 16);
	assert_int_equal(proto_dec_sample(b, 16, &sm), 0);
	assert_int_equal(sm.t_ns, 5);
	assert_int_equal(sm.n, 0);
	b = check_hdr(b + 16, PROTO_T_TEST_STOP, 0, 13, 0);
	b = check_hdr(b, PROTO_T_TEST_START, PROTO_F_REPLY, 14, 0);
	b = check_hdr(b, PROTO_T_ERROR, PROTO_F_REPLY, 15, 8);
	assert_int_equal(proto_dec_error(b, 8, &e), 0);
	assert_int_equal(e.err, EMSGSIZE);
	assert_string_equal(e.text, "");

	/* The largest HELLO: every CPU, all words, reply flag. */
	memset(&h, 0, sizeof(h));
	h.ncpus = PROTO_MAX_CPUS;
	h.n_online = PROTO_MAX_CPUS;
	for (i = 0; i < PROTO_CPU_WORDS; i++)
		h.online[i] = UINT64_MAX - i;
	proto_wr_init(&w, wbuf, sizeof(wbuf));
	assert_int_equal(proto_enc_hello(&w, 7, 1, &h), 0);
	b = check_hdr(wbuf, PROTO_T_HELLO, PROTO_F_REPLY, 7,
		      PROTO_HELLO_FIXED_LEN + PROTO_MAX_CPUS / 8);
	assert_int_equal(proto_dec_hello(b, w.len - 16, &hm), 0);
	assert_memory_equal(hm.online, h.online, sizeof(h.online));
	proto_conn_list_free(&clm);
	proto_result_free(&rm);
	proto_sample_free(&sm);
}

static void test_round_trip_max(void **state)
{
	struct proto_conn_list cl = { .n = PROTO_MAX_CONNS }, clm;
	struct proto_test_req t, tm;
	struct proto_ids ids = { .n = PROTO_MAX_CONNS }, im;
	struct proto_wr w;
	uint32_t i;

	cl.v = calloc(cl.n, sizeof(*cl.v));
	ids.v = calloc(ids.n, sizeof(*ids.v));
	golden_test(&t);
	t.type = PROTO_TEST_STREAM;
	t.read_size = PROTO_MAX_IO_SIZE;
	t.write_size = 1;
	t.duration_ms = PROTO_MAX_DURATION_MS;
	t.interval_ms = 10;
	t.n = PROTO_MAX_CONNS;
	t.flows = calloc(t.n, sizeof(*t.flows));
	assert_non_null(cl.v);
	assert_non_null(ids.v);
	assert_non_null(t.flows);
	for (i = 0; i < PROTO_MAX_CONNS; i++) {
		cl.v[i].id = i;
		cl.v[i].rx_cpu = (int32_t)i - 1;
		ids.v[i] = UINT32_MAX - i;
		t.flows[i].conn_id = i;
		t.flows[i].role = PROTO_ROLE_PASSIVE;
	}

	proto_wr_init(&w, wbuf, sizeof(wbuf));
	assert_int_equal(proto_enc_conn_list(&w, PROTO_T_CONN_INFO, 1, &cl),
			 0);
	assert_int_equal(proto_dec_conn_list(wbuf + 16, w.len - 16, &clm), 0);
	assert_int_equal(clm.n, PROTO_MAX_CONNS);
	assert_memory_equal(clm.v, cl.v, cl.n * sizeof(*cl.v));

	proto_wr_init(&w, wbuf, sizeof(wbuf));
	assert_int_equal(proto_enc_ids(&w, PROTO_T_CONN_INFO, 1, &ids), 0);
	assert_int_equal(proto_dec_ids(wbuf + 16, w.len - 16, &im), 0);
	assert_memory_equal(im.v, ids.v, ids.n * sizeof(*ids.v));

	proto_wr_init(&w, wbuf, sizeof(wbuf));
	assert_int_equal(proto_enc_test_req(&w, 1, &t), 0);
	assert_int_equal(proto_dec_test_req(wbuf + 16, w.len - 16, &tm), 0);
	assert_int_equal(tm.read_size, PROTO_MAX_IO_SIZE);
	assert_int_equal(tm.duration_ms, PROTO_MAX_DURATION_MS);
	assert_int_equal(tm.flows[PROTO_MAX_CONNS - 1].conn_id,
			 PROTO_MAX_CONNS - 1);

	proto_conn_list_free(&clm);
	proto_ids_free(&im);
	proto_test_req_free(&tm);
	free(cl.v);
	free(ids.v);
	free(t.flows);
}

static void test_truncation_of_text(void **state)
{
	char text[PROTO_TEXT_MAX + 100];
	struct proto_hello h, hm;
	struct proto_error e;
	struct proto_wr w;

	memset(text, 'x', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	proto_wr_init(&w, wbuf, sizeof(wbuf));
	assert_int_equal(proto_enc_error(&w, 1, EIO, text), 0);
	assert_int_equal(w.len, 16 + 8 + PROTO_TEXT_MAX);
	assert_int_equal(proto_dec_error(wbuf + 16, w.len - 16, &e), 0);
	assert_int_equal(strlen(e.text), PROTO_TEXT_MAX);

	/* A full 65-byte array with no NUL inside the first 64 is cut. */
	golden_hello(&h);
	memset(h.hostname, 'h', sizeof(h.hostname));
	proto_wr_init(&w, wbuf, sizeof(wbuf));
	assert_int_equal(proto_enc_hello(&w, 1, 0, &h), 0);
	assert_int_equal(proto_dec_hello(wbuf + 16, w.len - 16, &hm), 0);
	assert_int_equal(strlen(hm.hostname), PROTO_NAME_LEN);
	assert_int_equal(hm.hostname[0], 'h');
}

/* ---- refusals shared by every body ---- */

static void test_every_prefix_refused(void **state)
{
	size_t i, k;

	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		const struct body_case *bc = &bodies[i];

		assert_int_equal(dec_exact(bc->dec, bc->b, bc->len), 0);
		for (k = 0; k < bc->len; k++)
			if (dec_exact(bc->dec, bc->b, k) != -EBADMSG)
				fail_msg("%s: prefix of %zu bytes accepted",
					 bc->name, k);
	}
}

static void test_trailing_byte_refused(void **state)
{
	uint8_t b[512];
	size_t i;

	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		const struct body_case *bc = &bodies[i];

		assert_true(bc->len < sizeof(b));
		memcpy(b, bc->b, bc->len);
		b[bc->len] = 0;
		if (dec_exact(bc->dec, b, bc->len + 1) != -EBADMSG)
			fail_msg("%s: trailing byte accepted", bc->name);
	}
}

static void test_nonzero_pad_refused(void **state)
{
	size_t i, j;

	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		const struct body_case *bc = &bodies[i];

		for (j = 0; bc->pads[j] >= 0; j++) {
			size_t off = (size_t)bc->pads[j];

			if (dec_patched(bc->dec, bc->b, bc->len, off, 0x01) !=
			    -EBADMSG ||
			    dec_patched(bc->dec, bc->b, bc->len, off, 0x80) !=
			    -EBADMSG)
				fail_msg("%s: pad at %zu not checked",
					 bc->name, off);
		}
	}
}

/* ---- counts ---- */

static void test_counts_disagree_with_length(void **state)
{
	uint8_t b[512];
	size_t len;

	/* conn list: n 3 or 1 with two entries. */
	len = sizeof(g_conn_list) - 16;
	assert_int_equal(dec_patched(dec_conn_list, FRAME(g_conn_list), 3, 3),
			 -EBADMSG);
	assert_int_equal(dec_patched(dec_conn_list, FRAME(g_conn_list), 3, 1),
			 -EBADMSG);
	/* ...and n 1 with the length cut to match is fine. */
	memcpy(b, g_conn_list + 16, len);
	b[3] = 1;
	assert_int_equal(dec_exact(dec_conn_list, b, 8 + 24), 0);

	assert_int_equal(dec_patched(dec_test, FRAME(g_test), 39, 3),
			 -EBADMSG);
	assert_int_equal(dec_patched(dec_test, FRAME(g_test), 39, 1),
			 -EBADMSG);
	assert_int_equal(dec_patched(dec_ids, BODY(g_ids), 3, 3), -EBADMSG);
	assert_int_equal(dec_patched(dec_ids, BODY(g_ids), 3, 1), -EBADMSG);
	assert_int_equal(dec_patched(dec_sample, BODY(g_sample), 11, 2),
			 -EBADMSG);
	assert_int_equal(dec_patched(dec_sample, BODY(g_sample), 11, 0),
			 -EBADMSG);
	/* result: any one count off by one. */
	assert_int_equal(dec_patched(dec_result, FRAME(g_result), 11, 2),
			 -EBADMSG);
	assert_int_equal(dec_patched(dec_result, FRAME(g_result), 15, 0),
			 -EBADMSG);
	assert_int_equal(dec_patched(dec_result, FRAME(g_result), 19, 2),
			 -EBADMSG);

	/* error: text_len one off either way. */
	assert_int_equal(dec_patched(dec_error, FRAME(g_error), 5, 14),
			 -EBADMSG);
	assert_int_equal(dec_patched(dec_error, FRAME(g_error), 5, 16),
			 -EBADMSG);

	/*
	 * hello: n_words must be ceil(ncpus / 64), even when the length
	 * agrees with n_words.
	 */
	len = sizeof(g_hello) - 16;
	memcpy(b, g_hello + 16, len);
	memset(b + len, 0, 8);
	b[7] = 3;
	assert_int_equal(dec_exact(dec_hello, b, len + 8), -EBADMSG);
	b[7] = 1;
	assert_int_equal(dec_exact(dec_hello, b, len - 8), -EBADMSG);
	b[7] = 2;
	b[19] = 128;				/* ncpus 128: still 2 words */
	assert_int_equal(dec_exact(dec_hello, b, len), 0);
	b[19] = 129;
	assert_int_equal(dec_exact(dec_hello, b, len), -EBADMSG);
}

/* A body of fixed + n * elem zero bytes whose count field says n. */
static uint8_t *counted(size_t fixed, uint32_t n, size_t elem, size_t at,
			size_t *len)
{
	uint8_t *b;

	*len = fixed + (size_t)n * elem;
	b = calloc(1, *len);
	assert_non_null(b);
	be32(b + at, n);
	return b;
}

static void test_counts_over_limits(void **state)
{
	const uint32_t over = PROTO_MAX_CONNS + 1;
	size_t len, i;
	uint8_t *b;

	b = counted(8, over, PROTO_CONN_INFO_LEN, 0, &len);
	assert_int_equal(dec_conn_list(b, len), -EBADMSG);
	be32(b, PROTO_MAX_CONNS);
	assert_int_equal(dec_conn_list(b, len - PROTO_CONN_INFO_LEN), 0);
	free(b);

	b = counted(8, over, 4, 0, &len);
	assert_int_equal(dec_ids(b, len), -EBADMSG);
	free(b);
	b = counted(8, 0, 4, 0, &len);
	assert_int_equal(dec_ids(b, len), -EBADMSG);	/* at least one */
	free(b);

	b = counted(16, over, PROTO_SAMPLE_FLOW_LEN, 8, &len);
	assert_int_equal(dec_sample(b, len), -EBADMSG);
	free(b);

	/* Valid flows, so only the count can be what is refused. */
	b = counted(PROTO_TEST_FIXED_LEN, over, PROTO_TEST_FLOW_LEN, 36, &len);
	memcpy(b, g_test + 16, 36);
	for (i = 0; i < over; i++)
		b[PROTO_TEST_FIXED_LEN + i * PROTO_TEST_FLOW_LEN + 8] = 1;
	assert_int_equal(dec_test(b, len), -EBADMSG);
	be32(b + 36, PROTO_MAX_CONNS);
	assert_int_equal(dec_test(b, len - PROTO_TEST_FLOW_LEN), 0);
	free(b);

	b = counted(PROTO_RESULT_FIXED_LEN, PROTO_MAX_CPUS + 1,
		    PROTO_CPU_RES_LEN, 12, &len);
	assert_int_equal(dec_result(b, len), -EBADMSG);
	free(b);
	b = counted(PROTO_RESULT_FIXED_LEN, over, PROTO_FLOW_RES_LEN, 8, &len);
	assert_int_equal(dec_result(b, len), -EBADMSG);
	free(b);
	b = counted(PROTO_RESULT_FIXED_LEN, over, PROTO_WORKER_RES_LEN, 16,
		    &len);
	assert_int_equal(dec_result(b, len), -EBADMSG);
	free(b);

	/* hello: 4097 CPUs in 65 words. */
	b = counted(PROTO_HELLO_FIXED_LEN, 65, 8, 16, &len);
	be32(b + 4, 65);			/* version 0, n_words 65 */
	be32(b + 16, PROTO_MAX_CPUS + 1);
	assert_int_equal(dec_hello(b, len), -EBADMSG);
	free(b);
}

/* ---- field values the decoders refuse ---- */

static void test_bad_values_refused(void **state)
{
	const uint8_t *cb = g_connect + 16;
	const size_t cl = PROTO_CONNECT_REQ_LEN;
	uint8_t b[512];

	/* error: err must be positive; no NUL inside the text. */
	assert_int_equal(dec_patched(dec_error, FRAME(g_error), 3, 0),
			 -EBADMSG);
	assert_int_equal(dec_patched(dec_error, FRAME(g_error), 0, 0x80),
			 -EBADMSG);
	assert_int_equal(dec_patched(dec_error, FRAME(g_error), 10, 0),
			 -EBADMSG);
	/* text_len over the maximum, with a length to match. */
	memset(b, 'a', sizeof(b));
	be32(b, 1);
	be32(b + 4, (PROTO_TEXT_MAX + 1) << 16);
	{
		uint8_t *big = calloc(1, 8 + PROTO_TEXT_MAX + 1);

		assert_non_null(big);
		memcpy(big, b, 8);
		memset(big + 8, 'a', PROTO_TEXT_MAX + 1);
		assert_int_equal(dec_error(big, 8 + PROTO_TEXT_MAX + 1),
				 -EBADMSG);
		free(big);
	}

	/* hello: n_online over ncpus. */
	assert_int_equal(dec_patched(dec_hello, FRAME(g_hello), 23, 73),
			 -EBADMSG);
	assert_int_equal(dec_patched(dec_hello, FRAME(g_hello), 23, 72), 0);
	/* magic and version are the session's business, not the codec's */
	assert_int_equal(dec_patched(dec_hello, FRAME(g_hello), 0, 0), 0);
	assert_int_equal(dec_patched(dec_hello, FRAME(g_hello), 5, 9), 0);

	/* connect */
	assert_int_equal(dec_patched(dec_connect, cb, cl, 0, 5), -EBADMSG);
	assert_int_equal(dec_patched(dec_connect, cb, cl, 0, 0), -EBADMSG);
	assert_int_equal(dec_patched(dec_connect, cb, cl, 0, 6), 0);
	memcpy(b, cb, cl);
	b[2] = b[3] = 0;			/* port 0 */
	assert_int_equal(dec_exact(dec_connect, b, cl), -EBADMSG);
	memcpy(b, cb, cl);
	be32(b + 4, 0);				/* count 0 */
	assert_int_equal(dec_exact(dec_connect, b, cl), -EBADMSG);
	be32(b + 4, PROTO_MAX_CONNS + 1);
	assert_int_equal(dec_exact(dec_connect, b, cl), -EBADMSG);
	be32(b + 4, PROTO_MAX_CONNS);
	assert_int_equal(dec_exact(dec_connect, b, cl), 0);
	be32(b + 32, 0);			/* timeout */
	assert_int_equal(dec_exact(dec_connect, b, cl), -EBADMSG);
	be32(b + 32, 600001);
	assert_int_equal(dec_exact(dec_connect, b, cl), -EBADMSG);
	be32(b + 32, 600000);
	assert_int_equal(dec_exact(dec_connect, b, cl), 0);
	/* mss: 0 (the default) or what TCP_MAXSEG takes */
	static const struct { uint32_t mss; int ret; } mss[] = {
		{ 0, 0 }, { 1, -EBADMSG }, { PROTO_MSS_MIN - 1, -EBADMSG },
		{ PROTO_MSS_MIN, 0 }, { PROTO_MSS_MAX, 0 },
		{ PROTO_MSS_MAX + 1, -EBADMSG }, { UINT32_MAX, -EBADMSG },
	};
	for (size_t i = 0; i < sizeof(mss) / sizeof(mss[0]); i++) {
		be32(b + 36, mss[i].mss);
		if (dec_exact(dec_connect, b, cl) != mss[i].ret)
			fail_msg("connect mss %u: expected %d", mss[i].mss,
				 mss[i].ret);
	}

	/* conn info: rx_cpu below -1 or past the last CPU */
	assert_int_equal(dec_patched(dec_conn_list, FRAME(g_conn_list), 47,
				     0xfe), -EBADMSG);
	memcpy(b, g_conn_list + 16, 56);
	be32(b + 20, PROTO_MAX_CPUS);
	assert_int_equal(dec_exact(dec_conn_list, b, 56), -EBADMSG);

	/* worker */
	assert_int_equal(dec_patched(dec_worker_req, BODY(g_worker_req), 3,
				     0xfe), -EBADMSG);
	memcpy(b, g_worker_req, 8);
	be32(b, PROTO_MAX_CPUS);
	assert_int_equal(dec_exact(dec_worker_req, b, 8), -EBADMSG);
	be32(b, PROTO_MAX_CPUS - 1);
	assert_int_equal(dec_exact(dec_worker_req, b, 8), 0);
	assert_int_equal(dec_patched(dec_worker_rep, BODY(g_worker_rep), 11,
				     0xfe), 0);		/* 4094 */
	memcpy(b, g_worker_rep, 16);
	be32(b + 8, (uint32_t)-2);
	assert_int_equal(dec_exact(dec_worker_rep, b, 16), -EBADMSG);

	/* result elements */
	assert_int_equal(dec_patched(dec_result, FRAME(g_result), 31, 0xfe),
			 0);		/* rx_cpu_end 254 */
	memcpy(b, g_result + 16, 216);
	be32(b + 28, (uint32_t)-2);
	assert_int_equal(dec_exact(dec_result, b, 216), -EBADMSG);
	memcpy(b, g_result + 16, 216);
	be32(b + 120, PROTO_MAX_CPUS);		/* cpu_res.cpu */
	assert_int_equal(dec_exact(dec_result, b, 216), -EBADMSG);
	memcpy(b, g_result + 16, 216);
	be32(b + 196, (uint32_t)-7);		/* worker cpu_last */
	assert_int_equal(dec_exact(dec_result, b, 216), -EBADMSG);
}

static const uint8_t g_hist[] = {
	0x00, 0x0c, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07,
	0x00, 0x00, 0x00, 0x58, Z4,
	0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x02,	/* conn 3, n 2 */
	Z4, 0x00, 0x00, 0x00, 0x05,			/* count 5 */
	Z4, 0x00, 0x00, 0x03, 0xe8,			/* min 1000 */
	Z4, 0x00, 0x00, 0x07, 0xd0,			/* max 2000 */
	Z4, 0x00, 0x00, 0x1b, 0x58,			/* sum 7000 */
	Z8,						/* sumsq hi */
	Z4, 0x00, 0xa6, 0x49, 0x80,			/* sumsq lo */
	0x00, 0x00, 0x01, 0x00, Z4, Z4, 0x00, 0x00, 0x00, 0x03,
	0x00, 0x00, 0x01, 0x80, Z4, Z4, 0x00, 0x00, 0x00, 0x02,
};

static void test_hist_msg(void **state)
{
	struct proto_hist_pair pairs[2] = { { 256, 3 }, { 384, 2 } };
	struct proto_hist in = { .conn_id = 3, .n = 2, .count = 5,
				 .min = 1000, .max = 2000, .sum = 7000,
				 .sumsq_lo = 10897792, .v = pairs };
	struct proto_hist m;
	struct proto_wr w;
	uint8_t b[sizeof(g_hist)];
	size_t len = sizeof(g_hist) - PROTO_HDR_LEN, i;

	(void)state;
	proto_wr_init(&w, wbuf, sizeof(wbuf));
	assert_int_equal(proto_enc_hist(&w, 7, &in), 0);
	assert_frame(&w, g_hist, sizeof(g_hist));
	assert_int_equal(proto_dec_hist(FRAME(g_hist), &m), 0);
	assert_int_equal(m.conn_id, 3);
	assert_int_equal(m.n, 2);
	assert_int_equal(m.count, 5);
	assert_int_equal(m.min, 1000);
	assert_int_equal(m.max, 2000);
	assert_int_equal(m.sum, 7000);
	assert_int_equal(m.sumsq_lo, 10897792);
	assert_int_equal(m.v[1].index, 384);
	assert_int_equal(m.v[1].count, 2);
	proto_hist_free(&m);
	proto_hist_free(&m);
	assert_string_equal(proto_type_name(PROTO_T_HIST), "HIST");
	/* Every prefix, and one byte more, is refused. */
	for (i = 0; i < len; i++)
		assert_int_equal(proto_dec_hist(g_hist + 16, i, &m), -EBADMSG);
	memcpy(wbuf, g_hist + 16, len);
	wbuf[len] = 0;
	assert_int_equal(proto_dec_hist(wbuf, len + 1, &m), -EBADMSG);
	/* min > max; a zero bucket count; an index past the table; pad. */
	static const struct { size_t off; uint32_t v; } bad[] = {
		{ 20, 3000 }, { 68, 0 }, { 56, PROTO_HIST_MAX_PAIRS },
		{ 60, 1 },
	};
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memcpy(b, g_hist + 16, len);
		be32(b + bad[i].off, bad[i].v);
		assert_int_equal(dec_exact(dec_hist, b, len), -EBADMSG);
	}
	/* n that disagrees with the length; and the encoder refuses it. */
	memcpy(b, g_hist + 16, len);
	be32(b + 4, 3);
	assert_int_equal(dec_exact(dec_hist, b, len), -EBADMSG);
	pairs[0].count = 0;
	proto_wr_init(&w, wbuf, sizeof(wbuf));
	assert_int_equal(proto_enc_hist(&w, 7, &in), -EINVAL);
}

static void test_test_req_values(void **state)
{
	const size_t len = sizeof(g_test) - 16;
	static const struct {
		size_t off;
		uint32_t v;
		int ret;
	} cases[] = {
		{ 0, 3 << 16, -EBADMSG },		/* type 3 */
		{ 0, 0, -EBADMSG },			/* type 0 */
		{ 0, 1 << 16, -EBADMSG },		/* STREAM, sizes 0 */
		{ 4, 0, -EBADMSG },			/* duration 0 */
		{ 4, PROTO_MAX_DURATION_MS + 1, -EBADMSG },
		{ 4, PROTO_MAX_DURATION_MS, 0 },
		{ 8, PROTO_MAX_DURATION_MS + 1, -EBADMSG },	/* warmup */
		{ 8, 0, 0 },
		{ 12, 0, 0 },				/* no samples */
		{ 12, 9, -EBADMSG },			/* interval < 10 */
		{ 12, 10, 0 },
		{ 12, PROTO_MAX_DURATION_MS + 1, -EBADMSG },
		{ 16, PROTO_MAX_IO_SIZE + 1, -EBADMSG },	/* read_size */
		{ 16, PROTO_MAX_IO_SIZE, 0 },
		{ 20, PROTO_MAX_IO_SIZE + 1, -EBADMSG },	/* write_size */
		{ 24, 0, -EBADMSG },			/* RR req_size */
		{ 24, PROTO_MAX_IO_SIZE + 1, -EBADMSG },
		{ 28, 0, -EBADMSG },			/* RR resp_size */
		{ 28, PROTO_MAX_IO_SIZE, 0 },
		{ 32, 0, -EBADMSG },			/* RR depth */
		{ 32, 1025, -EBADMSG },
		{ 32, 1024, 0 },
		{ 40, PROTO_MAX_RESP_DELAY_US, 0 },	/* resp delay */
		{ 40, PROTO_MAX_RESP_DELAY_US + 1, -EBADMSG },
		{ 44, 8u << 16, -EBADMSG },		/* unknown flag */
		{ 44, 4u << 16, -EBADMSG },		/* WAITALL in RR */
		{ 44, 1, -EBADMSG },			/* pad */
		{ 44, (3u << 16) | (2 << 8), -EBADMSG },	/* tx mode 2 */
		{ 44, (3u << 16) | (0 << 8), 0 },	/* tx copy */
		{ 44, (1u << 16) | (1 << 8), 0 },	/* no validation */
		{ 0, (2u << 16) | (2 << 8) | 2, -EBADMSG },	/* engine 2 */
		{ 0, (2u << 16) | (0 << 8) | 2, 0 },	/* epoll */
		{ 0, (2u << 16) | (1 << 8) | 3, -EBADMSG },	/* rx mode 3 */
		{ 0, (2u << 16) | (1 << 8) | 0, 0 },	/* rx copy */
		/* MSG_TRUNC cannot validate: refused with VALIDATE set. */
		{ 0, (2u << 16) | (1 << 8) | 1, -EBADMSG },
		{ 48 + 8, 3 << 24, -EBADMSG },		/* BOTH in RR */
		{ 48 + 8, 4 << 24, -EBADMSG },		/* role 4 */
		{ 48 + 8, 0, -EBADMSG },		/* role 0 */
		{ 60 + 8, 1u << 24, 0 },		/* role ACTIVE */
	};
	uint8_t b[sizeof(g_test) - 16];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memcpy(b, g_test + 16, len);
		be32(b + cases[i].off, cases[i].v);
		if (dec_exact(dec_test, b, len) != cases[i].ret)
			fail_msg("case %zu: expected %d", i, cases[i].ret);
	}

	/* A STREAM test needs read and write sizes, not the RR ones. */
	memcpy(b, g_test + 16, len);
	b[1] = PROTO_TEST_STREAM;
	be32(b + 16, 1);
	be32(b + 20, 1);
	be32(b + 24, 0);
	be32(b + 28, 0);
	be32(b + 32, 0);
	assert_int_equal(dec_exact(dec_test, b, len), 0);
	be32(b + 20, 0);
	assert_int_equal(dec_exact(dec_test, b, len), -EBADMSG);
}

/* A decoder that fails late still leaves nothing allocated. */
static void test_failed_decode_is_zeroed(void **state)
{
	struct proto_conn_list cl;
	struct proto_result r;
	struct proto_hello h;
	struct proto_connect_req c;
	uint8_t b[512];

	memcpy(b, g_conn_list + 16, 56);
	b[55] = 1;				/* last pad byte */
	memset(&cl, 0xa5, sizeof(cl));
	assert_int_equal(proto_dec_conn_list(b, 56, &cl), -EBADMSG);
	assert_null(cl.v);
	assert_int_equal(cl.n, 0);

	memcpy(b, g_result + 16, 216);
	b[195] = 0xfe;				/* worker cpu_pinned -2 */
	memset(&r, 0xa5, sizeof(r));
	assert_int_equal(proto_dec_result(b, 216, &r), -EBADMSG);
	assert_null(r.flows);
	assert_null(r.cpus);
	assert_null(r.workers);
	assert_int_equal(r.window_ns, 0);

	memset(&h, 0xa5, sizeof(h));
	assert_int_equal(proto_dec_hello(g_hello + 16, 100, &h), -EBADMSG);
	assert_int_equal(h.ncpus, 0);
	assert_int_equal(h.kernel[0], '\0');

	memcpy(b, g_connect + 16, 40);
	b[1] = 1;				/* pad */
	assert_int_equal(proto_dec_connect_req(b, 40, &c), -EBADMSG);
	assert_int_equal(c.count, 0);
	assert_int_equal(c.token, 0);
	assert_int_equal(c.mss, 0);
}

static void test_free_is_idempotent(void **state)
{
	struct proto_conn_list cl = { 0 };
	struct proto_ids ids = { 0 };
	struct proto_test_req t = { 0 };
	struct proto_result r = { 0 };
	struct proto_sample s = { 0 };

	proto_conn_list_free(&cl);
	proto_ids_free(&ids);
	proto_test_req_free(&t);
	proto_result_free(&r);
	proto_sample_free(&s);

	assert_int_equal(proto_dec_result(FRAME(g_result), &r), 0);
	assert_int_equal(proto_dec_ids(BODY(g_ids), &ids), 0);
	proto_result_free(&r);
	proto_result_free(&r);
	proto_ids_free(&ids);
	proto_ids_free(&ids);
	assert_null(r.flows);
	assert_int_equal(r.n_flows, 0);
	assert_null(ids.v);
	assert_int_equal(ids.n, 0);
}

/* ---- encoders ---- */

static void test_enc_nospc(void **state)
{
	uint8_t small[sizeof(g_connect)];
	struct proto_hello h;
	struct proto_wr w;
	size_t cap;

	/* Every capacity short of the frame fails and writes nothing. */
	for (cap = 0; cap < sizeof(g_connect); cap++) {
		memset(small, 0xee, sizeof(small));
		proto_wr_init(&w, small, cap);
		assert_int_equal(proto_enc_connect_req(&w, 2, &golden_connect),
				 -ENOSPC);
		assert_int_equal(w.err, -ENOSPC);
		assert_int_equal(w.len, 0);
	}
	proto_wr_init(&w, small, sizeof(small));
	assert_int_equal(proto_enc_connect_req(&w, 2, &golden_connect), 0);
	assert_frame(&w, g_connect, sizeof(g_connect));

	/* A second frame that does not fit leaves the first one intact. */
	proto_wr_init(&w, wbuf, sizeof(g_connect) + 16 + 7);
	assert_int_equal(proto_enc_connect_req(&w, 2, &golden_connect), 0);
	assert_int_equal(proto_enc_worker_rep(&w, 1,
			&(struct proto_worker_rep){ .cpu = 0 }), -ENOSPC);
	assert_int_equal(w.len, sizeof(g_connect));
	assert_memory_equal(wbuf, g_connect, sizeof(g_connect));
	/* ...and the error sticks, even for a frame that would fit. */
	assert_int_equal(proto_enc_empty(&w, PROTO_T_TEST_STOP, 1, 0),
			 -ENOSPC);
	assert_int_equal(proto_enc_error(&w, 1, 0, "invalid too"), -ENOSPC);
	assert_int_equal(w.err, -ENOSPC);
	assert_int_equal(w.len, sizeof(g_connect));

	golden_hello(&h);
	proto_wr_init(&w, wbuf, sizeof(g_hello) - 1);
	assert_int_equal(proto_enc_hello(&w, 1, 0, &h), -ENOSPC);
	assert_int_equal(w.len, 0);
}

/* Each call must fail with -EINVAL and leave the buffer's length alone. */
#define EXPECT_EINVAL(call) do {					\
	proto_wr_init(&w, wbuf, sizeof(wbuf));				\
	w.len = 3;							\
	assert_int_equal((call), -EINVAL);				\
	assert_int_equal(w.err, -EINVAL);				\
	assert_int_equal(w.len, 3);					\
} while (0)

static void test_enc_refuses_invalid(void **state)
{
	struct proto_connect_req c = golden_connect;
	struct proto_conn_info ci[2];
	struct proto_conn_list cl = { .n = 2, .v = ci };
	struct proto_test_flow fl[2];
	struct proto_test_req t;
	struct proto_flow_res fr = golden_flow_res;
	struct proto_cpu_res cr = golden_cpu_res;
	struct proto_worker_res wr = golden_worker_res;
	struct proto_result r;
	struct proto_ids ids = { .n = 1, .v = NULL };
	struct proto_sample s = { .n = PROTO_MAX_CONNS + 1 };
	struct proto_hello h;
	struct proto_wr w;

	EXPECT_EINVAL(proto_enc_error(&w, 1, 0, "x"));
	EXPECT_EINVAL(proto_enc_error(&w, 1, -EIO, "x"));

	golden_hello(&h);
	h.ncpus = 0;
	EXPECT_EINVAL(proto_enc_hello(&w, 1, 0, &h));
	h.ncpus = PROTO_MAX_CPUS + 1;
	EXPECT_EINVAL(proto_enc_hello(&w, 1, 0, &h));
	golden_hello(&h);
	h.n_online = 73;
	EXPECT_EINVAL(proto_enc_hello(&w, 1, 0, &h));
	golden_hello(&h);
	h.online[1] = 0x100;			/* CPU 72 of 72 */
	EXPECT_EINVAL(proto_enc_hello(&w, 1, 0, &h));
	golden_hello(&h);
	h.online[5] = 1;
	EXPECT_EINVAL(proto_enc_hello(&w, 1, 0, &h));

	c.family = 5;
	EXPECT_EINVAL(proto_enc_connect_req(&w, 1, &c));
	c = golden_connect;
	c.addr[15] = 1;
	EXPECT_EINVAL(proto_enc_connect_req(&w, 1, &c));
	c = golden_connect;
	c.port = 0;
	EXPECT_EINVAL(proto_enc_connect_req(&w, 1, &c));
	c = golden_connect;
	c.count = PROTO_MAX_CONNS + 1;
	EXPECT_EINVAL(proto_enc_connect_req(&w, 1, &c));
	c = golden_connect;
	c.timeout_ms = 0;
	EXPECT_EINVAL(proto_enc_connect_req(&w, 1, &c));
	c = golden_connect;
	c.mss = PROTO_MSS_MIN - 1;
	EXPECT_EINVAL(proto_enc_connect_req(&w, 1, &c));
	c.mss = PROTO_MSS_MAX + 1;
	EXPECT_EINVAL(proto_enc_connect_req(&w, 1, &c));

	memcpy(ci, golden_conns, sizeof(ci));
	EXPECT_EINVAL(proto_enc_conn_list(&w, PROTO_T_LISTEN, 1, &cl));
	ci[1].rx_cpu = -2;
	EXPECT_EINVAL(proto_enc_conn_list(&w, PROTO_T_CONNECT, 1, &cl));
	cl.n = PROTO_MAX_CONNS + 1;		/* never read past ci[] */
	EXPECT_EINVAL(proto_enc_conn_list(&w, PROTO_T_CONNECT, 1, &cl));
	cl.n = UINT32_MAX;
	EXPECT_EINVAL(proto_enc_conn_list(&w, PROTO_T_CONNECT, 1, &cl));
	cl.n = 1;
	cl.v = NULL;
	EXPECT_EINVAL(proto_enc_conn_list(&w, PROTO_T_CONNECT, 1, &cl));

	EXPECT_EINVAL(proto_enc_ids(&w, PROTO_T_CONN_INFO, 1, &ids));
	ids.v = (uint32_t[]){ 1 };
	EXPECT_EINVAL(proto_enc_ids(&w, PROTO_T_CONNECT, 1, &ids));
	ids.n = 0;
	EXPECT_EINVAL(proto_enc_ids(&w, PROTO_T_CONN_CLOSE, 1, &ids));

	EXPECT_EINVAL(proto_enc_worker_req(&w, 1,
			&(struct proto_worker_req){ .cpu = PROTO_MAX_CPUS }));
	EXPECT_EINVAL(proto_enc_worker_req(&w, 1,
			&(struct proto_worker_req){ .cpu = -2 }));
	EXPECT_EINVAL(proto_enc_worker_rep(&w, 1,
			&(struct proto_worker_rep){ .cpu = -2 }));

	memcpy(fl, golden_flows, sizeof(fl));
	golden_test(&t);
	t.flows = fl;
	t.depth = 0;
	EXPECT_EINVAL(proto_enc_test_req(&w, 1, &t));
	golden_test(&t);
	t.flows = fl;
	t.interval_ms = 1;
	EXPECT_EINVAL(proto_enc_test_req(&w, 1, &t));
	golden_test(&t);
	t.flows = fl;
	t.type = PROTO_TEST_STREAM;		/* read/write sizes are 0 */
	EXPECT_EINVAL(proto_enc_test_req(&w, 1, &t));
	golden_test(&t);
	t.flows = fl;
	fl[1].role = 0;
	EXPECT_EINVAL(proto_enc_test_req(&w, 1, &t));
	fl[1].role = PROTO_ROLE_BOTH + 1;
	EXPECT_EINVAL(proto_enc_test_req(&w, 1, &t));
	fl[1].role = PROTO_ROLE_BOTH;		/* in an RR test */
	EXPECT_EINVAL(proto_enc_test_req(&w, 1, &t));
	fl[1].role = PROTO_ROLE_PASSIVE;
	t.n = 0;
	EXPECT_EINVAL(proto_enc_test_req(&w, 1, &t));
	t.n = PROTO_MAX_CONNS + 1;
	EXPECT_EINVAL(proto_enc_test_req(&w, 1, &t));
	t.n = 1;
	t.flows = NULL;
	EXPECT_EINVAL(proto_enc_test_req(&w, 1, &t));

	golden_result(&r);
	r.flows = &fr;
	r.cpus = &cr;
	r.workers = &wr;
	fr.rx_cpu_end = -2;
	EXPECT_EINVAL(proto_enc_result(&w, 1, &r));
	fr.rx_cpu_end = -1;
	cr.cpu = PROTO_MAX_CPUS;
	EXPECT_EINVAL(proto_enc_result(&w, 1, &r));
	cr.cpu = 0;
	wr.cpu_pinned = -2;
	EXPECT_EINVAL(proto_enc_result(&w, 1, &r));
	wr.cpu_pinned = 0;
	r.n_cpus = PROTO_MAX_CPUS + 1;
	EXPECT_EINVAL(proto_enc_result(&w, 1, &r));
	r.n_cpus = 1;
	r.workers = NULL;
	EXPECT_EINVAL(proto_enc_result(&w, 1, &r));

	EXPECT_EINVAL(proto_enc_sample(&w, 1, &s));
	s.n = 1;
	EXPECT_EINVAL(proto_enc_sample(&w, 1, &s));

	/* Only TEST_STOP, TX_DONE and the three bare replies are empty. */
	EXPECT_EINVAL(proto_enc_empty(&w, PROTO_T_HELLO, 1, 0));
	EXPECT_EINVAL(proto_enc_empty(&w, PROTO_T_TEST_START, 1, 0));
	EXPECT_EINVAL(proto_enc_empty(&w, PROTO_T_LISTEN, 1, 1));
	EXPECT_EINVAL(proto_enc_empty(&w, 0, 1, 1));
	EXPECT_EINVAL(proto_enc_empty(&w, PROTO_T_MAX + 1, 1, 1));
	EXPECT_EINVAL(proto_enc_empty(&w, PROTO_T_TX_DONE, 1, 1));
	proto_wr_init(&w, wbuf, sizeof(wbuf));
	assert_int_equal(proto_enc_empty(&w, PROTO_T_CONN_CLOSE, 1, 1), 0);
	assert_int_equal(proto_enc_empty(&w, PROTO_T_TEST_STOP, 1, 1), 0);
	assert_int_equal(w.len, 32);
}

/* ---- CONN_SETOPT ---- */

static void test_setopt_golden(void **state)
{
	struct proto_opts_list in = { .n = 2, .v = golden_opts }, lm;
	struct proto_setopt_req q, m;
	struct proto_wr w;

	golden_setopt(&q);
	proto_wr_init(&w, wbuf, sizeof(wbuf));
	assert_int_equal(proto_enc_setopt_req(&w, 5, &q), 0);
	assert_frame(&w, g_setopt, sizeof(g_setopt));
	assert_int_equal(proto_dec_setopt_req(FRAME(g_setopt), &m), 0);
	assert_int_equal(m.n, 2);
	assert_int_equal(m.which, 0x1b);
	assert_int_equal(m.max_pace, 25000000);
	assert_int_equal(m.sndbuf, 1u << 20);
	assert_int_equal(m.rcvbuf, 0);
	assert_int_equal(m.nodelay, 1);
	assert_string_equal(m.cc, "bbr");
	assert_int_equal(m.ids[0], 3);
	assert_int_equal(m.ids[1], 258);
	proto_setopt_req_free(&m);

	proto_wr_init(&w, wbuf, sizeof(wbuf));
	assert_int_equal(proto_enc_opts_list(&w, 5, &in), 0);
	assert_frame(&w, g_opts, sizeof(g_opts));
	assert_int_equal(proto_dec_opts_list(FRAME(g_opts), &lm), 0);
	assert_int_equal(lm.n, 2);
	/* Every field has its own value, so a swap would show. */
	assert_memory_equal(lm.v, golden_opts, sizeof(golden_opts));
	assert_int_equal(lm.v[1].max_pace, UINT64_MAX);
	assert_string_equal(lm.v[1].cc, "cubic");
	proto_opts_list_free(&lm);
	proto_opts_list_free(&lm);

	/* which 0: only read back; every option field 0. */
	memset(&q, 0, sizeof(q));
	q.n = 1;
	q.ids = golden_setopt_ids;
	proto_wr_init(&w, wbuf, sizeof(wbuf));
	assert_int_equal(proto_enc_setopt_req(&w, 6, &q), 0);
	assert_int_equal(w.len, 16 + PROTO_SETOPT_FIXED_LEN + 4);
	assert_int_equal(proto_dec_setopt_req(wbuf + 16, w.len - 16, &m), 0);
	assert_int_equal(m.which, 0);
	assert_string_equal(m.cc, "");
	proto_setopt_req_free(&m);
}

static void test_cc_name_ok(void **state)
{
	char full[PROTO_CC_LEN];

	assert_true(proto_cc_name_ok("bbr"));
	assert_true(proto_cc_name_ok("Z-9_a"));
	assert_true(proto_cc_name_ok("abcdefghijklmno"));	/* 15 */
	assert_false(proto_cc_name_ok(""));
	assert_false(proto_cc_name_ok("b br"));
	assert_false(proto_cc_name_ok("bbr.2"));
	assert_false(proto_cc_name_ok("bbr\n"));
	assert_false(proto_cc_name_ok("\xc3\xa9t\xc3\xa9"));
	memset(full, 'a', sizeof(full));	/* 16 bytes, no NUL */
	assert_false(proto_cc_name_ok(full));
}

/* Patch a u32 (or the cc field) of the setopt body and decode it. */
static int setopt_patched(size_t off, uint32_t v)
{
	uint8_t b[sizeof(g_setopt) - 16];

	memcpy(b, g_setopt + 16, sizeof(b));
	be32(b + off, v);
	return dec_exact(dec_setopt, b, sizeof(b));
}

static int setopt_cc(uint32_t which, const char *cc, size_t cc_len)
{
	uint8_t b[sizeof(g_setopt) - 16];

	memcpy(b, g_setopt + 16, sizeof(b));
	be32(b + 4, which);
	memset(b + 32, 0, PROTO_CC_LEN);
	memcpy(b + 32, cc, cc_len);
	return dec_exact(dec_setopt, b, sizeof(b));
}

static int opts_patched(size_t off, uint32_t v)
{
	uint8_t b[sizeof(g_opts) - 16];

	memcpy(b, g_opts + 16, sizeof(b));
	be32(b + off, v);
	return dec_exact(dec_opts, b, sizeof(b));
}

static void test_setopt_values(void **state)
{
	static const struct {
		size_t off;
		uint32_t v;
		int ret;
	} cases[] = {
		{ 4, 0x20, -EBADMSG },			/* unknown bit */
		{ 4, 0x8000001b, -EBADMSG },
		{ 4, 0x1a, -EBADMSG },		/* pace not asked, but set */
		{ 8, 1, 0 },			/* max_pace over 2^32 */
		{ 12, 0, -EBADMSG },		/* max_pace 0 */
		{ 16, 0, -EBADMSG },			/* sndbuf 0, bit set */
		{ 16, PROTO_MAX_SOCKBUF, 0 },
		{ 16, PROTO_MAX_SOCKBUF + 1, -EBADMSG },
		{ 20, 1, -EBADMSG },			/* rcvbuf, bit clear */
		{ 24, 0, 0 },				/* nodelay off */
		{ 24, 2, -EBADMSG },
		{ 40, 1, -EBADMSG },			/* cc tail */
	};
	uint8_t b[sizeof(g_setopt) - 16];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int ret = setopt_patched(cases[i].off, cases[i].v);

		if (ret != cases[i].ret)
			fail_msg("case %zu: %d, expected %d", i, ret,
				 cases[i].ret);
	}
	assert_int_equal(setopt_patched(48, UINT32_MAX), 0);	/* an id */
	/* The rate is a u64: 0 is refused, 2^64 - 1 is a rate too. */
	memcpy(b, g_setopt + 16, sizeof(b));
	memset(b + 8, 0, 8);
	assert_int_equal(dec_exact(dec_setopt, b, sizeof(b)), -EBADMSG);
	memset(b + 8, 0xff, 8);
	assert_int_equal(dec_exact(dec_setopt, b, sizeof(b)), 0);

	/* Nothing to set: every option field must then be 0. */
	assert_int_equal(setopt_cc(0x0b, "", 0), 0);	/* bit 4 clear */
	assert_int_equal(setopt_cc(0x0b, "bbr", 3), -EBADMSG);
	assert_int_equal(setopt_cc(0x1b, "", 0), -EBADMSG);
	assert_int_equal(setopt_cc(0x1b, "bb r", 4), -EBADMSG);
	assert_int_equal(setopt_cc(0x1b, "bbr.", 4), -EBADMSG);
	assert_int_equal(setopt_cc(0x1b, "abcdefghijklmno", 15), 0);
	assert_int_equal(setopt_cc(0x1b, "abcdefghijklmnop", 16), -EBADMSG);
	assert_int_equal(setopt_cc(0x1b, "bbr\0x", 5), -EBADMSG);

	/* Reply: nodelay 0/1, a non-empty valid cc. */
	assert_int_equal(opts_patched(8 + 24, 2), -EBADMSG);
	assert_int_equal(opts_patched(8 + 32, 0), -EBADMSG);	/* cc "" */
	assert_int_equal(opts_patched(8 + 32, 0x62622062), -EBADMSG);
	assert_int_equal(opts_patched(8 + 4, 0), 0);		/* any mss */
	assert_int_equal(opts_patched(8 + 16, UINT32_MAX), 0);
	assert_int_equal(opts_patched(0, 3), -EBADMSG);	/* n vs length */
	assert_int_equal(opts_patched(0, 1), -EBADMSG);
	assert_int_equal(setopt_patched(0, 3), -EBADMSG);
	assert_int_equal(setopt_patched(0, 1), -EBADMSG);
}

static void test_setopt_limits(void **state)
{
	const uint32_t over = PROTO_MAX_CONNS + 1;
	struct proto_setopt_req q, qm;
	struct proto_opts_list l = { .n = PROTO_MAX_CONNS }, lm;
	struct proto_wr w;
	size_t len;
	uint8_t *b;
	uint32_t i;

	/* Requests: 1 .. 4096 ids. */
	b = counted(PROTO_SETOPT_FIXED_LEN, over, 4, 0, &len);
	assert_int_equal(dec_setopt(b, len), -EBADMSG);
	be32(b, PROTO_MAX_CONNS);
	assert_int_equal(dec_setopt(b, len - 4), 0);
	free(b);
	b = counted(PROTO_SETOPT_FIXED_LEN, 0, 4, 0, &len);
	assert_int_equal(dec_setopt(b, len), -EBADMSG);
	free(b);

	/* Replies: up to 4096 valid entries, not one more. */
	b = counted(PROTO_OPTS_FIXED_LEN, over, PROTO_CONN_OPTS_LEN, 0, &len);
	for (i = 0; i < over; i++)
		b[PROTO_OPTS_FIXED_LEN + i * PROTO_CONN_OPTS_LEN + 32] = 'x';
	assert_int_equal(dec_opts(b, len), -EBADMSG);
	be32(b, PROTO_MAX_CONNS);
	assert_int_equal(dec_opts(b, len - PROTO_CONN_OPTS_LEN), 0);
	free(b);
	b = counted(PROTO_OPTS_FIXED_LEN, 0, PROTO_CONN_OPTS_LEN, 0, &len);
	assert_int_equal(dec_opts(b, len), 0);		/* empty list */
	free(b);

	/* Round trips of the largest of both. */
	golden_setopt(&q);
	q.n = PROTO_MAX_CONNS;
	q.ids = calloc(q.n, sizeof(*q.ids));
	l.v = calloc(l.n, sizeof(*l.v));
	assert_non_null(q.ids);
	assert_non_null(l.v);
	for (i = 0; i < PROTO_MAX_CONNS; i++) {
		q.ids[i] = UINT32_MAX - i;
		l.v[i] = golden_opts[i % 2];
		l.v[i].id = i;
	}
	proto_wr_init(&w, wbuf, sizeof(wbuf));
	assert_int_equal(proto_enc_setopt_req(&w, 1, &q), 0);
	assert_int_equal(proto_dec_setopt_req(wbuf + 16, w.len - 16, &qm), 0);
	assert_memory_equal(qm.ids, q.ids, q.n * sizeof(*q.ids));
	proto_wr_init(&w, wbuf, sizeof(wbuf));
	assert_int_equal(proto_enc_opts_list(&w, 1, &l), 0);
	assert_int_equal(proto_dec_opts_list(wbuf + 16, w.len - 16, &lm), 0);
	assert_memory_equal(lm.v, l.v, l.n * sizeof(*l.v));
	proto_setopt_req_free(&qm);
	proto_setopt_req_free(&qm);
	proto_opts_list_free(&lm);
	free(q.ids);
	free(l.v);
}

static void test_setopt_enc_refuses_invalid(void **state)
{
	struct proto_conn_opts o[2];
	struct proto_opts_list l = { .n = 2, .v = o };
	struct proto_setopt_req q;
	struct proto_wr w;

#define SETOPT_EINVAL(change) do {					\
	golden_setopt(&q);						\
	change;								\
	EXPECT_EINVAL(proto_enc_setopt_req(&w, 1, &q));			\
} while (0)
	SETOPT_EINVAL(q.n = 0);
	SETOPT_EINVAL(q.n = PROTO_MAX_CONNS + 1);	/* never read past */
	SETOPT_EINVAL(q.ids = NULL);
	SETOPT_EINVAL(q.which |= 0x100);
	SETOPT_EINVAL(q.max_pace = 0);
	SETOPT_EINVAL(q.which &= ~PROTO_OPT_MAX_PACE);	/* rate still set */
	SETOPT_EINVAL(q.sndbuf = PROTO_MAX_SOCKBUF + 1);
	SETOPT_EINVAL(q.rcvbuf = 1);			/* bit clear */
	SETOPT_EINVAL(q.nodelay = 2);
	SETOPT_EINVAL(q.cc[0] = '\0');
	SETOPT_EINVAL(strcpy(q.cc, "b/r"));
	SETOPT_EINVAL(memset(q.cc, 'a', sizeof(q.cc)));
	SETOPT_EINVAL(q.which &= ~PROTO_OPT_CC);	/* name still set */
#undef SETOPT_EINVAL

	memcpy(o, golden_opts, sizeof(o));
	o[1].nodelay = 2;
	EXPECT_EINVAL(proto_enc_opts_list(&w, 1, &l));
	memcpy(o, golden_opts, sizeof(o));
	o[0].cc[0] = '\0';
	EXPECT_EINVAL(proto_enc_opts_list(&w, 1, &l));
	memcpy(o, golden_opts, sizeof(o));
	l.n = PROTO_MAX_CONNS + 1;
	EXPECT_EINVAL(proto_enc_opts_list(&w, 1, &l));
	l.n = 1;
	l.v = NULL;
	EXPECT_EINVAL(proto_enc_opts_list(&w, 1, &l));

	/* Garbage after the NUL of a name is not sent. */
	golden_setopt(&q);
	memcpy(q.cc, "bbr\0zzzzzzzzzzz", sizeof(q.cc));
	proto_wr_init(&w, wbuf, sizeof(wbuf));
	assert_int_equal(proto_enc_setopt_req(&w, 5, &q), 0);
	assert_frame(&w, g_setopt, sizeof(g_setopt));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hdr_golden),
		cmocka_unit_test(test_hdr_refused),
		cmocka_unit_test(test_type_names),
		cmocka_unit_test(test_error_golden),
		cmocka_unit_test(test_hello_golden),
		cmocka_unit_test(test_connect_golden),
		cmocka_unit_test(test_conn_list_golden),
		cmocka_unit_test(test_test_req_golden),
		cmocka_unit_test(test_test_req_both),
		cmocka_unit_test(test_test_req_roles),
		cmocka_unit_test(test_tx_done_golden),
		cmocka_unit_test(test_hist_msg),
		cmocka_unit_test(test_result_golden),
		cmocka_unit_test(test_small_golden),
		cmocka_unit_test(test_data_hello),
		cmocka_unit_test(test_round_trip_frames),
		cmocka_unit_test(test_round_trip_max),
		cmocka_unit_test(test_truncation_of_text),
		cmocka_unit_test(test_every_prefix_refused),
		cmocka_unit_test(test_trailing_byte_refused),
		cmocka_unit_test(test_nonzero_pad_refused),
		cmocka_unit_test(test_counts_disagree_with_length),
		cmocka_unit_test(test_counts_over_limits),
		cmocka_unit_test(test_bad_values_refused),
		cmocka_unit_test(test_test_req_values),
		cmocka_unit_test(test_test_req_waitall),
		cmocka_unit_test(test_failed_decode_is_zeroed),
		cmocka_unit_test(test_free_is_idempotent),
		cmocka_unit_test(test_enc_nospc),
		cmocka_unit_test(test_enc_refuses_invalid),
		cmocka_unit_test(test_setopt_golden),
		cmocka_unit_test(test_cc_name_ok),
		cmocka_unit_test(test_setopt_values),
		cmocka_unit_test(test_setopt_limits),
		cmocka_unit_test(test_setopt_enc_refuses_invalid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
