/* SPDX-License-Identifier: MIT */
/*
 * kperf/report.h - what a test measured, per flow group: struct
 * kperf_report and the structs inside it, the limits and enums of
 * libkperf.  Made by the library (kperf_test_run), read by the caller,
 * freed with the result (kperf_result_free).  Structs only grow at their
 * end; read arrays through kperf_report_flow() and friends (kperf.h).
 */
#ifndef KPERF_REPORT_PUB_H
#define KPERF_REPORT_PUB_H

#include <stddef.h>
#include <stdint.h>

#define KPERF_VERSION		"0.2.0"
#define KPERF_JSON_SCHEMA	1
#define KPERF_SVC_DEFAULT	"18323"
#define KPERF_MAX_CONNS		4096
#define KPERF_MAX_IO_SIZE	(64u << 20)

#define KPERF_MAX_CPUS		4096
#define KPERF_CPU_WORDS		(KPERF_MAX_CPUS / 64)
#define KPERF_ATTEMPTS_DEFAULT	500

/* Per-flow TCP settings (struct kperf_opts, struct kperf_settings). */
#define KPERF_MSS_MIN		88
#define KPERF_MSS_MAX		65535
#define KPERF_MAX_SOCKBUF	(1u << 30)	/* --sndbuf, --rcvbuf */
#define KPERF_TCP_CC_LEN	16		/* name + NUL (TCP_CA_NAME_MAX) */
#define KPERF_PACE_UNLIMITED	UINT64_MAX	/* max_pacing_rate: none */

enum kperf_test_type { KPERF_STREAM = 1, KPERF_RR = 2 };
enum kperf_direction { KPERF_FORWARD, KPERF_REVERSE, KPERF_BIDIR };

/* Where a flow's worker goes on one end (see docs/placement.md). */
enum kperf_pin_policy {
	KPERF_PIN_RX_CPU,	/* on the flow's RX CPU (default) */
	KPERF_PIN_OFFSET,	/* RX CPU + offset among the online CPUs */
	KPERF_PIN_CROSS,	/* on the next flow's RX CPU */
	KPERF_PIN_CPU,		/* on one given CPU */
	KPERF_PIN_NONE,		/* not pinned */
};

/* Data paths (see docs/datapath.md): engine per end, modes per direction. */
enum kperf_engine { KPERF_ENGINE_EPOLL, KPERF_ENGINE_IO_URING };
enum kperf_rx_mode { KPERF_RX_COPY, KPERF_RX_TRUNC, KPERF_RX_ZEROCOPY };
enum kperf_tx_mode { KPERF_TX_COPY, KPERF_TX_ZEROCOPY };

/*
 * Kernel TLS on the data connections (struct kperf_opts.tls, also in the
 * report).  The zero value is TLS off, and TLS 1.3 with AES-GCM-128 once
 * a direction is on.  tx encrypts what the source sends, rx what the
 * destination sends back (RR responses).  nopad sets
 * TLS_RX_EXPECT_NO_PAD on every receiving end (TLS 1.3 only).  The keys
 * are random per connection and direction, made by the client and sent
 * over the unencrypted control connection: they serve the benchmark,
 * not secrecy.
 */
enum kperf_tls_version { KPERF_TLS_1_3, KPERF_TLS_1_2 };
enum kperf_tls_cipher {
	KPERF_TLS_AES_GCM_128,
	KPERF_TLS_AES_GCM_256,
	KPERF_TLS_CHACHA20_POLY1305,
};

struct kperf_tls {
	int tx, rx;
	enum kperf_tls_version version;
	enum kperf_tls_cipher cipher;
	int nopad;
};

/* One counter of /proc/net/tls_stat: after the test minus before. */
#define KPERF_TLS_STAT_NAME_LEN	32
struct kperf_tls_stat {
	char name[KPERF_TLS_STAT_NAME_LEN];	/* the kernel's, e.g. TlsTxSw */
	int64_t delta;		/* TlsCurr* are gauges: may be negative */
};

struct kperf_pin {
	enum kperf_pin_policy policy;
	int offset;		/* KPERF_PIN_OFFSET */
	int cpu;		/* KPERF_PIN_CPU */
};


struct kperf_tcp {
	uint32_t retrans, reord_seen, rtt_us, rttvar_us, delivered_ce;
	uint32_t snd_wnd, snd_cwnd;
	uint64_t bytes_acked, bytes_received;
};

/*
 * TCP settings of one end of a flow as its socket reports them after they
 * were set, before the test: defaults included.
 */
struct kperf_settings {
	uint32_t mss;			/* TCP_MAXSEG: the MSS in use */
	uint64_t max_pacing_rate;	/* bytes/s, KPERF_PACE_UNLIMITED */
	uint32_t sndbuf, rcvbuf;	/* bytes, as the kernel reports them */
	int nodelay;			/* TCP_NODELAY */
	char tcp_cc[KPERF_TCP_CC_LEN];	/* TCP_CONGESTION */
};

/*
 * What the data path did on one end of a flow, over the whole test
 * (warm-up included).  first_bad_offset is the stream offset of the first
 * byte that differed from the pattern, -1 when none did.
 */
struct kperf_xfer {
	uint64_t checked;		/* bytes received and validated */
	uint64_t mismatches;		/* of those, bytes that differed */
	int64_t first_bad_offset;
	uint64_t zc_sends;		/* MSG_ZEROCOPY sends completed */
	uint64_t zc_copied;		/* of those, the kernel copied */
	uint64_t zrx_mapped;		/* TCP_ZEROCOPY_RECEIVE: mapped */
	uint64_t zrx_copied;		/* bytes it had to copy */
};

/* One end of a flow. */
struct kperf_flow_end {
	int rx_cpu;		/* SO_INCOMING_CPU when placed */
	int rx_cpu_end;		/* read again after the test */
	uint32_t napi_id;
	int worker_cpu;		/* pinned CPU, -1 when not pinned */
	int worker_cpu_ran;	/* the CPU the kernel last ran it on */
	uint32_t worker_tid;
	uint16_t port;
	uint64_t tx_bytes, rx_bytes;
	double xfer_s;		/* first to last byte on this end */
	struct kperf_tcp tcp;
	struct kperf_settings settings;
	struct kperf_xfer xfer;
};

/* Latency of transactions, microseconds, from merged histograms. */
struct kperf_latency {
	uint64_t count;
	double min, mean, stdev, p50, p90, p99, p999, p9999, max;
};

struct kperf_rr {
	uint64_t transactions;	/* completed by the source (active end) */
	double tps;		/* transactions / source transfer time */
	int have_latency;	/* 0 with no_latency */
	struct kperf_latency latency_us;
};

struct kperf_flow {
	unsigned int id;
	struct kperf_flow_end src, dst;
	double throughput_gbps;	/* received at dst / dst transfer time */
	struct kperf_rr rr;	/* RR tests only */
	/* KPERF_BIDIR: received at src / src's receive time; else 0. */
	double reverse_gbps;
};

/* One non-empty bucket of the merged latency histogram. */
struct kperf_hist_bucket {
	uint64_t upper_ns;	/* inclusive upper bound of the bucket */
	uint64_t count;
};

/* Percent of the measured window. */
struct kperf_cpu {
	int cpu;
	double user, system, irq, softirq, iowait, idle, steal;
};

/* One worker thread, as the kernel accounts it over the window. */
struct kperf_worker {
	uint32_t tid;
	int cpu_pinned;		/* -1: not pinned */
	int cpu_ran;		/* the CPU it ran on most */
	double user_s, system_s;
};

struct kperf_host_report {
	char address[256];	/* as given by the user */
	char hostname[65];
	char kernel[65];
	unsigned int ncpus;
	double window_s;	/* the CPU window measured on this host */
	unsigned int n_cpu;	/* CPUs a flow or a worker sits on */
	struct kperf_cpu *cpu;
	double worker_cpu_s;	/* user + system of kperf's workers */
	double cpu_s_per_gb;	/* stream: worker_cpu_s per 1e9 bytes moved */
	double cpu_us_per_transaction;	/* rr: worker CPU per transaction */
	unsigned int n_workers;
	struct kperf_worker *workers;
	/* With TLS: /proc/net/tls_stat deltas over the test; else NULL. */
	unsigned int n_tls_stat;
	struct kperf_tls_stat *tls_stat;
};

/* One interval sample (-i): throughput over [t_s - interval, t_s]. */
struct kperf_sample {
	double t_s;		/* since the test started on the source */
	double total_gbps;
	double *flow_gbps;	/* n_flows entries, sent by the source */
};

struct kperf_placement {
	const char *policy;	/* of the source end; see docs/json.md */
	const char *policy_dst;
	unsigned int attempts;	/* rounds of connect, match, close */
	unsigned int connections_opened;
	unsigned int connections_discarded;
};

/* The data path the test ran with (from kperf_opts). */
struct kperf_data_path {
	enum kperf_engine engine_src, engine_dst;
	enum kperf_rx_mode rx_mode;
	enum kperf_tx_mode tx_mode;
	int validate;			/* receivers checked every byte */
	int waitall;			/* stream receivers: MSG_WAITALL */
};

struct kperf_report {
	enum kperf_test_type type;
	double duration_s;
	unsigned int n_flows;
	struct kperf_flow *flows;
	struct kperf_host_report src, dst;
	double total_gbps;
	struct kperf_rr total_rr;	/* RR: all flows, merged histograms */
	unsigned int n_hist;		/* RR: merged histogram buckets */
	struct kperf_hist_bucket *hist;
	struct kperf_placement placement;
	unsigned int n_samples;
	struct kperf_sample *samples;
	struct kperf_data_path data_path;
	uint64_t mismatches;		/* all flows, both ends */
	struct kperf_tls tls;		/* as run; TLS off: all zero */
	/*
	 * Reverse: src (the sending end) is the host the connections were
	 * opened to, as iperf3 -R.  src and dst always follow the data;
	 * bidirectional: both send, src is the end that opened the
	 * connections and the dst -> src direction is reverse_gbps.
	 */
	enum kperf_direction direction;
	double total_reverse_gbps;	/* KPERF_BIDIR: dst -> src */
};

void kperf_report_free(struct kperf_report *r);

#endif /* KPERF_REPORT_PUB_H */
