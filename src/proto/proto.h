/* SPDX-License-Identifier: MIT */
/*
 * proto - the kperf control protocol: frames, messages and their codec.
 *
 * Every control message travels in a frame: a 16-byte header followed by a
 * body of hdr.len bytes.  All integers are big-endian with explicit widths;
 * the codec below is the only place that converts them, and no C struct is
 * ever sent as memory.  docs/protocol.md describes every byte.
 *
 *   Frame header (16 bytes):
 *     u16 type   u16 flags   u32 id   u32 len   u32 reserved (must be 0)
 *
 * A request carries an id chosen by the client; its reply carries the same
 * id and PROTO_F_REPLY, or is a PROTO_T_ERROR frame with that id.  Messages
 * a session sends on its own (TEST_RESULT, SAMPLE, HIST, TX_DONE) carry the
 * id of the TEST_START request they belong to and no REPLY flag.
 *
 * Usage, encode:
 *	struct proto_wr w;
 *	proto_wr_init(&w, buf, sizeof(buf));
 *	proto_enc_listen_req(&w, id, &req);
 *	if (w.err) ...;            then send w.len bytes of buf.
 *
 * Usage, decode: read PROTO_HDR_LEN bytes, proto_hdr_decode() them (this
 * refuses bad lengths before anything is allocated), read hdr.len bytes of
 * body, then call the proto_dec_*() of hdr.type on the body.  Decoders never
 * read past len, check every count against len with overflow-safe
 * arithmetic, and return 0 or -errno (-EBADMSG for a malformed body).
 * Decoders of messages with arrays allocate them; free with the matching
 * proto_*_free().
 */
#ifndef KPERF_PROTO_H
#define KPERF_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "common/cpustat.h"

#define PROTO_MAGIC		0x4b504652u	/* "KPFR" */
#define PROTO_VERSION		1
#define PROTO_PORT_DEFAULT	18323
#define PROTO_HDR_LEN		16
#define PROTO_MAX_BODY		(1u << 20)	/* refused before allocating */
#define PROTO_TEXT_MAX		1024		/* error text, bytes */
#define PROTO_NAME_LEN		64		/* hostname, kernel release */
#define PROTO_MAX_CPUS		4096
#define PROTO_CPU_WORDS		(PROTO_MAX_CPUS / 64)
#define PROTO_MAX_CONNS		4096		/* per session, per request */
#define PROTO_MAX_IO_SIZE	(64u << 20)	/* read/write/req/resp sizes */
#define PROTO_MAX_DURATION_MS	(24u * 3600 * 1000)

/* Frame types (u16 on the wire). */
#define PROTO_T_ERROR		1
#define PROTO_T_HELLO		2
#define PROTO_T_LISTEN		3
#define PROTO_T_CONNECT		4
#define PROTO_T_CONN_INFO	5
#define PROTO_T_CONN_CLOSE	6
#define PROTO_T_WORKER_SPAWN	7
#define PROTO_T_TEST_START	8
#define PROTO_T_TEST_STOP	9
#define PROTO_T_TEST_RESULT	10
#define PROTO_T_SAMPLE		11
#define PROTO_T_HIST		12
#define PROTO_T_CONN_SETOPT	13
#define PROTO_T_CONN_TLS	14
#define PROTO_T_TLS_STAT	15
#define PROTO_T_TX_DONE		16
#define PROTO_T_MAX		16

/* Frame flags. */
#define PROTO_F_REPLY		0x0001

/* HELLO feature bits. */
#define PROTO_FEAT_STREAM	(1ull << 0)
#define PROTO_FEAT_RR		(1ull << 1)
#define PROTO_FEAT_SAMPLES	(1ull << 2)
#define PROTO_FEAT_TCP_OPTS	(1ull << 3)	/* CONN_SETOPT, CONNECT mss */
#define PROTO_FEAT_DATAPATH	(1ull << 4)	/* engines, modes, validation */
#define PROTO_FEAT_TLS		(1ull << 5)	/* CONN_TLS, TLS_STAT */
#define PROTO_FEAT_WAITALL	(1ull << 6)	/* TEST_START WAITALL */
#define PROTO_FEAT_BIDIR	(1ull << 7)	/* ROLE_BOTH, TX_DONE */

/* TEST_START test types and per-flow roles. */
#define PROTO_TEST_STREAM	1
#define PROTO_TEST_RR		2
#define PROTO_ROLE_ACTIVE	1	/* stream: sends; rr: sends requests */
#define PROTO_ROLE_PASSIVE	2	/* stream: receives; rr: responds */
#define PROTO_ROLE_BOTH		3	/* stream only: sends and receives */

/* TEST_START flags. */
#define PROTO_TEST_F_NO_LATENCY	0x0001	/* rr: do not time transactions */
#define PROTO_TEST_F_VALIDATE	0x0002	/* check every byte received */
#define PROTO_TEST_F_WAITALL	0x0004	/* stream: read whole blocks */
#define PROTO_TEST_F_ALL	0x0007

/* Data path of a session's side of a test (TEST_START). */
#define PROTO_ENGINE_EPOLL	0
#define PROTO_ENGINE_IO_URING	1
#define PROTO_RX_COPY		0
#define PROTO_RX_TRUNC		1	/* MSG_TRUNC: discarded in the kernel */
#define PROTO_RX_ZEROCOPY	2	/* TCP_ZEROCOPY_RECEIVE */
#define PROTO_TX_COPY		0
#define PROTO_TX_ZEROCOPY	1	/* MSG_ZEROCOPY */
#define PROTO_MAX_RESP_DELAY_US	10000000u

/* CONNECT mss: 0 (kernel default) or this range, as TCP_MAXSEG takes it. */
#define PROTO_MSS_MIN		88
#define PROTO_MSS_MAX		65535

/* CONN_SETOPT: which options to set (bits of "which"). */
#define PROTO_OPT_MAX_PACE	0x0001	/* SO_MAX_PACING_RATE, bytes/s */
#define PROTO_OPT_SNDBUF	0x0002	/* SO_SNDBUF */
#define PROTO_OPT_RCVBUF	0x0004	/* SO_RCVBUF */
#define PROTO_OPT_NODELAY	0x0008	/* TCP_NODELAY */
#define PROTO_OPT_CC		0x0010	/* TCP_CONGESTION */
#define PROTO_OPT_ALL		0x001f
#define PROTO_CC_LEN		16	/* TCP_CA_NAME_MAX, NUL included */
#define PROTO_MAX_SOCKBUF	(1u << 30)	/* sndbuf, rcvbuf */
#define PROTO_PACE_UNLIMITED	UINT64_MAX	/* read back: no limit */

/* Data connection hello: 16 bytes each way, see docs/protocol.md. */
#define PROTO_DATA_MAGIC	0x4b504448u	/* "KPDH" */
#define PROTO_DATA_HELLO_LEN	16

struct proto_hdr {
	uint16_t type;
	uint16_t flags;
	uint32_t id;
	uint32_t len;
};

/* Sizes of fixed bodies and array elements on the wire. */
#define PROTO_ERROR_FIXED_LEN	8
#define PROTO_HELLO_FIXED_LEN	(24 + 2 * PROTO_NAME_LEN)	/* + words*8 */
#define PROTO_LISTEN_REQ_LEN	8
#define PROTO_LISTEN_REP_LEN	16
#define PROTO_CONNECT_REQ_LEN	40
#define PROTO_IDS_FIXED_LEN	8	/* u32 n, u32 pad; then n * u32 */
#define PROTO_CONN_INFO_LEN	24
#define PROTO_WORKER_REQ_LEN	8
#define PROTO_WORKER_REP_LEN	16
#define PROTO_TEST_FIXED_LEN	48
#define PROTO_TEST_FLOW_LEN	12
#define PROTO_RESULT_FIXED_LEN	24
#define PROTO_FLOW_RES_LEN	152
#define PROTO_CPU_RES_LEN	64
#define PROTO_WORKER_RES_LEN	32
#define PROTO_SAMPLE_FIXED_LEN	16
#define PROTO_SAMPLE_FLOW_LEN	24
#define PROTO_HIST_FIXED_LEN	56
#define PROTO_HIST_PAIR_LEN	16
#define PROTO_HIST_MAX_PAIRS	4096
#define PROTO_SETOPT_FIXED_LEN	48	/* then n * u32 ids */
#define PROTO_OPTS_FIXED_LEN	8	/* u32 n, u32 pad; then n conn_opts */
#define PROTO_CONN_OPTS_LEN	48

/* ERROR: a request failed.  err is a positive errno. */
struct proto_error {
	int32_t err;
	char text[PROTO_TEXT_MAX + 1];	/* NUL-terminated on decode */
};

/*
 * HELLO: both directions carry the sender's facts.  The session answers a
 * client whose magic or version differs with ERROR EPROTONOSUPPORT.
 * ncpus is the number of CPU ids (highest possible CPU + 1); online is a
 * bitmap over them, ceil(ncpus / 64) words on the wire.
 */
struct proto_hello {
	uint32_t magic;
	uint16_t version;
	uint64_t features;
	uint32_t ncpus;
	uint32_t n_online;
	char kernel[PROTO_NAME_LEN + 1];
	char hostname[PROTO_NAME_LEN + 1];
	uint64_t online[PROTO_CPU_WORDS];
};

/* LISTEN: open (or return the already open) data acceptor. */
struct proto_listen_req {
	uint16_t port;		/* 0: any free port */
};

struct proto_listen_rep {
	uint16_t port;
	uint64_t token;		/* data connections must present it */
};

/* CONNECT: open count data connections to another session's acceptor. */
struct proto_connect_req {
	uint8_t family;		/* 4 or 6 */
	uint16_t port;
	uint32_t count;		/* 1 .. PROTO_MAX_CONNS */
	uint8_t addr[16];	/* IPv4 in the first 4 bytes */
	uint64_t token;
	uint32_t timeout_ms;	/* per connection set-up */
	uint32_t mss;		/* TCP_MAXSEG before connect(); 0: default */
};

/* One data connection as its session sees it. */
struct proto_conn_info {
	uint32_t id;		/* this session's id for it */
	uint32_t peer_id;	/* the other session's id */
	uint16_t local_port;
	uint16_t peer_port;
	int32_t rx_cpu;		/* SO_INCOMING_CPU, -1 if unknown */
	uint32_t napi_id;	/* SO_INCOMING_NAPI_ID, 0 if none */
};

/* Reply of CONNECT and CONN_INFO. */
struct proto_conn_list {
	uint32_t n;
	struct proto_conn_info *v;
};

/* Request of CONN_INFO and CONN_CLOSE. */
struct proto_ids {
	uint32_t n;		/* 1 .. PROTO_MAX_CONNS */
	uint32_t *v;
};

/* WORKER_SPAWN: start a worker thread, pinned to cpu unless cpu < 0. */
struct proto_worker_req {
	int32_t cpu;
};

struct proto_worker_rep {
	uint32_t worker_id;
	uint32_t tid;		/* the thread's own kernel id */
	int32_t cpu;		/* affinity read back; -1 when not one CPU */
};

struct proto_test_flow {
	uint32_t conn_id;
	uint32_t worker_id;
	uint8_t role;		/* PROTO_ROLE_* */
};

/*
 * TEST_START: run a test on the listed connections.  Active flows run for
 * duration_ms then drain; passive flows run until TEST_STOP; BOTH flows
 * (stream only) send as active ones and read as passive ones, and the
 * session says TX_DONE once their sending is over and acknowledged.  CPU
 * use is measured over [start, start + duration_ms] on every session.
 */
struct proto_test_req {
	uint16_t type;		/* PROTO_TEST_* */
	uint8_t engine;		/* PROTO_ENGINE_*, of this session's side */
	uint8_t rx_mode;	/* PROTO_RX_*, how this side reads */
	uint8_t tx_mode;	/* PROTO_TX_*, how this side writes */
	uint32_t duration_ms;
	uint32_t warmup_ms;
	uint32_t interval_ms;	/* 0: no SAMPLE messages */
	uint32_t read_size;
	uint32_t write_size;
	uint32_t req_size;
	uint32_t resp_size;
	uint32_t depth;
	uint32_t n;		/* 1 .. PROTO_MAX_CONNS */
	uint32_t resp_delay_us;	/* rr: passive end waits before answering */
	uint16_t flags;		/* PROTO_TEST_F_* */
	struct proto_test_flow *flows;
};

struct proto_tcp_res {
	uint32_t retrans;	/* delta of tcpi_total_retrans */
	uint32_t reord_seen;	/* delta */
	uint32_t rtt_us;	/* at the end */
	uint32_t rttvar_us;
	uint32_t delivered_ce;	/* delta */
	uint32_t snd_wnd;	/* bytes, at the end */
	uint32_t snd_cwnd;	/* segments, at the end */
	uint64_t bytes_acked;	/* delta */
	uint64_t bytes_received; /* delta */
};

/* What the data path did on one side of a flow. */
struct proto_xfer_res {
	uint64_t checked;	/* bytes received and compared */
	uint64_t mismatches;	/* of those, bytes that differed */
	uint64_t first_bad;	/* stream offset of the first; UINT64_MAX */
	uint64_t zc_sends;	/* MSG_ZEROCOPY sends completed */
	uint64_t zc_copied;	/* of those, the kernel copied anyway */
	uint64_t zrx_mapped;	/* TCP_ZEROCOPY_RECEIVE: bytes mapped */
	uint64_t zrx_copied;	/* bytes that could not be mapped */
};

struct proto_flow_res {
	uint32_t conn_id;
	int32_t rx_cpu_end;	/* SO_INCOMING_CPU read after the test */
	uint32_t napi_id_end;
	uint64_t tx_bytes;
	uint64_t rx_bytes;
	uint64_t xfer_ns;	/* first to last byte moved (BOTH: received) */
	uint64_t transactions;
	struct proto_tcp_res tcp;
	struct proto_xfer_res xfer;
};

/*
 * CPU time over the measured window, from /proc/stat: cpustat's own
 * struct cpustat_time (ns per state) as time, its states also reachable
 * by name (r->user).
 */
struct proto_cpu_res {
	uint32_t cpu;
	CPUSTAT_TIME_MEMBER;
};

struct proto_worker_res {
	uint32_t worker_id;
	uint32_t tid;
	int32_t cpu_pinned;	/* -1: not pinned to one CPU */
	int32_t cpu_last;	/* CPU it ran on most (sampled), from /proc */
	uint64_t utime_ns;	/* over the window */
	uint64_t stime_ns;
};

/* TEST_RESULT: sent by the session when its side of the test is over. */
struct proto_result {
	uint64_t window_ns;	/* length of the CPU window */
	uint32_t n_flows, n_cpus, n_workers;
	struct proto_flow_res *flows;
	struct proto_cpu_res *cpus;
	struct proto_worker_res *workers;
};

/* SAMPLE: cumulative counters at t_ns after the test started. */
struct proto_sample_flow {
	uint32_t conn_id;
	uint64_t tx_bytes;
	uint64_t rx_bytes;
};

struct proto_sample {
	uint64_t t_ns;
	uint32_t n;
	struct proto_sample_flow *v;
};

/*
 * HIST: the latency histogram of one active RR flow, sent by the session
 * before its TEST_RESULT.  Exact summary plus the non-empty buckets of
 * src/common/hist.h (index strictly increasing, count > 0).
 */
struct proto_hist_pair {
	uint32_t index;
	uint64_t count;
};

struct proto_hist {
	uint32_t conn_id;
	uint32_t n;		/* 0 .. PROTO_HIST_MAX_PAIRS */
	uint64_t count, min, max, sum, sumsq_hi, sumsq_lo;
	struct proto_hist_pair *v;
};

/*
 * CONN_SETOPT: set the options whose bit is in which (PROTO_OPT_*) on each
 * listed connection, then read back what is in force; which == 0 only
 * reads back.  Fields whose bit is clear are 0 (cc: empty).  cc is a
 * NUL-terminated name of [A-Za-z0-9_-], at most PROTO_CC_LEN - 1 bytes.
 */
struct proto_setopt_req {
	uint32_t n;		/* 1 .. PROTO_MAX_CONNS */
	uint32_t which;
	uint64_t max_pace;	/* bytes/s, not 0 */
	uint32_t sndbuf;	/* bytes, 1 .. PROTO_MAX_SOCKBUF */
	uint32_t rcvbuf;
	uint32_t nodelay;	/* 0 or 1 */
	char cc[PROTO_CC_LEN];
	uint32_t *ids;
};

/* The options of one connection as its socket reports them. */
struct proto_conn_opts {
	uint32_t id;
	uint32_t mss;		/* TCP_MAXSEG: the MSS in use */
	uint64_t max_pace;	/* bytes/s; PROTO_PACE_UNLIMITED: none */
	uint32_t sndbuf;	/* SO_SNDBUF, bytes (the kernel doubles) */
	uint32_t rcvbuf;	/* SO_RCVBUF */
	uint32_t nodelay;	/* 0 or 1 */
	char cc[PROTO_CC_LEN];	/* TCP_CONGESTION */
};

/* Reply of CONN_SETOPT: one entry per requested id, in request order. */
struct proto_opts_list {
	uint32_t n;		/* 0 .. PROTO_MAX_CONNS */
	struct proto_conn_opts *v;
};

/* Data connection hello, connector -> acceptor and back. */
struct proto_data_hello {
	uint32_t magic;		/* PROTO_DATA_MAGIC */
	uint32_t conn_id;	/* the sender's id of the connection */
	uint64_t token;		/* connector: the token; acceptor: 0 */
};

/* Encoding into a caller's buffer; w->err is set (-ENOSPC) on overflow. */
struct proto_wr {
	uint8_t *buf;
	size_t len;
	size_t cap;
	int err;
};

void proto_wr_init(struct proto_wr *w, void *buf, size_t cap);

/*
 * Header.  proto_hdr_decode always fills *h; it returns -EBADMSG for
 * reserved bits or unknown flags, -EMSGSIZE for a body over the maximum
 * and -ENOMSG for an unknown type (the body may then be skipped: len is
 * within the limit).
 */
void proto_hdr_encode(uint8_t out[PROTO_HDR_LEN], const struct proto_hdr *h);
int proto_hdr_decode(const uint8_t in[PROTO_HDR_LEN], struct proto_hdr *h);

/* Name of a frame type for logs and errors ("?" when unknown). */
const char *proto_type_name(uint16_t type);

/*
 * Whole frames: each appends header + body to w.  A reply sets
 * PROTO_F_REPLY.  Return 0 or -errno (also left in w->err).
 */

/*
 * Messages of a fixed size, one row each: name, frame type, reply or
 * request, body length.  Each row declares
 *	int proto_enc_NAME(struct proto_wr *w, uint32_t id,
 *			   const struct proto_NAME *m);
 *	int proto_dec_NAME(const uint8_t *b, size_t len, struct proto_NAME *m);
 * (proto_enc_listen_req ... proto_dec_worker_rep), and proto.c defines
 * them all with one table-driven encoder and decoder over the row and the
 * message's layout function x_NAME().  A new fixed message is a row here,
 * its struct and its layout.
 */
#define PROTO_FIXED_MSGS(X) \
	X(listen_req,	PROTO_T_LISTEN,		0, PROTO_LISTEN_REQ_LEN) \
	X(listen_rep,	PROTO_T_LISTEN,		1, PROTO_LISTEN_REP_LEN) \
	X(connect_req,	PROTO_T_CONNECT,	0, PROTO_CONNECT_REQ_LEN) \
	X(worker_req,	PROTO_T_WORKER_SPAWN,	0, PROTO_WORKER_REQ_LEN) \
	X(worker_rep,	PROTO_T_WORKER_SPAWN,	1, PROTO_WORKER_REP_LEN)

#define PROTO_FIXED_DECLARE_(name, type, reply, body_len) \
	int proto_enc_##name(struct proto_wr *w, uint32_t id, \
			     const struct proto_##name *m); \
	int proto_dec_##name(const uint8_t *b, size_t len, \
			     struct proto_##name *m);
PROTO_FIXED_MSGS(PROTO_FIXED_DECLARE_)

int proto_enc_error(struct proto_wr *w, uint32_t id, int err,
		    const char *text);
int proto_enc_hello(struct proto_wr *w, uint32_t id, int reply,
		    const struct proto_hello *m);
/* Reply of CONNECT or CONN_INFO: type says which. */
int proto_enc_conn_list(struct proto_wr *w, uint16_t type, uint32_t id,
			const struct proto_conn_list *m);
/* Request of CONN_INFO or CONN_CLOSE: type says which. */
int proto_enc_ids(struct proto_wr *w, uint16_t type, uint32_t id,
		  const struct proto_ids *m);
int proto_enc_test_req(struct proto_wr *w, uint32_t id,
		       const struct proto_test_req *m);
int proto_enc_result(struct proto_wr *w, uint32_t id,
		     const struct proto_result *m);
int proto_enc_sample(struct proto_wr *w, uint32_t id,
		     const struct proto_sample *m);
int proto_enc_hist(struct proto_wr *w, uint32_t id,
		   const struct proto_hist *m);
int proto_enc_setopt_req(struct proto_wr *w, uint32_t id,
			 const struct proto_setopt_req *m);
int proto_enc_opts_list(struct proto_wr *w, uint32_t id,
			const struct proto_opts_list *m);
/*
 * An empty-bodied frame: TEST_STOP request, TX_DONE (sent by a session,
 * not a reply), TLS_STAT request, or the bare reply of CONN_CLOSE,
 * TEST_START, TEST_STOP or CONN_TLS.  Any other is -EINVAL.
 */
int proto_enc_empty(struct proto_wr *w, uint16_t type, uint32_t id,
		    int reply);

int proto_dec_error(const uint8_t *b, size_t len, struct proto_error *m);
int proto_dec_hello(const uint8_t *b, size_t len, struct proto_hello *m);
int proto_dec_conn_list(const uint8_t *b, size_t len,
			struct proto_conn_list *m);
int proto_dec_ids(const uint8_t *b, size_t len, struct proto_ids *m);
int proto_dec_test_req(const uint8_t *b, size_t len,
		       struct proto_test_req *m);
int proto_dec_result(const uint8_t *b, size_t len, struct proto_result *m);
int proto_dec_sample(const uint8_t *b, size_t len, struct proto_sample *m);
int proto_dec_hist(const uint8_t *b, size_t len, struct proto_hist *m);
int proto_dec_setopt_req(const uint8_t *b, size_t len,
			 struct proto_setopt_req *m);
int proto_dec_opts_list(const uint8_t *b, size_t len,
			struct proto_opts_list *m);

void proto_conn_list_free(struct proto_conn_list *m);
void proto_ids_free(struct proto_ids *m);
void proto_test_req_free(struct proto_test_req *m);
void proto_result_free(struct proto_result *m);
void proto_sample_free(struct proto_sample *m);
void proto_hist_free(struct proto_hist *m);
void proto_setopt_req_free(struct proto_setopt_req *m);
void proto_opts_list_free(struct proto_opts_list *m);

/*
 * A congestion control name as CONN_SETOPT carries it: 1 .. PROTO_CC_LEN - 1
 * bytes of [A-Za-z0-9_-] before the NUL within s[PROTO_CC_LEN].
 */
int proto_cc_name_ok(const char *s);

/*
 * CONN_TLS and TLS_STAT (proto_tls.c): kernel TLS on data connections.
 * CONN_TLS hands a session the record keys of each listed connection for
 * the directions in flags ("tx": what this session sends), in the
 * fields of the kernel's tls12_crypto_info_* for the cipher; its reply is
 * empty.  TLS_STAT (empty request) answers with /proc/net/tls_stat.
 * version and cipher are the kernel's own numbers (TLS_1_x_VERSION,
 * TLS_CIPHER_*).  docs/protocol.md has the layouts.
 */
#define PROTO_TLS_1_2			0x0303
#define PROTO_TLS_1_3			0x0304
#define PROTO_TLS_AES_GCM_128		51
#define PROTO_TLS_AES_GCM_256		52
#define PROTO_TLS_CHACHA20_POLY1305	54
#define PROTO_TLS_F_TX		0x0001	/* set TLS_TX with conns[].tx */
#define PROTO_TLS_F_RX		0x0002	/* set TLS_RX with conns[].rx */
#define PROTO_TLS_F_NOPAD	0x0004	/* TLS_RX_EXPECT_NO_PAD (1.3, RX) */
#define PROTO_TLS_F_ALL		0x0007
#define PROTO_TLS_KEY_MAX	32	/* key bytes: 16 or 32 */
#define PROTO_TLS_SALT_MAX	4	/* GCM 4, ChaCha20 0 */
#define PROTO_TLS_IV_MAX	12	/* GCM 8, ChaCha20 12 */
#define PROTO_TLS_SEQ_LEN	8	/* record sequence number, big-endian */
#define PROTO_TLS_FIXED_LEN	16	/* then n * PROTO_TLS_CONN_LEN */
#define PROTO_TLS_KEY_LEN	56
#define PROTO_TLS_CONN_LEN	(8 + 2 * PROTO_TLS_KEY_LEN)
#define PROTO_TLS_NAME_LEN	32	/* counter name + NUL */
#define PROTO_TLS_MAX_COUNTERS	64
#define PROTO_TLS_STAT_FIXED_LEN 8	/* then n * PROTO_TLS_COUNTER_LEN */
#define PROTO_TLS_COUNTER_LEN	(PROTO_TLS_NAME_LEN + 8)
#define PROTO_TLS_STAT_F_PRESENT 0x0001	/* /proc/net/tls_stat exists */

/* One direction's keys; all zero for a direction not in flags. */
struct proto_tls_key {
	uint8_t key[PROTO_TLS_KEY_MAX];
	uint8_t salt[PROTO_TLS_SALT_MAX];
	uint8_t iv[PROTO_TLS_IV_MAX];
	uint8_t rec_seq[PROTO_TLS_SEQ_LEN];
};

struct proto_tls_conn {
	uint32_t id;		/* this session's connection id */
	struct proto_tls_key tx, rx;
};

struct proto_tls_req {
	uint32_t n;		/* 1 .. PROTO_MAX_CONNS */
	uint16_t version;	/* PROTO_TLS_1_2 or PROTO_TLS_1_3 */
	uint16_t cipher;	/* PROTO_TLS_AES_GCM_128 ... */
	uint32_t flags;		/* PROTO_TLS_F_*; TX or RX at least */
	struct proto_tls_conn *v;
};

struct proto_tls_counter {
	char name[PROTO_TLS_NAME_LEN];	/* [A-Za-z0-9_], NUL-terminated */
	uint64_t value;
};

/* Reply of TLS_STAT: the counters in the order the kernel lists them. */
struct proto_tls_stat {
	uint32_t n;		/* 0 .. PROTO_TLS_MAX_COUNTERS; 0 unless PRESENT */
	uint32_t flags;		/* PROTO_TLS_STAT_F_* */
	struct proto_tls_counter v[PROTO_TLS_MAX_COUNTERS];
};

/* Key, salt and IV bytes of a cipher.  0, or -EINVAL when unknown. */
int proto_tls_cipher_sizes(uint16_t cipher, unsigned int *key_len,
			   unsigned int *salt_len, unsigned int *iv_len);

int proto_enc_tls_req(struct proto_wr *w, uint32_t id,
		      const struct proto_tls_req *m);
int proto_dec_tls_req(const uint8_t *b, size_t len, struct proto_tls_req *m);
/* Wipes the keys, frees v and zeroes *m. */
void proto_tls_req_free(struct proto_tls_req *m);
/* The empty reply of CONN_TLS, and the empty TLS_STAT request. */
int proto_enc_tls_rep(struct proto_wr *w, uint32_t id);
int proto_enc_tls_stat_req(struct proto_wr *w, uint32_t id);
/* Reply of TLS_STAT. */
int proto_enc_tls_stat(struct proto_wr *w, uint32_t id,
		       const struct proto_tls_stat *m);
int proto_dec_tls_stat(const uint8_t *b, size_t len,
		       struct proto_tls_stat *m);

/* Data hello: exactly PROTO_DATA_HELLO_LEN bytes; decode checks magic. */
void proto_data_hello_encode(uint8_t out[PROTO_DATA_HELLO_LEN],
			     const struct proto_data_hello *m);
int proto_data_hello_decode(const uint8_t in[PROTO_DATA_HELLO_LEN],
			    struct proto_data_hello *m);

#endif /* KPERF_PROTO_H */
